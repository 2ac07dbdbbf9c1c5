"""One page's structured data as a graph of nodes, the way a JSON-LD processor reads it.

Owns: turning the parsed blocks of a page (``PageFacts.structured_data``: JSON-LD and
Microdata) into ``Node``s with normalised types and property names; every shape JSON-LD
allows (one object, a top-level array, ``@graph``, nested objects, arrays of values and of
types, value objects, ``@list``); ``@id`` references and the merge of several definitions of
one ``@id`` (JSON-LD "node objects with the same @id describe one node"); the ``@context``
verdict of each top-level object; and which nodes are rich-result *items* (what Google
evaluates as one result: top-level nodes and ``mainEntity``/``breadcrumb`` values).

Must not: know Google's requirements (``requirements``) or judge values (``values``).
Every block is adversarial: walks are bounded in depth and node count and never raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from seoaudit.models import StructuredData

MAX_NODES = 5000  # nodes read per page
MAX_DEPTH = 48  # nesting followed

# Values of these properties of an item are items too: Google evaluates a WebPage's
# mainEntity (a Product, an FAQPage) and its breadcrumb as results of their own.
ITEM_PROPERTIES = ("mainEntity", "breadcrumb")

ContextVerdict = Literal["ok", "missing", "wrong", "other-vocabulary"]
_SCHEMA = re.compile(r"^https?://schema\.org/?$", re.I)
_SCHEMA_CONTEXT_FILE = re.compile(r"^https?://schema\.org/docs/jsonldcontext\.json(?:ld)?$", re.I)
_SCHEMA_IRI = re.compile(r"^(?:https?://(?:www\.)?schema\.org/|schema:)(.+)$", re.I)
_ITEMTYPE = re.compile(r"""\bitemtype\s*=\s*["']?\s*([^"'\s>]+)""", re.I)


@dataclass(frozen=True)
class Ref:
    """A reference to a node by ``@id`` (an object with nothing but ``@id``)."""

    id: str


Value = Any  # Node | Ref | str | int | float | bool


@dataclass(eq=False)
class Node:
    """One node object as written. ``types`` are schema.org local names (``Product``);
    types from other vocabularies are in ``foreign_types``. ``props`` maps each property
    (local name for schema.org terms, as written otherwise) to its values."""

    types: tuple[str, ...]
    props: dict[str, list[Value]]
    block: int
    path: str
    format: str
    id: str | None = None
    schema: bool = True  # terms resolve to schema.org (else another vocabulary: not judged)
    foreign_types: tuple[str, ...] = ()
    raw_types: tuple[str, ...] = ()  # @type values as written
    parent: Node | None = None
    via: str | None = None  # property of ``parent`` this node is the value of

    @property
    def key(self) -> str:
        """Stable name of the node within its page: its ``@id``, else block and path."""
        return self.id or f"{self.block}:{self.path}"

    @property
    def label(self) -> str:
        return self.types[0] if self.types else (self.raw_types[0] if self.raw_types else "")


@dataclass(frozen=True)
class ContextProblem:
    block: int
    path: str
    verdict: ContextVerdict
    value: str  # the @context as written (shortened), "" when missing


@lru_cache(maxsize=8192)  # property and type names repeat across nodes and pages
def local_name(term: str) -> str | None:
    """``name``, ``schema:name`` or ``https://schema.org/name`` -> ``name``; a term of
    another vocabulary (``og:title``, ``http://purl.org/dc/terms/title``) -> None."""
    match = _SCHEMA_IRI.match(term)
    if match:
        return match.group(1).rstrip("/")
    if ":" in term or "/" in term:
        return None
    return term


def context_verdict(context: Any) -> ContextVerdict:
    """Whether a JSON-LD ``@context`` makes terms resolve to schema.org.

    "ok": ``https://schema.org`` or ``http://schema.org`` (trailing slash or not), the
    schema.org context file, or an object/array mapping to it (``@vocab`` or a prefix).
    "wrong": meant as schema.org but does not resolve (no scheme, a type URL such as
    ``https://schema.org/Product``, ``www.schema.org``, a misspelt host). "other-vocabulary":
    a context that names no schema.org at all (not markup for Google's rich results)."""
    if context is None:
        return "missing"
    strings: list[str] = []
    stack = [context]
    budget = 200
    while stack and budget > 0:
        budget -= 1
        item = stack.pop()
        if isinstance(item, str):
            strings.append(item.strip())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(v for v in item.values() if isinstance(v, (str, list, dict)))
    if any(_SCHEMA.match(s) or _SCHEMA_CONTEXT_FILE.match(s) for s in strings):
        return "ok"
    if any(_looks_like_schema(s) for s in strings):
        return "wrong"
    return "other-vocabulary" if strings else "missing"


def _looks_like_schema(value: str) -> bool:
    lowered = value.lower()
    if "schema.org" in lowered:
        return True
    host = urlsplit(lowered).hostname or lowered.split("/", 1)[0]
    host = host.removeprefix("www.")
    # misspelt hosts: shema.org, schema.ogr, schemaorg.com, schmea.org
    return _edit_distance(host, "schema.org") <= 2


def _edit_distance(a: str, b: str) -> int:
    if abs(len(a) - len(b)) > 2:
        return 3
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _microdata_is_schema(raw: str) -> bool:
    """A Microdata item whose (first) ``itemtype`` is a schema.org URL."""
    match = _ITEMTYPE.search(raw)
    return match is None or _SCHEMA_IRI.match(match.group(1)) is not None


class Graph:
    """The nodes of one page. Build with ``Graph(page.structured_data, page.final_url)``."""

    def __init__(self, blocks: list[StructuredData], base: str) -> None:
        self.base = base
        self.nodes: list[Node] = []  # every node definition, document order
        self.roots: list[Node] = []  # top-level nodes (and @graph members)
        self.by_id: dict[str, list[Node]] = {}
        self.refs: list[tuple[Node, str, str]] = []  # (node, property, referenced @id)
        self.contexts: list[ContextProblem] = []
        self._merged: dict[str, dict[str, list[Value]]] = {}
        for index, block in enumerate(blocks):
            if block.error is not None or block.data is None:
                continue
            if block.format == "json-ld":
                self._json_ld(index, block.data)
            elif block.format == "microdata" and isinstance(block.data, dict):
                schema = _microdata_is_schema(block.raw)
                node = self._node(block.data, index, "$", "microdata", schema, None, None, 0)
                if node is not None:
                    self.roots.append(node)

    # -- building -------------------------------------------------------------------------

    def _json_ld(self, index: int, data: Any) -> None:
        tops = data if isinstance(data, list) else [data]
        for i, top in enumerate(tops[:MAX_NODES]):
            path = f"$[{i}]" if isinstance(data, list) else "$"
            if not isinstance(top, dict):
                continue
            verdict = context_verdict(top.get("@context"))
            graph = top.get("@graph")
            if verdict == "missing" and isinstance(graph, list) and graph:
                # A @graph wrapper without context whose members each carry their own.
                members = [m.get("@context") if isinstance(m, dict) else None for m in graph]
                verdicts = {context_verdict(m) for m in members}
                verdict = "ok" if verdicts == {"ok"} else verdict
            if verdict != "ok":
                value = top.get("@context")
                shown = "" if value is None else str(value)[:120]
                self.contexts.append(ContextProblem(index, path, verdict, shown))
            schema = verdict != "other-vocabulary"
            if graph is not None:
                members = graph if isinstance(graph, list) else [graph]
                for j, member in enumerate(members[:MAX_NODES]):
                    if isinstance(member, dict):
                        node = self._node(
                            member, index, f"{path}.@graph[{j}]", "json-ld", schema, None, None, 0
                        )
                        if node is not None:
                            self.roots.append(node)
                if "@type" not in top:
                    continue
            node = self._node(top, index, path, "json-ld", schema, None, None, 0)
            if node is not None:
                self.roots.append(node)

    def _resolve_id(self, value: object) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return None
        text = value.strip()
        if text.startswith("_:"):
            return text  # a blank node identifier
        try:
            return urljoin(self.base, text)
        except ValueError:
            return text

    def _node(
        self,
        data: dict[str, Any],
        block: int,
        path: str,
        fmt: str,
        schema: bool,
        parent: Node | None,
        via: str | None,
        depth: int,
    ) -> Node | None:
        if len(self.nodes) >= MAX_NODES:
            return None
        raw = data.get("@type")
        raw_types = tuple(
            t for t in (raw if isinstance(raw, list) else [raw]) if isinstance(t, str)
        )
        types: list[str] = []
        foreign: list[str] = []
        for written in raw_types:
            name = local_name(written.strip())
            if name is None:
                foreign.append(written)
            elif name and name not in types:
                types.append(name)
        node = Node(
            types=tuple(types),
            props={},
            block=block,
            path=path,
            format=fmt,
            id=self._resolve_id(data.get("@id")),
            schema=schema,
            foreign_types=tuple(foreign),
            raw_types=raw_types,
            parent=parent,
            via=via,
        )
        self.nodes.append(node)
        if node.id is not None:
            self.by_id.setdefault(node.id, []).append(node)
        for key, value in data.items():
            if not isinstance(key, str) or key.startswith("@"):
                continue
            name = local_name(key) or key
            values = list(self._values(value, node, name, f"{path}.{key}", depth + 1))
            if values:
                node.props.setdefault(name, []).extend(values)
        return node

    def _values(self, value: Any, node: Node, prop: str, path: str, depth: int) -> Iterator[Value]:
        if depth > MAX_DEPTH or value is None:
            return
        if isinstance(value, list):
            for i, item in enumerate(value[:MAX_NODES]):
                yield from self._values(item, node, prop, f"{path}[{i}]", depth + 1)
        elif isinstance(value, dict):
            if "@value" in value:
                if value["@value"] is not None and not isinstance(value["@value"], (dict, list)):
                    yield value["@value"]
            elif "@list" in value or "@set" in value:
                yield from self._values(
                    value.get("@list", value.get("@set")), node, prop, path, depth
                )
            elif set(value) <= {"@id"}:
                target = self._resolve_id(value.get("@id"))
                if target is not None:
                    self.refs.append((node, prop, target))
                    yield Ref(target)
            else:
                child = self._node(
                    value, node.block, path, node.format, node.schema, node, prop, depth
                )
                if child is not None:
                    yield child
        elif isinstance(value, (str, int, float, bool)):
            yield value

    # -- reading --------------------------------------------------------------------------

    def props(self, node: Node) -> dict[str, list[Value]]:
        """The node's properties, merged with every other definition of its ``@id``."""
        if node.id is None or len(self.by_id.get(node.id, ())) < 2:
            return node.props
        merged = self._merged.get(node.id)
        if merged is None:
            merged = {}
            for definition in self.by_id[node.id]:
                for name, values in definition.props.items():
                    merged.setdefault(name, []).extend(values)
            self._merged[node.id] = merged
        return merged

    def types(self, node: Node) -> tuple[str, ...]:
        """The node's types, with those of every other definition of its ``@id``."""
        if node.id is None or len(self.by_id.get(node.id, ())) < 2:
            return node.types
        found: list[str] = []
        for definition in self.by_id[node.id]:
            found.extend(t for t in definition.types if t not in found)
        return tuple(found)

    def values(self, node: Node, prop: str) -> list[Value]:
        return self.props(node).get(prop, [])

    def resolve(self, value: Value) -> list[Node]:
        """The node(s) a value stands for: itself, or the definitions of a reference."""
        if isinstance(value, Node):
            return [value]
        if isinstance(value, Ref):
            return self.by_id.get(value.id, [])[:1]
        return []

    def children(self, node: Node, prop: str) -> list[Node]:
        found: list[Node] = []
        for value in self.values(node, prop):
            found.extend(self.resolve(value))
        return found

    def present(self, node: Node, path: str) -> bool:
        """Whether a dotted property path has a non-empty value (``offers.price``: some
        offer has a price). References count as present even when unresolved."""
        head, _, rest = path.partition(".")
        values = [v for v in self.values(node, head) if not (isinstance(v, str) and not v.strip())]
        if not rest:
            return bool(values)
        return any(self.present(child, rest) for v in values for child in self.resolve(v))

    def items(self, nested: frozenset[str] = frozenset()) -> list[Node]:
        """The rich-result items of the page: top-level nodes, ``@graph`` members and the
        ``mainEntity``/``breadcrumb`` values of those, one per ``@id``. A top-level node
        that another node references through a property in ``nested`` (a Review linked
        from a Product's ``review`` by ``@id``) is part of that item, not one of its own."""
        referenced = {target for _node, prop, target in self.refs if prop in nested}
        found: list[Node] = []
        seen: set[str] = set()
        candidates = list(self.roots)
        for root in self.roots:
            for prop in ITEM_PROPERTIES:
                candidates.extend(self.children(root, prop))
        for node in candidates:
            if node.id is not None and node.id in referenced:
                continue
            if node.parent is not None and node.via not in ITEM_PROPERTIES:
                continue
            if node.key in seen:
                continue
            seen.add(node.key)
            found.append(node)
        return found
