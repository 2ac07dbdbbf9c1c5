"""Reports: one module per output format, all behind one small interface.

``build_report`` turns a stored run into a ``Report`` (issues grouped and ranked by
impact.py); each writer turns a ``Report`` into one format. Writers are pure: same report
in, same bytes out (sorted, no clock of their own).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from seoaudit import kpis
from seoaudit.access import build_matrix
from seoaudit.findings import Findings
from seoaudit.impact import group_issues
from seoaudit.models import Issue, Report
from seoaudit.report import (
    console,
    csv,
    github,
    gitlab,
    html,
    json,
    junit,
    markdown,
    sarif,
    urls_csv,
)
from seoaudit.rules import REGISTRY, group_titles, selected
from seoaudit.rules.speed import speed_summary
from seoaudit.site import Site
from seoaudit.store import Store
from seoaudit.structured.health import structured_health

Writer = Callable[[Report, TextIO], None]

WRITERS: dict[str, Writer] = {
    "console": console.write,
    "json": json.write,
    "csv": csv.write,
    # CI reports (gate results, annotations): see docs/ci.md
    "junit": junit.write,
    "gitlab": gitlab.write,
    "github": github.write,
    "markdown": markdown.write,
    "html": html.write,  # one self-contained file: KPIs, trend, ranked issues, fixes
    "sarif": sarif.write,
    "urls-csv": urls_csv.write,  # one row per URL: status and indexability (and why not)
}
FORMATS = tuple(WRITERS)


def build_report(store: Store, site: Site | None = None) -> Report:
    site = site or Site(store)
    stored = store.findings()  # a list, or a view of the run file for a large run
    issues, assign = group_issues(stored, site, group_titles(), REGISTRY)
    findings = stored.map(assign, drops=False)
    summary = site.summary()
    summary["findings"] = len(findings)
    count_issues(summary, issues)
    # KPIs and structured-data health read the SD findings only, once each: a large run
    # reads just those from the run file (as a view: a list would be read as often).
    structured = store.findings("SD", held=False) if stored.lazy else stored
    _add_kpis(store, site, summary, structured)
    summary["structured_data"] = structured_health(site.summaries(), structured)
    summary["speed"] = speed_summary(site)
    summary["crawl_impact"] = site.footprint() or None
    summary["crawl_traps"] = [
        {"reason": reason, "section": section, "skipped": count, "examples": examples}
        for reason, section, count, examples in site.traps
    ]
    # Pages seoaudit failed to read (a bug): left out of the findings, said here.
    failed = site.error_count("internal-error")
    if failed:
        first = itertools.islice(store.pages_failing("internal-error"), 5)
        summary["internal_errors"] = {
            "pages": failed,
            "examples": [{"url": p.url, "detail": p.error_detail} for p in first],
        }
    report = Report(
        run=store.load_run(),
        summary=summary,
        issues=issues,
        rule_errors=store.rule_errors(),
        access=build_matrix(site),
    )
    report.findings = findings  # not validated into a list: a view stays a view
    report.pages = urls_csv.page_rows(site)  # compact rows: not validated into a list
    return report


def _add_kpis(store: Store, site: Site, summary: dict[str, object], findings: Findings) -> None:
    """KPIs of this run (kpis.py), kept in the run file, and their trend across runs."""
    settings = site.run.settings
    ran = selected(settings.get("select") or [], settings.get("ignore") or [])
    values = kpis.compute(site, findings, any(s.code.startswith("SD") for s in ran))
    summary["kpis"] = values
    try:
        store.set_meta(kpis.META_KEY, values)
    except sqlite3.Error:
        pass  # a read-only run file: the trend just lacks this point
    # Only earlier runs of the same scope: the HTML report's "since the previous run".
    summary["kpi_trend"] = kpis.history(store.path, values)


def count_issues(summary: dict[str, Any], issues: Sequence[Issue]) -> None:
    """The summary's counts of ``issues``: in all, by severity, by priority."""
    summary["issues"] = len(issues)
    summary["issues_by_severity"] = _count(i.severity for i in issues)
    summary["issues_by_priority"] = _count(i.priority for i in issues)


def _count(values: object) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:  # type: ignore[attr-defined]
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


__all__ = ["FORMATS", "WRITERS", "Writer", "build_report"]
