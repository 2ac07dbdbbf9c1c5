"""One ticket per issue, in a neutral form every tracker format renders.

A ticket is built from two things only: the rule's documentation (its five sections:
what it does, why it matters, how to fix, how to verify, source) and the issue's own
data (title, count, URLs, evidence, score inputs, owner). No rule has ticket-specific
code: a new rule gets good tickets by writing good documentation.

Text from the rule documentation is *trusted prose* (it may contain `code` spans);
everything that came from the crawl (URLs, evidence values, messages) is *data* and is
only ever rendered inside code spans or code blocks by the renderers (render.py), so a
page cannot inject markup into a tracker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from seoaudit import glossary
from seoaudit.models import Finding, Issue, Report
from seoaudit.ruledoc import doc_sections, issue_checks, shown_evidence

if TYPE_CHECKING:
    from seoaudit.rules.registry import RuleSpec

SAMPLE = 10  # URLs listed in the ticket body (all of them are in the attached CSV)
EVIDENCE_ITEMS = 12  # evidence fields shown
EVIDENCE_FINDINGS = 5  # sample findings whose message is quoted
VALUE_CHARS = 300  # an evidence value longer than this is cut


@dataclass
class Ticket:
    # Stable: "seoaudit-" + issue id (rule + root cause), or the id of the earlier ticket
    # it continues (a renamed hreflang cluster or loop: record.py).
    id: str
    issue: Issue
    title: str
    what: str  # IT terms: the issue and what the rule checks
    why: str  # business terms: the rule's "why it matters"
    impact: list[str]  # the score and its inputs, one line each
    fix: str
    acceptance: list[str]  # prose (trusted) with `code` spans
    verify: list[str]  # shell commands
    sample: list[str]  # URLs (data)
    urls_file: str  # relative path of the full list
    evidence: list[tuple[str, str]]  # (field, value as text) (data)
    messages: list[tuple[str, str]]  # (url, finding message) (data)
    source: str
    glossary: list[tuple[str, str]] = field(default_factory=list)  # (key, title)
    labels: list[str] = field(default_factory=list)

    @property
    def priority(self) -> str:
        return self.issue.priority

    @property
    def owner(self) -> str:
        return self.issue.owner


def _prose(text: str) -> str:
    """Paragraphs joined; line breaks inside a paragraph removed."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n\n".join(paragraphs)


def _text(value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        shown = [str(v) for v in value[:5]]
        # "of N recorded": evidence lists are samples (linked_from keeps 10 of 24 inlinks)
        text = ", ".join(shown) + (f" (first 5 of {len(value)} recorded)" if len(value) > 5 else "")
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    text = " ".join(text.split())
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def _evidence(evidence: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(k, _text(v)) for k, v in shown_evidence(evidence, EVIDENCE_ITEMS)]


def _impact_lines(issue: Issue) -> list[str]:
    score = issue.score
    lines = [
        f"Priority {issue.priority}: impact {issue.impact:g} = severity weight "
        f"{score.severity_weight:g} ({issue.severity}) x page value {score.page_value_sum:g}",
        (
            "The affected URL holds"
            if score.affected == 1
            else f"The {score.affected} affected URLs hold"
        )
        + f" {score.page_value_sum:g}% of the site's page value (value source: "
        f"{score.value_source}).",
    ]
    if score.priority_cap is not None:
        lines.append(
            f"A {issue.severity} ranks {score.priority_cap} at most: the impact alone would "
            "rank it higher."
        )
    if score.user_metric is not None:
        lines.append(
            f"{score.user_metric} in {score.value_source.removeprefix('crawl+')}: "
            f"{score.user_metric_sum:g} for the {score.user_known} affected URLs listed there "
            f"(the other {score.affected - (score.user_known or 0)} are not in the file: "
            "unknown, valued from the crawl)."
        )
    return lines


def build_ticket(
    issue: Issue,
    report: Report,
    findings: Sequence[Finding],
    spec: RuleSpec | None,
    urls_dir: str = "urls",
    *,
    ticket_id: str | None = None,
    by_id: Mapping[str, Issue] | None = None,
    continued: Mapping[str, str] | None = None,
) -> Ticket:
    """The ticket of ``issue``, as ``seoaudit-<issue id>``, or as ``ticket_id`` when it
    continues that earlier ticket (its group was renamed since: record.py). ``by_id``:
    the report's issues, to name the related ones (``Issue.related``); ``continued``: the
    ticket ids of the issues that continue earlier tickets, by issue id, so a related
    ticket is named by the id the tracker knows."""
    by_id = by_id or {}
    continued = continued or {}
    own_id = f"seoaudit-{issue.id}"
    ticket_id = ticket_id or own_id
    sections = doc_sections(spec.doc) if spec is not None else {}
    summary = spec.summary if spec is not None else issue.name.replace("-", " ")
    verify_text = sections.get("How to verify", "")
    verify, audit = issue_checks(issue, report.run, verify_text)
    acceptance = []
    if verify_text:
        acceptance.append(f"For every URL in the attached list: {_prose(verify_text)}")
    if ticket_id == own_id:
        gone = f"this ticket's id `{ticket_id}` is gone from the report"
    else:  # the report knows the issue by the group's new name
        gone = (
            f"this ticket's issue is gone from the report; in run `{report.run.run_id}` it "
            f"is `{own_id}`, as its group was renamed since the ticket was first exported"
        )
    if "--issue" in audit:  # judged alone: other tickets of the rule may stay open
        acceptance.append(
            f"`{audit}` exits 0: this ticket's issue is gone from the report (other "
            f"{issue.rule} issues, other tickets, may remain)."
        )
    else:
        acceptance.append(f"`{audit}` exits 0: no {issue.rule} finding is left ({gone}).")
    what = f"{summary}\n\n{_prose(sections.get('What it does', ''))}".strip()
    template = f" Pages of {issue.template} share it." if issue.template else ""
    what += (
        f"\n\nFound on {issue.count} URL{'s' if issue.count != 1 else ''} "
        f"(rule {issue.rule} {issue.name}, severity {issue.severity}).{template}"
    )
    related = [r for r in (by_id.get(i) for i in issue.related) if r is not None]
    if related:  # impact.relate: one state of the same URLs, seen by another rule
        what += (
            "\n\nThe same URLs are in "
            + "; ".join(
                f"{continued.get(r.id, f'seoaudit-{r.id}')} ({r.rule}: {r.title})" for r in related
            )
            + ": one change may close both tickets."
        )
    labels = [
        "seoaudit",
        ticket_id,
        issue.priority,
        issue.rule,
        "owner-" + re.sub(r"[^a-z0-9]+", "-", issue.owner.lower()).strip("-"),
    ]
    return Ticket(
        id=ticket_id,
        issue=issue,
        title=issue.title,
        what=what,
        why=_prose(sections.get("Why it matters", "")),
        impact=_impact_lines(issue),
        fix=_prose(sections.get("How to fix", "")),
        acceptance=acceptance,
        verify=[*verify, audit],
        sample=list(issue.sample_urls[:SAMPLE]),
        urls_file=f"{urls_dir}/{ticket_id}.csv",
        evidence=_evidence(issue.evidence),
        messages=[(f.url, f.message) for f in findings[:EVIDENCE_FINDINGS]],
        source=_prose(sections.get("Source", "")),
        glossary=glossary.rule_terms(spec, sections, summary),
        labels=[label for label in labels if label != "owner-"],
    )
