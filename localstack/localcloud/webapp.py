"""The drive's one origin, as CloudFront gives it in AWS: the built app (web/dist) with deep links answered by
index.html, and /api/* forwarded to `chalice local` with /api stripped (method, body, headers, cookies and
status passed through, the answer streamed). The API runs with IMAGEDRIVE_API_BASE_PATH=/api, so the
refresh cookie it sets is scoped to /api/auth, where the browser sends it back.

`python -m localcloud.webapp [--dist DIR]` is the server process; the rest starts, stops and waits for it."""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.middleware.http_proxy import ProxyMiddleware
from werkzeug.serving import run_simple
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request

from imagedrive.settings import Settings, get_settings
from infra.app_upload import HASHED_PREFIX, cache_control
from localcloud import node, processes

WEB_PROCESS = "web"
API_PREFIX = "/api"  # where the browser finds the API on the one origin (CloudFront's path pattern too)
APP_MARKER = b'<div id="app">'  # web/index.html's mount point: the answer is the app, not someone else's page
PROXY_TIMEOUT_S = 60  # above API Gateway's 29 s, so a slow API answer reaches the browser as the API's own


def url(settings: Settings) -> str:
    return f"http://localhost:{settings.web_port}"


def api_env(env: dict[str, str]) -> dict[str, str]:
    """The environment for the chalice behind this server: it sees its paths without /api, the browser with."""
    return {**env, "IMAGEDRIVE_API_BASE_PATH": API_PREFIX}


def port_is_taken(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


class StaticApp:
    """web/dist over WSGI: files as they are, any other GET the app's index.html (history-mode routing), each
    with the Cache-Control the deployed app's objects carry (infra/app_upload.py: hashed assets for a year,
    index.html revalidated on every load)."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        request = Request(environ)
        if request.method not in ("GET", "HEAD"):
            return MethodNotAllowed(valid_methods=["GET", "HEAD"])(environ, start_response)
        path = request.path.lstrip("/")
        hidden = any(part.startswith(".") for part in path.split("/"))  # .vite/manifest.json, build stamps
        try:
            if not path or hidden:
                raise NotFound()
            response = send_from_directory(self.dist, path, environ)
        except NotFound:
            if path.startswith(HASHED_PREFIX) or path == API_PREFIX.lstrip("/"):
                return NotFound()(environ, start_response)  # a missing asset is an error, not the app
            path = "index.html"
            response = send_from_directory(self.dist, path, environ)
        response.headers["Cache-Control"] = cache_control(path)
        return response(environ, start_response)


def wsgi_app(dist: Path, api_url: str) -> Callable:
    app = ProxyMiddleware(StaticApp(dist), {API_PREFIX: {"target": api_url + "/", "remove_prefix": True}},
                          timeout=PROXY_TIMEOUT_S)

    def without_date_and_server(environ: dict, start_response) -> Iterable[bytes]:
        """The server writes its own Date and Server headers (an answer with two Date headers is malformed), so
        the API's and send_file's are dropped."""
        def start(status: str, headers: list[tuple[str, str]], exc_info=None):
            return start_response(status, [(k, v) for k, v in headers if k.lower() not in ("date", "server")],
                                  exc_info)

        return app(environ, start)

    return without_date_and_server


def start(settings: Settings, env: dict[str, str]) -> None:
    """Serve web/dist (built first when its sources changed) on web_port, forwarding /api to api_port;
    the server reads both from `env` (its whole environment), which must agree with `settings`."""
    node.ensure_web_built()
    if not processes.is_running(settings.run_dir, WEB_PROCESS) and port_is_taken(settings.web_port):
        raise SystemExit(f"port {settings.web_port} is taken by another program: stop it, or set "
                         f"IMAGEDRIVE_WEB_PORT to a free port")
    argv = [sys.executable, "-m", "localcloud.webapp"]
    processes.spawn(settings.run_dir, WEB_PROCESS, argv, env=env)


def stop(settings: Settings) -> None:
    processes.stop(settings.run_dir, WEB_PROCESS)


def is_running(settings: Settings) -> bool:
    return processes.is_running(settings.run_dir, WEB_PROCESS)


def _get(address: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(address, timeout=5) as response:  # noqa: S310 (our own http:// origin)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until_serving(settings: Settings, timeout_s: float = 60) -> None:
    """Until the app's page and the API's /health (through /api) both answer on the one origin."""
    deadline = time.monotonic() + timeout_s
    problem = "no answer"
    while time.monotonic() < deadline:
        try:
            status, page = _get(url(settings) + "/")
            health_status, health = _get(url(settings) + API_PREFIX + "/health")
            if status == 200 and APP_MARKER in page and health_status in (200, 503):
                json.loads(health)  # the API's own answer (503: degraded, still the API), not a proxy error
                return
            problem = f"/ answered {status}, {API_PREFIX}/health answered {health_status}"
        except (OSError, ValueError) as error:
            problem = str(error)
        time.sleep(0.5)
    raise SystemExit(f"the web app did not serve at {url(settings)}/ within {timeout_s:.0f}s ({problem}); "
                     f"see {settings.run_dir}/{WEB_PROCESS}.log")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="localcloud.webapp", description=__doc__)
    parser.add_argument("--dist", type=Path, default=node.DIST_DIR, help="the built app (default: web/dist)")
    args = parser.parse_args(argv)
    settings = get_settings()
    api_url = f"http://{settings.api_host}:{settings.api_port}"
    print(f"serving {args.dist} at {url(settings)}/, {API_PREFIX}/* -> {api_url}", flush=True)
    run_simple("127.0.0.1", settings.web_port, wsgi_app(args.dist, api_url), threaded=True)


if __name__ == "__main__":
    main()
