"""A minimal keep-alive HTTP/1.1 load generator for measuring the devserver itself.

Raw asyncio streams, no HTTP library, so that the client costs less than the server and
the number measures the server. It understands only what the devserver sends
(Content-Length bodies) and is bounded in requests and in time. Loopback only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    body_bytes: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def _worker(
    host: str, port: int, paths: Sequence[str], deadline: float, result: LoadResult
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for path in paths:
            if time.monotonic() > deadline:
                return
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                result.errors += 1
            result.requests += 1
            result.body_bytes += len(body)
    finally:
        writer.close()


async def run_load(
    host: str,
    port: int,
    paths: Sequence[str],
    connections: int = 8,
    timeout: float = 60.0,
) -> LoadResult:
    """GET every path once, spread over ``connections`` keep-alive connections."""
    result = LoadResult(0, 0, 0.0, 0)
    deadline = time.monotonic() + timeout
    started = time.perf_counter()
    shares = [paths[k::connections] for k in range(connections)]
    async with asyncio.timeout(timeout + 5):
        await asyncio.gather(*(_worker(host, port, s, deadline, result) for s in shares))
    result.seconds = time.perf_counter() - started
    return result
