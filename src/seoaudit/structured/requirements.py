"""Google's rich-result requirements, loaded from ``data/google_rich_results.toml``.

Owns: reading the profiles (required and recommended properties per feature, nested
profiles for offers, reviews, ratings, breadcrumb items...) and the retired features;
choosing the profiles that apply to an item (the most specific when several match); and
walking an item to list what it lacks. The requirements are data: when Google changes a
feature, the TOML file changes, not this code.

Must not: judge values (``values``) or decide severities of rules beyond "required" and
"recommended".
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from seoaudit.structured.graph import Graph, Node
from seoaudit.structured.vocab import Vocabulary, vocabulary

Level = Literal["required", "recommended"]
MAX_NESTING = 4  # nested profiles followed below an item
MAX_KNOWN_TYPES = 10_000  # type lists whose item profiles Requirements keeps

Alternatives = tuple[str, ...]  # property paths, any one of which satisfies the entry


@dataclass(frozen=True)
class When:
    nested: str  # the nested profile whose match adds these requirements
    feature: str
    doc: str
    required: tuple[Alternatives, ...]


@dataclass(frozen=True)
class Profile:
    name: str
    feature: str
    doc: str
    types: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    item: bool = True
    required: tuple[Alternatives, ...] = ()
    recommended: tuple[Alternatives, ...] = ()
    nested: dict[str, tuple[str, ...]] = field(default_factory=dict)
    when: tuple[When, ...] = ()


@dataclass(frozen=True)
class Retired:
    name: str
    type: str
    feature: str
    status: str
    doc: str
    with_type: str | None = None
    with_property: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Missing:
    """A property an item lacks: ``path`` from the item (``offers.priceCurrency``), the
    other paths that would also do, and the feature it is needed for."""

    item: Node
    node: Node  # the node that lacks it (the item, or an offer, review... inside it)
    path: str
    alternatives: tuple[str, ...]
    level: Level
    feature: str
    doc: str


@dataclass
class Evaluation:
    missing: list[Missing] = field(default_factory=list)
    # id(node) -> the profiles it was checked against (item and nested nodes)
    profiles: dict[int, list[Profile]] = field(default_factory=dict)


def _alternatives(entries: list[str]) -> tuple[Alternatives, ...]:
    return tuple(tuple(part.strip() for part in entry.split("|")) for entry in entries)


def _profile(name: str, spec: dict[str, Any]) -> Profile:
    return Profile(
        name=name,
        feature=spec["feature"],
        doc=spec["doc"],
        types=tuple(spec["types"]),
        exclude=tuple(spec.get("exclude", ())),
        item=bool(spec.get("item", True)),
        required=_alternatives(spec.get("required", [])),
        recommended=_alternatives(spec.get("recommended", [])),
        nested={prop: tuple(names) for prop, names in spec.get("nested", {}).items()},
        when=tuple(
            When(
                nested=w["nested"],
                feature=w.get("feature", spec["feature"]),
                doc=w.get("doc", spec["doc"]),
                required=_alternatives(w.get("required", [])),
            )
            for w in spec.get("when", [])
        ),
    )


class Requirements:
    def __init__(self, document: dict[str, Any], vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.profiles = {n: _profile(n, s) for n, s in document.get("profiles", {}).items()}
        self.retired = [
            Retired(
                name=name,
                type=spec["type"],
                feature=spec["feature"],
                status=spec["status"],
                doc=spec["doc"],
                with_type=spec.get("with_type"),
                with_property={p: tuple(t) for p, t in spec.get("with_property", {}).items()},
            )
            for name, spec in document.get("retired", {}).items()
        ]
        for profile in self.profiles.values():
            for names in profile.nested.values():
                for nested in names:
                    if nested not in self.profiles:
                        raise ValueError(f"profile {profile.name}: unknown nested {nested!r}")
        # Types retired as a whole are never checked for requirements.
        self.retired_types = frozenset(
            r.type for r in self.retired if r.with_type is None and not r.with_property
        )
        self.nested_properties = frozenset(
            prop for p in self.profiles.values() for prop in p.nested
        )
        self.key_properties = frozenset(
            path.split(".")[-1]
            for p in self.profiles.values()
            for entry in (*p.required, *p.recommended)
            for path in entry
        )
        self.item_types = frozenset(t for p in self.profiles.values() if p.item for t in p.types)
        self._item_profiles: dict[tuple[str, ...], tuple[tuple[Profile, str], ...]] = {}

    # -- matching -------------------------------------------------------------------------

    def _matches(self, profile: Profile, node_type: str) -> bool:
        if node_type in self.retired_types:
            return False
        ancestors = self.vocab.ancestors(node_type)
        return any(t in ancestors for t in profile.types) and not any(
            t in ancestors for t in profile.exclude
        )

    def item_profiles(self, types: tuple[str, ...]) -> list[tuple[Profile, str]]:
        """(profile, the node type it matched) of every item profile that applies, the
        most specific only when one profile's type is below another's. Asked for every item
        of every page, for the few type lists a site's templates use: each list's answer is
        kept (these requirements are fixed data, the same for every run), up to
        ``MAX_KNOWN_TYPES`` lists, so a site that makes up types cannot grow it."""
        known = self._item_profiles.get(types)
        if known is None:
            known = tuple(self._item_profiles_of(types))
            if len(self._item_profiles) < MAX_KNOWN_TYPES:
                self._item_profiles[types] = known
        return list(known)

    def _item_profiles_of(self, types: tuple[str, ...]) -> list[tuple[Profile, str]]:
        matched = [
            (p, t) for p in self.profiles.values() if p.item for t in types if self._matches(p, t)
        ]
        chosen: list[tuple[Profile, str]] = []
        for profile, node_type in matched:
            if any(p.name == profile.name for p, _ in chosen):
                continue
            below = any(
                other is not profile
                and any(
                    self.vocab.is_a(ot, pt) and ot != pt
                    for ot in other.types
                    for pt in profile.types
                )
                for other, _ in matched
            )
            if not below:
                chosen.append((profile, node_type))
        return chosen

    def is_rich_result_type(self, types: tuple[str, ...]) -> bool:
        return bool(self.item_profiles(types))

    def _nested(self, names: tuple[str, ...], types: tuple[str, ...]) -> Profile | None:
        if not types:
            return self.profiles[names[0]]  # an untyped value: read as the expected type
        for name in names:
            profile = self.profiles[name]
            if any(self._matches(profile, t) for t in types):
                return profile
        return None

    # -- checking -------------------------------------------------------------------------

    def check(self, graph: Graph, item: Node) -> Evaluation:
        """What ``item`` lacks for each feature that applies to it."""
        result = Evaluation()
        for profile, _node_type in self.item_profiles(graph.types(item)):
            self._apply(graph, item, item, profile, "", result, set(), 0)
        seen: set[tuple[int, str, str]] = set()
        unique = []
        for missing in result.missing:
            key = (id(missing.item), missing.path, missing.level)
            if key not in seen:
                seen.add(key)
                unique.append(missing)
        result.missing = unique
        return result

    def _apply(
        self,
        graph: Graph,
        item: Node,
        node: Node,
        profile: Profile,
        prefix: str,
        result: Evaluation,
        seen: set[tuple[int, str]],
        depth: int,
    ) -> None:
        if (id(node), profile.name) in seen or depth > MAX_NESTING:
            return
        seen.add((id(node), profile.name))
        result.profiles.setdefault(id(node), []).append(profile)
        self._missing(graph, item, node, profile.required, "required", profile, prefix, result)
        self._missing(
            graph, item, node, profile.recommended, "recommended", profile, prefix, result
        )
        matched: set[str] = set()
        for prop, names in profile.nested.items():
            for child in graph.children(node, prop):
                nested = self._nested(names, graph.types(child))
                if nested is not None:
                    matched.add(nested.name)
                    self._apply(
                        graph, item, child, nested, f"{prefix}{prop}.", result, seen, depth + 1
                    )
        for when in profile.when:
            if when.nested in matched:
                extra = Profile(
                    f"{profile.name}+{when.nested}",
                    when.feature,
                    when.doc,
                    profile.types,
                    required=when.required,
                )
                result.profiles.setdefault(id(node), []).append(extra)
                self._missing(graph, item, node, when.required, "required", extra, prefix, result)

    @staticmethod
    def _missing(
        graph: Graph,
        item: Node,
        node: Node,
        entries: tuple[Alternatives, ...],
        level: Level,
        profile: Profile,
        prefix: str,
        result: Evaluation,
    ) -> None:
        for entry in entries:
            if all("." in p and not graph.present(node, p.split(".")[0]) for p in entry):
                continue  # "itemReviewed.name" without itemReviewed: that absence is reported
            if not any(graph.present(node, path) for path in entry):
                result.missing.append(
                    Missing(
                        item=item,
                        node=node,
                        path=prefix + entry[0],
                        alternatives=tuple(prefix + p for p in entry[1:]),
                        level=level,
                        feature=profile.feature,
                        doc=profile.doc,
                    )
                )

    def retired_features(self, graph: Graph, node: Node) -> list[Retired]:
        types = graph.types(node)
        found = []
        for retired in self.retired:
            if retired.type not in types:
                continue
            if retired.with_type is not None and retired.with_type not in types:
                continue
            if not all(
                self._has(graph, node, prop, wanted)
                for prop, wanted in retired.with_property.items()
            ):
                continue
            found.append(retired)
        return found

    @staticmethod
    def _has(graph: Graph, node: Node, prop: str, wanted: tuple[str, ...]) -> bool:
        if not wanted:
            return graph.present(node, prop)
        return any(set(graph.types(c)) & set(wanted) for c in graph.children(node, prop))

    def required_properties(self, profiles: list[Profile]) -> frozenset[str]:
        """Top-level property names a node must carry under these profiles."""
        return frozenset(
            path.split(".")[0] for p in profiles for entry in p.required for path in entry
        )


@cache
def requirements() -> Requirements:
    text = (resources.files("seoaudit") / "data" / "google_rich_results.toml").read_text("utf-8")
    return Requirements(tomllib.loads(text), vocabulary())
