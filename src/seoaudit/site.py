"""Site: the indexes that rules read, built once from the run store.

Per-URL facts that need the whole crawl live here, each computed in exactly one place:
inlinks, click depth, sitemap membership, redirect chains, robots.txt outcomes and page
value. The link graph is held as compact integer arrays (numpy), not per-link objects,
so memory stays proportional to the number of edges and graph questions run as array
operations.

Rules read a Site; they never query the store themselves.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from seoaudit import allocator, impact
from seoaudit.config import Settings, Thresholds
from seoaudit.crawl.checks import CheckResult
from seoaudit.crawl.discovery import stored_robots
from seoaudit.crawl.footprint import FOOTPRINT
from seoaudit.crawl.urls import Scope, origin
from seoaudit.models import PageFacts, RunInfo
from seoaudit.robots import RobotsFile
from seoaudit.store import LINK_A, LINK_CANONICAL, LINK_HREFLANG, LINK_REDIRECT, Store
from seoaudit.summary import PageSummary, summarise, unpack

IntArray = npt.NDArray[np.int64]
# URL ids of link edges: int32 halves the largest arrays of a Site (ids stay below 2**31).
EdgeArray = npt.NDArray[np.int32]


def _distinct_pairs(keys: npt.NDArray[np.int64]) -> tuple[EdgeArray, EdgeArray]:
    """Sorted, deduplicated (source << 32 | target) keys as (sources, targets)."""
    keys.sort()
    if len(keys):
        first = np.empty(len(keys), dtype=bool)
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        keys = keys[first]
    return (keys >> 32).astype(np.int32), (keys & 0xFFFFFFFF).astype(np.int32)


@dataclass
class RedirectChain:
    """A redirect chain read back from the store, whichever URL it was entered at."""

    hops: list[tuple[str, int]] = field(default_factory=list)  # (url, 3xx status)
    final_url: str | None = None
    final_status: int | None = None  # None when the end was not fetched or not reached
    loop: bool = False
    error: str | None = None  # "redirect-loop", "too-many-redirects", ...


@dataclass
class RobotsOutcome:
    origin: str
    url: str
    status: int | None
    error: str | None
    outcome: str
    reason: str
    redirects: int
    body: bytes | None
    content_type: str | None = None  # None in run files written before it was stored


class Site:
    def __init__(self, store: Store) -> None:
        # The link graph's arrays come and go by the tens of megabytes from here on (not
        # during the crawl, where the setting would cost heap trimming on every page).
        allocator.keep_big_blocks_returnable()
        self.store = store
        self.run: RunInfo = store.load_run()
        self.scope = Scope.for_start_urls(self.run.start_urls)
        db = store.db
        self._urls: list[str] = [""]  # index = url id (ids start at 1)
        self._state: list[str] = [""]
        for url_id, url, state in db.execute("SELECT id, url, state FROM urls ORDER BY id"):
            while len(self._urls) < url_id:  # ids are dense, but never trust that blindly
                self._urls.append("")
                self._state.append("")
            self._urls.append(url)
            self._state.append(state)
        self._ids = {url: i for i, url in enumerate(self._urls) if url}
        n = len(self._urls)
        self._status = np.full(n, -1, dtype=np.int64)
        self._location = np.full(n, 0, dtype=np.int64)
        self._error: dict[int, str] = {}
        self._indexability: dict[int, str] = {}
        self._fetched = np.zeros(n, dtype=bool)
        for url_id, status, error, location, indexability in db.execute(
            "SELECT url_id, status, error, location_id, indexability FROM pages"
        ):
            self._indexability[url_id] = indexability or ""
            self._fetched[url_id] = status is not None or error is not None
            self._status[url_id] = -1 if status is None else status
            self._location[url_id] = location or 0
            if error:
                self._error[url_id] = error
        self._edges = self._load_edges(store)
        # Who links to a page: built now for <a> links (rules ask for nearly every run, and
        # the rules' helper process inherits it), for the other kinds when first asked.
        self._linkers = {LINK_A: self._by_target(self._edges[LINK_A], n)}
        self._sitemaps = self._load_sitemaps(db)
        self.inlinks: IntArray = self._count_inlinks(n)
        self.depth: IntArray = self._click_depths(n)
        self.robots: list[RobotsOutcome] = [
            RobotsOutcome(**dict(row)) for row in store.robots_rows()
        ]
        self.values = impact.page_values(self)
        self._checks = {c.url: c for c in store.checks()}
        self.traps: list[tuple[str, str, int, list[str]]] = store.traps()
        self._summaries: list[PageSummary] | None = None
        self._sitemap_hreflang: dict[str, list[tuple[str, str, str]]] | None = None
        self._robots_files: dict[str, RobotsFile | None] = {}
        self._probes: list[dict[str, Any]] | None = None
        self._footprint: dict[str, Any] | None = None

    # -- loading ----------------------------------------------------------------------

    @staticmethod
    def _load_edges(store: Store) -> dict[int, tuple[EdgeArray, EdgeArray]]:
        """Distinct edges of each kind (self-links left out), sorted by (source, target),
        deduplicated in numpy with one sorted 64-bit key per edge (ids are far below
        2**31): np.unique needs several times the array's size on top."""
        sources, targets, flags = store.link_arrays()
        kinds = flags >> 1
        edges: dict[int, tuple[EdgeArray, EdgeArray]] = {}
        for kind in (LINK_A, LINK_CANONICAL, LINK_HREFLANG, LINK_REDIRECT):
            keep = (kinds == kind) & (sources != targets)
            keys = sources[keep].astype(np.int64) << 32
            keys |= targets[keep]
            del keep
            edges[kind] = _distinct_pairs(keys)
        return edges

    @staticmethod
    def _by_target(edges: tuple[EdgeArray, EdgeArray], n: int) -> tuple[IntArray, EdgeArray]:
        """The sources of one kind's edges grouped by target: those of target t are
        ``sources[offsets[t]:offsets[t + 1]]``, ascending."""
        src, dst = edges
        keys = dst.astype(np.int64) << 32
        keys |= src
        keys.sort()
        offsets = np.searchsorted(keys, np.arange(n + 1, dtype=np.int64) << 32)
        keys &= 0xFFFFFFFF
        return offsets, keys.astype(np.int32)

    @staticmethod
    def _load_sitemaps(db: sqlite3.Connection) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for url_id, sitemap in db.execute("SELECT url_id, sitemap FROM sitemap_urls"):
            found.setdefault(url_id, []).append(sitemap)
        return found

    def _count_inlinks(self, n: int) -> IntArray:
        _src, dst = self._edges[LINK_A]
        return np.bincount(dst, minlength=n).astype(np.int64)

    def _click_depths(self, n: int) -> IntArray:
        """Breadth-first from the start URLs over links and redirects: the number of clicks
        a visitor (or crawler) needs. -1 when unreachable by links (e.g. sitemap-only).
        Edges are sorted by source (``_load_edges``), so a node's targets are one slice."""
        a_src, a_dst = self._edges[LINK_A]
        r_src, r_dst = self._edges[LINK_REDIRECT]
        nodes = np.arange(n + 1)
        a_starts = np.searchsorted(a_src, nodes)
        r_starts = np.searchsorted(r_src, nodes)
        depth = np.full(n, -1, dtype=np.int64)
        frontier = [self._ids[u] for u in self.run.start_urls if u in self._ids]
        for node in frontier:
            depth[node] = 0
        level = 0
        while frontier:
            # Redirects cost no click: their targets join this level.
            stack = list(frontier)
            while stack:
                node = stack.pop()
                targets = r_dst[r_starts[node] : r_starts[node + 1]]
                for target in targets[depth[targets] < 0].tolist():
                    depth[target] = level
                    stack.append(target)
                    frontier.append(target)
            nxt: list[int] = []
            for node in frontier:
                targets = a_dst[a_starts[node] : a_starts[node + 1]]
                new = np.unique(targets[depth[targets] < 0])
                depth[new] = level + 1
                nxt.extend(new.tolist())
            frontier = nxt
            level += 1
        return depth

    # -- questions rules ask ---------------------------------------------------------------

    @property
    def thresholds(self) -> Thresholds:
        """The run's thresholds (tool conventions), as configured when it ran."""
        return Thresholds.model_validate(self.run.settings.get("thresholds", {}))

    @property
    def settings(self) -> Settings:
        return Settings.model_validate(self.run.settings)

    @property
    def start_urls(self) -> list[str]:
        return self.run.start_urls

    @cached_property
    def started(self) -> datetime | None:
        """When the run started, in UTC: the "now" of rules that ask whether a date has
        passed, so that their verdicts do not change when a stored run's rules are re-run
        later. None for a run that does not record it (rules then judge no date)."""
        try:
            when = datetime.fromisoformat(self.run.started_at or "")
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=UTC)

    def id(self, url: str) -> int | None:
        return self._ids.get(url)

    def url(self, url_id: int) -> str:
        return self._urls[url_id]

    def state(self, url: str) -> str | None:
        url_id = self._ids.get(url)
        return self._state[url_id] if url_id is not None else None

    def is_internal(self, url: str) -> bool:
        return self.scope.is_internal(url)

    def status(self, url: str) -> int | None:
        url_id = self._ids.get(url)
        if url_id is None or self._status[url_id] < 0:
            return None
        return int(self._status[url_id])

    def error(self, url: str) -> str | None:
        """The fetch error stored for ``url`` ("decoding-error", "read-timeout"...), if any:
        some come with a status (a body that cannot be decoded after a 200)."""
        url_id = self._ids.get(url)
        return None if url_id is None else self._error.get(url_id)

    def error_count(self, error: str) -> int:
        """How many stored URLs failed with ``error``."""
        return sum(1 for found in self._error.values() if found == error)

    def indexability(self, url: str) -> str | None:
        """ "indexable", the reason a stored page is not (see indexing.py), or None for a
        URL that has no stored page (external, excluded, never crawled)."""
        url_id = self._ids.get(url)
        if url_id is None:
            return None
        return self._indexability.get(url_id) or None

    def is_indexable(self, url: str) -> bool:
        return self.indexability(url) == "indexable"

    def inlink_count(self, url: str) -> int:
        url_id = self._ids.get(url)
        return int(self.inlinks[url_id]) if url_id is not None else 0

    def linking_pages(self, url: str, limit: int = 10) -> list[str]:
        """Pages that link to ``url`` with an <a href>, first ``limit`` by URL."""
        return self._linking(url, LINK_A, limit)

    def referrers(self, url: str, kind: int) -> list[str]:
        """Pages pointing at ``url`` through a canonical, hreflang or redirect."""
        return self._linking(url, kind, 50)

    def _linking(self, url: str, kind: int, limit: int) -> list[str]:
        url_id = self._ids.get(url)
        if url_id is None:
            return []
        if kind not in self._linkers:
            self._linkers[kind] = self._by_target(self._edges[kind], len(self._urls))
        offsets, sources = self._linkers[kind]
        ids = sources[offsets[url_id] : offsets[url_id + 1]].tolist()
        return heapq.nsmallest(limit, (self._urls[i] for i in ids))

    def click_depth(self, url: str) -> int | None:
        url_id = self._ids.get(url)
        if url_id is None or self.depth[url_id] < 0:
            return None
        return int(self.depth[url_id])

    def sitemaps_of(self, url: str) -> list[str]:
        url_id = self._ids.get(url)
        return sorted(self._sitemaps.get(url_id, [])) if url_id is not None else []

    def in_sitemap(self, url: str) -> bool:
        url_id = self._ids.get(url)
        return url_id is not None and url_id in self._sitemaps

    def sitemap_entries(self) -> dict[str, list[str]]:
        """Each sitemap file -> the URLs it lists (normalised, sorted), external ones too."""
        found: dict[str, list[str]] = {}
        for url_id, sitemaps in self._sitemaps.items():
            for sitemap in sitemaps:
                found.setdefault(sitemap, []).append(self._urls[url_id])
        return {sitemap: sorted(urls) for sitemap, urls in sorted(found.items())}

    def sitemap_hreflangs(self, url: str) -> list[tuple[str, str, str]]:
        """hreflang alternates that sitemaps list for ``url``: (hreflang, href as written,
        sitemap). Loaded from the store on first use."""
        if self._sitemap_hreflang is None:
            found: dict[str, list[tuple[str, str, str]]] = {}
            for entry, sitemap, lang, href in self.store.sitemap_hreflang_rows():
                found.setdefault(entry, []).append((lang, href, sitemap))
            self._sitemap_hreflang = found
        return self._sitemap_hreflang.get(url, [])

    def page_value(self, url: str) -> float:
        url_id = self._ids.get(url)
        return float(self.values[url_id]) if url_id is not None else 0.0

    def edges(self, kind: int) -> tuple[EdgeArray, EdgeArray]:
        """(sources, targets) of every distinct edge of one link kind, as id arrays."""
        return self._edges[kind]

    def fetched_count(self) -> int:
        return int(self._fetched.sum())

    def pages(self, ids: tuple[int, int] | None = None) -> Iterator[PageFacts]:
        """Every stored page's facts, or those of a URL-id range (``Store.iter_pages``)."""
        return self.store.iter_pages(ids)

    def robots_file(self, url: str) -> RobotsFile | None:
        """The robots.txt that governs ``url`` (its origin's), parsed once per host and then
        cached; None when the crawl did not read that host's robots.txt."""
        key = origin(url)
        if key not in self._robots_files:
            row = next((r for r in self.robots if r.origin == key), None)
            self._robots_files[key] = (
                None
                if row is None
                else stored_robots(
                    row.url,
                    row.status,
                    row.body,
                    error=row.error,
                    redirects=row.redirects,
                    content_type=row.content_type,
                    outcome=row.outcome,
                    reason=row.reason,
                )
            )
        return self._robots_files[key]

    def probes(self) -> list[dict[str, Any]]:
        """What the post-crawl user-agent probe saw (crawl/probe.py): one record per
        sampled URL and profile (browser, googlebot, ...), loaded on first use."""
        if self._probes is None:
            self._probes = self.store.probe_rows()
        return self._probes

    def footprint(self) -> dict[str, Any]:
        """What the crawl did to the servers (crawl/footprint.py: requests, status mix,
        failures per origin, back-offs), as stored at the end of the crawl; empty when the
        run stored none. Loaded on first use."""
        if self._footprint is None:
            found = self.store.get_meta(FOOTPRINT)
            self._footprint = found if isinstance(found, dict) else {}
        return self._footprint

    def check(self, url: str) -> CheckResult | None:
        """The outcome of the post-crawl check of ``url`` (crawl/checks.py), if it was checked."""
        return self._checks.get(url)

    def checks(self, purpose: str | None = None) -> list[CheckResult]:
        return [c for c in self._checks.values() if purpose is None or purpose in c.purposes]

    def summaries(self) -> list[PageSummary]:
        """One compact record per stored page, in URL-id order (built once, then cached)."""
        if self._summaries is None:
            self._summaries = list(self.iter_summaries())
        return self._summaries

    def iter_summaries(self) -> Iterator[PageSummary]:
        """The summaries one at a time, none held (``summaries`` keeps them for the rules)."""
        if self._summaries is not None:
            yield from self._summaries
            return
        for url, packed, facts in self.store.iter_summary_rows():
            indexability = self.indexability(url)
            made = None if packed is None else unpack(url, indexability, packed)
            if made is None:  # stored before summaries were, or by another layout
                facts = facts or self.store.page(url)
                if facts is None:
                    continue
                made = summarise(facts, indexability)
            yield made

    def redirect_chain(self, url: str, limit: int = 50) -> RedirectChain:
        chain = RedirectChain()
        url_id = self._ids.get(url)
        seen: set[int] = set()
        while url_id is not None and len(chain.hops) < limit:
            status = int(self._status[url_id])
            location = int(self._location[url_id])
            if url_id in seen:
                chain.loop = True
                chain.error = "redirect-loop"
                chain.final_url = self._urls[url_id]
                return chain
            seen.add(url_id)
            if 300 <= status < 400 and location:
                chain.hops.append((self._urls[url_id], status))
                url_id = location
                continue
            chain.final_url = self._urls[url_id]
            chain.final_status = status if status >= 0 else None
            chain.error = self._error.get(url_id)
            return chain
        if len(chain.hops) >= limit:
            chain.error = "too-many-redirects"
        return chain

    def summary(self) -> dict[str, Any]:
        statuses: dict[str, int] = {}
        for status in self._status[self._fetched].tolist():
            key = "error" if status < 0 else f"{status // 100}xx"
            statuses[key] = statuses.get(key, 0) + 1
        states: dict[str, int] = {}
        for state in self._state[1:]:
            states[state] = states.get(state, 0) + 1
        indexability: dict[str, int] = {}
        for value in self._indexability.values():
            if value:
                indexability[value] = indexability.get(value, 0) + 1
        return {
            "urls": len(self._ids),
            "indexability": dict(sorted(indexability.items())),
            "fetched": self.fetched_count(),
            "status_classes": dict(sorted(statuses.items())),
            "url_states": dict(sorted(states.items())),
            "links": len(self._edges[LINK_A][0]),
            "in_sitemaps": len(self._sitemaps),
        }
