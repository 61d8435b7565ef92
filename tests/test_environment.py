"""environment.yml (conda) agrees with pyproject.toml: same packages, same lower bounds.

No conda solver can reach conda-forge from the test machines, so this test checks what can be
checked offline: the channels, that PyTorch comes from conda, that every runtime dependency of
pyproject.toml is either a conda package with the same lower bound or one left to pip on
purpose, and that pip installs this project with its book and test extras.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomli, which pytest itself needs there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
# conda-forge name -> PyPI name, where they differ.
CONDA_TO_PYPI = {"pytorch": "torch", "matplotlib-base": "matplotlib"}
# Runtime dependencies that conda-forge does not carry; pip installs them with the project.
PIP_ONLY = {"lpips"}
SPEC = re.compile(r"^([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][0-9.]*)$")


def _lower_bounds(specs: list[str]) -> dict[str, str]:
    bounds = {}
    for spec in specs:
        match = SPEC.match(spec.strip())
        assert match, f"not of the form 'name>=version': {spec!r}"
        bounds[match.group(1).lower()] = match.group(2)
    return bounds


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def test_pytorch_from_conda_forge_only():
    env = _environment()
    assert env["channels"] == ["conda-forge", "nodefaults"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert any(d.startswith("pytorch>=") for d in conda)
    assert "pip" in conda and any(d.startswith("python>=3.10") for d in conda)


def test_conda_packages_have_the_lower_bounds_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _lower_bounds(project["dependencies"])
    conda = [d for d in _environment()["dependencies"] if isinstance(d, str)]
    conda = _lower_bounds([d for d in conda if d not in ("pip",) and not d.startswith("python")])
    as_pypi = {CONDA_TO_PYPI.get(name, name): version for name, version in conda.items()}
    assert as_pypi == {k: v for k, v in runtime.items() if k not in PIP_ONLY}
    assert PIP_ONLY <= set(runtime)


def test_pip_installs_the_project_with_book_and_test_extras():
    pip = [d["pip"] for d in _environment()["dependencies"] if isinstance(d, dict)]
    assert pip == [["-e .[book,test]"]]
