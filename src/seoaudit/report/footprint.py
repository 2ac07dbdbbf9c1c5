"""The crawl footprint (crawl/footprint.py) in words, for the terminal summary and the HTML
report alike: the same run reads the same in both, and an optional value that is not set
("no rate limit") never shows as Python's None, True or False.

Must not print or import rich: the HTML report uses it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

# A resumed run's session that left no footprint: a run file of a seoaudit whose
# sessions saved none when they started (crawl/footprint.py _session_line)
UNRECORDED_SESSION = "ended before it could record its requests (killed, or the disk was full)"
# ... and one whose last saved footprint is one it saved when it started or mid-crawl, not
# its last (session_record)
UNFINISHED_SESSION = "ended before its end was recorded (killed, or the disk was full)"


def unfinished_text(session: Mapping[str, Any]) -> str | None:
    """What a session whose last record is not its final one says about it: "ended before
    its end was recorded (...); requests recorded up to 10:31:07 UTC", or "no request
    recorded up to ..." when that record counts none (saved when the session started, or
    before any answer came). None for a session that ended normally (or left no record
    at all: ``UNRECORDED_SESSION``)."""
    if not session.get("recorded") or session.get("complete", True):
        return None
    counted = "requests" if session.get("requests") else "no request"
    return f"{UNFINISHED_SESSION}; {counted} recorded up to {_clock_time(session)}"


def _clock_time(session: Mapping[str, Any]) -> str:
    """When the session's last record was saved: the time of day (UTC, as the session's
    start is given), or the time as recorded when the session started another day."""
    until = str(session.get("recorded_until") or "")
    try:
        moment = datetime.fromisoformat(until)
    except ValueError:
        return "a time not recorded"
    same_day = until[:10] == str(session.get("started_at") or "")[:10]
    if not same_day or moment.utcoffset() != timedelta(0):
        return until
    return moment.strftime("%H:%M:%S UTC")


def ttfb_text(ttfb: Mapping[str, Any] | None) -> str:
    """The footprint's TTFB, or what stands for it when no response came at all."""
    if not ttfb or ttfb.get("p50") is None:
        return "no response to time (TTFB)"
    p95 = ttfb.get("p95")
    return f"TTFB p50 {ttfb['p50']} ms p95 {'n/a' if p95 is None else p95} ms"


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _limit(key: str, value: Any) -> str:
    """One limit the crawl ran with, as the server team reads it."""
    if key == "concurrency":
        return f"{_number(value)} requests in flight in total"
    if key == "per_host":
        return f"{_number(value)} per host"
    if key == "rps":  # --rps: None when not given
        return "no requests-per-second limit" if value is None else f"{_number(value)}/s per host"
    if key == "adaptive":
        return f"automatic back-off {'on' if value else 'off'}"
    if key == "deadline_s":
        return f"{_number(value)} s per fetch at most"
    # A limit added later: its key, and words for the values Python would spell oddly.
    words = {None: "not set", True: "on", False: "off"}
    shown = words[value] if value is None or isinstance(value, bool) else _number(value)
    return f"{key.replace('_', ' ')} {shown}"


def _crawl_delay(honoured: Any, delays: Any) -> str:
    """Whether robots.txt crawl-delay was honoured and, when the run recorded them
    (``crawl_delay_s``, per host), the delays applied: "honoured: 2 s"."""
    if not honoured:
        return "robots.txt crawl-delay ignored"
    if not isinstance(delays, Mapping):  # a run file from before they were recorded
        return "robots.txt crawl-delay honoured"
    if not delays:
        return "robots.txt crawl-delay honoured (robots.txt set none)"
    if len(delays) == 1:
        return f"robots.txt crawl-delay honoured: {_number(next(iter(delays.values())))} s"
    each = ", ".join(f"{_number(value)} s on {host}" for host, value in delays.items())
    return f"robots.txt crawl-delay honoured: {each}"


def limits_text(limits: Mapping[str, Any] | None) -> str:
    """The limits the crawl ran with (``concurrency``, ``per_host``, ``rps``...), in
    words; "not recorded" for a run file that has none."""
    if not limits:
        return "not recorded"
    return ", ".join(
        _crawl_delay(value, limits.get("crawl_delay_s"))
        if key == "respect_crawl_delay"
        else _limit(str(key), value)
        for key, value in limits.items()
        if key != "crawl_delay_s"
    )


def status_mix_text(mix: Mapping[str, Any] | None) -> str:
    """Responses by status class ("2xx 40, 4xx 2"), or "none"."""
    if not mix:
        return "none"
    return ", ".join(f"{key} {value}" for key, value in mix.items())


def failures_by_host(impact: Mapping[str, Any]) -> list[tuple[str, int, int, str]]:
    """Per origin with a failure (5xx, 429, no response; PERF001's evidence): its
    requests, failures, and failures by kind ("429 30, 503 2"), busiest first as the
    footprint lists them."""
    found = []
    origins = impact.get("origins")
    for name, counts in origins.items() if isinstance(origins, Mapping) else []:
        failed = counts.get("failed") if isinstance(counts, Mapping) else None
        if isinstance(failed, Mapping) and failed:
            kinds = ", ".join(f"{kind} {count}" for kind, count in failed.items())
            total = sum(int(count) for count in failed.values())
            found.append((str(name), int(counts.get("requests", 0)), total, kinds))
    return found


def responses_text(impact: Mapping[str, Any]) -> str:
    """The status mix and bytes in one line, the 429s (rate limited) among the 4xx and
    the failures per host when there are any: "responses: 2xx 40, 4xx 30 (429: 30);
    812345 bytes; failed, of the crawler's requests: https://a.test 30 of 70 (429 30)"."""
    timeline = impact.get("timeline")
    throttled = sum(
        int(p.get("throttled", 0))
        for p in (timeline if isinstance(timeline, list) else [])
        if isinstance(p, Mapping)
    )
    text = f"responses: {status_mix_text(impact.get('status_mix'))}"
    if throttled:
        text += f" (429: {throttled})"
    text += f"; {impact.get('bytes', 0)} bytes"
    failed = failures_by_host(impact)
    if failed:
        # per host, of the requests made as the crawl's user agent (the probe's other
        # agents are counted in the totals, not here)
        text += "; failed, of the crawler's requests: " + ", ".join(
            f"{host} {total} of {requests} ({kinds})" for host, requests, total, kinds in failed
        )
    return text
