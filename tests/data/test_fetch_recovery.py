"""A refused or failed fetch leaves nothing behind and trusts nothing; the next fetch works.

Through ``companion data fetch`` against the local server of conftest.py (no internet).
"""

import io
import json
import shutil
import sys
from pathlib import Path

from companion.cli import main
from companion.data.fetch import LOCK_FILE, sha256_of

ARCHIVES = Path(__file__).resolve().parents[1] / "fixtures" / "archives"


def _fetch(root, url, *extra):
    return main(["data", "fetch", "tiny", "--root", str(root), "--url", url, *extra])


def _one_error_line(capsys):
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    return err


def test_refused_archive_is_deleted_and_not_trusted(server, tmp_path, capsys):
    _, url, served = server
    root = tmp_path / "datasets"
    shutil.copy(ARCHIVES / "tiny_unsafe.tar.gz", served / "tiny.tar.gz")
    assert _fetch(root, f"{url}/tiny.tar.gz") == 2
    err = _one_error_line(capsys)
    assert "refusing archive member with a '..' component: 'tiny/../../escaped.txt'" in err
    assert "tiny.tar.gz was deleted and nothing was installed or recorded as trusted" in err
    assert list(root.iterdir()) == [] and not (tmp_path / "escaped.txt").exists()


def test_good_archive_after_a_refused_one_same_url(server, tmp_path, capsys):
    _, url, served = server
    root = tmp_path / "datasets"
    shutil.copy(ARCHIVES / "tiny_unsafe.tar.gz", served / "tiny.tar.gz")
    assert _fetch(root, f"{url}/tiny.tar.gz") == 2
    # the mirror is fixed: same URL, good archive (before: the refused one was reused forever)
    shutil.copy(ARCHIVES / "tiny_unpaired.tar.gz", served / "tiny.tar.gz")
    capsys.readouterr()
    assert _fetch(root, f"{url}/tiny.tar.gz") == 0, capsys.readouterr().err
    assert sorted(p.name for p in root.iterdir()) == [LOCK_FILE, "tiny"]
    assert (root / "tiny" / "trainA" / "0.png").is_file()
    lock = json.loads((root / LOCK_FILE).read_text())
    assert lock["tiny"]["sha256"] == sha256_of(ARCHIVES / "tiny_unpaired.tar.gz")


def test_good_archive_after_a_refused_one_other_url(server, tmp_path, capsys):
    _, url, served = server
    root = tmp_path / "datasets"
    shutil.copy(ARCHIVES / "tiny_unsafe.tar.gz", served / "bad.tar.gz")
    shutil.copy(ARCHIVES / "tiny_unpaired.tar.gz", served / "good.tar.gz")
    assert _fetch(root, f"{url}/bad.tar.gz") == 2
    # before: "checksum mismatch ... Run the command again", forever
    assert _fetch(root, f"{url}/good.tar.gz") == 0, capsys.readouterr().err
    assert sorted(p.name for p in root.iterdir()) == [LOCK_FILE, "tiny"]


def test_broken_archive_is_deleted(server, tmp_path, capsys):
    _, url, served = server
    root = tmp_path / "datasets"
    data = (ARCHIVES / "tiny_unpaired.zip").read_bytes()
    (served / "cut.zip").write_bytes(data[:-200])  # a download cut short by a proxy
    (served / "page.zip").write_bytes(b"<html>quota exceeded</html>")
    assert _fetch(root, f"{url}/page.zip") == 2
    assert "neither a zip nor a tar archive" in _one_error_line(capsys)
    assert _fetch(root, f"{url}/cut.zip") == 2
    assert "cut.zip was deleted and nothing was installed" in _one_error_line(capsys)
    assert list(root.iterdir()) == []


def test_mismatch_with_the_lock_file_says_how_to_start_over(server, tmp_path, capsys):
    _, url, served = server
    root = tmp_path / "datasets"
    shutil.copy(ARCHIVES / "tiny_unpaired.zip", served / "tiny.zip")
    assert _fetch(root, f"{url}/tiny.zip") == 0
    lock_before = (root / LOCK_FILE).read_bytes()
    shutil.rmtree(root / "tiny")
    shutil.copy(ARCHIVES / "tiny_unpaired.tar.gz", served / "tiny.zip")  # the source changed
    capsys.readouterr()
    assert _fetch(root, f"{url}/tiny.zip") == 2
    err = _one_error_line(capsys)
    new = sha256_of(ARCHIVES / "tiny_unpaired.tar.gz")
    assert f"was recorded in {root / LOCK_FILE} by the fetch of {url}/tiny.zip on " in err
    assert f"delete the 'tiny' entry of that file (or pass --sha256 {new})" in err
    assert (root / LOCK_FILE).read_bytes() == lock_before  # the record is not lost
    assert sorted(p.name for p in root.iterdir()) == [LOCK_FILE]
    # following the advice works
    assert _fetch(root, f"{url}/tiny.zip", "--sha256", new) == 0
    assert json.loads((root / LOCK_FILE).read_text())["tiny"]["sha256"] == new


def test_no_progress_bar_when_stderr_is_not_a_terminal(server, tmp_path, capsys):
    _, url, _ = server
    assert _fetch(tmp_path / "d", f"{url}/tiny_unpaired.zip") == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # before: "tiny_unpaired.zip:   0%|..." drawn into logs
    assert captured.out == f"tiny is in {tmp_path / 'd' / 'tiny'}\n"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal(server, tmp_path, monkeypatch):
    _, url, _ = server
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert _fetch(tmp_path / "d", f"{url}/tiny_unpaired.zip") == 0
    assert "tiny_unpaired.zip: 100%" in terminal.getvalue()
