"""What the CI reports (junit, gitlab, github, markdown, sarif) share: the gate result of a
report and its findings ranked worst first, each with its portable fingerprint and its
baseline status. A report without a gate result (``seoaudit report RUN -f junit``) gets the
default gate: no finding of severity error.

Text from crawled pages reaches CI systems through these writers, so ``one_line`` strips
control characters and caps length before any format-specific escaping.
"""

from __future__ import annotations

from dataclasses import dataclass

from seoaudit import baseline
from seoaudit.gate import Check, GateResult, result_of
from seoaudit.models import SEVERITY_ORDER, Finding, Report
from seoaudit.printable import printable


@dataclass(frozen=True)
class Item:
    finding: Finding
    fingerprint: str
    status: str  # new | persisting | suppressed
    impact: float
    priority: str


@dataclass(frozen=True)
class CiView:
    report: Report
    gate: GateResult
    items: list[Item]  # worst first; suppressed ones last
    base: str  # the site's origin

    @property
    def has_baseline(self) -> bool:
        return self.gate.baseline is not None

    def counted(self) -> list[Item]:
        """Findings that count against the gate (not suppressed)."""
        return [i for i in self.items if i.status != "suppressed"]

    def highlighted(self) -> list[Item]:
        """What a CI run should show first: new findings with a baseline, else all."""
        return [i for i in self.counted() if not self.has_baseline or i.status == "new"]

    def failed_checks(self) -> list[Check]:
        return [c for c in self.gate.checks if c.status == "fail"]


def _default_gate(report: Report) -> GateResult:
    errors = [f for f in report.findings if f.severity == "error"]
    check = Check(
        kind="severity",
        name="no error-or-worse findings",
        level="error",
        status="fail" if errors else "pass",
        measured=f"{len(errors)} error-or-worse findings",
        findings=len(errors),
    )
    verdict = "fail" if errors else "pass"
    if report.run.state != "complete":
        verdict = "inconclusive"
    return GateResult(verdict=verdict, checks=[check])


def view(report: Report) -> CiView:
    gate = result_of(report) or _default_gate(report)
    base = baseline.base_origin(report.run)
    issues = {(i.rule, i.cause): i for i in report.issues}
    by_id = {i.id: i for i in report.issues}  # findings regrouped by template name theirs
    items: list[Item] = []
    for finding in report.findings:
        fp = baseline.fingerprint(finding, base)
        issue = by_id.get(finding.issue or "") or issues.get((finding.rule, finding.cause))
        items.append(
            Item(
                finding=finding,
                fingerprint=fp,
                status=gate.status.get(fp, "new"),
                impact=issue.impact if issue else 0.0,
                priority=issue.priority if issue else "P4",
            )
        )
    items.sort(
        key=lambda i: (
            i.status == "suppressed",
            SEVERITY_ORDER[i.finding.severity],
            -i.impact,
            i.finding.rule,
            i.finding.url,
        )
    )
    return CiView(report=report, gate=gate, items=items, base=base)


def one_line(text: str, limit: int = 300) -> str:
    """Printable characters only, whitespace collapsed, at most ``limit`` characters."""
    cleaned = " ".join(printable(text).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def site_label(report: Report) -> str:
    return ", ".join(report.run.start_urls) or report.run.run_id
