"""Traces and CloudWatch metrics (powertools), next to the one logger in imagedrive.log.

`tracer` wraps storage, database, model and index calls; outside Lambda powertools disables it (no X-Ray
daemon), so local runs pay nothing. `metrics` writes CloudWatch Embedded Metric Format: each handler flushes
with `metrics.log_metrics`, which prints one JSON document per flush to stdout, so the same figures appear in
the local logs as in CloudWatch. The metric names are constants here because the template's alarms name
them (tests/unit/infra/test_alarms.py checks the two agree).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "ImageDrive"

INGEST_OUTCOMES = "IngestOutcomes"  # count, dimension status (READY, FAILED, DUPLICATE, SKIPPED, ERROR)
INGEST_FAILURES = "IngestFailures"  # count, dimension reason (the code before ':')
INGEST_IMAGE_LATENCY = "IngestImageLatency"  # ms per image, sum of its steps
INGEST_STEP_LATENCY = {step: f"IngestStepLatency_{step}"
                       for step in ("read", "decode", "db_pending", "thumbnail", "embed", "ocr", "db_ready")}
SEARCH_LATENCY = "SearchLatency"  # ms, dimension kind
SEARCH_ERRORS = "SearchErrors"  # count, dimension kind
INDEX_BUILD_TIME = "IndexBuildTime"  # ms per user index
INDEX_VECTORS = "IndexVectors"  # vectors in the index just built
INDEX_BUILD_FAILURES = "IndexBuildFailures"
DEAD_LETTERS = "DeadLetters"  # messages waiting in a dead-letter queue, dimension queue
RECONCILE_REPAIRS = "ReconcileRepairs"  # count, dimension repair

tracer = Tracer()  # service name from POWERTOOLS_SERVICE_NAME (the template sets one per function)
metrics = Metrics(namespace=NAMESPACE)


def _dimensioned(name: str, unit: MetricUnit, value: float, **dimensions: str) -> None:
    """One metric with its own dimensions (powertools' shared `metrics` has one dimension set per flush)."""
    with single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)


def reason_code(reason: str | None) -> str:
    """`too_large: 12 MB is more than …` → `too_large`: a bounded set, fit for a dimension."""
    return (reason or "unknown").split(":", 1)[0].strip()[:64] or "unknown"


def record_ingest(outcomes: Iterable[tuple[str, str | None, Mapping[str, float]]]) -> None:
    """(status, reason, step timings in ms) per ingested object."""
    statuses: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    for status, reason, timings in outcomes:
        statuses[status] += 1
        if status in ("FAILED", "ERROR"):
            failures[reason_code(reason)] += 1
        for step, ms in timings.items():
            if step in INGEST_STEP_LATENCY:
                metrics.add_metric(name=INGEST_STEP_LATENCY[step], unit=MetricUnit.Milliseconds, value=ms)
        if status == "READY":
            metrics.add_metric(name=INGEST_IMAGE_LATENCY, unit=MetricUnit.Milliseconds, value=sum(timings.values()))
    for status, count in statuses.items():
        _dimensioned(INGEST_OUTCOMES, MetricUnit.Count, count, status=status)
    for code, count in failures.items():
        _dimensioned(INGEST_FAILURES, MetricUnit.Count, count, reason=code)


def record_search(kind: str, total_ms: float | None, *, ok: bool) -> None:
    if ok and total_ms is not None:
        _dimensioned(SEARCH_LATENCY, MetricUnit.Milliseconds, total_ms, kind=kind)
    if not ok:
        _dimensioned(SEARCH_ERRORS, MetricUnit.Count, 1, kind=kind)


def record_index_build(build_ms: float, vectors: int) -> None:
    metrics.add_metric(name=INDEX_BUILD_TIME, unit=MetricUnit.Milliseconds, value=build_ms)
    metrics.add_metric(name=INDEX_VECTORS, unit=MetricUnit.Count, value=vectors)


def record_index_build_failure() -> None:
    metrics.add_metric(name=INDEX_BUILD_FAILURES, unit=MetricUnit.Count, value=1)


def record_reconcile(repairs: Mapping[str, int], dead_letters: Mapping[str, int]) -> None:
    for repair, count in repairs.items():
        _dimensioned(RECONCILE_REPAIRS, MetricUnit.Count, count, repair=repair)
    for queue, depth in dead_letters.items():
        _dimensioned(DEAD_LETTERS, MetricUnit.Count, depth, queue=queue)
