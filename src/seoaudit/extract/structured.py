"""Structured data blocks: JSON-LD, Microdata and RDFa (rules-kb section 3.1).

Owns: parsing each ``<script type="application/ld+json">`` with strict JSON (the error's
line and column are kept for SD-001), collecting every ``@type`` found at any depth, turning
Microdata ``itemscope`` trees into nested dicts, detecting RDFa with its types, and
recognising schema.org JSON-LD written in a script of another type (SD-002).

Must not: judge the data (required properties, schema.org vocabulary): rules do that. Every
block is adversarial: parsing is bounded in depth and size and never raises.
"""

from __future__ import annotations

import json
import re
from typing import Any

from selectolax.lexbor import LexborNode

from seoaudit.crawl.urls import resolve
from seoaudit.models import ScriptJsonLd, StructuredData

MAX_RAW = 20_000  # characters of a block kept as written
MAX_JSON = 2_000_000  # larger JSON-LD blocks are not parsed
MAX_ITEMS = 20_000  # microdata elements visited per page
MAX_DEPTH = 64  # microdata nesting followed
MAX_SNIFF = 50_000  # other scripts larger than this are JSON-LD only if they start as such
MAX_SCRIPT_RAW = 200  # characters kept of JSON-LD in another script type
MAX_SCRIPT_ITEMS = 20  # top-level objects inspected, @types kept
MAX_LABEL = 60  # characters kept of a script type or an @type named in a message

# Elements whose microdata value is a URL attribute (HTML "Microdata" section 5.4).
_URL_PROPERTY = {
    "a": "href",
    "area": "href",
    "link": "href",
    "audio": "src",
    "embed": "src",
    "iframe": "src",
    "img": "src",
    "source": "src",
    "track": "src",
    "video": "src",
    "object": "data",
}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_types(data: Any) -> list[str]:
    """Every ``@type`` value in parsed JSON-LD, in document order, without repeats."""
    types: dict[str, None] = {}  # ordered and O(1) to test: 30,000 types took 5 s as a list
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found = node.get("@type")
            for value in found if isinstance(found, list) else [found]:
                if isinstance(value, str):
                    types.setdefault(value)
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return list(types)


def json_ld(text: str) -> StructuredData:
    """One JSON-LD block: strict JSON (no NaN/Infinity, no comments, no trailing commas)."""
    block = StructuredData(format="json-ld", raw=text[:MAX_RAW])
    if len(text) > MAX_JSON:
        block.error = f"block larger than {MAX_JSON} characters: not parsed"
        return block
    try:
        block.data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        block.error, block.line, block.column = exc.msg, exc.lineno, exc.colno
        return block
    except (ValueError, RecursionError) as exc:
        block.error = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        return block
    block.types = json_types(block.data)
    return block


# JSON-LD as generators write it: "@context" (schema.org) is the first key of the first
# object. Checked on the start of the text only; other orders are confirmed by parsing.
_JSON_LD_START = re.compile(r'\s*\[?\s*\{\s*"@context"\s*:\s*"[^"]{0,40}schema\.org', re.I)


def _schema_context(data: Any) -> bool:
    """Does parsed JSON carry a schema.org ``@context`` at its top level (one object, or
    an array of objects)?"""
    for item in (data if isinstance(data, list) else [data])[:MAX_SCRIPT_ITEMS]:
        if isinstance(item, dict) and "schema.org" in str(item.get("@context", "")).lower():
            return True
    return False


def script_json_ld(text: str, script_type: str | None) -> ScriptJsonLd | None:
    """Schema.org JSON-LD in a script that is not ``application/ld+json`` (SD-002), or None
    when ``text`` is something else (``__NEXT_DATA__``, an import map, a template). The
    caller passes only scripts starting with ``{`` or ``[`` and containing ``"@context"``.
    JSON-LD is recognised by its start, else by parsing (blocks up to ``MAX_SNIFF``
    characters): a schema.org ``@context`` at the top level, not nested in other data."""
    start = _JSON_LD_START.match(text) is not None
    if not start and len(text) > MAX_SNIFF:
        return None
    block = json_ld(text)
    if not start and (block.error is not None or not _schema_context(block.data)):
        return None
    return ScriptJsonLd(
        type=None if script_type is None else script_type[:MAX_LABEL],
        raw=text[: 2 * MAX_SCRIPT_RAW].strip()[:MAX_SCRIPT_RAW],
        types=[t[:MAX_LABEL] for t in block.types[:MAX_SCRIPT_ITEMS]],
        error=block.error,
    )


def type_name(iri: str) -> str:
    """``https://schema.org/Product`` -> ``Product``; ``schema:Offer`` -> ``Offer``."""
    iri = iri.rstrip("/#")
    for separator in ("/", "#", ":"):
        iri = iri.rsplit(separator, 1)[-1]
    return iri


def _property_value(node: LexborNode, attrs: dict[str, str | None], base: str) -> str:
    tag = node.tag or ""
    # The HTML standard reads "content" on <meta> only; Google reads it on any element
    # (its examples use <span itemprop="price" content="99.00">$99</span>).
    if "content" in attrs:
        return attrs.get("content") or ""
    if tag in _URL_PROPERTY:
        href = attrs.get(_URL_PROPERTY[tag]) or ""
        return (resolve(base, href) or href) if href else ""  # absolute, as the spec says
    if tag in ("data", "meter"):
        return attrs.get("value") or ""
    if tag == "time" and attrs.get("datetime"):
        return attrs.get("datetime") or ""
    return " ".join(node.text().split())[:MAX_RAW]


class _Microdata:
    """Builds microdata items; ``budget`` bounds the elements visited on hostile pages."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.budget = MAX_ITEMS
        self.types: list[str] = []

    def item(self, node: LexborNode, depth: int) -> dict[str, Any]:
        attrs = node.attributes
        item: dict[str, Any] = {}
        names = [type_name(t) for t in (attrs.get("itemtype") or "").split()]
        if names:
            item["@type"] = names[0] if len(names) == 1 else names
            self.types.extend(n for n in names if n not in self.types)
        if attrs.get("itemid"):
            item["@id"] = attrs["itemid"]
        self.properties(node, item, depth)
        return item

    def properties(self, parent: LexborNode, item: dict[str, Any], depth: int) -> None:
        """Add the itemprops below ``parent`` that belong to its item (not to nested ones)."""
        child = parent.child
        while child is not None and self.budget > 0:
            self.budget -= 1
            if child.is_element_node:
                attrs = child.attributes
                nested = "itemscope" in attrs
                value: Any = None
                if "itemprop" in attrs:
                    if nested:
                        value = self.item(child, depth + 1) if depth < MAX_DEPTH else {}
                    else:
                        value = _property_value(child, attrs, self.base)
                    for name in (attrs.get("itemprop") or "").split():
                        _add(item, name, value)
                if not nested and depth < MAX_DEPTH:
                    self.properties(child, item, depth + 1)
            child = child.next


def _add(item: dict[str, Any], name: str, value: Any) -> None:
    if name not in item:
        item[name] = value
    elif isinstance(item[name], list):
        item[name].append(value)
    else:
        item[name] = [item[name], value]


def microdata(root: LexborNode, base: str) -> list[StructuredData]:
    """One block per top-level item (an ``itemscope`` that is not an ``itemprop`` value),
    URL values resolved against ``base``. ``itemref`` is not followed."""
    blocks = []
    builder = _Microdata(base)
    for node in root.css("[itemscope]"):
        if builder.budget <= 0:
            break
        if "itemprop" in node.attributes:
            continue
        builder.types = []
        data = builder.item(node, 0)
        raw = (node.html or "")[:MAX_RAW]
        blocks.append(
            StructuredData(format="microdata", raw=raw, data=data, types=list(builder.types))
        )
    return blocks


def rdfa(root: LexborNode) -> list[StructuredData]:
    """RDFa is detected, not parsed: one block listing every ``typeof`` type on the page.
    ``property`` alone does not count: Open Graph ``<meta property="og:...">`` uses it."""
    nodes = root.css("[typeof], [vocab]")
    if not nodes:
        return []
    types: list[str] = []
    for node in nodes:
        for value in (node.attributes.get("typeof") or "").split():
            name = type_name(value)
            if name not in types:
                types.append(name)
    raw = (nodes[0].html or "")[:MAX_RAW]
    return [StructuredData(format="rdfa", raw=raw, types=types)]
