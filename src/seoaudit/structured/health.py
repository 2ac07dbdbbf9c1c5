"""The structured-data health figure: per type, how many rich-result items are valid, valid
with warnings, or carry errors. One number per type that SEO and IT teams can track.

Owns: ``page_items`` (the items of one page, stored compactly in ``PageSummary``) and
``structured_health`` (the figure, from those items and the SD findings of the run). An
item counts as "errors" when an SD finding of severity error is about it (or about a node
inside it), "warnings" for a warning (a missing recommended property, SD007: the item is
still eligible, as in Google's own reports), "valid" otherwise; notices (retired features)
do not make an item invalid. An unparsable JSON-LD block counts as one item with errors under
"JSON-LD (unparsable)". RDFa is detected and counted, not validated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from seoaudit.models import SEVERITY_ORDER, Finding, PageFacts
from seoaudit.structured.graph import Graph
from seoaudit.structured.requirements import requirements

UNPARSABLE = "JSON-LD (unparsable)"
RDFA = "RDFa"  # detected and counted, not validated


class _Summary(Protocol):
    url: str
    structured_items: list[tuple[str, str]]


def page_items(page: PageFacts) -> list[tuple[str, str]]:
    """(item key, type) of each rich-result item of the page, as the SD rules see them."""
    if not page.structured_data:
        return []
    found: list[tuple[str, str]] = []
    graph = Graph(page.structured_data, page.final_url)
    for item in graph.items(requirements().nested_properties):
        if item.schema and item.label:
            found.append((item.key, item.label))
    for index, block in enumerate(page.structured_data):
        if block.format == "json-ld" and block.error is not None:
            found.append((f"{index}:$", UNPARSABLE))
        elif block.format == "rdfa":
            found.append((f"{index}:rdfa", RDFA))
    return found


def structured_health(summaries: Iterable[_Summary], findings: Iterable[Finding]) -> dict[str, Any]:
    """``{"pages": n, "types": {type: {"items", "valid", "warnings", "errors"}},
    "rdfa_blocks": n}``, types sorted by item count (most first)."""
    worst: dict[tuple[str, str], str] = {}
    for finding in findings:
        if not finding.rule.startswith("SD"):
            continue
        item = finding.evidence.get("item")
        if not isinstance(item, str):
            continue
        where = (finding.url, item)
        current = worst.get(where)
        if current is None or SEVERITY_ORDER[finding.severity] < SEVERITY_ORDER[current]:
            worst[where] = finding.severity
    types: dict[str, dict[str, int]] = {}
    pages = rdfa = 0
    for summary in summaries:
        if not summary.structured_items:
            continue
        pages += 1
        for key, label in summary.structured_items:
            if label == RDFA:
                rdfa += 1
                continue
            counts = types.setdefault(label, {"items": 0, "valid": 0, "warnings": 0, "errors": 0})
            counts["items"] += 1
            severity = "error" if label == UNPARSABLE else worst.get((summary.url, key))
            bucket = {"error": "errors", "warning": "warnings"}.get(severity or "", "valid")
            counts[bucket] += 1
    ordered = dict(sorted(types.items(), key=lambda kv: (-kv[1]["items"], kv[0])))
    return {"pages": pages, "types": ordered, "rdfa_blocks": rdfa}
