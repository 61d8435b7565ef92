"""Source listings: the package's code, every character of it, wrapped to the text column."""

import ast
import re
from html.parser import HTMLParser

from companion.viz import source_listing


def example(values, scale=2.0):
    """A docstring the listing leaves out.

    It runs over several lines.
    """
    total = sum(v * scale for v in values)  # a comment long enough to wrap in a narrow column
    if total > 0:
        return total
    return -total


class OnlyDoc:
    """A class whose body is its docstring."""


class _Rows(HTMLParser):
    """Collects the text of each line block of a listing, and its style."""

    def __init__(self):
        super().__init__()
        self.rows, self.depth = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "div":
            self.depth += 1
            if self.depth == 2:
                self.rows.append([dict(attrs)["style"], ""])

    def handle_endtag(self, tag):
        if tag == "div":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth == 2:
            self.rows[-1][1] += data


def _rows(listing):
    parser = _Rows()
    parser.feed(listing._repr_html_())
    return parser.rows


def test_listing_drops_the_docstring_and_keeps_the_code():
    text = str(source_listing(example))
    assert "docstring" not in text and "several lines" not in text
    assert text.splitlines()[0] == "def example(values, scale=2.0):"
    assert text.splitlines()[-1] == "    return -total"
    ast.parse(text)  # still Python


def test_listing_keeps_the_docstring_when_asked():
    assert "A docstring the listing leaves out." in str(source_listing(example, docstring=True))


def test_body_of_only_a_docstring_becomes_an_ellipsis():
    text = str(source_listing(OnlyDoc))
    assert text == "class OnlyDoc:\n    ..."
    ast.parse(text)


def test_html_has_one_block_per_line_with_the_same_text():
    listing = source_listing(example)
    rows = _rows(listing)
    lines = listing.text.splitlines()
    assert len(rows) == len(lines)
    for (_, shown), line in zip(rows, lines):
        assert shown.replace("\xa0", "") == line.lstrip(" ")


def test_html_indents_by_the_line_and_hangs_the_continuation():
    rows = _rows(source_listing(example))
    pads = [int(re.search(r"padding-left:(\d+)ch", style).group(1)) for style, _ in rows]
    # def at 0, body at 4, the return inside `if` at 8; each plus the 4-column hang
    assert pads == [4, 8, 8, 12, 8]
    assert all("text-indent:-4ch" in style for style, _ in rows)


def test_listing_wraps_rather_than_scrolls():
    html = source_listing(example)._repr_html_()
    assert "white-space:pre-wrap" in html and "<pre" not in html
