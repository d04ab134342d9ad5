"""One file of a pinned hub revision, downloaded and verified before anything may use it.

Plain HTTPS in the hub's own URL layout, `{endpoint}/{repo}/resolve/{revision}/{path}`, with the
endpoint from HF_ENDPOINT as huggingface_hub reads it (mirrors, and the tests' local server).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from model_export.hub_catalog import HubFile, HubRepo

DEFAULT_ENDPOINT = "https://huggingface.co"
_BLOCK = 1 << 20


class HubDownloadError(Exception):
    """A hub file could not be installed: the message names the file and what was wrong."""


class HubUnreachable(HubDownloadError):
    """The hub did not answer at all (no network, no DNS, refused): fall back to other weights."""


def endpoint() -> str:
    """HF_ENDPOINT or huggingface.co; only http(s), so a stray value never opens a local file."""
    value = os.environ.get("HF_ENDPOINT", DEFAULT_ENDPOINT).rstrip("/")
    if not value.startswith(("https://", "http://")):
        raise HubDownloadError(f"HF_ENDPOINT must be an http(s) URL, not {value!r}")
    return value


def file_url(repo: HubRepo, file: HubFile) -> str:
    return f"{endpoint()}/{repo.repo}/resolve/{repo.revision}/{file.path}"


def _request(url: str, method: str = "GET") -> urllib.request.Request:
    # The scheme is http(s): endpoint() checks it.
    return urllib.request.Request(url, method=method, headers={"User-Agent": "imagedrive-model-fetch"})  # noqa: S310


def probe(repo: HubRepo, file: HubFile, timeout: float) -> None:
    """Fail fast, with HubUnreachable, where no hub answers; a hub that answers with an error is a
    HubDownloadError (a revision or file that is not there will not appear by retrying)."""
    url = file_url(repo, file)
    try:
        with urllib.request.urlopen(_request(url, "HEAD"), timeout=timeout):  # noqa: S310 (http(s) only)
            return
    except urllib.error.HTTPError as error:
        raise HubDownloadError(f"{url}: the hub answered HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise HubUnreachable(f"no model hub at {endpoint()} ({reason})") from None


def download(repo: HubRepo, file: HubFile, target: Path, timeout: float) -> str:
    """Stream the file into `target`, check its size and sha256 against the pin; returns the sha256.

    `timeout` bounds every connect and read, so a server that stalls fails instead of hanging."""
    url = file_url(repo, file)
    digest = hashlib.sha256()
    written = 0
    started = time.monotonic()
    size = f" ({file.size / 1e6:.0f} MB)" if file.size else ""
    _say(f"downloading {repo.repo}@{repo.revision[:10]} {file.path}{size}")
    try:
        with urllib.request.urlopen(_request(url), timeout=timeout) as response, target.open("wb") as out:  # noqa: S310
            announced = response.headers.get("Content-Length")
            while block := response.read(_BLOCK):
                out.write(block)
                digest.update(block)
                written += len(block)
    except urllib.error.HTTPError as error:
        raise HubDownloadError(f"{url}: the hub answered HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        raise HubDownloadError(f"{url}: the download broke off after {written} bytes ({error!r})") from None
    if announced is not None and written != int(announced):
        raise HubDownloadError(f"{url}: truncated, {written} of the {announced} bytes the server announced")
    if file.size is not None and written != file.size:
        raise HubDownloadError(
            f"{url}: {written} bytes, but the pinned file has {file.size}: truncated or not the pinned file"
        )
    got = digest.hexdigest()
    if file.sha256 is not None and got != file.sha256:
        raise HubDownloadError(f"{url}: sha256 mismatch, expected {file.sha256}, got {got}")
    _say(f"  verified {written / 1e6:.1f} MB in {time.monotonic() - started:.0f} s, sha256 {got[:16]}…")
    return got


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
