"""Page rules in a second process: the post-crawl phase on both cores.

After the crawl, page rules are the largest single-threaded step (~0.5 ms per page: reading
and validating the stored facts, then ~90 rules). On a machine with two or more cores,
``iter_findings`` forks one helper, and both processes judge the pages in chunks of
``CHUNK`` pages (URL-id ranges), each taking the next chunk from a shared pipe when it is
done with its last. Claiming beats a fixed split: the parent also turns every hit into a
finding and stores it, and pages differ in cost (a site's product pages carry more markup
than its articles), so a fixed half left the helper idle for seconds at 20,000 pages. The
helper inherits the loaded ``Site`` (copy-on-write, so nothing is rebuilt), opens its own
SQLite connection (a connection must not cross a fork), and appends each chunk's hits to a
temporary file as one length-prefixed frame; between its own chunks the parent reads the
frames that are complete, so the helper's hits are stored while it works, never all held.

Owns: the fork, the chunks, the file and the fallback. If the helper fails in any way
(killed, crashed, no fork on this platform), the parent judges every chunk the helper did
not finish: a slower run, never a missing finding. The order of findings is not kept (the
store sorts them). Must not: change what a rule finds; a test compares every finding with
a one-process run.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import struct
import tempfile
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from seoaudit.models import PageFacts
    from seoaudit.rules.registry import Hit, RuleSpec
    from seoaudit.site import Site

log = logging.getLogger(__name__)

PARALLEL_AFTER = 4000  # pages: below this a second process costs more than it saves
CHUNK = 100  # pages judged per claim: small enough to even out, large enough to be cheap
MAX_CHUNKS = 4000  # 4-byte chunk numbers that fit any pipe's buffer (16 KiB) unread
_FRAME = struct.Struct("<Q")  # length of one chunk's pickled records
_WAIT = 600.0  # seconds the parent waits for the helper after the last chunk

# One record of the helper's file: (rule code, URL, hit, None) for a hit, or
# (rule code, URL, None, error text) for a rule that raised on that page (URL None: a
# site rule that raised).
Record = tuple[str, "str | None", "Hit | None", str | None]
SITE_RULES = -1  # the frame of the site rules' records


def wanted(site: Site) -> bool:
    """Worth a second process: two cores or more, fork available, enough pages."""
    return (
        (os.cpu_count() or 1) >= 2
        and "fork" in multiprocessing.get_all_start_methods()
        and site.fetched_count() >= PARALLEL_AFTER
    )


def judge(site: Site, rules: list[RuleSpec], pages: Iterable[PageFacts]) -> Iterator[Record]:
    """Every page rule over ``pages``: hits and errors as records, one page at a time."""
    for page in pages:
        for spec in rules:
            try:  # what a rule found before it failed is kept
                for hit in spec.func(page, site):
                    yield spec.code, page.url, hit, None
            except Exception as exc:
                yield spec.code, page.url, None, describe(exc)


def judge_site(site: Site, rules: list[RuleSpec]) -> Iterator[Record]:
    """Every site rule, in order: hits, and an error (with no URL) for a rule that raised."""
    for spec in rules:
        try:  # what a rule found before it failed is kept
            for hit in spec.func(site):
                yield spec.code, hit.url, hit, None
        except Exception as exc:
            yield spec.code, None, None, describe(exc)


def describe(exc: BaseException) -> str:
    """A rule error as the report shows it: the exception and where it was raised."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"[:500]


def _claim(claims: int) -> int | None:
    """The next chunk nobody has taken, or None when all are: the chunk numbers wait in a
    pipe that both processes read 4 bytes at a time (a read that small is atomic)."""
    data = os.read(claims, 4)
    return int.from_bytes(data, "little") if len(data) == 4 else None


def _write_frame(out: IO[bytes], chunk: int, records: list[Record]) -> None:
    data = pickle.dumps((chunk, records), pickle.HIGHEST_PROTOCOL)
    out.write(_FRAME.pack(len(data)) + data)
    out.flush()


def _run_helper(
    site: Site,
    rules: list[RuleSpec],
    site_rules: list[RuleSpec],
    chunks: list[tuple[int, int]],
    claims: int,
    out: IO[bytes],
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    site.store.reconnect()
    # The site rules first, while the parent takes page chunks: no process waits for them.
    _write_frame(out, SITE_RULES, list(judge_site(site, site_rules)))
    while (chunk := _claim(claims)) is not None:
        _write_frame(out, chunk, list(judge(site, rules, site.pages(chunks[chunk]))))


def chunks_of(site: Site) -> list[tuple[int, int]]:
    """The URL-id ranges of ``CHUNK`` pages, or of more on a site so large that so many
    chunk numbers would not fit the pipe."""
    return site.store.page_chunks(CHUNK, most=MAX_CHUNKS)


class Helper:
    """The forked helper, which runs the site rules and then takes page chunks;
    ``records()`` judges the parent's chunks and yields every record of both processes."""

    def __init__(self, site: Site, rules: list[RuleSpec], site_rules: list[RuleSpec]) -> None:
        self.site, self.rules, self.site_rules = site, rules, site_rules
        self.chunks = chunks_of(site)
        read, write = os.pipe()
        try:
            os.write(write, b"".join(n.to_bytes(4, "little") for n in range(len(self.chunks))))
        finally:
            os.close(write)  # no writer left: an empty pipe reads as the end, never blocks
        self._claims = read
        fd, path = tempfile.mkstemp(prefix="seoaudit-rules-")
        self._path = Path(path)
        self._out = os.fdopen(fd, "wb")  # the helper's; the parent reads with its own offset
        self._in = self._path.open("rb")
        self.done_there: set[int] = set()  # chunks (and SITE_RULES) the helper judged
        self.done_here: set[int] = set()  # chunks the parent judged
        self._stopped = False
        context = multiprocessing.get_context("fork")
        self._process: Any = context.Process(
            target=_run_helper,
            args=(site, rules, site_rules, self.chunks, self._claims, self._out),
            daemon=True,
        )
        try:
            self._process.start()
        except OSError as exc:  # no fork (out of memory, process limit): all chunks here
            log.warning("could not start the page-rule helper process: %s", exc)
            self._process = None

    def records(self) -> Iterator[Record]:
        """The parent's chunks, judged here, with the helper's records read in between;
        then the helper's last ones, or, if it failed, every chunk it did not finish (and
        the site rules, if it did not get to write their records)."""
        try:
            while (chunk := _claim(self._claims)) is not None:
                self.done_here.add(chunk)
                yield from judge(self.site, self.rules, self.site.pages(self.chunks[chunk]))
                yield from self._read_frames()
            if self._process is not None:
                self._process.join(_WAIT)
                if self._process.is_alive() or self._process.exitcode != 0:
                    log.warning(
                        "the page-rule helper process failed (exit %s); judging its pages here",
                        self._process.exitcode,
                    )
                    self._terminate()
            yield from self._read_frames()
            if SITE_RULES not in self.done_there:
                yield from judge_site(self.site, self.site_rules)
            for chunk in range(len(self.chunks)):
                if chunk not in self.done_here and chunk not in self.done_there:
                    self.done_here.add(chunk)
                    yield from judge(self.site, self.rules, self.site.pages(self.chunks[chunk]))
        finally:
            self.stop()

    def _read_frames(self) -> Iterator[Record]:
        """The records of every chunk the helper has written completely so far."""
        while True:
            start = self._in.tell()
            head = self._in.read(_FRAME.size)
            size = _FRAME.unpack(head)[0] if len(head) == _FRAME.size else -1
            data = self._in.read(size) if size >= 0 else b""
            if len(data) != size:
                self._in.seek(start)  # not all written yet: read again later
                return
            chunk, records = pickle.loads(data)  # noqa: S301 - our own file
            self.done_there.add(chunk)
            yield from records

    def _terminate(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join(10)

    def stop(self) -> None:
        """End the helper (an interrupted or failed run) and drop its file and pipe; once
        (a second close could hit a descriptor number reused since)."""
        if self._stopped:
            return
        self._stopped = True
        self._terminate()
        for closing in (self._out.close, self._in.close, lambda: os.close(self._claims)):
            with contextlib.suppress(OSError):
                closing()
        with contextlib.suppress(OSError):
            self._path.unlink(missing_ok=True)
