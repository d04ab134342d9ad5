"""Readiness of everything the drive depends on, each dependency with its latency, and what the
reconciler would find (stuck PENDING rows, missing index files, dead letters) as "degraded"."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

from imagedrive.aws import client
from imagedrive.db import transaction
from imagedrive.inference.provenance import ModelProvenance, describe_models, models_warning
from imagedrive.queues import sqs_queue
from imagedrive.reconcile.drift import Drift
from imagedrive.reconcile.drift import measure as measure_drift
from imagedrive.settings import Settings


@dataclass(frozen=True)
class DependencyStatus:
    name: str
    ok: bool
    latency_ms: float
    error: str | None = None


@dataclass(frozen=True)
class HealthReport:
    dependencies: list[DependencyStatus]
    drift: Drift | None = None  # what the reconciler would repair (imagedrive.reconcile.drift)
    drift_error: str | None = None  # why it could not be measured
    # Where each model's weights come from (imagedrive.inference.provenance). Random-init models make
    # `models.status` degraded but not the drive's: uploads, OCR search and browsing still work.
    models: list[ModelProvenance] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.dependencies)

    @property
    def down(self) -> list[str]:
        return [d.name for d in self.dependencies if not d.ok]

    @property
    def healthy(self) -> bool:
        """Dependencies up and nothing for the reconciler to repair (`ok` alone decides 200 or 503:
        a drive that needs healing still serves)."""
        return self.ok and self.drift_error is None and (self.drift is None or self.drift.ok)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.healthy else "degraded",
            "down": self.down,
            "reconcile": self.drift.as_dict() if self.drift else {"ok": self.drift_error is None,
                                                                   "error": self.drift_error},
            "dependencies": {d.name: {k: v for k, v in asdict(d).items() if k != "name"} for d in self.dependencies},
            "models": self.models_dict(),
        }

    def models_dict(self) -> dict[str, Any]:
        """{"status": "ok"|"degraded", "warning": words (when degraded), name: {source, meaningful, …}}."""
        warning = models_warning(self.models) if self.models else None
        return {"status": "degraded" if warning else "ok", **({"warning": warning} if warning else {}),
                **{model.name: model.as_dict() for model in self.models}}


def _probe(name: str, check: Callable[[], object]) -> DependencyStatus:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # any failure means "down"; the message says why
        return DependencyStatus(name, False, _ms_since(started), f"{type(error).__name__}: {error}"[:300])
    return DependencyStatus(name, True, _ms_since(started))


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _postgres() -> None:
    with transaction() as cur:
        cur.execute("SELECT 1")


def _bucket(name: str) -> object:
    return client("s3").head_bucket(Bucket=name)


def _queue(name: str) -> object:
    return sqs_queue(name).depth()


def check_health(settings: Settings) -> HealthReport:
    """Probe Postgres, both buckets and every queue in parallel, so one slow dependency does not
    add up with the others."""
    checks: dict[str, Callable[[], object]] = {"postgres": _postgres}
    for bucket in (settings.originals_bucket, settings.derived_bucket):
        checks[f"s3:{bucket}"] = partial(_bucket, bucket)
    for queue in (settings.ingest_queue, settings.index_queue):
        checks[f"sqs:{queue}"] = partial(_queue, queue)
    with ThreadPoolExecutor(max_workers=len(checks) + 1) as pool:
        drift = pool.submit(measure_drift, settings)
        statuses = list(pool.map(lambda item: _probe(*item), checks.items()))
        models = describe_models(settings.model_root, precision=settings.clip_precision,
                                 ocr_engine=settings.ocr_engine)
        try:
            return HealthReport(statuses, drift.result(), models=models)
        except Exception as error:  # a dependency down, usually; the message says why
            return HealthReport(statuses, drift_error=f"{type(error).__name__}: {error}"[:300], models=models)
