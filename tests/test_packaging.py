"""The distribution: wheel and sdist build, pass `twine check`, and a non-editable install works.

The distribution is `mi-i2it-companion` (the name `companion` on PyPI is another project); the
import name is `companion`. The install test puts the wheel, with ``--no-deps``, into a fresh
venv whose dependencies come from this interpreter's site-packages through a path line in a
``.pth`` file. A path line does not run the ``.pth`` files of the folder it adds, so the editable
finder of a development install stays out: the fresh venv sees only the wheel's ``companion``.
No PyTorch is installed again and nothing is downloaded (``--no-index``).

The tests print one line each to the terminal (CI's log shows them under ``pytest -q``).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import companion

ROOT = Path(__file__).resolve().parents[1]
DIST_NAME = "mi-i2it-companion"
WHEEL_PREFIX = DIST_NAME.replace("-", "_")
TIMEOUT_S = 300


def _clean_env() -> dict[str, str]:
    """The environment without PYTHONPATH, so a subprocess cannot import the source tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["OMP_NUM_THREADS"] = "1"
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=env if env is not None else _clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, cmd))} exited with {result.returncode}:\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


def _report(capsys, line: str) -> None:
    with capsys.disabled():
        print(f"\npackaging: {line}")


def _package_files() -> set[str]:
    """Every file under companion/ that an installed package must hold (caches excluded)."""
    return {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "companion").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    }


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """Build the sdist, then the wheel from it (`python -m build`), without build isolation."""
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT], cwd=ROOT)
    wheels = sorted(out.glob("*.whl"))
    sdists = sorted(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


def test_wheel_and_sdist_build_and_pass_twine_check(dists, capsys):
    wheel, sdist = dists["wheel"], dists["sdist"]
    assert wheel.name == f"{WHEEL_PREFIX}-{companion.__version__}-py3-none-any.whl"
    assert sdist.name == f"{WHEEL_PREFIX}-{companion.__version__}.tar.gz"
    with zipfile.ZipFile(wheel) as zf:
        meta_name = f"{WHEEL_PREFIX}-{companion.__version__}.dist-info/METADATA"
        meta = Parser().parsestr(zf.read(meta_name).decode())
    assert meta["Name"] == DIST_NAME and meta["Version"] == companion.__version__
    _report(capsys, f"wheel built: {wheel.name} and {sdist.name}")
    out = _run([sys.executable, "-m", "twine", "check", "--strict", wheel, sdist], cwd=ROOT)
    assert out.count("PASSED") == 2, out
    _report(capsys, "twine check passed (--strict) on the wheel and the sdist")


def test_wheel_and_sdist_hold_every_package_file(dists):
    expected = _package_files()
    assert "companion/__init__.py" in expected and "companion/cli.py" in expected
    with zipfile.ZipFile(dists["wheel"]) as zf:
        in_wheel = set(zf.namelist())
    missing = sorted(expected - in_wheel)
    assert not missing, f"files under companion/ missing from the wheel (package data?): {missing}"
    top_level = {name.split("/")[0] for name in in_wheel} - {
        name.split("/")[0] for name in in_wheel if ".dist-info/" in name
    }
    assert top_level == {"companion"}, f"the wheel installs more than companion/: {top_level}"
    with tarfile.open(dists["sdist"]) as tf:
        in_sdist = {name.split("/", 1)[1] for name in tf.getnames() if "/" in name}
    missing = sorted(expected - in_sdist)
    assert not missing, f"files under companion/ missing from the sdist: {missing}"


@pytest.fixture(scope="module")
def fresh_venv(dists, tmp_path_factory) -> Path:
    """A new venv with the wheel installed (not editable) and this interpreter's packages."""
    home = tmp_path_factory.mktemp("fresh")
    env_dir = home / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    fresh_site = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], home
        ).strip()
    )
    shared = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (fresh_site / "_shared_dependencies.pth").write_text("".join(f"{p}\n" for p in shared))
    pip = [sys.executable, "-m", "pip", "--python", python]
    _run([*pip, "install", "-q", "--no-deps", "--no-index", dists["wheel"]], cwd=home)
    return env_dir


def test_fresh_non_editable_install_imports_and_trains(fresh_venv, tmp_path, capsys):
    python = fresh_venv / "bin" / "python"
    probe = (
        "import importlib, json, sys\n"
        "from importlib.metadata import version\n"
        "from pathlib import Path\n"
        "import companion\n"
        "root = Path(companion.__file__).parent\n"
        "names = sorted('.'.join(p.relative_to(root.parent).with_suffix('').parts)\n"
        "               for p in root.rglob('*.py') if p.name != '__main__.py')\n"
        "for name in names:\n"
        "    importlib.import_module(name.removesuffix('.__init__'))\n"
        "files = sorted({f for n, m in sys.modules.items() if n.split('.')[0] == 'companion'\n"
        "                for f in [getattr(m, '__file__', None), *getattr(m, '__path__', [])]\n"
        "                if f})\n"
        f"print(json.dumps({{'files': files, 'n': len(names), 'version': version('{DIST_NAME}'),"
        " 'dunder': companion.__version__}))\n"
    )
    found = json.loads(_run([python, "-c", probe], cwd=tmp_path).strip().splitlines()[-1])
    site = str(fresh_venv.resolve())
    outside = [f for f in found["files"] if not str(Path(f).resolve()).startswith(site)]
    assert not outside, f"companion modules imported from outside the fresh venv: {outside}"
    assert found["n"] == sum(
        f.endswith(".py") and not f.endswith("__main__.py") for f in _package_files()
    ), found["n"]  # every module of the package imported
    assert found["version"] == found["dunder"] == companion.__version__

    assert "train" in _run([fresh_venv / "bin" / "companion", "--help"], cwd=tmp_path)
    run = tmp_path / "run"
    train = "train dcgan --preset smoke --steps 2 --log-every 1 --out".split()
    _run([fresh_venv / "bin" / "companion", *train, run], cwd=tmp_path)
    history = [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines()]
    assert [row["step"] for row in history] == [1, 2], history
    losses = [v for row in history for k, v in row.items() if k.startswith("loss")]
    assert losses and all(math.isfinite(v) for v in losses), history
    init = next(Path(f) for f in found["files"] if f.endswith("companion/__init__.py"))
    _report(
        capsys,
        f"fresh non-editable install ran {len(history)} training steps "
        f"(companion {found['version']} imported from {init.parent})",
    )
