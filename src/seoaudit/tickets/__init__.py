"""Tickets: one ticket per issue, written for a tracker's import.

``seoaudit tickets RUN --target jira|github|azure|gitlab`` writes, into one folder:

- the import file(s) of the target (one module per target: jira, azure, gitlab, github);
- ``urls/seoaudit-<id>.csv``: every affected URL of each ticket, to attach;
- ``tickets-exported.json`` (the state file, shared by later exports): which ticket ids
  were exported for which target, so ``--only-new`` writes only issues not exported
  before. Ticket ids are the issue ids (rule + root cause), stable across runs; a
  ticket of a rule that names its group by a member (an hreflang cluster, a loop) keeps
  the id of the earlier ticket it continues (record.py).

Tickets are built from each rule's documentation plus the issue's data (model.py) and
rendered in the tracker's markup (render.py). Nothing here knows a particular rule.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from seoaudit.models import Finding, Report
from seoaudit.report.csv import safe_cell
from seoaudit.scratch import Scratch
from seoaudit.tickets import azure, github, gitlab, jira, record
from seoaudit.tickets.files import ExportError, write_file, write_text
from seoaudit.tickets.model import EVIDENCE_FINDINGS, Ticket, build_ticket
from seoaudit.tickets.record import Members
from seoaudit.tickets.record import load as load_state

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
    """One ticket per issue of ``report``, in its ranked order, each with its own id."""
    return _build(report, specs, {})[0]


def _build(
    report: Report, specs: Mapping[str, RuleSpec], known: Mapping[str, Any]
) -> tuple[list[Ticket], Members]:
    """The tickets of ``report`` for a target whose export record is ``known``: a grouped
    ticket that continues a recorded one has its id (record.py); and the members of the
    grouped tickets. One pass over the findings."""
    members = Members(known, report.issues)
    by_issue: dict[str, list[Finding]] = defaultdict(list)  # the first findings quoted
    for finding in report.findings:
        if finding.issue and len(quoted := by_issue[finding.issue]) < EVIDENCE_FINDINGS:
            quoted.append(finding)
        members.add(finding)
    continued = members.continued()
    by_id = {issue.id: issue for issue in report.issues}
    built = [
        build_ticket(
            issue,
            report,
            by_issue.get(issue.id, []),
            specs.get(issue.rule),
            URLS_DIR,
            ticket_id=continued.get(issue.id),
            by_id=by_id,
            continued=continued,
        )
        for issue in report.issues
    ]
    return built, members


def _write_urls(
    tickets: list[Ticket], report: Report, out_dir: Path, value_of: Callable[[str], float]
) -> list[Path]:
    """Each ticket's URL list: its findings by page value (highest first), then URL, then
    report order. One pass over the findings; the rows wait in a temporary SQLite file
    that sorts them (its sorter spills to disk), so a large run's findings are never all
    held at once."""
    wanted = {t.issue.id for t in tickets}
    paths: list[Path] = []
    with Scratch("seoaudit-tickets-") as scratch:
        db = scratch.db
        db.execute(
            "CREATE TABLE r (issue TEXT, value REAL, url TEXT, severity TEXT,"
            " message TEXT, evidence TEXT)"
        )
        db.executemany(
            "INSERT INTO r VALUES (?,?,?,?,?,?)",  # rowid: report order
            (
                (
                    f.issue,
                    value_of(f.url),
                    f.url,
                    f.severity,
                    f.message,
                    json.dumps(f.evidence, sort_keys=True, ensure_ascii=False, default=str),
                )
                for f in report.findings
                if f.issue in wanted
            ),
        )
        db.execute("CREATE INDEX r_order ON r (issue, value DESC, url)")  # then rowid
        for ticket in tickets:
            rows = db.execute(
                "SELECT url, severity, value, message, evidence FROM r WHERE issue = ?"
                " ORDER BY value DESC, url, rowid",
                (ticket.issue.id,),
            )
            paths.append(_write_rows(out_dir / ticket.urls_file, rows))
    return paths


def _write_rows(path: Path, rows: Iterable[tuple[str, str, float, str, str]]) -> Path:
    def put(handle: TextIO) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["url", "severity", "page_value", "message", "evidence"])
        for url, severity, value, message, evidence in rows:
            row = [url, severity, f"{value:.4f}", message, evidence]
            writer.writerow([safe_cell(cell) for cell in row])

    return write_file(path, put)


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
    recorded = state.get(target)
    known: dict[str, Any] = dict(recorded) if isinstance(recorded, dict) else {}
    tickets, members = _build(report, specs, known)
    result = ExportResult(tickets=[])
    cutoff = PRIORITIES.index(min_priority)
    for ticket in tickets:
        if PRIORITIES.index(ticket.priority) > cutoff:
            result.skipped_priority += 1
        elif only_new and ticket.id in known:
            result.skipped_known += 1
        else:
            result.tickets.append(ticket)
    value = value_of or (lambda _url: 0.0)
    result.files.extend(_write_urls(result.tickets, report, out_dir, value))
    result.files[:0] = writer(result.tickets, out_dir)
    for ticket in result.tickets:
        known.setdefault(ticket.id, {"title": ticket.title, "run": report.run.run_id})
    for ticket in tickets:  # exported now or before: the record follows its group
        if record.grouped(ticket.issue.rule) and isinstance(entry := known.get(ticket.id), dict):
            # and says which issue of the latest export it is (its id, when continued)
            issue = {"issue": f"seoaudit-{ticket.issue.id}", "issue_run": report.run.run_id}
            known[ticket.id] = {**entry, **issue, "members": members.of(ticket.issue.id)}
    state[target] = dict(sorted(known.items()))
    # Replaced whole or not at all: a half-written record reads as empty (``load_state``),
    # and every ticket would be exported again.
    write_text(state_path, json.dumps(state, indent=2, ensure_ascii=False) + "\n")
    return result


__all__ = [
    "PRIORITIES",
    "TARGETS",
    "ExportError",
    "ExportResult",
    "Ticket",
    "build_tickets",
    "export",
]
