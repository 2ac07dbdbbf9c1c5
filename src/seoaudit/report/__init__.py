"""Reports: one module per output format, all behind one small interface.

``build_report`` turns a stored run into a ``Report`` (issues grouped and ranked by
impact.py); each writer turns a ``Report`` into one format. Writers are pure: same report
in, same bytes out (sorted, no clock of their own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from seoaudit.impact import build_issues
from seoaudit.models import Report
from seoaudit.report import console, csv, json
from seoaudit.rules import group_titles
from seoaudit.site import Site
from seoaudit.store import Store

Writer = Callable[[Report, TextIO], None]

WRITERS: dict[str, Writer] = {
    "console": console.write,
    "json": json.write,
    "csv": csv.write,
}
FORMATS = tuple(WRITERS)


def build_report(store: Store, site: Site | None = None) -> Report:
    site = site or Site(store)
    findings = store.findings()
    issues = build_issues(findings, site, group_titles())
    summary = site.summary()
    summary["findings"] = len(findings)
    summary["issues"] = len(issues)
    summary["issues_by_severity"] = _count(i.severity for i in issues)
    summary["issues_by_priority"] = _count(i.priority for i in issues)
    summary["crawl_traps"] = [
        {"reason": reason, "section": section, "skipped": count, "examples": examples}
        for reason, section, count, examples in site.traps
    ]
    return Report(
        run=store.load_run(),
        summary=summary,
        issues=issues,
        findings=findings,
        rule_errors=store.rule_errors(),
    )


def _count(values: object) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:  # type: ignore[attr-defined]
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


__all__ = ["FORMATS", "WRITERS", "Writer", "build_report"]
