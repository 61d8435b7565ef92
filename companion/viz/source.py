"""Source listings that fit the page: the package's code shown in a chapter without scrolling.

The package is formatted at 100 characters a line; the site's text column holds 79. A chapter
that prints ``inspect.getsource(fn)`` therefore hides the ends of long lines behind a scroll
bar. :func:`source_listing` shows the same code as a listing whose long lines wrap with a
hanging indent (the continuation starts four columns right of the line's own indentation, so
a wrapped line cannot be mistaken for a new statement), and leaves out the docstring, which
the chapter's prose replaces, unless asked for it.

Design choice: the listing wraps rather than reformats. Reformatting to 79 columns would show
code that is not the package's; wrapping shows the package's code, every character of it.
"""

from __future__ import annotations

import ast
import html
import inspect
import re
import textwrap
from typing import Any

__all__ = ["SourceListing", "source_listing"]

_HANG = 4  # columns by which a wrapped line's continuation is indented
_LEADING = re.compile(r"(<span[^>]*>)?( *)(</span>)?")


class SourceListing:
    """Source code that displays as a wrapped, highlighted listing in a notebook.

    ``str()`` and ``repr()`` give the plain text (for ``print`` and for terminals);
    ``_repr_html_`` gives the listing, one block per source line, each wrapping with a hanging
    indent. The HTML carries its own inline styles, so it reads the same on the site, in Jupyter
    and on Colab.

    Attributes:
        text: the source, dedented, with its docstring removed unless it was asked for.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        rows = []
        for code, line in zip(_highlight(self.text), self.text.splitlines()):
            indent = len(line) - len(line.lstrip(" "))
            code = _dedent_html(code, indent)
            rows.append(
                f'<div style="padding-left:{indent + _HANG}ch;text-indent:-{_HANG}ch">'
                f"{code or '&nbsp;'}</div>"
            )
        return (
            '<div class="source-listing" style="font-family:var(--pst-font-family-monospace,'
            "monospace);font-size:0.8125rem;line-height:1.45;white-space:pre-wrap;"
            "background:#f8f8f8;border-left:3px solid #ddd;padding:0.5em 0.8em;"
            'overflow-wrap:anywhere">' + "".join(rows) + "</div>"
        )


def source_listing(obj: Any, *, docstring: bool = False) -> SourceListing:
    """The source of a function, method or class, as a listing that fits the text column.

    Args:
        obj: anything :func:`inspect.getsource` accepts.
        docstring: keep the docstring (default: leave it out; the chapter explains the code).

    Returns:
        A :class:`SourceListing`: shown as the last value of a cell it is a wrapped listing;
        ``print`` gives the plain source.

    Example:
        >>> def area(r):
        ...     '''The area of a disc of radius r.'''
        ...     return 3.14159 * r * r
        >>> print(source_listing(area))  # doctest: +SKIP
        def area(r):
            return 3.14159 * r * r
    """
    text = textwrap.dedent(inspect.getsource(obj))
    if not docstring:
        text = _without_docstring(text)
    return SourceListing(text.rstrip("\n"))


def _without_docstring(text: str) -> str:
    """``text`` (one function or class definition) without the docstring of its outer body."""
    tree = ast.parse(text)
    node = tree.body[0] if tree.body else None
    body = getattr(node, "body", None)
    if not body or not isinstance(body[0], ast.Expr):
        return text
    value = body[0].value
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return text
    lines = text.splitlines(keepends=True)
    first, last = body[0].lineno - 1, body[0].end_lineno  # 0-based start, exclusive end
    kept = lines[:first] + lines[last:]
    if len(body) == 1:  # a body that is only a docstring still needs a statement
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        kept.insert(first, f"{indent}...\n")
    return "".join(kept)


def _highlight(text: str) -> list[str]:
    """One HTML string per line of ``text``: highlighted with Pygments if it is installed."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:  # Pygments comes with Jupyter; without it, plain escaped text
        return [html.escape(line) for line in text.splitlines()]
    formatter = HtmlFormatter(nowrap=True, noclasses=True, style="default")
    out = highlight(text, PythonLexer(stripnl=False, ensurenl=False), formatter)
    return out.split("\n")[: len(text.splitlines())]


def _dedent_html(code: str, spaces: int) -> str:
    """``code`` (one highlighted line) without its first ``spaces`` leading spaces.

    Pygments may wrap the indentation in a span of its own (whitespace has a colour in some
    styles) or start a string's span with it (a line inside a multi-line string); both are
    handled. If the HTML does not start with exactly that indentation it is returned as is.
    """
    match = _LEADING.match(code)
    opening, blanks, closing = match.group(1) or "", match.group(2), match.group(3) or ""
    if len(blanks) != spaces:
        return code
    if opening and closing:  # a span holding only the indentation
        return code[match.end() :]
    return opening + code[match.end() - len(closing) :]
