"""Analytics: the summary and exports (synchronous routes plus pollable jobs)."""

from __future__ import annotations

import uuid

from imagedrive.analytics import export
from imagedrive.analytics.models import ExportJob, ExportRequest, Summary, SummaryQuery
from imagedrive.analytics.repository import summary
from imagedrive.api.endpoint import Call, Reply, Routes, endpoint

routes = Routes()


@endpoint(routes, "/analytics/summary", "GET", summary="Images, uploads, searches and failures at a glance",
          tag="analytics", query=SummaryQuery, response=Summary)
def analytics_summary(call: Call) -> Summary:
    return summary(call.me, call.query.days)


@endpoint(routes, "/analytics/export.csv", "GET", summary="Export every image as CSV: 200 with a link, or 202 to poll",
          tag="analytics", response=ExportJob, also=(202,))
def export_csv(call: Call) -> Reply:
    return _job_reply(export.export_now(call.me, "csv"))


@endpoint(routes, "/analytics/export.json", "GET",
          summary="Export every image as JSON: 200 with a link, or 202 to poll", tag="analytics",
          response=ExportJob, also=(202,))
def export_json(call: Call) -> Reply:
    return _job_reply(export.export_now(call.me, "json"))


@endpoint(routes, "/analytics/exports", "POST", summary="Start an export job; poll it to drive and watch it",
          tag="analytics", body=ExportRequest, response=ExportJob, status=202)
def start_export(call: Call) -> ExportJob:
    return export.start(call.me, call.body.format)


@endpoint(routes, "/analytics/exports/{job_id}", "GET", summary="An export job: each poll writes its next part",
          tag="analytics", response=ExportJob)
def poll_export(call: Call, job_id: uuid.UUID) -> ExportJob:
    return export.advance(call.me, str(job_id))


def _job_reply(job: ExportJob) -> Reply:
    return Reply(job, status=200 if job.status != "running" else 202)
