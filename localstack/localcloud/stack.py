"""The local drive as a whole: Postgres, LocalStack, models, the event runner, the API and the web app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2

from imagedrive.db.migrate import apply_migrations
from imagedrive.settings import Settings
from localcloud import bootstrap, node, postgres, processes, server, webapp
from localcloud.paths import REPO_ROOT
from sample_data.load import load_sample_library

API_PROCESS = "api"
RUNNER_PROCESS = "event-runner"


def start_database(settings: Settings) -> str:
    """Start the cluster, create the database and bring its schema up to date; return its URL."""
    cluster = postgres.start(postgres.cluster_from_settings(settings))
    url = postgres.ensure_database(cluster, settings.pg_database)
    conn = psycopg2.connect(url)
    try:
        apply_migrations(conn)
    finally:
        conn.close()
    return url


def start_cloud(settings: Settings) -> None:
    server.start(settings)
    bootstrap.bootstrap(settings)


HUB_UNREACHABLE = 3  # `python -m model_export.hub`'s exit status when no hub answers


def ensure_models(settings: Settings) -> None:
    """Real CLIP weights from the hub where it answers (a few seconds tell that it does not), else the
    models already there; random-init exports only for what holds no real weights. Says which happened."""
    root = str(settings.model_root)
    hub = subprocess.run([sys.executable, "-m", "model_export.hub", "--out", root], cwd=REPO_ROOT, check=False)
    if hub.returncode == 0:
        print("models: CLIP weights from the model hub are in place (images embedded by an earlier model: "
              "`.venv/bin/python -m imagedrive reembed`)")
    elif hub.returncode == HUB_UNREACHABLE:
        print("models: no model hub reachable; keeping the models there and exporting random-init ones where none are")
    else:
        print("models: the hub download failed (see above); the previous models were kept")
    kinds = [kind for kind in ("clip", "clip-multilingual", "doctr") if not _holds_real_weights(settings, kind)]
    if kinds:
        subprocess.run([sys.executable, "-m", "model_export", "ensure", "--out", root, "--random-init",
                        "--only", ",".join(kinds)], cwd=REPO_ROOT, check=True)


def _holds_real_weights(settings: Settings, kind: str) -> bool:
    """Real weights are never replaced by random-init ones (the hub may be unreachable today)."""
    from imagedrive.inference.manifest import ManifestError, find_model_dirs, load_manifest
    from imagedrive.inference.provenance import RANDOM_INIT

    try:
        folder = find_model_dirs(settings.model_root).get(kind)
        return folder is not None and load_manifest(folder).provenance != RANDOM_INIT
    except (ManifestError, OSError, ValueError):
        return False


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "localstack"), str(REPO_ROOT)])
    return env


def start_runner(settings: Settings, env: dict[str, str] | None = None) -> None:
    argv = [sys.executable, "-m", "localcloud.runner"]
    processes.spawn(settings.run_dir, RUNNER_PROCESS, argv, env=env or child_env())


def heal(settings: Settings) -> None:
    """One reconciler pass right after start, so a drive whose emulator lost messages (a crash, a
    reboot) heals: nothing is in flight yet, so everything out of step counts (`after_min=0`); the
    runner, already polling, ingests what it re-sends, and a message that survived too is deduped."""
    from imagedrive.reconcile.run import reconcile

    try:
        report = reconcile(settings, after_min=0)
    except Exception as error:  # the drive still starts; `python -m imagedrive reconcile` retries
        print(f"reconciler failed ({type(error).__name__}: {error}); run `python -m imagedrive reconcile` later")
        return
    print("reconciler: " + json.dumps({name: len(found) for name, found in report.as_dict().items()
                                       if isinstance(found, list | dict)}))


def reembed_if_the_model_changed(settings: Settings) -> None:
    """Vectors of another CLIP (an upgrade, real weights installed) would be in no index of the current one:
    they are recomputed, resumably and with a progress bar, before the drive is handed over."""
    from imagedrive.db import fetch_one, transaction
    from imagedrive.inference.manifest import find_model_dirs, load_manifest

    current = load_manifest(find_model_dirs(settings.model_root)["clip"]).model_version(settings.clip_precision)
    with transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM embeddings WHERE model_version <> %s", (current,))
        stale = int(fetch_one(cur)["n"])
    if stale:
        print(f"models: {stale} images were embedded by another model; re-embedding them with {current}")
        subprocess.run([sys.executable, "-m", "imagedrive", "reembed"], cwd=REPO_ROOT, env=child_env(), check=True)


def start_api(settings: Settings, env: dict[str, str] | None = None) -> None:
    chalice = os.path.join(os.path.dirname(sys.executable), "chalice")
    argv = [chalice, "local", "--no-autoreload", "--stage", "local",
            "--host", settings.api_host, "--port", str(settings.api_port)]
    processes.spawn(settings.run_dir, API_PROCESS, argv, cwd=REPO_ROOT / "functions" / "api", env=env or child_env())


def wait_for_health(settings: Settings, timeout_s: float = 60) -> dict:
    url = f"http://{settings.api_host}:{settings.api_port}/health"
    deadline = time.monotonic() + timeout_s
    last: dict = {}
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            last = json.load(error)
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the API did not report healthy within {timeout_s:.0f}s: {last or 'no answer'}; "
                     f"see {settings.run_dir}/{API_PROCESS}.log")


def _stop_servers(settings: Settings) -> None:
    """The event runner, API and web server an earlier `up` left running are restarted, so they run today's
    code, models and settings (none reloads itself: a runner kept from before an upgrade went on reading text
    with the old OCR engine; an older chalice may lack the /api base path or use another port). A batch the
    runner had in hand is delivered again by SQS, and ingestion is idempotent."""
    webapp.stop(settings)
    processes.stop(settings.run_dir, API_PROCESS)
    processes.stop(settings.run_dir, RUNNER_PROCESS)


@contextmanager
def serving(drive: Settings, env: dict[str, str]) -> Iterator[str]:
    """A chalice with the /api base path behind the one-origin web server, on `drive`'s ports and run dir, for as
    long as the block runs (tests and benchmarks); the app's URL. Leftovers of an earlier run are stopped first."""
    webapp.stop(drive)
    processes.stop(drive.run_dir, API_PROCESS)
    start_api(drive, env=webapp.api_env(env))
    try:
        wait_for_health(drive)
        webapp.start(drive, env)
        webapp.wait_until_serving(drive)
        yield webapp.url(drive)
    finally:
        webapp.stop(drive)
        processes.stop(drive.run_dir, API_PROCESS)


def up(settings: Settings) -> None:
    node.ensure_web_built()  # first: the slowest step on a fresh machine, and it fails without any server
    start_database(settings)
    start_cloud(settings)
    ensure_models(settings)
    _stop_servers(settings)
    start_runner(settings)
    heal(settings)
    reembed_if_the_model_changed(settings)
    start_api(settings, env=webapp.api_env(child_env()))
    wait_for_health(settings)
    webapp.start(settings, child_env())
    webapp.wait_until_serving(settings)
    # Imported in-process order: categories, then images (resumable: a second `up` skips them all).
    load_sample_library(REPO_ROOT / ".cache" / "sample-data", env=child_env())
    print(f"""
Image Drive is up. Open {webapp.url(settings)}/
  API:      /api on the same origin (/api/health; chalice local behind it on 127.0.0.1:{settings.api_port})
  Postgres: {settings.local_database_url}
  AWS:      {settings.local_aws} at http://127.0.0.1:{settings.localstack_port}
  Logs:     {settings.run_dir}/*.log
{models_banner(settings)}
Stop it with: ./dev down
""")


def models_banner(settings: Settings) -> str:
    """Which models are real and which random-init, and how to get real ones (never left unsaid)."""
    from imagedrive.inference.provenance import describe_models, models_warning

    models = describe_models(settings.model_root, precision=settings.clip_precision, ocr_engine=settings.ocr_engine)
    lines = [f"  {model.name + ':':<18} {model.source}" + ("" if model.meaningful else "   <- NOT REAL weights")
             for model in models]
    warning = models_warning(models)
    return "Models:\n" + "\n".join(lines) + (f"\n  {warning}" if warning else "\n  All models have real weights.")


def down(settings: Settings) -> None:
    webapp.stop(settings)
    processes.stop(settings.run_dir, API_PROCESS)
    processes.stop(settings.run_dir, RUNNER_PROCESS)
    server.stop(settings)
    postgres.stop(postgres.cluster_from_settings(settings))


def status(settings: Settings) -> None:
    cluster = postgres.cluster_from_settings(settings)
    report = {
        "postgres": postgres.is_running(cluster),
        settings.local_aws: server.is_healthy(settings),
        RUNNER_PROCESS: processes.is_running(settings.run_dir, RUNNER_PROCESS),
        API_PROCESS: processes.is_running(settings.run_dir, API_PROCESS),
        webapp.WEB_PROCESS: webapp.is_running(settings),
    }
    print(json.dumps(report, indent=2))
