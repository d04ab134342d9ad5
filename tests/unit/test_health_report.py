from imagedrive.health import DependencyStatus, HealthReport


def test_report_is_ok_only_when_everything_answers():
    report = HealthReport([DependencyStatus("postgres", True, 1.0), DependencyStatus("sqs:q", True, 2.0)])
    assert report.ok
    assert report.as_dict()["status"] == "ok"
    assert report.as_dict()["dependencies"]["postgres"] == {"ok": True, "latency_ms": 1.0, "error": None}


def test_report_names_what_is_down():
    report = HealthReport([DependencyStatus("postgres", False, 3.0, "OperationalError: refused"),
                           DependencyStatus("s3:b", True, 2.0)])
    assert not report.ok
    assert report.down == ["postgres"]
    assert report.as_dict()["status"] == "degraded"
    assert report.as_dict()["down"] == ["postgres"]
