"""SARIF 2.1.0 (opt-in): every finding as a result, for tools that read static-analysis
logs (GitHub code scanning, Azure DevOps, IDE viewers). Each result carries the portable
fingerprint (``partialFingerprints["seoaudit/v1"]``), its ``baselineState`` when the run
was compared with a baseline (new or unchanged); suppressed findings are kept and marked
with an external, accepted suppression. Locations are the finding's URL. Results come
worst severity first, suppressed ones last, each severity in report order (rule, URL).

Spec: OASIS SARIF 2.1.0 (docs.oasis-open.org/sarif/sarif/v2.1.0).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from seoaudit.models import Report
from seoaudit.report.ci_view import Item, one_line, view

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "notice": "note"}


def _rules(codes: list[str]) -> list[dict[str, Any]]:
    from seoaudit.rules import REGISTRY

    rules: list[dict[str, Any]] = []
    for code in codes:
        spec = REGISTRY.get(code)
        entry: dict[str, Any] = {"id": code}
        if spec is not None:
            entry["name"] = spec.name
            entry["shortDescription"] = {"text": one_line(spec.summary, 500)}
            entry["fullDescription"] = {"text": spec.doc}
            entry["defaultConfiguration"] = {"level": LEVEL[spec.severity]}
        rules.append(entry)
    return rules


def write(report: Report, out: TextIO) -> None:
    """One pass over the findings (rendered into temporary files, see ci_view.ranked), then
    the log around them: ``json.dump`` of the whole log would hold every result at once."""
    ci = view(report)
    index: dict[str, int] = {}  # rule -> ruleIndex, in the order rules are first met

    def render(item: Item) -> str:
        finding = item.finding
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": index.setdefault(finding.rule, len(index)),
            "level": LEVEL[finding.severity],
            "message": {"text": one_line(finding.message, 1000)},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": finding.url}}}],
            "partialFingerprints": {"seoaudit/v1": item.fingerprint},
        }
        if ci.has_baseline and item.status in ("new", "persisting"):
            result["baselineState"] = "new" if item.status == "new" else "unchanged"
        if item.status == "suppressed":
            result["suppressions"] = [{"kind": "external", "status": "accepted"}]
        if finding.cause:
            result["properties"] = {"cause": finding.cause}
        return json.dumps(result, indent=2, ensure_ascii=False)

    with ci.ranked(render, sep=",\n") as ranked:
        log = {
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "seoaudit",
                            "version": report.run.tool_version,
                            "rules": _rules(list(index)),
                        }
                    },
                    "automationDetails": {"id": f"seoaudit/{report.run.run_id}"},
                    "results": [_SLOT] if ranked.count else [],
                }
            ],
        }
        text = json.dumps(log, indent=2, ensure_ascii=False)
        if not ranked.count:
            out.write(text + "\n")
            return
        # The results go where the placeholder is, indented as json.dump would nest them.
        head, _, tail = text.partition(json.dumps(_SLOT))
        indent = head[head.rindex("\n") + 1 :]
        out.write(head)
        ranked.write_to(_Indented(out, indent))
        out.write(tail + "\n")


_SLOT = "\x00results\x00"  # json.dumps escapes it: it cannot occur in the log's own text


class _Indented:
    """Writes text to ``out`` with ``indent`` after every newline (the results are nested
    in the log; the first line is already indented)."""

    def __init__(self, out: TextIO, indent: str) -> None:
        self.out = out
        self.indent = "\n" + indent

    def write(self, text: str) -> int:
        return self.out.write(text.replace("\n", self.indent))
