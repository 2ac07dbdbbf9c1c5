"""CSV report: one flat row per finding, ready for a spreadsheet or a ticket import.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) are neutralised with a leading apostrophe, because every
text here may come from a crawled page (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import json
from typing import TextIO

from seoaudit.models import Report
from seoaudit.printable import printable

COLUMNS = (
    "priority",
    "issue_id",
    "rule",
    "name",
    "severity",
    "url",
    "message",
    "cause",
    "impact",
    "evidence",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: no formula, no control characters (line breaks
    and tabs kept) from a run stored before findings were made printable."""
    text = "" if value is None else str(value)
    if not text.isprintable():
        text = printable(text, keep="\n\t")
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def write(report: Report, out: TextIO) -> None:
    issue_of = {(i.rule, i.cause): i for i in report.issues}
    by_id = {i.id: i for i in report.issues}  # findings regrouped by template name theirs
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for finding in report.findings:
        issue = by_id.get(finding.issue or "") or issue_of.get((finding.rule, finding.cause))
        row = (
            issue.priority if issue else "",
            issue.id if issue else "",
            finding.rule,
            finding.name,
            finding.severity,
            finding.url,
            finding.message,
            finding.cause or "",
            issue.impact if issue else "",
            json.dumps(finding.evidence, sort_keys=True, ensure_ascii=False),
        )
        writer.writerow([safe_cell(v) for v in row])
