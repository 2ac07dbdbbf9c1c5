"""One process writes a run file at a time: a live audit's run is not taken for a killed
one, two resumes of one run do not crawl it twice, and a killed writer leaves nothing
locked (not even through the worker processes it forked)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from seoaudit.store import RunBusy, RunLock, Store, StoreError
from tests.test_resume import _cli, _finite_slow_site

if TYPE_CHECKING:
    from seoaudit.devserver import Request, Response

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def _wait_for_pages(run_file: Path, pages: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.1)
        try:
            if run_file.exists() and Store(run_file).pages_count() >= pages:
                return
        except StoreError:
            continue  # the schema is not written yet
    raise AssertionError(f"{run_file} never had {pages} pages")


async def _slower_site(request: Request) -> Response:
    """The resume tests' 150 pages at 80 ms an answer: ~6 s of crawl to act in."""
    response: Response = await _finite_slow_site(request)
    response.delay = 0.08 if response.delay else response.delay
    return response


@pytest.mark.e2e
def test_a_live_audit_is_neither_judged_by_a_reader_nor_resumed_beside_it(
    tmp_path: Path,
) -> None:
    from seoaudit.devserver import SiteServer

    with SiteServer(handler=_slower_site) as server:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "seoaudit", "audit", server.base_url + "/", "-q"),
                *("--no-sitemaps", "--no-probe", "--per-host", "2", "--run-dir", "runs"),
                *("--run-id", "live", "--fail-on", "never"),
            ],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        try:
            run_file = tmp_path / "runs" / "live.sqlite"
            _wait_for_pages(run_file, 10)
            # Before: the reader took "running, no findings" for a killed run, judged it
            # and marked it interrupted while the crawl went on writing.
            read = _cli("report", "live", "--run-dir", "runs", cwd=tmp_path)
            assert read.returncode == 2, read.stdout
            assert "live.sqlite is being written by another seoaudit process" in read.stderr
            assert f"(pid {proc.pid})" in read.stderr
            store = Store(run_file)
            assert store.load_run().state == "running"
            assert len(store.findings()) == 0
            store.close()

            twice = _cli("audit", "--resume", "live", "--run-dir", "runs", "-q", cwd=tmp_path)
            assert twice.returncode == 2
            assert "is being written by another seoaudit process" in twice.stderr
            assert "Traceback" not in twice.stderr
        finally:
            _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    store = Store(run_file)
    assert store.load_run().state == "complete"
    base = store.load_run().start_urls[0]
    assert all(store.page(f"{base}{i}") is not None for i in range(1, 150))  # all of it
    assert len(store.findings()) > 0  # judged by the audit itself, at its end
    store.close()
    assert not (tmp_path / "runs" / "live.sqlite-lock").exists()  # released, removed


_HOLD_FORK_DIE = """
import os, sys, time
from pathlib import Path
from seoaudit.store import Store

store = Store(Path(sys.argv[1]), create=True)
store.hold()
child = os.fork()
if child == 0:  # a worker the writer forked: outlives it for a while
    os.close(1)  # (its pipes closed, so that the test does not wait for it)
    os.close(2)
    time.sleep(30)
    os._exit(0)
print(child, flush=True)
os._exit(9)  # the writer is killed: no release, no cleanup
"""


def test_a_killed_writer_leaves_the_run_free_even_while_its_forks_live(tmp_path: Path) -> None:
    run_file = tmp_path / "r.sqlite"
    proc = subprocess.run(
        [sys.executable, "-c", _HOLD_FORK_DIE, str(run_file)],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
    )
    child = int(proc.stdout)
    try:
        assert (tmp_path / "r.sqlite-lock").exists()  # left behind by the kill
        os.kill(child, 0)  # the forked child still sleeps: it must not keep the lock
        store = Store(run_file)
        store.hold()
        store.close()
    finally:
        os.kill(child, signal.SIGKILL)
    assert not (tmp_path / "r.sqlite-lock").exists()


def test_a_held_run_names_its_holder_and_is_free_once_let_go(tmp_path: Path) -> None:
    run_file = tmp_path / "r.sqlite"
    first = Store(run_file, create=True)
    first.hold()
    second = Store(run_file)
    with pytest.raises(RunBusy, match=rf"r\.sqlite .*\(pid {os.getpid()}\)"):
        second.hold()
    first.let_go()
    second.hold()  # free now
    with pytest.raises(RunBusy):
        RunLock(run_file).acquire()
    second.close()
    first.close()
    RunLock(run_file).acquire().release()


def test_two_audits_given_one_run_id_write_two_files(tmp_path: Path) -> None:
    """The name is taken by whoever holds it: another audit starting in the same second
    (or given the same --run-id) gets NAME-2, not the same file."""
    from seoaudit.audit import _new_run
    from seoaudit.config import Settings

    settings = Settings(start_urls=["https://example.com/"], run_dir=tmp_path)
    holder = RunLock(tmp_path / "same.sqlite").acquire()  # an audit creating it right now
    store, info, path = _new_run(settings, datetime.now, "same")
    assert path == tmp_path / "same-2.sqlite"
    assert info.run_id == "same-2"
    store.close()
    holder.release()


def test_a_file_system_without_flock_leaves_runs_unguarded_not_unusable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some network file systems answer flock with ENOLCK: every audit stopped as if the
    run were "being written by another seoaudit process"."""
    import errno
    import fcntl

    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    store = Store(tmp_path / "r.sqlite", create=True)
    store.hold()
    store.close()
