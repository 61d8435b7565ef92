"""Shared fixtures of the data tests: a local HTTP server for fetch (no internet)."""

import http.server
import shutil
import threading
from pathlib import Path

import pytest

ARCHIVES = Path(__file__).resolve().parents[1] / "fixtures" / "archives"


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files from ``directory`` and honours ``Range: bytes=N-`` (206 Partial Content)."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        if self.headers.get("Range", "").startswith("bytes="):
            start = int(self.headers["Range"][6:].split("-")[0])
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])
        self.server.requests.append(self.headers.get("Range"))

    def log_message(self, *args):
        pass


@pytest.fixture()
def server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    for f in ARCHIVES.iterdir():
        shutil.copy(f, served / f.name)

    def handler(*args, **kw):
        return _RangeHandler(*args, directory=str(served), **kw)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}", served
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)
