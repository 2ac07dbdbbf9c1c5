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
