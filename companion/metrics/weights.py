"""Pretrained weights for metrics, resolved offline-first.

FID needs Inception-v3 and LPIPS needs an ImageNet AlexNet or VGG16 trunk. This book never downloads
them behind the reader's back: :func:`resolve_weights` looks, in order, at

1. an explicit ``path`` given by the caller,
2. the folder named by the environment variable ``COMPANION_WEIGHTS_DIR``,
3. the torch hub cache (``torch.hub.get_dir()/checkpoints``, where torchvision keeps its downloads),

checks the file's sha256, and otherwise raises an error that names the file, where to get it and its
hash. A download happens only when the caller passes ``allow_download=True``.

torchvision's file names embed the first hex digits of the file's sha256 (``alexnet-owt-7be5be79``);
where the full digest is not recorded in :data:`KNOWN_WEIGHTS` only that prefix is checked, and the
result says so (``verified="sha256-prefix"``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from pathlib import Path

import torch

__all__ = [
    "KNOWN_WEIGHTS",
    "WEIGHTS_DIR_ENV",
    "KnownWeights",
    "ResolvedWeights",
    "file_sha256",
    "resolve_weights",
    "weights_search_dirs",
]

log = logging.getLogger(__name__)

WEIGHTS_DIR_ENV = "COMPANION_WEIGHTS_DIR"
"""Environment variable naming a folder of pretrained weight files."""


@dataclasses.dataclass(frozen=True)
class KnownWeights:
    """One pretrained weight file the metrics can use.

    Attributes:
        name: short key (``"inception-fid"``, ``"alexnet"``, ``"vgg16"``).
        filename: the file's name, as its publisher names it.
        url: where to download it.
        sha256: full hex digest, or None where it is not recorded here.
        sha256_prefix: leading hex digits of the digest (torchvision puts them in the file name).
        used_by: which metric needs it.
    """

    name: str
    filename: str
    url: str
    sha256: str | None
    sha256_prefix: str
    used_by: str


KNOWN_WEIGHTS: dict[str, KnownWeights] = {
    w.name: w
    for w in (
        KnownWeights(
            name="inception-fid",
            filename="weights-inception-2015-12-05-6726825d.pth",
            url="https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/"
            "weights-inception-2015-12-05-6726825d.pth",
            # torch-fidelity's port of the TF FID Inception; the name's suffix is not a sha256
            # prefix, so nothing but a full digest (not recorded here) could verify it.
            sha256=None,
            sha256_prefix="",
            used_by="FID/KID (Inception-v3 pool3, torch-fidelity port of TF 2015-12-05)",
        ),
        KnownWeights(
            name="alexnet",
            filename="alexnet-owt-7be5be79.pth",
            url="https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
            sha256=None,
            sha256_prefix="7be5be79",
            used_by="LPIPS trunk (net='alex', torchvision IMAGENET1K_V1)",
        ),
        KnownWeights(
            name="vgg16",
            filename="vgg16-397923af.pth",
            url="https://download.pytorch.org/models/vgg16-397923af.pth",
            sha256=None,
            sha256_prefix="397923af",
            used_by="LPIPS trunk (net='vgg', torchvision IMAGENET1K_V1)",
        ),
    )
}
"""The weight files the metrics know, by name."""


@dataclasses.dataclass(frozen=True)
class ResolvedWeights:
    """A weight file found on disk and checked.

    Attributes:
        name: key in :data:`KNOWN_WEIGHTS` (or the file name for an unknown file).
        path: absolute path of the file.
        sha256: the file's full hex digest, as computed.
        verified: ``"sha256"``, ``"sha256-prefix"`` or ``"unverified"`` (no hash known).
        source: where it was found: ``"path"``, ``"COMPANION_WEIGHTS_DIR"``, ``"torch-hub"``,
            ``"download"``.
    """

    name: str
    path: str
    sha256: str
    verified: str
    source: str

    def to_dict(self) -> dict[str, str]:
        """Return a JSON-able record for results files."""
        return dataclasses.asdict(self)


def file_sha256(path: str | os.PathLike, chunk_bytes: int = 1 << 20) -> str:
    """Compute the sha256 hex digest of a file, reading it in chunks.

    Args:
        path: the file.
        chunk_bytes: read size.

    Returns:
        64 lowercase hex digits.

    Example:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile() as f:
        ...     _ = f.write(b"abc"); f.flush()
        ...     file_sha256(f.name)[:12]
        'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def weights_search_dirs() -> list[tuple[str, Path]]:
    """Folders searched for weight files, in order, with their source labels.

    Returns:
        ``[("COMPANION_WEIGHTS_DIR", dir)]`` if the variable is set, then ``("torch-hub",
        torch.hub.get_dir()/checkpoints)``.
    """
    dirs = []
    env_dir = os.environ.get(WEIGHTS_DIR_ENV)
    if env_dir:
        dirs.append((WEIGHTS_DIR_ENV, Path(env_dir).expanduser()))
    dirs.append(("torch-hub", Path(torch.hub.get_dir()) / "checkpoints"))
    return dirs


def _check_hash(path: Path, known: KnownWeights) -> tuple[str, str]:
    """Return (digest, verified label) or raise RuntimeError on a mismatch."""
    digest = file_sha256(path)
    if known.sha256 is not None:
        if digest != known.sha256.lower():
            raise RuntimeError(
                f"sha256 mismatch for {path}: expected {known.sha256}, got {digest}; the file is "
                f"corrupt or another version: delete it and get {known.filename} from {known.url}"
            )
        return digest, "sha256"
    if known.sha256_prefix:
        if not digest.startswith(known.sha256_prefix.lower()):
            raise RuntimeError(
                f"sha256 mismatch for {path}: expected a digest starting with "
                f"{known.sha256_prefix}, got {digest}; the file is corrupt or another version: "
                f"delete it and get {known.filename} from {known.url}"
            )
        return digest, "sha256-prefix"
    return digest, "unverified"


def resolve_weights(
    name: str,
    path: str | os.PathLike | None = None,
    allow_download: bool = False,
) -> ResolvedWeights:
    """Find a known pretrained weight file on disk, check its hash, and return where it is.

    Search order: ``path`` (a file, or a folder holding the file), ``$COMPANION_WEIGHTS_DIR``, then
    ``torch.hub.get_dir()/checkpoints``. With ``allow_download=True`` a missing file is downloaded
    into the torch hub cache (the only network access in this package's metrics).

    Args:
        name: a key of :data:`KNOWN_WEIGHTS` (``"inception-fid"``, ``"alexnet"``, ``"vgg16"``).
        path: an explicit file or folder; when given and missing, no other place is searched.
        allow_download: download from the known URL when nothing is found.

    Returns:
        The resolved file with its digest and how it was verified.

    Raises:
        ValueError: if ``name`` is not a known weight.
        FileNotFoundError: if the file is found nowhere; the message names the file, the places
            searched, the URL and the hash to expect.
        RuntimeError: if a found file's sha256 does not match.

    Example:
        >>> try:
        ...     resolve_weights("alexnet", path="/nonexistent")
        ... except FileNotFoundError as err:
        ...     print(str(err).split(";")[0])
        weights file alexnet-owt-7be5be79.pth not found at /nonexistent
    """
    if name not in KNOWN_WEIGHTS:
        raise ValueError(f"unknown weights {name!r}; choose one of {sorted(KNOWN_WEIGHTS)}")
    known = KNOWN_WEIGHTS[name]
    hash_note = (
        f"sha256 {known.sha256}"
        if known.sha256
        else f"sha256 starting with {known.sha256_prefix}"
        if known.sha256_prefix
        else "sha256 not recorded"
    )
    remedy = (
        f"get it from {known.url} ({hash_note}) and put it in ${WEIGHTS_DIR_ENV}, or pass "
        "allow_download=True"
    )
    if path is not None:
        candidate = Path(path).expanduser()
        if candidate.is_dir():
            candidate = candidate / known.filename
        if not candidate.is_file():
            raise FileNotFoundError(f"weights file {known.filename} not found at {path}; {remedy}")
        digest, verified = _check_hash(candidate, known)
        return ResolvedWeights(name, str(candidate.resolve()), digest, verified, "path")

    searched = []
    for source, folder in weights_search_dirs():
        candidate = folder / known.filename
        searched.append(str(candidate))
        if candidate.is_file():
            digest, verified = _check_hash(candidate, known)
            return ResolvedWeights(name, str(candidate.resolve()), digest, verified, source)

    if not allow_download:
        raise FileNotFoundError(
            f"weights file {known.filename} ({known.used_by}) not found; searched "
            f"{', '.join(searched)}; {remedy}"
        )
    target = Path(torch.hub.get_dir()) / "checkpoints" / known.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("downloading %s to %s", known.url, target)
    torch.hub.download_url_to_file(known.url, str(target), hash_prefix=None, progress=False)
    try:
        digest, verified = _check_hash(target, known)
    except RuntimeError:
        target.unlink(missing_ok=True)
        raise
    return ResolvedWeights(name, str(target.resolve()), digest, verified, "download")
