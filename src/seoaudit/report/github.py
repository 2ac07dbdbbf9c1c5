"""GitHub Actions workflow commands: annotations for the failed checks and the findings
that matter (new ones when there is a baseline), written to stdout where the runner reads
them (docs.github.com, "Workflow commands for GitHub Actions").

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and 50 per
job (actions/toolkit, docs/problem-matchers.md, "Limitations"), and drops the rest
silently. So this writer emits at most ``PER_KIND`` of each kind, failed checks first, and
then one plain line saying how many were left out and where to read them.

Every value is escaped as the runner expects (``%``, CR, LF; in properties also ``:``
and ``,``), so text from a crawled page cannot end the command or start a new one.
"""

from __future__ import annotations

from typing import TextIO

from seoaudit.models import Report
from seoaudit.report.ci_view import one_line, site_label, view

PER_KIND = 10
_KIND = {"error": "error", "warning": "warning", "notice": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, title: str, message: str) -> str:
    return f"::{kind} title={escape_property(one_line(title, 200))}::{escape_data(message)}\n"


def write(report: Report, out: TextIO) -> None:
    ci = view(report)
    gate = ci.gate
    lines: list[tuple[str, str, str]] = []  # (kind, title, message)
    if gate.verdict == "inconclusive":
        lines.append(("error", "SEO audit inconclusive", one_line("; ".join(gate.reasons), 1000)))
    for check in ci.failed_checks():
        kind = "error" if check.level == "error" else "warning"
        body = "\n".join([one_line(check.measured, 500), *(one_line(t) for t in check.top)])
        lines.append((kind, f"SEO {check.kind} failed: {check.name}", body))
    worst = ci.worst(PER_KIND)  # no more of a kind can be shown
    for item in worst.items:
        finding = item.finding
        title = f"{finding.rule} {finding.name}" + (" (new)" if ci.has_baseline else "")
        lines.append(
            (_KIND[finding.severity], title, one_line(f"{finding.url}: {finding.message}"))
        )
    shown = {"error": 0, "warning": 0, "notice": 0}
    left_out = worst.total - len(worst.items)
    for kind, title, message in lines:
        if shown[kind] >= PER_KIND:
            left_out += 1
            continue
        shown[kind] += 1
        out.write(command(kind, title, message))
    verdict = ci.verdict.upper()
    out.write(f"seoaudit {verdict}: {one_line(site_label(report))} (run {report.run.run_id})\n")
    if left_out:
        out.write(
            f"seoaudit: {left_out} more annotation(s) not shown (GitHub shows {PER_KIND} "
            "per kind and step); see the job summary or the JSON report\n"
        )
