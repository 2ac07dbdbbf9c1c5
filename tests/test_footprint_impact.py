"""The crawl-impact report as a server team checks it against its own logs: rates over
whole seconds (never one request over a few milliseconds), the average never above the
peak nor the --rps pace, back-offs and recoveries with what the server really sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seoaudit.crawl.footprint import Footprint, merge_sessions, session_record
from seoaudit.crawl.politeness import Politeness
from tests.sites import crawl


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _paced(every: float, count: int, latency: float = 0.04) -> dict[str, Any]:
    """``count`` requests sent every ``every`` seconds, each answered ``latency`` later
    and recorded then (no ``started`` given); summarised right after the last answer."""
    clock = Clock()
    fp = Footprint(clock=clock)
    clock.now += 0.3  # the session starts a little before its first request
    for i in range(count):
        if i:
            clock.now += every - latency
        clock.now += latency
        fp.record(200, None, latency, 100, inflight=1)
    return fp.summary(user_agent="ua", limits={}, backoffs=[])


def test_the_peak_is_a_rate_over_a_whole_second_not_over_a_last_partial_one() -> None:
    """--rps 2 read "(2.13/s, peak 24.17/s)": the last second's one request divided by
    the 0.04 s it had lasted, and 15 requests over the 7.04 s from the first to the last."""
    summary = _paced(0.5, 15)
    assert summary["peak_requests_per_second"] == 2.0
    assert summary["requests_per_second"] <= 2.0
    assert all(p["requests_per_second"] <= 2.0 for p in summary["timeline"])
    assert summary["requests_per_second"] <= summary["peak_requests_per_second"]


def test_a_crawl_delay_pace_reads_as_that_pace() -> None:
    """Crawl-delay 2: "15 requests in 26.06s (0.58/s, peak 16.27/s)"."""
    summary = _paced(2.0, 15)
    assert summary["peak_requests_per_second"] == 1.0
    assert summary["requests_per_second"] == round(15 / 29, 2)  # 28 s: 29 whole seconds
    assert summary["active_seconds"] == 29


def test_requests_count_in_the_second_they_were_sent() -> None:
    """Answers that straggle in together do not make a burst the server never saw."""
    clock = Clock()
    fp = Footprint(clock=clock)
    sent = [fp.now() + 0.5 * i for i in range(4)]  # 0, 0.5, 1.0, 1.5: two a second
    clock.now += 1.9  # all four answered in the same second
    for started in sent:
        fp.record(200, None, 0.01, 100, inflight=1, started=started)
    summary = fp.summary(user_agent="ua", limits={}, backoffs=[])
    assert summary["peak_requests_per_second"] == 2.0
    assert summary["requests_per_second"] == 2.0


def test_the_average_is_never_above_the_peak_for_one_session_or_merged() -> None:
    """101 requests in 0.204 s read "(505.0/s, peak 494.82/s)", and the run's rate (505.0,
    from the rounded 0.2 s) disagreed with its one session's (494.82)."""
    clock = Clock()
    fp = Footprint(clock=clock)
    for _ in range(101):
        clock.now += 0.00202
        fp.record(200, None, 0.001, 100, inflight=8)
    one = fp.summary(user_agent="ua", limits={}, backoffs=[])
    run = merge_sessions([session_record(fp, one)])
    assert one["requests_per_second"] <= one["peak_requests_per_second"]
    assert run["requests_per_second"] == one["requests_per_second"]
    assert run["peak_requests_per_second"] == one["peak_requests_per_second"]
    assert run["sessions"][0]["requests_per_second"] == run["requests_per_second"]
    # and over two sessions: the requests over the whole seconds of both
    clock.now += 5
    other = Footprint(clock=clock)
    for _ in range(3):
        clock.now += 0.5
        other.record(200, None, 0.001, 100, inflight=1)
    two = other.summary(user_agent="ua", limits={}, backoffs=[])
    run = merge_sessions([session_record(fp, one), session_record(other, two)])
    assert run["active_seconds"] == one["active_seconds"] + two["active_seconds"]
    assert run["requests_per_second"] == round(104 / run["active_seconds"], 2)
    assert run["requests_per_second"] <= run["peak_requests_per_second"]


def test_a_crawl_at_rps_never_reports_more(tmp_path: Path) -> None:
    pages: dict[str, dict[str, Any]] = {
        "/": {"body": "".join(f'<a href="/p{i}">{i}</a>' for i in range(12))}
    }
    pages.update({f"/p{i}": {"body": f"<title>{i}</title>"} for i in range(12)})
    result = crawl(pages, tmp_path, rps=10, sitemaps=False, probe=False, max_checks=0)
    impact = result.report.summary["crawl_impact"]
    assert impact["requests"] >= 13
    assert impact["peak_requests_per_second"] <= 10
    assert impact["requests_per_second"] <= impact["peak_requests_per_second"]


# -- back-offs: what the server sent, what seoaudit did ------------------------------------


def polite(**kw: Any) -> tuple[Politeness, Clock]:
    clock = Clock()
    return Politeness(16, 4, clock=clock, **kw), clock


def test_a_503_without_retry_after_does_not_quote_one() -> None:
    """It read "503 received (Retry-After 5s honoured)": 5 s is seoaudit's default."""
    p, _ = polite()
    p.observe("a.test", 503, 0.01, None)
    assert p.backoffs[0].trigger == "503 received, no Retry-After: paused 5 s (default)"
    assert p.backoffs[0].action == "per-host concurrency 4 -> 2"


def test_a_retry_after_above_the_cap_quotes_what_the_server_sent() -> None:
    """`Retry-After: 3600` read "(Retry-After 30s honoured) -> paused 30s"."""
    p, _ = polite()
    p.observe("a.test", 429, 0.01, 3600.0)
    assert p.backoffs[0].trigger == (
        "429 received with Retry-After 3600 s: paused 30 s (seoaudit's cap)"
    )


def test_a_retry_after_end_to_end(tmp_path: Path) -> None:
    pages = {
        "/": {"body": '<a href="/busy">b</a>'},
        "/busy": {"status": 503, "body": "busy"},
    }
    result = crawl(pages, tmp_path, sitemaps=False, probe=False, max_checks=0)
    [backoff] = result.report.summary["crawl_impact"]["backoffs"]
    assert backoff["trigger"] == "503 received, no Retry-After: paused 5 s (default)"


# -- recoveries, the floor, the crawl-delay applied ----------------------------------------


def _summary(p: Politeness, **limits: Any) -> dict[str, Any]:
    fp = Footprint(clock=Clock())
    return fp.summary(user_agent="ua", limits=limits, backoffs=[vars(b) for b in p.backoffs])


def test_concurrency_given_back_is_recorded_but_not_as_a_back_off() -> None:
    """After 429s cut the limit, it went back up (the server saw a burst) with no event."""
    p, clock = polite()
    p.observe("a.test", 429, 0.01, 0.0)
    for _ in range(100):
        clock.now += 0.1
        p.observe("a.test", 200, 0.01, None)
    assert p.limit("a.test") == 4
    summary = _summary(p)
    assert [b["action"] for b in summary["backoffs"]] == ["per-host concurrency 4 -> 2"]
    assert [r["action"] for r in summary["recoveries"]] == [
        "per-host concurrency 2 -> 3 (recovered)",
        "per-host concurrency 3 -> 4 (recovered)",
    ]
    assert summary["recoveries"][0] == {
        "at": 5.0,
        "host": "a.test",
        "trigger": "50 healthy responses in a row",
        "action": "per-host concurrency 2 -> 3 (recovered)",
    }


def test_a_cut_at_the_floor_is_no_back_off_and_is_recorded_once() -> None:
    """At the floor, "per-host concurrency 1 -> 1" was recorded 11 times of 13."""
    p, clock = polite()
    for _ in range(6):
        p.observe("a.test", 429, 0.01, 1.0)
        clock.now += 11
    for _ in range(12):  # server errors, once the cool-down is over
        p.observe("a.test", 500, 0.01, None)
    summary = _summary(p)
    assert [b["action"] for b in summary["backoffs"]] == [
        "per-host concurrency 4 -> 2",
        "per-host concurrency 2 -> 1",
    ]
    [floor] = summary["at_floor"]
    assert floor["at"] == 22.0 and floor["trigger"].startswith("429 received")
    assert floor["action"] == (
        "at the floor: 1 in flight, 4 more slow-down signal(s) seen since, "
        "3 of them 429/503 (each paused the host)"
    )


def test_the_terminal_says_how_many_back_offs_it_does_not_list() -> None:
    import io

    from rich.console import Console

    from seoaudit.report.console import _footprint

    backoff = {"at": 1.0, "host": "a.test", "trigger": "429 received", "action": "4 -> 2"}
    impact = {
        "requests": 40,
        "duration_s": 9.0,
        "requests_per_second": 4.0,
        "peak_requests_per_second": 6.0,
        "max_in_flight": 4,
        "ttfb_ms": {},
        "backoffs": [backoff] * 8,
        "recoveries": [dict(backoff, action="per-host concurrency 1 -> 2 (recovered)")],
    }
    out = io.StringIO()
    _footprint(Console(file=out, width=300), impact)
    text = out.getvalue()
    assert text.count("429 received") == 5
    assert "... and 3 more back-off(s)" in text
    assert "8 automatic back-off(s), 1 recoveries" in text


def test_the_limits_say_which_crawl_delay_was_honoured() -> None:
    from seoaudit.report.footprint import limits_text

    p, _ = polite()
    p.set_interval("a.test", 2.0)
    summary = _summary(p, respect_crawl_delay=True)
    assert summary["backoffs"] == [] and summary["limits"]["crawl_delay_s"] == {"a.test": 2.0}
    assert limits_text(summary["limits"]) == "robots.txt crawl-delay honoured: 2 s"
    none_set = _summary(polite()[0], respect_crawl_delay=True)["limits"]
    assert limits_text(none_set) == "robots.txt crawl-delay honoured (robots.txt set none)"
    assert limits_text({"respect_crawl_delay": False}) == "robots.txt crawl-delay ignored"


# -- 429s in the timeline, the status mix and bytes in the terminal ------------------------


def _throttled_footprint() -> dict[str, Any]:
    clock = Clock()
    fp = Footprint(clock=clock)
    for i in range(40):
        clock.now += 0.25
        status = 429 if i % 4 else 200
        fp.record(status, None, 0.01, 500, inflight=1, origin="https://a.test", agent="ua")
    return fp.summary(user_agent="ua", limits={}, backoffs=[])


def test_429s_count_in_the_timeline() -> None:
    """30 × 429 showed 0 errors in the timeline while PERF001 reported them."""
    summary = _throttled_footprint()
    assert sum(p["throttled"] for p in summary["timeline"]) == 30
    assert sum(p["errors"] for p in summary["timeline"]) == 0


def test_the_terminal_and_html_give_the_status_mix_bytes_and_failures_per_host() -> None:
    import io

    from rich.console import Console

    from seoaudit.models import Report, RunInfo
    from seoaudit.report import html
    from seoaudit.report.console import _footprint

    impact = _throttled_footprint()
    out = io.StringIO()
    _footprint(Console(file=out, width=300), impact)
    lines = out.getvalue().splitlines()
    assert lines[1].strip() == (
        "responses: 2xx 10, 4xx 30 (429: 30); 20000 bytes; "
        "failed, of the crawler's requests: https://a.test 30 of 40 (429 30)"
    )
    page = html.render(
        Report(run=RunInfo(run_id="r", tool_version="0"), summary={"crawl_impact": impact})
    )
    section = page[page.index('id="footprint"') :]
    assert "<td>https://a.test</td><td>40</td><td>30</td><td>429 30</td>" in section
    assert "failed (max 3)" in section  # the chart's third line: 429s included


# -- the HTML chart: back-offs at their time, a legend that agrees with the text -----------


def test_the_chart_marks_back_offs_and_recoveries_at_their_time() -> None:
    import re

    from seoaudit.models import Report, RunInfo
    from seoaudit.report import html

    p, clock = polite()
    fp = Footprint(clock=clock)
    for i in range(120):
        clock.now += 0.1
        status = 429 if i == 20 else 200
        fp.record(status, None, 0.01, 100, inflight=1)
        p.observe("a.test", status, 0.01, 1.0 if status == 429 else None)
    impact = fp.summary(user_agent="ua", limits={}, backoffs=[vars(b) for b in p.backoffs])
    assert len(impact["backoffs"]) == 1 and len(impact["recoveries"]) == 1
    page = html.render(
        Report(run=RunInfo(run_id="r", tool_version="0"), summary={"crawl_impact": impact})
    )
    section = page[page.index('id="footprint"') :]
    ticks = re.findall(r'<line class="event" x1="([\d.]+)".*?<title>(.*?)</title>', section)
    assert [title.split(" (")[0] for _, title in ticks] == ["back-off", "recovery"]
    assert "429 received with Retry-After 1 s: paused 1 s" in ticks[0][1]
    assert float(ticks[0][0]) < float(ticks[1][0])  # at 2.1 s, then at 7.1 s
    # the legend's maximum is the peak the text gives: one definition
    peak = impact["peak_requests_per_second"]
    assert f"requests/s (max {peak:g})" in section
    assert f"{peak}/s at the peak" in section


def test_a_long_runs_chart_plots_each_points_busiest_second() -> None:
    """Ten minutes, ten seconds a point: the legend read "requests/s (max 174.23)" while
    the text said "478.49/s at the peak"; both now give the busiest second."""
    from seoaudit.models import Report, RunInfo
    from seoaudit.report import html

    clock = Clock()
    fp = Footprint(clock=clock)
    for i in range(1200):
        clock.now += 0.5
        for _ in range(9 if i == 300 else 1):  # one burst: 10 requests in a second
            fp.record(200, None, 0.01, 100, inflight=1)
    impact = fp.summary(user_agent="ua", limits={}, backoffs=[])
    assert impact["peak_requests_per_second"] == 10.0
    assert max(p["requests_per_second"] for p in impact["timeline"]) < 10  # a mean
    page = html.render(
        Report(run=RunInfo(run_id="r", tool_version="0"), summary={"crawl_impact": impact})
    )
    assert "requests/s (max 10)" in page and "10.0/s at the peak" in page


def test_the_terminal_says_what_its_rates_are_per() -> None:
    """ "108 requests in 1.68s (54.0/s, peak 60.0/s)": 108 / 1.68 is 64, so the average
    read as wrong; it is per whole second with requests (2 here), which the line now says."""
    import io

    from rich.console import Console

    from seoaudit.report.console import _footprint

    impact = _throttled_footprint()
    out = io.StringIO()
    _footprint(Console(file=out, width=300), impact)
    first = out.getvalue().splitlines()[0]
    active = impact["active_seconds"]
    assert f"({impact['requests_per_second']}/s over {active} whole second" in first
    assert f"peak {impact['peak_requests_per_second']}/s in one second)" in first
