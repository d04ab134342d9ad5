"""The template's alarms watch metrics the code really emits, under the names and dimensions it emits them."""

from __future__ import annotations

import pytest
import yaml

from imagedrive import telemetry
from infra.build import package_api

EMITTED = {  # metric name → the dimensions it carries besides `service`
    telemetry.INGEST_OUTCOMES: {"status"}, telemetry.INGEST_FAILURES: {"reason"},
    telemetry.INGEST_IMAGE_LATENCY: set(), telemetry.SEARCH_LATENCY: {"kind"}, telemetry.SEARCH_ERRORS: {"kind"},
    telemetry.INDEX_BUILD_TIME: set(), telemetry.INDEX_VECTORS: set(), telemetry.INDEX_BUILD_FAILURES: set(),
    telemetry.DEAD_LETTERS: {"queue"}, telemetry.RECONCILE_REPAIRS: {"repair"},
    **{name: set() for name in telemetry.INGEST_STEP_LATENCY.values()},
}


@pytest.fixture(scope="module")
def template() -> dict:
    return yaml.safe_load(package_api("dev").read_text())


def _own_alarms(template: dict) -> dict[str, dict]:
    return {name: r["Properties"] for name, r in template["Resources"].items()
            if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["Namespace"] == telemetry.NAMESPACE}


def test_the_functions_write_metrics_under_the_namespace_the_alarms_read(template):
    assert template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"] == \
        telemetry.NAMESPACE


def test_every_own_alarm_names_an_emitted_metric_with_its_dimensions_and_a_real_service(template):
    alarms = _own_alarms(template)
    assert {a["MetricName"] for a in alarms.values()} >= {
        telemetry.INGEST_OUTCOMES, telemetry.INGEST_IMAGE_LATENCY, telemetry.SEARCH_LATENCY,
        telemetry.INDEX_BUILD_FAILURES,
    }
    services = {r["Properties"]["Environment"]["Variables"].get("POWERTOOLS_SERVICE_NAME")
                for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"
                and "Environment" in r.get("Properties", {})}
    for name, alarm in alarms.items():
        assert alarm["MetricName"] in EMITTED, name
        dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
        assert dimensions.pop("service") in services, name
        assert set(dimensions) == EMITTED[alarm["MetricName"]], name
