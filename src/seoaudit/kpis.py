"""KPIs: the few numbers SEO and IT both track, computed once per run, and their trend.

Each KPI is a share of the URLs the crawl reached (internal URLs fetched or blocked by
robots.txt) or of its HTML pages answering 200, so the numbers compare across sites and
runs:

- ``indexable_share``: reached URLs that are indexable (indexing.py's one definition).
- ``crawl_blocked_share``: reached URLs robots.txt disallows for the audited crawler.
- ``canonical_health``: HTML 200 pages whose canonical (the one Google reads) is declared
  and is the page itself or an indexable URL.
- ``structured_data_health``: HTML 200 pages without a structured-data error finding
  (None when no structured-data rule ran).
- ``ttfb_ms``: server time to first byte over HTML 200 pages, percentiles p50/p90/p99
  (nearest rank, as every percentile the tool reports: stats.py).
- ``error_rate``: fetched URLs answering 5xx or no usable response.

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
    "error_rate",
)


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
    sd_error_urls = {f.url for f in findings if f.rule.startswith("SD") and f.severity == "error"}
    sd_health = (
        _share(sum(1 for s in html if s.url not in sd_error_urls), len(html))
        if sd_rules_ran
        else None
    )
    ttfbs = [s.ttfb for s in html if s.ttfb is not None]
    ttfb = percentiles_ms(ttfbs, TTFB_PERCENTILES) if ttfbs else {}
    statuses = site.summary().get("status_classes", {})
    fetched = sum(statuses.values())
    failing = int(statuses.get("5xx", 0)) + int(statuses.get("error", 0))
    return {
        "reached_urls": reached,
        "html_pages": len(html),
        "indexable_share": _share(indexable, reached),
        "crawl_blocked_share": _share(blocked, reached),
        "canonical_health": _share(healthy, len(html)),
        "structured_data_health": sd_health,
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
