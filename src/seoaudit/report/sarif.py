"""SARIF 2.1.0 (opt-in): every finding as a result, for tools that read static-analysis
logs (GitHub code scanning, Azure DevOps, IDE viewers). Each result carries the portable
fingerprint (``partialFingerprints["seoaudit/v1"]``), its ``baselineState`` when the run
was compared with a baseline (new or unchanged); suppressed findings are kept and marked
with an external, accepted suppression. Locations are the finding's URL.

Spec: OASIS SARIF 2.1.0 (docs.oasis-open.org/sarif/sarif/v2.1.0).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from seoaudit.models import Report
from seoaudit.report.ci_view import one_line, view

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
    ci = view(report)
    codes = sorted({item.finding.rule for item in ci.items})
    index = {code: i for i, code in enumerate(codes)}
    results: list[dict[str, Any]] = []
    for item in ci.items:
        finding = item.finding
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
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
        results.append(result)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "seoaudit",
                        "version": report.run.tool_version,
                        "rules": _rules(codes),
                    }
                },
                "automationDetails": {"id": f"seoaudit/{report.run.run_id}"},
                "results": results,
            }
        ],
    }
    json.dump(log, out, indent=2, ensure_ascii=False)
    out.write("\n")
