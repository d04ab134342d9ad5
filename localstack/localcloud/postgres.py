"""The project-local Postgres cluster: initialised once, started and stopped idempotently.

It listens on loopback only, keeps its data under .run/ (ignored by git), and works both for
a normal user and for root: initdb refuses to run as root, so root runs the server as an
unprivileged account (Debian's `postgres` when present, otherwise one this script creates).
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import sql

from imagedrive.log import logger
from imagedrive.settings import Settings

SERVICE_ACCOUNTS = ("postgres", "imagedrive-pg")


class PostgresError(RuntimeError):
    pass


@dataclass(frozen=True)
class Cluster:
    data_dir: Path
    port: int
    superuser: str
    password: str
    host: str = "127.0.0.1"

    def url(self, database: str) -> str:
        return f"postgresql://{self.superuser}:{self.password}@{self.host}:{self.port}/{database}"


def bin_dir() -> Path:
    """The newest installed server's binaries; installs Debian's server when root has none."""
    found = _installed_bin_dirs()
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        logger.info("installing PostgreSQL from Debian's packages")
        subprocess.run(["apt-get", "update", "-q"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "postgresql", "postgresql-contrib"],
            check=True, stdout=subprocess.DEVNULL, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = _installed_bin_dirs()
    if not found:
        raise PostgresError("no PostgreSQL server found: install postgresql (>= 14) with contrib")
    return found[-1]


def _installed_bin_dirs() -> list[Path]:
    dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    dirs = [p.parent for p in dirs]
    on_path = shutil.which("pg_ctl")
    if not dirs and on_path:
        dirs = [Path(on_path).parent]
    return dirs


def _service_account() -> str | None:
    """None when we are not root (the server runs as us); otherwise the account to run it as."""
    if os.geteuid() != 0:
        return None
    for name in SERVICE_ACCOUNTS:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_ACCOUNTS[-1]],
        check=True,
    )
    return SERVICE_ACCOUNTS[-1]


def _as_account(account: str | None, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    if account:
        argv = ["runuser", "-u", account, "--", *argv]
    return subprocess.run(argv, **kwargs)


def _reachable_by(account: str, path: Path) -> bool:
    """Can the service account create and use `path` (every parent must be traversable)?"""
    probe = path if path.exists() else path.parent
    while not probe.exists():
        probe = probe.parent
    return _as_account(account, ["test", "-x", str(probe)], check=False).returncode == 0


def resolve_data_dir(requested: Path) -> Path:
    """The data folder to use. Root's checkout may sit under a private home that the service
    account cannot enter; then the data lives in a per-checkout folder under /var/tmp."""
    account = _service_account()
    if account is None or _reachable_by(account, requested):
        return requested
    digest = hashlib.sha256(str(requested).encode()).hexdigest()[:12]
    fallback = Path("/var/tmp") / f"imagedrive-postgres-{digest}"  # noqa: S108 (owned by the service account)
    logger.info("data folder not reachable by the service account", extra={"using": str(fallback)})
    return fallback


def is_running(cluster: Cluster) -> bool:
    if not (cluster.data_dir / "PG_VERSION").exists():
        return False
    result = _as_account(
        _service_account(), [str(bin_dir() / "pg_ctl"), "status", "-D", str(cluster.data_dir)],
        check=False, capture_output=True,
    )
    return result.returncode == 0


def start(cluster: Cluster) -> Cluster:
    """Initialise (first time) and start the cluster; a running cluster is left as it is."""
    account = _service_account()
    binaries = bin_dir()
    cluster.data_dir.parent.mkdir(parents=True, exist_ok=True)
    if not (cluster.data_dir / "PG_VERSION").exists():
        _initdb(cluster, binaries, account)
    if is_running(cluster):
        return cluster
    log_file = cluster.data_dir / "server.log"
    result = _as_account(
        account,
        [
            str(binaries / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(cluster.data_dir), "-l", str(log_file),
            # Loopback TCP only, no Unix socket: nothing outside this machine can connect.
            "-o", f"-p {cluster.port} -c listen_addresses={cluster.host} -c unix_socket_directories=''",
        ],
        check=False, capture_output=True, text=True,
    )
    if result.returncode != 0:
        tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
        raise PostgresError(f"postgres did not start on port {cluster.port}: {result.stderr.strip()}\n{tail}")
    logger.info("postgres started", extra={"port": cluster.port, "data_dir": str(cluster.data_dir)})
    return cluster


def _initdb(cluster: Cluster, binaries: Path, account: str | None) -> None:
    cluster.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", delete=False, dir=cluster.data_dir.parent) as pwfile:
        pwfile.write(cluster.password + "\n")
    try:
        if account:
            for path in (cluster.data_dir, Path(pwfile.name)):
                shutil.chown(path, account, account)
        cluster.data_dir.chmod(0o700)
        # C.UTF-8 so pg_trgm treats CJK and accented letters as word characters.
        result = _as_account(
            account,
            [
                str(binaries / "initdb"), "-D", str(cluster.data_dir), "-U", cluster.superuser,
                f"--pwfile={pwfile.name}", "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
            ],
            check=False, capture_output=True, text=True,
        )
    finally:
        os.unlink(pwfile.name)
    if result.returncode != 0:
        shutil.rmtree(cluster.data_dir, ignore_errors=True)
        raise PostgresError(f"initdb failed: {result.stderr.strip()}")
    logger.info("postgres cluster initialised", extra={"data_dir": str(cluster.data_dir)})


def stop(cluster: Cluster) -> None:
    if not is_running(cluster):
        return
    _as_account(
        _service_account(), [str(bin_dir() / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(cluster.data_dir)],
        check=True, capture_output=True,
    )
    logger.info("postgres stopped", extra={"port": cluster.port})


def ensure_database(cluster: Cluster, name: str, *, recreate: bool = False) -> str:
    """Create `name` if missing (or drop and recreate it); return its URL."""
    conn = psycopg2.connect(cluster.url("postgres"), connect_timeout=5)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            if recreate:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    return cluster.url(name)



def cluster_from_settings(settings: Settings) -> Cluster:
    return Cluster(resolve_data_dir(settings.pg_data_dir), settings.pg_port, settings.pg_user, settings.pg_password,
                   settings.pg_host)
