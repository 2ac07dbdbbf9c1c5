"""The crawl engine: a frontier, N workers, robots.txt obeyed, everything recorded.

Boring concurrency: one fetcher (one httpx client), one priority queue ordered by
discovery depth, N worker tasks, per-host limits in the fetcher's politeness. Every URL
the crawl meets ends with exactly one state in the store (done, blocked, external,
excluded, not-crawled), so nothing is silently dropped.

URLs disallowed for the audited crawler are recorded as blocked facts instead of being
fetched (``ignore_robots`` fetches them anyway, still marked blocked). Redirect chains are
followed by the fetcher and split here into one record per URL, so a chain can be read
back from the store whichever URL it was entered from.

The engine never prints: progress leaves through the ``on_progress`` callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import logging
import os
import signal
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from seoaudit.config import Settings
from seoaudit.crawl.checks import (
    CHECK_BODY_LIMIT,
    IMAGE_HEAD_LIMIT,
    IMAGE_PURPOSE,
    ROBOTS_TWIN,
    CheckQueue,
    CheckResult,
    image_size,
)
from seoaudit.crawl.digest import Digest, Link, extract_digest
from seoaudit.crawl.discovery import (
    ROBOTS_MAX_REDIRECTS,
    ROBOTS_READ_LIMIT,
    fetch_robots,
    harvest_sitemaps,
    sitemap_candidates,
    stored_robots,
)
from seoaudit.crawl.fetch import Fetcher
from seoaudit.crawl.footprint import (
    FOOTPRINT,
    FOOTPRINT_SESSIONS,
    Footprint,
    legacy_record,
    merge_sessions,
    session_record,
)
from seoaudit.crawl.politeness import CrawlStopped, Politeness
from seoaudit.crawl.probe import Prober, offering
from seoaudit.crawl.traps import TrapGuard
from seoaudit.crawl.urls import Scope, host_of, origin
from seoaudit.crawl.workers import WorkerGone, Workers, describe
from seoaudit.indexing import indexability
from seoaudit.models import FetchResult, PageFacts, RobotsVerdict, Source
from seoaudit.robots import RobotsFile
from seoaudit.store import (
    BLOCKED,
    DONE,
    EXCLUDED,
    EXTERNAL,
    LINK_A,
    LINK_CANONICAL,
    LINK_HREFLANG,
    LINK_REDIRECT,
    NOT_CRAWLED,
    QUEUED,
    SKIPPED,
    Store,
    disk_full,
    link_flag,
)

log = logging.getLogger(__name__)
MAX_LOGGED_ERRORS = 3  # internal errors printed with their traceback; the rest only stored

FLUSH_EVERY = 200  # pages per store transaction
FLUSH_SECONDS = 1.0
# How often, at most, the session's footprint is saved while it sends requests (pages,
# sitemaps, the post-crawl probe and checks), so that a killed session still counts the
# requests it made. A save summarises the session so far: ~2 ms a minute into a crawl
# at 600 pages/s, ~80 ms an hour into it (its response times sorted), so the saves are
# spaced by FOOTPRINT_COST_SHARE too: never more than 1% of the crawl's time.
FOOTPRINT_SECONDS = 5.0
FOOTPRINT_COST_SHARE = 0.01


@dataclass
class CrawlStats:
    fetched: int = 0  # URLs requested (redirect hops inside one fetch not counted)
    queued: int = 0
    errors: int = 0  # network errors and 5xx
    blocked: int = 0
    discovered: int = 0
    started: float = 0.0
    elapsed: float = 0.0
    stopped_early: str | None = None  # "interrupted", "max-pages", "disk-full"...
    # Pages an earlier session stored as failed, dropped to be fetched again (a run the
    # error budget stopped): counted in that session's fetches and errors, not any more.
    requeued: int = 0
    requeued_errors: int = 0

    @property
    def pages_per_second(self) -> float:
        return self.fetched / self.elapsed if self.elapsed > 0 else 0.0


ProgressCallback = Callable[[CrawlStats], None]


class Crawler:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        on_progress: ProgressCallback | None = None,
        transport: httpx.AsyncBaseTransport | None = None,  # tests: in-process sites
        resume: bool = False,  # continue a stored run: its frontier, robots.txt, sitemaps
    ) -> None:
        self.resume = resume
        self.transport = transport
        self.settings = settings
        self.crawl = settings.crawl
        self.store = store
        self.on_progress = on_progress
        self.token = self.crawl.crawler.lower()
        self.scope = Scope.for_start_urls(
            settings.start_urls, self.crawl.include, self.crawl.exclude
        )
        self.robots: dict[str, RobotsFile] = {}
        self._robots_lock = asyncio.Lock()  # one fetch of each origin's robots.txt
        # Sitemap files read so far; origins reached during the crawl (not at its start)
        # have their own robots.txt Sitemap lines read while pages can still be queued.
        self._sitemaps_seen: set[str] = set()
        self._harvest_new_origins = False
        self.stats = CrawlStats()
        self._internal_errors = 0
        self._frontier: list[tuple[int, int, int, str, Source]] = []
        self._seq = 0
        self._wakeup = asyncio.Event()
        self._stop = asyncio.Event()
        self._active = 0
        self._claimed = 0  # URLs taken from the frontier (fetched or recorded as blocked)
        self._last_flush = time.monotonic()
        self._last_footprint = self._last_flush  # saved mid-crawl (FOOTPRINT_SECONDS)
        self._footprint_every = FOOTPRINT_SECONDS
        self._fetcher: Fetcher | None = None
        self.checks = CheckQueue(self.crawl.max_checks)
        self._workers = _extract_workers(self.crawl.extract_workers)
        self._pool: Workers | None = None
        self._hosts = frozenset(self.scope.hosts)
        self.footprint = Footprint()
        self._earlier_sessions: list[dict[str, Any]] = []  # a resumed run's (footprint)
        self.stop_reason: str | None = None
        self._session_summary: dict[str, Any] = {}  # this session's footprint, last saved
        self.probe = Prober(settings, store, transport=transport)
        self.traps = TrapGuard(
            self.crawl.max_url_length,
            self.crawl.max_query_variants,
            self.crawl.trap_depth_spread,
            self.crawl.max_filter_combinations,
        )

    # -- public --------------------------------------------------------------------------

    def stop(self, reason: str = "interrupted") -> None:
        """Ask the crawl to stop cleanly: workers finish, what was found is kept."""
        if self.stats.stopped_early is None:
            self.stats.stopped_early = reason
        self._stop.set()
        self._wakeup.set()
        if reason != "max-pages" and self._fetcher is not None:
            self._fetcher.politeness.close()  # requests waiting for their turn are not made

    async def run(self) -> CrawlStats:
        self.stats.started = time.monotonic()
        politeness = Politeness(
            self.crawl.concurrency,
            self.crawl.per_host,
            self.crawl.rps,
            adaptive=self.crawl.adaptive,
            max_retry_wait=self.crawl.max_retry_wait,
            max_error_rate=self.crawl.max_error_rate,
            max_throttled_time=self.crawl.max_throttled_time,
        )
        self.politeness = politeness
        # The footprint of every session of the run: this one is listed from its start
        # (no request yet, not complete), in the sessions and in the run's footprint
        # merged from them that reports read, so a session killed before its first save
        # mid-crawl (_maybe_save_footprint) is still seen.
        self._earlier_sessions = self._stored_sessions() if self.resume else []
        self._save_footprint(politeness, complete=False)
        self._fetcher = Fetcher(
            self.crawl, politeness, transport=self.transport, footprint=self.footprint
        )
        with _signals(self.stop):
            try:
                await self._run(self._fetcher)
            except CrawlStopped:
                pass  # stopped while robots.txt, sitemaps or probes had requests waiting
            except Exception as exc:
                if disk_full(exc, self.store.path):
                    self.stats.stopped_early = "disk-full"  # --resume fetches the rest
                raise
            finally:
                await self._fetcher.aclose()
                if self._pool is not None:
                    self._pool.close()
                self._mark_rest_not_crawled()
                if self.stats.stopped_early == "error-budget":
                    # The server was failing: what it failed is asked again by --resume.
                    self.store.set_meta(REFETCH_FAILURES, True)
                self.store.flush()
                self.store.save_traps(
                    (r.reason, r.section, r.count, r.examples) for r in self.traps.records.values()
                )
                self._save_footprint(politeness)
                self.stats.elapsed = time.monotonic() - self.stats.started
        return self.stats

    # -- the crawl ----------------------------------------------------------------------

    async def _run(self, fetcher: Fetcher) -> None:
        resumed = self.resume and self._restore()
        for url in self.settings.start_urls:
            self._discover(url, depth=0, source="start")
        for site in sorted({origin(u) for u in self.settings.start_urls}):
            await self._ensure_robots(fetcher, site)
        if resumed and self.store.get_meta(SITEMAPS_READ, True):
            self._sitemaps_seen.update(row["url"] for row in self.store.sitemap_rows())
        elif self.crawl.sitemaps and not self._stop.is_set():
            # Read whole before the flag is set: a run stopped meanwhile (an index read,
            # its children not yet) reads them all again when resumed.
            self.store.set_meta(SITEMAPS_READ, False)
            await self._read_sitemaps(fetcher, sorted(self.robots.items()))
            if not self._stop.is_set():
                self.store.set_meta(SITEMAPS_READ, True)
        if resumed and self.crawl.sitemaps and not self._stop.is_set():
            await self._resume_origin_sitemaps(fetcher)
        self._harvest_new_origins = self.crawl.sitemaps
        await self._run_workers(self._worker(fetcher) for _ in range(self.crawl.concurrency))
        self._harvest_new_origins = False  # probes and checks queue no pages
        if self.stats.stopped_early in (None, "max-pages"):  # not after Ctrl-C or errors
            self.store.flush()
            await self.probe.run(
                fetcher,
                self.robots,
                lambda host: self._ensure_robots(fetcher, host),
                lambda: self.stats.stopped_early not in (None, "max-pages"),
                self._requested,
            )
        if not self._stop.is_set():
            self.store.flush()
            await self._run_checks(fetcher)

    async def _run_workers(self, coros: Iterable[Coroutine[Any, Any, None]]) -> None:
        workers = [asyncio.create_task(c) for c in coros]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _run_checks(self, fetcher: Fetcher) -> None:
        """Fetch each collected URL once (crawl/checks.py), lightly, within politeness."""
        known = self.store.known_url_ids()
        # URLs the crawl itself fetched (known and in scope, or a robots.txt it read) need
        # no second request.
        pending = [
            (u, p)
            for u, p in sorted(self.checks.urls.items())
            if not (u in known and self.scope.allows(u))
            and not (p == {ROBOTS_TWIN} and origin(u) in self.robots)
        ]
        results: list[CheckResult] = []

        async def check_one() -> None:
            while pending and not self._stop.is_set():
                url, purposes = pending.pop()
                measure = IMAGE_PURPOSE in purposes
                robots_txt = ROBOTS_TWIN in purposes  # read as the crawl reads robots.txt
                if robots_txt:
                    redirects, limit = ROBOTS_MAX_REDIRECTS, ROBOTS_READ_LIMIT
                else:  # the crawl's redirect limit; a body just big enough
                    redirects, limit = None, IMAGE_HEAD_LIMIT if measure else CHECK_BODY_LIMIT
                try:
                    result = await fetcher.fetch(
                        url, max_redirects=redirects, max_body=limit, source="link"
                    )
                    verdict = self._verdict(url)
                except CrawlStopped:
                    return
                except Exception as exc:  # a bug on one URL must not cost the others' results
                    if disk_full(exc, self.store.path):
                        raise  # ... but a full disk ends the crawl
                    self._log_internal(f"internal error checking {url}", exc)
                    continue
                content_type = result.header("content-type")
                size = image_size(result.body, content_type) if measure else None
                results.append(
                    CheckResult(
                        url=url,
                        purposes=tuple(sorted(purposes)),
                        status=result.status,
                        error=result.error,
                        final_url=result.final_url,
                        redirects=len(result.hops),
                        content_type=content_type,
                        robots_allowed=None if verdict is None else verdict.allowed,
                        error_detail=result.error_detail,
                        width=size[0] if size else None,
                        height=size[1] if size else None,
                        body=result.body if robots_txt else None,
                    )
                )
                self._check_error_budget()  # a throttling host must not hold the checks
                self._requested()  # no pages are flushed here

        await self._run_workers(check_one() for _ in range(self.crawl.concurrency))
        self.store.add_checks(results)

    async def _ensure_robots(self, fetcher: Fetcher, site_origin: str) -> RobotsFile:
        """The robots.txt of ``site_origin``, fetched the first time it is needed: robots.txt
        applies per scheme, host and port, so an origin the crawl reaches later (http that
        moves to https, a redirect to another in-scope origin) is read before any of its
        pages is fetched, as Google does."""
        robots = self.robots.get(site_origin)
        if robots is not None:
            return robots
        new = False
        async with self._robots_lock:  # workers asking at once cause one request
            robots = self.robots.get(site_origin)
            if robots is None:
                robots = await fetch_robots(fetcher, site_origin, self.store)
                self.robots[site_origin] = robots
                self._apply_crawl_delay(site_origin, robots)
                new = True
        if new and self._harvest_new_origins and self.scope.is_internal(site_origin + "/"):
            # Google reads the Sitemap lines of every robots.txt it fetches: an origin the
            # crawl moved to (http -> https) brings its own sitemaps.
            await self._read_origin_sitemaps(fetcher, site_origin, robots)
        return robots

    async def _read_origin_sitemaps(
        self, fetcher: Fetcher, site_origin: str, robots: RobotsFile
    ) -> None:
        """The sitemaps of an origin reached during the crawl, noted in the run file as
        read only once read whole: a run stopped meanwhile reads them again when resumed
        (``_resume_origin_sitemaps``), as it does the start origins' (SITEMAPS_READ)."""
        read = dict(self.store.get_meta(ORIGIN_SITEMAPS_READ, {}))
        self.store.set_meta(ORIGIN_SITEMAPS_READ, {**read, site_origin: False})
        await self._read_sitemaps(fetcher, [(site_origin, robots)])
        if not self._stop.is_set():
            read = dict(self.store.get_meta(ORIGIN_SITEMAPS_READ, {}))
            self.store.set_meta(ORIGIN_SITEMAPS_READ, {**read, site_origin: True})

    async def _resume_origin_sitemaps(self, fetcher: Fetcher) -> None:
        """Read again, whole, the sitemaps of the origins reached during the crawl whose
        reading was stopped: their robots.txt comes from the run file, so ``_ensure_robots``
        would never read them. Files of theirs stored as read are read again too (an
        index is stored before the sitemaps it lists are read)."""
        read = self.store.get_meta(ORIGIN_SITEMAPS_READ, {})
        unfinished = [o for o, done in sorted(read.items()) if not done and o in self.robots]
        if not unfinished:
            return
        parents = {row["url"]: row["parent"] for row in self.store.sitemap_rows()}
        for site_origin in unfinished:
            robots = self.robots[site_origin]
            starts = set(sitemap_candidates(robots, site_origin))
            self._sitemaps_seen -= {u for u in parents if _root(u, parents) in starts}
            await self._read_origin_sitemaps(fetcher, site_origin, robots)
            if self._stop.is_set():
                return

    async def _robots_verdict(self, fetcher: Fetcher, url: str) -> RobotsVerdict:
        """The verdict on ``url`` of its origin's robots.txt, read first if need be."""
        robots = await self._ensure_robots(fetcher, origin(url))
        return robots.verdict(self.token, url)

    def _apply_crawl_delay(self, site_origin: str, robots: RobotsFile) -> None:
        """robots.txt crawl-delay, when the user asks for it: Google ignores the field, but
        Bing, Yandex and others honour it, and a server team may want the same courtesy."""
        if not self.crawl.respect_crawl_delay or robots.robots is None:
            return
        delay = robots.robots.crawl_delay(self.token)
        if delay is None:
            delay = robots.robots.crawl_delay("*")
        if delay:
            self.politeness.set_interval(host_of(site_origin), min(delay, 60.0))

    def _stored_sessions(self) -> list[dict[str, Any]]:
        """The footprint records of the run's earlier sessions (crawl/footprint.py); a run
        file written before they were kept has one session's footprint."""
        stored = self.store.get_meta(FOOTPRINT_SESSIONS)
        if isinstance(stored, list):
            return [r for r in stored if isinstance(r, dict)]
        legacy = self.store.get_meta(FOOTPRINT)
        return [legacy_record(legacy)] if isinstance(legacy, dict) and legacy else []

    def _save_footprint(self, politeness: Politeness, *, complete: bool = True) -> None:
        """This session's footprint after the earlier ones', and the run's footprint
        merged from them all: what the report shows the server team. Saved again and
        again while the session runs (not ``complete``), each time replacing the last."""
        summary = self._footprint_summary(politeness)
        self._session_summary = summary
        record = session_record(self.footprint, summary, complete=complete)
        sessions = [*self._earlier_sessions, record]
        with self.store.transaction():  # the sessions and their merge agree, even if killed
            self.store.set_meta(FOOTPRINT_SESSIONS, sessions)
            self.store.set_meta(FOOTPRINT, merge_sessions(sessions))

    def _footprint_summary(self, politeness: Politeness) -> dict[str, Any]:
        limits = {
            "concurrency": self.crawl.concurrency,
            "per_host": self.crawl.per_host,
            "rps": self.crawl.rps,
            "respect_crawl_delay": self.crawl.respect_crawl_delay,
            "adaptive": self.crawl.adaptive,
            "deadline_s": self.crawl.deadline,
        }
        backoffs = [vars(b) for b in politeness.backoffs]
        stopped = self.stats.stopped_early if self.stats.stopped_early == "error-budget" else None
        return self.footprint.summary(
            user_agent=self.crawl.user_agent,
            limits=limits,
            backoffs=backoffs,
            stopped=self.stop_reason if stopped else None,
        )

    async def _read_sitemaps(
        self, fetcher: Fetcher, origins: Iterable[tuple[str, RobotsFile]]
    ) -> None:
        """Read the sitemaps the robots.txt of ``origins`` name (else their /sitemap.xml)
        and queue their URLs; ``harvest_sitemaps`` skips files read earlier in the run."""
        start: list[str] = []
        for site, robots in origins:
            start.extend(u for u in sitemap_candidates(robots, site) if u not in start)

        def on_urls(sitemap: str, urls: list[str]) -> None:
            ids = [self._discover(u, depth=1, source="sitemap") for u in urls]
            self.store.add_sitemap_urls(sitemap, ids)

        await harvest_sitemaps(
            fetcher, start, self.store, on_urls, self._sitemaps_seen, self._requested
        )

    def _verdict(self, url: str) -> RobotsVerdict | None:
        robots = self.robots.get(origin(url))
        return robots.verdict(self.token, url) if robots is not None else None

    def _discover(self, url: str, *, depth: int, source: Source) -> int:
        """Register a URL; queue it when it is new and in scope. Returns its id."""
        known = self.store.known_url_ids().get(url)
        if known is not None:  # the common case: a page's ~100 links are mostly seen
            return known
        internal = self.scope.is_internal(url)
        if not internal:
            state = EXTERNAL
        elif not self.scope.allows(url) and source != "start":
            state = EXCLUDED  # a start URL is crawled: include/exclude pick what it leads to
        elif self.crawl.max_depth is not None and depth > self.crawl.max_depth:
            state = NOT_CRAWLED
        else:
            state = QUEUED
        if state == QUEUED and source != "start" and self.traps.check(url, depth) is not None:
            state = SKIPPED
        url_id, new = self.store.url_id(url, depth=depth, source=source, state=state)
        if new:
            self.stats.discovered += 1
            if state == QUEUED:
                self._seq += 1
                heapq.heappush(self._frontier, (depth, self._seq, url_id, url, source))
                self._wakeup.set()
        return url_id

    async def _worker(self, fetcher: Fetcher) -> None:
        while not self._stop.is_set():
            if not self._frontier:
                if self._active == 0:
                    self._wakeup.set()  # let the other workers see that we are done
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            if self._claimed >= self.crawl.max_pages:
                self.stop("max-pages")
                return
            depth, _, url_id, url, source = heapq.heappop(self._frontier)
            self._claimed += 1  # counted when taken, so concurrent workers cannot overshoot
            self._active += 1
            try:
                await self._visit(fetcher, url_id, url, depth, source)
            except CrawlStopped:  # never requested: --resume fetches it
                if self.stats.stopped_early not in RESUMABLE_STOPS:
                    self.store.set_state(url_id, NOT_CRAWLED)
            except Exception as exc:  # a bug on one page must not end the crawl
                if disk_full(exc, self.store.path):
                    raise  # ... but a full disk does: no page could be stored
                self._record_error(url_id, url, depth, source, exc)
            finally:
                self._active -= 1
                self._wakeup.set()
            self._maybe_flush()
            self._check_error_budget()
            if self.on_progress is not None:
                self.stats.queued = len(self._frontier)
                self.stats.elapsed = time.monotonic() - self.stats.started
                self.on_progress(self.stats)

    def requests_per_second(self) -> float:
        """This session's request rate, as its footprint last saved it (each retry and
        redirect hop a request; the pauses of a back-off included)."""
        rate = self._session_summary.get("requests_per_second", 0.0)
        return float(rate) if isinstance(rate, int | float) else 0.0

    def _check_error_budget(self) -> None:
        spent = self.politeness.error_budget_spent()
        if spent is not None and self.stop_reason is None:
            self.stop_reason = spent
            if self.stats.stopped_early == "max-pages":  # checks after a full crawl
                self.stats.stopped_early = None
            self.stop("error-budget")

    async def _visit(
        self, fetcher: Fetcher, url_id: int, url: str, depth: int, source: Source
    ) -> None:
        verdict = await self._robots_verdict(fetcher, url)
        if not verdict.allowed:
            self.stats.blocked += 1
            if not self.crawl.ignore_robots:
                facts = PageFacts(
                    url=url, final_url=url, robots=verdict, depth=depth, source=source
                )
                self._save(url_id, facts)
                self.store.set_state(url_id, BLOCKED)
                return

        async def may_follow(target: str) -> str | None:
            if not self.scope.allows(target):
                return "out-of-scope"
            if target in self.store.known_url_ids():
                return "already-crawled"
            target_verdict = await self._robots_verdict(fetcher, target)
            if not target_verdict.allowed and not self.crawl.ignore_robots:
                return "blocked-by-robots"
            self.store.url_id(target, depth=depth, source="redirect", state=DONE)
            return None

        result = await fetcher.fetch(url, depth=depth, source=source, may_follow=may_follow)
        self.stats.fetched += 1
        if result.error or (result.status is not None and result.status >= 500):
            self.stats.errors += 1
        await self._record(url_id, result, verdict)

    # -- recording ------------------------------------------------------------------------

    async def _record(
        self, url_id: int, result: FetchResult, verdict: RobotsVerdict | None
    ) -> None:
        hops = result.hops
        ids = self.store.known_url_ids()
        for i, hop in enumerate(hops):
            hop_id = url_id if i == 0 else ids[hop.url]
            facts = PageFacts(
                url=hop.url,
                final_url=result.final_url,
                status=hop.status,
                hops=hops[i:],
                error=result.error if result.error in _CHAIN_ERRORS else None,
                error_detail=result.error_detail if result.error in _CHAIN_ERRORS else None,
                redirect_stop=result.redirect_stop,
                ttfb=result.ttfb if i == 0 else None,
                total=result.total if i == 0 else None,
                depth=result.depth,
                source=result.source if i == 0 else "redirect",
                robots=verdict if i == 0 else self._verdict(hop.url),
            )
            location_id = None
            if hop.location is not None:
                location_id = self._discover(hop.location, depth=result.depth, source="redirect")
                self.store.add_links(
                    hop_id, [location_id], bytes([link_flag(LINK_REDIRECT, False)])
                )
            self._save(hop_id, facts, location_id)
            self.store.set_state(hop_id, DONE)
        if hops and (result.redirect_stop or result.error in _CHAIN_ERRORS):
            return
        final_id = url_id if not hops else ids[result.final_url]
        final_verdict = verdict if not hops else self._verdict(result.final_url)
        if hops:
            result = result.model_copy(
                update={"url": result.final_url, "hops": [], "source": "redirect"}
            )
        page = await self._extract(result, final_verdict)
        self.store.add_row(final_id, page.row)
        self.checks.add_all(page.checks)
        self.probe.take(page.probe)
        self.store.set_state(final_id, DONE)
        # An error page's links are not followed: Google ignores the content of a URL that
        # answers 4xx or 5xx ("How HTTP status codes ... affect Google Search"), so its
        # navigation neither finds pages nor passes them link value; a mistyped start URL
        # ends the crawl at its 404 (HTTP001 says so) instead of auditing the site through
        # the error page's menu.
        if result.status is None or result.status < 400:
            self._record_links(final_id, page.links, result.depth)

    async def _extract(self, result: FetchResult, verdict: RobotsVerdict | None) -> Digest:
        """Extraction is CPU work: once the crawl is big enough to be worth it, it runs in
        worker processes (crawl/workers.py) so the event loop keeps fetching while pages
        are parsed on the other core(s). Small crawls (and tests) extract inline and start
        no process. Either way the crawler gets a digest back, never the facts
        (crawl/digest.py).

        Parsing costs more than fetching, so the workers fall behind while the crawler's
        core has time to spare: when every worker already has pages waiting, the crawler
        parses this one itself. That keeps both cores busy without a third process
        competing for them (measured: a second worker on two cores made the crawl slower)."""
        pool = await self._extraction_pool()
        # Counted over the live workers: after one of several dies, the others' share.
        if pool is not None and pool.busy() < QUEUE_PER_WORKER * pool.live():
            try:
                digest: Digest = await pool.run(result, verdict)
                return digest
            except WorkerGone:
                if not pool.live():
                    log.warning("extraction workers stopped; extracting in the crawler process")
                    self._workers = 0
        return extract_digest(result, verdict, self._hosts, self.token, self.crawl)

    async def _extraction_pool(self) -> Workers | None:
        if self._pool is None and self._workers > 0 and self.stats.fetched >= POOL_AFTER:
            job = functools.partial(
                extract_digest, hosts=self._hosts, token=self.token, crawl=self.crawl
            )
            self._pool = Workers(self._workers, job)
            await self._pool.start()  # pages arriving meanwhile wait in Workers.run
        return self._pool if self._workers > 0 else None

    def _record_links(self, page_id: int, links: list[Link], depth: int) -> None:
        discover, sources = self._discover, _LINK_SOURCES
        targets = [discover(url, depth=depth + 1, source=sources[kind]) for url, kind, _ in links]
        flags = bytes(kind << 1 | nofollow for _, kind, nofollow in links)  # store.link_flag
        self.store.add_links(page_id, targets, flags)

    def _record_error(
        self, url_id: int, url: str, depth: int, source: Source, exc: Exception
    ) -> None:
        self._log_internal(f"internal error on {url}", exc)
        facts = PageFacts(
            url=url,
            final_url=url,
            error="internal-error",
            error_detail=describe(exc)[:300],
            depth=depth,
            source=source,
        )
        self._save(url_id, facts)
        self.store.set_state(url_id, DONE)

    def _log_internal(self, message: str, exc: Exception) -> None:
        """The first tracebacks are printed for a bug report; a bug that hits every page
        must not print thousands. A page is stored with error "internal-error"; a URL
        checked after the crawl is left without a check result."""
        self._internal_errors += 1
        if self._internal_errors <= MAX_LOGGED_ERRORS:
            log.error("%s", message, exc_info=exc)
            if self._internal_errors == MAX_LOGGED_ERRORS:
                log.error("further internal errors are recorded in the run, not printed")

    def _save(self, url_id: int, facts: PageFacts, location_id: int | None = None) -> None:
        self.store.add_page(url_id, facts, location_id, indexability(facts, self.token))

    def _maybe_flush(self) -> None:
        now = time.monotonic()
        if self.store.pending() >= FLUSH_EVERY or now - self._last_flush > FLUSH_SECONDS:
            self.store.flush()
            self._last_flush = now
            self._maybe_save_footprint(now)

    def _requested(self) -> None:
        """After a request of a step that stores no pages (sitemaps, the post-crawl
        probe, URL checks): the footprint saved as during the crawl of pages
        (``_maybe_save_footprint``)."""
        self._maybe_save_footprint(time.monotonic())

    def _maybe_save_footprint(self, now: float) -> None:
        """Save the session's footprint so far, if the last save is old enough
        (``FOOTPRINT_SECONDS``, ``FOOTPRINT_COST_SHARE``): a session killed now (kill -9)
        still counts its requests until then."""
        if now - self._last_footprint < self._footprint_every:
            return
        started = time.monotonic()
        self._save_footprint(self.politeness, complete=False)
        self._last_footprint = time.monotonic()
        cost = self._last_footprint - started
        self._footprint_every = max(FOOTPRINT_SECONDS, cost / FOOTPRINT_COST_SHARE)

    def _mark_rest_not_crawled(self) -> None:
        # After Ctrl-C, a full disk or the error budget (the server was failing: a stop,
        # not the end of the crawl) the frontier stays "queued": --resume continues it.
        # Only a crawl that ended (or reached --max-pages) leaves URLs not crawled.
        if self.stats.stopped_early not in RESUMABLE_STOPS:
            for _, _, url_id, _, _ in self._frontier:
                self.store.set_state(url_id, NOT_CRAWLED)
        self._frontier.clear()

    def _restore(self) -> bool:
        """Continue a stored run: robots.txt outcomes as they were read, the frontier (URLs
        queued, or taken but never stored: in flight when the run stopped), the URL checks
        and probe samples of the pages already stored, and the crawl traps met. Returns
        True when there was a run to resume."""
        for row in self.store.robots_rows():
            self.robots[row["origin"]] = stored_robots(
                row["url"],
                row["status"],
                row["body"],
                error=row["error"],
                redirects=row["redirects"],
                content_type=row["content_type"],
                outcome=row["outcome"],
                reason=row["reason"],
            )
            self._apply_crawl_delay(row["origin"], self.robots[row["origin"]])
        # What earlier sessions kept in memory until their end: the crawl-trap guard (what
        # it learnt, the traps it met: the trap table is rewritten when this session
        # ends), and the pages the probe samples. The guard first, from the URLs as they
        # were judged (a failed page queued again below was not judged by it).
        self._replay_traps()
        # A run the error budget stopped: the pages the failing server answered with a
        # 5xx, a 429 or nothing are fetched again, as on a healthy server (once).
        self.stats.requeued, self.stats.requeued_errors = self.store.requeue_failures(
            REFETCH_FAILURES
        )
        for url_id, url, depth, source in self.store.unfinished_urls():
            self._seq += 1
            heapq.heappush(self._frontier, (depth or 0, self._seq, url_id, url, source))
        self._claimed = self.store.pages_count()
        for facts in self.store.iter_pages():
            self.checks.collect(facts, self.crawl)
            self.probe.take(offering(facts))
        return bool(self.robots) or self._claimed > 0

    def _replay_traps(self) -> None:
        """The crawl-trap guard as the earlier sessions left it. It judges each URL when
        first found, and what it learns (a path's parameter combinations, the shallowest
        depth of a URL shape, the session-free URLs...) lives in memory only: the URLs it
        judged are judged again, in the order they were found, which rebuilds it as it
        was, its counts and examples too (a killed session never wrote its trap table).
        The same work as finding them, once; its memory is the guard's own."""
        for url, depth, source, state in self.store.iter_urls():
            if self._judged_by_traps(depth or 0, source, state):
                self.traps.check(url, depth or 0)

    def _judged_by_traps(self, depth: int, source: str | None, state: str) -> bool:
        """Whether ``_discover`` asked the trap guard about a URL stored with this depth,
        source and state: a URL it would queue, other than a start URL. Redirect targets
        followed within a fetch were stored as done without asking it (``may_follow``),
        and every redirect target stored as done is taken to be one: wrongly only for a
        target past the redirect limit, fetched on its own later, which the rebuilt
        guard then never saw."""
        if state == SKIPPED:
            return True
        if source == "start" or state in (EXTERNAL, EXCLUDED):
            return False
        if source == "redirect" and state == DONE:
            return False
        max_depth = self.crawl.max_depth
        return not (state == NOT_CRAWLED and max_depth is not None and depth > max_depth)


SITEMAPS_READ = "sitemaps_read"  # run-file meta: the start origins' sitemaps were read whole
# ... and of origins reached during the crawl: origin -> True once read whole
ORIGIN_SITEMAPS_READ = "origin_sitemaps_read"
# ... the error budget stopped the run: its next session fetches the failed pages again
REFETCH_FAILURES = "refetch_failures"
# How a crawl may stop and be continued by --resume: its frontier stays queued.
RESUMABLE_STOPS = ("interrupted", "disk-full", "error-budget")
POOL_AFTER = 200  # pages fetched before extraction moves to worker processes
QUEUE_PER_WORKER = 8  # pages waiting per worker beyond which the crawler parses itself


def _root(url: str, parents: dict[str, str | None]) -> str:
    """The sitemap file ``url`` was reached from (itself unless an index listed it); an
    index inside an index is not followed, so the chain is short (bounded anyway)."""
    for _ in range(len(parents)):
        parent = parents.get(url)
        if parent is None:
            break
        url = parent
    return url


def _extract_workers(setting: int) -> int:
    """-1 means: one worker per core beyond the crawler's own, at least one when there are
    two cores or more (the crawler process fetches, the workers parse)."""
    if setting >= 0:
        return setting
    cores = os.cpu_count() or 1
    return 0 if cores < 2 else max(1, min(cores - 1, 4))


_LINK_SOURCES: dict[int, Source] = {
    LINK_A: "link",
    LINK_CANONICAL: "canonical",
    LINK_HREFLANG: "hreflang",
}


_CHAIN_ERRORS = frozenset({"redirect-loop", "too-many-redirects", "bad-redirect-location"})


@contextlib.contextmanager
def _signals(stop: Callable[[], None]) -> Iterator[None]:
    """First Ctrl-C (or SIGTERM) stops the crawl cleanly; a second one aborts."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    presses = 0

    def handler() -> None:
        nonlocal presses
        presses += 1
        if presses > 1:
            raise KeyboardInterrupt
        stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, handler)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or a platform without signal support in asyncio
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


__all__ = ["CrawlStats", "Crawler", "host_of"]
