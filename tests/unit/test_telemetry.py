"""What an operator sees: the EMF documents powertools prints for ingest, search, index and reconcile figures."""

from __future__ import annotations

import json

import pytest

from imagedrive import telemetry


def _documents(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


def _values(documents: list[dict], metric: str, **dimensions: str) -> list[float]:
    found = []
    for document in documents:
        if metric in document and all(document.get(k) == v for k, v in dimensions.items()):
            value = document[metric]
            found += value if isinstance(value, list) else [value]
    return found


def _units(documents: list[dict]) -> dict[str, str]:
    return {m["Name"]: m["Unit"] for d in documents for group in d["_aws"]["CloudWatchMetrics"]
            for m in group["Metrics"]}


@pytest.fixture
def emitted(capsys):
    capsys.readouterr()

    def flush() -> list[dict]:
        if telemetry.metrics.metric_set:  # only single-dimension metrics wait in the shared set
            telemetry.metrics.flush_metrics()
        return _documents(capsys.readouterr().out)

    return flush


def test_ingest_outcomes_by_status_failures_by_reason_code_and_step_latency(emitted):
    telemetry.record_ingest([
        ("READY", None, {"read": 3.0, "decode": 5.0, "embed": 40.0, "ocr": 600.0}),
        ("READY", None, {"read": 2.0, "embed": 38.0}),
        ("FAILED", "too_large: 30000000 bytes is more than the 26214400 allowed", {}),
        ("ERROR", "ocr_failed: RuntimeError: the engine crashed", {"read": 1.0}),
        ("DUPLICATE", None, {}),
    ])
    documents = emitted()
    assert _values(documents, telemetry.INGEST_OUTCOMES, status="READY") == [2]
    assert _values(documents, telemetry.INGEST_OUTCOMES, status="FAILED") == [1]
    assert _values(documents, telemetry.INGEST_OUTCOMES, status="DUPLICATE") == [1]
    assert _values(documents, telemetry.INGEST_FAILURES, reason="too_large") == [1]
    assert _values(documents, telemetry.INGEST_FAILURES, reason="ocr_failed") == [1]
    assert sorted(_values(documents, telemetry.INGEST_STEP_LATENCY["read"])) == [1.0, 2.0, 3.0]
    assert _values(documents, telemetry.INGEST_IMAGE_LATENCY) == [648.0, 40.0], "READY images only"
    assert _units(documents)[telemetry.INGEST_IMAGE_LATENCY] == "Milliseconds"
    assert all(d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == telemetry.NAMESPACE for d in documents)


def test_search_latency_by_kind_and_errors(emitted):
    telemetry.record_search("hybrid", 812.5, ok=True)
    telemetry.record_search("text", None, ok=False)
    documents = emitted()
    assert _values(documents, telemetry.SEARCH_LATENCY, kind="hybrid") == [812.5]
    assert _values(documents, telemetry.SEARCH_ERRORS, kind="text") == [1]
    assert _values(documents, telemetry.SEARCH_LATENCY, kind="text") == []


def test_index_builds_and_reconcile_findings(emitted):
    telemetry.record_index_build(52.4, 200)
    telemetry.record_index_build_failure()
    telemetry.record_reconcile({"missing_originals": 2, "requeued_pending": 0}, {"imagedrive-ingest-dlq": 3})
    documents = emitted()
    assert _values(documents, telemetry.INDEX_BUILD_TIME) == [52.4]
    assert _values(documents, telemetry.INDEX_VECTORS) == [200]
    assert _values(documents, telemetry.INDEX_BUILD_FAILURES) == [1]
    assert _values(documents, telemetry.RECONCILE_REPAIRS, repair="missing_originals") == [2]
    assert _values(documents, telemetry.DEAD_LETTERS, queue="imagedrive-ingest-dlq") == [3]


def test_reason_codes_are_bounded():
    assert telemetry.reason_code("unsupported_format: HEIC is not accepted") == "unsupported_format"
    assert telemetry.reason_code(None) == "unknown"
    assert len(telemetry.reason_code("x" * 500)) == 64
