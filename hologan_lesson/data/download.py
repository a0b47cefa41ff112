"""A small, dependable file downloader: resume with HTTP Range, SHA-256 check, atomic rename."""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from pathlib import Path


class DownloadError(RuntimeError):
    """A download failed; the message says what to try next."""


class ChecksumError(DownloadError):
    """The downloaded bytes do not have the expected SHA-256."""


def sha256_of(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk_size):
            h.update(block)
    return h.hexdigest()


def _total_from(response, offset: int) -> int | None:
    content_range = response.headers.get("Content-Range", "")  # "bytes 100-999/1000"
    if content_range and "/" in content_range and not content_range.endswith("/*"):
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("Content-Length")
    return int(length) + offset if length is not None else None


def download(
    url: str,
    dest: str | os.PathLike,
    sha256: str | None = None,
    progress: bool = True,
    timeout: float = 60.0,
    chunk_size: int = 1 << 20,
) -> Path:
    """Fetch ``url`` to ``dest`` (resuming ``dest.part`` when present) and verify ``sha256`` when given.

    An existing ``dest`` is kept when it matches ``sha256`` (or when no checksum is given); one that does not
    match is never overwritten: that raises instead.
    """
    dest = Path(dest).expanduser()
    part = dest.with_name(dest.name + ".part")
    if dest.exists():
        if sha256 is None or sha256_of(dest) == sha256.lower():
            return dest
        raise ChecksumError(
            f"{dest} already exists but its SHA-256 is not {sha256}; it was left untouched. "
            f"Delete or move it "
            f"and run again to download a fresh copy."
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "hologan-lesson"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:  # nothing left to fetch: the partial file is already complete
            return _finish(part, dest, sha256, url)
        raise DownloadError(f"download of {url} failed: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise DownloadError(
            f"could not reach {url} ({reason}); check the address and your connection, then run again "
            f"(a partial download in {part} is resumed)"
        ) from None
    with response:
        status = response.status
        if offset and status != 206:
            offset = 0  # the server ignored Range: start over
        total = _total_from(response, offset)
        mode = "ab" if offset else "wb"
        from tqdm.auto import tqdm

        bar = tqdm(
            total=total,
            initial=offset,
            unit="B",
            unit_scale=True,
            desc=dest.name,
            disable=not progress,
            leave=False,
        )
        received = offset
        try:
            with open(part, mode) as f:
                while block := response.read(chunk_size):
                    f.write(block)
                    received += len(block)
                    bar.update(len(block))
        except (OSError, http.client.HTTPException) as err:
            raise DownloadError(
                f"download of {url} was interrupted after {received} bytes ({err}); run again to resume from {part}"
            ) from None
        finally:
            bar.close()
    if total is not None and received < total:
        raise DownloadError(
            f"download of {url} stopped at {received} of {total} bytes; run again to resume from {part}"
        )
    return _finish(part, dest, sha256, url)


def _finish(part: Path, dest: Path, sha256: str | None, url: str) -> Path:
    if sha256 is not None:
        actual = sha256_of(part)
        if actual != sha256.lower():
            part.unlink()  # a finished but wrong file cannot be resumed into a right one
            raise ChecksumError(
                f"{url} downloaded, but its SHA-256 is {actual}, expected {sha256}. "
                f"The bad copy ({part}) was "
                f"deleted. Run again; if it keeps failing the file on the server has changed."
            )
    os.replace(part, dest)
    return dest
