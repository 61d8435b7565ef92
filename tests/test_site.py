"""The website in a real browser: headless Chromium driven by selenium.

Every page of _toc.yml must load over http, show its equations typeset by MathJax (no raw TeX in
the prose), show its figures (pages of executed notebooks), show no traceback and no docutils
error, raise no JavaScript error, and link to its own notebook on Colab. `make book-check` runs
this file on the executed site (`--site book/_build/html`); without `--site` (as in `make test`)
the session builds the site without executing the notebooks (tests/conftest.py), so figures are
required only on pages that carry cell outputs. Screenshots of the intro and of the first chapter
(the notation page while no chapter exists) are written to `<site>/../screenshots/`.

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
  colab_links: Array.from(document.querySelectorAll('a[href*="colab.research.google.com/github/"]'))
    .map((a) => ({
      href: a.href,
      launch: a.title === 'Launch on Colab' || !!a.closest('.dropdown-launch-buttons'),
    })),
};
"""


def inspect_page(driver, url: str) -> dict:
    """Open ``url``, wait for MathJax and the local images, and return what the page shows.

    Returns:
        A dict: url, status (HTTP), title, has_article, math_count, untypeset, mjx_count,
        math_errors, prose (visible text outside code), all_text, traceback_blocks,
        system_messages, outputs (cell outputs), images (local ones), colab_links, mathjax
        ("absent" | "not loaded" | "typeset" | "failed: ..." | "timeout"), settled, console
        (SEVERE browser log messages).
    """
    driver.get(url)
    mathjax, settled = driver.execute_async_script(SETTLE_JS, SETTLE_TIMEOUT_MS)
    state = driver.execute_script(STATE_JS)
    state.update(
        mathjax=mathjax,
        settled=settled,
        console=[e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"],
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
            continue  # offline: external resources (the Colab badge image) cannot load
        if message.startswith(origin + "favicon.ico") or any(
            noise in message for noise in KNOWN_CONSOLE_NOISE
        ):
            continue
        problems.append(f"browser console: {message[:300]}")
    return problems


def check_page(state: dict, url: str, notebook: str | None, repo_root: Path = ROOT) -> list[str]:
    """All the checks of one page; an empty list means the page is fine."""
    return [
        *check_loaded(state, url),
        *check_math(state),
        *check_no_errors_shown(state),
        *check_figures(state, notebook, repo_root),
        *check_colab_links(state, notebook, repo_root),
        *check_console(state),
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
    problems = check_page(inspect_page(browser, url), url, page.notebook)
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


def _full_page_png(driver) -> bytes:
    import base64

    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 8000)}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": {**clip, "scale": 1}},
    )
    return base64.b64decode(shot["data"])


@pytest.mark.slow
def test_screenshots_of_the_intro_and_a_chapter(browser, base_url, site):
    chapter = next((p for p in PAGES if p.notebook), None)
    chapter = chapter or next(p for p in PAGES if p.docname == "book/notation")
    out = site.parent / "screenshots"
    out.mkdir(exist_ok=True)
    for name, page in (("intro", PAGES[0]), ("chapter", chapter)):
        inspect_page(browser, base_url + page.html)
        png = _full_page_png(browser)
        assert png.startswith(b"\x89PNG") and len(png) > 10_000, f"blank screenshot of {page}"
        (out / f"{name}.png").write_bytes(png)
        (out / f"{name}.txt").write_text(f"{page.html} ({page.source})\n")


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
    return (
        f'<p><a class="reference external" href="{COLAB}{notebook}"><img alt="Open In Colab" '
        'src="https://colab.research.google.com/assets/colab-badge.svg" /></a></p>'
    )


GOOD = "chapters/00_demo/00_01_demo.ipynb"
BAD = "chapters/00_demo/00_02_bad.ipynb"
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
    figure = '<div class="cell_output docutils container"><img src="../_images/figure.png"/></div>'
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
            _badge("chapters/00_demo/00_09_other.ipynb")
            + '<a href="https://colab.research.google.com/github/someone/fork/blob/main/x.ipynb">'
            "fork</a>"
            + _launch_button(GOOD)
            + '<div class="cell_output docutils container"><img src="../_images/gone.png"/></div>',
        ),
        # Executed and unexecuted pages of a healthy notebook.
        "good_notebook.html": _with(math_page, _badge(GOOD) + _launch_button(GOOD) + figure),
        "unexecuted_notebook.html": _with(math_page, _badge(GOOD) + _launch_button(GOOD)),
    }
    for name, html in pages.items():
        (root / "book" / name).write_text(html)
    with serve(root) as url:
        yield url, repo


def _problems(browser, crafted_site, name: str, notebook: str | None) -> list[str]:
    base, repo = crafted_site
    url = f"{base}book/{name}"
    return check_page(inspect_page(browser, url), url, notebook, repo_root=repo)


@pytest.mark.slow
def test_checks_report_a_broken_site(browser, crafted_site):
    math = _problems(browser, crafted_site, "broken_math.html", None)
    assert any("not typeset" in p for p in math), math
    assert any("raw TeX '$$'" in p for p in math), math
    assert any("raw TeX '\\\\('" in p for p in math), math

    errors = _problems(browser, crafted_site, "traceback.html", None)
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
