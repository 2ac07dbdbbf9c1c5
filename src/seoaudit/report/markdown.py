"""Markdown job summary (for ``$GITHUB_STEP_SUMMARY``, a GitLab MR note or a chat post):
the verdict, every check of the gate, the baseline comparison, the new findings and the
top issues.

Cells are escaped (``|``, markup characters, HTML) so text from a crawled page cannot
break the table or inject markup, and the whole summary stays far below GitHub's 1 MiB
per-step limit (row caps, then a hard byte cap).
"""

from __future__ import annotations

import re
from typing import TextIO

from seoaudit.gate import Check
from seoaudit.models import Report
from seoaudit.report.ci_view import CiView, one_line, site_label, view

MAX_FINDINGS = 25
MAX_ISSUES = 10
MAX_LISTED = 20  # fixed / not comparable entries listed
MAX_BYTES = 512 * 1024  # GitHub accepts 1 MiB per step summary
_ICON = {"pass": "✅", "fail": "❌", "inconclusive": "⚠️", "skipped": "➖", "no checks": "➖"}
_MARKUP = re.compile(r"([\\`*_\[\]<>|#~!])")


def cell(text: str, limit: int = 200) -> str:
    # "&" first, so "&lt;" written on a page shows as text, not as "<".
    return _MARKUP.sub(r"\\\1", one_line(text, limit).replace("&", "&amp;"))


def code(text: str, limit: int = 200) -> str:
    r"""Inline code for URLs: no markup inside, no backtick can close it, and no "|" can
    end a table cell (GitHub splits cells on it even inside code; "\|" is kept as "|")."""
    return "`" + one_line(text, limit).replace("`", "'").replace("|", "\\|") + "`"


def _check_row(check: Check) -> str:
    status = "warn" if check.status == "fail" and check.level == "warn" else check.status
    icon = "⚠️" if status == "warn" else _ICON[check.status]
    return f"| {icon} | {cell(check.name)} | {check.level} | {cell(check.measured, 300)} |"


def _checks(ci: CiView) -> list[str]:
    if not ci.gate.checks:
        return []
    lines = ["### Checks", "", "| | Check | Level | Result |", "|---|---|---|---|"]
    lines += [_check_row(c) for c in ci.gate.checks]
    for check in ci.failed_checks():
        if check.top:
            lines += ["", f"<details><summary>{cell(check.name)}: top URLs</summary>", ""]
            lines += [f"- {cell(t, 300)}" for t in check.top]
            lines += ["", "</details>"]
    return [*lines, ""]


def _baseline(ci: CiView) -> list[str]:
    summary = ci.gate.baseline
    if summary is None:
        return []
    lines = [
        "### Compared with the baseline",
        "",
        f"**{summary.new}** new · {summary.persisting} persisting · {len(summary.fixed)} fixed"
        f" · {len(summary.not_comparable)} not comparable · {ci.gate.suppressed} suppressed",
        "",
    ]
    if summary.fixed:
        lines += ["<details><summary>Fixed since the baseline</summary>", ""]
        lines += [f"- {cell(e)}" for e in summary.fixed[:MAX_LISTED]]
        lines += ["", "</details>", ""]
    if summary.not_comparable:
        lines.append(
            "Not comparable: baseline findings on URLs this run did not fetch or rules it did "
            "not run; they are not counted as fixed."
        )
        lines.append("")
    return lines


def _findings(ci: CiView) -> list[str]:
    worst = ci.worst(MAX_FINDINGS)
    if not worst.total:
        return []
    title = "New findings" if ci.has_baseline else "Findings"
    lines = [
        f"### {title} ({worst.total}, worst first)",
        "",
        "| Severity | Rule | URL | Message |",
        "|---|---|---|---|",
    ]
    for item in worst.items[:MAX_FINDINGS]:
        f = item.finding
        lines.append(f"| {f.severity} | {f.rule} | {code(f.url)} | {cell(f.message)} |")
    if worst.total > MAX_FINDINGS:
        lines.append(f"\n… and {worst.total - MAX_FINDINGS} more in the JSON report.")
    return [*lines, ""]


def _issues(report: Report) -> list[str]:
    if not report.issues:
        return []
    lines = [
        f"### Top issues ({len(report.issues)} in all, by priority and impact)",
        "",
        "| Prio | Severity | Rule | Issue | URLs | Impact | Owner (hint) |",
        "|---|---|---|---|---|---|---|",
    ]
    for issue in report.issues[:MAX_ISSUES]:
        lines.append(
            f"| {issue.priority} | {issue.severity} | {issue.rule} | {cell(issue.title)} | "
            f"{issue.count} | {issue.impact:.1f} | {cell(issue.owner)} |"
        )
    return [*lines, ""]


_KPI_LABELS = (
    ("indexable_share", "Indexable"),
    ("crawl_blocked_share", "Blocked by robots.txt"),
    ("canonical_health", "Canonical health"),
    ("structured_data_health", "Structured data without errors"),
    ("error_rate", "Error rate"),
)


def _kpis(report: Report) -> list[str]:
    """The shared KPI scorecard (kpis.py) in one line; absent keys are left out."""
    kpis = report.summary.get("kpis")
    if not isinstance(kpis, dict):
        return []
    parts = [
        f"{label} **{kpis[key] * 100:.1f}%**"
        for key, label in _KPI_LABELS
        if isinstance(kpis.get(key), int | float)
    ]
    ttfb = kpis.get("ttfb_ms")
    if isinstance(ttfb, dict) and isinstance(ttfb.get("p50"), int | float):
        parts.append(f"TTFB p50 **{ttfb['p50']:.0f} ms**")
    return [" · ".join(parts), ""] if parts else []


def render(report: Report) -> str:
    ci = view(report)
    gate = ci.gate
    run = report.run
    head = [
        f"## {_ICON[ci.verdict]} seoaudit: {ci.verdict} · {cell(site_label(report))}",
        "",
        # Stored URLs with a response or an error, each redirect hop counted: the number
        # the terminal and HTML reports show (``run.pages_fetched`` counts a chain once).
        f"Run {code(run.run_id)} · {report.summary.get('fetched', run.pages_fetched)} URLs "
        "fetched · "
        f"{len(report.issues)} issues · run {run.state}",
        "",
    ]
    head += [f"> **{cell(reason, 500)}**" for reason in gate.reasons]
    head += [f"> {cell(warning, 500)}" for warning in gate.warnings]
    if gate.reasons or gate.warnings:
        head.append("")
    body = [*head, *_kpis(report), *_checks(ci), *_baseline(ci), *_findings(ci)]
    body += _issues(report)
    text = "\n".join(body).rstrip("\n") + "\n"
    if len(text.encode()) > MAX_BYTES:
        text = text.encode()[:MAX_BYTES].decode(errors="ignore") + "\n\n… (summary cut)\n"
    return text


def write(report: Report, out: TextIO) -> None:
    out.write(render(report))
