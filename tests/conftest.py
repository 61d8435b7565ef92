"""Shared test options and fixtures: `--site` and one website build per session.

`--site DIR` points the browser test (tests/test_site.py) at an already built site, e.g.
`pytest tests/test_site.py --site book/_build/html` after `make book`. Without it, the first test
that needs the site builds it once per session WITHOUT executing the notebooks (fast, no kernel),
in nitpicky mode with warnings as errors, into a temporary folder; tests/test_book.py checks that
this build succeeds and tests/test_site.py opens it in a browser.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT_S = 600


def pytest_addoption(parser):
    parser.addoption(
        "--site",
        action="store",
        default=None,
        metavar="DIR",
        help="built HTML site to test in a browser (e.g. book/_build/html after `make book`); "
        "default: build the site without executing notebooks into a temporary folder",
    )


@dataclasses.dataclass(frozen=True)
class SiteBuild:
    """A built website.

    Attributes:
        html: the folder holding index.html.
        returncode: exit status of `jupyter-book build` (0 for a site given with --site).
        log: the build's stdout and stderr ("" for a site given with --site).
        given: True when the site came from `--site` rather than from this session's build.
    """

    html: Path
    returncode: int
    log: str
    given: bool


def build_site_without_execution(out_dir: Path) -> SiteBuild:
    """Build the book into ``out_dir/_build/html`` with notebooks not executed, `-W --keep-going`.

    Args:
        out_dir: an empty folder; the config copy and the build go there.

    Returns:
        The build's html folder, exit status and log.
    """
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    cfg_path = out_dir / "_config.noexec.yml"
    cfg_path.write_text(yaml.safe_dump(config))
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(jb),
        "build",
        str(ROOT),
        "--config",
        str(cfg_path),
        "--toc",
        str(ROOT / "_toc.yml"),
        "--path-output",
        str(out_dir),
        "-W",
        "--keep-going",
    ]
    try:
        result = subprocess.run(
            cmd, capture_output=True, text=True, cwd=ROOT, timeout=BUILD_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as exc:
        log = f"{exc.stdout or ''}{exc.stderr or ''}\njupyter-book timed out after {exc.timeout} s"
        return SiteBuild(out_dir / "_build" / "html", 124, log, given=False)
    return SiteBuild(
        out_dir / "_build" / "html", result.returncode, result.stdout + result.stderr, given=False
    )


@pytest.fixture(scope="session")
def site_build(request, tmp_path_factory) -> SiteBuild:
    """The site under test: `--site DIR` if given, else one unexecuted build for the session."""
    given = request.config.getoption("--site")
    if given is not None:
        html = Path(given).expanduser().resolve()
        if not (html / "index.html").is_file():
            pytest.fail(
                f"--site {given}: no index.html in {html}; build the site first with `make book`"
            )
        return SiteBuild(html, 0, "", given=True)
    return build_site_without_execution(tmp_path_factory.mktemp("site"))
