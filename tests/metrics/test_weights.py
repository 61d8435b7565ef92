import hashlib

import pytest
import torch

from companion.metrics import weights
from companion.metrics.weights import KNOWN_WEIGHTS, KnownWeights, file_sha256, resolve_weights


@pytest.fixture
def isolated_dirs(tmp_path, monkeypatch):
    """A fresh COMPANION_WEIGHTS_DIR and an empty torch hub dir, so no real cache is read."""
    env_dir = tmp_path / "weights"
    env_dir.mkdir()
    hub_dir = tmp_path / "hub"
    monkeypatch.setenv("COMPANION_WEIGHTS_DIR", str(env_dir))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(hub_dir))
    return env_dir, hub_dir


@pytest.fixture
def fake_known(monkeypatch):
    """Register a tiny fake weight file whose full sha256 is known."""
    payload = b"fake weights"
    digest = hashlib.sha256(payload).hexdigest()
    entry = KnownWeights(
        "fake", "fake-net.pth", "https://example.org/fake-net.pth", digest, "", "t"
    )
    monkeypatch.setitem(KNOWN_WEIGHTS, "fake", entry)
    return payload, digest


def test_file_sha256_matches_hashlib(tmp_path):
    f = tmp_path / "x.bin"
    f.write_bytes(b"abc" * 1000)
    assert file_sha256(f, chunk_bytes=7) == hashlib.sha256(b"abc" * 1000).hexdigest()


def test_file_sha256_reads_in_chunks_not_the_whole_file(tmp_path, monkeypatch):
    """A weights file is hundreds of MB: it is hashed a chunk at a time."""
    path = tmp_path / "w.bin"
    path.write_bytes(bytes(range(10)))
    sizes = []

    class Recording:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def read(self, size=-1):
            sizes.append(size)
            return self.f.read(size)

    monkeypatch.setattr(weights, "open", lambda *a, **kw: Recording(open(*a, **kw)), raising=False)
    assert file_sha256(path, chunk_bytes=4) == hashlib.sha256(bytes(range(10))).hexdigest()
    assert sizes == [4, 4, 4, 4]  # 4 + 4 + 2 bytes, then the empty read that ends the loop


def test_finds_file_in_env_dir_and_verifies(isolated_dirs, fake_known):
    env_dir, _ = isolated_dirs
    payload, digest = fake_known
    (env_dir / "fake-net.pth").write_bytes(payload)
    found = resolve_weights("fake")
    assert found.source == "COMPANION_WEIGHTS_DIR"
    assert found.sha256 == digest and found.verified == "sha256"


def test_finds_file_in_torch_hub_cache(isolated_dirs, fake_known, monkeypatch):
    _, hub_dir = isolated_dirs
    monkeypatch.delenv("COMPANION_WEIGHTS_DIR")
    payload, _ = fake_known
    (hub_dir / "checkpoints").mkdir(parents=True)
    (hub_dir / "checkpoints" / "fake-net.pth").write_bytes(payload)
    assert resolve_weights("fake").source == "torch-hub"


def test_explicit_path_file_or_folder(tmp_path, fake_known):
    payload, _ = fake_known
    (tmp_path / "fake-net.pth").write_bytes(payload)
    assert resolve_weights("fake", path=tmp_path).source == "path"
    assert resolve_weights("fake", path=tmp_path / "fake-net.pth").source == "path"


def test_rejects_wrong_hash(isolated_dirs, fake_known):
    env_dir, _ = isolated_dirs
    (env_dir / "fake-net.pth").write_bytes(b"something else")
    with pytest.raises(RuntimeError, match="sha256 mismatch .*fake-net.pth"):
        resolve_weights("fake")


def test_prefix_only_hash_is_checked(isolated_dirs):
    env_dir, _ = isolated_dirs
    (env_dir / "alexnet-owt-7be5be79.pth").write_bytes(b"not alexnet")
    with pytest.raises(RuntimeError, match="starting with 7be5be79"):
        resolve_weights("alexnet")


def test_missing_file_error_names_file_source_and_hash(isolated_dirs):
    with pytest.raises(FileNotFoundError) as info:
        resolve_weights("alexnet")
    message = str(info.value)
    assert "alexnet-owt-7be5be79.pth" in message
    assert "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth" in message
    assert "7be5be79" in message and "COMPANION_WEIGHTS_DIR" in message


def test_missing_explicit_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="vgg16-397923af.pth not found at"):
        resolve_weights("vgg16", path=tmp_path / "nowhere.pth")


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown weights 'resnet'"):
        resolve_weights("resnet")


def test_no_download_without_permission(isolated_dirs, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("network touched")

    monkeypatch.setattr(torch.hub, "download_url_to_file", forbidden)
    with pytest.raises(FileNotFoundError):
        resolve_weights("inception-fid")


def test_download_path_checks_hash(isolated_dirs, fake_known, monkeypatch):
    _, hub_dir = isolated_dirs

    def fake_download(url, dst, **kwargs):
        with open(dst, "wb") as f:
            f.write(b"tampered")

    monkeypatch.setattr(torch.hub, "download_url_to_file", fake_download)
    with pytest.raises(RuntimeError, match="sha256 mismatch"):
        resolve_weights("fake", allow_download=True)
    assert not (hub_dir / "checkpoints" / "fake-net.pth").exists()


def test_search_dirs_order(isolated_dirs):
    labels = [label for label, _ in weights.weights_search_dirs()]
    assert labels == ["COMPANION_WEIGHTS_DIR", "torch-hub"]


def _entry(sha256, prefix, name="fake"):
    return KnownWeights(
        name, f"{name}-net.pth", f"https://example.org/{name}-net.pth", sha256, prefix, "t"
    )


def test_a_prefix_is_compared_in_lowercase_and_labelled_sha256_prefix(tmp_path, monkeypatch):
    payload = b"fake weights"  # sha256 447b3b28...: the prefix holds a letter
    digest = hashlib.sha256(payload).hexdigest()
    (tmp_path / "fake-net.pth").write_bytes(payload)
    for prefix in ("447b3b28", "447B3B28"):
        monkeypatch.setitem(KNOWN_WEIGHTS, "fake", _entry(None, prefix))
        found = resolve_weights("fake", path=tmp_path)
        assert found == weights.ResolvedWeights(
            "fake", str((tmp_path / "fake-net.pth").resolve()), digest, "sha256-prefix", "path"
        )


def test_a_file_without_a_recorded_hash_is_unverified(tmp_path, monkeypatch):
    payload = b"fake weights"
    monkeypatch.setitem(KNOWN_WEIGHTS, "fake", _entry(None, ""))
    (tmp_path / "fake-net.pth").write_bytes(payload)
    found = resolve_weights("fake", path=tmp_path / "fake-net.pth")
    assert (found.name, found.verified) == ("fake", "unverified")
    assert found.to_dict()["sha256"] == hashlib.sha256(payload).hexdigest()


def test_found_in_a_search_folder_the_record_says_what_and_where(isolated_dirs, fake_known):
    env_dir, _ = isolated_dirs
    payload, digest = fake_known
    (env_dir / "fake-net.pth").write_bytes(payload)
    assert resolve_weights("fake") == weights.ResolvedWeights(
        "fake",
        str((env_dir / "fake-net.pth").resolve()),
        digest,
        "sha256",
        "COMPANION_WEIGHTS_DIR",
    )


@pytest.mark.parametrize(
    ("sha256", "prefix", "note"),
    [
        ("ab" * 32, "", "sha256 " + "ab" * 32),
        (None, "447b3b28", "sha256 starting with 447b3b28"),
        (None, "", "sha256 not recorded"),
    ],
)
def test_the_missing_file_message_in_full(isolated_dirs, monkeypatch, sha256, prefix, note):
    env_dir, hub_dir = isolated_dirs
    monkeypatch.setitem(KNOWN_WEIGHTS, "fake", _entry(sha256, prefix))
    with pytest.raises(FileNotFoundError) as info:
        resolve_weights("fake")
    assert str(info.value) == (
        f"weights file fake-net.pth (t) not found; searched {env_dir / 'fake-net.pth'}, "
        f"{hub_dir / 'checkpoints' / 'fake-net.pth'}; get it from "
        f"https://example.org/fake-net.pth ({note}) and put it in $COMPANION_WEIGHTS_DIR, or "
        "pass allow_download=True"
    )


def test_a_download_goes_to_the_hub_cache_quietly_and_is_verified(
    isolated_dirs, fake_known, monkeypatch, caplog
):
    _, hub_dir = isolated_dirs
    payload, digest = fake_known
    (hub_dir / "checkpoints").mkdir(parents=True)  # an existing cache folder is fine
    calls = []

    def fake_download(url, dst, **kwargs):
        calls.append((url, dst, kwargs))
        with open(dst, "wb") as f:
            f.write(payload)

    monkeypatch.setattr(torch.hub, "download_url_to_file", fake_download)
    target = hub_dir / "checkpoints" / "fake-net.pth"
    with caplog.at_level("INFO", logger="companion.metrics.weights"):
        found = resolve_weights("fake", allow_download=True)
    assert found == weights.ResolvedWeights(
        "fake", str(target.resolve()), digest, "sha256", "download"
    )
    assert calls == [
        ("https://example.org/fake-net.pth", str(target), {"hash_prefix": None, "progress": False})
    ]
    assert [r.getMessage() for r in caplog.records] == [
        f"downloading https://example.org/fake-net.pth to {target}"
    ]
