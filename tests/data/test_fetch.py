"""fetch() end to end against a local HTTP server on 127.0.0.1 (no internet; see conftest.py)."""

import io
import json
import shutil
import tarfile
import zipfile

import pytest

from companion.data import UnpairedFolders, fetch
from companion.data.fetch import LOCK_FILE, safe_extract, sha256_of


@pytest.mark.parametrize("archive", ["tiny_unpaired.tar.gz", "tiny_unpaired.zip"])
def test_fetch_end_to_end_records_checksum(server, tmp_path, archive):
    _, url, served = server
    root = tmp_path / "datasets"
    dest = fetch("tiny", root, url=f"{url}/{archive}", progress=False)
    assert dest == root / "tiny"
    assert sorted(p.name for p in dest.iterdir()) == ["testA", "testB", "trainA", "trainB"]
    lock = json.loads((root / LOCK_FILE).read_text())
    assert lock["tiny"]["sha256"] == sha256_of(served / archive)
    assert sorted(p.name for p in root.iterdir()) == sorted([LOCK_FILE, "tiny"])  # no leftovers
    assert UnpairedFolders(dest, "train", resolution=8)[0]["a"].shape == (3, 8, 8)


def test_fetch_resumes_a_partial_download(server, tmp_path):
    httpd, url, served = server
    root = tmp_path / "datasets"
    root.mkdir()
    data = (served / "tiny_unpaired.zip").read_bytes()
    (root / "tiny_unpaired.zip.part").write_bytes(data[:100])
    digest = sha256_of(served / "tiny_unpaired.zip")
    fetch("tiny", root, url=f"{url}/tiny_unpaired.zip", sha256=digest, progress=False)
    assert httpd.requests == ["bytes=100-"]
    assert (root / "tiny" / "trainA" / "0.png").is_file()


def test_fetch_refuses_wrong_checksum(server, tmp_path):
    _, url, _ = server
    root = tmp_path / "datasets"
    with pytest.raises(RuntimeError, match="checksum mismatch .* expected sha256 0000"):
        fetch("tiny", root, url=f"{url}/tiny_unpaired.tar.gz", sha256="0" * 64, progress=False)
    assert sorted(p.name for p in root.iterdir()) == []  # nothing left behind


def test_fetch_checks_against_the_lock_file(server, tmp_path):
    _, url, served = server
    root = tmp_path / "datasets"
    fetch("tiny", root, url=f"{url}/tiny_unpaired.zip", progress=False)
    shutil.rmtree(root / "tiny")
    (served / "tiny_unpaired.zip").write_bytes(b"PK tampered")
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        fetch("tiny", root, url=f"{url}/tiny_unpaired.zip", progress=False)


def _tar_with(name, **info_kw):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        info = tarfile.TarInfo(name)
        for k, v in info_kw.items():
            setattr(info, k, v)
        tf.addfile(info, io.BytesIO(b"x" * info.size))
    return buf.getvalue()


def test_fetch_refuses_parent_paths_and_installs_nothing(server, tmp_path):
    _, url, served = server
    (served / "evil.tar.gz").write_bytes(_tar_with("tiny/../../escaped.txt", size=1))
    root = tmp_path / "datasets"
    with pytest.raises(RuntimeError, match=r"refusing archive member with a '\.\.' component"):
        fetch("evil", root, url=f"{url}/evil.tar.gz", progress=False)
    assert not (tmp_path / "escaped.txt").exists() and not (root / "evil").exists()
    assert not [p for p in root.iterdir() if p.name.startswith(".evil-extract")]


@pytest.mark.parametrize(
    "name,kw,match",
    [
        ("/etc/evil", {"size": 1}, "absolute path"),
        ("tiny/link", {"type": tarfile.SYMTYPE, "linkname": "../../outside"}, "link that leaves"),
        ("tiny/abs", {"type": tarfile.SYMTYPE, "linkname": "/etc/passwd"}, "link that leaves"),
        ("tiny/fifo", {"type": tarfile.FIFOTYPE}, "special file"),
    ],
)
def test_safe_extract_refuses_unsafe_tar_members(tmp_path, name, kw, match):
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(_tar_with(name, **kw))
    (tmp_path / "out").mkdir()
    with pytest.raises(RuntimeError, match=match):
        safe_extract(archive, tmp_path / "out")
    assert not any((tmp_path / "out").iterdir())


def test_safe_extract_refuses_zip_parent_paths(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escaped.txt", "x")
    (tmp_path / "out").mkdir()
    with pytest.raises(RuntimeError, match=r"'\.\.' component"):
        safe_extract(archive, tmp_path / "out")


def test_fetch_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset 'nope' and no url"):
        fetch("nope", tmp_path)
    with pytest.raises(RuntimeError, match="cannot reach http://127.0.0.1:9/x.zip"):
        fetch("x", tmp_path, url="http://127.0.0.1:9/x.zip", progress=False, timeout=2)
