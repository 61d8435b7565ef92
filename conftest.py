"""Checks on what a chapter prints, run while nbval executes it (`make test`, `make notebooks`).

The website shows a cell's text output in a 676-px column at 13 px: 79 characters fit, a longer
line scrolls and hides its end. The browser test (tests/test_site.py) measures that on a built
site, but only `make book` builds the site with outputs, and CI does not. So the same rule is
applied here, to the text each cell prints as nbval runs it: a line over 79 characters fails the
cell, naming the line. Rich outputs (HTML tables, images, source listings) are laid out by the
browser and are left to the site test.
"""

from __future__ import annotations

import pytest

OUTPUT_WIDTH = 79
"""Characters of a text output line that fit the site's text column without scrolling."""


def wide_lines(outputs: list) -> list[str]:
    """The lines of ``outputs`` (nbformat output dicts) that the site would show scrolled.

    Streams and plain-text results count; a result that also has an HTML or image form is
    shown in that form and is not measured.

    Example:
        >>> wide_lines([{"output_type": "stream", "name": "stdout", "text": "ok\\n" + "x" * 80}])
        ['xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']
    """
    texts = []
    for out in outputs or []:
        kind = out.get("output_type")
        if kind == "stream":
            texts.append(out.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if not any(key in data for key in ("text/html", "image/png", "image/svg+xml")):
                texts.append(data.get("text/plain", ""))
    return [line for text in texts for line in text.splitlines() if len(line) > OUTPUT_WIDTH]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not report.passed or not hasattr(item, "test_outputs"):
        return
    wide = wide_lines(item.test_outputs)
    if wide:
        report.outcome = "failed"
        report.longrepr = (
            f"{item.name}: {len(wide)} output line(s) over {OUTPUT_WIDTH} characters scroll on "
            f"the site; wrap them. First ({len(wide[0])} characters): {wide[0]!r}"
        )
