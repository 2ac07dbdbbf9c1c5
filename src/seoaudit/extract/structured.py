"""Structured data blocks: JSON-LD, Microdata and RDFa (rules-kb section 3.1).

Owns: parsing each ``<script type="application/ld+json">`` with strict JSON (the error's
line and column are kept for SD-001), collecting every ``@type`` found at any depth, turning
Microdata ``itemscope`` trees into nested dicts, detecting RDFa with its types, recognising
schema.org JSON-LD written in a script of another type (SD-002), and recording the
Microdata and RDFa attributes that attach to no item (``MarkupProblems``, SD-028).

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
MAX_EXAMPLES = 3  # distinct elements kept per kind of structural problem (SD-028)
MAX_EXAMPLE_VALUE = 60  # characters of an attribute value kept in such an example
MAX_TAG = 40  # characters of a tag name kept (custom elements: any length)
MAX_CHECKED = 2_000  # elements looked at per page for structural problems
MAX_ANCESTORS = 256  # ancestors searched for the RDFa vocab in scope

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


# ---------------------------------------------------------------------------------------
# Structural problems of Microdata and RDFa (SD-028)
# ---------------------------------------------------------------------------------------

# Kinds of problem: the keys of ``PageFacts.microdata_rdfa_problems`` (stored in run files,
# so never renamed).
ITEMPROP_OUTSIDE_ITEM = "itemprop-outside-item"
ITEMSCOPE_WITHOUT_ITEMTYPE = "itemscope-without-itemtype"
ITEMTYPE_WITHOUT_ITEMSCOPE = "itemtype-without-itemscope"
ITEMTYPE_NOT_SCHEMA_ORG = "itemtype-not-schema-org"
RDFA_TERM_WITHOUT_VOCAB = "rdfa-term-without-vocab"
RDFA_PROPERTY_OUTSIDE_TYPEOF = "rdfa-property-outside-typeof"

# A schema.org type URL as Google reads it (the same hosts as ``structured.graph``).
_SCHEMA_TYPE_URL = re.compile(r"^https?://(?:www\.)?schema\.org/[^/?#]+/?$", re.I)
_SCHEMA_VOCAB = re.compile(r"^https?://(?:www\.)?schema\.org/?$", re.I)
_SCHEMA_TERM = re.compile(r"^(?:schema:|https?://(?:www\.)?schema\.org/)", re.I)
_ABSOLUTE_URL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
_RETIRED_HOST = "data-vocabulary.org"  # Google's own vocabulary, no rich results since 2020
# RDFa 1.1 initial-context terms: they resolve without a vocab.
_RDFA_TERMS = frozenset({"describedby", "license", "role"})
# Microdata the item tree does not reach, found by lexbor's selector engine rather than a
# Python walk: an itemprop with no itemscope ancestor (its own itemscope does not count:
# such an item is not top-level and is the value of nothing), an itemtype without itemscope.
_IN_ITEM = "[itemscope] *"
_STRAY = f"[itemprop]:not({_IN_ITEM}), [itemtype]:not([itemscope])"
# RDFa terms with no vocab in scope, and properties with no typed subject in scope: the
# element's own about, or an ancestor's typeof, about or resource (RDFa 1.1 Lite).
_RDFA_NO_VOCAB = "[property]:not([vocab]):not([vocab] *), [typeof]:not([vocab]):not([vocab] *)"
_RDFA_NO_SUBJECT = "[property]:not([about]):not([typeof] *):not([about] *):not([resource] *)"


def _near_schema_host(host: str) -> bool:
    """Whether ``host`` is schema.org misspelt (at most two edits: ``shema.org``,
    ``schemas.org``, ``schema.og``). Hosts of another length are not compared at all."""
    target = "schema.org"
    if abs(len(host) - len(target)) > 2:
        return False
    previous = list(range(len(target) + 1))
    for i, char in enumerate(host, 1):
        current = [i]
        for j, other in enumerate(target, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        previous = current
    return previous[-1] <= 2


def itemtype_problem(url: str) -> bool:
    """Whether one ``itemtype`` URL is not a schema.org type Google can read: not an
    absolute URL (``Product``, ``schema.org/Product``, ``//schema.org/Product``); a
    schema.org URL that names no type or one path too many (``https://schema.org``,
    ``https://schema.org/Product/Offer``); a host that is schema.org misspelt or extended
    (``shema.org``, ``schema.org.uk``, ``pending.schema.org``); or data-vocabulary.org,
    which Google stopped reading in 2020. The absolute URL of another vocabulary is legal
    Microdata and not a problem here."""
    if _SCHEMA_TYPE_URL.match(url):
        return False
    if not _ABSOLUTE_URL.match(url):
        return True
    host = url.split("/", 3)[2].lower()[:MAX_LABEL] if url.count("/") >= 2 else ""
    host = host.removeprefix("www.")
    return host.endswith(_RETIRED_HOST) or "schema.org" in host or _near_schema_host(host)


def _example(node: LexborNode, attribute: str, value: str | None) -> str:
    """The element as written, reduced to its tag and one attribute: ``<span itemprop="name">``."""
    tag = (node.tag or "")[:MAX_TAG]
    if value is None:
        return f"<{tag} {attribute}>"
    value = " ".join(value[: 4 * MAX_EXAMPLE_VALUE].split())
    if len(value) > MAX_EXAMPLE_VALUE:
        value = value[: MAX_EXAMPLE_VALUE - 1] + "…"
    return f'<{tag} {attribute}="{value}">'


class MarkupProblems:
    """Structural problems of one page's Microdata and RDFa (SD-028), as ``PageFacts``
    keeps them: kind -> (elements found, the first ``MAX_EXAMPLES`` distinct ones)."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[int, list[str]]] = {}

    def add(self, kind: str, node: LexborNode, attribute: str, value: str | None = None) -> None:
        count, examples = self.found.get(kind, (0, []))
        if len(examples) < MAX_EXAMPLES:
            example = _example(node, attribute, value)
            if example not in examples:
                examples.append(example)
        self.found[kind] = (count + 1, examples)


def _referenced(node: LexborNode, refs: set[str], memo: dict[int, bool]) -> bool:
    """Whether ``node`` or an ancestor has an id that an ``itemref`` names: the item that
    names it owns its itemprops (HTML "Microdata", the properties of an item). Ancestors
    already answered are remembered; past ``MAX_ANCESTORS`` the answer is yes (unknown is
    not reported)."""
    path: list[int] = []
    current: LexborNode | None = node
    found = True
    for _ in range(MAX_ANCESTORS):
        if current is None or not current.is_element_node:
            found = False
            break
        key = current.mem_id
        if key in memo:
            found = memo[key]
            break
        path.append(key)
        if current.id in refs:
            break
        current = current.parent
    for key in path:
        memo[key] = found
    return found


def _stray_microdata(root: LexborNode, problems: MarkupProblems) -> None:
    """itemprop outside any itemscope (unless an itemref pulls it in), itemtype without
    itemscope. One selector query: the Python loop sees only the offending elements."""
    refs: set[str] | None = None
    memo: dict[int, bool] = {}
    for node in root.css(_STRAY)[:MAX_CHECKED]:
        attrs = node.attributes
        if "itemtype" in attrs and "itemscope" not in attrs:
            problems.add(ITEMTYPE_WITHOUT_ITEMSCOPE, node, "itemtype", attrs.get("itemtype"))
            if "itemprop" not in attrs or node.css_matches(_IN_ITEM):
                continue  # matched for its itemtype only
        if refs is None:
            refs = {
                ref
                for item in root.css("[itemscope][itemref]")[:MAX_CHECKED]
                for ref in (item.attributes.get("itemref") or "").split()[:MAX_SCRIPT_ITEMS]
            }
        if refs and _referenced(node, refs, memo):
            continue
        problems.add(ITEMPROP_OUTSIDE_ITEM, node, "itemprop", attrs.get("itemprop"))


def _schema_vocab_in_scope(node: LexborNode, memo: dict[int, bool]) -> bool:
    """Whether the nearest ``vocab`` on ``node`` or its ancestors is schema.org. Elements
    already answered are remembered; past ``MAX_ANCESTORS`` the answer is no (unknown is
    not reported)."""
    path: list[int] = []
    current: LexborNode | None = node
    found = False
    for _ in range(MAX_ANCESTORS):
        if current is None or not current.is_element_node:
            break
        key = current.mem_id
        if key in memo:
            found = memo[key]
            break
        path.append(key)
        attrs = current.attributes
        if "vocab" in attrs:
            found = _SCHEMA_VOCAB.match((attrs["vocab"] or "").strip()) is not None
            break
        current = current.parent
    for key in path:
        memo[key] = found
    return found


def _rdfa_problems(root: LexborNode, problems: MarkupProblems) -> None:
    """Terms (no prefix, not a URL) with no ``vocab`` in scope resolve to nothing; schema.org
    properties with no typed subject in scope describe the page URL itself, as no type."""
    for node in root.css(_RDFA_NO_VOCAB)[:MAX_CHECKED]:
        attrs = node.attributes
        for attribute in ("typeof", "property"):
            value = attrs.get(attribute) or ""
            tokens = value.split()[:MAX_SCRIPT_ITEMS]
            if any(":" not in t and t not in _RDFA_TERMS for t in tokens):
                problems.add(RDFA_TERM_WITHOUT_VOCAB, node, attribute, value)
    memo: dict[int, bool] = {}
    for node in root.css(_RDFA_NO_SUBJECT)[:MAX_CHECKED]:
        value = node.attributes.get("property") or ""
        tokens = value.split()[:MAX_SCRIPT_ITEMS]
        if any(_SCHEMA_TERM.match(t) for t in tokens) or (
            any(":" not in t for t in tokens) and _schema_vocab_in_scope(node, memo)
        ):
            problems.add(RDFA_PROPERTY_OUTSIDE_TYPEOF, node, "property", value)


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

    def __init__(self, base: str, problems: MarkupProblems | None = None) -> None:
        self.base = base
        self.budget = MAX_ITEMS
        self.types: list[str] = []
        self.problems = problems
        self.checked = 0  # itemtype attributes checked (MAX_CHECKED at most)

    def item(self, node: LexborNode, depth: int) -> dict[str, Any]:
        attrs = node.attributes
        item: dict[str, Any] = {}
        itemtype = attrs.get("itemtype") or ""
        urls = itemtype.split()
        names = [type_name(t) for t in urls]
        if self.problems is not None and urls and self.checked < MAX_CHECKED:
            self.checked += 1
            if any(map(itemtype_problem, urls[:MAX_SCRIPT_ITEMS])):
                self.problems.add(ITEMTYPE_NOT_SCHEMA_ORG, node, "itemtype", itemtype)
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


def microdata(
    root: LexborNode, base: str, problems: MarkupProblems | None = None
) -> list[StructuredData]:
    """One block per top-level item (an ``itemscope`` that is not an ``itemprop`` value),
    URL values resolved against ``base``. ``itemref`` is not followed. With ``problems``,
    also records what attaches to no item or names no schema.org type (SD-028). A nested
    item without ``itemtype`` is not a problem: the HTML standard allows untyped items, and
    what a property's value needs is the requirement rules' business (SD-006)."""
    blocks = []
    builder = _Microdata(base, problems)
    for node in root.css("[itemscope]"):
        if builder.budget <= 0:
            break
        attrs = node.attributes
        if "itemprop" in attrs:
            continue
        if problems is not None and not (attrs.get("itemtype") or "").strip():
            problems.add(ITEMSCOPE_WITHOUT_ITEMTYPE, node, "itemscope")
        builder.types = []
        data = builder.item(node, 0)
        raw = (node.html or "")[:MAX_RAW]
        blocks.append(
            StructuredData(format="microdata", raw=raw, data=data, types=list(builder.types))
        )
    if problems is not None:
        _stray_microdata(root, problems)
    return blocks


def rdfa(root: LexborNode, problems: MarkupProblems | None = None) -> list[StructuredData]:
    """RDFa is detected, not parsed: one block listing every ``typeof`` type on the page.
    ``property`` alone does not count: Open Graph ``<meta property="og:...">`` uses it, so
    structural problems (with ``problems``) are looked for on pages that use RDFa only."""
    nodes = root.css("[typeof], [vocab]")
    if not nodes:
        return []
    if problems is not None:
        _rdfa_problems(root, problems)
    types: list[str] = []
    for node in nodes:
        for value in (node.attributes.get("typeof") or "").split():
            name = type_name(value)
            if name not in types:
                types.append(name)
    raw = (nodes[0].html or "")[:MAX_RAW]
    return [StructuredData(format="rdfa", raw=raw, types=types)]


def microdata_and_rdfa(
    root: LexborNode, base: str
) -> tuple[list[StructuredData], dict[str, tuple[int, list[str]]]]:
    """The Microdata blocks, the RDFa block, and the structural problems of both (SD-028).
    Call it only when the page carries ``itemscope``, ``itemprop``, ``typeof`` or ``vocab``
    (one selector query, see ``extract.html``): every page without them costs nothing."""
    problems = MarkupProblems()
    blocks = microdata(root, base, problems) + rdfa(root, problems)
    return blocks, problems.found
