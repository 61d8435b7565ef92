"""Every ``Example:`` in the package's docstrings runs and prints what it shows.

Docstring examples are the first code a reader copies, so they are tests too: a preset that
changes without its example is caught here (pytest's own doctest collection would import the
namespace package ``companion.methods`` under the wrong names, so the modules are imported
normally and handed to :mod:`doctest`).
"""

import doctest
import importlib
from pathlib import Path

import pytest

import companion

PACKAGE = Path(companion.__file__).parent
MODULES = sorted(
    ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    for path in PACKAGE.rglob("*.py")
    if path.name not in ("__main__.py",)
)


def test_every_module_is_collected():
    assert {"companion.methods.segan", "companion.mi.bounds", "companion.config"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name.removesuffix(".__init__"))
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, module.__name__):
        source = Path(test.filename or "").resolve()
        if test.examples and source.is_relative_to(PACKAGE):  # not examples of imported names
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
