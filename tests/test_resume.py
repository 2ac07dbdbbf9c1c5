"""An interrupted run resumes without refetching what was done and without losing or
duplicating anything: the resumed store equals an uninterrupted one."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from seoaudit.audit import run_audit
from seoaudit.config import CrawlSettings, Settings
from seoaudit.crawl.engine import CrawlStats
from seoaudit.store import Store
from tests.sites import ORIGIN, stored_links, transport


def _site() -> dict[str, dict[str, Any]]:
    pages: dict[str, dict[str, Any]] = {}
    for i in range(120):
        links = "".join(f'<a href="/p/{(i * 7 + k) % 120}">p{k}</a>' for k in range(6))
        extra = '<a href="/gone">gone</a><a href="/old">old</a>' if i % 10 == 0 else ""
        pages[f"/p/{i}"] = {"body": f"<title>Page {i}</title><h1>Page {i}</h1>{links}{extra}"}
    pages["/"] = {"body": "".join(f'<a href="/p/{i}">{i}</a>' for i in range(0, 120, 12))}
    pages["/old"] = {"status": 301, "headers": {"Location": "/p/5"}}
    pages["/gone"] = {"status": 404}
    return pages


def _slowed(pages: dict[str, dict[str, Any]], seen: list[str] | None = None) -> Any:
    """The in-process site with 2 ms of real latency, so the event loop polls for signals
    between responses as it does on a real network."""
    inner = transport(pages)
    handler = inner.handle_async_request

    async def slow(request: Any) -> Any:
        await asyncio.sleep(0.002)
        # the crawl's own requests; a post-crawl probe re-fetches samples as other agents
        if seen is not None and "seoaudit/" in request.headers.get("user-agent", ""):
            seen.append(str(request.url))
        return await handler(request)

    inner.handle_async_request = slow  # type: ignore[method-assign]
    return inner


def _settings(run_dir: Path) -> Settings:
    return Settings(
        start_urls=[ORIGIN + "/"],
        crawl=CrawlSettings(retries=0, concurrency=4, per_host=4),
        run_dir=run_dir,
    )


def _ctrl_c_at(fetched: int) -> Any:
    """A progress callback that sends SIGINT (what Ctrl-C does) once, when ``fetched``
    pages are fetched: progress can be reported twice at one count, and a second Ctrl-C
    aborts the crawl instead of stopping it."""
    sent: list[bool] = []

    def interrupt(stats: CrawlStats) -> None:
        if stats.fetched >= fetched and not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    return interrupt


def _dump(path: Path) -> dict[str, Any]:
    db = sqlite3.connect(path)
    return {
        # Discovery depth depends on which page finished first, even without an
        # interruption; click depth (Site, over the link graph) is the deterministic one
        # and the findings below depend on it.
        "urls": sorted(db.execute("SELECT url, state FROM urls")),
        "pages": sorted(
            db.execute(
                "SELECT u.url, p.status, p.indexability FROM pages p JOIN urls u ON u.id = p.url_id"
            )
        ),
        "links": _links(path),
        "findings": sorted(db.execute("SELECT rule, url, cause FROM findings")),
    }


def _links(path: Path) -> list[tuple[str, str, int, int]]:
    store = Store(path)
    links = stored_links(store)
    store.close()
    return links


ROBOTS_CASES = {
    "no-robots-txt": None,
    # Google follows five redirects, then treats robots.txt as a 404 (allow all): the
    # resumed session must read the stored fetch the same way, not as unreachable.
    "robots-txt-redirect-loop": {"status": 301, "headers": {"Location": "/robots.txt"}},
    "robots-txt-as-html": {
        "body": "<html><body>\nUser-agent: *\nDisallow: /p/1\n</body></html>",
        "content_type": "text/html",
    },
}


@pytest.mark.parametrize("robots", ROBOTS_CASES.values(), ids=ROBOTS_CASES.keys())
def test_resumed_run_equals_an_uninterrupted_one(
    tmp_path: Path, robots: dict[str, Any] | None
) -> None:
    pages = _site()
    if robots is not None:
        pages["/robots.txt"] = robots
    whole = run_audit(_settings(tmp_path / "a"), transport=transport(pages))
    assert whole.report.run.state == "complete"

    interrupt = _ctrl_c_at(40)

    first = run_audit(_settings(tmp_path / "b"), transport=_slowed(pages), on_progress=interrupt)
    assert first.report.run.state == "interrupted"
    assert 40 <= first.stats.fetched < whole.stats.fetched

    stored_first = {url for url, _, _ in _dump(first.store_path)["pages"]}
    requested: list[str] = []
    resumed = run_audit(
        _settings(tmp_path / "b"), transport=_slowed(pages, requested), resume=first.store_path
    )
    assert resumed.report.run.state == "complete"
    assert resumed.store_path == first.store_path
    # nothing fetched twice: the resumed session skipped what the first one stored
    assert not {u for u in requested if u in stored_first and not u.endswith("robots.txt")}
    assert _dump(resumed.store_path) == _dump(whole.store_path)
    assert resumed.report.run.pages_fetched == whole.report.run.pages_fetched


def test_ctrl_c_while_the_server_asks_to_wait_stops_at_once_and_resume_fetches_the_rest(
    tmp_path: Path,
) -> None:
    """The server turns busy ("503, Retry-After: 30") and the user presses Ctrl-C: the
    requests waiting out the pause are not made, the run ends at once, and the URLs they
    were for are fetched by --resume (before, each waited its 30 s turn first)."""
    pages = _site()
    busy = {"on": False}
    inner = _slowed(pages)
    handler = inner.handle_async_request
    wait = {"status": 503, "headers": {"Retry-After": "30"}}
    answer_busy = transport({path: wait for path in pages})

    async def sometimes_busy(request: Any) -> Any:
        if busy["on"] and request.url.path.startswith("/p/"):
            loop = asyncio.get_running_loop()
            loop.call_later(0.2, os.kill, os.getpid(), signal.SIGINT)  # Ctrl-C, a bit later
            busy["on"] = False
            return await answer_busy.handle_async_request(request)
        return await handler(request)

    inner.handle_async_request = sometimes_busy  # type: ignore[method-assign]

    def turn_busy(stats: CrawlStats) -> None:
        if stats.fetched == 30:
            busy["on"] = True

    started = time.monotonic()
    first = run_audit(_settings(tmp_path / "b"), transport=inner, on_progress=turn_busy)
    assert time.monotonic() - started < 10  # not 30 s per waiting request
    assert first.report.run.state == "interrupted"
    store = Store(first.store_path)
    owed = {url for _, url, _, _ in store.unfinished_urls()}
    store.close()
    assert owed  # the waiting requests' URLs are kept for --resume

    requested: list[str] = []
    resumed = run_audit(
        _settings(tmp_path / "b"), transport=_slowed(pages, requested), resume=first.store_path
    )
    assert resumed.report.run.state == "complete"
    assert owed <= set(requested)
    whole = run_audit(_settings(tmp_path / "a"), transport=transport(pages))
    # one page answered 503 in the first session and stays so; every other one is there
    assert resumed.report.run.pages_fetched == whole.report.run.pages_fetched


def test_a_run_stopped_during_the_rules_is_judged_by_the_next_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed or Ctrl-C after the crawl, during the rules: the run said "complete" with no
    findings, so `report` printed "No issues found" and `check` passed the gate."""
    from seoaudit import audit

    pages = _site()

    def ctrl_c(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(audit, "_judge", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        run_audit(_settings(tmp_path / "b"), transport=transport(pages))
    monkeypatch.undo()
    (path,) = (tmp_path / "b").glob("*.sqlite")
    store = Store(path)
    assert store.load_run().state == "complete"
    assert audit.finish_killed_run(store) == (
        "The run was stopped before its findings were stored: judged it now."
    )
    assert audit.finish_killed_run(store) is None  # once
    store.close()
    whole = run_audit(_settings(tmp_path / "a"), transport=transport(pages))
    assert _dump(path) == _dump(whole.store_path)
    assert _dump(path)["findings"]


def _sitemap_site() -> dict[str, dict[str, Any]]:
    """A home page that links nowhere and ten pages found only through the sitemap."""
    locs = "".join(f"<url><loc>{ORIGIN}/s/{i}</loc></url>" for i in range(10))
    pages: dict[str, dict[str, Any]] = {
        "/": {"body": "<title>Home</title><h1>Home</h1>"},
        "/robots.txt": {"body": f"User-agent: *\nAllow: /\nSitemap: {ORIGIN}/sitemap.xml\n"},
        "/sitemap.xml": {
            "body": f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>',
            "content_type": "application/xml",
        },
    }
    pages.update({f"/s/{i}": {"body": f"<title>Listed {i}</title>"} for i in range(10)})
    return pages


_KILLED_AFTER_THE_SITEMAP = """
import os, sys
from pathlib import Path
from seoaudit.audit import run_audit
from tests.sites import transport
from tests.test_resume import _settings, _sitemap_site

inner = transport(_sitemap_site())
handler = inner.handle_async_request

async def killed(request):
    if request.url.path.startswith("/s/"):  # the sitemap is read: kill -9 now
        os._exit(9)
    return await handler(request)

inner.handle_async_request = killed
run_audit(_settings(Path(sys.argv[1])), transport=inner, run_id="r")
"""


def _killed_python(script: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (with ``folder`` as its argument) in a new Python process that
    kills itself mid-way as kill -9 would (exit code 9, nothing cleaned up)."""
    root = Path(__file__).resolve().parent.parent
    killed = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)])},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == 9, killed.stderr
    return killed


def test_pages_found_only_in_a_sitemap_survive_a_kill_before_the_first_batch(
    tmp_path: Path,
) -> None:
    """kill -9 after the sitemap was read and before the crawl's first batch was written:
    the sitemap's URLs were referenced by id but never stored, and the resumed crawl,
    taking the sitemap as read, never fetched them (or gave their ids to other URLs)."""
    _killed_python(_KILLED_AFTER_THE_SITEMAP, tmp_path / "b")
    path = tmp_path / "b" / "r.sqlite"
    resumed = run_audit(
        _settings(tmp_path / "b"), transport=transport(_sitemap_site()), resume=path
    )
    whole = run_audit(_settings(tmp_path / "a"), transport=transport(_sitemap_site()))
    assert resumed.report.run.state == "complete"
    assert _dump(path) == _dump(whole.store_path)
    assert len(_dump(path)["pages"]) == 11


async def _finite_slow_site(request: Any) -> Any:
    """150 pages, each linking to six others, 20 ms per answer: long enough to kill."""
    from seoaudit.devserver import Response

    if request.path == "/robots.txt":
        return Response(404)
    number = int(request.path.strip("/") or 0)
    if number >= 150:
        return Response(404, [("Content-Type", "text/html")], b"<title>nope</title>")
    links = "".join(f'<a href="/{(number * 7 + k) % 150}">{k}</a>' for k in range(6))
    body = f"<title>Page {number}</title><h1>{number}</h1>{links}<a href='/999'>broken</a>"
    return Response(200, [("Content-Type", "text/html")], body.encode(), delay=0.02)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI in a process of its own, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "seoaudit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.mark.e2e
def test_cli_resume_after_kill_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    from seoaudit.devserver import SiteServer
    from seoaudit.site import Site
    from seoaudit.store import StoreError

    common = ["-q", "--no-sitemaps", "--no-probe", "--per-host", "2", "--run-dir", "runs"]
    with SiteServer(handler=_finite_slow_site) as server:
        url = server.base_url + "/"
        whole = tmp_path / "whole"
        whole.mkdir()
        assert (
            _cli(
                "audit", url, *common, "--run-id", "whole", "--fail-on", "never", cwd=whole
            ).returncode
            == 0
        )

        killed = tmp_path / "killed"
        killed.mkdir()
        proc = subprocess.Popen(
            [sys.executable, "-m", "seoaudit", "audit", url, *common, "--run-id", "r"],
            cwd=killed,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        run_file = killed / "runs" / "r.sqlite"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                if run_file.exists() and Store(run_file).pages_count() >= 30:
                    break
            except StoreError:
                continue  # the file exists but the crawl has not written its schema yet
        proc.kill()
        proc.wait(timeout=30)
        stored_before = Store(run_file).pages_count()
        assert 30 <= stored_before < 150
        # reading the killed run (a report of what it had) finds who links where
        assert url in Site(Store(run_file)).linking_pages(url + "1")

        resumed = _cli(
            "audit", "--resume", "r", "--run-dir", "runs", "-q", "--fail-on", "never", cwd=killed
        )
        assert resumed.returncode == 0, resumed.stderr
    assert _dump(run_file) == _dump(whole / "runs" / "whole.sqlite")
    # the killed session could not write its last footprint: listed, not silently dropped
    # (killed within its first seconds, it had most likely saved none mid-crawl either)
    store = Store(run_file)
    sessions = store.get_meta("footprint")["sessions"]
    store.close()
    assert [s["session"] for s in sessions] == [1, 2]
    assert not sessions[0]["recorded"] or not sessions[0]["complete"]
    assert sessions[1]["recorded"] and sessions[1]["complete"]


def _with_workers(run_dir: Path, workers: int) -> Settings:
    crawl = CrawlSettings(retries=0, concurrency=4, per_host=4, extract_workers=workers)
    return _settings(run_dir).model_copy(update={"crawl": crawl})


@pytest.mark.parametrize("queue_per_worker", [1000, 1])
def test_extraction_in_worker_processes_gives_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, queue_per_worker: int
) -> None:
    """Pages parsed by the workers, or (when they have pages waiting) by the crawler
    itself, are stored exactly as pages parsed inline."""
    from seoaudit.crawl import engine

    pages = _site()
    inline = run_audit(_with_workers(tmp_path / "inline", 0), transport=transport(pages))
    monkeypatch.setattr(engine, "POOL_AFTER", 5)  # worker processes early in this small crawl
    monkeypatch.setattr(engine, "QUEUE_PER_WORKER", queue_per_worker)
    in_crawler: list[str] = []  # pages the crawler process parsed itself (not forked copies)
    parse = engine.extract_digest

    def counted(result: Any, *args: Any, **kwargs: Any) -> Any:
        in_crawler.append(result.url)
        return parse(result, *args, **kwargs)

    monkeypatch.setattr(engine, "extract_digest", counted)
    pooled = run_audit(_with_workers(tmp_path / "pooled", 2), transport=transport(pages))
    assert _dump(pooled.store_path) == _dump(inline.store_path)
    parsed = pooled.stats.fetched
    if queue_per_worker == 1:  # both ways were taken after the pool started
        assert 5 < len(in_crawler) < parsed
    else:
        assert len(in_crawler) <= 5


def test_a_worker_that_dies_mid_crawl_loses_no_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed extraction worker (out of memory, say): the pages it held and every page
    after it are parsed by the crawler itself; the run equals one parsed inline."""
    from seoaudit.crawl import engine

    pages = _site()
    inline = run_audit(_with_workers(tmp_path / "inline", 0), transport=transport(pages))
    monkeypatch.setattr(engine, "POOL_AFTER", 5)
    crawler_pid, parse = os.getpid(), engine.extract_digest
    in_crawler: list[str] = []

    def dying(result: Any, *args: Any, **kwargs: Any) -> Any:
        if os.getpid() != crawler_pid:  # in the worker: die on its third page
            dying.jobs += 1  # type: ignore[attr-defined]
            if dying.jobs == 3:  # type: ignore[attr-defined]
                os.kill(os.getpid(), signal.SIGKILL)
        else:
            in_crawler.append(result.url)
        return parse(result, *args, **kwargs)

    dying.jobs = 0  # type: ignore[attr-defined]
    monkeypatch.setattr(engine, "extract_digest", dying)
    pooled = run_audit(_with_workers(tmp_path / "pooled", 1), transport=transport(pages))
    assert _dump(pooled.store_path) == _dump(inline.store_path)
    assert pooled.stats.fetched - len(in_crawler) >= 2  # the worker parsed pages, then died
    assert len(in_crawler) > 5  # and the crawler took over


@pytest.mark.parametrize("workers", [0, 1])
def test_a_page_that_breaks_extraction_is_an_internal_error_not_a_lost_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Inline or in a worker process, the page is stored with the same error record."""
    from seoaudit.crawl import engine
    from seoaudit.store import Store

    monkeypatch.setattr(engine, "POOL_AFTER", 0)
    parse = engine.extract_digest

    def breaking(result: Any, *args: Any, **kwargs: Any) -> Any:
        if result.url.endswith("/p/36"):
            raise ValueError("boom on p36")
        return parse(result, *args, **kwargs)

    monkeypatch.setattr(engine, "extract_digest", breaking)
    result = run_audit(_with_workers(tmp_path, workers), transport=transport(_site()))
    pages = {p.url: p for p in Store(result.store_path).iter_pages()}
    broken = pages[ORIGIN + "/p/36"]
    assert (broken.error, broken.error_detail) == ("internal-error", "ValueError: boom on p36")
    assert pages[ORIGIN + "/p/37"].error is None
    assert {ORIGIN + path for path in _site()} <= set(pages)  # the crawl went on


def test_site_reads_robots_txt_as_the_crawl_did(tmp_path: Path) -> None:
    """The reason stored with a robots.txt that failed TLS names the certificate's
    problem; the stored error is only "tls-error", so reading the fetch again must keep
    the stored reason, not rebuild a vaguer one."""
    from seoaudit.site import Site
    from tests.sites import crawl

    pages = {**_site(), "/robots.txt": {"raise": "tls", "tls": "certificate has expired"}}
    result = crawl(pages, tmp_path)
    store = Store(result.store_path)
    [row] = store.robots_rows()
    assert row["error"] == "tls-error" and "certificate has expired" in row["reason"]
    robots = Site(store).robots_file(ORIGIN + "/p/1")
    assert robots is not None and robots.outcome == "disallow-all"
    assert robots.reason == row["reason"]
    store.close()


def test_a_run_file_from_before_robots_content_type_resumes(tmp_path: Path) -> None:
    """Run files written before robots.txt's content type was stored get the column when
    opened, so a resumed crawl reads and stores robots.txt fetches like a new one."""
    pages = _site()

    interrupt = _ctrl_c_at(40)

    first = run_audit(_settings(tmp_path), transport=_slowed(pages), on_progress=interrupt)
    assert first.report.run.state == "interrupted"
    with sqlite3.connect(first.store_path) as db:
        db.execute("ALTER TABLE robots DROP COLUMN content_type")
    resumed = run_audit(_settings(tmp_path), transport=_slowed(pages), resume=first.store_path)
    assert resumed.report.run.state == "complete"
    assert resumed.report.run.pages_fetched == len(pages)  # the redirect and the 404 too


def test_ctrl_c_before_the_start_url_answered_is_an_interruption(tmp_path: Path) -> None:
    """It was stored "failed: no start URL could be fetched" (exit 3, as for a site that
    is down) instead of "interrupted" (exit 130, resumable)."""
    inner = transport(_site())
    handler = inner.handle_async_request

    async def interrupt_at_home(request: Any) -> Any:
        if request.url.path == "/robots.txt":  # read before the start URL is fetched
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does
            await asyncio.sleep(0.05)
        return await handler(request)

    inner.handle_async_request = interrupt_at_home  # type: ignore[method-assign]
    first = run_audit(_settings(tmp_path), transport=inner)
    assert first.report.run.state == "interrupted"
    assert not first.start_failed
    assert first.stats.fetched == 0
    resumed = run_audit(_settings(tmp_path), transport=transport(_site()), resume=first.store_path)
    assert resumed.report.run.state == "complete"
    assert resumed.stats.fetched > 1


def test_resume_refuses_scope_flags_and_takes_a_slower_pace(tmp_path: Path) -> None:
    """--resume ignored every flag given with it: a new URL, --include or --max-pages went
    unused without a word. Scope flags are now an error (the run file is left as it was);
    the pace flags apply to the rest of the crawl."""
    from typer.testing import CliRunner

    from seoaudit.cli import app
    from seoaudit.devserver import SiteServer

    interrupt = _ctrl_c_at(20)

    with SiteServer(handler=_finite_slow_site) as server:
        settings = Settings(
            start_urls=[server.base_url + "/"],
            crawl=CrawlSettings(retries=0, per_host=4, sitemaps=False, probe=False),
            run_dir=tmp_path,
        )
        first = run_audit(settings, on_progress=interrupt, run_id="r")
        assert first.report.run.state == "interrupted"
        before = first.store_path.read_bytes()
        runner = CliRunner()
        common = ["audit", "--resume", "r", "--run-dir", str(tmp_path), "-q"]
        for extra, named in [
            ([server.base_url + "/other"], "URL"),
            (["--include", "/1"], "--include"),
            (["--max-pages", "5", "--as", "bingbot"], "--as, --max-pages"),
            (["--no-sitemaps"], "--no-sitemaps"),
            (["--run-id", "other"], "--run-id"),
        ]:
            refused = runner.invoke(app, [*common, *extra], env={"NO_COLOR": "1"})
            assert refused.exit_code == 2, refused.output
            assert f"scope it started with: {named} cannot change" in " ".join(
                refused.output.split()
            )
        assert first.store_path.read_bytes() == before  # nothing written

        # the run's own URL typed again (as in the command that started it) is no change
        own = [server.base_url + "/", "--per-host", "1", "--rps", "50", "--fail-on", "never"]
        slower = runner.invoke(app, [*common, *own], env={})
        assert slower.exit_code == 0, slower.output
    store = Store(first.store_path)
    assert store.load_run().state == "complete"
    limits = store.get_meta("footprint")["limits"]
    assert (limits["per_host"], limits["rps"]) == (1, 50.0)
    assert store.load_run().settings["crawl"]["per_host"] == 4  # the run's own, as started
    store.close()


def _failing_site(sick: dict[str, str | None]) -> Any:
    """150 pages linked from the home page, each linking to a page of its own (150-299);
    /r redirects to /299. While ``sick["how"]`` is "some", two pages in three answer 503
    (the error budget's share); while it is "all", every page but the home page does
    (the throttle bound). Then healthy."""
    from seoaudit.devserver import Response

    async def handler(request: Any) -> Any:
        if request.path == "/robots.txt":
            return Response(404)
        if request.path == "/r":
            return Response(301, [("Location", "/299")])
        number = int(request.path.strip("/") or 0)
        if number >= 300:
            return Response(404)
        failing = {"some": number % 3 != 0, "all": number != 0, None: False}[sick["how"]]
        if failing:
            return Response(503, [("Content-Type", "text/html")], b"busy", delay=0.01)
        if number == 0:
            links = '<a href="/r">r</a>' + "".join(f'<a href="/{k}">{k}</a>' for k in range(1, 150))
        else:
            links = f'<a href="/{number + 150}">more</a>' if number < 150 else ""
        body = f"<title>Page number {number} of the site</title><h1>{number}</h1>{links}"
        return Response(200, [("Content-Type", "text/html")], body.encode(), delay=0.01)

    return handler


@pytest.mark.parametrize("how", ["some", "all"], ids=["error-rate", "throttled"])
def test_resume_after_the_error_budget_stopped_the_run_equals_a_healthy_crawl(
    tmp_path: Path, how: str
) -> None:
    """The error budget (or the throttle bound) stopped the run: the URLs not fetched were
    marked "not crawled", so --resume fetched nothing and marked the run complete, with
    a third of the site. Now they stay queued, and the pages the failing server answered
    503 are asked again: the resumed run is the crawl of the healthy site."""
    from seoaudit.devserver import SiteServer

    sick: dict[str, str | None] = {"how": how}
    with SiteServer(handler=_failing_site(sick)) as server:
        settings = Settings(
            start_urls=[server.base_url + "/"],
            crawl=CrawlSettings(
                retries=0,
                max_retry_wait=0,  # a 503 pauses nothing
                max_throttled_time=0.3,
                concurrency=4,
                per_host=4,
                sitemaps=False,
                probe=False,
            ),
            run_dir=tmp_path / "b",
        )
        first = run_audit(settings, run_id="r")
        assert first.report.run.state == "failed"
        message = first.report.run.message or ""
        assert message.startswith("stopped early, so the audit is inconclusive: ")
        assert f"seoaudit audit --resume {first.store_path} continues it" in message
        assert "try again later" not in message  # the throttle's advice was politeness.py's
        store = Store(first.store_path)
        owed = store.unfinished_urls()
        store.close()
        assert len(owed) > 50  # the rest of the frontier stays queued for --resume

        sick["how"] = None
        resumed = run_audit(settings, resume=first.store_path)
        whole = run_audit(settings.model_copy(update={"run_dir": tmp_path / "a"}))
    assert resumed.report.run.state == whole.report.run.state == "complete"
    assert resumed.report.run.pages_fetched == whole.report.run.pages_fetched
    assert resumed.report.run.fetch_errors == whole.report.run.fetch_errors == 0
    got, expected = _dump(resumed.store_path), _dump(whole.store_path)
    # The crawl footprint keeps the first session's 503s (what the server did to the
    # crawl): PERF001 reports them. Every page and page finding is the healthy site's.
    assert any(rule == "PERF001" for rule, _, _ in got["findings"])
    got["findings"] = [f for f in got["findings"] if f[0] != "PERF001"]
    assert got == expected


def test_the_stop_messages_read_well_and_name_the_resume_command(tmp_path: Path) -> None:
    """Ctrl-C printed "Run interrupted: interrupted: ..." and no resume command (the full
    disk's message has one); an error-budget stop said "Run failed: stopped early" while
    the gate said inconclusive, and advised "a lower --rps" to a crawl at 0.07 requests/s."""
    from typer.testing import CliRunner

    from seoaudit.cli import app
    from seoaudit.devserver import SiteServer

    async def ctrl_c_at_page_3(request: Any) -> Any:
        if request.path == "/3":
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does
        return await _finite_slow_site(request)

    with SiteServer(handler=ctrl_c_at_page_3) as server:
        common = ["--run-dir", str(tmp_path), "--no-probe", "--no-sitemaps", "--per-host", "1"]
        result = CliRunner().invoke(
            app,
            ["audit", server.base_url + "/", "--run-id", "r", *common],
            env={"NO_COLOR": "1"},
        )
    assert result.exit_code == 130, result.output
    said = " ".join(result.output.split())
    resume = f"seoaudit audit --resume {tmp_path / 'r.sqlite'} continues it"
    assert "Run interrupted: the report covers what was crawled until then; " + resume in said
    assert "seoaudit: run interrupted: the report covers" in said  # also with -q or -o
    assert "interrupted: interrupted" not in said


class _Stopped:
    stop_reason = "the server failed 60% of the last 100 requests: crawling on would only add load"

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def requests_per_second(self) -> float:
        return self.rate


def test_a_lower_rps_is_advised_only_to_a_crawl_that_asked_a_lot() -> None:
    from seoaudit.audit import _stopped_early

    path = Path("runs/r.sqlite")
    slow = _stopped_early(_Stopped(0.07), path)  # type: ignore[arg-type]
    assert slow == (
        "stopped early, so the audit is inconclusive: the server failed 60% of the last 100 "
        "requests: crawling on would only add load. When the server is healthy again, "
        "seoaudit audit --resume runs/r.sqlite continues it"
    )
    fast = _stopped_early(_Stopped(12.0), path)  # type: ignore[arg-type]
    assert fast.startswith(slow)
    assert fast.endswith(
        "; this session averaged 12.0 requests/s, and --resume with --rps 6 asks less of the server"
    )


def test_resume_keeps_the_rules_the_run_started_with(tmp_path: Path) -> None:
    """`audit --resume RUN --select ONP` (RUN started without --select) judged the whole
    run with ONP rules only and stored that: `report RUN` showed 2 issues for 8. A rule
    flag that differs from the run's is refused now; the run's own is no change."""
    from typer.testing import CliRunner

    from seoaudit.cli import app
    from seoaudit.devserver import SiteServer

    runner = CliRunner()
    with SiteServer(handler=_finite_slow_site) as server:

        def interrupted(run_id: str, select: list[str]) -> Path:
            settings = Settings(
                start_urls=[server.base_url + "/"],
                crawl=CrawlSettings(retries=0, per_host=4, sitemaps=False, probe=False),
                run_dir=tmp_path,
                select=select,
            )
            first = run_audit(settings, on_progress=_ctrl_c_at(20), run_id=run_id)
            assert first.report.run.state == "interrupted"
            return first.store_path

        def resume(run_id: str, *extra: str) -> Any:
            common = ["audit", "--resume", run_id, "--run-dir", str(tmp_path), "-q"]
            return runner.invoke(app, [*common, "--fail-on", "never", *extra], env={})

        every = interrupted("every", [])
        before = every.read_bytes()
        for extra, named in [(["--select", "ONP"], "--select"), (["--ignore", "HTTP"], "--ignore")]:
            refused = resume("every", *extra)
            assert refused.exit_code == 2, refused.output
            said = " ".join(refused.output.split())
            assert (
                f"--resume keeps the rules the run every started with (every rule): {named} "
                "cannot change" in said
            )
        assert every.read_bytes() == before  # nothing written
        assert resume("every").exit_code == 0

        onp = interrupted("onp", ["ONP"])
        assert resume("onp", "--select", "onp").exit_code == 0  # the run's own, typed again
    store = Store(every)
    assert store.load_run().state == "complete"
    assert {f.rule[:3] for f in store.iter_findings()} > {"ONP"}  # every rule's findings
    store.close()
    store = Store(onp)
    assert store.load_run().state == "complete"
    assert {f.rule[:3] for f in store.iter_findings()} == {"ONP"}
    store.close()


def test_the_terminal_says_an_error_budget_stop_is_no_failed_audit() -> None:
    """The run is stored "failed" (inconclusive, exit 3) with the stop's message; the
    terminal printed "Run failed: stopped early, so the audit is inconclusive"."""
    import io

    from seoaudit.models import Report, RunInfo
    from seoaudit.report.console import write

    message = "stopped early, so the audit is inconclusive: the server failed 60% of ..."
    run = RunInfo(run_id="r", tool_version="0", state="failed", message=message)
    out = io.StringIO()
    write(Report(run=run), out)
    assert "Run stopped early, so the audit is inconclusive: the server failed" in out.getvalue()
    assert "Run failed" not in out.getvalue()
