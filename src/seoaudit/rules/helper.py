"""Page rules in a second process: the post-crawl phase on both cores.

After the crawl, page rules are the largest single-threaded step (~0.5 ms per page: reading
and validating the stored facts, then ~90 rules). On a machine with two or more cores,
``iter_findings`` forks one helper that judges the pages with an odd URL id while the
parent judges the even ones. The helper inherits the loaded ``Site`` (copy-on-write, so
nothing is rebuilt), opens its own SQLite connection (a connection must not cross a fork),
and writes its hits to a temporary file in batches; the parent reads them back after its
own half, so neither process waits on the other and the parent never holds the helper's
hits all at once.

Owns: the fork, the file and the fallback. If the helper fails in any way (killed,
crashed, no fork on this platform), the parent judges the helper's half itself: a slower
run, never a missing finding. The order of findings is not kept (the store sorts them).
Must not: change what a rule finds; a test compares every finding with a one-process run.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import tempfile
import traceback
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from seoaudit.rules.registry import Hit, RuleSpec
    from seoaudit.site import Site

log = logging.getLogger(__name__)

PARALLEL_AFTER = 4000  # pages: below this a second process costs more than it saves
PARTS = 2  # the parent judges part 0 (even URL ids), the helper part 1
_BATCH = 2000  # hits pickled together
_WAIT = 600.0  # seconds the parent waits for the helper after its own half

# One record of the helper's file: (rule code, URL, hit, None) for a hit, or
# (rule code, URL, None, error text) for a rule that raised on that page.
Record = tuple[str, str, "Hit | None", str | None]


def wanted(site: Site) -> bool:
    """Worth a second process: two cores or more, fork available, enough pages."""
    return (
        (os.cpu_count() or 1) >= 2
        and "fork" in multiprocessing.get_all_start_methods()
        and site.fetched_count() >= PARALLEL_AFTER
    )


def judge(site: Site, rules: list[RuleSpec], part: int | None) -> Iterator[Record]:
    """Every page rule over the pages of ``part`` (all pages when None): hits and errors
    as records, one page at a time."""
    for page in site.pages(None if part is None else (PARTS, part)):
        for spec in rules:
            try:  # what a rule found before it failed is kept
                for hit in spec.func(page, site):
                    yield spec.code, page.url, hit, None
            except Exception as exc:
                yield spec.code, page.url, None, describe(exc)


def describe(exc: BaseException) -> str:
    """A rule error as the report shows it: the exception and where it was raised."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"[:500]


def _run_helper(site: Site, rules: list[RuleSpec], out: IO[bytes]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    site.store.reconnect()
    batch: list[Record] = []
    for record in judge(site, rules, 1):
        batch.append(record)
        if len(batch) >= _BATCH:
            pickle.dump(batch, out, pickle.HIGHEST_PROTOCOL)
            batch = []
    pickle.dump(batch, out, pickle.HIGHEST_PROTOCOL)
    out.flush()


class Helper:
    """The forked helper judging part 1; ``records()`` after the parent's own part."""

    def __init__(self, site: Site, rules: list[RuleSpec]) -> None:
        self.site, self.rules = site, rules
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in records()
        context = multiprocessing.get_context("fork")
        self._process: Any = context.Process(
            target=_run_helper, args=(site, rules, self._file), daemon=True
        )
        self._process.start()

    def records(self) -> Iterator[Record]:
        """The helper's records once it is done; if it failed, part 1 judged here."""
        try:
            self._process.join(_WAIT)
            if self._process.is_alive() or self._process.exitcode != 0:
                log.warning(
                    "the page-rule helper process failed (exit %s); judging its pages here",
                    self._process.exitcode,
                )
                self.stop()
                yield from judge(self.site, self.rules, 1)
                return
            self._file.seek(0)
            while True:
                try:
                    batch: list[Record] = pickle.load(self._file)  # noqa: S301 - our own file
                except EOFError:
                    return
                yield from batch
        finally:
            self.stop()

    def stop(self) -> None:
        """End the helper (an interrupted or failed run) and drop its file."""
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(10)
        with contextlib.suppress(OSError):
            self._file.close()
