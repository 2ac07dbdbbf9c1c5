"""Politeness: how hard the crawl may press on a server.

A total limit of requests in flight, a per-host limit, and an optional per-host request
rate. Every request the crawler makes (pages, redirect hops, robots.txt, sitemaps,
retries) goes through ``slot``, so the limits hold for all of them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Politeness:
    def __init__(self, concurrency: int, per_host: int, rps: float | None = None) -> None:
        self._total = asyncio.Semaphore(concurrency)
        self._per_host = per_host
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._interval = 1.0 / rps if rps else 0.0
        self._next_start: dict[str, float] = {}
        self._rate_locks: dict[str, asyncio.Lock] = {}

    def _host_semaphore(self, host: str) -> asyncio.Semaphore:
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self._per_host)
        return sem

    async def _pace(self, host: str) -> None:
        """Space request starts on one host at least 1/rps seconds apart."""
        lock = self._rate_locks.get(host)
        if lock is None:
            lock = self._rate_locks[host] = asyncio.Lock()
        async with lock:
            now = time.monotonic()
            start = max(now, self._next_start.get(host, now))
            self._next_start[host] = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        async with self._host_semaphore(host), self._total:
            if self._interval:
                await self._pace(host)
            yield
