"""What the CI reports (junit, gitlab, github, markdown, sarif) share: the gate result of a
report and its findings, each with its portable fingerprint, its baseline status and the
impact of its issue. A report without a gate result (``seoaudit report RUN -f junit``) gets
the default gate: no finding of severity error.

A large run's findings are a view of the run file (findings.py), millions at a million
pages, so nothing here holds one object per finding: ``items()`` is one pass in report
order, ``ranked`` writes every finding worst severity first through temporary files, and
``worst`` keeps only the few findings a summary shows (a bounded buffer as they pass).

Text from crawled pages reaches CI systems through these writers, so ``one_line`` strips
control characters and caps length before any format-specific escaping.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, Literal, Protocol

from seoaudit import baseline
from seoaudit.findings import Smallest
from seoaudit.gate import Check, GateResult, result_of
from seoaudit.models import SEVERITY_ORDER, Finding, Issue, Report
from seoaudit.printable import printable

SEVERITIES = sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.__getitem__)  # worst first
SPOOL_IN_MEMORY = 4 * 1024 * 1024  # rendered text per severity kept in memory, then on disk


@dataclass(frozen=True)
class Item:
    finding: Finding
    fingerprint: str
    status: str  # new | persisting | suppressed
    impact: float
    priority: str

    @property
    def counted(self) -> bool:
        """Counts against the gate (not suppressed)."""
        return self.status != "suppressed"


@dataclass(frozen=True)
class Worst:
    """The worst highlighted findings of each severity and how many there are in all."""

    items: list[Item]  # at most n of each severity; worst first (severity, impact, rule, URL)
    counts: dict[str, int] = field(default_factory=dict)  # highlighted findings per severity

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


class Ranked:
    """Rendered items waiting in one temporary file per group, written out in group order."""

    def __init__(self, sep: str) -> None:
        self.sep = sep
        self.count = 0
        self._spools: dict[tuple[bool, int], IO[str]] = {}

    def add(self, group: tuple[bool, int], text: str) -> None:
        spool = self._spools.get(group)
        if spool is None:
            spool = self._spools[group] = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (close())
                max_size=SPOOL_IN_MEMORY, mode="w+", encoding="utf-8", newline=""
            )
        elif self.sep:
            spool.write(self.sep)
        spool.write(text)
        self.count += 1

    def write_to(self, out: Writable) -> None:
        for n, group in enumerate(sorted(self._spools)):
            if n and self.sep:
                out.write(self.sep)
            spool = self._spools[group]
            spool.seek(0)
            shutil.copyfileobj(spool, out)

    def close(self) -> None:
        for spool in self._spools.values():
            spool.close()
        self._spools.clear()

    def __enter__(self) -> Ranked:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _rank(item: Item) -> tuple[int, float, str, str]:
    return (
        SEVERITY_ORDER[item.finding.severity],
        -item.impact,
        item.finding.rule,
        item.finding.url,
    )


@dataclass(frozen=True)
class CiView:
    report: Report
    stored_gate: GateResult | None  # the gate result the report carries, if the gate ran
    base: str  # the site's origin
    _by_key: dict[tuple[str, str | None], Issue] = field(default_factory=dict)
    _by_id: dict[str, Issue] = field(default_factory=dict)

    @cached_property
    def gate(self) -> GateResult:
        """The report's gate result, else the default gate (a pass over the findings to
        count errors: made only by the writers that show a verdict)."""
        return self.stored_gate or _default_gate(self.report)

    @property
    def verdict(self) -> str:
        """The gate's verdict as the CI reports say it: "no checks" for a pass where
        nothing was checked (``--fail-on never``, no budgets or KPIs), which a green
        "pass" would make read as "the site is fine"."""
        if self.gate.verdict == "pass" and not self.gate.checks:
            return "no checks"
        return self.gate.verdict

    @property
    def has_baseline(self) -> bool:
        return self.stored_gate is not None and self.stored_gate.baseline is not None

    @cached_property
    def _status(self) -> dict[str, str]:
        return self.stored_gate.status if self.stored_gate is not None else {}

    def _item(self, finding: Finding) -> Item:
        fp = baseline.fingerprint(finding, self.base)
        issue = self._by_id.get(finding.issue or "") or self._by_key.get(
            (finding.rule, finding.cause)
        )
        return Item(
            finding=finding,
            fingerprint=fp,
            status=self._status.get(fp, "new"),
            impact=issue.impact if issue else 0.0,
            priority=issue.priority if issue else "P4",
        )

    def items(self) -> Iterator[Item]:
        """Every finding as an item, in report order (rule, URL): one pass."""
        return (self._item(f) for f in self.report.findings)

    def highlighted(self, item: Item) -> bool:
        """What a CI run should show first: new findings with a baseline, else all counted."""
        return item.counted and (not self.has_baseline or item.status == "new")

    def ranked(
        self, render: Callable[[Item], str], *, counted_only: bool = False, sep: str = ""
    ) -> Ranked:
        """``render(item)`` for every item (counted ones only if asked), ready to be written
        worst severity first, suppressed ones last, each severity in report order, with
        ``sep`` between items. One pass; the text waits in a temporary file per severity
        (up to ``SPOOL_IN_MEMORY`` in memory each, then on disk). Close it (``with``)."""
        ranked = Ranked(sep)
        try:
            for item in self.items():
                if not counted_only or item.counted:
                    ranked.add(
                        (not item.counted, SEVERITY_ORDER[item.finding.severity]), render(item)
                    )
        except BaseException:
            ranked.close()
            raise
        return ranked

    def worst(self, n: int) -> Worst:
        """The ``n`` worst highlighted findings of each severity, as a full sort of all of
        them would rank them (severity, impact of the issue, rule, URL; ties in report
        order), kept in a bounded buffer as the findings pass."""
        kept = {s: Smallest[Item](n, _rank) for s in SEVERITIES}
        counts = dict.fromkeys(SEVERITIES, 0)
        for item in self.items():
            if self.highlighted(item):
                kept[item.finding.severity].add(item)
                counts[item.finding.severity] += 1
        ranked = [i for s in SEVERITIES for i in kept[s].items()]
        return Worst(ranked, {s: c for s, c in counts.items() if c})

    def failed_checks(self) -> list[Check]:
        return [c for c in self.gate.checks if c.status == "fail"]


def _default_gate(report: Report) -> GateResult:
    return severity_gate(report, "error")


def severity_gate(report: Report, fail_on: str) -> GateResult:
    """The gate of a report judged by severity alone: what ``seoaudit report RUN --fail-on``
    applies (and so its exit code), no check at all for "never". The baseline, budgets and
    KPIs are ``seoaudit check``'s (and the audit's), which a note says."""
    if fail_on == "never":
        return GateResult(verdict="pass", warnings=[NOT_JUDGED])
    threshold = SEVERITY_ORDER[fail_on]
    found = sum(1 for f in report.findings if SEVERITY_ORDER[f.severity] <= threshold)
    check = Check(
        kind="severity",
        name=f"no {fail_on}-or-worse findings",
        level="error",
        status="fail" if found else "pass",
        measured=f"{found} {fail_on}-or-worse findings",
        findings=found,
    )
    verdict: Literal["pass", "fail", "inconclusive"] = "fail" if found else "pass"
    if report.run.state != "complete":
        verdict = "inconclusive"
    return GateResult(verdict=verdict, checks=[check], warnings=[SEVERITY_ONLY])


# What the CI reports of ``seoaudit report`` say about their verdict.
NOT_JUDGED = (
    "Not judged: written by `seoaudit report` without --fail-on. `seoaudit check RUN` "
    "applies the configured gate (severity, baseline, budgets, KPIs)."
)
SEVERITY_ONLY = (
    "Judged by severity alone (`seoaudit report --fail-on`): the baseline, budgets and "
    "KPIs are applied by `seoaudit check RUN`."
)


def view(report: Report) -> CiView:
    return CiView(
        report=report,
        stored_gate=result_of(report),
        base=baseline.base_origin(report.run),
        _by_key={(i.rule, i.cause): i for i in report.issues},
        _by_id={i.id: i for i in report.issues},  # findings regrouped by template name theirs
    )


def one_line(text: str, limit: int = 300) -> str:
    """Printable characters only, whitespace collapsed, at most ``limit`` characters."""
    cleaned = " ".join(printable(text).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def site_label(report: Report) -> str:
    return ", ".join(report.run.start_urls) or report.run.run_id
