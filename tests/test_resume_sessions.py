"""A run crawled in several sessions (Ctrl-C, then ``--resume``) reports what every
session did: the crawl footprint the server team reads, the failures PERF001 and the CI
gate judge, and whatever else a session kept in memory until its end."""

from __future__ import annotations

import asyncio
import io
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from seoaudit.audit import run_audit
from seoaudit.crawl.engine import CrawlStats
from seoaudit.report import WRITERS, html
from seoaudit.store import Store
from tests.sites import ORIGIN
from tests.test_resume import _killed_python, _settings, _site, _slowed


def _interrupt_at(fetched: int) -> Any:
    pressed: list[bool] = []

    def interrupt(stats: CrawlStats) -> None:
        if stats.fetched >= fetched and not pressed:  # once: a second Ctrl-C aborts
            pressed.append(True)
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does

    return interrupt


def _counted(pages: dict[str, dict[str, Any]], seen: list[tuple[str, str]]) -> Any:
    """The slowed test site, noting every request it receives: (user agent, URL)."""
    inner = _slowed(pages)
    handler = inner.handle_async_request

    async def counted(request: Any) -> Any:
        seen.append((request.headers.get("user-agent", ""), str(request.url)))
        return await handler(request)

    inner.handle_async_request = counted  # type: ignore[method-assign]
    return inner


def test_the_footprint_of_a_resumed_run_counts_every_session(tmp_path: Path) -> None:
    """The resumed session overwrote the footprint: the server team saw the requests of
    the last session only, as if the first had never happened."""
    pages = _site()
    first_seen: list[tuple[str, str]] = []
    first = run_audit(
        _settings(tmp_path), transport=_counted(pages, first_seen), on_progress=_interrupt_at(40)
    )
    assert first.report.run.state == "interrupted"
    later_seen: list[tuple[str, str]] = []
    resumed = run_audit(
        _settings(tmp_path), transport=_counted(pages, later_seen), resume=first.store_path
    )
    assert resumed.report.run.state == "complete"
    impact = resumed.report.summary["crawl_impact"]

    # every request the server received, in either session, and no other
    sessions = impact["sessions"]
    assert [s["requests"] for s in sessions] == [len(first_seen), len(later_seen)]
    assert impact["requests"] == len(first_seen) + len(later_seen)
    assert sum(impact["status_mix"].values()) == impact["requests"]
    crawl_agent = [url for agent, url in first_seen + later_seen if agent == impact["user_agent"]]
    assert sum(o["requests"] for o in impact["origins"].values()) == len(crawl_agent)
    sessions = impact["sessions"]
    assert [(s["session"], s["recorded"]) for s in sessions] == [(1, True), (2, True)]
    assert [s["requests"] for s in sessions] == [len(first_seen), len(later_seen)]
    assert impact["duration_s"] == round(sum(s["duration_s"] for s in sessions), 2)
    order = [p["session"] for p in impact["timeline"]]
    assert order == sorted(order) and set(order) == {1, 2}  # each session's points in turn

    # the terminal and the HTML report show the sessions, each when it started
    terminal = io.StringIO()
    WRITERS["console"](resumed.report, terminal)
    text = " ".join(terminal.getvalue().split())
    assert f"Crawl footprint: {impact['requests']} requests" in text
    assert "over 2 sessions" in text
    for session in sessions:
        assert f"session {session['session']}, started {session['started_at']}" in text
    page = html.render(resumed.report)
    section = page[page.index('id="footprint"') :]
    assert "over 2 sessions" in section
    assert '<table class="sessions">' in section
    assert section.count('<line class="session"') == 2
    assert ">session 2</text>" in section
    # each session's limits, TTFB and status mix in words, as for a run crawled in one go
    table = section[section.index('<table class="sessions">') : section.index("</table>")]
    assert "None" not in table and "{" not in table
    assert table.count("requests in flight in total") == 2


@pytest.mark.parametrize("ended", ["interrupted", "killed", "killed, then read"])
def test_failures_of_an_earlier_session_count_for_perf001_and_fetch_errors(
    tmp_path: Path, ended: str
) -> None:
    """The server failed four requests before Ctrl-C, none after --resume: the run's
    fetch errors (the CI gate's share), PERF001 and the back-offs still show them. A
    killed session never wrote its counts: the failed pages it stored stand in, also when
    the killed run was read (``seoaudit report``) before it was resumed, which filled in
    its pages fetched but left its fetch errors at 0."""
    from seoaudit import audit

    pages = _site()
    failing = {"left": 4}
    inner = _slowed(pages)
    handler = inner.handle_async_request
    from tests.sites import transport

    busy = transport({path: {"status": 503, "body": "busy"} for path in pages})

    async def failing_at_first(request: Any) -> Any:
        if request.url.path.startswith("/p/") and failing["left"] > 0:
            failing["left"] -= 1
            return await busy.handle_async_request(request)
        return await handler(request)

    inner.handle_async_request = failing_at_first  # type: ignore[method-assign]
    first = run_audit(_settings(tmp_path), transport=inner, on_progress=_interrupt_at(40))
    assert first.report.run.state == "interrupted"
    assert first.report.run.fetch_errors == 4
    if ended.startswith("killed"):  # as kill -9 leaves it: "running", no counts, no footprint
        store = Store(first.store_path)
        killed = {"state": "running", "pages_fetched": 0, "fetch_errors": 0}
        store.save_run(first.report.run.model_copy(update=killed))
        store.set_meta("footprint_sessions", [{"started_at": "then", "summary": None}])
        if ended == "killed, then read":
            assert audit.finish_killed_run(store) is not None
            read = store.load_run()
            assert (read.state, read.fetch_errors) == ("interrupted", 4)
            assert read.pages_fetched == first.report.run.pages_fetched  # as counted live
        store.close()
    resumed = run_audit(_settings(tmp_path), transport=_slowed(pages), resume=first.store_path)
    run = resumed.report.run
    assert run.state == "complete"
    assert run.fetch_errors == 4
    if ended.startswith("killed"):
        return  # the killed session's requests were not recorded: nothing more to count
    impact = resumed.report.summary["crawl_impact"]
    assert impact["origins"][ORIGIN]["failed"] == {"503": 4}
    assert impact["backoffs"] and {b["session"] for b in impact["backoffs"]} == {1}
    [perf] = [f for f in resumed.report.findings if f.rule == "PERF001"]
    assert perf.evidence["failed"] == 4
    host = [o["requests"] for name, o in impact["origins"].items() if "://site.test" in name]
    assert perf.evidence["requests"] == sum(host)  # http and https of the host, both sessions
    store = Store(resumed.store_path)
    assert len(store.get_meta("footprint_sessions")) == 2
    store.close()


HTTPS = "https://site.test"


def _moving_site() -> dict[str, dict[str, Any]]:
    """http://site.test/ moves to https, whose robots.txt names a sitemap index of two
    sitemaps; their pages are linked from nowhere."""
    xml = {"content_type": "application/xml"}
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

    def urlset(section: str) -> str:
        locs = "".join(f"<url><loc>{HTTPS}/{section}/{i}</loc></url>" for i in range(5))
        return f"<urlset {ns}>{locs}</urlset>"

    index = "".join(f"<sitemap><loc>{HTTPS}/{name}.xml</loc></sitemap>" for name in ("a", "b"))
    pages: dict[str, dict[str, Any]] = {
        ORIGIN + "/robots.txt": {"body": "User-agent: *\nAllow: /\n"},
        ORIGIN + "/": {"status": 301, "headers": {"Location": HTTPS + "/"}},
        HTTPS + "/robots.txt": {"body": f"User-agent: *\nAllow: /\nSitemap: {HTTPS}/index.xml\n"},
        HTTPS + "/index.xml": {"body": f"<sitemapindex {ns}>{index}</sitemapindex>", **xml},
        HTTPS + "/a.xml": {"body": urlset("a"), **xml},
        HTTPS + "/b.xml": {"body": urlset("b"), **xml},
        HTTPS + "/": {"body": "<title>home</title>"},
    }
    for section in ("a", "b"):
        pages.update({f"{HTTPS}/{section}/{i}": {"body": f"<title>{i}</title>"} for i in range(5)})
    return pages


def test_sitemaps_of_an_origin_reached_mid_crawl_are_read_whole_after_resume(
    tmp_path: Path,
) -> None:
    """Ctrl-C while the https origin's sitemap index was being read (its first sitemap
    read, the second not): the resumed crawl took the origin's robots.txt from the run
    file and never read its sitemaps again, so the pages of the second were never found."""
    from tests.sites import transport
    from tests.test_resume import _dump

    whole = run_audit(_settings(tmp_path / "a"), transport=transport(_moving_site()))
    assert {f"{HTTPS}/b/{i}" for i in range(5)} <= {
        u for u, _, _ in _dump(whole.store_path)["pages"]
    }

    inner = transport(_moving_site())
    handler = inner.handle_async_request

    async def ctrl_c_at_the_first_sitemap(request: Any) -> Any:
        if str(request.url) == HTTPS + "/a.xml":
            os.kill(os.getpid(), signal.SIGINT)
            await asyncio.sleep(0.05)  # the signal is handled while this request is out
        return await handler(request)

    inner.handle_async_request = ctrl_c_at_the_first_sitemap  # type: ignore[method-assign]
    first = run_audit(_settings(tmp_path / "b"), transport=inner)
    assert first.report.run.state == "interrupted"
    store = Store(first.store_path)
    assert HTTPS + "/b.xml" not in {row["url"] for row in store.sitemap_rows()}
    store.close()

    resumed = run_audit(
        _settings(tmp_path / "b"), transport=transport(_moving_site()), resume=first.store_path
    )
    assert resumed.report.run.state == "complete"
    assert _dump(resumed.store_path) == _dump(whole.store_path)


def _site_with_trap_and_section() -> dict[str, dict[str, Any]]:
    """The resume site, plus what the home page alone leads to: over-long URLs (a crawl
    trap) and a small section /q/ that the first session crawls whole."""
    pages = _site()
    extra = "".join(f'<a href="/long/{"x" * 120}{i}">long</a>' for i in range(5))
    extra += "".join(f'<a href="/q/{i}">q</a>' for i in range(3))
    pages["/"] = {"body": pages["/"]["body"] + extra}
    pages.update({f"/q/{i}": {"body": f"<title>Q {i}</title><h1>Q</h1>"} for i in range(3)})
    return pages


def test_traps_and_probe_samples_of_an_earlier_session_are_kept(tmp_path: Path) -> None:
    """The trap table was rewritten with the last session's traps only (the first
    session's over-long URLs vanished from the report), and the post-crawl probe sampled
    only pages the last session fetched (section /q/, crawled before Ctrl-C, unprobed)."""
    from tests.sites import transport

    def settings(run_dir: Path) -> Any:
        base = _settings(run_dir)
        return base.model_copy(
            update={"crawl": base.crawl.model_copy(update={"max_url_length": 100})}
        )

    pages = _site_with_trap_and_section()
    whole = run_audit(settings(tmp_path / "a"), transport=transport(pages))
    assert whole.report.summary["crawl_traps"]
    first = run_audit(
        settings(tmp_path / "b"), transport=_slowed(pages), on_progress=_interrupt_at(40)
    )
    assert first.report.run.state == "interrupted"
    resumed = run_audit(settings(tmp_path / "b"), transport=_slowed(pages), resume=first.store_path)
    assert resumed.report.run.state == "complete"
    assert resumed.report.summary["crawl_traps"] == whole.report.summary["crawl_traps"]

    def sections(path: Path) -> set[str]:
        store = Store(path)
        rows = store.probe_rows()
        store.close()
        return {row["url"].split("/")[3] for row in rows}

    assert "q" in sections(whole.store_path)
    assert sections(resumed.store_path) == sections(whole.store_path)


_KILLED_MID_CRAWL = """
import os, sys
from pathlib import Path
from seoaudit.audit import run_audit
from seoaudit.crawl import engine
from tests.test_resume import _killed_python, _settings, _site, _slowed

engine.FOOTPRINT_SECONDS = 0.0  # the footprint saved with every batch of pages...
engine.FOOTPRINT_COST_SHARE = 1.0
engine.FLUSH_EVERY = 5  # ... of five pages
inner = _slowed(_site())
handler = inner.handle_async_request
made = []

async def killed(request):
    made.append(str(request.url))
    if len(made) == 40:  # kill -9 while this request is out
        print(len(made) - 1, flush=True)
        os._exit(9)
    return await handler(request)

inner.handle_async_request = killed
run_audit(_settings(Path(sys.argv[1])), transport=inner, run_id="r")
"""


def test_a_killed_session_counts_the_requests_it_recorded_mid_crawl(tmp_path: Path) -> None:
    """kill -9 mid-crawl: the session had written its footprint only at its end, so the
    report listed it as one that recorded no request, and its requests were not counted."""

    from seoaudit import audit
    from seoaudit.report import build_report

    killed = _killed_python(_KILLED_MID_CRAWL, tmp_path)
    answered = int(killed.stdout)  # requests the killed session had an answer to
    path = tmp_path / "r.sqlite"

    # read before any resume (``seoaudit report``): the one session says it was killed
    store = Store(path)
    assert audit.finish_killed_run(store) is not None
    killed_report = build_report(store)
    store.close()
    [session] = killed_report.summary["crawl_impact"]["sessions"]
    assert session["recorded"] and not session["complete"] and session["recorded_until"]
    assert 0 < session["requests"] <= answered
    terminal = io.StringIO()
    WRITERS["console"](killed_report, terminal)
    text = " ".join(terminal.getvalue().split())
    assert "session 1, started" in text and "requests recorded up to" in text
    assert "over 1 sessions" not in text
    page = html.render(killed_report)
    assert "requests recorded up to" in page and "over 1 sessions" not in page

    later_seen: list[tuple[str, str]] = []
    pages = _site()
    resumed = run_audit(_settings(tmp_path), transport=_counted(pages, later_seen), resume=path)
    assert resumed.report.run.state == "complete"
    impact = resumed.report.summary["crawl_impact"]
    first, last = impact["sessions"]
    assert first == {**session, "session": 1}  # as saved mid-crawl, counted once
    assert last["complete"] and "recorded_until" not in last
    assert last["requests"] == len(later_seen)
    assert impact["requests"] == first["requests"] + last["requests"]
    assert {p["session"] for p in impact["timeline"]} == {1, 2}

    # in words, in the terminal and the HTML report
    terminal = io.StringIO()
    WRITERS["console"](resumed.report, terminal)
    text = " ".join(terminal.getvalue().split())
    assert (
        f"session 1, started {first['started_at']}: ended before its end was recorded "
        "(killed, or the disk was full); requests recorded up to "
    ) in text
    assert f"UTC: {first['requests']} requests in" in text
    page = html.render(resumed.report)
    section = page[page.index('<table class="sessions">') :]
    assert "requests recorded up to" in section and "over 2 sessions" in page


def _site_with_traps_across_sessions() -> dict[str, dict[str, Any]]:
    """The resume site, plus two traps the crawl meets on both sides of a Ctrl-C at 40
    pages: an endless calendar from the home page (/cal/N links /cal/N+1, one level
    deeper each time), and a filter path /f whose parameter names explode: the home page
    names three, every /p/ page a new one."""
    pages = _site()
    home = "".join(f'<a href="/f?{name}=1">f</a>' for name in "abc") + '<a href="/cal/1">c</a>'
    pages["/"] = {"body": pages["/"]["body"] + home}
    for path, page in list(pages.items()):
        if path.startswith("/p/"):
            page["body"] += f'<a href="/f?k{path[3:]}=1">f</a>'
    pages.update({f"/cal/{n}": {"body": f'<a href="/cal/{n + 1}">next</a>'} for n in range(40)})
    return pages


def test_the_trap_guard_goes_on_from_an_earlier_session(tmp_path: Path) -> None:
    """What the trap guard had learnt lived in memory: after --resume the calendar's
    shape counted its depth from the first URL found in the new session (six more
    months crawled), and the exploding filter path took three new parameter names."""
    from tests.sites import transport
    from tests.test_resume import _dump

    def settings(run_dir: Path) -> Any:
        base = _settings(run_dir)
        traps = {"trap_depth_spread": 3, "max_query_variants": 3}
        return base.model_copy(update={"crawl": base.crawl.model_copy(update=traps)})

    def trap_urls(path: Path) -> list[tuple[str, str]]:
        return [(u, s) for u, s in _dump(path)["urls"] if "/cal/" in u or "/f?" in u]

    pages = _site_with_traps_across_sessions()
    whole = run_audit(settings(tmp_path / "a"), transport=transport(pages))
    skipped = [u for u, state in trap_urls(whole.store_path) if state == "skipped"]
    assert ORIGIN + "/cal/5" in skipped and ORIGIN + "/f?k1=1" in skipped

    first = run_audit(
        settings(tmp_path / "b"), transport=_slowed(pages), on_progress=_interrupt_at(40)
    )
    assert first.report.run.state == "interrupted"
    cut = dict(trap_urls(first.store_path))
    assert ORIGIN + "/cal/5" not in cut  # the calendar is cut after the interruption
    assert "skipped" in cut.values()  # ... and the filter path before it
    resumed = run_audit(settings(tmp_path / "b"), transport=_slowed(pages), resume=first.store_path)
    assert resumed.report.run.state == "complete"
    assert trap_urls(resumed.store_path) == trap_urls(whole.store_path)
    assert resumed.report.summary["crawl_traps"] == whole.report.summary["crawl_traps"]


def test_a_killed_runs_pages_fetched_leave_out_blocked_pages_and_redirect_hops(
    tmp_path: Path,
) -> None:
    """A killed run's pages fetched are counted from its stored pages. Every stored page
    stood in, so the pages robots.txt blocked (never requested) and each redirect hop
    counted too: the CI gate's fetch-error share came out lower than a live run's."""
    from seoaudit import audit

    pages = _site()
    pages["/robots.txt"] = {"body": "User-agent: *\nDisallow: /p/1\n"}  # /p/1, /p/10..19
    pages["/"]["body"] += '<a href="/old">old</a><a href="/p/1">1</a><a href="/p/15">15</a>'
    whole = run_audit(_settings(tmp_path), transport=_slowed(pages))
    live = whole.report.run.pages_fetched
    store = Store(whole.store_path)
    assert store.pages_count() > live  # blocked pages and the hop are stored too
    killed = {"state": "running", "pages_fetched": 0, "fetch_errors": 0}
    store.save_run(whole.report.run.model_copy(update=killed))
    store.set_meta("findings_stale", True)
    assert audit.finish_killed_run(store) is not None
    assert store.load_run().pages_fetched == live
    store.close()
