"""KPIs: the few numbers SEO and IT both track, computed once per run, and their trend.

Each KPI is a share of the URLs the crawl reached (internal URLs fetched or blocked by
robots.txt) or of its HTML pages answering 200, so the numbers compare across sites and
runs:

- ``indexable_share``: reached URLs that are indexable (indexing.py's one definition).
- ``crawl_blocked_share``: reached URLs robots.txt disallows for the audited crawler.
- ``canonical_health``: HTML 200 pages whose canonical (the one Google reads) is declared
  and is the page itself or an indexable URL.
- ``structured_data_health``: of the HTML 200 pages with structured data (JSON-LD,
  Microdata or RDFa, or a structured-data error finding), the share without a
  structured-data error finding. Pages without markup are not counted: a site without
  structured data has nothing to measure (None, with ``structured_data_pages`` 0), not a
  perfect score. Warnings (a missing recommended property) do not count against it, as in
  Google's own reports; RDFa is detected, not validated. None when no structured-data
  rule ran (``structured_data_pages`` None too).
- ``structured_data_coverage``: HTML 200 pages with structured data (as counted above) over
  all HTML 200 pages: what health cannot see, a release that removed the markup from most
  pages. None when no structured-data rule ran.
- ``ttfb_ms``: server time to first byte over HTML 200 pages, percentiles p50/p90/p99
  (nearest rank, as every percentile the tool reports: stats.py).
- ``error_rate``: fetched URLs answering 5xx or no usable response.

Beside the shares, the counts they are shares of (``BASIS``): ``reached_urls``,
``html_pages``, ``structured_data_pages``. A share that is None while its count is 0 was
measured over nothing (the gate fails a ``min`` bound on it: gate.py); a count that is
None or missing means the KPI was not measured at all.

The KPIs are kept in the run store (meta ``kpis``) so the HTML report can draw their
trend across the runs stored in the same folder (``history``). Owns these definitions;
the report only shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from seoaudit.models import Finding
from seoaudit.stats import nearest_rank, percentiles_ms, to_ms
from seoaudit.store import read_meta

if TYPE_CHECKING:
    from seoaudit.site import Site

META_KEY = "kpis"
HISTORY_RUNS = 30  # most recent stored runs drawn in the trend
SHARES = (
    "indexable_share",
    "crawl_blocked_share",
    "canonical_health",
    "structured_data_health",
    "structured_data_coverage",
    "error_rate",
)
# KPI -> (the count it is a share of, that count in words). A KPI without one here
# (error_rate) is measured whenever the run fetched anything.
BASIS: dict[str, tuple[str, str]] = {
    "indexable_share": ("reached_urls", "URLs reached"),
    "crawl_blocked_share": ("reached_urls", "URLs reached"),
    "canonical_health": ("html_pages", "HTML pages answering 200"),
    "structured_data_health": ("structured_data_pages", "HTML pages with structured data"),
    "structured_data_coverage": ("html_pages", "HTML pages answering 200"),
}
# The TTFB percentiles are taken over the HTML pages answering 200 too.
TTFB_BASIS = ("html_pages", "HTML pages answering 200")
# Since when a KPI is computed as it is now: the key its current definition added to the
# stored KPIs. A stored run without it measured something else (the trend leaves it out).
DEFINED_WITH = {"structured_data_health": "structured_data_pages"}


def basis(kpis: dict[str, Any], metric: str) -> tuple[int | None, str]:
    """How many pages (or URLs) ``metric`` was measured over in a run's ``kpis``, and
    what they are; None when not known (not measured, or a run file from before the
    count was kept)."""
    key, words = TTFB_BASIS if metric.startswith("ttfb_") else BASIS.get(metric, ("", ""))
    count = kpis.get(key) if key else None
    known = isinstance(count, int) and not isinstance(count, bool)
    return (count if known else None), words


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


TTFB_PERCENTILES = (50, 90, 99)  # the ones kept in ``ttfb_ms``


def ttfb_ms(site: Site, q: float) -> float | None:
    """The TTFB KPI at percentile ``q``: over HTML pages answering 200, nearest rank (as
    every percentile: stats.py), in milliseconds. The gate asks here for percentiles not kept."""
    values = [
        s.ttfb for s in site.summaries() if s.status == 200 and s.is_html and s.ttfb is not None
    ]
    return to_ms(nearest_rank(sorted(values), q))


def compute(site: Site, findings: Iterable[Finding], sd_rules_ran: bool) -> dict[str, Any]:
    """The run's KPIs; of ``findings`` only the structured-data (SD) ones are read."""
    reached = 0
    indexable = 0
    blocked = 0
    for url_id in range(1, len(site.inlinks)):
        url = site.url(url_id)
        state = site.state(url) if url else None
        if state not in ("done", "blocked") or not site.is_internal(url):
            continue
        reached += 1
        blocked += state == "blocked"
        indexable += site.is_indexable(url)
    html = [s for s in site.summaries() if s.status == 200 and s.is_html]
    healthy = sum(
        1
        for s in html
        if s.canonical is not None and (s.canonical == s.url or site.is_indexable(s.canonical))
    )
    sd_pages: int | None = None
    sd_health: float | None = None
    sd_coverage: float | None = None
    if sd_rules_ran:
        errors = {f.url for f in findings if f.rule.startswith("SD") and f.severity == "error"}
        marked = [s.url for s in html if s.structured_items or s.sd_types or s.url in errors]
        sd_pages = len(marked)
        sd_health = _share(sum(1 for url in marked if url not in errors), sd_pages)
        sd_coverage = _share(sd_pages, len(html))
    ttfbs = [s.ttfb for s in html if s.ttfb is not None]
    ttfb = percentiles_ms(ttfbs, TTFB_PERCENTILES) if ttfbs else {}
    statuses = site.summary().get("status_classes", {})
    fetched = sum(statuses.values())
    failing = int(statuses.get("5xx", 0)) + int(statuses.get("error", 0))
    return {
        "reached_urls": reached,
        "html_pages": len(html),
        "structured_data_pages": sd_pages,
        "indexable_share": _share(indexable, reached),
        "crawl_blocked_share": _share(blocked, reached),
        "canonical_health": _share(healthy, len(html)),
        "structured_data_health": sd_health,
        "structured_data_coverage": sd_coverage,
        "ttfb_ms": ttfb,
        "error_rate": _share(failing, fetched),
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def history(
    run_file: Path, start_urls: list[str], limit: int = HISTORY_RUNS
) -> list[dict[str, Any]]:
    """KPIs of the runs stored beside ``run_file`` for the same site (first start URL's
    origin), oldest first, this run included when its KPIs are stored."""
    if not start_urls:
        return []
    site = _origin(start_urls[0])
    points: list[dict[str, Any]] = []
    for path in sorted(run_file.parent.glob("*.sqlite")):
        point = _read_point(path)
        if point is None or _origin((point.get("start_urls") or [""])[0]) != site:
            continue
        points.append(point)
    points.sort(key=lambda p: (str(p.get("started_at") or ""), str(p.get("run_id"))))
    return points[-limit:]


def _read_point(path: Path) -> dict[str, Any] | None:
    # read_meta: one SELECT, no file created; a path with "?" or "#" in it is read too
    # (the URI "file:{path}" cut it there and read nothing).
    meta = read_meta(path, "run", META_KEY) or {}
    kpis, run = meta.get(META_KEY), meta.get("run")
    if not isinstance(kpis, dict) or not isinstance(run, dict):
        return None
    return {
        "run_id": run.get("run_id"),
        "started_at": run.get("started_at"),
        "start_urls": run.get("start_urls") or [],
        "kpis": kpis,
    }
