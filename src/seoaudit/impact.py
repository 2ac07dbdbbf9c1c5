"""Impact: page value, root-cause grouping and ranking. The one place with the arithmetic.

Page value (what one URL is worth to the site, from what a crawl can know):

    raw(url)   = link_weight * depth_weight * sitemap_weight
    link_weight    = (1 + log2(1 + inlinks)) * (1 + log2(1 + pagerank_rel))
    pagerank_rel   = internal PageRank of the URL * number of valued URLs
                     (1.0 for an average page; links and redirects between valued URLs,
                     damping 0.85, the usual formulation of Brin & Page 1998)
    depth_weight   = 1 / (1 + click_depth)      (0.2 when the URL is unreachable by links)
    sitemap_weight = 1.5 if the URL is listed in a sitemap, else 1.0
    crawl(url) = 100 * raw(url) / sum(raw over every fetched or blocked internal URL)

so the values of a site add up to 100: a page's value is its share of the site, in
percent, and the numbers mean the same on a 50-page site and a 500,000-page one.
URLs outside the site (external, excluded, never fetched) are worth 0. Both inlinks and
PageRank count: inlinks say how often a page is linked, PageRank from where.

With the user's own data (``--page-value FILE``: clicks, impressions, revenue per URL; see
pagevalue.py), the URLs K listed in the file share between them the crawl value they had,
C_K = sum(crawl(url) for url in K), now split mostly by the user's numbers:

    value(url in K)     = C_K * (w * metric(url) / sum(metric over K) + (1 - w) * crawl(url) / C_K)
    value(url not in K) = crawl(url)                 (unknown, not zero)

with w = user_data_weight (0.8): the user's data decides the order among the pages it
covers, and a page with 0 clicks keeps a fifth of its crawl value, because an issue (a
noindex, a block) may be the very reason it has no clicks. Values still add up to 100.

Impact of an issue (the findings of one rule that share one root cause):

    impact = severity_weight * sum(value(url) for each affected url)

with severity weights error 10, warning 3, notice 1. Priority bands from impact:

    P1 >= 50    e.g. an error on pages holding 5% of the site's value
    P2 >= 10
    P3 >= 2
    P4 otherwise

and capped by severity: a notice ranks P3 at most, whatever its impact. A notice is
hygiene, a tool convention or a policy for a human to confirm (the rules knowledge base's
severity scale), so uncompressed responses on every page (impact 100) rank below a
noindex on one well-linked page (P2), not above it. Issues are ordered by priority, then
impact: a capped notice follows every issue of a higher band.

Weights, bands and caps are settings (``[impact]`` in the configuration, ``ImpactSettings``
below holds the defaults). Every issue carries the inputs of its score (``ScoreInputs``)
so the order can be defended in a backlog meeting. Rules never score themselves.

Root causes: findings group by (rule, cause). Findings of page-local rules (a page rule
whose cause names no URL, or a rule registered with ``by_template=True``) are regrouped
by page template (templates.py) when two or more pages of one template share the finding:
"template /p/{slug}.html: Product: offers.priceCurrency missing". Causes that name a
robots.txt line, a canonical target or a sitemap file are kept as they are.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, field_validator

from seoaudit import owners, pagevalue, templates
from seoaudit.findings import Findings
from seoaudit.models import SEVERITY_ORDER, Finding, Issue, ScoreInputs, Severity
from seoaudit.portable import base_origin, portable_cause

if TYPE_CHECKING:
    from seoaudit.rules.registry import RuleSpec
    from seoaudit.site import Site

FloatArray = npt.NDArray[np.float64]

SEVERITY_WEIGHTS: dict[str, float] = {"error": 10.0, "warning": 3.0, "notice": 1.0}
PRIORITY_BANDS: list[tuple[str, float]] = [("P1", 50.0), ("P2", 10.0), ("P3", 2.0)]
PRIORITIES = ("P1", "P2", "P3", "P4")
HIGHEST_PRIORITY: dict[str, str] = {"error": "P1", "warning": "P1", "notice": "P3"}
UNREACHABLE_DEPTH_WEIGHT = 0.2
SITEMAP_WEIGHT = 1.5
USER_DATA_WEIGHT = 0.8
DAMPING = 0.85  # PageRank damping factor (Brin & Page 1998)
PAGERANK_ITERATIONS = 100  # upper bound; stops earlier when the ranks settle
PAGERANK_TOLERANCE = 1e-10  # L1 change per iteration that counts as settled
SAMPLE_SIZE = 10
FORMULA = "impact = severity_weight x sum(page value of affected URLs); page values sum to 100"

_VALUED_STATES = ("done", "blocked")
_LINK_A, _LINK_REDIRECT = 0, 3  # store.LINK_A, store.LINK_REDIRECT (no import: a cycle)


def _known_severities(keys: Iterable[str]) -> None:
    unknown = set(keys) - set(SEVERITY_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown severities: {', '.join(sorted(unknown))}")


class ImpactSettings(BaseModel):
    """The configurable weights of the formulas above (defaults: the module constants)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    severity_weights: dict[str, float] = Field(default_factory=lambda: dict(SEVERITY_WEIGHTS))
    priority_bands: dict[str, float] = Field(default_factory=lambda: dict(PRIORITY_BANDS))
    # The highest priority an issue of each severity may reach (see the module docstring).
    highest_priority: dict[str, str] = Field(default_factory=lambda: dict(HIGHEST_PRIORITY))
    sitemap_weight: float = Field(default=SITEMAP_WEIGHT, ge=0)
    unreachable_depth_weight: float = Field(default=UNREACHABLE_DEPTH_WEIGHT, ge=0)
    user_data_weight: float = Field(default=USER_DATA_WEIGHT, ge=0, le=1)
    # The user's page values (what --page-value says), so a CI job can keep them in its
    # configuration: a CSV of URL -> clicks, impressions or revenue; relative to the
    # working directory.
    page_value_file: Path | None = None
    page_value_metric: str | None = None

    @field_validator("severity_weights")
    @classmethod
    def _all_severities(cls, weights: dict[str, float]) -> dict[str, float]:
        _known_severities(weights)
        if any(w < 0 for w in weights.values()):
            raise ValueError("severity weights must not be negative")
        return {**SEVERITY_WEIGHTS, **weights}

    @field_validator("priority_bands")
    @classmethod
    def _bands(cls, bands: dict[str, float]) -> dict[str, float]:
        unknown = set(bands) - {"P1", "P2", "P3"}
        if unknown:
            raise ValueError(f"priority bands are P1, P2, P3; got {', '.join(sorted(unknown))}")
        merged = {**dict(PRIORITY_BANDS), **bands}
        if not merged["P1"] >= merged["P2"] >= merged["P3"]:
            raise ValueError("priority bands must satisfy P1 >= P2 >= P3")
        return merged

    @field_validator("highest_priority")
    @classmethod
    def _caps(cls, caps: dict[str, str]) -> dict[str, str]:
        _known_severities(caps)
        wrong = sorted(v for v in caps.values() if v not in PRIORITIES)
        if wrong:
            raise ValueError(f"priorities are P1, P2, P3, P4; got {', '.join(wrong)}")
        return {**HIGHEST_PRIORITY, **caps}


def settings_of(site: Site | None) -> ImpactSettings:
    """The run's impact settings (defaults for runs stored before they existed)."""
    if site is None:
        return ImpactSettings()
    data = site.run.settings.get("impact")
    return ImpactSettings.model_validate(data) if isinstance(data, dict) else ImpactSettings()


# -- page value -------------------------------------------------------------------------


def pagerank(
    n: int, src: npt.NDArray[np.int32], dst: npt.NDArray[np.int32], valued: npt.NDArray[np.bool_]
) -> FloatArray:
    """PageRank of ``n`` nodes over the edges src -> dst, restricted to ``valued`` nodes
    (edges touching others are dropped), summing to 1 over them. Rank of pages without
    outlinks is spread evenly, as is the teleport share."""
    rank = np.zeros(n)
    count = int(valued.sum())
    if count == 0:
        return rank
    keep = valued[src] & valued[dst]
    if not keep.all():  # no copy of the edges when every one counts (the usual case)
        src, dst = src[keep], dst[keep]
    out_degree = np.bincount(src, minlength=n).astype(np.float64)
    dangling = valued & (out_degree == 0)
    share = np.where(out_degree > 0, 1.0 / np.maximum(out_degree, 1.0), 0.0)
    rank[valued] = 1.0 / count
    for _ in range(PAGERANK_ITERATIONS):
        # One temporary per edge (the weight), not three: rank and share are per node.
        flow = np.bincount(dst, weights=(rank * share)[src], minlength=n)
        spread = (1.0 - DAMPING + DAMPING * rank[dangling].sum()) / count
        new = np.where(valued, DAMPING * flow + spread, 0.0)
        settled = np.abs(new - rank).sum() < PAGERANK_TOLERANCE
        rank = new
        if settled:
            break
    return rank


def crawl_values(site: Site, weights: ImpactSettings | None = None) -> FloatArray:
    """Crawl-only value of every URL id (see the module docstring), indexed by id."""
    weights = weights or settings_of(site)
    n = len(site.inlinks)
    valued = np.zeros(n, dtype=bool)
    sitemap_weight = np.ones(n)
    for url_id in range(1, n):
        url = site.url(url_id)
        if not url:
            continue
        valued[url_id] = site.is_internal(url) and site.state(url) in _VALUED_STATES
        if site.in_sitemap(url):
            sitemap_weight[url_id] = weights.sitemap_weight
    a_src, a_dst = site.edges(_LINK_A)
    r_src, r_dst = site.edges(_LINK_REDIRECT)
    if len(r_src):  # redirects pass rank on like links
        a_src, a_dst = np.concatenate([a_src, r_src]), np.concatenate([a_dst, r_dst])
    rank = pagerank(n, a_src, a_dst, valued)
    rank_rel = rank * valued.sum()
    depth = site.depth
    depth_weight = np.where(
        depth >= 0, 1.0 / (1.0 + np.maximum(depth, 0)), weights.unreachable_depth_weight
    )
    link_weight = (1.0 + np.log2(1.0 + site.inlinks.astype(np.float64))) * (
        1.0 + np.log2(1.0 + rank_rel)
    )
    raw = link_weight * depth_weight * sitemap_weight * valued
    total = raw.sum()
    result: FloatArray = raw * (100.0 / total) if total > 0 else raw
    return result


def blend_user_values(
    site: Site, crawl: FloatArray, user: pagevalue.UserValues, weight: float
) -> FloatArray:
    """Crawl values with the user's data folded in (see the module docstring)."""
    known_ids: list[int] = []
    metric: list[float] = []
    for url, value in user.values.items():
        url_id = site.id(url)
        if url_id is not None and crawl[url_id] > 0:
            known_ids.append(url_id)
            metric.append(value)
    total_metric = sum(metric)
    if not known_ids or total_metric <= 0:
        return crawl
    ids = np.array(known_ids, dtype=np.int64)
    mass = crawl[ids].sum()
    blended = crawl.copy()
    blended[ids] = mass * weight * np.array(metric) / total_metric + (1 - weight) * crawl[ids]
    return blended


def page_values(site: Site) -> FloatArray:
    """Value of every URL id, from the crawl and (when attached) the user's data."""
    weights = settings_of(site)
    values = crawl_values(site, weights)
    user = pagevalue.attached(site.store)
    if user is not None:
        values = blend_user_values(site, values, user, weights.user_data_weight)
    return values


# -- issues -----------------------------------------------------------------------------


def priority(impact: float, bands: Mapping[str, float] | None = None, highest: str = "P1") -> str:
    """The band ``impact`` reaches, never above ``highest`` (its severity's cap)."""
    thresholds = bands or dict(PRIORITY_BANDS)
    for band in ("P1", "P2", "P3"):
        if impact >= thresholds[band]:
            return max(band, highest)  # "P1" < "P2": the larger is the lower priority
    return "P4"


def issue_id(rule: str, cause: str | None, base: str = "") -> str:
    """Stable across runs: the same rule and root cause give the same id (and ticket),
    whichever origin was audited (staging, then production): the cause is read relative
    to the run's origin ``base`` (``portable_cause``, as fingerprints read it),
    so "https://staging.example/robots.txt: Disallow: /x" and its production twin agree."""
    portable = portable_cause(cause, base) if cause and base else cause
    key = f"{rule}\x1f{portable or ''}"
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:12]


_HOST = re.compile(r"[a-z0-9.-]+\.[a-z0-9-]+(:\d+)?|[0-9.]+:\d+", re.IGNORECASE)


def page_local(spec: RuleSpec | None, finding: Finding) -> bool:
    """Whether a finding's cause is about the page itself, so its template is the cause."""
    if spec is not None and spec.by_template is not None:
        return spec.by_template
    if spec is None or spec.scope != "page":
        return False
    if owners.FAMILY_OWNER.get(owners.family(spec.code)) == owners.SERVER:
        return False  # robots.txt, status codes, compression: server-wide, not per template
    cause = finding.cause
    return cause is None or ("://" not in cause and not _HOST.fullmatch(cause))


def recognise_templates(site: Site) -> templates.Templates:
    return templates.recognise(
        (s.url, s.skeleton)
        for s in site.summaries()
        if s.status == 200 and s.is_html and s.skeleton
    )


_TemplateKey = tuple[str, str | None, int]  # rule, cause, id() of the template


class _TemplateCauses:
    """Page-local findings regrouped by template: where two or more pages
    (``templates.MIN_PAGES``) of one template share a rule and cause, their cause becomes
    the template's ("template /p/{slug}.html: <cause>"). ``count`` every finding once, then
    ``regrouped`` gives a finding's (cause, template pattern), or None. Holds one entry per
    (rule, cause, template), not per finding."""

    def __init__(self, index: templates.Templates | None, specs: Mapping[str, RuleSpec]) -> None:
        self.index = index
        self.specs = specs
        self.counts: Counter[_TemplateKey] = Counter()
        self.templates: dict[int, templates.Template] = {}
        self.results: dict[_TemplateKey, tuple[str, str]] = {}
        # page_local of each (rule, cause), asked three times for every finding
        self.local: dict[tuple[str, str | None], bool] = {}

    def _template(self, finding: Finding) -> templates.Template | None:
        """The template a page-local finding's page belongs to, if any."""
        template = self.index.of(finding.url) if self.index is not None else None
        if template is None:
            return None
        key = (finding.rule, finding.cause)
        local = self.local.get(key)
        if local is None:
            local = self.local[key] = page_local(self.specs.get(finding.rule), finding)
        return template if local else None

    def count(self, finding: Finding) -> None:
        template = self._template(finding)
        if template is not None:
            self.templates[id(template)] = template
            self.counts[(finding.rule, finding.cause, id(template))] += 1

    def settle(self) -> None:
        assert self.index is not None
        for key, count in self.counts.items():
            if count >= templates.MIN_PAGES:
                template = self.templates[key[2]]
                self.results[key] = (self.index.restate(template, key[1]), template.pattern)
        self.counts.clear()

    def regrouped(self, finding: Finding) -> tuple[str, str] | None:
        if not self.results:
            return None
        template = self._template(finding)
        if template is None:
            return None
        return self.results.get((finding.rule, finding.cause, id(template)))


class _Group:
    """What an issue is made of, gathered one finding at a time from findings ordered by
    rule, then URL (so a group's repeated URLs are next to each other)."""

    __slots__ = ("first", "known", "known_sum", "last_url", "sample", "urls", "value", "worst")

    def __init__(self, first: Finding) -> None:
        self.first = first  # the worst finding, then the first URL: its name and evidence
        self.worst: Severity = first.severity
        self.urls = 0  # distinct URLs
        self.last_url: str | None = None
        self.sample: list[str] = []  # the first SAMPLE_SIZE URLs, sorted
        self.value = 0.0  # page values of the URLs
        self.known = 0  # URLs in the user's values file
        self.known_sum = 0.0

    def add(self, finding: Finding, site: Site | None, user: pagevalue.UserValues | None) -> None:
        rank = SEVERITY_ORDER[finding.severity]
        if rank < SEVERITY_ORDER[self.worst]:
            self.worst = finding.severity
        first = self.first
        if (rank, finding.url) < (SEVERITY_ORDER[first.severity], first.url):
            self.first = finding
        url = finding.url
        if url == self.last_url:
            return
        self.last_url = url
        self.urls += 1
        if len(self.sample) < SAMPLE_SIZE:
            self.sample.append(url)
        self.value += site.page_value(url) if site is not None else 1.0
        if user is not None and url in user.values:
            self.known += 1
            self.known_sum += user.values[url]


def group_issues(
    findings: Iterable[Finding],
    site: Site | None,
    titles: dict[str, str] | None = None,
    specs: Mapping[str, RuleSpec] | None = None,
    weights: ImpactSettings | None = None,
) -> tuple[list[Issue], Callable[[Finding], Finding]]:
    """Group findings by (rule, root cause), regrouping page-local ones by template, and
    rank the groups by priority, then impact, highest first. ``titles`` maps a rule code
    to its group title ("{count}", "{cause}"); ``specs`` (the rule registry) says which
    rules are page-local. Returns the issues and a function that sets ``Finding.issue``
    on a finding to the id of its issue (and returns it).

    Reads the findings twice by rule, then URL (report order) and holds one small group
    per issue, not the findings."""
    ordered = Findings.by_rule_and_url(findings)
    specs = specs or {}
    titles = titles if titles is not None else {c: s.group for c, s in specs.items() if s.group}
    weights = weights or settings_of(site)
    user = pagevalue.attached(site.store) if site is not None else None
    regroup = _TemplateCauses(recognise_templates(site) if site is not None else None, specs)
    if site is not None:
        for finding in ordered:
            regroup.count(finding)
        regroup.settle()
    groups: dict[tuple[str, str | None], _Group] = {}
    patterns: dict[tuple[str, str | None], str] = {}
    for finding in ordered:
        cause, pattern = regroup.regrouped(finding) or (finding.cause, None)
        key = (finding.rule, cause)
        group = groups.get(key)
        if group is None:
            groups[key] = group = _Group(finding)
            if pattern:
                patterns[key] = pattern
        group.add(finding, site, user)
    base = base_origin(site.run) if site is not None else ""
    issues = [
        _issue(rule, cause, group, titles, weights, user, patterns.get((rule, cause)), base)
        for (rule, cause), group in groups.items()
    ]
    issues.sort(
        key=lambda i: (i.priority, -i.impact, SEVERITY_ORDER[i.severity], i.rule, i.cause or "")
    )
    relate(issues)
    ids = {(i.rule, i.cause): i.id for i in issues}

    def assign(finding: Finding) -> Finding:
        cause = (regroup.regrouped(finding) or (finding.cause, None))[0]
        finding.issue = ids.get((finding.rule, cause)) or issue_id(finding.rule, cause, base)
        return finding

    return issues, assign


MAX_RELATED = 5  # related issues named per issue
# Rules that report one state of a URL from different sides, so that one change (drop the
# noindex, fix the redirect, lift the Disallow) fixes all of them: a noindex page listed
# in a sitemap is IDX001 and SMP011. Two issues are related when their rules share a
# group and they are about mostly the same URLs. Rules merely finding other problems on
# the same pages (a long title, a small image) are not related: other changes fix them.
RELATED_RULES: tuple[frozenset[str], ...] = (
    frozenset({"IDX001", "IDX002", "SMP011"}),  # noindex
    frozenset({"ROB008", "IDX002", "SMP012"}),  # disallowed by robots.txt
    frozenset({"HTTP001", "HTTP002", "HTTP005", "HTTP018", "SMP010"}),  # fails
    frozenset(
        {"HTTP006", "HTTP007", "HTTP008", "HTTP009", "HTTP010", "HTTP011", "HTTP013", "SMP009"}
    ),  # redirects
    frozenset({"CAN019", "CAN022"}),  # canonicalised elsewhere
)
_GROUPS_OF: dict[str, set[int]] = {}
for _n, _group in enumerate(RELATED_RULES):
    for _code in _group:
        _GROUPS_OF.setdefault(_code, set()).add(_n)


def relate(issues: list[Issue]) -> None:
    """Set ``Issue.related``: issues of related rules (``RELATED_RULES``) about mostly the
    same URLs, judged on their sample URLs (at most 10 each, so small issues are seen
    whole): at least half of the smaller sample shared. Most shared first."""
    by_url: dict[str, list[int]] = {}
    for n, issue in enumerate(issues):
        if issue.rule in _GROUPS_OF:
            for url in issue.sample_urls:
                by_url.setdefault(url, []).append(n)
    for issue in issues:
        groups = _GROUPS_OF.get(issue.rule)
        if not groups:
            continue
        shared: Counter[int] = Counter(
            m
            for url in issue.sample_urls
            for m in by_url[url]
            if issues[m].rule != issue.rule and groups & _GROUPS_OF[issues[m].rule]
        )
        related = []
        for m, count in shared.items():
            if 2 * count >= min(len(issue.sample_urls), len(issues[m].sample_urls)):
                related.append((-count, m))
        issue.related = [issues[m].id for _, m in sorted(related)[:MAX_RELATED]]


def build_issues(
    findings: Iterable[Finding],
    site: Site | None,
    titles: dict[str, str] | None = None,
    specs: Mapping[str, RuleSpec] | None = None,
    weights: ImpactSettings | None = None,
) -> list[Issue]:
    """``group_issues`` of findings held in memory, setting ``Finding.issue`` on each."""
    findings = list(findings)
    issues, assign = group_issues(findings, site, titles, specs, weights)
    for finding in findings:
        assign(finding)
    return issues


def _issue(
    rule: str,
    cause: str | None,
    group: _Group,
    titles: dict[str, str],
    weights: ImpactSettings,
    user: pagevalue.UserValues | None,
    template: str | None,
    base: str,
) -> Issue:
    severity = group.worst
    first = group.first
    weight = weights.severity_weights[severity]
    score = weight * group.value
    title = _title(first, cause, group.urls, titles.get(rule), template)
    inputs = ScoreInputs(
        severity_weight=weight,
        affected=group.urls,
        page_value_sum=round(group.value, 3),
        formula=FORMULA,
    )
    if user is not None:
        inputs.value_source = f"crawl+{user.source}"
        inputs.user_metric = user.metric
        inputs.user_metric_sum = round(group.known_sum, 3)
        inputs.user_known = group.known
    highest = weights.highest_priority[severity]
    band = priority(score, weights.priority_bands, highest)
    if band != priority(score, weights.priority_bands):
        inputs.priority_cap = highest
    return Issue(
        id=issue_id(rule, cause, base),
        rule=rule,
        name=first.name,
        severity=severity,
        title=title,
        cause=cause,
        count=group.urls,
        sample_urls=group.sample,
        impact=round(score, 3),
        priority=band,
        score=inputs,
        evidence=first.evidence,
        owner=owners.owner_for(rule, cause, first.evidence, template=template),
        template=template,
    )


def _title(
    first: Finding, cause: str | None, count: int, group: str | None, template: str | None
) -> str:
    if template is not None and cause:
        # cause: "template /p/{slug}.html: <the rule's cause>" (templates.cause_for)
        label = cause.removesuffix(f": {first.cause}") if first.cause else cause
        if group:
            return f"{group.format(count=count, cause=first.cause or '')} in {label}"
        text = cause if first.cause else f"{cause}: {first.name.replace('-', ' ')}"
        return f"{text[:1].upper()}{text[1:]} on {count} pages"
    if count == 1:
        return first.message
    if group:
        return group.format(count=count, cause=cause or "")
    label = first.name.replace("-", " ")
    label = label[:1].upper() + label[1:]
    if cause:
        return f"{label}: {count} URLs ({cause})"
    return f"{label}: {count} URLs"
