"""The crawl's footprint: what the crawl did to the server, as evidence a server team can
accept. Requests per second over time, requests in flight, time to first byte over time,
the status mix, bytes, and every automatic back-off with its trigger, next to the user
agent and the limits used.

The fetcher reports every request it makes here (pages, hops, robots.txt, sitemaps, checks,
retries). Memory is bounded: one small bucket per second of crawl, and at most
``SAMPLES_PER_BUCKET`` response times kept per bucket for the percentiles.

Per origin and user agent, it also counts requests and failures (``is_failure``: 5xx, 429,
no response) by kind: the evidence of PERF001 (server error rate). The summary keeps
those of the crawl's own user agent (the probe's other agents are another question, BOT
rules), for the ``MAX_ORIGINS`` origins that received the most requests.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from seoaudit.crawl.politeness import is_failure
from seoaudit.stats import percentiles_ms

SAMPLES_PER_BUCKET = 50
TIMELINE_POINTS = 60  # points of the timeline in the report, whatever the run's length
MAX_ORIGINS = 20  # origins listed with their request and failure counts


@dataclass
class _Bucket:
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    ttfb: list[float] = field(default_factory=list)
    max_inflight: int = 0


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


class Footprint:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._start = clock()
        self._buckets: dict[int, _Bucket] = {}
        self._tallies: dict[tuple[str, str], _Tally] = {}  # (origin, user agent)

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
    ) -> None:
        second = int(self._clock() - self._start)
        bucket = self._buckets.get(second)
        if bucket is None:
            bucket = self._buckets[second] = _Bucket()
        bucket.requests += 1
        key = _status_class(status, error)
        bucket.statuses[key] = bucket.statuses.get(key, 0) + 1
        bucket.bytes += wire_bytes
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
        # About TIMELINE_POINTS points whatever the run's length, each at least a second.
        step = max(1, math.ceil((last + 1) / TIMELINE_POINTS))
        for start in range(0, last + 1, step):
            window = [self._buckets[s] for s in range(start, start + step) if s in self._buckets]
            samples = percentiles_ms((t for b in window for t in b.ttfb), (50, 95))
            count = sum(b.requests for b in window)
            span = min(step, max(duration - start, 1e-9))
            timeline.append(
                {
                    "t": start,
                    "requests_per_second": round(count / span, 2),
                    "max_in_flight": max((b.max_inflight for b in window), default=0),
                    "ttfb_p50_ms": samples["p50"],
                    "ttfb_p95_ms": samples["p95"],
                    "errors": sum(
                        b.statuses.get("5xx", 0) + b.statuses.get("error", 0) for b in window
                    ),
                }
            )
        return {
            "user_agent": user_agent,
            "limits": limits,
            "duration_s": round(duration, 2),
            "requests": requests,
            "requests_per_second": round(requests / duration, 2),
            # Each one-second bucket divided by the time it really spans: the last one of a
            # run is partial, and counting it as a full second put the peak below the average.
            "peak_requests_per_second": round(
                max(
                    (
                        b.requests / min(1.0, max(duration - s, 1e-9))
                        for s, b in self._buckets.items()
                    ),
                    default=0.0,
                ),
                2,
            ),
            "max_in_flight": max((b.max_inflight for b in self._buckets.values()), default=0),
            "status_mix": dict(sorted(statuses.items())),
            # Per origin, the crawl's user agent only: requests and failures (5xx, 429, no
            # response) by status or error kind, retries included (PERF001 judges them).
            "origins": self._origins(user_agent),
            "bytes": sum(b.bytes for b in self._buckets.values()),
            "ttfb_ms": percentiles_ms(ttfbs, (50, 75, 95, 99)),
            "backoffs": backoffs,
            "stopped_by_error_budget": stopped,
            "timeline": timeline,
        }
