"""Explicit, opt-in download of a real dataset: resumable, checksummed, safely extracted.

Only ``companion data fetch NAME --root DIR`` (or a call to :func:`fetch`) downloads; nothing
else in the package touches the network. The steps never leave a half-written dataset:

1. download to ``DIR/ARCHIVE.part``, resuming with an HTTP Range request if a partial file is
   there;
2. check its sha256 against the caller's, the registry's, or the one recorded in
   ``DIR/companion-data.lock.json`` by an earlier successful fetch (trust on first use); a
   mismatch deletes the download and raises;
3. extract into a temporary folder inside ``DIR``, refusing absolute paths, ``..`` components,
   links that point outside the folder and special files; a refused or broken archive is
   deleted with the temporary folder, and nothing is installed or recorded;
4. rename the result to ``DIR/NAME`` (one atomic rename), and only then record the archive's
   sha256 in the lock file and delete the archive.

To start over after a refused download, delete the dataset's entry in the lock file (or pass
``--sha256``) and run the command again; a failed fetch leaves no archive behind, only a
``.part`` file of an interrupted download, which the next run resumes.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import shutil
import stat
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

from companion.data.registry import REGISTRY

__all__ = ["LOCK_FILE", "fetch", "safe_extract", "sha256_of"]

logger = logging.getLogger(__name__)

LOCK_FILE = "companion-data.lock.json"
_CHUNK = 1 << 20


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks.

    Example:
        >>> import tempfile; p = Path(tempfile.mkdtemp()) / "f"; _ = p.write_bytes(b"abc")
        >>> sha256_of(p)[:16]
        'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url: str, part: Path, progress: bool, timeout: float) -> None:
    """Download ``url`` into ``part``, resuming from its current size when the server allows."""
    from tqdm.auto import tqdm

    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "companion-data-fetch"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (user's URL)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # nothing left to fetch: the .part is complete
            return
        raise RuntimeError(f"download of {url} failed: HTTP {err.code} {err.reason}") from err
    except urllib.error.URLError as err:
        raise RuntimeError(
            f"cannot reach {url}: {err.reason}; check the URL and your "
            "connection, then run the same command again to resume"
        ) from err
    with response:
        resumed = response.status == 206
        if have and not resumed:
            logger.info("server ignored the Range request; restarting %s", part.name)
            have = 0
        total = response.headers.get("Content-Length")
        total = int(total) + have if total is not None else None
        with (
            open(part, "ab" if resumed else "wb") as f,
            tqdm(
                total=total,
                initial=have,
                unit="B",
                unit_scale=True,
                desc=part.name[:-5],
                disable=not progress,
                file=sys.stderr,
            ) as bar,
        ):
            for block in iter(lambda: response.read(_CHUNK), b""):
                f.write(block)
                bar.update(len(block))
            f.flush()
            os.fsync(f.fileno())


def _check_member(name: str, dest: Path) -> Path:
    """The path ``name`` extracts to under ``dest``; raises if it would land outside."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or name.startswith(("/", "\\")) or (pure.parts and ":" in pure.parts[0]):
        raise RuntimeError(f"refusing archive member with an absolute path: {name!r}")
    if ".." in pure.parts:
        raise RuntimeError(f"refusing archive member with a '..' component: {name!r}")
    target = (dest / pure).resolve()
    if not target.is_relative_to(dest.resolve()):
        raise RuntimeError(f"refusing archive member that leaves the folder: {name!r}")
    return target


def safe_extract(archive: str | os.PathLike, dest: str | os.PathLike) -> None:
    """Extract a .zip or .tar(.gz) archive into ``dest``, refusing any unsafe member.

    Refused: absolute paths, ``..`` components, symbolic or hard links whose target leaves
    ``dest``, and device or FIFO entries. Checks run on every member before anything is written.

    Raises:
        RuntimeError: naming the first unsafe member.
        ValueError: if the file is neither a zip nor a tar archive.
    """
    archive, dest = Path(archive), Path(dest)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                _check_member(info.filename, dest)
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise RuntimeError(f"refusing link in zip archive: {info.filename!r}")
            zf.extractall(dest)
        return
    if not tarfile.is_tarfile(archive):
        raise ValueError(f"{archive} is neither a zip nor a tar archive")
    with tarfile.open(archive) as tf:
        members = tf.getmembers()
        for m in members:
            target = _check_member(m.name, dest)
            if m.issym() or m.islnk():
                base = target.parent if m.issym() else dest.resolve()
                link = os.path.normpath(os.path.join(base, m.linkname))
                inside = os.path.commonpath([link, str(dest.resolve())]) == str(dest.resolve())
                if os.path.isabs(m.linkname) or not inside:
                    raise RuntimeError(
                        f"refusing link that leaves the folder: {m.name!r} -> {m.linkname!r}"
                    )
            elif not (m.isfile() or m.isdir()):
                raise RuntimeError(f"refusing special file in archive: {m.name!r}")
        if hasattr(tarfile, "data_filter"):
            tf.extractall(dest, members=members, filter="data")
        else:  # pragma: no cover (Python < 3.11.4; members were checked above)
            tf.extractall(dest, members=members)


def _lock(root: Path) -> dict:
    path = root / LOCK_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def _record(root: Path, name: str, url: str, digest: str) -> None:
    lock = _lock(root)
    lock[name] = {
        "url": url,
        "sha256": digest,
        "fetched": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    }
    tmp = root / (LOCK_FILE + ".tmp")
    tmp.write_text(json.dumps(lock, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, root / LOCK_FILE)


def _install(extracted: Path, dest: Path) -> None:
    """Move the extraction to ``dest``; an archive holding one top folder gives that folder."""
    entries = [
        p for p in extracted.iterdir() if p.name != "__MACOSX" and not p.name.startswith(".")
    ]
    source = entries[0] if len(entries) == 1 and entries[0].is_dir() else extracted
    os.replace(source, dest)


def _mismatch(name: str, url: str, root: Path, expected: str, digest: str, pinned: bool) -> str:
    """The message for a download whose sha256 differs from the one expected."""
    message = (
        f"checksum mismatch for {url}: expected sha256 {expected}, got {digest}; the download "
        "was deleted."
    )
    if pinned:  # from the caller or the registry
        return message + " Run the command again, or check the source if it keeps happening."
    entry = _lock(root).get(name, {})
    return (
        f"{message} {expected} was recorded in {root / LOCK_FILE} by the fetch of "
        f"{entry.get('url', '?')} on {entry.get('fetched', '?')}. If you trust the new "
        f"archive, delete the {name!r} entry of that file (or pass --sha256 {digest}) and run "
        "the command again."
    )


def fetch(
    name: str,
    root: str | os.PathLike,
    *,
    url: str | None = None,
    sha256: str | None = None,
    progress: bool | None = None,
    timeout: float = 60.0,
    keep_archive: bool = False,
) -> Path:
    """Download and extract dataset ``name`` into ``root/name`` (see the module docstring).

    Args:
        name: a registry name (see ``companion.data.REGISTRY``), or any name with ``url``.
        root: folder that will hold ``root/name`` (created if missing).
        url: override the registry's URL (a mirror, or a local server in tests).
        sha256: expected hex digest; default the registry's, else the lock file's.
        progress: show a tqdm progress bar on stderr (default: only when stderr is a terminal).
        timeout: seconds to wait on the network.
        keep_archive: keep ``root/ARCHIVE`` after extraction.

    Returns:
        The dataset folder ``root/name``.

    Raises:
        ValueError: for a name that is neither in the registry nor given a ``url``.
        RuntimeError: for a network failure, a checksum mismatch (the download is deleted), or
            an unsafe or broken archive (it is deleted; nothing is installed or recorded).
    """
    root = Path(root).expanduser()
    info = REGISTRY.get(name)
    dest = root / name
    if info is not None and info.layout == "torchvision" and url is None:
        from companion.data.torchvision_sets import torchvision_dataset

        for split in ("train", "test"):
            torchvision_dataset(name, root, split, download=True)
        return root
    if info is not None and info.parts and url is None:
        for part in info.parts:  # mnist2svhn: MNIST and SVHN, one root; celeba_domains: celeba
            fetch(part, root, progress=progress, timeout=timeout)
        return root
    url = url or (info.url if info else None)
    if url is None and info is not None and info.how_to_get:
        raise ValueError(f"{name}: {info.remedy(root)}")
    if url is None:
        raise ValueError(
            f"unknown dataset {name!r} and no url= given; known: {', '.join(sorted(REGISTRY))}"
        )
    if dest.is_dir() and any(dest.iterdir()):
        logger.info("%s already exists; delete it to fetch again", dest)
        return dest
    root.mkdir(parents=True, exist_ok=True)
    archive = root / (Path(urllib.parse.urlparse(url).path).name or f"{name}.archive")
    part = archive.with_name(archive.name + ".part")
    if not archive.exists():
        _download(url, part, sys.stderr.isatty() if progress is None else progress, timeout)
        os.replace(part, archive)
    pinned = sha256 or (info.sha256 if info else None)
    expected = pinned or _lock(root).get(name, {}).get("sha256")
    digest = sha256_of(archive)
    if expected is not None and digest != expected.lower():
        archive.unlink()
        raise RuntimeError(_mismatch(name, url, root, expected, digest, pinned is not None))
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-extract-", dir=root))
    try:
        safe_extract(archive, tmp)
        _install(tmp, dest)
    except (
        RuntimeError,
        ValueError,
        OSError,
        EOFError,
        tarfile.TarError,
        zipfile.BadZipFile,
    ) as err:
        archive.unlink(missing_ok=True)
        raise RuntimeError(
            f"{err}; {archive.name} was deleted and nothing was installed or recorded as "
            f"trusted. Fetch it from a source you trust (--url), then run the command again"
        ) from err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if expected is None:
        logger.info("no published sha256 for %s; recording %s in %s", name, digest, LOCK_FILE)
    _record(root, name, url, digest)  # trusted only after a verified, complete extraction
    if not keep_archive:
        archive.unlink()
    return dest
