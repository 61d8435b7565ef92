"""The website in a real browser: headless Chromium driven by selenium.

Every page of _toc.yml must load over http, show its equations typeset by MathJax (no raw TeX in
the prose), show its figures (pages of executed notebooks), show no traceback and no docutils
error, raise no JavaScript error, load no image from another site (it reads the same offline),
and link to its own notebook on Colab. Its layout follows one scheme: one number per title,
N.M from the file name on chapter pages and none elsewhere, no Sphinx numbers, headings at most
two levels deep; and nothing is wider than the text column: no display equation, no output
line or table, no figure shrunk below 75% of its width. `make book-check` runs this file on the
executed site (`--site book/_build/html`); without `--site` (as in `make test`) the session
builds the site without executing the notebooks (tests/conftest.py), so figures and outputs are
checked only on pages that carry cell outputs (numbering and equations are checked on both).
A full-page screenshot of every page is written to `<site>/../screenshots/`.

The checks are functions from a page's state (what the browser saw) to a list of problems, so
`test_checks_report_a_broken_site` can prove that each one catches what it claims to catch.

Chromium comes from Debian (`chromium`, `chromium-driver`). If it is missing and we are root, the
session installs it with apt-get (about two minutes, once); otherwise the tests skip, or fail when
the environment variable CI is set.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import http.server
import json
import os
import re
import struct
import subprocess
import threading
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
APT_INSTALL = "apt-get update -qq && apt-get install -y -qq chromium chromium-driver"
APT_TIMEOUT_S = 600
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
)
COLAB = "https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/"
# TeX delimiters and environments that MathJax would have replaced: seen in prose, they mean an
# equation was not typeset (code blocks and inline code are not prose and are not searched).
RAW_TEX = ("$$", "\\begin{", "\\end{", "\\(", "\\)", "\\[", "\\]")
TRACEBACK = "Traceback (most recent call last)"
# Console errors of third-party code that break nothing on this site. sphinx-thebe 0.3.1 adds its
# `const THEBE_JS_URL = ...` script twice under Sphinx 7.4; the first copy defines everything and
# live code (thebe) is not enabled in book/_config.yml.
KNOWN_CONSOLE_NOISE = ("Identifier 'THEBE_JS_URL' has already been declared",)
PAGE_TIMEOUT_S = 30
SETTLE_TIMEOUT_MS = 20_000


# --------------------------------------------------------------------------- pages of the book


@dataclasses.dataclass(frozen=True)
class Page:
    """One page of the table of contents.

    Attributes:
        docname: the toc entry without suffix, e.g. "book/notation"; the page is docname.html.
        source: the source file relative to the repository root, e.g. "book/notation.md".
    """

    docname: str
    source: str

    @property
    def html(self) -> str:
        return f"{self.docname}.html"

    @property
    def notebook(self) -> str | None:
        """The notebook's path in the repository if the page comes from an .ipynb, else None."""
        return self.source if self.source.endswith(".ipynb") else None


def toc_pages(root: Path = ROOT) -> list[Page]:
    """The pages listed in ``root/_toc.yml`` (jb-book format), root page first."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    entries = [toc["root"]]

    def walk(items):
        for item in items or []:
            if "file" in item:
                entries.append(item["file"])
            walk(item.get("sections"))
            walk(item.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    pages = []
    for entry in entries:
        docname = re.sub(r"\.(md|ipynb|rst)$", "", entry)
        found = [s for s in (".md", ".ipynb", ".rst") if (root / f"{docname}{s}").is_file()]
        # A missing source is test_book.py's business; the browser then reports the 404.
        pages.append(Page(docname, f"{docname}{found[0] if found else '.md'}"))
    return pages


PAGES = toc_pages()


# --------------------------------------------------------------------------- what the browser saw

# Wait (asynchronously) until MathJax has typeset the page and every local image has settled.
SETTLE_JS = """
const done = arguments[arguments.length - 1];
const timeoutMs = arguments[0];
const local = (img) => img.src.startsWith(location.origin) || img.src.startsWith('data:');
const images = Array.from(document.images).filter(local);
images.forEach((img) => { if (img.loading === 'lazy') img.loading = 'eager'; });
const settled = Promise.all(images.map((img) => img.complete ? null : new Promise((resolve) => {
  img.addEventListener('load', resolve, {once: true});
  img.addEventListener('error', resolve, {once: true});
})));
let math;
if (!window.MathJax) {
  math = Promise.resolve('absent');
} else if (!(window.MathJax.startup && window.MathJax.startup.promise)) {
  math = Promise.resolve('not loaded');
} else {
  math = window.MathJax.startup.promise.then(() => 'typeset', (e) => 'failed: ' + e);
}
const timer = new Promise((resolve) => setTimeout(() => resolve(['timeout', false]), timeoutMs));
Promise.race([Promise.all([math, settled]).then(([m]) => [m, true]), timer]).then(done);
"""

STATE_JS = """
function textOf(skip, visibleOnly) {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest(skip)) continue;
    if (visibleOnly && !el.checkVisibility({visibilityProperty: true})) continue;
    parts.push(walker.currentNode.nodeValue);
  }
  return parts.join(' ');
}
const nav = performance.getEntriesByType('navigation')[0];
const maths = Array.from(document.querySelectorAll('span.math, div.math'));
const local = (img) => img.src.startsWith(location.origin) || img.src.startsWith('data:');
return {
  url: location.href,
  status: nav ? nav.responseStatus : null,
  title: document.title,
  has_article: !!document.querySelector('article, main, [role=main]'),
  math_count: maths.length,
  untypeset: maths.filter((m) => !m.querySelector('mjx-container'))
                  .map((m) => m.textContent.trim().slice(0, 80)),
  mjx_count: document.querySelectorAll('mjx-container').length,
  math_errors: Array.from(document.querySelectorAll('mjx-merror'))
                    .map((e) => e.getAttribute('data-mjx-error') || e.textContent),
  prose: textOf('script,style,noscript,template,mjx-container,pre,code,.highlight', true),
  all_text: textOf('script,style,noscript,template', false),
  traceback_blocks: document.querySelectorAll('div.output.traceback, .cell_output .traceback')
                            .length,
  system_messages: Array.from(document.querySelectorAll('.system-message'))
                        .map((e) => e.textContent.trim().slice(0, 200)),
  outputs: document.querySelectorAll('.cell_output').length,
  images: Array.from(document.images).filter(local).map((img) => ({
    src: img.getAttribute('src').slice(0, 120),
    width: img.naturalWidth,
    complete: img.complete,
    in_output: !!img.closest('.cell_output'),
  })),
  external_images: Array.from(document.images).filter((img) => !local(img))
                        .map((img) => img.getAttribute('src').slice(0, 120)),
  colab_links: Array.from(document.querySelectorAll('a[href*="colab.research.google.com/github/"]'))
    .map((a) => ({
      href: a.href,
      launch: a.title === 'Launch on Colab' || !!a.closest('.dropdown-launch-buttons'),
    })),
};
"""


# The layout as a reader sees it: numbers and levels of the headings, and what is wider than the
# text column. Hidden content (dropdowns, toggled cells) is opened first so that it is measured.
LAYOUT_JS = """
document.querySelectorAll('details').forEach((d) => { d.open = true; });
document.querySelectorAll('.toggle-hidden').forEach((e) => e.classList.remove('toggle-hidden'));
const article = document.querySelector('article.bd-article') ||
                document.querySelector('article, main, [role=main]');
if (!article) return null;
const style = getComputedStyle(article);
const box = article.getBoundingClientRect();
const column = {left: box.left + parseFloat(style.paddingLeft),
                right: box.right - parseFloat(style.paddingRight)};
column.width = column.right - column.left;
const clean = (el) => {
  const copy = el.cloneNode(true);
  copy.querySelectorAll('.headerlink').forEach((e) => e.remove());
  return copy.textContent.replace(/\\s+/g, ' ').trim();
};
const near = (el) => {
  const section = el.closest('section');
  const heading = section && section.querySelector('h1, h2, h3, h4, h5, h6');
  return heading ? clean(heading).slice(0, 60) : '';
};
const scrolls = (el) => !!el && el.scrollWidth > el.clientWidth + 1;
const sticksOut = (r) => r.width > 0 && (r.right > column.right + 1 || r.left < column.left - 1);
const tex = (el) => {
  try {
    return MathJax.startup.document.getMathItemsWithin(el)[0].math.trim();
  } catch (e) {
    return el.textContent.trim();
  }
};
const equations = Array.from(article.querySelectorAll('mjx-container[display="true"]'))
  .map((c) => {
    const inner = (c.firstElementChild || c).getBoundingClientRect();
    const width = Math.max(inner.width, c.scrollWidth, c.parentElement.scrollWidth);
    const wide = sticksOut(inner) || scrolls(c) || scrolls(c.closest('div.math'));
    return {wide, width: Math.round(width), near: near(c),
            tex: tex(c).replace(/\\s+/g, ' ').slice(0, 80)};
  }).filter((e) => e.wide);
const longest = (text) => text.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), '');
const outputs = Array.from(article.querySelectorAll('.cell_output pre, .cell_output table'))
  .filter((el) => el.checkVisibility())
  .map((el) => {
    const wide = scrolls(el) || scrolls(el.parentElement) || sticksOut(el.getBoundingClientRect());
    const line = el.tagName === 'PRE' ? longest(el.textContent)
                                      : clean(el.querySelector('tr') || el);
    return {wide, kind: el.tagName.toLowerCase(), width: el.scrollWidth, near: near(el),
            line: line.trim().slice(0, 80), chars: line.length};
  }).filter((o) => o.wide);
const figures = Array.from(article.querySelectorAll('.cell_output img'))
  .filter((img) => img.naturalWidth > 0 && img.checkVisibility())
  .map((img) => ({src: img.getAttribute('src').slice(0, 120), natural: img.naturalWidth,
                  shown: Math.round(img.getBoundingClientRect().width), near: near(img)}));
const headings = Array.from(article.querySelectorAll('h1, h2, h3, h4, h5, h6'))
  .filter((h) => !h.closest('.cell_output'))
  .map((h) => ({level: Number(h.tagName[1]), text: clean(h),
                sphinx_number: !!h.querySelector('.section-number')}));
const nav = Array.from(document.querySelectorAll(
    '.bd-sidebar-primary a.current, .bd-sidebar-primary li.current > a'))
  .filter((a, i, all) => all.indexOf(a) === i)
  .map((a) => ({text: clean(a), sphinx_number: !!a.querySelector('.section-number')}));
return {column: Math.round(column.width), headings, nav, equations, outputs, figures};
"""


def inspect_page(driver, url: str) -> dict:
    """Open ``url``, wait for MathJax and the local images, and return what the page shows.

    Returns:
        A dict: url, status (HTTP), title, has_article, math_count, untypeset, mjx_count,
        math_errors, prose (visible text outside code), all_text, traceback_blocks,
        system_messages, outputs (cell outputs), images (local ones), colab_links, mathjax
        ("absent" | "not loaded" | "typeset" | "failed: ..." | "timeout"), settled, console
        (SEVERE browser log messages), external_images, and layout (None without an article):
        column (the text column's width in px), headings and nav (the sidebar entry of the page:
        text and whether Sphinx numbered it), and the equations, outputs and figures that are
        wider than the column.
    """
    driver.get(url)
    mathjax, settled = driver.execute_async_script(SETTLE_JS, SETTLE_TIMEOUT_MS)
    state = driver.execute_script(STATE_JS)
    state.update(
        mathjax=mathjax,
        settled=settled,
        console=[e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"],
        layout=driver.execute_script(LAYOUT_JS),
    )
    return state


# --------------------------------------------------------------------------- the checks


def check_loaded(state: dict, url: str) -> list[str]:
    """The page answered 200 at ``url`` and shows an article."""
    problems = []
    if state["status"] != 200:
        problems.append(f"HTTP status {state['status']} (expected 200)")
    if state["url"].split("#")[0] != url:
        problems.append(f"ended at {state['url']} instead of {url}")
    if not state["has_article"]:
        problems.append(f"no article in the page (title: {state['title']!r})")
    if not state["settled"]:
        problems.append(f"MathJax or the images did not settle in {SETTLE_TIMEOUT_MS} ms")
    return problems


def check_math(state: dict) -> list[str]:
    """Every equation is typeset by MathJax without error, and no raw TeX shows in the prose."""
    problems = []
    if state["math_count"] and state["mathjax"] != "typeset":
        problems.append(f"{state['math_count']} equations but MathJax is {state['mathjax']}")
    if state["untypeset"]:
        problems.append(
            f"{len(state['untypeset'])} equations not typeset, e.g. {state['untypeset'][0]!r}"
        )
    if state["math_errors"]:
        problems.append(f"MathJax errors: {state['math_errors'][:3]}")
    for token in RAW_TEX:
        at = state["prose"].find(token)
        if at >= 0:
            context = " ".join(state["prose"][max(0, at - 40) : at + 40].split())
            problems.append(f"raw TeX {token!r} visible: ...{context}...")
    return problems


def check_no_errors_shown(state: dict) -> list[str]:
    """No Python traceback and no docutils system message anywhere in the page."""
    problems = []
    if TRACEBACK in state["all_text"] or state["traceback_blocks"]:
        at = max(state["all_text"].find(TRACEBACK), 0)
        context = " ".join(state["all_text"][at : at + 160].split())
        problems.append(f"shows a Python traceback: {context}")
    for message in state["system_messages"]:
        problems.append(f"shows a docutils error: {' '.join(message.split())}")
    return problems


_PLOTTING = re.compile(r"\bplt\.|\.imshow\(|\bshow\(")


def notebook_draws_figures(path: Path) -> bool:
    """Whether a notebook's code calls matplotlib; True when it cannot be read (be strict)."""
    try:
        cells = json.loads(path.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return True
    code = "\n".join(
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in cells
        if c.get("cell_type") == "code"
    )
    return bool(_PLOTTING.search(code))


def check_figures(state: dict, notebook: str | None, repo_root: Path = ROOT) -> list[str]:
    """Local images load; an executed notebook page whose code draws shows its figures.

    Exercise notebooks and table-only demos draw nothing, so a figure is required only where
    the notebook's code calls matplotlib.
    """
    problems = [
        f"image {img['src']} did not load (naturalWidth 0)"
        for img in state["images"]
        if img["width"] == 0
    ]
    figures = [img for img in state["images"] if img["in_output"] and img["width"] > 0]
    draws = notebook is not None and notebook_draws_figures(repo_root / notebook)
    if draws and state["outputs"] and not figures:
        problems.append(
            f"executed notebook page with {state['outputs']} cell outputs but no figure "
            "(every chapter's experiment draws one, DESIGN section 6)"
        )
    return problems


def check_colab_links(state: dict, notebook: str | None, repo_root: Path = ROOT) -> list[str]:
    """Colab links open notebooks of this repository; a notebook page's launch button its own."""
    problems = []
    links = [
        {**link, "href": link["href"].split("#")[0].split("?")[0]} for link in state["colab_links"]
    ]
    for link in links:
        href = link["href"]
        if not href.startswith(COLAB):
            problems.append(f"Colab link {href} is not under {COLAB}")
            continue
        path = urlsplit(href).path.split("/blob/main/", 1)[1]
        if not path.endswith(".ipynb") or not (repo_root / path).is_file():
            problems.append(f"Colab link {href} opens {path}, which is not a notebook here")
    if notebook:
        own = COLAB + notebook
        if not any(link["href"] == own for link in links):
            problems.append(f"no link to its own notebook on Colab ({own})")
        launch = [link["href"] for link in links if link["launch"]]
        if launch != [own]:
            problems.append(f"the Colab launch button opens {launch}, expected [{own}]")
    return problems


def check_console(state: dict) -> list[str]:
    """No JavaScript error and no failed load of the site's own files in the browser console."""
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(state["url"]))
    problems = []
    for message in state["console"]:
        if not message.startswith(origin):
            continue  # offline, external resources cannot load; check_offline reports images
        if message.startswith(origin + "favicon.ico") or any(
            noise in message for noise in KNOWN_CONSOLE_NOISE
        ):
            continue
        problems.append(f"browser console: {message[:300]}")
    return problems


def check_offline(state: dict) -> list[str]:
    """Every image comes with the site, so that the pages read the same offline."""
    return [
        f"shows an image from another site, missing offline: {src}"
        for src in state["external_images"]
    ]


# A leading number like "3", "3.2" or "5.7.": two of them in a row is double numbering.
_NUMBER = r"\d+(?:\.\d+)*\.?"
_DOUBLE_NUMBER = re.compile(rf"^\s*{_NUMBER}\s+{_NUMBER}(?=\s)")
_LEADING_NUMBER = re.compile(rf"^\s*({_NUMBER})\s")
_CHAPTER_PAGE = re.compile(r"^chapters/(\d+)_[^/]+/(\d+)_(\d+)_[^/]+\.(?:ipynb|md)$")
MAX_HEADING_LEVEL = 2  # the title (h1), then sections (h2)


def expected_number(source: str) -> str | None:
    """The number a page's title carries: "3.2" for chapters/03_x/03_02_y.ipynb, else None.

    The front matter and the appendices (everything outside chapters/) are unnumbered.
    """
    match = _CHAPTER_PAGE.match(source)
    return f"{int(match[2])}.{int(match[3])}" if match else None


def check_numbering(state: dict, source: str) -> list[str]:
    """One numbering scheme: the title's own, N.M from the file name; headings two levels deep.

    Fails on double numbers ("5.7. 3.2 SEGAN") in the page's headings or its sidebar entry, on
    numbers that Sphinx adds (a `numbered:` toc), on a title whose number is not the file's, and
    on headings deeper than ``MAX_HEADING_LEVEL``.
    """
    layout = state["layout"]
    if layout is None:
        return []  # no article: check_loaded reports it
    problems = []
    places = [("heading", h) for h in layout["headings"]] + [
        ("sidebar entry", a) for a in layout["nav"]
    ]
    for where, item in places:
        if _DOUBLE_NUMBER.match(item["text"]):
            problems.append(f"double numbering in the {where} {item['text'][:80]!r}")
        elif item["sphinx_number"]:
            problems.append(
                f"Sphinx numbers the {where} {item['text'][:80]!r}; numbers come from the "
                "titles (no `numbered:` in _toc.yml)"
            )
    titles = [h["text"] for h in layout["headings"] if h["level"] == 1]
    if len(titles) != 1:
        problems.append(f"{len(titles)} titles (h1) instead of one: {titles[:3]}")
    if titles:
        found = _LEADING_NUMBER.match(titles[0])
        found = found[1].rstrip(".") if found else None
        want = expected_number(source)
        if want is not None and found != want:
            problems.append(f"the title {titles[0][:80]!r} should start with {want} ({source})")
        elif want is None and found is not None:
            problems.append(
                f"the title {titles[0][:80]!r} is numbered, but {source} is not a "
                "chapter page (front matter and appendices are unnumbered)"
            )
    for heading in layout["headings"]:
        if heading["level"] > MAX_HEADING_LEVEL:
            problems.append(
                f"heading level {heading['level']} {heading['text'][:60]!r}: sections go at "
                f"most {MAX_HEADING_LEVEL} levels deep (## in Markdown)"
            )
    return problems


# A figure shown at less than this fraction of its width in pixels has its text shrunk to
# unreadable sizes: draw it at most about 6.5 inches wide (companion.viz.FIGURE_WIDTH).
MIN_FIGURE_SCALE = 0.75


def check_widths(state: dict) -> list[str]:
    """Nothing is wider than the text column: display equations, output lines, figures.

    Reports every offending element, each with the heading of its section.
    """
    layout = state["layout"]
    if layout is None:
        return []
    column = layout["column"]
    problems = [
        f"equation {eq['width']} px wide in a {column} px column (under {eq['near']!r}): "
        f"{eq['tex']!r}; break it with aligned or split"
        for eq in layout["equations"]
    ]
    problems += [
        f"output {out['kind']} {out['width']} px wide in a {column} px column (under "
        f"{out['near']!r}), a line of {out['chars']} characters: {out['line']!r}"
        for out in layout["outputs"]
    ]
    for fig in layout["figures"]:
        if fig["shown"] < MIN_FIGURE_SCALE * fig["natural"]:
            problems.append(
                f"figure {fig['src']} (under {fig['near']!r}) is {fig['natural']} px wide, shown "
                f"at {fig['shown']} px ({fig['shown'] / fig['natural']:.0%}): its text shrinks; "
                "draw it at most 6.5 in wide (companion.viz.FIGURE_WIDTH)"
            )
    return problems


def check_page(state: dict, url: str, source: str, repo_root: Path = ROOT) -> list[str]:
    """All the checks of one page; an empty list means the page is fine.

    Args:
        state: what :func:`inspect_page` saw.
        url: the page's address.
        source: its source file relative to the repository root, e.g. "book/notation.md".
        repo_root: where the notebooks that Colab links open are looked up.
    """
    notebook = source if source.endswith(".ipynb") else None
    return [
        *check_loaded(state, url),
        *check_math(state),
        *check_no_errors_shown(state),
        *check_figures(state, notebook, repo_root),
        *check_colab_links(state, notebook, repo_root),
        *check_offline(state),
        *check_console(state),
        *check_numbering(state, source),
        *check_widths(state),
    ]


# --------------------------------------------------------------------------- fixtures


def _unavailable(reason: str):
    """Skip the browser tests, or fail them when the environment variable CI is set."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_installed():
    """Chromium and its driver, installed with apt-get (as root) if they are missing."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        if os.geteuid() != 0:
            _unavailable(f"{missing} missing and not root to install them; as root: {APT_INSTALL}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            result = subprocess.run(
                ["bash", "-c", APT_INSTALL],
                capture_output=True,
                text=True,
                env=env,
                timeout=APT_TIMEOUT_S,
            )
            log = (result.stdout + result.stderr)[-2000:]
            failed = result.returncode != 0
        except subprocess.TimeoutExpired:
            log, failed = f"timed out after {APT_TIMEOUT_S} s", True
        missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
        if failed or missing:
            _unavailable(f"could not install Chromium with `{APT_INSTALL}`: {log}")
    try:
        import selenium  # noqa: F401
    except ImportError:
        _unavailable("selenium is not installed; run `pip install -e '.[test]'`")


@pytest.fixture(scope="module")
def browser(chromium_installed, tmp_path_factory):
    """A headless Chromium that keeps its browser log, closed at the end of the module."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT_S)
    driver.set_script_timeout(PAGE_TIMEOUT_S)
    yield driver
    driver.quit()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` over http on 127.0.0.1 (a free port); yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def site(site_build):
    """The html folder of the site under test (see tests/conftest.py)."""
    if site_build.returncode != 0:
        pytest.fail(
            "the site build without execution failed (tests/test_book.py shows the same):\n"
            + site_build.log[-3000:]
        )
    return site_build.html


@pytest.fixture(scope="module")
def base_url(site):
    with serve(site) as url:
        yield url


# --------------------------------------------------------------------------- the tests


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.docname)
def test_toc_page_passes_the_browser_checks(browser, base_url, page):
    url = base_url + page.html
    problems = check_page(inspect_page(browser, url), url, page.source)
    assert not problems, f"{page.html} ({page.source}):\n  " + "\n  ".join(problems)


@pytest.mark.slow
def test_index_redirects_to_the_root_page(browser, base_url):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base_url + "index.html")
    target = base_url + PAGES[0].html
    WebDriverWait(browser, 10).until(lambda d: d.current_url.split("#")[0] == target)


@pytest.mark.slow
def test_notation_page_has_typeset_math(browser, base_url):
    """Guards the math check against passing vacuously (e.g. if the markup changed)."""
    state = inspect_page(browser, base_url + "book/notation.html")
    assert state["math_count"] >= 10 and state["mjx_count"] >= state["math_count"], (
        f"expected many typeset equations, got {state['math_count']} math elements and "
        f"{state['mjx_count']} mjx-container elements (MathJax: {state['mathjax']})"
    )


def _full_page_png(driver, max_height: int = 8000) -> bytes:
    """The page from its top, as tall as its content (at most ``max_height`` px), as a PNG.

    The window is made as tall as the page for the shot: Chromium's `captureBeyondViewport` on
    a page much taller than the window paints the fixed sidebar and the article misplaced.
    """
    import base64

    width = driver.execute_script("return window.innerWidth")
    height = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]["height"]
    metrics = {"width": width, "height": int(min(height, max_height)), "deviceScaleFactor": 1}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "mobile": False})
    try:
        driver.execute_script("window.scrollTo(0, 0)")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return base64.b64decode(shot["data"])


@pytest.mark.slow
def test_screenshots_of_every_page(browser, base_url, site):
    """One full-page PNG per toc page (its first 8000 px), e.g. book__intro.png, to look at."""
    out = site.parent / "screenshots"
    out.mkdir(exist_ok=True)
    blank = []
    for page in PAGES:
        inspect_page(browser, base_url + page.html)
        png = _full_page_png(browser)
        if not (png.startswith(b"\x89PNG") and len(png) > 10_000):
            blank.append(page.html)
        (out / f"{page.docname.replace('/', '__')}.png").write_bytes(png)
    assert not blank, f"blank screenshots of {blank}"


# --------------------------------------------------------------------------- the checks' checks


def _png(width: int, height: int) -> bytes:
    """A small valid RGB PNG (a flat orange rectangle)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xe0\x80\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _with(template: str, html: str) -> str:
    assert template.count("</article>") == 1, "the page template changed: one </article> expected"
    return template.replace("</article>", html + "</article>")


def _launch_button(notebook: str) -> str:
    return (
        '<div class="dropdown dropdown-launch-buttons"><ul class="dropdown-menu"><li>'
        f'<a href="{COLAB}{notebook}" class="btn btn-sm dropdown-item" title="Launch on Colab">'
        "Colab</a></li></ul></div>"
    )


def _badge(notebook: str) -> str:
    """The badge line of a notebook's first cell as the site renders it: a text link."""
    return f'<p><a class="reference external" href="{COLAB}{notebook}">Open in Colab</a></p>'


def _image_badge(notebook: str) -> str:
    """Colab's own badge, an image that only loads online."""
    return (
        f'<p><a class="reference external" href="{COLAB}{notebook}"><img alt="Open In Colab" '
        'src="https://colab.research.google.com/assets/colab-badge.svg" /></a></p>'
    )


def _retitled(template: str, title: str) -> str:
    """The page with its title (the h1's text) replaced by ``title`` (HTML)."""
    page, count = re.subn(
        r"<h1>[^<]*<a class=\"headerlink\"", f'<h1>{title}<a class="headerlink"', template, count=1
    )
    assert count == 1, 'the page template changed: <h1>Title<a class="headerlink" expected'
    return page


def _output(text: str) -> str:
    """A cell's text output as myst-nb renders it."""
    return (
        '<div class="cell_output docutils container"><div class="output stream highlight-myst-ansi '
        f'notranslate"><div class="highlight"><pre><span></span>{text}</pre></div></div></div>'
    )


def _section(heading: str, html: str) -> str:
    slug = re.sub(r"\W+", "-", heading.lower())
    return f'<section id="{slug}"><h2>{heading}</h2>{html}</section>'


WIDE_SUM = " + ".join(f"x_{{{i}}}" for i in range(60))


GOOD = "chapters/00_demo/00_01_demo.ipynb"
BAD = "chapters/00_demo/00_02_bad.ipynb"
LAYOUT = "chapters/00_demo/00_03_layout.ipynb"
TRACEBACK_OUTPUT = (
    '<div class="cell_output docutils container"><div class="output traceback highlight-ipythontb '
    'notranslate"><div class="highlight"><pre>'
    "---------------------------------------------------------------------------\n"
    "AssertionError                            Traceback (most recent call last)\n"
    "Cell In[7], line 1\n----&gt; 1 assert styles_per_input &gt;= 6\n"
    "AssertionError: </pre></div></div></div>"
)


@pytest.fixture(scope="module")
def crafted_site(site, tmp_path_factory):
    """Pages made from the built notation and setup pages, some broken on purpose.

    The pages sit in book/ so that their relative links to _static/ work; they are served from
    a folder whose other entries (_static, searchindex.js, ...) link to the built site's. A fake
    repository root holds the notebook that the good pages' Colab links open.
    """
    root = tmp_path_factory.mktemp("crafted")
    for entry in site.iterdir():
        if entry.name not in ("book", "_images"):
            (root / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (root / "_images").mkdir()
    (root / "_images" / "figure.png").write_bytes(_png(64, 48))
    (root / "book").mkdir()
    repo = root / "repo"
    (repo / GOOD).parent.mkdir(parents=True)
    (repo / GOOD).write_text("{}")
    math_page = (site / "book" / "notation.html").read_text()
    text_page = (site / "book" / "setup.html").read_text()
    (root / "_images" / "wide.png").write_bytes(_png(1400, 40))
    figure = '<div class="cell_output docutils container"><img src="../_images/figure.png"/></div>'
    good_page = _retitled(math_page, "0.1 Demo")
    narrow = _section(
        "Narrow",
        '<div class="math notranslate nohighlight">\\[x_1 + x_2\\]</div>'
        + _output("a short line")
        + '<div class="cell_output docutils container"><div class="output text_html"><table>'
        "<tr><th>seed</th><th>MI</th></tr><tr><td>0</td><td>1.2</td></tr></table></div></div>",
    )
    wide_table = "".join(f"<th>column_{i}</th>" for i in range(40))
    too_wide = _section(
        "Too wide",
        f'<div class="math notranslate nohighlight">\\[{WIDE_SUM}\\]</div>'
        f'<div class="math notranslate nohighlight">\\[y = {WIDE_SUM}\\]</div>'
        + _output("short\n" + "config(" + ", ".join(f"field_{i}={i}" for i in range(40)) + ")")
        + '<div class="cell_output docutils container"><div class="output text_html"><table>'
        f"<tr>{wide_table}</tr></table></div></div>"
        + '<div class="cell_output docutils container"><img src="../_images/wide.png"/></div>'
        + "<h3>A third level</h3>",
    )
    pages = {
        # MathJax removed: no equation is typeset and the TeX delimiters show; a raw $$ block.
        "broken_math.html": _with(
            re.sub(r"<script[^>]*mathjax[^>]*></script>", "", math_page), "<p>$$x^2$$</p>"
        ),
        # A failed cell, a docutils error box and a script error.
        "traceback.html": _with(
            text_page,
            TRACEBACK_OUTPUT + '<div class="system-message"><p>System Message: ERROR/3</p>'
            '<p>Unknown directive type "fgure".</p></div>'
            '<script>throw new Error("boom from the crafted page")</script>',
        ),
        # An executed notebook page whose figure is missing and whose links open another file.
        "bad_notebook.html": _with(
            math_page,
            _image_badge("chapters/00_demo/00_09_other.ipynb")
            + '<a href="https://colab.research.google.com/github/someone/fork/blob/main/x.ipynb">'
            "fork</a>"
            + _launch_button(GOOD)
            + '<div class="cell_output docutils container"><img src="../_images/gone.png"/></div>',
        ),
        # Executed and unexecuted pages of a healthy notebook.
        "good_notebook.html": _with(
            good_page, _badge(GOOD) + _launch_button(GOOD) + figure + narrow
        ),
        "unexecuted_notebook.html": _with(good_page, _badge(GOOD) + _launch_button(GOOD)),
        # Double numbers (Sphinx's and the title's), a deep heading, and what is too wide.
        "layout.html": _with(
            _retitled(math_page, '<span class="section-number">5.7. </span>3.2 Demo'),
            _badge(LAYOUT) + too_wide,
        ),
        # A front-matter page that Sphinx numbers.
        "numbered_front.html": _retitled(text_page, '<span class="section-number">1. </span>Setup'),
    }
    for name, html in pages.items():
        (root / "book" / name).write_text(html)
    with serve(root) as url:
        yield url, repo


def _problems(browser, crafted_site, name: str, source: str) -> list[str]:
    base, repo = crafted_site
    url = f"{base}book/{name}"
    return check_page(inspect_page(browser, url), url, source, repo_root=repo)


@pytest.mark.slow
def test_checks_report_a_broken_site(browser, crafted_site):
    math = _problems(browser, crafted_site, "broken_math.html", "book/notation.md")
    assert any("not typeset" in p for p in math), math
    assert any("raw TeX '$$'" in p for p in math), math
    assert any("raw TeX '\\\\('" in p for p in math), math

    errors = _problems(browser, crafted_site, "traceback.html", "book/setup.md")
    assert any("Python traceback" in p and "AssertionError" in p for p in errors), errors
    assert any("docutils error" in p and "fgure" in p for p in errors), errors
    assert any("browser console" in p and "boom" in p for p in errors), errors

    notebook = _problems(browser, crafted_site, "bad_notebook.html", BAD)
    assert any("gone.png did not load" in p for p in notebook), notebook
    assert any("no figure" in p for p in notebook), notebook
    assert any("00_09_other.ipynb, which is not a notebook here" in p for p in notebook), notebook
    assert any("someone/fork" in p and "is not under" in p for p in notebook), notebook
    assert any("no link to its own notebook" in p for p in notebook), notebook
    assert any("launch button opens" in p for p in notebook), notebook
    assert any("gone.png" in p and "404" in p for p in notebook), notebook
    assert any("missing offline" in p and "colab-badge.svg" in p for p in notebook), notebook
    assert any("should start with 0.2" in p for p in notebook), notebook  # titled "Notation"

    layout = _problems(browser, crafted_site, "layout.html", LAYOUT)
    assert any("double numbering in the heading '5.7. 3.2 Demo'" in p for p in layout), layout
    assert any("should start with 0.3" in p for p in layout), layout
    assert any("heading level 3 'A third level'" in p for p in layout), layout
    wide = [p for p in layout if p.startswith("equation")]
    assert len(wide) == 2 and all("under 'Too wide'" in p for p in wide), layout
    assert any("'y = x_{0} + x_{1}" in p for p in wide), wide
    assert any("output pre" in p and "'config(field_0=0" in p for p in layout), layout
    assert any("output table" in p for p in layout), layout
    assert any("wide.png" in p and "1400 px wide" in p for p in layout), layout
    assert not any("figure.png" in p or "'Narrow'" in p for p in layout), layout

    front = _problems(browser, crafted_site, "numbered_front.html", "book/setup.md")
    assert any("Sphinx numbers the heading '1. Setup'" in p for p in front), front
    assert any("is numbered, but book/setup.md is not a chapter page" in p for p in front), front

    missing_url = crafted_site[0] + "book/missing.html"
    missing = check_loaded(inspect_page(browser, missing_url), missing_url)
    assert any("HTTP status 404" in p for p in missing), missing


@pytest.mark.slow
def test_checks_pass_healthy_notebook_pages(browser, crafted_site):
    for name in ("good_notebook.html", "unexecuted_notebook.html"):
        problems = _problems(browser, crafted_site, name, GOOD)
        assert not problems, f"{name}: {problems}"


def test_toc_pages_resolve_to_html_paths(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "chapters" / "01_x").mkdir(parents=True)
    for name in ("book/intro.md", "book/notation.md", "chapters/01_x/01_01_x.ipynb"):
        (tmp_path / name).write_text("")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n  - caption: A\n    chapters:\n"
        "      - file: book/notation.md\n      - file: chapters/01_x/01_01_x\n"
        "        sections:\n          - file: book/missing\n"
    )
    pages = toc_pages(tmp_path)
    assert [(p.html, p.notebook) for p in pages] == [
        ("book/intro.html", None),
        ("book/notation.html", None),
        ("chapters/01_x/01_01_x.html", "chapters/01_x/01_01_x.ipynb"),
        ("book/missing.html", None),
    ]
