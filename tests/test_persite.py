"""per_site: one value per Site, gone with it."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from seoaudit.persite import per_site


class _Site:
    """Stands in for a Site: per_site needs only a weak-referenceable, hashable key."""


def test_built_once_per_site_and_separately_for_each() -> None:
    calls: list[Any] = []

    @per_site
    def value(site: Any) -> list[int]:
        calls.append(site)
        return [len(calls)]

    a, b = _Site(), _Site()
    assert value(a) is value(a)  # the same object, built once
    assert value(b) == [2] and value(a) == [1]
    assert calls == [a, b]


def test_a_falsy_value_is_kept_too() -> None:
    calls = 0

    @per_site
    def empty(site: Any) -> dict[str, int]:
        nonlocal calls
        calls += 1
        return {}

    site = _Site()
    empty(site)
    empty(site)
    assert calls == 1


def test_the_value_goes_with_its_site() -> None:
    class _Value:
        pass

    @per_site
    def value(site: Any) -> _Value:
        return _Value()

    site = _Site()
    kept = weakref.ref(value(site))
    assert kept() is value(site)
    del site
    gc.collect()
    assert kept() is None  # nothing else held it: the cache let it go with the Site
