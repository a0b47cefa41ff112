"""The downloader against a local HTTP server (127.0.0.1, in this process): resume, checksums, errors."""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hologan_lesson.data.download import ChecksumError, DownloadError, download


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i in range(20):
            zf.writestr(f"images/{i:03d}.txt", bytes(range(256)) * 40)
    return buf.getvalue()


PAYLOAD = _zip_bytes()
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    """Serves PAYLOAD at /data.zip; honours Range unless /norange; /cut stops sending halfway."""

    requests: list[dict] = []

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self.requests.append({"path": self.path, "range": self.headers.get("Range")})
        if self.path not in ("/data.zip", "/cut.zip", "/norange.zip"):
            self.send_error(404, "Not Found")
            return
        start = 0
        byte_range = self.headers.get("Range")
        if byte_range and self.path != "/norange.zip":
            start = int(byte_range.split("=")[1].split("-")[0])
            if start >= len(PAYLOAD):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(PAYLOAD)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path == "/cut.zip":
            self.wfile.write(body[: len(body) // 2])  # then hang up, as a flaky connection would
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture(scope="module")
def _httpd():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture()
def server(_httpd):
    _Handler.requests = []
    return _httpd


def test_download_and_checksum(server, tmp_path):
    dest = download(f"{server}/data.zip", tmp_path / "data.zip", sha256=SHA, progress=False)
    assert dest.read_bytes() == PAYLOAD and not (tmp_path / "data.zip.part").exists()
    assert zipfile.ZipFile(dest).namelist()[0] == "images/000.txt"
    # A second call finds the verified file and does not fetch again.
    n = len(_Handler.requests)
    download(f"{server}/data.zip", dest, sha256=SHA, progress=False)
    assert len(_Handler.requests) == n


def test_resume_a_partial_download_with_range(server, tmp_path):
    dest = tmp_path / "data.zip"
    (tmp_path / "data.zip.part").write_bytes(PAYLOAD[:1000])
    download(f"{server}/data.zip", dest, sha256=SHA, progress=False)
    assert dest.read_bytes() == PAYLOAD
    assert _Handler.requests[-1]["range"] == "bytes=1000-"


def test_interrupted_download_resumes_on_the_next_call(server, tmp_path):
    dest = tmp_path / "data.zip"
    with pytest.raises(DownloadError, match="run again to resume"):
        download(f"{server}/cut.zip", dest, progress=False)
    part = tmp_path / "data.zip.part"
    assert 0 < part.stat().st_size < len(PAYLOAD) and not dest.exists()
    download(f"{server}/data.zip", dest, sha256=SHA, progress=False)
    assert dest.read_bytes() == PAYLOAD


def test_complete_part_file_is_finished_after_416(server, tmp_path):
    (tmp_path / "data.zip.part").write_bytes(PAYLOAD)
    download(f"{server}/data.zip", tmp_path / "data.zip", sha256=SHA, progress=False)
    assert (tmp_path / "data.zip").read_bytes() == PAYLOAD


def test_server_ignoring_range_starts_over(server, tmp_path):
    (tmp_path / "data.zip.part").write_bytes(b"garbage that must not stay at the front")
    download(f"{server}/norange.zip", tmp_path / "data.zip", sha256=SHA, progress=False)
    assert (tmp_path / "data.zip").read_bytes() == PAYLOAD


def test_checksum_mismatch_is_an_error_and_leaves_no_file(server, tmp_path):
    with pytest.raises(ChecksumError, match="expected 0000"):
        download(f"{server}/data.zip", tmp_path / "data.zip", sha256="0" * 64, progress=False)
    assert not (tmp_path / "data.zip").exists() and not (tmp_path / "data.zip.part").exists()


def test_existing_file_with_wrong_checksum_is_not_overwritten(server, tmp_path):
    dest = tmp_path / "data.zip"
    dest.write_bytes(b"my own file")
    with pytest.raises(ChecksumError, match="left untouched"):
        download(f"{server}/data.zip", dest, sha256=SHA, progress=False)
    assert dest.read_bytes() == b"my own file"


def test_http_and_connection_errors_are_clear(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(f"{server}/missing.zip", tmp_path / "x.zip", progress=False)
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match="could not reach"):
        download(f"http://127.0.0.1:{port}/x", tmp_path / "y.zip", progress=False)
