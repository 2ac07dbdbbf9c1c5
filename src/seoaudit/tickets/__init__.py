"""Tickets: one ticket per issue, written for a tracker's import.

``seoaudit tickets RUN --target jira|github|azure|gitlab`` writes, into one folder:

- the import file(s) of the target (one module per target: jira, azure, gitlab, github);
- ``urls/seoaudit-<id>.csv``: every affected URL of each ticket, to attach;
- ``tickets-exported.json`` (the state file, shared by later exports): which ticket ids
  were exported for which target, so ``--only-new`` writes only issues not exported
  before. Ticket ids are the issue ids (rule + root cause), stable across runs.

Tickets are built from each rule's documentation plus the issue's data (model.py) and
rendered in the tracker's markup (render.py). Nothing here knows a particular rule.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seoaudit.models import Finding, Report
from seoaudit.report.csv import safe_cell
from seoaudit.tickets import azure, github, gitlab, jira
from seoaudit.tickets.model import EVIDENCE_FINDINGS, Ticket, build_ticket

if TYPE_CHECKING:
    from seoaudit.rules.registry import RuleSpec

TargetWriter = Callable[[list[Ticket], Path], list[Path]]
TARGETS: dict[str, TargetWriter] = {
    "jira": jira.write,
    "github": github.write,
    "azure": azure.write,
    "gitlab": gitlab.write,
}
PRIORITIES = ("P1", "P2", "P3", "P4")
URLS_DIR = "urls"


@dataclass
class ExportResult:
    tickets: list[Ticket]
    files: list[Path] = field(default_factory=list)
    skipped_known: int = 0  # issues left out by --only-new
    skipped_priority: int = 0  # issues below --min-priority


def build_tickets(report: Report, specs: Mapping[str, RuleSpec]) -> list[Ticket]:
    """One ticket per issue of ``report``, in its ranked order."""
    by_issue: dict[str, list[Finding]] = defaultdict(list)  # the first findings quoted
    for finding in report.findings:
        if finding.issue and len(quoted := by_issue[finding.issue]) < EVIDENCE_FINDINGS:
            quoted.append(finding)
    return [
        build_ticket(issue, report, by_issue.get(issue.id, []), specs.get(issue.rule), URLS_DIR)
        for issue in report.issues
    ]


def load_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_urls(
    ticket: Ticket, findings: list[Finding], out_dir: Path, value_of: Callable[[str], float]
) -> Path:
    path = out_dir / ticket.urls_file
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["url", "severity", "page_value", "message", "evidence"])
        for finding in sorted(findings, key=lambda f: (-value_of(f.url), f.url)):
            row = [
                finding.url,
                finding.severity,
                f"{value_of(finding.url):.4f}",
                finding.message,
                json.dumps(finding.evidence, sort_keys=True, ensure_ascii=False, default=str),
            ]
            writer.writerow([safe_cell(cell) for cell in row])
    return path


def export(
    report: Report,
    specs: Mapping[str, RuleSpec],
    target: str,
    out_dir: Path,
    *,
    state_path: Path | None = None,
    only_new: bool = False,
    min_priority: str = "P4",
    value_of: Callable[[str], float] | None = None,
) -> ExportResult:
    """Write the tickets of ``report`` for ``target`` into ``out_dir``."""
    writer = TARGETS[target]
    out_dir.mkdir(parents=True, exist_ok=True)
    state_path = state_path or out_dir / "tickets-exported.json"
    state = load_state(state_path)
    known: dict[str, Any] = dict(state.get(target, {}))
    tickets = build_tickets(report, specs)
    result = ExportResult(tickets=[])
    cutoff = PRIORITIES.index(min_priority)
    for ticket in tickets:
        if PRIORITIES.index(ticket.priority) > cutoff:
            result.skipped_priority += 1
        elif only_new and ticket.id in known:
            result.skipped_known += 1
        else:
            result.tickets.append(ticket)
    # Each exported ticket's findings, for its URL list (the others' are not kept).
    findings: dict[str, list[Finding]] = {t.issue.id: [] for t in result.tickets}
    for finding in report.findings:
        if finding.issue in findings:
            findings[finding.issue].append(finding)
    value = value_of or (lambda _url: 0.0)
    for ticket in result.tickets:
        result.files.append(_write_urls(ticket, findings[ticket.issue.id], out_dir, value))
    result.files[:0] = writer(result.tickets, out_dir)
    for ticket in result.tickets:
        known.setdefault(ticket.id, {"title": ticket.title, "run": report.run.run_id})
    state[target] = dict(sorted(known.items()))
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text(json.dumps(state, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return result


__all__ = ["PRIORITIES", "TARGETS", "ExportResult", "Ticket", "build_tickets", "export"]
