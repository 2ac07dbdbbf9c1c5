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
import math
import re
from collections.abc import Callable
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
MAX_CHECKED = 2_000  # elements counted per kind of structural problem per page (SD-028)
MAX_SCANNED = 20_000  # itemprop (or typeof/property) elements looked at per page for
# SD-028: below MAX_CHECKED, a count is exact on pages with no more of them than this
MAX_ANCESTORS = 256  # ancestors searched for the item, vocab or subject in scope
MAX_ITEMREF = 256  # ids read from one itemref

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


def _int(literal: str) -> int | str:
    """A JSON integer; one too long for Python (over 4,300 digits) stays its literal
    text: valid JSON, which Python's ``int()`` refuses (it was "does not parse")."""
    try:
        return int(literal)
    except ValueError:
        return literal


def _float(literal: str) -> float | str:
    """A JSON number; one beyond a double's range (``1e400``) stays its literal text: as
    ``inf`` it was stored as null, so a price of 1e400 read as "no price"."""
    value = float(literal)
    return value if math.isfinite(value) else literal


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


# "\ud800": JSON may escape half of a UTF-16 pair, which no UTF-8 text can hold.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _without_lone_surrogates(value: Any) -> Any:
    """``value`` with each lone surrogate a U+FFFD, as browsers decode it (pairs joined):
    kept, one would make the page's facts impossible to store."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value


def json_ld(text: str) -> StructuredData:
    """One JSON-LD block: strict JSON (no NaN/Infinity, no comments, no trailing commas)."""
    block = StructuredData(format="json-ld", raw=text[:MAX_RAW])
    if len(text) > MAX_JSON:
        block.error = f"block larger than {MAX_JSON} characters: not parsed"
        return block
    try:
        block.data = json.loads(
            text, parse_constant=_reject_constant, parse_int=_int, parse_float=_float
        )
        if _SURROGATE_ESCAPE.search(text):
            block.data = _without_lone_surrogates(block.data)
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
# Written as an RDFa CURIE (``schema:Product``) or an http(s) URL without "//": Microdata
# reads itemtype as an absolute URL, and "schema" is no URL scheme.
_NOT_A_TYPE_URL = re.compile(r"^(?:schema:|https?:(?!//))", re.I)
_RETIRED_HOST = "data-vocabulary.org"  # Google's own vocabulary, no rich results since 2020
# RDFa 1.1 initial-context terms: they resolve without a vocab.
_RDFA_TERMS = frozenset({"describedby", "license", "role"})
# Where an element's RDFa vocab comes from (``_vocab``): none on it or its ancestors, another
# vocabulary, schema.org, or not known (deeper than ``MAX_ANCESTORS``: not reported).
_NO_VOCAB, _OTHER_VOCAB, _SCHEMA_VOCAB_IN_SCOPE, _UNKNOWN_VOCAB = range(4)
# Elements whose typeof types the document itself in HTML+RDFa 1.1 (when they carry no
# about or resource): every property of the page then has a typed subject.
_DOCUMENT_ELEMENTS = frozenset({"html", "head", "body"})


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
    absolute URL (``Product``, ``schema.org/Product``, ``//schema.org/Product``, the RDFa
    CURIE ``schema:Product``, ``https:schema.org/Product``); a schema.org URL that names no
    type or one path too many (``https://schema.org``, ``https://schema.org/Product/Offer``);
    a host that is schema.org misspelt or extended (``shema.org``, ``schema.org.uk``,
    ``pending.schema.org``); or data-vocabulary.org, which Google stopped reading in 2020.
    The absolute URL of another vocabulary is legal Microdata and not a problem here."""
    if _SCHEMA_TYPE_URL.match(url):
        return False
    if not _ABSOLUTE_URL.match(url) or _NOT_A_TYPE_URL.match(url):
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


def _tokens(value: str | None) -> list[str]:
    """The first ``MAX_SCRIPT_ITEMS`` tokens of an attribute, without splitting the rest
    (a hostile value can be megabytes long)."""
    return (value or "").split(None, MAX_SCRIPT_ITEMS)[:MAX_SCRIPT_ITEMS]


class MarkupProblems:
    """Structural problems of one page's Microdata and RDFa (SD-028), as ``PageFacts``
    keeps them: kind -> (elements found, the first ``MAX_EXAMPLES`` distinct ones). Each
    element counts once per kind; a count stops at ``MAX_CHECKED`` (a count that reaches
    it is a minimum: see ``count_is_minimum``)."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[int, list[str]]] = {}

    def full(self, kind: str) -> bool:
        """Whether ``kind`` has been counted ``MAX_CHECKED`` times: stop looking for it."""
        return self.found.get(kind, (0, []))[0] >= MAX_CHECKED

    def add(self, kind: str, node: LexborNode, attribute: str, value: str | None = None) -> None:
        count, examples = self.found.get(kind, (0, []))
        if count >= MAX_CHECKED:
            return
        if len(examples) < MAX_EXAMPLES:
            example = _example(node, attribute, value)
            if example not in examples:
                examples.append(example)
        self.found[kind] = (count + 1, examples)


def count_is_minimum(count: int) -> bool:
    """Whether a count of ``MarkupProblems`` stopped at its bound: there may be more."""
    return count >= MAX_CHECKED


def _nearest(
    node: LexborNode | None,
    memo: dict[int, Any],
    decide: Callable[[LexborNode], Any],
    top: Any,
    unknown: Any,
) -> Any:
    """What ``decide`` answers for the nearest of ``node`` and its ancestors it answers
    for (not None): ``top`` when none does, ``unknown`` past ``MAX_ANCESTORS``. Every
    element walked is remembered in ``memo`` (keyed by ``mem_id``) with the answer, so a
    page costs one visit per element however deep it nests and however many of its
    elements ask: selectors with descendant combinators (``[itemscope] *``) search every
    ancestor of every candidate instead (minutes on hostile nesting)."""
    path: list[int] = []
    current = node
    answer = unknown
    for _ in range(MAX_ANCESTORS):
        if current is None or not current.is_element_node:
            answer = top
            break
        key = current.mem_id
        if key in memo:
            answer = memo[key]
            break
        path.append(key)
        found = decide(current)
        if found is not None:
            answer = found
            break
        current = current.parent
    for key in path:
        memo[key] = answer
    return answer


def _itemscope(node: LexborNode) -> bool | None:
    return True if "itemscope" in node.attributes else None


def _in_item(node: LexborNode, memo: dict[int, Any]) -> bool:
    """Whether an ancestor of ``node`` has ``itemscope`` (its own does not count: an item
    that is an itemprop of nothing is not top-level either). Unknown counts as yes."""
    return bool(_nearest(node.parent, memo, _itemscope, False, True))


def _itemref_ids(root: LexborNode) -> set[str]:
    """The ids every ``itemref`` on the page names."""
    return {
        ref
        for item in root.css("[itemscope][itemref]")[:MAX_CHECKED]
        for ref in (item.attributes.get("itemref") or "").split(None, MAX_ITEMREF)[:MAX_ITEMREF]
    }


def _referenced(node: LexborNode, refs: set[str], memo: dict[int, Any]) -> bool:
    """Whether ``node`` or an ancestor has an id that an ``itemref`` names: the item that
    names it owns its itemprops (HTML "Microdata", the properties of an item). Unknown
    (deeper than ``MAX_ANCESTORS``) counts as yes: it is not reported."""

    def named(current: LexborNode) -> bool | None:
        return True if current.id in refs else None

    return bool(_nearest(node, memo, named, False, True))


def _stray_microdata(root: LexborNode, problems: MarkupProblems, owned: set[int] | None) -> None:
    """itemtype without itemscope; itemprop with no itemscope ancestor (unless an itemref
    pulls it in). Plain attribute queries; the itemprops the item tree gave to an item
    (``owned``, by ``mem_id``) are in one, the others take a memoised walk up: O(n).
    ``owned`` is None on a page without any itemscope: every itemprop is stray, at any
    depth (no walk, so none is unknown)."""
    for node in root.css("[itemtype]:not([itemscope])")[:MAX_CHECKED]:
        problems.add(ITEMTYPE_WITHOUT_ITEMSCOPE, node, "itemtype", node.attributes.get("itemtype"))
    refs: set[str] | None = None if owned is not None else set()  # only items have itemref
    in_item: dict[int, Any] = {}
    referenced: dict[int, Any] = {}
    for node in root.css("[itemprop]")[:MAX_SCANNED]:
        if owned is not None and (node.mem_id in owned or _in_item(node, in_item)):
            continue
        if refs is None:
            refs = _itemref_ids(root)
        if refs and _referenced(node, refs, referenced):
            continue
        problems.add(ITEMPROP_OUTSIDE_ITEM, node, "itemprop", node.attributes.get("itemprop"))
        if problems.full(ITEMPROP_OUTSIDE_ITEM):
            break


def _vocab(node: LexborNode, memo: dict[int, Any]) -> int:
    """Which vocab is in scope of ``node``: the nearest ``vocab`` on it or its ancestors
    (``_NO_VOCAB``, ``_OTHER_VOCAB``, ``_SCHEMA_VOCAB_IN_SCOPE`` or ``_UNKNOWN_VOCAB``)."""

    def declared(current: LexborNode) -> int | None:
        attrs = current.attributes
        if "vocab" not in attrs:
            return None
        value = (attrs["vocab"] or "")[:200].strip()
        return _SCHEMA_VOCAB_IN_SCOPE if _SCHEMA_VOCAB.match(value) else _OTHER_VOCAB

    return int(_nearest(node, memo, declared, _NO_VOCAB, _UNKNOWN_VOCAB))


def _subject(node: LexborNode) -> bool | None:
    attrs = node.attributes
    return True if "typeof" in attrs or "about" in attrs or "resource" in attrs else None


def _typed_subject(node: LexborNode, memo: dict[int, Any]) -> bool:
    """Whether a property on ``node`` has a subject other than the page: its own about, or
    an ancestor's typeof, about or resource (RDFa 1.1 Lite). Unknown counts as yes."""
    if "about" in node.attributes:
        return True
    return bool(_nearest(node.parent, memo, _subject, False, True))


def _typed_document(root: LexborNode) -> bool:
    """Whether a typeof on ``<html>``, ``<head>`` or ``<body>`` (with no about or resource)
    types the document itself (HTML+RDFa 1.1, section 3.1): then every property of the
    page describes a typed subject, wherever it stands."""
    for node in [root, *root.iter()]:
        if node.tag not in _DOCUMENT_ELEMENTS:
            continue
        attrs = node.attributes
        if _tokens(attrs.get("typeof")) and "about" not in attrs and "resource" not in attrs:
            return True
    return False


def _rdfa_problems(root: LexborNode, problems: MarkupProblems) -> None:
    """Terms (no prefix, not a URL) with no ``vocab`` in scope resolve to nothing; schema.org
    properties with no typed subject in scope describe the page URL itself, as no type.
    One plain attribute query, then memoised walks up per element: O(n)."""
    any_vocab = root.css_first("[vocab]") is not None
    schema_vocab = any_vocab and root.css_first('[vocab*="schema.org" i]') is not None
    # Properties can lack a typed subject only on a page with a schema.org vocab or term,
    # and none can when the document itself is typed.
    check_subject = (
        schema_vocab or root.css_first('[property*="schema" i]') is not None
    ) and not _typed_document(root)
    vocabs: dict[int, Any] = {}
    typed: dict[int, Any] = {}
    seen: set[int] = set()  # lexbor returns an element once per selector of a list it matches
    for node in root.css("[typeof], [property]"):
        key = node.mem_id
        if key in seen:
            continue
        seen.add(key)
        terms_full = problems.full(RDFA_TERM_WITHOUT_VOCAB)
        subjects_full = not check_subject or problems.full(RDFA_PROPERTY_OUTSIDE_TYPEOF)
        if len(seen) > MAX_SCANNED or (terms_full and subjects_full):
            break
        attrs = node.attributes
        vocab = _UNKNOWN_VOCAB if any_vocab else _NO_VOCAB  # looked up when needed
        looked_up = not any_vocab
        for attribute in () if terms_full else ("typeof", "property"):
            value = attrs.get(attribute)
            if any(":" not in t and t not in _RDFA_TERMS for t in _tokens(value)):
                if not looked_up:
                    vocab, looked_up = _vocab(node, vocabs), True
                if vocab == _NO_VOCAB:
                    problems.add(RDFA_TERM_WITHOUT_VOCAB, node, attribute, value)
                break  # one count per element
        if subjects_full or "property" not in attrs:
            continue
        value = attrs["property"]
        tokens = _tokens(value)
        schema = any(_SCHEMA_TERM.match(t) for t in tokens)
        if not schema and not (schema_vocab and any(":" not in t for t in tokens)):
            continue  # terms of another vocabulary, or prefixed ones (og:title)
        if _typed_subject(node, typed):
            continue
        if not schema and not looked_up:
            vocab = _vocab(node, vocabs)
        if schema or vocab == _SCHEMA_VOCAB_IN_SCOPE:
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
        self.owned: set[int] = set()  # mem_id of every itemprop given to an item

    def item(self, node: LexborNode, depth: int) -> dict[str, Any]:
        attrs = node.attributes
        item: dict[str, Any] = {}
        itemtype = attrs.get("itemtype") or ""
        urls = itemtype.split()
        names = [type_name(t) for t in urls]
        problems = self.problems
        if (
            problems is not None
            and not problems.full(ITEMTYPE_NOT_SCHEMA_ORG)
            and any(map(itemtype_problem, urls[:MAX_SCRIPT_ITEMS]))
        ):
            problems.add(ITEMTYPE_NOT_SCHEMA_ORG, node, "itemtype", itemtype)
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
                    self.owned.add(child.mem_id)
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
    items = root.css("[itemscope]")
    for node in items:
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
        _stray_microdata(root, problems, builder.owned if items else None)
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
