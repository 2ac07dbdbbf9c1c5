"""A temporary SQLite file: where more rows than memory should hold are matched and sorted
(SQLite's sorter spills to disk). The URL lists of ``seoaudit tickets`` and the comparison
of ``seoaudit diff`` use one each."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from types import TracebackType


class Scratch:
    """A SQLite database (``db``) in a temporary directory of its own; ``close`` (or the
    end of a ``with`` block) closes it and removes the directory."""

    def __init__(self, prefix: str) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix=prefix)
        try:
            self.db = sqlite3.connect(Path(self._tmp.name) / "scratch.sqlite")
        except BaseException:
            self._tmp.cleanup()
            raise

    def close(self) -> None:
        self.db.close()
        self._tmp.cleanup()

    def __enter__(self) -> Scratch:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
