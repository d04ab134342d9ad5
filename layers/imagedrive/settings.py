"""Every endpoint, name, port, limit and secret the drive uses, read from the environment.

Local defaults make a fresh checkout work against the project's own Postgres and LocalStack;
in AWS the template sets the names and the secrets come from Secrets Manager.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from imagedrive.image_types import ACCEPTED_MIME_TYPES


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IMAGEDRIVE_", extra="ignore")

    environment: Literal["local", "test", "aws"] = "local"
    # Set by Lambda in every function: tells a deployed function's cold start from packaging (`chalice package`).
    lambda_function_name: str | None = Field(None, validation_alias="AWS_LAMBDA_FUNCTION_NAME")

    # AWS (LocalStack locally). AWS_ENDPOINT_URL is the variable boto3 itself understands.
    aws_region: str = Field("us-east-1", validation_alias="AWS_DEFAULT_REGION")
    aws_endpoint_url: str | None = Field(None, validation_alias="AWS_ENDPOINT_URL")  # unset: local LocalStack
    originals_bucket: str = "imagedrive-originals"
    derived_bucket: str = "imagedrive-derived"  # thumbnails/, indexes/, exports/
    ingest_queue: str = "imagedrive-ingest"
    index_queue: str = "imagedrive-index"
    dlq_suffix: str = "-dlq"
    max_receive_count: int = 5  # receives before SQS moves a message to the DLQ; the template uses this value
    queue_visibility_timeout_s: int = 60

    # Secrets: an explicit value wins (tests, local runs); otherwise the named secret is read.
    database_url: str | None = None
    # Where the database is when its secret holds only credentials (an RDS-managed master secret):
    # in AWS the template points these at the RDS Proxy.
    database_host: str | None = None
    database_port: int = 5432
    database_name: str = "imagedrive"
    database_secret_name: str = "imagedrive/database"  # noqa: S105 (a name, not a secret)
    jwt_secret: str | None = None
    jwt_secret_name: str = "imagedrive/jwt"  # noqa: S105 (a name, not a secret)

    # Developer paths (local runs only; Lambda uses /tmp and /opt): relative to the working directory, which
    # `python -m imagedrive` from the checkout satisfies; localcloud (./dev, the tests) sets the checkout's
    # absolute ones through the environment (localstack/localcloud/paths.py).
    # Pid files and logs of the local drive's processes.
    run_dir: Path = Path(".run")

    # The project-local Postgres cluster.
    pg_host: str = "127.0.0.1"
    pg_port: int = 54329
    pg_database: str = "imagedrive"
    pg_user: str = "imagedrive"
    pg_password: str = "imagedrive-local"  # noqa: S105 (loopback-only dev cluster)
    pg_data_dir: Path = Path(".run/postgres")

    # The local AWS (localstack/localcloud/server.py): MiniStack, which keeps its data, or LocalStack
    # (in memory), on one port. The port's name predates MiniStack; it is the local AWS's port either way.
    local_aws: Literal["ministack", "localstack"] = "ministack"
    localstack_port: int = 4566
    localstack_state_dir: Path = Path(".run/localstack")
    ministack_data_dir: Path = Path(".run/ministack")  # the drive's objects and AWS state
    # The local API (chalice local) sits behind the web server (localcloud/webapp.py), which serves the app and
    # forwards /api to it on one origin: web_port is the URL `./dev up` prints, and spa_origin must equal it.
    api_host: str = "127.0.0.1"
    api_port: int = 8001
    web_port: int = 8000
    spa_origin: str = "http://localhost:8000"  # unset: http://localhost:{web_port} (see _spa_origin_follows_web_port)
    # The path under which browsers see the API on that origin ("/api" behind the web server and CloudFront;
    # "" when chalice is called directly): the refresh cookie is scoped to {api_base_path}/auth.
    api_base_path: str = Field("", pattern=r"^(/[A-Za-z0-9._~-]+)*$")

    # Limits.
    max_upload_bytes: int = 50 * 1024 * 1024
    max_image_pixels: int = 100_000_000
    thumbnail_max_side: int = 320
    presign_ttl_s: int = 300

    # Ingestion. Auto-tag thresholds: see imagedrive/ingest/autotag.py and the README.
    ingest_ocr: bool = True
    # The reconciler (imagedrive/reconcile): a PENDING row, or an object under uploads/ or drop/ with no row,
    # this much older than now lost its message. /health lists at most `health_index_keys_max` index objects.
    reconcile_after_min: int = 15
    health_index_keys_max: int = 3000
    autotag_min_probability: float = 0.5
    autotag_min_cosine: float = 0.2

    # API: auth, uploads and exports (imagedrive/auth, imagedrive/uploads, imagedrive/analytics).
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 14 * 24 * 3600
    login_window_s: int = 15 * 60  # failures older than this are forgotten
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 30  # one address may serve many people (NAT, offices)
    upload_content_types: tuple[str, ...] = ACCEPTED_MIME_TYPES
    upload_batch_max: int = 100
    export_page_rows: int = 1000
    export_part_bytes: int = Field(5 * 1024 * 1024, ge=5 * 1024 * 1024)  # S3's smallest multipart part
    export_sync_budget_s: float = 20.0  # under API Gateway's 29 s; the rest is finished by polling

    # Models.
    model_root: Path = Path(".cache/models/local")  # in AWS the template sets it (/opt/models)
    # OCR engine: RapidOCR's weights ship in its wheel (works offline); doctr needs its export under model_root.
    ocr_engine: Literal["rapidocr", "doctr"] = "rapidocr"
    # CLIP precision is part of model_version (vectors of two precisions never share an index); text routing:
    # which tower a query goes to (imagedrive/inference/language.py).
    clip_precision: Literal["int8", "fp32"] = "int8"
    text_routing: Literal["auto", "multilingual"] = "auto"
    onnx_threads: int = 0  # 0: one per core

    # Search and per-user FAISS indexes (imagedrive/indexing, imagedrive/search).
    query_function: str | None = None  # the query Lambda the API invokes; unset: run the search in process
    query_function_timeout_s: int = 30  # the template's QueryFunction Timeout (a test keeps them equal)
    # Lambda: /tmp, its only writable disk. Elsewhere unset means run_dir/index-cache, so two drives on one
    # machine (a test run and `./dev up`) never clear each other's copies.
    index_cache_dir: Path | None = None
    index_cache_mb: int = 1536  # indexes a warm query function keeps in memory, least recently used dropped
    index_build_timeout_s: int = 900  # a 'building' version older than this was interrupted
    # Indexes of more vectors than this are partitioned (IVF, 8-bit codes, exact re-rank); smaller ones flat.
    index_flat_max: int = 50_000
    search_model_version: str | None = None  # the vectors to index; unset: the CLIP manifest, else the newest
    search_k_max: int = 200
    search_k_default: int = 20
    # Rows changed after an index's watermark are brute-forced from Postgres and merged in; past this many
    # the index is rebuilt first.
    search_fresh_max: int = 5000
    search_rrf_k: int = 60  # reciprocal-rank fusion constant (Cormack et al.)
    search_duplicates_s_min: float = 0.95
    search_duplicates_exact_max: int = 5000  # above this many own images, duplicates compare within cells
    search_duplicates_max_pairs: int = 2_000_000  # refuse an s_min so low that nearly everything pairs up

    @model_validator(mode="after")
    def _spa_origin_follows_web_port(self) -> Settings:
        """Locally the app's origin is the web server's URL: moving the port (the browser tests use 8766) moves
        the origin the buckets' CORS and the API allow, unless it was set on purpose."""
        if "spa_origin" not in self.model_fields_set and self.environment != "aws":  # AWS must name its own
            self.spa_origin = f"http://localhost:{self.web_port}"
        return self

    @model_validator(mode="after")
    def _named_for_aws(self) -> Settings:
        """In AWS a name left at its local default points at nothing (or at someone else's bucket):
        a deployed function refuses at cold start rather than fail on the first request that uses it."""
        if self.environment == "aws" and self.lambda_function_name:
            fields = type(self).model_fields
            defaults = [name for name in REQUIRED_IN_AWS if getattr(self, name) == fields[name].default]
            if defaults:
                names = ", ".join(f"IMAGEDRIVE_{name.upper()}" for name in defaults)
                raise ValueError(f"IMAGEDRIVE_ENVIRONMENT=aws, but {names} still have their local defaults")
        return self

    @property
    def index_cache(self) -> Path:
        if self.index_cache_dir is not None:
            return self.index_cache_dir
        return Path("/tmp/imagedrive-indexes") if self.environment == "aws" else self.run_dir / "index-cache"  # noqa: S108

    @property
    def ingest_dlq(self) -> str:
        return self.ingest_queue + self.dlq_suffix

    @property
    def index_dlq(self) -> str:
        return self.index_queue + self.dlq_suffix

    @property
    def local_database_url(self) -> str:
        """The URL of the project-local cluster, which the bootstrap stores as the local secret."""
        return (
            f"postgresql://{self.pg_user}:{self.pg_password}@{self.pg_host}:{self.pg_port}/{self.pg_database}"
        )


# What the template must set for every function (Globals); their defaults only make sense locally.
REQUIRED_IN_AWS = (
    "originals_bucket", "derived_bucket", "ingest_queue", "index_queue", "database_secret_name", "jwt_secret_name",
    "spa_origin", "model_root",
)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
