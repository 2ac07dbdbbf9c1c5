"""The run store: one SQLite file per run, holding what the crawl saw and what rules found.

It makes a run something to come back to: reports are written from it without
re-crawling, rules can be re-run over it, and an interrupted run keeps everything it had
(writes are batched in transactions; WAL mode keeps the file consistent after a kill).

URLs are stored once and referred to by integer id. A page's outgoing links are one row
(``page_links``): the target ids as little-endian int32, then one flag byte per link (kind
<< 1 | nofollow), in document order: five bytes per link, where a row per link with an
index by target cost ~27 (and its inserts ~1.6 s of the crawler's CPU per 2 million
links, the index ~0.9 s more). Who links to a page is answered from the graph in memory
(``Site``). Run files written before kept a row per link (``links``); both are read.
Page facts are stored as compressed JSON of ``PageFacts``.

This module owns the schema and all SQL. It knows nothing about HTTP or HTML.
"""

from __future__ import annotations

import array
import contextlib
import errno
import itertools
import json
import os
import re
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from seoaudit import findings as findings_module
from seoaudit import summary
from seoaudit.crawl.checks import CheckResult
from seoaudit.findings import Findings
from seoaudit.models import Finding, PageFacts, RuleError, RunInfo, Source

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, run files are not guarded there
    fcntl = None  # type: ignore[assignment]

SCHEMA_VERSION = 1

# Link kinds (page_links flags, and the links table of older run files).
LINK_A, LINK_CANONICAL, LINK_HREFLANG, LINK_REDIRECT = 0, 1, 2, 3

# URL states: what the crawl did with a URL. "skipped" is a crawl trap (crawl/traps.py).
QUEUED, DONE, BLOCKED, EXTERNAL, EXCLUDED, NOT_CRAWLED, SKIPPED = (
    "queued",
    "done",
    "blocked",
    "external",
    "excluded",
    "not-crawled",
    "skipped",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS urls (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    depth INTEGER,
    source TEXT,
    state TEXT NOT NULL DEFAULT 'queued'
);
CREATE TABLE IF NOT EXISTS pages (
    url_id INTEGER PRIMARY KEY,
    status INTEGER,
    error TEXT,
    location_id INTEGER,
    content_type TEXT,
    is_html INTEGER NOT NULL DEFAULT 0,
    robots_allowed INTEGER,
    ttfb REAL,
    total REAL,
    size INTEGER,
    indexability TEXT,
    facts BLOB NOT NULL,
    summary BLOB
);
CREATE TABLE IF NOT EXISTS links (
    src INTEGER NOT NULL,
    dst INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    nofollow INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS robots (
    origin TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    status INTEGER,
    error TEXT,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    redirects INTEGER NOT NULL DEFAULT 0,
    body BLOB,
    content_type TEXT
);
CREATE TABLE IF NOT EXISTS probes (
    url TEXT NOT NULL,
    profile TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (url, profile)
);
CREATE TABLE IF NOT EXISTS sitemaps (
    url TEXT PRIMARY KEY,
    parent TEXT,
    status INTEGER,
    error TEXT,
    kind TEXT,
    entries INTEGER NOT NULL DEFAULT 0,
    facts TEXT
);
CREATE TABLE IF NOT EXISTS sitemap_urls (
    url_id INTEGER NOT NULL,
    sitemap TEXT NOT NULL,
    PRIMARY KEY (url_id, sitemap)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sitemap_hreflang (
    url TEXT NOT NULL,
    sitemap TEXT NOT NULL,
    lang TEXT NOT NULL,
    href TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS findings (
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    url TEXT NOT NULL,
    cause TEXT,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checks (
    url TEXT PRIMARY KEY,
    purposes TEXT NOT NULL,
    status INTEGER,
    error TEXT,
    final_url TEXT NOT NULL,
    redirects INTEGER NOT NULL DEFAULT 0,
    content_type TEXT,
    robots_allowed INTEGER
);
CREATE TABLE IF NOT EXISTS traps (
    reason TEXT NOT NULL,
    section TEXT NOT NULL,
    count INTEGER NOT NULL,
    examples TEXT NOT NULL,
    PRIMARY KEY (reason, section)
);
CREATE TABLE IF NOT EXISTS rule_errors (rule TEXT NOT NULL, url TEXT, error TEXT NOT NULL);
"""


# Made whenever a run file is opened: new files, and older ones (whose ``links`` rows are
# still read beside it).
_PAGE_LINKS = "CREATE TABLE IF NOT EXISTS page_links (src INTEGER NOT NULL, data BLOB NOT NULL)"
# The client's words for a failed URL check: a table of its own (not a column of checks),
# so that earlier versions, which read checks with SELECT *, still read newer run files.
_CHECK_DETAILS = "CREATE TABLE IF NOT EXISTS check_details (url TEXT PRIMARY KEY, detail TEXT)"
# The pixel size of a checked image (structured data's), likewise a table of its own.
_CHECK_IMAGES = (
    "CREATE TABLE IF NOT EXISTS check_images"
    " (url TEXT PRIMARY KEY, width INTEGER NOT NULL, height INTEGER NOT NULL)"
)
# The robots.txt a twin-origin check read (crawl/checks.py ROBOTS_TWIN), likewise.
_CHECK_BODIES = "CREATE TABLE IF NOT EXISTS check_bodies (url TEXT PRIMARY KEY, body BLOB NOT NULL)"
IdArray = npt.NDArray[np.int32]


def link_flag(kind: int, nofollow: bool) -> int:
    """A link's flag byte in ``page_links``."""
    return kind << 1 | nofollow


_INSERT_PAGE = "INSERT OR REPLACE INTO pages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
# The pages whose fetch failed the way the error budget counts (``requeue_failures``): a
# 5xx, a 429 or no response, but not the errors that say nothing of the server's load: a
# rejected certificate (models.TLS_ERROR), seoaudit's own bug, a URL that cannot be
# requested, a redirect chain that cannot be followed. Redirect hops are left out.
_FAILED_PAGES = (
    "SELECT url_id, status FROM pages WHERE location_id IS NULL AND (status >= 500 OR "
    "status = 429 OR (status IS NULL AND error IS NOT NULL AND error NOT IN ('tls-error', "
    "'internal-error', 'invalid-url', 'redirect-loop', 'too-many-redirects', "
    "'bad-redirect-location')))"
)

# The columns of a page row after its URL id, the packed facts and summary last (see
# ``page_row``).
PageRow = tuple[
    int | None,  # status
    str | None,  # error
    int | None,  # location id (the redirect target)
    str | None,  # content type
    int,  # is HTML
    int | None,  # robots.txt allows it (None: not checked)
    float | None,  # ttfb
    float | None,  # total
    int | None,  # size
    str | None,  # indexability
    bytes,  # the packed facts
    bytes,  # the packed summary (summary.pack)
]


def page_row(facts: PageFacts, location_id: int | None, indexability: str | None) -> PageRow:
    """What ``Store.add_row`` stores of a page: pure, so a worker process can make it."""
    robots = None if facts.robots is None else int(facts.robots.allowed)
    return (
        facts.status,
        facts.error,
        location_id,
        facts.content_type,
        int(facts.is_html),
        robots,
        facts.ttfb,
        facts.total,
        facts.size,
        indexability,
        _pack(facts),
        summary.pack(facts),
    )


def _pack(facts: PageFacts) -> bytes:
    return zlib.compress(facts.model_dump_json(exclude_defaults=True).encode(), 1)


def _unpack(blob: bytes) -> PageFacts:
    return PageFacts.model_validate_json(zlib.decompress(blob))


def _checks_query(details: bool, images: bool, bodies: bool) -> str:
    """Every stored check with its error detail, image size and body (NULL where a
    read-only older run file has no such table)."""
    columns = ["checks.*"]
    joins = []
    if details:
        columns.append("check_details.detail")
        joins.append(" LEFT JOIN check_details ON check_details.url = checks.url")
    else:
        columns.append("NULL")
    if images:
        columns.append("check_images.width, check_images.height")
        joins.append(" LEFT JOIN check_images ON check_images.url = checks.url")
    else:
        columns.append("NULL, NULL")
    if bodies:
        columns.append("check_bodies.body")
        joins.append(" LEFT JOIN check_bodies ON check_bodies.url = checks.url")
    else:
        columns.append("NULL")
    # Only the fixed names above are put together: nothing from outside.
    return f"SELECT {', '.join(columns)} FROM checks{''.join(joins)} ORDER BY checks.url"  # noqa: S608


def _connect(path: Path) -> sqlite3.Connection:
    """A connection to a run file as the store uses it: autocommit (transactions are
    explicit), usable from the thread that writes, durable at each WAL checkpoint."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA synchronous=NORMAL")
    return db


# Run-file meta key: when the run started, to the microsecond (RunInfo.started_at, which
# reports show, has whole seconds); orders runs started in one second (``latest_run``,
# the KPI trend).
STARTED = "started"
RUN_ID_TIME = re.compile(r"(\d{8}-\d{6})")  # new_run_id's timestamp, UTC
RUN_ID_FORMAT = "%Y%m%d-%H%M%S"  # ... as written and read


def instant(raw: object) -> float | None:
    """A recorded time as a POSIX timestamp: ISO 8601, or a run id's 20261123-101500
    (both UTC when they carry no offset)."""
    if not isinstance(raw, str):
        return None
    try:
        if RUN_ID_TIME.fullmatch(raw):
            when = datetime.strptime(raw, RUN_ID_FORMAT)
        else:
            when = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def read_meta(path: Path, *keys: str) -> dict[str, Any] | None:
    """``keys`` of the run file's meta table (those it has), or None when ``path`` is no
    readable run file (another program's database, an empty or damaged file, a folder,
    no permission). One SELECT and nothing else: unlike ``Store``, this sets no journal
    mode, adds no table, reads no URL, and never creates the file; for looking over many
    run files at once."""
    try:  # mode=rw: never create; a write-protected file is opened read-only
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True, timeout=1.0)
    except sqlite3.Error:
        return None
    marks = ", ".join("?" for _ in keys)
    try:
        rows = db.execute(f"SELECT key, value FROM meta WHERE key IN ({marks})", keys)  # noqa: S608
        found = rows.fetchall()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    meta: dict[str, Any] = {}
    for key, value in found:
        with contextlib.suppress(TypeError, ValueError):
            meta[key] = json.loads(value)
    return meta


class StoreError(Exception):
    """The run file is missing, not a seoaudit run, or from an incompatible version."""


class RunFileFull(StoreError):
    """The run file could not be written: the disk (or the user's quota) is full. What it
    stored before is kept, consistent as of its last batch."""

    def __init__(self, path: Path, cause: str, *, resumable: bool) -> None:
        then = (
            f"continue it: seoaudit audit --resume {path}"
            if resumable
            else (f"judge it: seoaudit report {path}")
        )
        super().__init__(
            f"cannot write the run file {path}: {cause}. What it stored is kept: "
            f"free some space, then {then}"
        )


# Free space (bytes an unprivileged process may still write) below which the disk holding
# a run file counts as full when SQLite reports a plain I/O error: a few of its pages.
ALMOST_FULL_BYTES = 1 << 20


def disk_full(exc: BaseException, run_file: Path | None = None) -> str | None:
    """What says that the disk holding the run file is full, when ``exc`` (or the
    exception it was raised from or while handling) does: SQLite's SQLITE_FULL, or
    ENOSPC / EDQUOT from the system; None for any other error.

    SQLite may report a full disk as a plain I/O error ("disk I/O error", SQLITE_IOERR
    and its extended codes such as SQLITE_IOERR_WRITE), as it reports a failing disk:
    that is taken for a full disk only when the disk holding ``run_file`` has (almost)
    no free space left, never guessed (and never without ``run_file``)."""
    seen: BaseException | None = exc
    for _ in range(10):  # a chain, bounded
        if seen is None:
            return None
        if isinstance(seen, sqlite3.OperationalError) and (
            getattr(seen, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
            or "database or disk is full" in str(seen)
        ):
            return str(seen)
        if _io_error(seen) and run_file is not None and _no_space_left(run_file):
            return f"{seen} (no space left on the disk)"
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return seen.strerror or str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def _io_error(exc: BaseException) -> bool:
    """SQLite's SQLITE_IOERR, whatever its extended code (the low byte is the primary)."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == sqlite3.SQLITE_IOERR
    return "disk I/O error" in str(exc)


def _no_space_left(run_file: Path) -> bool:
    """Whether the file system holding ``run_file`` has less than ``ALMOST_FULL_BYTES``
    free; False when that cannot be known (no statvfs on Windows, no such folder)."""
    try:
        stats = os.statvfs(run_file.absolute().parent)
    except (AttributeError, OSError):
        return False
    return stats.f_bavail * stats.f_frsize < ALMOST_FULL_BYTES


# The run files this process opened, the latest last: a database error that reaches the
# command line (cli.main) names them. A command opens one or two (diff); bounded anyway.
_OPENED: list[Path] = []
_OPENED_KEPT = 4


def opened_run_files() -> list[Path]:
    """The run files this process opened (at most ``_OPENED_KEPT``, the latest last)."""
    return list(_OPENED)


def _note_opened(path: Path) -> None:
    if path in _OPENED:
        _OPENED.remove(path)
    _OPENED.append(path)
    del _OPENED[:-_OPENED_KEPT]


class RunBusy(StoreError):
    """Another process is writing this run file (an audit, a resume, a reader judging it)."""


_LOCK_TRIES = 5  # attempts when the lock file is replaced under us (bounded)
_HELD: set[int] = set()  # descriptors of the run locks this process holds


def _drop_inherited() -> None:
    """In a forked child (extraction worker, rules helper): close the inherited lock
    descriptors without unlocking (that would unlock the parent's too). A child that
    outlives a killed parent for a moment must not keep the run locked against --resume."""
    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_inherited)


class RunLock:
    """The right to write one run file, held by one process at a time.

    Without it two processes could write one run: ``report`` reading a run whose audit is
    still crawling would take it for killed ("running" with no findings), judge it and
    mark it interrupted under the crawler's feet; two ``--resume`` of one run would crawl
    it twice into one file. The writer holds ``flock`` on ``RUN.sqlite-lock`` (beside
    SQLite's own ``-wal`` and ``-shm``; not the run file itself, whose locks are SQLite's):
    advisory, non-blocking, released by the kernel when the process ends however it ends,
    so a killed run is never left locked. The file holds the writer's pid, for the message,
    and is removed on release. Where ``fcntl`` is missing (Windows) nothing is guarded.
    """

    def __init__(self, run_file: Path) -> None:
        self.path = run_file.with_name(run_file.name + "-lock")
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        """Hold the lock, or raise :class:`RunBusy` naming the holder's pid."""
        if fcntl is None or self._fd is not None:
            return self
        for _ in range(_LOCK_TRIES):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:
                return self  # a read-only folder: nothing else can write here either
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # held by another process
                holder = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                raise RunBusy(self._busy(holder)) from None
            except OSError:  # no flock here (some network file systems): unguarded
                os.close(fd)
                return self
            try:  # the holder we waited on may have removed the file meanwhile
                same = self.path.stat().st_ino == os.fstat(fd).st_ino
            except OSError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
                self._fd = fd
                _HELD.add(fd)
                return self
            os.close(fd)
        raise RunBusy(self._busy(""))

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None or fd not in _HELD:  # not taken, or inherited by a fork and dropped
            return
        _HELD.discard(fd)
        with contextlib.suppress(OSError):
            self.path.unlink()  # before unlocking: a waiter then re-checks the inode
        os.close(fd)

    def _busy(self, holder: str) -> str:
        run = self.path.name.removesuffix("-lock")
        who = f" (pid {holder})" if holder.isdigit() else ""
        return (
            f"{run} is being written by another seoaudit process{who}: wait for it to "
            "end, or stop it (the run can then be resumed with --resume)"
        )


class Store:
    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        _note_opened(path)
        self._lock: RunLock | None = None
        if not create and not path.exists():
            raise StoreError(f"no run at {path}")
        if create:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch(exist_ok=True)  # says "not a directory", "permission denied"
            except OSError as exc:
                raise StoreError(
                    f"cannot create the run file {path}: {exc.strerror or exc}"
                ) from None
        try:
            self.db = _connect(path)
            if create:
                self.db.executescript(_SCHEMA)
                self.set_meta("schema_version", SCHEMA_VERSION)
            # Read before anything is written: a file that is no run (another program's
            # database, an empty file) must be left as it was.
            version = self.get_meta("schema_version")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a seoaudit run file: {exc}") from exc
        if version != SCHEMA_VERSION:
            self.db.close()
            raise StoreError(
                f"{path} has run schema {version}, this seoaudit reads {SCHEMA_VERSION}"
            )
        # WAL for a new run file too; a read-only file keeps its journal mode.
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("PRAGMA journal_mode=WAL")
        # Run files of earlier versions get the newer column and tables (empty); a
        # read-only one is read without them: page summaries are then made from the
        # facts, links come from the older links table, checks have no error detail or
        # image size.
        self._summaries_stored = self._add_column("pages", "summary", "BLOB")
        # robots.content_type: a resumed crawl stores it and reads it (stored_robots)
        self._add_column("robots", "content_type", "TEXT")
        self._page_links = self._add_table(_PAGE_LINKS)
        self._check_details = self._add_table(_CHECK_DETAILS)
        self._check_images = self._add_table(_CHECK_IMAGES)
        self._check_bodies = self._add_table(_CHECK_BODIES)
        self._ids: dict[str, int] = dict(self.db.execute("SELECT url, id FROM urls"))
        self._next_id = max(self._ids.values(), default=0)
        self._pending_urls: list[tuple[int, str, int | None, str | None, str]] = []
        self._pending_pages: list[tuple[Any, ...]] = []
        self._pending_links: list[tuple[int, bytes]] = []
        self._pending_states: list[tuple[str, int]] = []

    def _add_table(self, create: str) -> bool:
        """Whether the table ``create`` makes exists, making it when it can."""
        with contextlib.suppress(sqlite3.Error):
            self.db.execute(create)
        name = create.split()[5]  # CREATE TABLE IF NOT EXISTS <name> (...)
        found = self.db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,))
        return found.fetchone() is not None

    def _add_column(self, table: str, column: str, kind: str) -> bool:
        """Whether ``table`` has ``column``, adding it when it can."""
        if column in {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}:
            return True
        try:
            self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        except sqlite3.Error:
            return False
        return True

    def hold(self) -> None:
        """Take the run for writing until :meth:`close` (raises :class:`RunBusy`)."""
        if self._lock is None:
            self._lock = RunLock(self.path).acquire()

    def let_go(self) -> None:
        """Give up the hold taken by :meth:`hold` (also done by :meth:`close`)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def close(self) -> None:
        try:
            self.flush()
            self.db.close()
        finally:
            self.let_go()

    def abandon(self) -> None:
        """Close without writing what is pending (the disk is full): the run file keeps
        what its last batch stored, and the URLs of the pages lost stay unfinished."""
        self._pending_urls.clear()
        self._pending_pages.clear()
        self._pending_links.clear()
        self._pending_states.clear()
        self.close()

    # -- metadata ----------------------------------------------------------------------

    def set_meta(self, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value))
        )

    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def save_run(self, info: RunInfo) -> None:
        self.set_meta("run", info.model_dump(mode="json"))

    def load_run(self) -> RunInfo:
        data = self.get_meta("run")
        if data is None:
            raise StoreError(f"{self.path} holds no run information")
        return RunInfo.model_validate(data)

    # -- URLs --------------------------------------------------------------------------

    def url_id(
        self,
        url: str,
        *,
        depth: int | None = None,
        source: str | None = None,
        state: str = QUEUED,
    ) -> tuple[int, bool]:
        """The id of ``url``, adding it when new. Returns (id, was_new).

        Ids are assigned here and written with the next batch, so discovering a URL costs
        a dictionary lookup, not a database round trip. The dictionary is the crawl's
        seen-set."""
        found = self._ids.get(url)
        if found is not None:
            return found, False
        self._next_id += 1
        self._ids[url] = self._next_id
        self._pending_urls.append((self._next_id, url, depth, source, state))
        return self._next_id, True

    def known_url_ids(self) -> dict[str, int]:
        return self._ids

    def unfinished_urls(self) -> list[tuple[int, str, int | None, Source]]:
        """URLs a stopped run still owes: queued, or taken (state "done") but with no page
        stored because the run stopped before its batch was written."""
        rows = self.db.execute(
            "SELECT u.id, u.url, u.depth, u.source FROM urls u "
            "LEFT JOIN pages p ON p.url_id = u.id "
            "WHERE p.url_id IS NULL AND u.state IN ('queued', 'done') ORDER BY u.id"
        )
        return [(i, u, d, cast(Source, s or "link")) for i, u, d, s in rows]

    def requeue_failures(self, flag: str) -> tuple[int, int]:
        """When the run-file meta ``flag`` is set: put back in the queue the pages whose
        fetch failed the way the error budget counts (crawl/politeness.py ``is_failure``:
        5xx, 429 or no response; not a rejected certificate, not seoaudit's own error),
        and clear the flag, in one transaction. Their page is dropped and their URL
        queued, so this session of the run fetches it again; redirect hops keep their
        record (a chain that failed is asked again at its last URL). Returns how many
        pages were dropped, and how many of them counted as fetch errors (no response,
        or 5xx: ``failed_fetches``)."""
        if not self.get_meta(flag, False):
            return 0, 0
        self.flush()
        with self.transaction():
            rows = self.db.execute(_FAILED_PAGES).fetchall()
            ids = [(url_id,) for url_id, _ in rows]
            self.db.executemany("DELETE FROM pages WHERE url_id = ?", ids)
            self.db.executemany("UPDATE urls SET state = 'queued' WHERE id = ?", ids)
            self.set_meta(flag, False)
        return len(rows), sum(1 for _, status in rows if status is None or status >= 500)

    def iter_urls(self) -> Iterator[tuple[str, int | None, str | None, str]]:
        """(URL, depth, source, state) of every stored URL, in the order they were found."""
        yield from self.db.execute("SELECT url, depth, source, state FROM urls ORDER BY id")

    def set_state(self, url_id: int, state: str) -> None:
        self._pending_states.append((state, url_id))

    def url_count(self) -> int:
        return len(self._ids)

    # -- pages and links (batched) ----------------------------------------------------

    def add_page(
        self,
        url_id: int,
        facts: PageFacts,
        location_id: int | None = None,
        indexability: str | None = None,
    ) -> None:
        self.add_row(url_id, page_row(facts, location_id, indexability))

    def add_row(self, url_id: int, row: PageRow) -> None:
        """A page row made by ``page_row`` (possibly in another process)."""
        self._pending_pages.append((url_id, *row))

    def add_links(self, src: int, targets: list[int], flags: bytes) -> None:
        """The links of one page, in document order: target URL ids and, per link, one
        flag byte ``kind << 1 | nofollow`` (``link_flag``)."""
        if targets:
            data = np.asarray(targets, dtype="<i4").tobytes() + flags
            self._pending_links.append((src, data))

    def link_arrays(self) -> tuple[IdArray, IdArray, npt.NDArray[np.uint8]]:
        """Every stored link as three arrays: source id, target id, flag byte (duplicates
        and self-links included). Reads an older run file's one-row-per-link table too.
        The rows' bytes are joined into two buffers (nine bytes per link in all, no
        object per page or per link)."""
        pages, counts = array.array("i"), array.array("q")
        targets, flags = bytearray(), bytearray()
        if self._page_links:
            for src, data in self.db.execute("SELECT src, data FROM page_links"):
                count = len(data) // 5
                pages.append(src)
                counts.append(count)
                targets += data[: 4 * count]
                flags += data[4 * count :]
        sources = np.repeat(np.frombuffer(pages, dtype=np.int32), np.frombuffer(counts, np.int64))
        found = (
            sources,
            np.frombuffer(targets, dtype="<i4").astype(np.int32),
            np.frombuffer(flags, np.uint8),
        )
        (old,) = self.db.execute("SELECT count(*) FROM links").fetchone()
        if not old:
            return found
        rows = self.db.execute("SELECT src, dst, kind * 2 + (nofollow != 0) FROM links")
        flat = np.fromiter(itertools.chain.from_iterable(rows), np.int64, count=3 * old)
        return (
            np.concatenate([found[0], flat[0::3].astype(np.int32)]),
            np.concatenate([found[1], flat[1::3].astype(np.int32)]),
            np.concatenate([found[2], flat[2::3].astype(np.uint8)]),
        )

    def pending(self) -> int:
        return len(self._pending_pages)

    def flush(self) -> None:
        if not (
            self._pending_urls or self._pending_pages or self._pending_links or self._pending_states
        ):
            return
        with self.transaction():
            self.db.executemany("INSERT INTO urls VALUES (?,?,?,?,?)", self._pending_urls)
            self.db.executemany(_INSERT_PAGE, self._pending_pages)
            self.db.executemany("INSERT INTO page_links VALUES (?,?)", self._pending_links)
            self.db.executemany("UPDATE urls SET state = ? WHERE id = ?", self._pending_states)
        self._pending_urls.clear()
        self._pending_pages.clear()
        self._pending_links.clear()
        self._pending_states.clear()

    def transaction(self) -> _Transaction:
        return _Transaction(self.db)

    def iter_pages(self, ids: tuple[int, int] | None = None) -> Iterator[PageFacts]:
        """Every page's facts in URL-id order; with ``ids`` (low, high) only the pages
        whose URL id is in ``low <= id < high``."""
        if ids is None:
            rows = self.db.execute("SELECT facts FROM pages ORDER BY url_id")
        else:
            rows = self.db.execute(
                "SELECT facts FROM pages WHERE url_id >= ? AND url_id < ? ORDER BY url_id", ids
            )
        for (blob,) in rows:
            yield _unpack(blob)

    def page_chunks(self, size: int, most: int) -> list[tuple[int, int]]:
        """The pages cut into URL-id ranges (low, high) of ``size`` pages each, or of more
        when that would make more than ``most`` ranges (the last may hold fewer), in
        order: pieces of work for ``iter_pages``."""
        (count,) = self.db.execute("SELECT count(*) FROM pages").fetchone()
        size = max(size, -(-count // most))
        starts = [
            url_id
            for (url_id,) in self.db.execute(
                "SELECT url_id FROM (SELECT url_id, row_number() OVER (ORDER BY url_id) - 1 AS n "
                "FROM pages) WHERE n % ? = 0 ORDER BY url_id",
                (size,),
            )
        ]
        last = self.db.execute("SELECT max(url_id) FROM pages").fetchone()[0]
        ends = [*starts[1:], (last or 0) + 1]
        return list(zip(starts, ends, strict=True))

    def reconnect(self) -> None:
        """A connection of this process's own, for a forked child: SQLite connections must
        not be used across a fork. The parent's connection is left alone (not closed)."""
        self.db = _connect(self.path)

    def iter_summary_rows(self) -> Iterator[tuple[str, bytes | None, PageFacts | None]]:
        """(URL, packed summary, facts) of every page in URL-id order; the facts only
        where no summary was stored (a run file from before summaries were)."""
        rows = self.db.execute(
            "SELECT u.url, p.summary, CASE WHEN p.summary IS NULL THEN p.facts END "
            "FROM pages p JOIN urls u ON u.id = p.url_id ORDER BY p.url_id"
            if self._summaries_stored
            else "SELECT u.url, NULL, p.facts FROM pages p JOIN urls u ON u.id = p.url_id "
            "ORDER BY p.url_id"
        )
        for url, packed, facts in rows:
            yield url, packed, None if facts is None else _unpack(facts)

    def pages_failing(self, error: str) -> Iterator[PageFacts]:
        """The facts of the pages whose fetch failed with ``error`` (an error kind such as
        "tls-error"), in URL-id order."""
        rows = self.db.execute("SELECT facts FROM pages WHERE error = ? ORDER BY url_id", (error,))
        for (blob,) in rows:
            yield _unpack(blob)

    def page(self, url: str) -> PageFacts | None:
        row = self.db.execute(
            "SELECT p.facts FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.url = ?", (url,)
        ).fetchone()
        return _unpack(row[0]) if row else None

    def pages_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM pages").fetchone()[0])

    def fetched_pages(self) -> int:
        """Stored pages that were requested: what a killed run's count of pages fetched
        is taken to be. Pages robots.txt blocked were never requested and are left out
        (on a site that blocks a large section they would swamp the CI gate's error
        share). Each redirect hop is a request and counts, where a live crawl counts a
        followed chain once: close enough for a share, and exact for a site without
        redirects followed within one fetch."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM pages WHERE status IS NOT NULL OR error IS NOT NULL"
        ).fetchone()
        return int(row[0])

    def failed_fetches(self) -> int:
        """Stored pages whose fetch failed (no response, or 5xx): what a killed run's count
        of fetch errors is taken to be. Redirect hops (with a location) are left out, so a
        chain that failed counts once; seoaudit's own internal errors are no fetch's."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM pages WHERE location_id IS NULL AND (status >= 500 OR "
            "(status IS NULL AND error IS NOT NULL AND error != 'internal-error'))"
        ).fetchone()
        return int(row[0])

    # -- robots.txt and sitemaps -------------------------------------------------------

    def add_robots(
        self,
        origin: str,
        url: str,
        status: int | None,
        error: str | None,
        outcome: str,
        reason: str,
        redirects: int,
        body: bytes | None,
        content_type: str | None = None,
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO robots VALUES (?,?,?,?,?,?,?,?,?)",
            (origin, url, status, error, outcome, reason, redirects, body, content_type),
        )

    def robots_rows(self) -> list[sqlite3.Row]:
        self.db.row_factory = sqlite3.Row
        try:
            return list(self.db.execute("SELECT * FROM robots ORDER BY origin"))
        finally:
            self.db.row_factory = None

    # -- user-agent probes (crawl/probe.py) ----------------------------------------------

    def add_probes(self, rows: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """(url, profile, data): one probe fetch of ``url`` as ``profile``."""
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO probes VALUES (?,?,?)",
                ((url, profile, json.dumps(data)) for url, profile, data in rows),
            )

    def probe_rows(self) -> list[dict[str, Any]]:
        """Every probe record, by URL then profile; none for a run file written before
        probes were stored."""
        try:
            rows = self.db.execute("SELECT data FROM probes ORDER BY url, profile").fetchall()
        except sqlite3.OperationalError:  # no such table: an older run file
            return []
        return [json.loads(data) for (data,) in rows]

    def add_sitemap(
        self,
        url: str,
        parent: str | None,
        status: int | None,
        error: str | None,
        kind: str | None,
        entries: int,
        facts: dict[str, Any],
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sitemaps VALUES (?,?,?,?,?,?,?)",
            (url, parent, status, error, kind, entries, json.dumps(facts)),
        )

    def add_sitemap_urls(self, sitemap: str, url_ids: Iterable[int]) -> None:
        """Which URLs ``sitemap`` lists. The URL rows those ids name are written first: a
        run killed before its next batch would otherwise hold ids no URL row has, and a
        resumed crawl would give them to other URLs."""
        self.flush()
        with self.transaction():
            self.db.executemany(
                "INSERT OR IGNORE INTO sitemap_urls VALUES (?, ?)",
                ((i, sitemap) for i in url_ids),
            )

    def add_sitemap_hreflang(self, sitemap: str, rows: Iterable[tuple[str, str, str]]) -> None:
        """hreflang alternates of a sitemap's entries: (entry url, hreflang, href as written);
        they replace what an earlier reading of the file stored (a resumed crawl)."""
        with self.transaction():
            self.db.execute("DELETE FROM sitemap_hreflang WHERE sitemap = ?", (sitemap,))
            self.db.executemany(
                "INSERT INTO sitemap_hreflang VALUES (?, ?, ?, ?)",
                ((url, sitemap, lang, href) for url, lang, href in rows),
            )

    def sitemap_hreflang_rows(self) -> Iterator[tuple[str, str, str, str]]:
        """(entry url, sitemap, hreflang, href) for every alternate read from sitemaps;
        nothing for a run file written before sitemap alternates were stored."""
        try:
            yield from self.db.execute("SELECT url, sitemap, lang, href FROM sitemap_hreflang")
        except sqlite3.OperationalError:  # no such table: an older run file
            return

    def sitemap_rows(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT url, parent, status, error, kind, entries, facts FROM sitemaps ORDER BY url"
        )
        keys = ("url", "parent", "status", "error", "kind", "entries", "facts")
        out = []
        for row in rows:
            item = dict(zip(keys, row, strict=True))
            item["facts"] = json.loads(item["facts"] or "{}")
            out.append(item)
        return out

    # -- crawl traps -----------------------------------------------------------------------

    def save_traps(self, records: Iterable[tuple[str, str, int, list[str]]]) -> None:
        """(reason, section, count, examples): replaces what was stored."""
        with self.transaction():
            self.db.execute("DELETE FROM traps")
            self.db.executemany(
                "INSERT INTO traps VALUES (?,?,?,?)",
                ((r, s, c, json.dumps(e)) for r, s, c, e in records),
            )

    def traps(self) -> list[tuple[str, str, int, list[str]]]:
        rows = self.db.execute("SELECT * FROM traps ORDER BY count DESC, reason, section")
        return [(r, s, c, json.loads(e)) for r, s, c, e in rows]

    # -- URL checks ----------------------------------------------------------------------

    def add_checks(self, results: Iterable[CheckResult]) -> None:
        results = list(results)
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO checks VALUES (?,?,?,?,?,?,?,?)",
                (
                    (
                        r.url,
                        ",".join(r.purposes),
                        r.status,
                        r.error,
                        r.final_url,
                        r.redirects,
                        r.content_type,
                        None if r.robots_allowed is None else int(r.robots_allowed),
                    )
                    for r in results
                ),
            )
            # The side tables (made on open; absent from a read-only older file): a URL
            # checked again keeps no stale detail, size or body.
            side: list[tuple[bool, str, list[tuple[Any, ...]]]] = [
                (
                    self._check_details,
                    "check_details",
                    [(r.url, r.error_detail) for r in results if r.error_detail is not None],
                ),
                (
                    self._check_images,
                    "check_images",
                    [
                        (r.url, r.width, r.height)
                        for r in results
                        if r.width is not None and r.height is not None
                    ],
                ),
                (
                    self._check_bodies,
                    "check_bodies",
                    [(r.url, r.body) for r in results if r.body is not None],
                ),
            ]
            for present, table, rows in side:
                if not present:
                    continue
                # Only the fixed table names above are put together: nothing from outside.
                self.db.executemany(
                    f"DELETE FROM {table} WHERE url = ?",  # noqa: S608
                    ((r.url,) for r in results),
                )
                if rows:
                    marks = ",".join("?" * len(rows[0]))
                    self.db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608

    def checks(self) -> list[CheckResult]:
        rows = self.db.execute(
            _checks_query(self._check_details, self._check_images, self._check_bodies)
        )
        return [
            CheckResult(
                url=row[0],
                purposes=tuple(row[1].split(",")),
                status=row[2],
                error=row[3],
                final_url=row[4],
                redirects=row[5],
                content_type=row[6],
                robots_allowed=None if row[7] is None else bool(row[7]),
                error_detail=row[8],
                width=row[9],
                height=row[10],
                body=row[11],
            )
            for row in rows
        ]

    # -- findings ----------------------------------------------------------------------

    def replace_findings(self, findings: Iterable[Finding], errors: Iterable[RuleError]) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM findings")
            self.db.execute("DELETE FROM rule_errors")
            self.db.executemany(
                "INSERT INTO findings VALUES (?,?,?,?,?)",
                ((f.rule, f.severity, f.url, f.cause, f.model_dump_json()) for f in findings),
            )
            self.db.executemany(
                "INSERT INTO rule_errors VALUES (?,?,?)", ((e.rule, e.url, e.error) for e in errors)
            )

    def findings(self, rules: str = "", *, held: bool = True) -> Findings:
        """The run's findings in report order (only those of rule codes starting with
        ``rules`` when given, e.g. "SD"): a list when there are at most
        ``findings.IN_MEMORY`` (and ``held``), else a view that reads them from the run
        file on each pass (over a connection of its own, so it outlives this store being
        closed)."""
        (count,) = self.db.execute(
            "SELECT count(*) FROM findings WHERE substr(rule, 1, ?) = ?", (len(rules), rules)
        ).fetchone()
        if held and count <= findings_module.IN_MEMORY:
            return Findings(_read_findings(self.db, rules, share=True), ordered=True)
        path = self.path

        def source() -> Iterator[Finding]:
            db = sqlite3.connect(path, check_same_thread=False)
            try:
                yield from _read_findings(db, rules, share=False)
            finally:
                db.close()

        return Findings(source=source, length=count, ordered=True)

    def iter_findings(self) -> Iterator[Finding]:
        """Findings in report order: by rule, URL, cause, message (as ``run_rules`` sorts
        them); the rules stream them in unsorted, so the order is SQLite's to keep."""
        return _read_findings(self.db, share=True)

    def rule_errors(self) -> list[RuleError]:
        rows = self.db.execute("SELECT rule, url, error FROM rule_errors ORDER BY rowid")
        return [RuleError(rule=r, url=u, error=e) for r, u, e in rows]


def _read_findings(db: sqlite3.Connection, rules: str = "", *, share: bool) -> Iterator[Finding]:
    """Findings in report order (see ``Store.iter_findings``). Findings were validated
    when stored and are read back by the hundred thousand: built without validation, with
    one fields-set (pydantic's own per instance is a 700-byte set) and, with ``share``, one
    copy of each string they repeat (rule, URL, cause, evidence keys and values such as
    documentation links) for findings that are all kept at once."""
    rows = db.execute(  # rule codes starting with ``rules``: substr(rule, 1, 0) is ""
        "SELECT data FROM findings WHERE substr(rule, 1, ?) = ? "
        "ORDER BY rule, url, coalesce(cause, ''), json_extract(data, '$.message'), rowid",
        (len(rules), rules),
    )
    fields = set(Finding.model_fields)
    shared: dict[str, str] = {}
    keep = shared.setdefault  # the first copy of a string, kept for the ones that follow

    # Read by the hundred thousand: the sharing is written out inline, not as a function
    # called for each field and evidence key and value (~13 calls a finding).
    for (data,) in rows:
        values = json.loads(data)
        if share:
            for key in _SHARED_FIELDS:
                value = values.get(key)
                values[key] = keep(value, value) if isinstance(value, str) else value
            evidence = values.get("evidence")
            if evidence:
                kept: dict[str, Any] = {}
                for key, value in evidence.items():
                    if isinstance(value, str):
                        value = keep(value, value)
                    elif isinstance(value, list):
                        value = [keep(v, v) if isinstance(v, str) else v for v in value]
                    kept[keep(key, key)] = value
                values["evidence"] = kept
        yield Finding.model_construct(fields, **values)


_SHARED_FIELDS = ("rule", "name", "severity", "url", "cause")


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
