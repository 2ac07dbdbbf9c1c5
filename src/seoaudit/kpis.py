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
trend across the runs stored in the same folder (``history``): the runs that started
before this one and measured the same scope (``scope``: start URLs, rule selection, the
crawl settings that decide what is reached, a ``--max-pages`` limit the crawl stopped
at). Owns these definitions; the report only shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seoaudit.config import CrawlSettings
from seoaudit.models import MAX_PAGES_STOP, Finding
from seoaudit.stats import nearest_rank, percentiles_ms, to_ms
from seoaudit.store import STARTED, instant, read_meta

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


# The settings that decide which URLs a run reaches (its ``crawl`` settings of these
# names) and, with ``select`` and ``ignore``, which rules judge them: two runs that differ
# in one of them measure their KPIs over different things (``scope``).
SCOPE_CRAWL = ("include", "exclude", "max_depth", "crawler", "ignore_robots", "sitemaps")


def scope(run: Mapping[str, Any]) -> tuple[object, ...] | None:
    """What a stored run (its ``run`` meta as JSON) measured its KPIs over; two runs are
    comparable, one the previous point of the other's trend, when their scopes are equal.
    None for a run that covers part of the site in its own way (interrupted, failed, still
    running): comparable with no other run.

    The scope is the start URLs, the rules selected (``select``, ``ignore``), the crawl
    settings in ``SCOPE_CRAWL`` and, for a run that stopped at ``--max-pages``, that
    limit: a crawl cut at 1 page is no previous run of a whole-site audit, while two runs
    that both crawled everything compare whatever their limits were. ``per_url_ignores``
    and ``severity_overrides`` do not count (they change findings, not what was reached).
    """
    if run.get("state") != "complete":
        return None
    settings = run.get("settings") if isinstance(run.get("settings"), dict) else {}
    assert isinstance(settings, dict)
    crawl = settings.get("crawl") if isinstance(settings.get("crawl"), dict) else {}
    assert isinstance(crawl, dict)
    defaults = CrawlSettings.model_fields

    def crawl_value(name: str) -> object:
        value = crawl.get(name, defaults[name].get_default(call_default_factory=True))
        if name == "crawler" and isinstance(value, str):
            return value.strip().lower()
        return _frozen(value)

    message = str(run.get("message") or "")
    cut = crawl.get("max_pages") if message.startswith(MAX_PAGES_STOP) else None
    return (
        tuple(str(u) for u in run.get("start_urls") or []),
        _codes(settings.get("select")),
        _codes(settings.get("ignore")),
        tuple(crawl_value(name) for name in SCOPE_CRAWL),
        cut,
    )


def _codes(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(sorted({str(code).strip().upper() for code in raw}))


def _frozen(value: object) -> object:
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


def history(
    run_file: Path, current: dict[str, Any] | None = None, limit: int = HISTORY_RUNS
) -> list[dict[str, Any]]:
    """The KPI trend of the run stored in ``run_file``: the KPIs of the runs stored beside
    it that started before it and are comparable with it (``scope``), oldest first, then
    its own (``current`` when given, else as stored). A run started later, or of another
    scope (a ``--max-pages 1`` or ``--select`` check, another start URL), is never its
    previous point."""
    own = _read_point(run_file)
    if own is None:
        return []
    if current is not None:
        own["kpis"] = current
    own_scope, own_order = scope(own.pop("run")), own.pop("order")
    points: list[tuple[tuple[float, str], dict[str, Any]]] = []
    if own_scope is not None:
        for path in sorted(run_file.parent.glob("*.sqlite")):
            if path.name == run_file.name:
                continue
            point = _read_point(path)
            if point is None or not isinstance(point.get("kpis"), dict):
                continue
            order = point.pop("order")
            if order < own_order and scope(point.pop("run")) == own_scope:
                points.append((order, point))
    points.sort(key=lambda item: item[0])
    earlier = [point for _, point in points][-(limit - 1) :] if limit > 1 else []
    return [*earlier, own] if isinstance(own.get("kpis"), dict) else earlier


def _read_point(path: Path) -> dict[str, Any] | None:
    """A stored run's KPIs (None when not stored), its ``run`` meta and its place in time
    (``order``: when it started, to the microsecond when recorded, then its id)."""
    # read_meta: one SELECT, no file created; a path with "?" or "#" in it is read too
    # (the URI "file:{path}" cut it there and read nothing).
    meta = read_meta(path, "run", META_KEY, STARTED) or {}
    values, run = meta.get(META_KEY), meta.get("run")
    if not isinstance(run, dict):
        return None
    started = instant(meta.get(STARTED)) or instant(run.get("started_at")) or 0.0
    return {
        "run_id": run.get("run_id"),
        "started_at": run.get("started_at"),
        "start_urls": run.get("start_urls") or [],
        "kpis": values if isinstance(values, dict) else None,
        "run": run,
        "order": (started, str(run.get("run_id"))),
    }
