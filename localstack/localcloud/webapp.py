"""The drive's one origin: `vite preview` serves the built app (web/dist, deep links fall back to index.html)
and forwards /api to `chalice local` with /api stripped and the refresh cookie's path moved under /api
(the proxy in web/vite.config.ts, the same one `npm run dev` uses), as CloudFront does in AWS."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

from imagedrive.settings import Settings
from localcloud import node, processes

WEB_PROCESS = "web"
APP_MARKER = b'<div id="app">'  # web/index.html's mount point: the answer is the app, not someone else's page


def url(settings: Settings) -> str:
    return f"http://localhost:{settings.web_port}"


def port_is_taken(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def start(settings: Settings) -> None:
    """Serve web/dist (built first when its sources changed) on web_port, forwarding /api to api_port."""
    dist = node.ensure_web_built()
    if not processes.is_running(settings.run_dir, WEB_PROCESS) and port_is_taken(settings.web_port):
        raise SystemExit(f"port {settings.web_port} is taken by another program: stop it, or set "
                         f"IMAGEDRIVE_WEB_PORT to a free port")
    vite = node.WEB_DIR / "node_modules" / "vite" / "bin" / "vite.js"
    argv = [str(node.node_path()), str(vite), "preview", "--outDir", str(dist),
            "--host", "127.0.0.1", "--port", str(settings.web_port), "--strictPort"]
    env = node.node_env({"IMAGEDRIVE_WEB_API": f"http://{settings.api_host}:{settings.api_port}"})
    processes.spawn(settings.run_dir, WEB_PROCESS, argv, cwd=node.WEB_DIR, env=env)


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
            health_status, health = _get(url(settings) + "/api/health")
            if status == 200 and APP_MARKER in page and health_status in (200, 503):
                json.loads(health)  # the API's own answer (503: degraded, still the API), not a proxy error
                return
            problem = f"/ answered {status}, /api/health answered {health_status}"
        except (OSError, ValueError) as error:
            problem = str(error)
        time.sleep(0.5)
    raise SystemExit(f"the web app did not serve at {url(settings)}/ within {timeout_s:.0f}s ({problem}); "
                     f"see {settings.run_dir}/{WEB_PROCESS}.log")
