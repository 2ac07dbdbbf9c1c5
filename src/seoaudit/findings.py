"""``Findings``: the findings of a run as one sized collection that can be read again.

A 20,000-page run has ~100,000 findings, ~760 bytes each as models (~76 MB); a
1,000,000-page run has millions, more than a report should hold at once. The report, the
gate and the writers read a ``Findings``: a list in memory up to ``IN_MEMORY`` findings,
above that a view of the run file that reads them again, in report order, on each pass
(~12 us a finding). So code that reads findings iterates (as often as it needs), asks
``len``, or ``map``s them into another ``Findings``; it indexes only for a few items (an
index into a view reads up to it).

Owns: the collection and its two sources. Must not: know what a report does with it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, Generic, TypeVar, overload

from seoaudit.models import Finding

# Findings held as a list when a run has at most this many (~150 MB as models).
IN_MEMORY = 200_000

Transform = Callable[[Finding], Finding | None]  # a finding out, or None to drop it
T = TypeVar("T")


class Findings(Sequence[Finding]):
    """Findings in a fixed order: a list, or a source read again on every iteration."""

    __slots__ = ("_items", "_length", "_source", "ordered")

    def __init__(
        self,
        items: Iterable[Finding] | None = None,
        *,
        source: Callable[[], Iterator[Finding]] | None = None,
        length: int | None = None,
        ordered: bool = False,
    ) -> None:
        # In report order (by rule, URL, cause, message: the run file's), so the findings
        # of one rule come by URL and equal (rule, URL, cause) ones are next to each other.
        self.ordered = ordered
        self._source: Callable[[], Iterator[Finding]] | None = source
        self._items: list[Finding] | None = None
        self._length = length
        if source is None:
            self._items = list(items) if items is not None else []
            self._length = len(self._items)

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Findings:
        """``findings`` as a ``Findings`` (itself when it is one)."""
        return findings if isinstance(findings, Findings) else cls(findings)

    @property
    def lazy(self) -> bool:
        """Read from the run file on each pass rather than held in memory."""
        return self._items is None

    def __iter__(self) -> Iterator[Finding]:
        if self._items is not None:
            return iter(self._items)
        assert self._source is not None
        return self._source()

    def __len__(self) -> int:
        if self._length is None:
            self._length = sum(1 for _ in self)
        return self._length

    @overload
    def __getitem__(self, index: int) -> Finding: ...
    @overload
    def __getitem__(self, index: slice) -> list[Finding]: ...
    def __getitem__(self, index: int | slice) -> Finding | list[Finding]:
        if self._items is not None:
            return self._items[index]
        if isinstance(index, slice):
            start, stop, step = index.start or 0, index.stop, index.step or 1
            if start >= 0 and (stop is None or stop >= 0) and step > 0:
                return list(islice(self, start, stop, step))
            return list(self)[index]
        position = index if index >= 0 else len(self) + index
        if position >= 0:
            for item in islice(self, position, position + 1):
                return item
        raise IndexError("findings index out of range")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        if len(self) != len(other):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        kind = "view" if self.lazy else "list"
        return f"Findings({kind}, {len(self) if self._length is not None else '?'})"

    def map(self, transform: Transform, *, drops: bool = True) -> Findings:
        """The findings ``transform`` returns, in order (None drops one; ``drops=False``
        promises it never does, so the length is known). Applied now to a list, on every
        pass to a view."""
        if self._items is not None:
            kept_items = (kept for f in self._items if (kept := transform(f)) is not None)
            return Findings(kept_items, ordered=self.ordered)
        parent = self

        def source() -> Iterator[Finding]:
            for finding in parent:
                kept = transform(finding)
                if kept is not None:
                    yield kept

        return Findings(source=source, length=None if drops else self._length, ordered=self.ordered)

    @staticmethod
    def by_rule_and_url(findings: Iterable[Finding]) -> Iterable[Finding]:
        """``findings`` as they are when known to be in report order, else sorted by rule,
        then URL, equal ones kept in their order (only findings in memory can be out of
        order; readers rely on no more)."""
        if isinstance(findings, Findings) and findings.ordered:
            return findings
        return sorted(findings, key=lambda f: (f.rule, f.url))


class Smallest(Generic[T]):
    """The ``n`` smallest items by ``key`` of those added, as ``sorted(added, key=key)[:n]``
    gives them (ties in the order added), kept in a bounded buffer: what a report shows of
    the worst findings of a large run, as they pass."""

    def __init__(self, n: int, key: Callable[[T], Any]) -> None:
        self.n = n
        self.key = key
        self.kept: list[T] = []

    def add(self, item: T) -> None:
        self.kept.append(item)
        if len(self.kept) >= 4 * self.n + 64:
            self.kept = heapq.nsmallest(self.n, self.kept, key=self.key)  # stable

    def items(self) -> list[T]:
        return heapq.nsmallest(self.n, self.kept, key=self.key)


__all__ = ["IN_MEMORY", "Findings", "Smallest", "Transform"]
