"""A run crawled in several sessions (Ctrl-C, then ``--resume``) reports what every
session did: the crawl footprint the server team reads, the failures PERF001 and the CI
gate judge, and whatever else a session kept in memory until its end."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path
from typing import Any

from seoaudit.audit import run_audit
from seoaudit.crawl.engine import CrawlStats
from seoaudit.report import WRITERS, html
from tests.test_resume import _settings, _site, _slowed


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
