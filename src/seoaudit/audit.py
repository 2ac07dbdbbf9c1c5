"""The audit pipeline as a library call: crawl into a new run store, run the rules, build
the report. The CLI (and the demo, and tests) call this; it never prints.

An interrupted crawl still runs the rules over what it collected and produces a report;
the run is marked "interrupted" so nobody mistakes it for a complete audit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from seoaudit import __version__
from seoaudit.config import Settings
from seoaudit.crawl.engine import Crawler, CrawlStats, ProgressCallback
from seoaudit.crawl.urls import host_of
from seoaudit.gate import iter_overrides
from seoaudit.models import EARLY_STOP, MAX_PAGES_STOP, Report, RuleError, RunInfo
from seoaudit.pagevalue import UserValues
from seoaudit.pagevalue import attach as attach_page_values
from seoaudit.report import build_report
from seoaudit.rules import selected
from seoaudit.rules.certificates import start_problem
from seoaudit.rules.registry import iter_findings
from seoaudit.site import Site
from seoaudit.store import (
    RUN_ID_FORMAT,
    RUN_ID_TIME,
    STARTED,
    RunBusy,
    RunFileFull,
    Store,
    StoreError,
    disk_full,
    read_meta,
)
from seoaudit.store import instant as _instant

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)
# Run-file meta key: True from the start of a crawl session until its findings are stored.
# A run killed or interrupted in between (the crawl said "complete", the rules never
# finished) is judged again by whoever reads it next (``finish_killed_run``).
FINDINGS_STALE = "findings_stale"
_NAME_TRIES = 1000  # run file names tried per second (NAME, NAME-2, ...) before giving up
RPS_ADVICE_FROM = 1.0  # requests/s of a stopped session from which a lower --rps is advised


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AuditResult:
    store_path: Path
    report: Report
    stats: CrawlStats
    start_failed: bool  # no start URL produced any HTTP response
    start_problem: str | None = None  # why, when the run knows (a rejected certificate)


def new_run_id(start_url: str, clock: Clock = _now) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", host_of(start_url).lower()).strip("-")[:40] or "site"
    return f"{clock().strftime(RUN_ID_FORMAT)}-{slug}"


def run_audit(
    settings: Settings,
    *,
    on_progress: ProgressCallback | None = None,
    clock: Clock = _now,
    run_id: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    resume: Path | None = None,
    page_values: UserValues | None = None,
) -> AuditResult:
    """Crawl, judge and report. With ``resume`` (a run file), continue that run instead:
    what it stored is kept and not fetched again; its frontier is crawled."""
    if resume is not None:
        store = Store(resume)
        try:
            store.hold()  # not while another process writes it (RunBusy)
        except RunBusy:
            store.close()
            raise
        info = store.load_run()
        if info.state == "running":
            _count_what_was_stored(store, info)  # a killed run never wrote its counts
        info.state, info.message, info.finished_at = "running", None, None
        store.save_run(info)
        path = resume
    else:
        store, info, path = _new_run(settings, clock, run_id)
    try:
        return _crawl_and_judge(
            settings,
            store,
            info,
            path,
            on_progress,
            clock,
            transport,
            page_values,
            resumed=resume is not None,
        )
    except Exception as exc:
        cause = disk_full(exc, path)
        if cause is None:
            raise
        # The crawl, the rules or the report met a full disk: one line for the user, no
        # traceback. A run whose crawl finished is judged by its next reader.
        store.abandon()
        raise RunFileFull(path, cause, resumable=info.state != "complete") from None
    finally:
        store.let_go()  # however it ended (Ctrl-C, a bug): the run is free to resume


def _crawl_and_judge(
    settings: Settings,
    store: Store,
    info: RunInfo,
    path: Path,
    on_progress: ProgressCallback | None,
    clock: Clock,
    transport: httpx.AsyncBaseTransport | None,
    page_values: UserValues | None,
    *,
    resumed: bool,
) -> AuditResult:
    store.set_meta(FINDINGS_STALE, True)
    # A resumed run's counts go on from its earlier sessions' (the CI gate's error share).
    fetched_before, errors_before = info.pages_fetched, info.fetch_errors
    if page_values is not None:  # the user's page value (pagevalue.py), kept with the run
        attach_page_values(store, page_values)
    crawler = Crawler(settings, store, on_progress=on_progress, transport=transport, resume=resumed)
    full = False
    try:
        stats = asyncio.run(crawler.run())
        info.state = "interrupted" if stats.stopped_early == "interrupted" else "complete"
        if stats.stopped_early == "max-pages":
            info.message = f"{MAX_PAGES_STOP} {settings.crawl.max_pages}"
        elif stats.stopped_early == "interrupted":  # read after "Run interrupted: "
            info.message = f"the report covers what was crawled until then; {_resume(path)}"
        elif stats.stopped_early == "error-budget":  # too many failures to judge the site
            info.state = "failed"
            info.message = _stopped_early(crawler, path)
    except KeyboardInterrupt:
        stats = crawler.stats
        info.state = "interrupted"
        info.message = f"aborted: the run file holds what was crawled until then; {_resume(path)}"
        raise
    except Exception as exc:
        stats = crawler.stats
        if disk_full(exc, path):  # nothing more can be written: what is stored stays resumable
            full = True
            _note_disk_full(store, info, clock)
            raise
        # a bug must not lose the run: report what was stored
        log.exception("the crawl stopped on an internal error")
        info.state = "failed"
        info.message = (
            f"the crawl stopped on an internal error ({type(exc).__name__}: {exc}); "
            "the report covers what was stored until then"
        )[:500]
        with contextlib.suppress(sqlite3.Error):
            store.flush()
    finally:
        if not full:
            info.finished_at = clock().isoformat(timespec="seconds")
            # Failed pages fetched again (a run the error budget stopped) count once.
            info.pages_fetched = max(0, fetched_before - stats.requeued) + stats.fetched
            info.urls_discovered = store.url_count()
            info.fetch_errors = max(0, errors_before - stats.requeued_errors) + stats.errors
            store.save_run(info)
    site = Site(store)
    # Ctrl-C before a start URL answered is an interruption (resume it), not a failed site.
    interrupted = info.state == "interrupted"
    start_failed = not interrupted and all(_start_failed(site, u) for u in settings.start_urls)
    if start_failed and info.state != "failed":
        info.state = "failed"
        info.message = "no start URL could be fetched"
        store.save_run(info)
        site.run = info
    problem = _start_problem(store, site, settings.start_urls) if start_failed else None
    _judge(store, site, settings)
    store.set_meta(FINDINGS_STALE, False)
    report = build_report(store, site)
    store.close()
    return AuditResult(path, report, stats, start_failed, problem)


def _resume(path: Path) -> str:
    """The command that continues a run that did not finish, as the full-disk line names
    it (the run file: found from any run folder)."""
    return f"seoaudit audit --resume {path} continues it"


def _stopped_early(crawler: Crawler, path: Path) -> str:
    """Why the error budget stopped the crawl, and what to do: resume once the server is
    healthy (the run is inconclusive, exit 3: the gate says so). A lower --rps is advised
    only for a session that asked RPS_ADVICE_FROM requests a second or more: a server
    that fails at a slower pace (or paused the crawl with its 503s) is not helped by it."""
    message = (
        f"{EARLY_STOP}, so the audit is inconclusive: {crawler.stop_reason}. When the "
        f"server is healthy again, {_resume(path)}"
    )
    rate = crawler.requests_per_second()
    if rate >= RPS_ADVICE_FROM:
        slower = max(0.5, round(rate / 2, 1))
        message += (
            f"; this session averaged {rate:.1f} requests/s, and --resume with --rps "
            f"{slower:g} asks less of the server"
        )
    return message


def _note_disk_full(store: Store, info: RunInfo, clock: Clock) -> None:
    """Mark the run interrupted by a full disk, if the disk still takes that much. The
    pages of the batch that could not be written are lost (their URLs stay unfinished, so
    --resume fetches them): the counts are what the run file holds, as for a killed run.
    If even this cannot be written, the run stays "running" and is resumed as killed."""
    info.state = "interrupted"
    info.message = "the run file could not be written (the disk is full); --resume continues it"
    info.finished_at = clock().isoformat(timespec="seconds")
    with contextlib.suppress(sqlite3.Error, OSError):
        _count_what_was_stored(store, info)
        info.urls_discovered = store.url_count()
        store.save_run(info)


def _count_what_was_stored(store: Store, info: RunInfo) -> None:
    """The counts of a run that could not write its own (killed, or the disk was full):
    what it stored stands in for them, every session's. The CI gate's fetch-error share
    and the summary read them (``gate.inconclusive``)."""
    info.pages_fetched, info.fetch_errors = store.fetched_pages(), store.failed_fetches()


def _new_run(settings: Settings, clock: Clock, run_id: str | None) -> tuple[Store, RunInfo, Path]:
    run_id = run_id or new_run_id(settings.start_urls[0], clock)
    path = settings.run_dir / f"{run_id}.sqlite"
    base = run_id
    for suffix in range(2, _NAME_TRIES + 2):
        if not path.exists():
            store = Store(path, create=True)
            try:
                store.hold()
            except RunBusy:  # another audit took this name in the same second
                store.close()
            else:
                if store.get_meta("run") is None:
                    break
                store.close()  # ... and finished already
        run_id = f"{base}-{suffix}"  # two runs in the same second
        path = settings.run_dir / f"{run_id}.sqlite"
    else:
        raise StoreError(f"no free run file name for {base} in {settings.run_dir}")
    started = clock()
    store.set_meta(STARTED, started.isoformat())
    info = RunInfo(
        run_id=run_id,
        tool_version=__version__,
        started_at=started.isoformat(timespec="seconds"),
        start_urls=settings.start_urls,
        user_agent=settings.crawl.user_agent,
        crawler_token=settings.crawl.crawler.lower(),
        settings=settings.public_dict(),
        config_hash=settings.config_hash(),
    )
    store.save_run(info)
    return store, info, path


def latest_run(run_dir: Path) -> tuple[Path | None, list[Path]]:
    """The run file of the audit started last in ``run_dir`` (None when there is none),
    and the ``.sqlite`` files there that are no readable run (skipped).

    Runs are ordered by the start they record, not by the file's modification time:
    reading a run writes to it (its KPIs, a killed run judged), which made the run read
    last "latest". A resumed run keeps its start. A run file that records no start (none
    made by seoaudit) falls back to its name's timestamp, then its modification time."""
    found: list[tuple[float, str, Path]] = []
    skipped: list[Path] = []
    for path in run_dir.glob("*.sqlite"):
        meta = read_meta(path, "run", STARTED)
        run = (meta or {}).get("run")
        if not isinstance(run, dict):
            skipped.append(path)
            continue
        when = _instant(meta.get(STARTED) if meta else None) or _instant(run.get("started_at"))
        if when is None:
            stamp = RUN_ID_TIME.match(path.stem)
            when = _instant(stamp.group(1) if stamp else None)
        if when is None:
            try:
                when = path.stat().st_mtime
            except OSError:
                skipped.append(path)
                continue
        found.append((when, path.name, path))
    return (max(found)[2] if found else None), sorted(skipped)


def finish_killed_run(store: Store) -> str | None:
    """A run file whose process died mid-crawl (kill -9, power cut) still says "running"
    and has no findings: judge what it stored and mark it interrupted, so nothing it
    collected is lost. A run stopped after its crawl but before its findings were stored
    (killed or Ctrl-C during the rules) keeps its state and is judged. Returns what was
    done, for the user, or None when the run needed nothing."""
    info = store.load_run()
    killed = info.state == "running"
    if not killed and not store.get_meta(FINDINGS_STALE, False):
        return None
    # "running" with no findings is also what a live audit's run looks like: judge it only
    # when no process holds it (RunBusy: it is being written, not killed).
    store.hold()
    info = store.load_run()  # as the last writer left it
    killed = info.state == "running"
    if not killed and not store.get_meta(FINDINGS_STALE, False):
        return None
    site = Site(store)
    _judge(store, site, site.settings)
    store.set_meta(FINDINGS_STALE, False)
    if not killed:
        return "The run was stopped before its findings were stored: judged it now."
    info.state = "interrupted"
    info.message = (
        f"the crawl was killed; the report covers what was stored until then; {_resume(store.path)}"
    )
    # Whatever it says: a killed resumed session's run holds the counts it started from.
    _count_what_was_stored(store, info)
    info.urls_discovered = site.summary()["urls"]
    store.save_run(info)
    return "The run was killed mid-crawl: judged what it stored."


def _judge(store: Store, site: Site, settings: Settings) -> None:
    """Run the rules and store their findings, with the configured ignores and severity
    overrides applied, as they come: a large run never holds all its findings."""
    errors: list[RuleError] = []
    findings = iter_findings(site, selected(settings.select, settings.ignore), errors)
    store.replace_findings(iter_overrides(findings, settings), errors)


def _start_problem(store: Store, site: Site, start_urls: list[str]) -> str | None:
    """Why no start URL could be read, when the run knows: a rejected certificate (whichever
    rules run), or a bug of seoaudit on the start page (the page answered)."""
    problem = start_problem(site)
    if problem is not None:
        return problem
    for url in start_urls:
        final = site.redirect_chain(url).final_url or url
        page = store.page(final)
        if page is not None and page.error == "internal-error":
            return (
                f"it answered, but reading it failed on an internal error of seoaudit "
                f"({page.error_detail}); please report it as a bug"
            )
    return None


def _start_failed(site: Site, url: str) -> bool:
    chain = site.redirect_chain(url)
    if chain.final_url is None or chain.loop:
        return True
    if chain.final_url != url and site.state(chain.final_url) in ("external", "excluded"):
        return False  # the start URL answered, with a redirect we do not follow
    if site.state(chain.final_url) == "blocked":
        # Blocked without a fetch. When robots.txt itself got no HTTP response at all, the
        # host did not answer: that is a failed start, not a finding about the site.
        return any(
            r.status is None and r.error is not None and chain.final_url.startswith(r.origin)
            for r in site.robots
        )
    return chain.final_status is None
