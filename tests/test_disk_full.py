"""A full disk mid-crawl: the audit ends with one line naming the run file and the cause
(exit 3: the run did not finish), what the run file stored is kept, and --resume
finishes the run as if nothing had happened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.test_resume import _cli, _dump, _finite_slow_site

ROOT = Path(__file__).resolve().parent.parent

# The real CLI, with the run file's disk filling up once a few batches of pages are
# stored: from then on every write to it fails (reads still work), as on a full disk.
_FILLING_DISK = """
import errno, sqlite3, sys
from seoaudit import cli, store

ERRORS = {
    "sqlite": lambda: sqlite3.OperationalError("database or disk is full"),
    "oserror": lambda: OSError(errno.ENOSPC, "No space left on device"),
}
ERROR = ERRORS[sys.argv[1]]
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "ALTER", "DROP")


class FillingDisk:
    full = False  # once the first batch of pages is committed
    pages = False

    def __init__(self, db):
        object.__setattr__(self, "_db", db)

    def _write(self, sql):
        if FillingDisk.full and sql.lstrip().upper().startswith(WRITES):
            raise ERROR()

    def execute(self, sql, *args):
        self._write(sql)
        done = self._db.execute(sql, *args)
        if sql.strip().upper() == "COMMIT" and FillingDisk.pages:
            FillingDisk.full = True
        return done

    def executemany(self, sql, rows):
        self._write(sql)
        rows = list(rows)
        FillingDisk.pages = FillingDisk.pages or ("INTO pages" in sql and bool(rows))
        return self._db.executemany(sql, rows)

    def __getattr__(self, name):
        return getattr(self._db, name)

    def __setattr__(self, name, value):
        setattr(self._db, name, value)


connect = store._connect
store._connect = lambda path: FillingDisk(connect(path))
sys.argv = ["seoaudit", *sys.argv[2:]]
cli.main()
"""


@pytest.mark.e2e
@pytest.mark.parametrize("error", ["sqlite", "oserror"])
def test_a_full_disk_ends_the_audit_with_one_line_and_the_run_resumes(
    tmp_path: Path, error: str
) -> None:
    from seoaudit.devserver import SiteServer
    from seoaudit.store import Store

    common = ["-q", "--no-sitemaps", "--no-probe", "--per-host", "2", "--run-dir", "runs"]
    with SiteServer(handler=_finite_slow_site) as server:
        url = server.base_url + "/"
        whole = tmp_path / "whole"
        whole.mkdir()
        done = _cli("audit", url, *common, "--run-id", "whole", "--fail-on", "never", cwd=whole)
        assert done.returncode == 0, done.stderr

        full = tmp_path / "full"
        full.mkdir()
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "400"}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
        stopped = subprocess.run(
            [sys.executable, "-c", _FILLING_DISK, error, "audit", url, *common, "--run-id", "r"],
            cwd=full,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        run_file = Path("runs") / "r.sqlite"
        cause = "database or disk is full" if error == "sqlite" else "No space left on device"
        assert stopped.returncode == 3, stopped.stderr
        assert stopped.stderr.strip().splitlines() == [
            f"seoaudit: cannot write the run file {run_file}: {cause}. What it stored is "
            f"kept: free some space, then continue it: seoaudit audit --resume {run_file}"
        ]
        assert "Traceback" not in stopped.stdout
        store = Store(full / run_file)
        stored = store.pages_count()
        store.close()
        assert 0 < stored < 150  # its first batch, not the whole site

        resumed = _cli(
            "audit",
            "--resume",
            str(run_file),
            "--run-dir",
            "runs",
            "-q",
            "--fail-on",
            "never",
            cwd=full,
        )
        assert resumed.returncode == 0, resumed.stderr
    assert _dump(full / run_file) == _dump(whole / "runs" / "whole.sqlite")


def test_a_full_disk_while_judging_leaves_the_run_to_its_next_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crawl finished; storing the findings met the full disk. Nothing to resume:
    the message says how to judge the run instead, and the next reader does."""
    import sqlite3

    from seoaudit import audit
    from seoaudit.store import RunFileFull, Store
    from tests.sites import transport
    from tests.test_resume import _settings, _site

    def full(*args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(audit, "_judge", full)
    with pytest.raises(RunFileFull) as raised:
        audit.run_audit(_settings(tmp_path), transport=transport(_site()), run_id="r")
    path = tmp_path / "r.sqlite"
    assert str(raised.value) == (
        f"cannot write the run file {path}: database or disk is full. What it stored is "
        f"kept: free some space, then judge it: seoaudit report {path}"
    )
    monkeypatch.undo()
    store = Store(path)  # not held: the failed audit let it go
    assert store.load_run().state == "complete"
    assert audit.finish_killed_run(store) is not None
    assert store.findings()
    store.close()


def _io_error() -> Exception:
    """What SQLite raises when a write fails below it: on a full disk as on a bad one."""
    import sqlite3

    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = sqlite3.SQLITE_IOERR_WRITE  # type: ignore[attr-defined]
    return error


def _free_space(monkeypatch: pytest.MonkeyPatch, free: int) -> list[str]:
    """The disk reports ``free`` bytes left; returns the folders asked about."""
    asked: list[str] = []

    def statvfs(folder: object) -> Any:
        asked.append(str(folder))
        return SimpleNamespace(f_bavail=free // 4096, f_frsize=4096)

    monkeypatch.setattr(os, "statvfs", statvfs)
    return asked


@pytest.mark.parametrize(
    ("free", "with_run_file", "full"),
    [
        (0, True, True),
        (8192, True, True),  # two blocks left: SQLite's write did not fit
        (10 << 30, True, False),  # a failing disk with room to spare: not a full one
        (0, False, False),  # which disk holds the run file is not known: never guessed
    ],
)
def test_a_disk_io_error_is_a_full_disk_only_when_its_disk_has_no_space(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, free: int, with_run_file: bool, full: bool
) -> None:
    """SQLite may report a full disk as "disk I/O error" (SQLITE_IOERR_WRITE), which was
    taken for any other error: a traceback-less exit 2 instead of "free some space, then
    --resume". It is a full disk when the disk holding the run file has no space left."""
    from seoaudit.store import disk_full

    asked = _free_space(monkeypatch, free)
    run_file = tmp_path / "runs" / "r.sqlite"
    cause = disk_full(_io_error(), run_file if with_run_file else None)
    assert cause == ("disk I/O error (no space left on the disk)" if full else None)
    assert asked == ([str(tmp_path / "runs")] if with_run_file else [])


def test_a_disk_io_error_on_a_full_disk_ends_the_audit_as_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seoaudit import audit
    from seoaudit.store import RunFileFull
    from tests.sites import transport
    from tests.test_resume import _settings, _site

    def failing(*args: object) -> None:
        raise _io_error()

    monkeypatch.setattr(audit, "_judge", failing)
    _free_space(monkeypatch, 0)
    with pytest.raises(RunFileFull) as raised:
        audit.run_audit(_settings(tmp_path), transport=transport(_site()), run_id="r")
    path = tmp_path / "r.sqlite"
    assert str(raised.value).startswith(
        f"cannot write the run file {path}: disk I/O error (no space left on the disk). "
    )
