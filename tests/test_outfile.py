"""Output files the user names: atomic for regular files, never replacing a device, a FIFO
or a symlink, and no .tmp left behind when a write fails or is interrupted."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from seoaudit.outfile import folder_problem, output_problem, write_output


def _text(value: str):  # type: ignore[no-untyped-def]
    def put(handle: TextIO) -> None:
        handle.write(value)

    return put


def test_a_regular_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "report.json"
    write_output(path, _text("one"))
    write_output(path, _text("two"))
    assert path.read_text() == "two"
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_tmp(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("good")

    def broken(handle: TextIO) -> None:
        handle.write("half")
        raise KeyboardInterrupt  # Ctrl-C in the middle of a report

    with pytest.raises(KeyboardInterrupt):
        write_output(path, broken)
    assert path.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_symlink_stays_a_link_and_its_file_is_written(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_output(link, _text("new"))
    assert link.is_symlink() and real.read_text() == "new"


def test_a_fifo_is_written_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "out.pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    write_output(fifo, _text("through the pipe"))
    reader.join(10)
    assert got == ["through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_device_is_written_not_replaced(tmp_path: Path) -> None:
    # `-o /dev/null` as root (a CI container) turned the machine's /dev/null into a regular
    # file. Tested on a copy of the device (made as root) and through a link to the real
    # one, so that a regression here replaces nothing outside tmp_path.
    null = tmp_path / "null-device"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        null = None  # type: ignore[assignment]
    if null is not None:
        write_output(null, _text("discarded"))
        assert stat.S_ISCHR(null.stat().st_mode)
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    write_output(link, _text("discarded"))
    assert link.is_symlink() and stat.S_ISCHR(Path("/dev/null").stat().st_mode)


def test_output_problem_tells_what_write_output_would_fail_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    assert output_problem(tmp_path / "adir") == "it is a folder"
    assert output_problem(tmp_path / "afile" / "r.json") == f"{tmp_path / 'afile'} is not a folder"
    assert output_problem(tmp_path / "afile" / "a" / "b" / "r.json") == (
        f"{tmp_path / 'afile'} is not a folder"
    )
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop")
    assert output_problem(loop) is not None
    (tmp_path / "to-dir").symlink_to(tmp_path / "adir")
    assert output_problem(tmp_path / "to-dir") == "it is a folder"
    # What write_output writes: a new or existing file, in folders it makes, a link to a file
    fine = [tmp_path / "afile", tmp_path / "new.json", tmp_path / "a" / "b" / "r.json"]
    (tmp_path / "link").symlink_to(tmp_path / "afile")
    fine += [tmp_path / "link", tmp_path / "adir" / "r.json", Path("relative.json")]
    for path in fine:
        assert output_problem(path) is None, path
        write_output(path, _text("ok"))
    assert [p.name for p in tmp_path.rglob("*.tmp")] == []


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write in (root may: the tests using it skip as root)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
def test_output_problem_in_a_folder_without_write_permission(locked: Path) -> None:
    assert output_problem(locked / "r.json") == f"permission denied in {locked}"
    assert output_problem(locked / "sub" / "r.json") == f"permission denied in {locked}"
    with pytest.raises(PermissionError):
        write_output(locked / "r.json", _text("no"))


def test_folder_problem_tells_what_making_and_writing_into_a_folder_would_fail_on(
    tmp_path: Path,
) -> None:
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    assert folder_problem(tmp_path / "afile") == "it is not a folder"
    assert folder_problem(tmp_path / "afile" / "a" / "b") == f"{tmp_path / 'afile'} is not a folder"
    (tmp_path / "to-file").symlink_to(tmp_path / "afile")
    assert folder_problem(tmp_path / "to-file") == "it is not a folder"
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    assert folder_problem(tmp_path / "dangling") == "it is a broken symbolic link"
    (tmp_path / "to-dir").symlink_to(tmp_path / "adir")
    for fine in (tmp_path / "adir", tmp_path / "to-dir", tmp_path / "new" / "sub"):
        assert folder_problem(fine) is None, fine
        fine.mkdir(parents=True, exist_ok=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
def test_folder_problem_without_write_permission(locked: Path) -> None:
    assert folder_problem(locked) == "permission denied"
    assert folder_problem(locked / "sub") == f"permission denied in {locked}"
