"""One page's structured data, analysed once and shared by every SD rule.

Owns: building the page's ``Graph``, its rich-result items, the requirement check of each
item, and which item every node belongs to (with its property path from the item, e.g.
``offers`` for an Offer inside a Product), so that a finding on a nested node names the
item ("Product: offers.priceCurrency missing") and counts against it in the health figure.

Also owns ``cause``: the one place that turns (type, problem) into the cause key that
groups findings into issues. Markup is made by templates, so pages that share a problem
share the key; template-aware grouping (templates.py) restates it per template.

The analysis of the page being judged is cached (one entry): the rule runner applies
every page rule to one page before moving to the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seoaudit.models import PageFacts
from seoaudit.structured.graph import Graph, Node, Ref
from seoaudit.structured.requirements import Evaluation, Profile, requirements

MAX_WALK = 5000  # nodes visited when assigning nodes to items


def cause(type_name: str, problem: str) -> str:
    """The cause key of a structured-data finding: ``"Product: offers.priceCurrency
    missing"``. Pages whose markup shares a problem share the key, so they form one issue."""
    return f"{type_name}: {problem}" if type_name else problem


@dataclass
class Analysis:
    page: PageFacts
    graph: Graph
    items: list[Node]
    evaluations: dict[int, Evaluation] = field(default_factory=dict)  # id(item) -> result
    owners: dict[int, tuple[Node, str]] = field(default_factory=dict)  # id(node) -> (item, path)
    profiles: dict[int, list[Profile]] = field(default_factory=dict)  # id(node) -> profiles

    def owner(self, node: Node) -> tuple[Node, str]:
        """The item ``node`` belongs to and its path from there ("" for the item itself);
        a node outside every item is its own owner."""
        return self.owners.get(id(node), (node, ""))

    def label(self, node: Node) -> str:
        item, _path = self.owner(node)
        return item.label or node.label

    def path(self, node: Node, prop: str) -> str:
        """``offers.price`` for property ``price`` of an Offer inside a Product."""
        _item, path = self.owner(node)
        return f"{path}.{prop}" if path else prop

    def evidence(self, node: Node, **extra: object) -> dict[str, object]:
        item, _path = self.owner(node)
        found: dict[str, object] = {
            "type": item.label or node.label,
            "item": item.key,
            "format": node.format,
            "block": node.block + 1,
        }
        found.update(extra)
        return found

    def required_here(self, node: Node) -> frozenset[str]:
        return requirements().required_properties(self.profiles.get(id(node), []))


_last: tuple[PageFacts, Analysis] | None = None


def analyse(page: PageFacts) -> Analysis:
    global _last
    if _last is not None and _last[0] is page:
        return _last[1]
    reqs = requirements()
    graph = Graph(page.structured_data, page.final_url)
    analysis = Analysis(page, graph, graph.items(reqs.nested_properties))
    for item in analysis.items:
        evaluation = reqs.check(graph, item)
        analysis.evaluations[id(item)] = evaluation
        for node_id, profiles in evaluation.profiles.items():
            analysis.profiles.setdefault(node_id, []).extend(profiles)
        _assign(analysis, item)
    _last = (page, analysis)
    return analysis


def _assign(analysis: Analysis, item: Node) -> None:
    """Every node reachable from ``item`` (nested or by @id) belongs to it, unless it is
    an item itself or already belongs to an earlier one."""
    items = {id(i) for i in analysis.items}
    graph = analysis.graph
    stack: list[tuple[Node, str]] = [(item, "")]
    budget = MAX_WALK
    while stack and budget > 0:
        budget -= 1
        node, path = stack.pop()
        if id(node) in analysis.owners or (node is not item and id(node) in items):
            continue
        analysis.owners[id(node)] = (item, path)
        if node.id is not None:  # the other definitions of one @id are the same node
            stack.extend((other, path) for other in graph.by_id.get(node.id, ()))
        for prop, values in graph.props(node).items():
            for value in values:
                if isinstance(value, (Node, Ref)):
                    for child in graph.resolve(value):
                        stack.append((child, f"{path}.{prop}" if path else prop))
