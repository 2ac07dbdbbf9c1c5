"""Adaptive politeness and the crawl footprint: back-offs with their triggers, recovery,
the error budget, crawl-delay, and what the report tells the server team."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

from seoaudit.crawl.footprint import Footprint
from seoaudit.crawl.politeness import CrawlStopped, Politeness
from tests.sites import crawl, transport


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def polite(**kw: Any) -> tuple[Politeness, Clock]:
    clock = Clock()
    return Politeness(16, 4, clock=clock, **kw), clock


def test_429_pauses_the_host_and_halves_its_concurrency_once_per_cooldown() -> None:
    p, clock = polite()
    p.observe("a.test", 429, 0.01, 2.0)
    assert p.limit("a.test") == 2
    assert p.backoffs[0].trigger == "429 received with Retry-After 2 s: paused 2 s"
    assert "per-host concurrency 4 -> 2" in p.backoffs[0].action
    p.observe("a.test", 503, 0.01, 1.0)  # within the cool-down: no second cut
    assert p.limit("a.test") == 2 and len(p.backoffs) == 1
    clock.now += 11
    p.observe("a.test", 503, 0.01, None)
    assert p.limit("a.test") == 1 and len(p.backoffs) == 2
    assert p.limit("other.test") == 4  # per host


def test_retry_after_is_capped() -> None:
    p, _ = polite(max_retry_wait=5)
    p.observe("a.test", 503, 0.01, 3600.0)
    assert p.backoffs[0].trigger == (
        "503 received with Retry-After 3600 s: paused 5 s (seoaudit's cap)"
    )


def test_rising_server_errors_back_off() -> None:
    p, _ = polite()
    for _ in range(8):
        p.observe("a.test", 200, 0.01, None)
    for _ in range(3):
        p.observe("a.test", 500, 0.01, None)
    assert p.limit("a.test") == 2
    assert "server errors in" in p.backoffs[0].trigger


def test_slower_responses_against_the_hosts_own_baseline_back_off() -> None:
    p, _ = polite()
    for _ in range(20):
        p.observe("a.test", 200, 0.05, None)
    for _ in range(19):
        p.observe("a.test", 200, 1.5, None)
    assert p.backoffs == []
    p.observe("a.test", 200, 1.5, None)
    assert "response time rose to 1.50s" in p.backoffs[0].trigger
    assert p.limit("a.test") == 2


def test_a_slow_but_steady_server_is_not_a_slowdown() -> None:
    p, _ = polite()
    for _ in range(100):
        p.observe("a.test", 200, 1.2, None)
    assert p.backoffs == []


def test_healthy_responses_give_concurrency_back() -> None:
    p, _ = polite()
    p.observe("a.test", 429, 0.01, 0.0)
    assert p.limit("a.test") == 2
    for _ in range(50):
        p.observe("a.test", 200, 0.01, None)
    assert p.limit("a.test") == 3


def test_not_adaptive_means_no_back_off() -> None:
    p, _ = polite(adaptive=False)
    p.observe("a.test", 429, 0.01, 2.0)
    assert p.limit("a.test") == 4 and p.backoffs == []


def test_error_budget() -> None:
    p, _ = polite(max_error_rate=0.5)
    for i in range(100):
        p.observe("a.test", 500 if i % 3 else 200, 0.01, None)
    reason = p.error_budget_spent()
    assert reason is not None and "failed 66% of the last 100 requests" in reason


def test_a_host_answering_only_429_or_503_spends_the_budget_after_max_throttled_time() -> None:
    p, clock = polite(max_throttled_time=60)
    for _ in range(5):  # a fast burst of 503s: not yet
        p.observe("a.test", 503, 0.01, 30.0)
    assert p.error_budget_spent() is None
    clock.now += 59
    p.observe("a.test", 429, 0.01, 30.0)
    assert p.error_budget_spent() is None
    clock.now += 1
    reason = p.error_budget_spent()
    assert reason is not None
    assert (
        reason.startswith("a.test answered only 429/503") and "last 6 requests, for 60s" in reason
    )


def test_any_other_answer_ends_a_run_of_429s() -> None:
    p, clock = polite(max_throttled_time=60)
    for answer in (503, 503, 200, 503, 503):
        p.observe("a.test", answer, 0.01, 30.0)
        clock.now += 20
    assert p.error_budget_spent() is None  # the 503s in a row began 40s ago
    p.observe("a.test", 503, 0.01, 30.0)
    clock.now += 20
    assert p.error_budget_spent() is not None
    p.observe("a.test", 500, 0.01, None)  # not a "come back later": the streak ends
    assert p.error_budget_spent() is None


def test_two_throttled_answers_are_not_enough_however_long_apart() -> None:
    p, clock = polite(max_throttled_time=60)
    p.observe("a.test", 503, 0.01, 30.0)
    clock.now += 300
    p.observe("a.test", 503, 0.01, 30.0)
    assert p.error_budget_spent() is None


def test_closing_stops_the_requests_still_waiting_but_not_those_on_the_wire() -> None:
    async def scenario() -> list[str]:
        p = Politeness(16, 1)  # one request at a time per host
        p.observe("a.test", 503, 0.01, 30.0)  # the host is paused for 30 s
        outcome: list[str] = []

        async def request(name: str, host: str) -> None:
            try:
                async with p.slot(host):
                    outcome.append(f"{name} sent")
                    await asyncio.sleep(0.2)  # on the wire when the crawl stops
            except CrawlStopped:
                outcome.append(f"{name} stopped")

        loop = asyncio.get_running_loop()
        started = loop.time()
        tasks = [
            asyncio.create_task(request("on-the-wire", "b.test")),
            asyncio.create_task(request("paused", "a.test")),
            asyncio.create_task(request("queued", "a.test")),
        ]
        await asyncio.sleep(0.05)
        p.close()
        await asyncio.wait_for(asyncio.gather(*tasks), 5)
        outcome.append(f"{loop.time() - started < 1}")
        return outcome

    outcome = asyncio.run(scenario())
    assert sorted(outcome[:-1]) == ["on-the-wire sent", "paused stopped", "queued stopped"]
    assert outcome[-1] == "True"  # not after the 30 s pause


def test_footprint_summary_counts_every_request() -> None:
    clock = Clock()
    fp = Footprint(clock=clock)
    for i in range(30):
        clock.now += 0.5
        fp.record(200 if i % 10 else 503, None, 0.02 * (i + 1), 1000, inflight=3)
    fp.record(None, "read-timeout", None, 0, inflight=1)
    summary = fp.summary(user_agent="ua", limits={"per_host": 4}, backoffs=[])
    assert summary["requests"] == 31
    assert summary["status_mix"] == {"2xx": 27, "5xx": 3, "error": 1}
    assert summary["bytes"] == 30_000 and summary["max_in_flight"] == 3
    # 20, 40 ... 600 ms: nearest rank, so each percentile is a time that was measured
    assert summary["ttfb_ms"] == {"p50": 300.0, "p75": 460.0, "p95": 580.0, "p99": 600.0}
    # a 15-second run: one point per second
    assert [p["t"] for p in summary["timeline"]] == list(range(16))


def test_footprint_counts_failures_per_origin_for_the_crawl_agent() -> None:
    fp = Footprint(clock=Clock())
    for status in (200, 200, 503, 429, 404):
        fp.record(status, None, 0.01, 100, inflight=1, origin="https://a.test", agent="ua")
    fp.record(None, "read-timeout", None, 0, inflight=1, origin="https://a.test", agent="ua")
    fp.record(429, None, 0.01, 0, inflight=1, origin="https://a.test", agent="GPTBot")
    fp.record(500, None, 0.01, 0, inflight=1, origin="https://b.test", agent="ua")
    origins = fp.summary(user_agent="ua", limits={}, backoffs=[])["origins"]
    assert origins == {  # the busiest first; another agent's requests (the probe) left out
        "https://a.test": {"requests": 6, "failed": {"429": 1, "503": 1, "read-timeout": 1}},
        "https://b.test": {"requests": 1, "failed": {"500": 1}},
    }


def test_a_rejected_certificate_is_no_server_trouble() -> None:
    p, _ = polite(max_error_rate=0.5)
    for _ in range(150):
        p.observe("a.test", None, None, None, "tls-error")
    assert p.limit("a.test") == 4 and not p.backoffs
    assert p.error_budget_spent() is None
    for _ in range(100):
        p.observe("a.test", None, None, None, "connect-error")
    for _ in range(100):  # not counted: they do not water the server's failures down
        p.observe("a.test", None, None, None, "tls-error")
    assert p.error_budget_spent() is not None
    fp = Footprint(clock=Clock())
    fp.record(None, "tls-error", None, 0, inflight=1, origin="https://a.test", agent="ua")
    origins = fp.summary(user_agent="ua", limits={}, backoffs=[])["origins"]
    assert origins == {"https://a.test": {"requests": 1, "failed": {}}}


def test_footprint_peak_is_never_below_the_average() -> None:
    # what the demo showed: 61 requests in the first second, 47 in the last 0.69 s
    clock = Clock()
    fp = Footprint(clock=clock)
    for _ in range(61):
        fp.record(200, None, 0.01, 100, inflight=1)
    clock.now += 1.0
    for _ in range(47):
        fp.record(200, None, 0.01, 100, inflight=1)
    clock.now += 0.69
    summary = fp.summary(user_agent="ua", limits={}, backoffs=[])
    # per whole second: 108 over the two seconds they fell in, the busiest second's 61
    assert summary["requests_per_second"] == 54.0
    assert summary["peak_requests_per_second"] == 61.0
    assert summary["peak_requests_per_second"] >= summary["requests_per_second"]


def test_footprint_timeline_has_about_sixty_points_whatever_the_length() -> None:
    clock = Clock()
    fp = Footprint(clock=clock)
    for _ in range(1200):  # ten minutes, two requests a second
        clock.now += 0.5
        fp.record(200, None, 0.01, 100, inflight=1)
    timeline = fp.summary(user_agent="ua", limits={}, backoffs=[])["timeline"]
    assert 50 <= len(timeline) <= 60
    step = timeline[1]["t"]
    assert all(p["t"] == i * step for i, p in enumerate(timeline))
    assert timeline[5]["requests_per_second"] == 2.0


def test_backoff_is_recorded_in_the_run_report(tmp_path: Path) -> None:
    calls = {"n": 0}
    pages = {"/": {"body": "".join(f'<a href="/p{i}">{i}</a>' for i in range(5))}}
    pages.update({f"/p{i}": {"body": f"<title>{i}</title>"} for i in range(5)})
    inner = transport(pages)
    handler = inner.handle_async_request
    busy = transport({"/p2": {"status": 503, "headers": {"Retry-After": "1"}, "body": "busy"}})

    async def sometimes_busy(request: Any) -> Any:
        calls["n"] += 1
        if request.url.path == "/p2" and calls["n"] < 8:
            return await busy.handle_async_request(request)
        return await handler(request)

    inner.handle_async_request = sometimes_busy  # type: ignore[method-assign]
    from seoaudit.audit import run_audit
    from seoaudit.config import CrawlSettings, Settings

    settings = Settings(
        start_urls=["http://site.test/"], crawl=CrawlSettings(retries=2), run_dir=tmp_path
    )
    result = run_audit(settings, transport=inner)
    impact = result.report.summary["crawl_impact"]
    assert impact["backoffs"] and "503 received" in impact["backoffs"][0]["trigger"]
    assert impact["status_mix"]["5xx"] >= 1
    assert impact["limits"]["per_host"] == 4
    assert "seoaudit/" in impact["user_agent"]


def test_the_error_budget_stops_the_crawl_with_a_clear_message(tmp_path: Path) -> None:
    pages: dict[str, dict[str, Any]] = {
        "/": {"body": "".join(f'<a href="/e{i}">{i}</a>' for i in range(150))}
    }
    pages.update({f"/e{i}": {"status": 500} for i in range(150)})
    result = crawl(pages, tmp_path, max_error_rate=0.5, concurrency=2, per_host=2)
    assert result.report.run.state == "failed"
    assert "error budget" in (result.report.run.message or "")
    assert result.report.run.pages_fetched < 140


def test_a_server_that_only_answers_503_ends_the_crawl_in_bounded_time(tmp_path: Path) -> None:
    """Every page says "503, Retry-After: 1": without the throttle bound the crawl would
    pause ~1 s per answer until 100 answers had come (the error-rate budget's window)."""
    pages: dict[str, dict[str, Any]] = {
        "/": {"body": "".join(f'<a href="/e{i}">{i}</a>' for i in range(60))}
    }
    busy = {"status": 503, "headers": {"Retry-After": "1"}, "body": "busy"}
    pages.update({f"/e{i}": busy for i in range(60)})
    result = crawl(pages, tmp_path, max_throttled_time=2, retries=1, max_checks=0)
    run = result.report.run
    assert run.state == "failed"
    assert "answered only 429/503" in (run.message or "")
    assert run.pages_fetched < 20


def test_crawl_delay_is_honoured_when_asked(tmp_path: Path) -> None:
    starts: list[float] = []
    pages = {
        "/robots.txt": {"body": "User-agent: *\nCrawl-delay: 0.3\n"},
        "/": {"body": '<a href="/a">a</a><a href="/b">b</a><a href="/c">c</a>'},
        "/a": {"body": "a"},
        "/b": {"body": "b"},
        "/c": {"body": "c"},
    }
    inner = transport(pages)
    handler = inner.handle_async_request

    async def timed(request: Any) -> Any:
        ua = request.headers.get("user-agent", "")
        if request.url.path != "/robots.txt" and "seoaudit/" in ua:  # not the probe's
            starts.append(asyncio.get_running_loop().time())
        return await handler(request)

    inner.handle_async_request = timed  # type: ignore[method-assign]
    from seoaudit.audit import run_audit
    from seoaudit.config import CrawlSettings, Settings

    settings = Settings(
        start_urls=["http://site.test/"],
        crawl=CrawlSettings(respect_crawl_delay=True, sitemaps=False),
        run_dir=tmp_path,
    )
    report = run_audit(settings, transport=inner).report
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) >= 4 and min(gaps) >= 0.29  # every request of ours spaced
    from seoaudit.report.footprint import limits_text

    limits = limits_text(report.summary["crawl_impact"]["limits"])
    assert "robots.txt crawl-delay honoured: 0.3 s" in limits  # the delay applied


# -- a resumed run: the footprint of every session -----------------------------------------


def _session(clock: Clock, statuses: list[int], ttfbs: list[float], origin: str) -> Footprint:
    fp = Footprint(clock=clock)
    for status, ttfb in zip(statuses, ttfbs, strict=True):
        clock.now += 0.5
        fp.record(status, None, ttfb, 100, inflight=2, origin=origin, agent="ua")
    return fp


def test_a_resumed_runs_footprint_covers_every_session() -> None:
    """The server team's evidence of a run crawled in two sessions (--resume): totals of
    both, each session's back-offs and timeline in turn, and the percentiles of every
    response timed in either (not of the last session only)."""
    from seoaudit.crawl.footprint import merge_sessions, session_record
    from seoaudit.stats import percentiles_ms

    clock = Clock()
    first_times = [0.01 * (i + 1) for i in range(10)]
    first = _session(clock, [200] * 7 + [503] * 3, first_times, "https://a.test")
    one = first.summary(
        user_agent="ua",
        limits={"per_host": 4},
        backoffs=[{"at": 2.0, "host": "a.test", "trigger": "503", "action": "4 -> 2"}],
    )
    second_times = [0.5 + 0.01 * i for i in range(4)]
    second = _session(clock, [200, 200, 500, 200], second_times, "https://a.test")
    two = second.summary(user_agent="ua", limits={"per_host": 1}, backoffs=[])
    run = merge_sessions([session_record(first, one), session_record(second, two)])

    assert run["requests"] == 14 and run["bytes"] == 1400
    assert run["status_mix"] == {"2xx": 10, "5xx": 4}
    assert run["origins"] == {"https://a.test": {"requests": 14, "failed": {"500": 1, "503": 3}}}
    assert run["duration_s"] == one["duration_s"] + two["duration_s"]
    assert run["active_seconds"] == one["active_seconds"] + two["active_seconds"]
    assert run["requests_per_second"] == round(14 / run["active_seconds"], 2)
    assert run["limits"] == {"per_host": 1}  # the pace the last session used
    assert run["backoffs"] == [
        {"at": 2.0, "host": "a.test", "trigger": "503", "action": "4 -> 2", "session": 1}
    ]
    sessions = [p["session"] for p in run["timeline"]]
    assert sessions == [1] * len(one["timeline"]) + [2] * len(two["timeline"])
    assert run["ttfb_ms"] == percentiles_ms(first_times + second_times, (50, 75, 95, 99))
    assert [(s["session"], s["requests"], s["recorded"]) for s in run["sessions"]] == [
        (1, 10, True),
        (2, 4, True),
    ]
    assert run["sessions"][0]["ttfb_ms"] == one["ttfb_ms"]


def test_a_killed_session_is_listed_as_not_recorded() -> None:
    """A run file of an earlier seoaudit: its sessions saved no footprint when they
    started, only this placeholder, which a session killed before its first save left."""
    from seoaudit.crawl.footprint import merge_sessions, session_record

    clock = Clock()
    killed = {"started_at": "2024-05-01T10:00:00+00:00", "summary": None, "ttfb": None}
    last = _session(clock, [200, 200], [0.01, 0.02], "https://a.test")
    summary = last.summary(user_agent="ua", limits={}, backoffs=[])
    run = merge_sessions([killed, session_record(last, summary)])
    assert run["requests"] == 2
    assert run["sessions"][0] == {
        "session": 1,
        "started_at": killed["started_at"],
        "recorded": False,
    }
    assert {p["session"] for p in run["timeline"]} == {2}


def test_merged_percentiles_stay_close_with_bounded_samples() -> None:
    """A session keeps at most KEPT_TTFB response times; merged percentiles are then
    within a rank or so of the exact ones, and still times that were measured."""
    from seoaudit.crawl.footprint import KEPT_TTFB, merge_sessions, session_record
    from seoaudit.stats import nearest_rank

    clock = Clock()
    sessions, every = [], []
    for base in (0.0, 10.0):
        fp = Footprint(clock=clock)
        for i in range(4000):  # 40 a second: under SAMPLES_PER_BUCKET, all timed
            clock.now += 0.025
            fp.record(200, None, base + i / 1000, 10, inflight=1)
            every.append(base + i / 1000)
        record = session_record(fp, fp.summary(user_agent="ua", limits={}, backoffs=[]))
        assert len(record["ttfb"]["seconds"]) == KEPT_TTFB
        assert record["ttfb"]["count"] == 4000
        sessions.append(record)
    merged = merge_sessions(sessions)["ttfb_ms"]
    ordered = sorted(every)
    for p in (50, 75, 95, 99):
        exact = nearest_rank(ordered, p)
        assert exact is not None
        assert abs(merged[f"p{p}"] / 1000 - exact) <= 8 * 0.001 + 1e-9  # 8000/1000 ranks
        assert merged[f"p{p}"] / 1000 in {round(t, 6) for t in every}
