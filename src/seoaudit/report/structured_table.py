"""The structured-data health table (structured/health.py: items per type, valid, with
warnings, with errors) in the words the terminal summary (console.py) and the HTML report
(html.py) share: same title, same rows, same number of types shown.

Reads the report's summary defensively: a run file from another version may lack it or
shape it differently. Type names come from crawled markup: each writer escapes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_TYPES = 10  # types shown, most items first; the JSON report has them all


@dataclass(frozen=True)
class SdRow:
    type: str
    items: int
    valid: int
    warnings: int
    errors: int


@dataclass(frozen=True)
class SdTable:
    title: str
    rows: list[SdRow]
    more: int  # types left out (in the JSON report)


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def table(summary: Mapping[str, Any], limit: int = MAX_TYPES) -> SdTable | None:
    """The table of ``summary["structured_data"]``; None when the run found no structured
    data."""
    health = summary.get("structured_data")
    if not isinstance(health, dict):
        return None
    types = health.get("types")
    if not isinstance(types, dict) or not types:
        return None
    rdfa = _count(health.get("rdfa_blocks"))
    note = f"; {rdfa} RDFa blocks, not validated" if rdfa else ""
    title = f"Structured data on {_count(health.get('pages'))} pages (items per type{note})"
    rows = []
    for name, counts in list(types.items())[:limit]:
        known = counts if isinstance(counts, dict) else {}
        rows.append(
            SdRow(
                type=str(name),
                items=_count(known.get("items")),
                valid=_count(known.get("valid")),
                warnings=_count(known.get("warnings")),
                errors=_count(known.get("errors")),
            )
        )
    return SdTable(title, rows, max(len(types) - limit, 0))
