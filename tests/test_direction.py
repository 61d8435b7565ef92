"""Paired data reaches a method in the paper's direction, through every entry point.

The facades fixture's A|B files hold, as the real facades do, a photo on the left (an orange
ramp) and a label map on the right (black with a white square). The paper translates labels ->
photo, so the source ``a`` must be the achromatic, two-valued label map wherever it is read: the
loader, one training step of a method configured for the dataset, and the CLI's train and
sample commands. (Before the data layer owned the direction, it was applied twice and facades
trained photo -> labels.)
"""

import numpy as np
import torch
from PIL import Image

from companion.cli import main
from companion.data import dataset_facts, load_dataset
from companion.methods.pix2pix import Pix2Pix, Pix2PixConfig
from companion.train import fit

FIXTURES = "tests/fixtures/datasets"


def _is_label_map(x: torch.Tensor) -> bool:
    """(C, H, W) in [-1, 1]: grey (channels equal) and two-valued, as a label map is."""
    grey = bool((x - x.mean(0, keepdim=True)).abs().max() < 0.02)
    two_valued = bool(((x.abs() - 1).abs() < 0.02).float().mean() > 0.95)
    return grey and two_valued


def _is_photo(x: torch.Tensor) -> bool:
    """The orange ramp: red above blue on average."""
    return bool(x[0].mean() > x[2].mean() + 0.3)


def test_loader_puts_the_label_map_first():
    sample = load_dataset("facades", split="val", resolution=16, root=FIXTURES)[0]
    assert _is_label_map(sample["a"]) and _is_photo(sample["b"])


def test_one_training_step_translates_the_label_map():
    cfg = Pix2PixConfig.smoke().for_dataset(dataset_facts("facades"))
    cfg = cfg.with_overrides({"image_size": 16})
    data = load_dataset("facades", split="val", resolution=16, root=FIXTURES)
    model = Pix2Pix(cfg)
    seen = []
    model.G.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach()))
    fit(model, [data[0]] * 2, 1, batch_size=2)
    assert seen and all(_is_label_map(x) for x in seen[0])


def test_cli_trains_and_samples_from_the_label_map(tmp_path, capsys):
    run = tmp_path / "run"
    common = ["--root", FIXTURES]
    train = ["train", "pix2pix", "--preset", "smoke", "--data", "facades", "--steps", "1"]
    train += ["--set", "image_size=16", "--batch-size", "2", "--out", str(run), *common]
    assert main(train) == 0, capsys.readouterr().err
    assert main(["sample", str(run), "--split", "val", "--n", "1", *common]) == 0
    picture = np.asarray(Image.open(run / "samples.png").convert("RGB"), dtype=np.float32)
    first = torch.from_numpy(picture[2:18, 2:18]).permute(2, 0, 1) / 127.5 - 1  # the input tile
    assert _is_label_map(first)
