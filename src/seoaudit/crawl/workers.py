"""Extraction worker processes, fed over socket pairs by the crawler's own event loop.

Each worker is a forked process with one end of a socket pair. The crawler writes a job
(the fetch result and its robots.txt verdict) to the worker's socket through an asyncio
transport and reads the answer (the page's digest, crawl/digest.py) in a protocol's
``data_received``: no thread in the crawler process takes part. A frame is a 4-byte
big-endian length and a pickle.

Why not ``concurrent.futures.ProcessPoolExecutor``: its manager and queue-feeder threads
take the crawler's GIL on every page (~10% of the crawler's samples under py-spy), and while
those threads wait for the GIL the worker blocks on a full pipe; a worker measured busy 75%
of the crawl. Here the worker blocks only when it has nothing to do.

Owns: starting, feeding and stopping the workers, and telling the caller when one is gone.
A worker that dies (killed, out of memory) fails its jobs with :class:`WorkerGone` and takes
no new ones; the crawler then parses those pages itself, so no page is lost. An exception
raised by the job itself comes back as :class:`JobError` with the original type and message.
Must not: know what a job does; the crawler passes the function.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import struct
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_HEAD = struct.Struct(">I")
_BUFFER = 1 << 20  # socket buffer asked for (the kernel may cap it)
_JOIN_SECONDS = 5.0  # wait for a worker to exit before killing it


class WorkerGone(Exception):
    """The worker process ended (or was never reachable) before answering."""


class JobError(Exception):
    """The job raised in the worker; the message is ``"Type: message"``."""


Job = Callable[..., Any]


def describe(exc: BaseException) -> str:
    """``Type: message``, as a page's internal error is recorded; a JobError carries its
    original's already, so a page reads the same whichever process parsed it."""
    return str(exc) if isinstance(exc, JobError) else f"{type(exc).__name__}: {exc}"


def _serve(sock: socket.socket, inherited: list[int], job: Job) -> None:
    """The worker process: answer jobs in order until the crawler closes its end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawler's to handle
    # Everything inherited from the crawler stays alive as long as this process: out of
    # the collector's sight, so a full collection scans only the worker's own objects
    # (it scanned the crawler's whole heap, ~5% of a worker's CPU) and leaves the pages
    # shared with the crawler untouched (no copy-on-write).
    gc.freeze()
    for fd in inherited:  # other workers' crawler ends: keep their EOF theirs
        with contextlib.suppress(OSError):
            os.close(fd)
    reader = sock.makefile("rb")
    while True:
        try:
            head = reader.read(_HEAD.size)
            if len(head) < _HEAD.size:
                return  # the crawler closed its end: done
            frame = reader.read(_HEAD.unpack(head)[0])
        except OSError:
            return  # the crawler is gone
        ident, args = pickle.loads(frame)  # noqa: S301 - our own socket pair
        answer: tuple[int, Any, str | None]
        try:
            answer = (ident, job(*args), None)
        except Exception as exc:  # the crawler records it as that page's internal error
            answer = (ident, None, describe(exc))
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            sock.sendall(_HEAD.pack(len(data)) + data)
        except OSError:
            return  # the crawler closed its end while this job ran


class _Channel(asyncio.Protocol):
    """The crawler's end of one worker: jobs out, answers in, futures resolved."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.transport: asyncio.Transport | None = None
        self.waiting: dict[int, asyncio.Future[Any]] = {}
        self.open = True
        self._buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        start = 0
        while len(buffer) - start >= _HEAD.size:
            end = start + _HEAD.size + _HEAD.unpack_from(buffer, start)[0]
            if len(buffer) < end:
                break
            with memoryview(buffer) as view:  # released before the buffer is cut
                ident, value, error = pickle.loads(view[start + _HEAD.size : end])  # noqa: S301 - from our own worker
            start = end
            future = self.waiting.pop(ident, None)
            if future is None or future.done():  # its page was cancelled (Ctrl-C)
                continue
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(JobError(error))
        del buffer[:start]

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        for future in self.waiting.values():
            if not future.done():
                future.set_exception(WorkerGone("the extraction worker ended"))
        self.waiting.clear()

    def send(self, ident: int, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        assert self.transport is not None
        data = pickle.dumps((ident, args), protocol=pickle.HIGHEST_PROTOCOL)
        future = asyncio.get_running_loop().create_future()
        self.waiting[ident] = future
        self.transport.writelines((_HEAD.pack(len(data)), data))
        return future


class Workers:
    """``count`` worker processes running ``job``; :meth:`run` sends a job to the least
    busy one. Start with :meth:`start` inside the event loop, end with :meth:`close`."""

    def __init__(self, count: int, job: Job) -> None:
        self.count = count
        self.job = job
        self._channels: list[_Channel] = []
        self._processes: list[multiprocessing.process.BaseProcess] = []
        self._ident = 0
        self._ready = asyncio.Event()  # set when start() is over, workers or not

    async def start(self) -> None:
        """Fork the workers. Pages that arrive meanwhile wait for it; a failure to fork
        leaves fewer (or no) workers, which :meth:`run` reports as WorkerGone."""
        try:
            await self._start()
        except OSError as exc:
            log.warning("could not start extraction workers: %s", exc)
        finally:
            self._ready.set()

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        context = multiprocessing.get_context("fork")
        for _ in range(self.count):
            mine, theirs = socket.socketpair()
            for sock in (mine, theirs):
                for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
                    with contextlib.suppress(OSError):
                        sock.setsockopt(socket.SOL_SOCKET, option, _BUFFER)
            inherited = [c.sock.fileno() for c in self._channels] + [mine.fileno()]
            process = context.Process(
                target=_serve, args=(theirs, inherited, self.job), daemon=True
            )
            process.start()
            theirs.close()
            self._processes.append(process)
            _, channel = await loop.create_connection(functools.partial(_Channel, mine), sock=mine)
            self._channels.append(channel)

    def busy(self) -> int:
        """Jobs sent and not answered yet, over all workers."""
        return sum(len(c.waiting) for c in self._channels)

    def live(self) -> int:
        """Workers that can take a job: all of them until they have started, then those
        whose process has not gone."""
        if not self._ready.is_set():
            return self.count
        return sum(1 for c in self._channels if c.open)

    async def run(self, *args: Any) -> Any:
        """The job's result from a worker. Raises WorkerGone when no worker can answer
        and JobError when the job raised."""
        await self._ready.wait()
        channels = [c for c in self._channels if c.open]
        if not channels:
            raise WorkerGone("no extraction worker is running")
        channel = min(channels, key=lambda c: len(c.waiting))
        self._ident += 1
        return await channel.send(self._ident, args)

    def close(self) -> None:
        """End every worker: shut its socket down now (it exits at EOF; the transport
        would only close it on a later turn of the loop), then kill any that lingers."""
        for channel in self._channels:
            with contextlib.suppress(OSError):
                channel.sock.shutdown(socket.SHUT_RDWR)
            if channel.transport is not None:
                channel.transport.abort()
        for process in self._processes:
            process.join(_JOIN_SECONDS)
            if process.is_alive():
                process.kill()
                process.join(_JOIN_SECONDS)
        self._channels.clear()
        self._processes.clear()
