"""Extraction worker processes fed over socket pairs (crawl/workers.py)."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from seoaudit.crawl.workers import JobError, WorkerGone, Workers


def _square(n: int, pad: bytes = b"") -> tuple[int, int, int]:
    if n < 0:
        raise ValueError(f"negative: {n}")
    return n * n, len(pad), os.getpid()


def _run(count: int, body: Callable[[Workers], Awaitable[Any]], job: Any = _square) -> Any:
    async def main() -> Any:
        workers = Workers(count, job)
        await workers.start()
        try:
            return await body(workers)
        finally:
            workers.close()

    return asyncio.run(main())


def test_jobs_run_in_other_processes_and_answers_find_their_caller() -> None:
    big = b"x" * 3_000_000  # a frame far larger than any socket buffer

    async def body(workers: Workers) -> list[Any]:
        return list(
            await asyncio.gather(*(workers.run(n, big if n == 7 else b"") for n in range(40)))
        )

    answers = _run(2, body)
    assert [a[0] for a in answers] == [n * n for n in range(40)]
    assert answers[7][1] == len(big)
    pids = {a[2] for a in answers}
    assert os.getpid() not in pids
    assert len(pids) == 2  # the least busy worker gets the job: both took some


def test_a_job_that_raises_comes_back_as_job_error_and_the_worker_goes_on() -> None:
    async def body(workers: Workers) -> tuple[str, Any]:
        with pytest.raises(JobError) as raised:
            await workers.run(-3)
        return str(raised.value), await workers.run(4)

    message, after = _run(1, body)
    assert message == "ValueError: negative: -3"
    assert after[0] == 16


def _slow(n: int) -> int:
    time.sleep(0.2)
    return n


def test_a_killed_worker_fails_its_jobs_with_worker_gone_and_takes_no_more() -> None:
    async def body(workers: Workers) -> tuple[list[Any], int]:
        pending = [asyncio.ensure_future(workers.run(n)) for n in range(3)]
        await asyncio.sleep(0.05)
        (process,) = workers._processes
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        done = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 10)
        with pytest.raises(WorkerGone):
            await workers.run(9)
        return list(done), workers.live()

    done, live = _run(1, body, job=_slow)
    assert all(isinstance(d, WorkerGone) for d in done)
    assert live == 0


def test_after_one_of_two_workers_dies_the_other_takes_every_job() -> None:
    async def body(workers: Workers) -> tuple[int, int, set[int]]:
        before = workers.live()
        victim = workers._processes[0]
        assert victim.pid is not None
        os.kill(victim.pid, signal.SIGKILL)
        for _ in range(100):  # the parent sees the socket close on a later loop turn
            if workers.live() < before:
                break
            await asyncio.sleep(0.02)
        answers = await asyncio.gather(*(workers.run(n) for n in range(6)))
        return before, workers.live(), {a[2] for a in answers}

    before, after, pids = _run(2, body)
    assert (before, after) == (2, 1)
    assert len(pids) == 1 and os.getpid() not in pids


def test_close_ends_every_worker_even_with_jobs_in_flight() -> None:
    seen: list[Any] = []

    async def main() -> None:
        workers = Workers(2, _slow)
        await workers.start()
        seen.extend(workers._processes)
        tasks = [asyncio.ensure_future(workers.run(n)) for n in range(6)]
        await asyncio.sleep(0.05)
        started = time.monotonic()
        workers.close()
        seen.append(time.monotonic() - started)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    *processes, took = seen
    assert len(processes) == 2
    assert not any(p.is_alive() for p in processes)
    assert took < 3  # each exits at EOF after its current job; none needed killing


def test_no_worker_means_worker_gone_not_a_hang() -> None:
    async def body(workers: Workers) -> int:
        with pytest.raises(WorkerGone):
            await workers.run(1)
        return workers.live()

    assert _run(0, body) == 0


def _frozen(_n: int) -> tuple[int, int]:
    return gc.get_freeze_count(), len(gc.get_objects(generation=2))


def test_a_worker_keeps_what_it_inherited_out_of_the_collectors_sight() -> None:
    # The crawler's heap, copied at fork, is frozen in the worker: its full collections
    # scan only the worker's own objects, and the shared pages are never written.
    inherited = len(gc.get_objects())
    frozen, scanned = _run(1, lambda workers: workers.run(0), job=_frozen)
    assert frozen >= inherited // 2
    assert scanned < frozen
