"""The schema.org vocabulary, pinned: which types exist, their parents, the properties each
type may carry, and the ISO 4217 currency codes.

The data ships in ``seoaudit/data/`` and is built by ``scripts/build_schemaorg.py`` from a
registry package (see that script for the source and version). Loaded once per process.
"""

from __future__ import annotations

import difflib
import json
from functools import cache, lru_cache
from importlib import resources
from typing import Any

# The data types: a node typed with one of them is not a thing with properties.
DATA_TYPES = frozenset(
    {
        *("Boolean", "Date", "DateTime", "Number", "Float", "Integer", "Text", "Time", "URL"),
        *("CssSelectorType", "XPathType", "DataType"),
    }
)


def _data_file(name: str) -> str:
    return (resources.files("seoaudit") / "data" / name).read_text(encoding="utf-8")


class Vocabulary:
    """Types and properties of schema.org. Type and property names are case-sensitive, as in
    schema.org (``Product``, ``priceCurrency``)."""

    def __init__(self, document: dict[str, Any], currencies: frozenset[str]) -> None:
        self.source: str = document.get("source", "")
        types: dict[str, dict[str, list[str]]] = document["types"]
        self.parents: dict[str, tuple[str, ...]] = {
            name: tuple(entry.get("parents", ())) for name, entry in types.items()
        }
        self._own: dict[str, frozenset[str]] = {
            name: frozenset(entry.get("properties", ())) for name, entry in types.items()
        }
        self.ranges: dict[str, tuple[str, ...]] = {
            prop: tuple(values) for prop, values in document["ranges"].items()
        }
        self.currencies = currencies
        self._lower = {name.lower(): name for name in self.parents}

    def is_type(self, name: str) -> bool:
        return name in self.parents

    def is_property(self, name: str) -> bool:
        return name in self.ranges

    @lru_cache(maxsize=4096)  # noqa: B019 - one Vocabulary per process, never freed
    def ancestors(self, name: str) -> frozenset[str]:
        """The type and every type above it (``Restaurant`` -> ... ``Organization``, ``Thing``)."""
        seen = {name}
        stack = [name]
        while stack:
            for parent in self.parents.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return frozenset(seen)

    def is_a(self, name: str, ancestor: str) -> bool:
        return ancestor in self.ancestors(name)

    @lru_cache(maxsize=4096)  # noqa: B019
    def properties(self, name: str) -> frozenset[str]:
        """Every property a node of type ``name`` may carry (its own and its ancestors')."""
        found: set[str] = set()
        for ancestor in self.ancestors(name):
            found |= self._own.get(ancestor, frozenset())
        return frozenset(found)

    @lru_cache(maxsize=4096)  # noqa: B019
    def suggest_type(self, name: str) -> str | None:
        """The type a misspelt ``name`` most likely meant (``Prodcut`` -> ``Product``)."""
        exact = self._lower.get(name.lower())
        if exact is not None:
            return exact
        matches = difflib.get_close_matches(name, list(self.parents), n=1, cutoff=0.75)
        if not matches:
            lowered = difflib.get_close_matches(name.lower(), list(self._lower), n=1, cutoff=0.75)
            matches = [self._lower[m] for m in lowered]
        return matches[0] if matches else None

    def suggest_property(self, types: tuple[str, ...], prop: str) -> str | None:
        """Where an unknown property ``prop`` of a node of ``types`` probably belongs:
        a misspelling of an allowed property (``descripton`` -> ``description``), or the
        same property one level down (``Product.price`` -> ``offers.price``)."""
        allowed: set[str] = set()
        for name in types:
            allowed |= self.properties(name)
        lowered = {p.lower(): p for p in allowed}
        if prop.lower() in lowered:
            return lowered[prop.lower()]
        close = difflib.get_close_matches(prop, sorted(allowed), n=1, cutoff=0.85)
        if close:
            return close[0]
        homes = sorted(
            p
            for p in allowed
            if any(
                prop in self.properties(r) for r in self.ranges.get(p, ()) if r not in DATA_TYPES
            )
        )
        # Prefer the usual homes (offers.price, address.streetAddress) over generic ones.
        for preferred in ("offers", "aggregateRating", "review", "address", "location", "geo"):
            if preferred in homes:
                return f"{preferred}.{prop}"
        generic = {"subjectOf", "mainEntityOfPage", "potentialAction", "about", "isPartOf"}
        homes = [h for h in homes if h not in generic]
        return f"{homes[0]}.{prop}" if homes else None


@cache
def vocabulary() -> Vocabulary:
    """The shipped vocabulary, loaded on first use."""
    document = json.loads(_data_file("schemaorg.json"))
    lines = _data_file("iso4217.txt").splitlines()
    currencies = frozenset(line.strip() for line in lines if line.strip() and line[0] != "#")
    return Vocabulary(document, currencies)
