"""Politeness: how hard the crawl may press on a server, and when it backs off by itself.

Limits: requests in flight in total, per host, and an optional per-host request rate (or
robots.txt crawl-delay when the user asks for it). Every request the crawler makes (pages,
redirect hops, robots.txt, sitemaps, retries, checks) goes through ``slot``.

Adaptive back-off, per host (each event is recorded with its trigger, so the crawl-impact
report can show the server team exactly when and why the crawler slowed down):

- a 429 or 503 pauses the host for its Retry-After (capped; 5 s when it sends none) and
  halves its concurrency; the trigger says what the server sent and what was done;
- server errors (5xx and failed responses) in 20% or more of the last 50 responses halve it;
- response time rising well above the host's own baseline (median of the last 20 first
  bytes over 3x the median of its first 20, and at least 0.5 s more) halves it;
- 50 healthy responses in a row give one slot back, up to the configured limit.

Each trigger has a cool-down so one burst halves the limit once, not fifty times. Every
event goes to ``backoffs`` with its kind (``Backoff.kind``): a back-off (a lower limit);
the adaptive limit at its floor (one event per stay there, counting the slow-down signals
seen meanwhile: halving 1 changes nothing, so they are no back-offs, though a 429/503
still pauses the host); a slot given back (a recovery); and a crawl-delay applied
(``set_interval``), so the report can say which delay it honoured.
The crawl stops by itself when the error budget is spent: more than ``max_error_rate`` of
the last 100 responses failed, or a host has answered nothing but 429/503 for
``max_throttled_time`` seconds (see ``error_budget_spent``). The second bound matters for a
server that answers every request "503, Retry-After: 30": each answer pauses the host, so
100 answers would take most of an hour.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from seoaudit.models import TLS_ERROR

BASELINE_SAMPLES = 20
RECENT_SAMPLES = 20
ERROR_WINDOW = 50
ERROR_SHARE = 0.2
SLOWDOWN_FACTOR = 3.0
SLOWDOWN_MIN_SECONDS = 0.5
RECOVER_AFTER = 50
COOLDOWN_SECONDS = 10.0
BUDGET_WINDOW = 100
THROTTLED_MIN = 3  # 429/503 answers in a row before max_throttled_time can end the crawl
DEFAULT_RETRY_WAIT = 5.0  # the pause for a 429/503 without Retry-After

# Backoff.kind
BACKOFF = "backoff"
AT_FLOOR = "floor"
RECOVERY = "recovery"
CRAWL_DELAY = "crawl-delay"


def is_failure(status: int | None, error: str | None = None) -> bool:
    """A response that tells of a server in trouble: a 5xx, a 429 (rate limited) or no
    usable response at all (timeout, reset, refused). The one definition the back-off, the
    error budget and the footprint's per-origin tally (PERF001) share. A rejected TLS
    certificate is not one: no load on the server (ONP019 reports it)."""
    if error == TLS_ERROR:
        return False
    return status is None or status >= 500 or status == 429


class CrawlStopped(Exception):
    """Raised to a request still waiting for its turn when the crawl stops (Ctrl-C, the
    error budget): it is not made, and its URL stays unfinished. Without it a stopped
    crawl would still make every waiting request, each after its host's pause."""


@dataclass
class Backoff:
    """One automatic event: when (seconds since the crawl started), which host, why, and
    what the crawler did about it. ``kind``: ``BACKOFF``, ``AT_FLOOR`` (its action is
    updated while the host stays there), ``RECOVERY`` or ``CRAWL_DELAY`` (``seconds``
    between request starts)."""

    at: float
    host: str
    trigger: str
    action: str
    kind: str = BACKOFF
    seconds: float | None = None


@dataclass
class _Host:
    limit: int
    inflight: int = 0
    paused_until: float = 0.0
    interval: float = 0.0  # seconds between request starts (rps or crawl-delay)
    next_start: float = 0.0
    baseline: list[float] = field(default_factory=list)
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT_SAMPLES))
    outcomes: deque[bool] = field(default_factory=lambda: deque(maxlen=ERROR_WINDOW))
    healthy_streak: int = 0
    last_cut: float = -COOLDOWN_SECONDS
    # 429/503 answers in a row (any other answer ends the streak) and when the first came
    throttled: int = 0
    throttled_since: float = 0.0
    floor: Backoff | None = None  # the event of the limit at its floor, while it is there
    floor_signals: int = 0  # slow-down signals seen there since (once per cool-down)
    floor_pauses: int = 0  # ... of which 429/503 answers that paused the host


class Politeness:
    def __init__(
        self,
        concurrency: int,
        per_host: int,
        rps: float | None = None,
        *,
        adaptive: bool = True,
        max_retry_wait: float = 30.0,
        max_error_rate: float = 0.5,
        max_throttled_time: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._total = asyncio.Semaphore(concurrency)
        self.per_host = per_host
        self.interval = 1.0 / rps if rps else 0.0
        self.adaptive = adaptive
        self.max_retry_wait = max_retry_wait
        self.max_error_rate = max_error_rate
        self.max_throttled_time = max_throttled_time
        self._clock = clock
        self._started = clock()
        self._hosts: dict[str, _Host] = {}
        self._changed = asyncio.Condition()
        self._budget: deque[bool] = deque(maxlen=BUDGET_WINDOW)
        # Every event (``Backoff.kind``), in order: the footprint's back-offs, recoveries,
        # floors and crawl-delays (crawl/footprint.py splits them).
        self.backoffs: list[Backoff] = []
        self.inflight = 0
        self.max_inflight = 0
        self._closed = asyncio.Event()
        self._wake: asyncio.Task[None] | None = None

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        """No request starts from now on: those waiting for a slot, a pause or their turn
        raise ``CrawlStopped``; those on the wire finish."""
        if self.closed:
            return
        self._closed.set()
        self._wake = asyncio.get_running_loop().create_task(self._wake_waiters())

    async def _wake_waiters(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when the crawl stops meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), seconds)

    def _host(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host(limit=self.per_host, interval=self.interval)
        return state

    def set_interval(self, host: str, seconds: float) -> None:
        """At least ``seconds`` between request starts on ``host``: robots.txt crawl-delay,
        recorded (``CRAWL_DELAY``) for the limits the report gives."""
        state = self._host(host)
        state.interval = max(state.interval, seconds)
        self.backoffs.append(
            Backoff(
                round(self._clock() - self._started, 2),
                host,
                f"robots.txt crawl-delay {seconds:g} s",
                f"one request every {state.interval:g} s at most",
                CRAWL_DELAY,
                seconds,
            )
        )

    def limit(self, host: str) -> int:
        return self._host(host).limit

    # -- admission ------------------------------------------------------------------------

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        state = self._host(host)
        async with self._changed:
            while state.inflight >= state.limit and not self.closed:
                await self._changed.wait()
            if self.closed:
                raise CrawlStopped
            state.inflight += 1
        try:
            await self._wait_turn(state)  # before a global slot: a paused host holds none
            async with self._total:
                if self.closed:
                    raise CrawlStopped
                self.inflight += 1
                self.max_inflight = max(self.max_inflight, self.inflight)
                try:
                    yield
                finally:
                    self.inflight -= 1
        finally:
            async with self._changed:
                state.inflight -= 1
                self._changed.notify_all()

    async def _wait_turn(self, state: _Host) -> None:
        """Honour a pause (Retry-After) and space request starts by the host's interval."""
        now = self._clock()
        start = max(now, state.paused_until, state.next_start if state.interval else now)
        if state.interval:
            state.next_start = start + state.interval
        if start > now:
            await self.pause(start - now)
        if self.closed:
            raise CrawlStopped

    # -- feedback -------------------------------------------------------------------------

    def observe(
        self,
        host: str,
        status: int | None,
        ttfb: float | None,
        retry_after: float | None,
        error: str | None = None,
    ) -> None:
        """Feed one response back; may pause the host or lower its concurrency. A rejected
        TLS certificate says nothing about the server's load: it is not counted at all."""
        if error == TLS_ERROR:
            return
        state = self._host(host)
        failed = is_failure(status, error)
        state.outcomes.append(failed)
        self._budget.append(failed)
        now = self._clock()
        if status in (429, 503):
            if not state.throttled:
                state.throttled_since = now
            state.throttled += 1
        else:
            state.throttled = 0
        if not self.adaptive:
            return
        if status in (429, 503):
            wait, trigger = self._retry_pause(status, retry_after)
            state.paused_until = max(state.paused_until, now + wait)
            self._cut(state, host, now, trigger, paused=True)
        elif failed and len(state.outcomes) >= 10:
            share = sum(state.outcomes) / len(state.outcomes)
            if share >= ERROR_SHARE:
                self._cut(state, host, now, f"server errors in {share:.0%} of recent responses")
        if ttfb is not None and status is not None and status < 500:
            self._watch_speed(state, host, ttfb, now)
        self._recover(state, host, failed, now)

    def _retry_pause(self, status: int, retry_after: float | None) -> tuple[float, str]:
        """How long a 429/503 pauses its host, and the trigger in words: what the server
        sent (a Retry-After, or none) and what seoaudit did (its default, its cap)."""
        if retry_after is None:
            wait = min(DEFAULT_RETRY_WAIT, self.max_retry_wait)
            why = "default" if wait == DEFAULT_RETRY_WAIT else "seoaudit's cap"
            return wait, f"{status} received, no Retry-After: paused {wait:g} s ({why})"
        sent = f"{status} received with Retry-After {retry_after:g} s"
        if retry_after > self.max_retry_wait:
            wait = self.max_retry_wait
            return wait, f"{sent}: paused {wait:g} s (seoaudit's cap)"
        return retry_after, f"{sent}: paused {retry_after:g} s"

    def _watch_speed(self, state: _Host, host: str, ttfb: float, now: float) -> None:
        if len(state.baseline) < BASELINE_SAMPLES:
            state.baseline.append(ttfb)
            return
        state.recent.append(ttfb)
        if len(state.recent) < RECENT_SAMPLES:
            return
        base = statistics.median(state.baseline)
        current = statistics.median(state.recent)
        if current > base * SLOWDOWN_FACTOR and current - base > SLOWDOWN_MIN_SECONDS:
            self._cut(
                state,
                host,
                now,
                f"response time rose to {current:.2f}s (median) from a {base:.2f}s baseline",
            )

    def _cut(
        self, state: _Host, host: str, now: float, trigger: str, *, paused: bool = False
    ) -> None:
        """Halve the host's concurrency, once per cool-down: a back-off. Halving a limit
        already at its floor changes nothing and is none: the first time is recorded as
        the floor reached (``AT_FLOOR``), the signals after it counted there (``paused``:
        a 429/503, which paused the host all the same)."""
        state.healthy_streak = 0
        if now - state.last_cut < COOLDOWN_SECONDS:
            return
        state.last_cut = now
        before = state.limit
        state.limit = max(1, state.limit // 2)
        at = round(now - self._started, 2)
        if state.limit < before:
            action = f"per-host concurrency {before} -> {state.limit}"
            self.backoffs.append(Backoff(at, host, trigger, action))
            return
        if state.floor is None:
            state.floor = Backoff(at, host, trigger, "", AT_FLOOR)
            state.floor_signals = state.floor_pauses = 0
            self.backoffs.append(state.floor)
        else:
            state.floor_signals += 1
            state.floor_pauses += paused
        state.floor.action = (
            f"at the floor: {before} in flight, {state.floor_signals} more slow-down "
            f"signal(s) seen since"
            + (
                f", {state.floor_pauses} of them 429/503 (each paused the host)"
                if state.floor_pauses
                else ""
            )
        )

    def _recover(self, state: _Host, host: str, failed: bool, now: float) -> None:
        """Give one slot back after ``RECOVER_AFTER`` healthy responses in a row, recorded
        (``RECOVERY``): the server sees more requests in flight again."""
        if failed:
            state.healthy_streak = 0
            return
        state.healthy_streak += 1
        if state.healthy_streak >= RECOVER_AFTER and state.limit < self.per_host:
            before = state.limit
            state.limit += 1
            state.healthy_streak = 0
            state.floor = None  # off the floor: a new stay there is a new event
            self.backoffs.append(
                Backoff(
                    round(now - self._started, 2),
                    host,
                    f"{RECOVER_AFTER} healthy responses in a row",
                    f"per-host concurrency {before} -> {state.limit} (recovered)",
                    RECOVERY,
                )
            )

    def error_budget_spent(self) -> str | None:
        """Why the crawl should stop: too many failures among the last 100 responses, or a
        host that has answered only 429/503 (asking us to wait) for too long."""
        now = self._clock()
        for host, state in self._hosts.items():
            waited = now - state.throttled_since
            if state.throttled >= THROTTLED_MIN and waited >= self.max_throttled_time:
                return (
                    f"{host} answered only 429/503 (too busy, come back later) to the last "
                    f"{state.throttled} requests, for {waited:.0f}s (max_throttled_time "
                    f"{self.max_throttled_time:g}s): crawling on would only add load"
                )  # the advice is the run's to give (audit.py), knowing its pace
        if len(self._budget) < BUDGET_WINDOW:
            return None
        share = sum(self._budget) / len(self._budget)
        if share > self.max_error_rate:
            return (
                f"the server failed {share:.0%} of the last {len(self._budget)} requests "
                f"(5xx, 429 or no response; the error budget is {self.max_error_rate:.0%}): "
                "crawling on would only add load"
            )
        return None
