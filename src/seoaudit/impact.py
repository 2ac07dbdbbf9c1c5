"""Impact: page value, root-cause grouping and ranking. The one place with the arithmetic.

Page value (what one URL is worth to the site, from what a crawl can know):

    raw(url)   = (1 + log2(1 + inlinks)) * depth_weight * sitemap_weight
    depth_weight   = 1 / (1 + click_depth)      (0.2 when the URL is unreachable by links)
    sitemap_weight = 1.5 if the URL is listed in a sitemap, else 1.0
    value(url) = 100 * raw(url) / sum(raw over every fetched or blocked internal URL)

so the values of a site add up to 100: a page's value is its share of the site, in
percent, and the numbers mean the same on a 50-page site and a 500,000-page one.
URLs outside the site (external, excluded, never fetched) are worth 0.

Impact of an issue (the findings of one rule that share one root cause):

    impact = severity_weight * sum(value(url) for each affected url)

with severity weights error 10, warning 3, notice 1. Priority bands from impact:

    P1 >= 50    e.g. an error on pages holding 5% of the site's value
    P2 >= 10
    P3 >= 2
    P4 otherwise

Every issue carries these inputs (``ScoreInputs``) so the order can be defended.
Rules never score themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from seoaudit.models import SEVERITY_ORDER, Finding, Issue, ScoreInputs, Severity

if TYPE_CHECKING:
    from seoaudit.site import Site

SEVERITY_WEIGHTS: dict[str, float] = {"error": 10.0, "warning": 3.0, "notice": 1.0}
PRIORITY_BANDS: list[tuple[str, float]] = [("P1", 50.0), ("P2", 10.0), ("P3", 2.0)]
UNREACHABLE_DEPTH_WEIGHT = 0.2
SITEMAP_WEIGHT = 1.5
SAMPLE_SIZE = 10
FORMULA = "impact = severity_weight x sum(page value of affected URLs); page values sum to 100"

_VALUED_STATES = ("done", "blocked")


def page_values(site: Site) -> npt.NDArray[np.float64]:
    """Value of every URL id (see the module docstring), as an array indexed by id."""
    n = len(site.inlinks)
    inlinks = site.inlinks.astype(np.float64)
    depth = site.depth
    depth_weight = np.where(
        depth >= 0, 1.0 / (1.0 + np.maximum(depth, 0)), UNREACHABLE_DEPTH_WEIGHT
    )
    sitemap_weight = np.ones(n)
    for url_id in range(1, n):
        url = site.url(url_id)
        if url and site.in_sitemap(url):
            sitemap_weight[url_id] = SITEMAP_WEIGHT
    counted = np.zeros(n, dtype=bool)
    for url_id in range(1, n):
        url = site.url(url_id)
        counted[url_id] = bool(url) and site.is_internal(url) and site.state(url) in _VALUED_STATES
    raw = (1.0 + np.log2(1.0 + inlinks)) * depth_weight * sitemap_weight * counted
    total = raw.sum()
    return raw * (100.0 / total) if total > 0 else raw


def priority(impact: float) -> str:
    for band, threshold in PRIORITY_BANDS:
        if impact >= threshold:
            return band
    return "P4"


def issue_id(rule: str, cause: str | None) -> str:
    import hashlib

    key = f"{rule}\x1f{cause or ''}"
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:12]


def _worst(findings: Sequence[Finding]) -> Severity:
    return min((f.severity for f in findings), key=lambda s: SEVERITY_ORDER[s])


def build_issues(
    findings: Iterable[Finding], site: Site | None, titles: dict[str, str] | None = None
) -> list[Issue]:
    """Group findings by (rule, cause) and rank the groups by impact, highest first.
    ``titles`` maps a rule code to its group title template ("{count}", "{cause}")."""
    groups: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[(finding.rule, finding.cause)].append(finding)
    issues: list[Issue] = []
    for (rule, cause), members in groups.items():
        severity = _worst(members)
        urls = sorted({f.url for f in members})
        value = sum(site.page_value(u) for u in urls) if site is not None else float(len(urls))
        weight = SEVERITY_WEIGHTS[severity]
        score = weight * value
        first = min(members, key=lambda f: (SEVERITY_ORDER[f.severity], f.url))
        template = (titles or {}).get(rule)
        if len(urls) == 1:
            title = first.message
        elif template:
            title = template.format(count=len(urls), cause=cause or "")
        else:
            title = _group_title(first, len(urls))
        issues.append(
            Issue(
                id=issue_id(rule, cause),
                rule=rule,
                name=first.name,
                severity=severity,
                title=title,
                cause=cause,
                count=len(urls),
                sample_urls=urls[:SAMPLE_SIZE],
                impact=round(score, 3),
                priority=priority(score),
                score=ScoreInputs(
                    severity_weight=weight,
                    affected=len(urls),
                    page_value_sum=round(value, 3),
                    formula=FORMULA,
                ),
                evidence=first.evidence,
            )
        )
    issues.sort(key=lambda i: (-i.impact, SEVERITY_ORDER[i.severity], i.rule, i.cause or ""))
    return issues


def _group_title(first: Finding, count: int) -> str:
    label = first.name.replace("-", " ")
    label = label[:1].upper() + label[1:]
    if first.cause:
        return f"{label}: {count} URLs ({first.cause})"
    return f"{label}: {count} URLs"
