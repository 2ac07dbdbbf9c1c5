"""The crawl's footprint: what the crawl did to the server, as evidence a server team can
accept. Requests per second over time, requests in flight, time to first byte over time,
the status mix, bytes, and every automatic back-off with its trigger, next to the user
agent and the limits used.

The fetcher reports every request it makes here (pages, hops, robots.txt, sitemaps, checks,
retries). Memory is bounded: one small bucket per second of crawl, and at most
``SAMPLES_PER_BUCKET`` response times kept per bucket for the percentiles.

Rates are counted in whole seconds, one definition for every rate the report gives. A
request counts in the one-second bucket (from the session's start) in which it was sent
(``record``'s ``started``; when it was recorded if not given). The peak
(``peak_requests_per_second``) is the most requests sent in one bucket: a rate over a
whole second, never one request divided by the few milliseconds a last, partial second
lasted. The average (``requests_per_second``) is the requests divided by the whole
seconds from the first request's bucket to the last one's, empty seconds included
(``active_seconds``): the mean of the per-second counts, so never above the peak, and
never above an ``--rps`` or crawl-delay pace (dividing by the time from the first
request to the last put n requests over n - 1 intervals). A timeline point's rate is its
window's requests over the whole seconds the window covers, and it also gives the busiest
second in the window.

Per origin and user agent, it also counts requests and failures (``is_failure``: 5xx, 429,
no response) by kind: the evidence of PERF001 (server error rate). The summary keeps
those of the crawl's own user agent (the probe's other agents are another question, BOT
rules), for the ``MAX_ORIGINS`` origins that received the most requests.

A ``Footprint`` covers one crawl session. A resumed run (``--resume``) has several:
``session_record`` is what a session keeps in the run file (its summary and a bounded
sample of its response times) and ``merge_sessions`` makes the run's footprint from all
of them: totals summed, every back-off, each session's timeline in turn. The pauses
between sessions are no crawl time and are left out of the durations and rates. A
session saves its record when it starts (no request yet) and now and then while it runs
(``complete`` false, with the time it was saved), so a session that is killed is listed
and still counts the requests it had made by then; its final record replaces that one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from seoaudit.crawl.politeness import AT_FLOOR, BACKOFF, CRAWL_DELAY, RECOVERY, is_failure
from seoaudit.stats import percentiles_ms, to_ms

FOOTPRINT = "footprint"  # run-file meta: the run's footprint, every session merged
FOOTPRINT_SESSIONS = "footprint_sessions"  # ... and each session's record, to merge from
SAMPLES_PER_BUCKET = 50
TIMELINE_POINTS = 60  # points of a session's timeline in the report, whatever its length
MAX_ORIGINS = 20  # origins listed with their request and failure counts
KEPT_TTFB = 1000  # response times a finished session keeps for the run's percentiles
TTFB_PERCENTILES = (50, 75, 95, 99)


@dataclass
class _Bucket:
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    ttfb: list[float] = field(default_factory=list)
    max_inflight: int = 0
    throttled: int = 0  # 429 answers: "4xx" in the status mix, but the server's trouble


@dataclass
class _Tally:
    requests: int = 0
    failed: dict[str, int] = field(default_factory=dict)  # "503", "429", "read-timeout", ...


def _status_class(status: int | None, error: str | None) -> str:
    if status is None:
        return "error" if error else "none"
    return f"{status // 100}xx"


def _failure_kind(status: int | None, error: str | None) -> str:
    return str(status) if status is not None else error or "no-response"


def _now() -> datetime:
    return datetime.now(UTC)


class Footprint:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = _now,  # when the session started, for server logs
    ) -> None:
        self._clock = clock
        self._wall = wall
        self._start = clock()
        self._started_at = wall().isoformat(timespec="seconds")
        self._buckets: dict[int, _Bucket] = {}
        self._tallies: dict[tuple[str, str], _Tally] = {}  # (origin, user agent)

    def now(self) -> float:
        """The footprint's clock: when a request is sent, for ``record``'s ``started``."""
        return self._clock()

    def record(
        self,
        status: int | None,
        error: str | None,
        ttfb: float | None,
        wire_bytes: int,
        inflight: int,
        *,
        origin: str | None = None,
        agent: str | None = None,
        started: float | None = None,
    ) -> None:
        """One request, counted in the second it was sent (``started``, from ``now``),
        else in the second it is recorded."""
        moment = self._clock() if started is None else started
        second = max(0, int(moment - self._start))
        bucket = self._buckets.get(second)
        if bucket is None:
            bucket = self._buckets[second] = _Bucket()
        bucket.requests += 1
        key = _status_class(status, error)
        bucket.statuses[key] = bucket.statuses.get(key, 0) + 1
        bucket.bytes += wire_bytes
        bucket.throttled += status == 429
        bucket.max_inflight = max(bucket.max_inflight, inflight)
        if ttfb is not None and len(bucket.ttfb) < SAMPLES_PER_BUCKET:
            bucket.ttfb.append(ttfb)
        if origin is not None:
            tally = self._tallies.get((origin, agent or ""))
            if tally is None:
                tally = self._tallies[(origin, agent or "")] = _Tally()
            tally.requests += 1
            if is_failure(status, error):
                kind = _failure_kind(status, error)
                tally.failed[kind] = tally.failed.get(kind, 0) + 1

    @property
    def started_at(self) -> str:
        return self._started_at

    def wall_now(self) -> str:
        """The time now, written as ``started_at`` is: when a record was saved."""
        return self._wall().isoformat(timespec="seconds")

    def kept_ttfb(self) -> dict[str, Any]:
        """This session's response times (seconds) for the run's percentiles: all of them
        up to ``KEPT_TTFB``, else ``KEPT_TTFB`` evenly spaced order statistics (the middle
        of each of ``KEPT_TTFB`` equal slices), each standing for ``count / KEPT_TTFB``
        of them (``merge_sessions``)."""
        ordered = sorted(t for b in self._buckets.values() for t in b.ttfb)
        count = len(ordered)
        if count > KEPT_TTFB:
            ordered = [ordered[(2 * i + 1) * count // (2 * KEPT_TTFB)] for i in range(KEPT_TTFB)]
        return {"count": count, "seconds": [round(t, 6) for t in ordered]}

    def _origins(self, user_agent: str) -> dict[str, dict[str, Any]]:
        """Requests and failures per origin for ``user_agent``, the busiest origins first."""
        mine = [(o, t) for (o, agent), t in self._tallies.items() if agent == user_agent]
        mine.sort(key=lambda item: (-item[1].requests, item[0]))
        return {
            o: {"requests": t.requests, "failed": dict(sorted(t.failed.items()))}
            for o, t in mine[:MAX_ORIGINS]
        }

    def summary(
        self,
        *,
        user_agent: str,
        limits: dict[str, Any],
        backoffs: list[dict[str, Any]],
        stopped: str | None = None,
    ) -> dict[str, Any]:
        """The session's footprint. ``backoffs``: politeness's events (``Backoff`` as
        dicts, crawl/politeness.py), split by kind: the back-offs (counted), the
        recoveries (concurrency given back), the hosts whose adaptive limit reached its
        floor (``at_floor``), and the robots.txt crawl-delays applied, added to the
        limits (``crawl_delay_s``, per host) when they were honoured."""
        events = _by_kind(backoffs)
        limits = dict(limits)
        if limits.get("respect_crawl_delay") or events[CRAWL_DELAY]:
            limits["crawl_delay_s"] = {
                str(e.get("host")): e.get("seconds") for e in events[CRAWL_DELAY]
            }
        seconds = sorted(self._buckets)
        duration = max(self._clock() - self._start, 1e-9)
        requests = sum(b.requests for b in self._buckets.values())
        statuses: dict[str, int] = {}
        ttfbs: list[float] = []
        for bucket in self._buckets.values():
            ttfbs.extend(bucket.ttfb)
            for key, count in bucket.statuses.items():
                statuses[key] = statuses.get(key, 0) + count
        timeline = []
        last = seconds[-1] if seconds else -1
        # Whole seconds from the first request's second to the last one's (module doc).
        active = last - seconds[0] + 1 if seconds else 0
        # About TIMELINE_POINTS points whatever the run's length, each at least a second.
        step = max(1, math.ceil((last + 1) / TIMELINE_POINTS))
        for start in range(0, last + 1, step):
            window = [self._buckets[s] for s in range(start, start + step) if s in self._buckets]
            samples = percentiles_ms((t for b in window for t in b.ttfb), (50, 95))
            count = sum(b.requests for b in window)
            whole = min(step, last + 1 - start)  # the last window may end before its step
            timeline.append(
                {
                    "t": start,
                    "requests_per_second": round(count / whole, 2),
                    "peak_requests_per_second": float(max((b.requests for b in window), default=0)),
                    "max_in_flight": max((b.max_inflight for b in window), default=0),
                    "ttfb_p50_ms": samples["p50"],
                    "ttfb_p95_ms": samples["p95"],
                    # 5xx and no response; 429s (rate limited) apart: with them, every
                    # failure PERF001 counts
                    "errors": sum(
                        b.statuses.get("5xx", 0) + b.statuses.get("error", 0) for b in window
                    ),
                    "throttled": sum(b.throttled for b in window),
                }
            )
        return {
            "started_at": self._started_at,
            "user_agent": user_agent,
            "limits": limits,
            "duration_s": round(duration, 2),
            "requests": requests,
            "active_seconds": active,
            "requests_per_second": _rate(requests, active),
            "peak_requests_per_second": float(
                max((b.requests for b in self._buckets.values()), default=0)
            ),
            "max_in_flight": max((b.max_inflight for b in self._buckets.values()), default=0),
            "status_mix": dict(sorted(statuses.items())),
            # Per origin, the crawl's user agent only: requests and failures (5xx, 429, no
            # response) by status or error kind, retries included (PERF001 judges them).
            "origins": self._origins(user_agent),
            "bytes": sum(b.bytes for b in self._buckets.values()),
            "ttfb_ms": percentiles_ms(ttfbs, TTFB_PERCENTILES),
            "backoffs": [_event(e) for e in events[BACKOFF]],
            "at_floor": [_event(e) for e in events[AT_FLOOR]],
            "recoveries": [_event(e) for e in events[RECOVERY]],
            "stopped_by_error_budget": stopped,
            "timeline": timeline,
        }


def _by_kind(events: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Politeness's events by ``kind``; one without (a caller's own) is a back-off."""
    found: dict[str, list[dict[str, Any]]] = {
        BACKOFF: [],
        AT_FLOOR: [],
        RECOVERY: [],
        CRAWL_DELAY: [],
    }
    for event in events:
        found.setdefault(str(event.get("kind") or BACKOFF), []).append(event)
    return found


def _event(event: dict[str, Any]) -> dict[str, Any]:
    """An event as the report lists it: when, which host, why, what was done."""
    return {k: v for k, v in event.items() if k not in ("kind", "seconds")}


def _rate(requests: int, seconds: float) -> float:
    """Requests per second over ``seconds`` whole seconds (0 when there were none)."""
    return round(requests / seconds, 2) if seconds > 0 else 0.0


# -- a run of several sessions (--resume) --------------------------------------------------


def session_record(
    footprint: Footprint, summary: dict[str, Any], *, complete: bool = True
) -> dict[str, Any]:
    """What the run file keeps of a session: its summary and a bounded sample of its
    response times (at most ``KEPT_TTFB``), from which ``merge_sessions`` computes the
    run's percentiles. A record saved while the session runs (the first one when it
    starts) is not ``complete`` and says until when it counts (``recorded_until``): if
    the session is killed, it is what remains of it."""
    record = {
        "started_at": footprint.started_at,
        "summary": summary,
        "ttfb": footprint.kept_ttfb(),
        "complete": complete,
    }
    if not complete:
        record["recorded_until"] = footprint.wall_now()
    return record


def legacy_record(summary: dict[str, Any]) -> dict[str, Any]:
    """A footprint stored by a seoaudit that kept one session only: its totals count, but
    it kept no response times to merge (``merge_sessions``)."""
    return {"started_at": summary.get("started_at"), "summary": summary, "ttfb": None}


def merge_sessions(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The run's footprint from its sessions' records, in the order they ran.

    Counts (requests, bytes, the status mix, requests and failures per origin) are summed;
    durations and the whole seconds with requests (``active_seconds``) too, so the average
    is per second of crawling, the pauses between sessions left out, computed as a
    session's own (module doc) from the unrounded counts: with one session it is that
    session's, and never above the peak. Peaks and requests in flight are the highest of
    any session. Back-offs, recoveries, floors and timeline points keep their session's
    number, and their times (``at``, ``t``) count from that session's start, given in
    ``sessions`` with the session's own totals.
    Limits and user agent are the last session's (a resume may change the pace).

    Percentiles cannot be merged from percentiles: ``ttfb_ms`` is the nearest rank over
    every session's kept response times, each weighted by how many it stands for. That is
    exact while no session timed more than ``KEPT_TTFB`` responses, and otherwise off by
    at most 1/``KEPT_TTFB`` of a rank; like every percentile here it is a time that was
    measured. A session stored without kept times (``legacy_record``) is left out of
    them; with one recorded session its own percentiles are kept as they were."""
    recorded = [
        (n, r["summary"], r.get("ttfb"))
        for n, r in enumerate(records, 1)
        if isinstance(r.get("summary"), dict)
    ]
    if not recorded:
        return {}
    summaries = [s for _, s, _ in recorded]
    last = summaries[-1]
    requests = sum(int(s.get("requests", 0)) for s in summaries)
    duration = sum(float(s.get("duration_s", 0.0)) for s in summaries)
    active = sum(_active_seconds(s) for s in summaries)
    stops = [s["stopped_by_error_budget"] for s in summaries if s.get("stopped_by_error_budget")]
    if len(recorded) == 1:
        ttfb = summaries[0].get("ttfb_ms", {})
    else:
        ttfb = _merged_percentiles([k for _, _, k in recorded if isinstance(k, dict)])
    return {
        "started_at": summaries[0].get("started_at"),
        "user_agent": last.get("user_agent"),
        "limits": last.get("limits", {}),
        "duration_s": round(duration, 2),
        "requests": requests,
        "active_seconds": active,
        "requests_per_second": _rate(requests, active),
        "peak_requests_per_second": max(s.get("peak_requests_per_second", 0) for s in summaries),
        "max_in_flight": max(s.get("max_in_flight", 0) for s in summaries),
        "status_mix": _summed(s.get("status_mix", {}) for s in summaries),
        "origins": _merged_origins(summaries),
        "bytes": sum(int(s.get("bytes", 0)) for s in summaries),
        "ttfb_ms": ttfb,
        # each session's events, with its number
        **{
            key: [{**e, "session": n} for n, s, _ in recorded for e in s.get(key, [])]
            for key in EVENT_LISTS
        },
        "stopped_by_error_budget": stops[-1] if stops else None,
        "timeline": [{**p, "session": n} for n, s, _ in recorded for p in s.get("timeline", [])],
        "sessions": [_session_line(n, r) for n, r in enumerate(records, 1)],
    }


EVENT_LISTS = ("backoffs", "at_floor", "recoveries")  # a summary's adaptive events


def _active_seconds(summary: dict[str, Any]) -> int:
    """The whole seconds a session's average is over; for a summary of a seoaudit that did
    not record them, the whole seconds its duration covers."""
    active = summary.get("active_seconds")
    if isinstance(active, int):
        return active
    if not summary.get("requests"):
        return 0
    return max(1, math.ceil(float(summary.get("duration_s", 0.0))))


def _session_line(number: int, record: dict[str, Any]) -> dict[str, Any]:
    """One session as the report lists it: when it started and what it did; a killed
    session says that it is not ``complete`` and until when its requests are counted. A run
    file written by a seoaudit whose sessions saved no record when they started may list
    a session without one (``{"started_at": ..., "summary": None}``): killed before its
    first save, its requests were not recorded."""
    summary = record.get("summary")
    if not isinstance(summary, dict):
        return {"session": number, "started_at": record.get("started_at"), "recorded": False}
    keys = (
        "duration_s",
        "requests",
        "active_seconds",
        "requests_per_second",
        "peak_requests_per_second",
        "max_in_flight",
        "bytes",
        "status_mix",
        "ttfb_ms",
        "limits",
        "stopped_by_error_budget",
    )
    line = {"session": number, "started_at": summary.get("started_at"), "recorded": True}
    line.update({k: summary.get(k) for k in keys})
    line["backoffs"] = len(summary.get("backoffs", []))
    line["recoveries"] = len(summary.get("recoveries", []))
    # Records written before sessions saved themselves mid-crawl were all final.
    line["complete"] = record.get("complete") is not False
    if not line["complete"]:
        line["recorded_until"] = record.get("recorded_until")
    return line


def _summed(counts: Any) -> dict[str, int]:
    total: dict[str, int] = {}
    for one in counts:
        for key, count in one.items():
            total[key] = total.get(key, 0) + int(count)
    return dict(sorted(total.items()))


def _merged_origins(summaries: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Requests and failures per origin summed over the sessions, the busiest
    ``MAX_ORIGINS`` first. Each session lists its own busiest ``MAX_ORIGINS``: an origin
    outside them in one session (rare for an audited host, whose pages most requests are
    for) misses that session's few requests."""
    merged: dict[str, _Tally] = {}
    for summary in summaries:
        for name, counts in summary.get("origins", {}).items():
            tally = merged.setdefault(name, _Tally())
            tally.requests += int(counts.get("requests", 0))
            for kind, count in counts.get("failed", {}).items():
                tally.failed[kind] = tally.failed.get(kind, 0) + int(count)
    busiest = sorted(merged.items(), key=lambda item: (-item[1].requests, item[0]))
    return {
        o: {"requests": t.requests, "failed": dict(sorted(t.failed.items()))}
        for o, t in busiest[:MAX_ORIGINS]
    }


def _merged_percentiles(kept: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Nearest rank over weighted samples (``merge_sessions``): the smallest time at
    which the running weight reaches p % of the total, as ``stats.nearest_rank`` does
    with weights of 1."""
    weighted: list[tuple[float, float]] = []
    for one in kept:
        times = [float(t) for t in one.get("seconds", [])]
        if times:
            weight = max(int(one.get("count", 0)), len(times)) / len(times)
            weighted.extend((t, weight) for t in times)
    weighted.sort()
    total = sum(w for _, w in weighted)
    found: dict[str, float | None] = {}
    for p in TTFB_PERCENTILES:
        target = p / 100 * total
        running, value = 0.0, None
        for seconds, weight in weighted:
            running += weight
            value = seconds
            if running >= target - 1e-9 * total:
                break
        found[f"p{p:g}"] = to_ms(value)
    return found
