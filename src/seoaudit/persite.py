"""``per_site``: a value derived from a whole run, computed once per ``Site``.

Several rules (and the report) derive the same thing from a run: thresholds that page rules
ask for on every page, lookup tables, the duplicate index, the hreflang sets, soft 404s.
``per_site`` keeps each for as long as its Site lives (a weak reference: a Site that is
gone takes its values with it). A Site of another run, or the same run loaded again, gets
its own value.

It has no imports from the rest of the package, so any module may use it without an import
cycle (rule modules know ``Site`` only for type checking).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from seoaudit.site import Site

_T = TypeVar("_T")


def per_site(build: Callable[[Site], _T]) -> Callable[[Site], _T]:
    """``build(site)`` computed on first use for each Site, then returned as is: callers
    must treat the value as read-only."""
    values: weakref.WeakKeyDictionary[Site, _T] = weakref.WeakKeyDictionary()

    @functools.wraps(build)
    def once(site: Site) -> _T:
        try:
            return values[site]
        except KeyError:
            value = values[site] = build(site)
            return value

    return once
