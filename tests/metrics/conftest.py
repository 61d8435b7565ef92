import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    """Metrics tests are small; intra-op threads only contend on a shared 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
