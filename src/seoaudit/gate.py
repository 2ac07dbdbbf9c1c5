"""The gate: budgets, KPIs and the baseline turn a run into pass, fail or inconclusive.

What counts. Findings first go through the configured policy (``apply_overrides``: rule
selection, per-URL ignores, severity overrides), then active suppressions take theirs out.
With a baseline, every finding is *new* or *persisting* (baseline.py).

Checks, each with a level (``error`` fails the run, ``warn`` is only reported):

- **severity gate** (``fail_on``): no finding at or above that severity; with a baseline
  and ``gate.new_only`` (the default), no *new* one.
- **budgets**: for the findings a budget selects (rule codes or prefixes, minimum severity,
  URL regex): ``max_count`` findings; ``max_share`` = distinct URLs with such a finding /
  URLs the run recorded as pages (fetched or blocked; those matching ``urls`` when set);
  ``max_new`` = findings new since the baseline (without a baseline, every finding is new).
- **KPIs**: bounds (``min``, ``max``) on the run's KPIs as kpis.py defines them
  (``report.summary["kpis"]``: indexable_share, crawl_blocked_share, canonical_health,
  structured_data_health, error_rate; TTFB percentiles as ``ttfb_p50_ms``... over HTML
  200 pages). A KPI measured over nothing (no HTML page answering 200, no page with
  structured data: its count in ``kpis.BASIS`` is 0) fails a ``min`` bound, saying so: a
  release that removed every page of a kind must not pass a minimum on it; with only a
  ``max`` bound it is skipped, and says so. A KPI not measured at all (no structured-data
  rule ran; a run file from before the count was kept) is skipped, and says so.

Verdict: *inconclusive* when no start URL could be fetched, the run was interrupted, or
more than ``gate.max_fetch_error_share`` of the fetched URLs failed (``inconclusive``:
the one place that decides it); else *fail* when an error-level check fails; else *pass*.
Exit codes: pass 0, fail 1 (0 with --exit-zero), inconclusive 3 (never a pass).

This module decides; it never prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from itertools import repeat
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from seoaudit import baseline, kpis
from seoaudit.config import Budget, GateSettings, Kpi, Settings, rule_matches, rule_prefixes
from seoaudit.findings import Findings, Smallest
from seoaudit.models import SEVERITY_ORDER, Finding, Report, RuleError, RunInfo
from seoaudit.owners import family
from seoaudit.rules import REGISTRY, selected
from seoaudit.site import Site

EXIT_PASS, EXIT_FAIL, EXIT_INCONCLUSIVE = 0, 1, 3
Verdict = Literal["pass", "fail", "inconclusive"]
CheckStatus = Literal["pass", "fail", "skipped"]
SHARE_METRICS = {
    "indexable_share",
    "crawl_blocked_share",
    "canonical_health",
    "structured_data_health",
    "structured_data_coverage",
    "error_rate",
}


class Check(BaseModel):
    """One budget, KPI or the severity gate, as evaluated (one JUnit test case)."""

    kind: Literal["severity", "budget", "kpi"]
    name: str
    level: Literal["error", "warn"]
    status: CheckStatus
    measured: str  # e.g. "3 findings > 0", "indexable 72.0% < 80.0%"
    findings: int = 0  # findings the check counted
    # "RULE URL: message" of the worst ones, spread over their issues, then "... and N
    # more findings (M issues)" when not all are listed
    top: list[str] = Field(default_factory=list)


class BaselineSummary(BaseModel):
    path: str
    new: int = 0
    persisting: int = 0
    fixed: list[str] = Field(default_factory=list)  # "RULE URL"
    not_comparable: list[str] = Field(default_factory=list)


class GateResult(BaseModel):
    """What the gate decided and why; attached to the report as ``report.gate``."""

    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)  # why it failed or is inconclusive
    checks: list[Check] = Field(default_factory=list)
    baseline: BaselineSummary | None = None
    suppressed: int = 0
    warnings: list[str] = Field(default_factory=list)
    # fingerprint -> persisting | suppressed; a finding whose fingerprint is not listed is
    # new (so a large run's gate holds an entry per baseline entry, not per finding)
    status: dict[str, str] = Field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """As ``report.gate`` carries it: JSON data sharing this result's status mapping
        instead of copying it."""
        data = self.model_dump(mode="json", exclude={"status"})
        data["status"] = self.status
        return data


def result_of(report: Report) -> GateResult | None:
    """The gate result a report carries, if the gate ran."""
    data = getattr(report, "gate", None)
    if data is None:
        return None
    return data if isinstance(data, GateResult) else GateResult.model_validate(data)


def exit_code(result: GateResult, exit_zero: bool = False) -> int:
    """--exit-zero turns a failed gate into 0, and nothing else."""
    if result.verdict == "inconclusive":
        return EXIT_INCONCLUSIVE
    if result.verdict == "fail":
        return 0 if exit_zero else EXIT_FAIL
    return EXIT_PASS


# -- policy: what the rules' findings become ------------------------------------------------


def apply_overrides(
    findings: Iterable[Finding], settings: Settings, run: RunInfo | None = None
) -> Findings:
    """Rule selection, per-URL ignores and severity overrides, as configured. Idempotent,
    so a stored run (``run``) can be re-judged under today's configuration: a severity
    that the run's own overrides changed goes back to the rule's when today's do not
    change it. A view of the run file stays one: the policy is applied on each pass."""
    findings = Findings.of(findings)
    configured = settings.select or settings.ignore or settings.per_url_ignores
    overridden = settings.severity_overrides or (run and run.settings.get("severity_overrides"))
    if not configured and not overridden:
        return findings  # nothing to apply: not another pass over a large run's findings
    return findings.map(_policy(settings))


def iter_overrides(findings: Iterable[Finding], settings: Settings) -> Iterator[Finding]:
    """``apply_overrides`` one finding at a time (the audit streams findings to the store)."""
    policy = _policy(settings)
    for finding in findings:
        kept = policy(finding)
        if kept is not None:
            yield kept


def url_ignores(per_url_ignores: Mapping[str, Sequence[str]]) -> Callable[[str, str], bool]:
    """(rule, URL) -> whether ``per_url_ignores`` (URL regex -> rule codes or prefixes)
    leaves that rule's findings on that URL out."""
    ignores = [(re.compile(p), rule_prefixes(codes)) for p, codes in per_url_ignores.items()]

    def ignored(code: str, url: str) -> bool:
        return any(code.startswith(codes) and p.search(url) for p, codes in ignores)

    return ignored


def _policy(settings: Settings) -> Callable[[Finding], Finding | None]:
    """The finding as the configuration judges it, or None when it is not wanted."""
    ignored = url_ignores(settings.per_url_ignores)
    # Codes and prefixes upper-cased once here, not once per finding.
    select, ignore = rule_prefixes(settings.select), rule_prefixes(settings.ignore)
    # The longest matching code or prefix wins ("HTTP006" over "HTTP").
    overrides = sorted(
        ((p.upper(), s) for p, s in settings.severity_overrides.items()), key=lambda kv: -len(kv[0])
    )

    def judge(finding: Finding) -> Finding | None:
        code = finding.rule
        if select and not code.startswith(select):
            return None
        if ignore and code.startswith(ignore):
            return None
        if ignored(code, finding.url):
            return None
        own = finding.rule_severity or finding.severity  # what the rule said
        severity = next((s for p, s in overrides if code.startswith(p)), own)
        if severity == finding.severity:
            return finding
        changed = None if severity == own else own
        return finding.model_copy(update={"severity": severity, "rule_severity": changed})

    return judge


# -- inconclusive ---------------------------------------------------------------------------


def inconclusive(run: RunInfo, gate: GateSettings) -> str | None:
    """Why a run cannot be judged, or None. The one definition (exit code 3)."""
    if run.state == "failed":
        return run.message or "no start URL could be fetched"
    if run.state in ("interrupted", "running"):
        return "the run did not finish: it covers part of the site only"
    if run.pages_fetched and run.fetch_errors / run.pages_fetched > gate.max_fetch_error_share:
        return (
            f"{run.fetch_errors} of {run.pages_fetched} fetched URLs failed (network error or "
            f"5xx), more than {gate.max_fetch_error_share:.0%}: too many to judge the site"
        )
    return None


# -- KPIs -----------------------------------------------------------------------------------


def _stored_kpis(report: Report) -> dict[str, Any]:
    """The run's KPIs as kpis.py computed them (``report.summary["kpis"]``), or none."""
    raw = report.summary.get("kpis")
    return raw if isinstance(raw, dict) else {}


def kpi_values(report: Report, site: Callable[[], Site]) -> dict[str, float | None]:
    """The run's KPIs as kpis.py computed them (``report.summary["kpis"]``), read
    defensively, with the TTFB percentiles flattened to ``ttfb_pNN_ms``. A percentile
    kpis.py does not keep is asked of kpis.ttfb_ms, the same definition."""
    stored = _stored_kpis(report)
    values: dict[str, float | None] = {}
    for key, value in stored.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            values[key] = float(value)
    ttfb = stored.get("ttfb_ms")
    for name, value in ttfb.items() if isinstance(ttfb, dict) else []:
        if isinstance(value, int | float):
            values[f"ttfb_{name}_ms"] = float(value)
    return values


def _kpi_value(kpi: Kpi, values: dict[str, float | None], site: Callable[[], Site]) -> float | None:
    if kpi.metric in values:
        return values[kpi.metric]
    match = re.fullmatch(r"ttfb_p(\d+)_ms", kpi.metric)
    if match:
        return kpis.ttfb_ms(site(), int(match.group(1)))
    return None


def _format_kpi(metric: str, value: float, digits: int | None = None) -> str:
    if metric in SHARE_METRICS:
        return f"{value:.{1 if digits is None else digits}%}"
    return f"{value:.{0 if digits is None else digits}f} ms"


def _format_apart(metric: str, value: float, bound: float) -> tuple[str, str]:
    """``value`` and the ``bound`` it crossed, with the digits it takes for the two to
    differ ("50.04% < 50.04%" would contradict itself: 50.0% < 50.0%)."""
    start = 1 if metric in SHARE_METRICS else 0
    for digits in range(start, start + 8):
        shown, limit = _format_kpi(metric, value, digits), _format_kpi(metric, bound, digits)
        if shown != limit:
            break
    return shown, limit


def _kpi_check(kpi: Kpi, value: float | None, over: tuple[int | None, str]) -> Check:
    """``over``: how many pages the KPI was measured over, and what they are
    (kpis.basis): a ``min`` bound over none fails."""
    name = kpi.name or kpi.metric.replace("_", " ")
    if value is None:
        count, what = over
        measured = f"{kpi.metric}: nothing to measure" + (
            f", 0 {what} in this run" if count == 0 else " in this run"
        )
        fails = count == 0 and kpi.min is not None  # a minimum cannot hold over none
        if fails:
            measured += f" (min {_format_kpi(kpi.metric, kpi.min or 0)} cannot hold over none)"
        return Check(
            kind="kpi",
            name=name,
            level=kpi.level,
            status="fail" if fails else "skipped",
            measured=measured,
        )
    shown = _format_kpi(kpi.metric, value)
    problems = []
    if kpi.min is not None and value < kpi.min:
        problems.append(" < ".join(_format_apart(kpi.metric, value, kpi.min)))
    if kpi.max is not None and value > kpi.max:
        problems.append(" > ".join(_format_apart(kpi.metric, value, kpi.max)))
    bounds = []
    if kpi.min is not None:
        bounds.append(f">= {_format_kpi(kpi.metric, kpi.min)}")
    if kpi.max is not None:
        bounds.append(f"<= {_format_kpi(kpi.metric, kpi.max)}")
    measured = (
        f"{kpi.metric} {'; '.join(problems)}"
        if problems
        else (f"{kpi.metric} {shown} (limit {' and '.join(bounds)})")
    )
    return Check(
        kind="kpi",
        name=name,
        level=kpi.level,
        status="fail" if problems else "pass",
        measured=measured,
    )


# -- budgets --------------------------------------------------------------------------------


def budget_name(budget: Budget) -> str:
    if budget.name:
        return budget.name
    parts = [", ".join(budget.rules) if budget.rules else "all rules"]
    if budget.severity:
        parts.append(f"{budget.severity} or worse")
    if budget.urls:
        parts.append(f"URLs matching {budget.urls}")
    return "budget: " + "; ".join(parts)


def _selects(budget: Budget, pattern: re.Pattern[str] | None, finding: Finding) -> bool:
    if budget.rules and not rule_matches(finding.rule, budget.rules):
        return False
    if budget.severity and SEVERITY_ORDER[finding.severity] > SEVERITY_ORDER[budget.severity]:
        return False
    return pattern is None or bool(pattern.search(finding.url))


class _Context:
    """What budget and severity checks read, computed once per evaluation."""

    def __init__(
        self,
        report: Report,
        findings: Findings,
        status: dict[str, str],
        base: str,
        site: Callable[[], Site],
        top: int,
    ) -> None:
        self.findings = findings
        self.status = status
        self.base = base
        self.site = site
        self.top_n = top
        self.impact = {(i.rule, i.cause): i.impact for i in report.issues}
        self._page_urls: list[str] | None = None
        # Whether each finding is new, by position: hashed once (budgets would otherwise
        # hash every finding once per budget), a byte per finding.
        # (None: nothing suppressed, no baseline, so every finding is new.)
        self.new: bytearray | None = None
        if status:
            self.new = bytearray(
                status.get(baseline.fingerprint(f, base), "new") == "new" for f in findings
            )

    def counted(self) -> Iterator[tuple[Finding, bool]]:
        """Each counted finding and whether it is new (one pass over the findings)."""
        if self.new is None:
            return zip(self.findings, repeat(True))
        return zip(self.findings, map(bool, self.new), strict=True)

    def page_urls(self) -> list[str]:
        if self._page_urls is None:
            self._page_urls = [s.url for s in self.site().summaries()]
        return self._page_urls

    def worst(self) -> _Worst:
        """Collects the ``top_n`` worst findings of a check as they pass."""
        return _Worst(self.top_n, self.impact)


class _Worst:
    """The worst findings of a check, as they pass, shown spread over their issues: the
    worst finding of each issue first (issues by their worst finding: severity, then the
    impact of the issue, rule, URL), then the second of each, and so on up to ``n``
    lines, and a line saying how many more there are. Five URLs of one issue said
    nothing of the others that failed the check."""

    def __init__(self, n: int, impact: dict[tuple[str, str | None], float]) -> None:
        self.n = n
        self.impact = impact
        self.by_issue: dict[str, Smallest[Finding]] = {}
        self.counts: dict[str, int] = {}

    def _key(self, f: Finding) -> tuple[int, float, str, str]:
        return (SEVERITY_ORDER[f.severity], -self.impact.get((f.rule, f.cause), 0.0), f.rule, f.url)

    def add(self, finding: Finding) -> None:
        issue = finding.issue or f"{finding.rule} {finding.cause}"
        worst = self.by_issue.get(issue)
        if worst is None:
            worst = self.by_issue[issue] = Smallest(self.n, self._key)
        worst.add(finding)
        self.counts[issue] = self.counts.get(issue, 0) + 1

    def lines(self) -> list[str]:
        groups = sorted(
            ((issue, worst.items()) for issue, worst in self.by_issue.items()),
            key=lambda group: self._key(group[1][0]),
        )
        shown: list[Finding] = []
        left = dict(self.counts)  # per issue: findings not shown
        for rank in range(self.n):
            for issue, items in groups:
                if rank < len(items) and len(shown) < self.n:
                    shown.append(items[rank])
                    left[issue] -= 1
        lines = [f"{f.rule} {f.url}: {f.message}" for f in shown]
        more = sum(left.values())
        if more:
            issues = sum(1 for count in left.values() if count)
            lines.append(
                f"... and {more} more {'finding' if more == 1 else 'findings'} "
                f"({issues} {'issue' if issues == 1 else 'issues'})"
            )
        return lines


def _budget_check(budget: Budget, ctx: _Context) -> Check:
    pattern = re.compile(budget.urls) if budget.urls else None
    count = new_count = 0
    affected: set[str] = set()  # distinct URLs, for a share budget only
    worst, worst_new = ctx.worst(), ctx.worst()
    for finding, new in ctx.counted():
        if not _selects(budget, pattern, finding):
            continue
        count += 1
        worst.add(finding)
        if new:
            new_count += 1
            worst_new.add(finding)
        if budget.max_share is not None:
            affected.add(finding.url)
    problems: list[str] = []
    measures: list[str] = []
    if budget.max_count is not None:
        measures.append(f"{count} findings (max {budget.max_count})")
        if count > budget.max_count:
            problems.append(f"{count} findings > {budget.max_count}")
    nothing = False  # a share over no page: its `urls` pattern matches none (mistyped?)
    if budget.max_share is not None:
        pages = [u for u in ctx.page_urls() if pattern is None or pattern.search(u)]
        share = len(affected) / len(pages) if pages else 0.0
        if not pages:
            nothing = True
            what = f"urls {budget.urls}" if budget.urls else "the budget"
            measures.append(f"no page matches {what}: no share to measure")
        else:
            measures.append(f"{share:.1%} of {len(pages)} pages (max {budget.max_share:.1%})")
        if share > budget.max_share:
            problems.append(
                f"{len(affected)} of {len(pages)} pages = {share:.1%} > {budget.max_share:.1%}"
            )
    if budget.max_new is not None:
        measures.append(f"{new_count} new (max {budget.max_new})")
        if new_count > budget.max_new:
            noun = "finding" if new_count == 1 else "findings"
            problems.append(f"{new_count} new {noun} > {budget.max_new}")
            worst = worst_new  # the worst shown: the new ones when too many are new
    failed = bool(problems)
    alone = budget.max_count is None and budget.max_new is None  # the share was all it checks
    return Check(
        kind="budget",
        name=budget_name(budget),
        level=budget.level,
        status="fail" if failed else ("skipped" if nothing and alone else "pass"),
        measured="; ".join(problems if failed else measures),
        findings=count,
        top=worst.lines() if failed else [],
    )


def _severity_check(settings: Settings, ctx: _Context, with_baseline: bool) -> Check | None:
    if settings.fail_on == "never":
        return None
    threshold = SEVERITY_ORDER[settings.fail_on]
    new_only = with_baseline and settings.gate.new_only
    count = 0
    worst = ctx.worst()
    for finding, new in ctx.counted():
        if SEVERITY_ORDER[finding.severity] <= threshold and (new or not new_only):
            count += 1
            worst.add(finding)
    what = f"{'new ' if new_only else ''}{settings.fail_on}-or-worse findings"
    return Check(
        kind="severity",
        name=f"no {what}",
        level="error",
        status="fail" if count else "pass",
        measured=f"{count} {what}",
        findings=count,
        top=worst.lines(),
    )


# -- evaluation -----------------------------------------------------------------------------


def coverage(
    answered: Callable[[str], bool],
    run: RunInfo,
    rule_errors: Sequence[RuleError],
    settings: Settings | None = None,
    failing: Callable[[str], bool] | None = None,
) -> baseline.Coverage:
    """What the run could have found (see baseline.Coverage): URLs that ``answered`` (see
    ``answered_in``); a rule counts as run on a URL when the run selected it and did not
    ignore it there (``per_url_ignores``), did not fail on the URL (``rule_errors``), and
    today's ``settings`` (select, ignore, per_url_ignores) still judge it. Findings the
    configuration leaves out, then or now, are not fixed: they were not looked for."""
    stored = run.settings
    ran = {spec.code for spec in selected(stored.get("select"), stored.get("ignore"))}
    raw = stored.get("per_url_ignores")
    ignores = [url_ignores(raw if isinstance(raw, dict) else {})]
    if settings is not None:
        ran &= {spec.code for spec in selected(settings.select, settings.ignore)}
        ignores.append(url_ignores(settings.per_url_ignores))

    def ignored(code: str, url: str) -> bool:
        return any(ignore(code, url) for ignore in ignores)

    cover = baseline.Coverage.of(answered, ran, rule_errors, ignored)
    if failing is None:
        return cover
    content = (
        spec.code
        for spec in REGISTRY.values()
        if spec.scope == "page" and family(spec.code) not in STATUS_FAMILIES
    )
    return cover.failing_content(failing, content)


# Page rules of these families judge what a URL answers (its status, redirects, robots.txt
# verdict), so they judge a URL answering 4xx or 5xx too; the other page rules judge the
# page's content, which such an answer does not carry (``failing_in``).
STATUS_FAMILIES = frozenset({"HTTP", "ROB", "BOT"})


def failing_in(site: Site) -> Callable[[str], bool]:
    """Whether a URL answered 4xx or 5xx in the run: its content went unread, so the
    findings about its content before (a title, a canonical, its markup) are not fixed
    (not comparable), however briefly the page failed."""

    def failing(url: str) -> bool:
        status = site.status(url)
        return status is not None and status >= 400

    return failing


def answered_in(site: Site) -> Callable[[str], bool]:
    """Whether a URL got an HTTP response in the run: a page, a checked URL (resources,
    external links), a robots.txt or a sitemap. Only such a URL can have a finding fixed."""
    others = {c.url for c in site.checks() if c.status is not None}
    others |= {r.url for r in site.robots if r.status is not None}
    others |= {row["url"] for row in site.store.sitemap_rows() if row.get("status") is not None}

    def answered(url: str) -> bool:
        return site.status(url) is not None or url in others

    return answered


def evaluate(
    report: Report,
    settings: Settings,
    *,
    store_path: Path | None = None,
    today: date | None = None,
    site: Site | None = None,
) -> GateResult:
    """Judge ``report`` (of the run stored at ``store_path``) under ``settings``.
    Raises baseline.BaselineError when the configured baseline cannot be read."""
    today = today or date.today()
    base = baseline.base_origin(report.run)
    cached: list[Site] = [site] if site is not None else []

    def get_site() -> Site:
        if not cached:
            if store_path is None:
                raise ValueError("this check needs the run store")
            from seoaudit.store import Store

            cached.append(Site(Store(store_path)))
        return cached[0]

    answers: list[tuple[Callable[[str], bool], Callable[[str], bool]]] = []

    def read_answers() -> tuple[Callable[[str], bool], Callable[[str], bool]]:
        # Built only when a baseline entry was not found again. Without the run store
        # nothing can be shown fetched, so nothing is counted as fixed.
        if not answers:
            if site is not None or store_path is not None:
                answers.append((answered_in(get_site()), failing_in(get_site())))
            else:
                answers.append((lambda _url: False, lambda _url: False))
        return answers[0]

    def answered(url: str) -> bool:
        return read_answers()[0](url)

    def failing(url: str) -> bool:
        return read_answers()[1](url)

    findings = apply_overrides(report.findings, settings, report.run)
    active, expired = baseline.split_expired(settings.suppress, today)
    warnings = [
        f"suppression expired on {s.expires}: {s.reason} (it no longer applies)" for s in expired
    ]
    hidden = baseline.suppressed(findings, active, base)
    counted = findings
    if hidden:
        counted = findings.map(lambda f: None if baseline.fingerprint(f, base) in hidden else f)

    summary: BaselineSummary | None = None
    entries: dict[str, baseline.Entry] = {}
    if settings.gate.baseline is not None:
        entries = baseline.read(settings.gate.baseline)
        comparison = baseline.compare(
            findings,
            entries,
            base,
            coverage(answered, report.run, report.rule_errors, settings, failing),
            hidden,
        )
        status: dict[str, str] = dict(comparison.status)
        summary = BaselineSummary(
            path=str(settings.gate.baseline),
            new=comparison.count("new"),
            persisting=comparison.count("persisting"),
            fixed=[f"{e.rule} {e.url}" for e in comparison.fixed],
            not_comparable=[f"{e.rule} {e.url}" for e in comparison.not_comparable],
        )
    else:
        status = dict.fromkeys(sorted(hidden), "suppressed")  # the same bytes every run

    ctx = _Context(report, counted, status, base, get_site, settings.gate.top_urls)
    checks: list[Check] = []
    severity = _severity_check(settings, ctx, settings.gate.baseline is not None)
    if severity is not None:
        checks.append(severity)
    checks.extend(_budget_check(b, ctx) for b in settings.budgets)
    if settings.kpis:
        values = kpi_values(report, get_site)
        stored = _stored_kpis(report)
        checks.extend(
            _kpi_check(k, _kpi_value(k, values, get_site), kpis.basis(stored, k.metric))
            for k in settings.kpis
        )

    reasons: list[str] = []
    verdict: Verdict = "pass"
    why = inconclusive(report.run, settings.gate)
    if why is not None:
        verdict, reasons = "inconclusive", [why]
    else:
        reasons = [
            f"{c.name}: {c.measured}" for c in checks if c.status == "fail" and c.level == "error"
        ]
        verdict = "fail" if reasons else "pass"
    if cached and site is None:
        cached[0].store.close()
    return GateResult(
        verdict=verdict,
        reasons=reasons,
        checks=checks,
        baseline=summary,
        suppressed=len(hidden),
        warnings=warnings,
        status=status,
    )
