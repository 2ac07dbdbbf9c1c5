"""The JSON report is written as a stream (findings one per line) and must parse to exactly
what the Report model says, whatever crawled text it carries."""

from __future__ import annotations

import io
import json

import pytest

from seoaudit.models import Finding, Report, RunInfo
from seoaudit.report import json as json_report


def _finding(i: int) -> Finding:
    return Finding(
        rule="HTTP001",
        name="broken-internal-url",
        severity="warning",
        url=f"https://a.test/ü/{i}",
        message='Title "</script><script>alert(1)</script>" \u2028 ok',
        evidence={"linked_from": [f"https://a.test/{i}"], "n": i, "nested": {"x": None}},
    )


@pytest.mark.parametrize("count", [0, 1, 3])
def test_streamed_json_equals_the_model(count: int) -> None:
    report = Report(
        run=RunInfo(run_id="r", tool_version="1"), findings=[_finding(i) for i in range(count)]
    )
    buf = io.StringIO()
    json_report.write(report, buf)
    assert json.loads(buf.getvalue()) == json.loads(report.model_dump_json())


def _full_report(findings: int) -> Report:
    from seoaudit.models import Issue, PageRow, ScoreInputs

    issue = Issue(
        id="i1",
        rule="HTTP001",
        name="broken-internal-url",
        severity="warning",
        title="Broken <b> \u2028 link",
        count=1,
        sample_urls=["https://a.test/ü/0"],
        impact=1.5,
        priority="P3",
        score=ScoreInputs(severity_weight=1, affected=1, page_value_sum=1.5, formula="x"),
    )
    return Report(
        run=RunInfo(run_id="r", tool_version="1", start_urls=["https://a.test/"]),
        summary={"kpis": {"indexable": 3, "share": 0.5}, "traps": [], "nested": {"a": [1, (2,)]}},
        issues=[issue],
        findings=[_finding(i) for i in range(findings)],
        pages=[PageRow(url=f"https://a.test/{i}", status=200, inlinks=i) for i in range(3)],
        gate={"verdict": "pass", "checks": [], "status": {"ab12": "new", "cd34": "persisting"}},
    )


@pytest.mark.parametrize("findings", [0, 2])
def test_streamed_head_is_what_one_json_dumps_would_write(findings: int) -> None:
    """Item by item, the report reads exactly as the one-string json.dumps of the model
    (which needed the pages, issues and baseline status in memory a second time)."""
    report = _full_report(findings)
    buf = io.StringIO()
    json_report.write(report, buf)
    text = buf.getvalue()
    head = json.dumps(
        report.model_dump(mode="json", exclude={"findings"}), indent=2, ensure_ascii=False
    )
    assert text.startswith(head[: head.rfind("}")].rstrip() + ',\n  "findings": [')
    assert json.loads(text) == json.loads(report.model_dump_json())


def test_compact_page_rows_read_and_write_as_the_models() -> None:
    from seoaudit.report.urls_csv import PageRows

    report = _full_report(1)
    listed = list(report.pages)
    report.pages = PageRows([tuple(r.model_dump().values()) for r in listed])
    assert report.pages == listed and report.pages[1:] == listed[1:]
    assert len(report.pages) == 3 and report.pages[-1] == listed[-1]
    buf = io.StringIO()
    json_report.write(report, buf)
    assert json.loads(buf.getvalue())["pages"] == [r.model_dump(mode="json") for r in listed]
    assert Report.model_validate_json(report.model_dump_json()).pages == listed
