"""The release regression report: what changed between two stored runs (A before, B after).

- **Findings, per rule**: new (in B only), fixed (in A only, and B fetched the URL and ran
  the rule), persisting (both), not comparable (in A only, but B could not have seen it).
  Findings match by their portable fingerprint (baseline.py), so A and B may audit
  different hosts: production before a release and staging after it.
- **Pages**: for every URL (relative to each run's origin) stored in both runs, the
  changes in HTTP status, indexability, canonical, title and structured-data types; and
  the URLs only one run has.

This module reads run stores and renders text, Markdown or JSON; it never prints.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from pydantic import BaseModel, Field

from seoaudit import baseline
from seoaudit.gate import answered_in, coverage
from seoaudit.indexing import canonical_target
from seoaudit.models import Report
from seoaudit.printable import printable
from seoaudit.report import build_report
from seoaudit.report.markdown import cell, code
from seoaudit.site import Site
from seoaudit.store import Store

MAX_LISTED = 200  # page changes and URLs listed in text and Markdown (JSON has them all)
FIELDS = ("status", "indexability", "canonical", "title", "structured_data")


class RuleDelta(BaseModel):
    rule: str
    new: int = 0
    fixed: int = 0
    persisting: int = 0
    not_comparable: int = 0


class PageChange(BaseModel):
    url: str  # relative to the run's origin
    changes: dict[str, list[str | int | list[str] | None]]  # field -> [before, after]


class RunDiff(BaseModel):
    run_a: str
    run_b: str
    site_a: str
    site_b: str
    rules: list[RuleDelta] = Field(default_factory=list)
    new: list[str] = Field(default_factory=list)  # "RULE URL: message"
    fixed: list[str] = Field(default_factory=list)  # "RULE URL"
    pages: list[PageChange] = Field(default_factory=list)
    only_in_a: list[str] = Field(default_factory=list)  # URLs B did not store
    only_in_b: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class _PageState:
    status: int | None
    indexability: str
    canonical: str | None
    title: str | None
    structured_data: tuple[str, ...]


def _states(site: Site, base: str) -> dict[str, _PageState]:
    states: dict[str, _PageState] = {}
    for page in site.pages():
        canonical = canonical_target(page)
        types = sorted({t for block in page.structured_data for t in block.types})
        states[baseline.relative(page.url, base)] = _PageState(
            status=page.status,
            indexability=site.indexability(page.url) or "",
            canonical=baseline.relative(canonical, base) if canonical else None,
            title=page.titles[0] if page.titles else None,
            structured_data=tuple(types),
        )
    return states


def _page_changes(a: dict[str, _PageState], b: dict[str, _PageState]) -> list[PageChange]:
    changes: list[PageChange] = []
    for url in sorted(a.keys() & b.keys()):
        before, after = a[url], b[url]
        if before == after:
            continue
        fields: dict[str, list[str | int | list[str] | None]] = {}
        for name in FIELDS:
            old, new = getattr(before, name), getattr(after, name)
            if old != new:
                if isinstance(old, tuple):
                    fields[name] = [list(old), list(new)]
                else:
                    fields[name] = [old, new]
        changes.append(PageChange(url=url, changes=fields))
    return changes


def diff_stores(store_a: Store, store_b: Store) -> RunDiff:
    """``diff_runs`` of two stored runs, each judged as ``seoaudit report`` would."""
    site_a, site_b = Site(store_a), Site(store_b)
    return diff_runs(build_report(store_a, site_a), site_a, build_report(store_b, site_b), site_b)


def diff_runs(report_a: Report, site_a: Site, report_b: Report, site_b: Site) -> RunDiff:
    base_a = baseline.base_origin(report_a.run)
    base_b = baseline.base_origin(report_b.run)
    entries_a = {e.fingerprint: e for e in baseline.entries_for(report_a.findings, base_a)}
    cover = coverage(answered_in(site_b), report_b, [], [])
    comparison = baseline.compare(report_b.findings, entries_a, base_b, cover)
    deltas: dict[str, Counter[str]] = {}
    new: list[str] = []
    for finding in report_b.findings:
        status = comparison.of(baseline.fingerprint(finding, base_b))
        deltas.setdefault(finding.rule, Counter())[status] += 1
        if status == "new":
            new.append(
                f"{finding.rule} {baseline.relative(finding.url, base_b)}: {finding.message}"
            )
    for entry in comparison.fixed:
        deltas.setdefault(entry.rule, Counter())["fixed"] += 1
    for entry in comparison.not_comparable:
        deltas.setdefault(entry.rule, Counter())["not-comparable"] += 1
    states_a, states_b = _states(site_a, base_a), _states(site_b, base_b)
    return RunDiff(
        run_a=report_a.run.run_id,
        run_b=report_b.run.run_id,
        site_a=base_a,
        site_b=base_b,
        rules=[
            RuleDelta(
                rule=rule,
                new=c["new"],
                fixed=c["fixed"],
                persisting=c["persisting"],
                not_comparable=c["not-comparable"],
            )
            for rule, c in sorted(deltas.items())
        ],
        new=new,
        fixed=[f"{e.rule} {e.url}" for e in comparison.fixed],
        pages=_page_changes(states_a, states_b),
        only_in_a=sorted(states_a.keys() - states_b.keys()),
        only_in_b=sorted(states_b.keys() - states_a.keys()),
    )


# -- rendering --------------------------------------------------------------------------


def _show(value: object) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def render_json(diff: RunDiff) -> str:
    return json.dumps(diff.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def render_text(diff: RunDiff) -> str:
    lines = [
        f"seoaudit diff {diff.run_a} ({diff.site_a}) -> {diff.run_b} ({diff.site_b})",
        "",
        f"{'rule':<10}{'new':>6}{'fixed':>7}{'persisting':>12}{'not comparable':>16}",
    ]
    for d in diff.rules:
        lines.append(f"{d.rule:<10}{d.new:>6}{d.fixed:>7}{d.persisting:>12}{d.not_comparable:>16}")
    if not diff.rules:
        lines.append("(no findings in either run)")
    if diff.new:
        lines += ["", f"New findings ({len(diff.new)}):"]
        lines += [f"  + {_clean(n)}" for n in diff.new[:MAX_LISTED]]
    if diff.fixed:
        lines += ["", f"Fixed ({len(diff.fixed)}):"]
        lines += [f"  - {_clean(n)}" for n in diff.fixed[:MAX_LISTED]]
    lines += ["", f"Changed pages ({len(diff.pages)}):"]
    for change in diff.pages[:MAX_LISTED]:
        lines.append(f"  {_clean(change.url)}")
        for name, (old, new) in change.changes.items():
            lines.append(f"      {name}: {_clean(_show(old))} -> {_clean(_show(new))}")
    lines.append(
        f"URLs only in {diff.run_a}: {len(diff.only_in_a)}; only in {diff.run_b}: "
        f"{len(diff.only_in_b)}"
    )
    return "\n".join(lines) + "\n"


def _clean(text: str) -> str:
    return printable(text)[:300]


def render_markdown(diff: RunDiff) -> str:
    lines = [
        "## seoaudit: release regression report",
        "",
        f"{code(diff.run_a)} ({code(diff.site_a)}) → {code(diff.run_b)} ({code(diff.site_b)})",
        "",
        "| Rule | New | Fixed | Persisting | Not comparable |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {d.rule} | {d.new} | {d.fixed} | {d.persisting} | {d.not_comparable} |"
        for d in diff.rules
    ]
    if diff.new:
        lines += ["", f"### New findings ({len(diff.new)})", ""]
        lines += [f"- {cell(n, 300)}" for n in diff.new[:MAX_LISTED]]
    if diff.pages:
        lines += [
            "",
            f"### Changed pages ({len(diff.pages)})",
            "",
            "| URL | Change | Before | After |",
            "|---|---|---|---|",
        ]
        for change in diff.pages[:MAX_LISTED]:
            for name, (old, new) in change.changes.items():
                lines.append(
                    f"| {code(change.url)} | {name} | {cell(_show(old))} | {cell(_show(new))} |"
                )
    lines += [
        "",
        f"URLs only before: {len(diff.only_in_a)} · only after: {len(diff.only_in_b)}",
    ]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
