"""/health: what the reconciler would find makes the drive "degraded" (still 200: it serves)."""

from datetime import UTC, datetime

from imagedrive.health import DependencyStatus, HealthReport
from imagedrive.indexing.versions import IndexVersion
from imagedrive.reconcile.drift import Drift
from imagedrive.reconcile.findings import unlisted_index_files

UP = [DependencyStatus("postgres", True, 1.0)]


def test_nothing_to_heal_is_ok():
    report = HealthReport(UP, Drift(15, 0, [], {"ingest-dlq": 0}))
    assert report.ok and report.healthy and report.as_dict()["status"] == "ok"


def test_stuck_rows_missing_index_files_or_dead_letters_are_degraded_but_up():
    for drift in (Drift(15, 2, [], {}), Drift(15, 0, [7], {}), Drift(15, 0, [], {"ingest-dlq": 1})):
        report = HealthReport(UP, drift)
        assert report.ok, "the API still serves: 200"
        body = report.as_dict()
        assert body["status"] == "degraded" and body["down"] == [] and body["reconcile"]["ok"] is False


def test_drift_that_cannot_be_measured_is_degraded_and_says_why():
    body = HealthReport(UP, drift_error="EndpointConnectionError: no").as_dict()
    assert body["status"] == "degraded" and body["reconcile"] == {"ok": False, "error": "EndpointConnectionError: no"}


def _version(user: int, version: int) -> IndexVersion:
    return IndexVersion(user, version, f"indexes/{user}/{version}/", 1, 512, "m", None, datetime.now(UTC))


def test_a_cut_short_listing_judges_only_the_versions_it_reached():
    files = ("index.faiss", "positions.npy", "manifest.json")
    listed = {f"indexes/1/3/{name}" for name in files} | {"indexes/2/1/index.faiss", "indexes/3/1/index.faiss"}
    current = [_version(1, 3), _version(2, 1), _version(4, 1)]
    assert unlisted_index_files(current, listed, complete=True) == [2, 4]
    assert unlisted_index_files(current, listed, complete=False) == [2]  # user 4's keys sort after the last listed
