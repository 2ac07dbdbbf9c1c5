"""The export record (``tickets-exported.json``), and tickets that continue earlier ones.

The record holds, per target, each exported ticket id with its title and run::

    {"jira": {"seoaudit-3f2a9c0d1e4b": {"title": "...", "run": "20240501-..."}}}

**Grouped rules.** A ticket id hashes rule and root cause (``impact.issue_id``). The
rules of ``models.IDENTITY_BY_RULE`` (hreflang clusters: HRF003, HRF009, HRF013; loops:
CAN011, HTTP008) name their group by its smallest URL, so a member whose URL sorts first
joining (or the first one leaving) renames the group: the same problem gets a new issue
id. Nothing the members share names the group for good, so the record does: an entry of
such a ticket also lists its ``members``, the fingerprints of its findings
(``Finding.fingerprint``: for these rules rule + URL + a fixed identity, not the cause,
so a page keeps it when its group is renamed). A later export's ticket whose id is not
in the record, but whose findings' fingerprints overlap a recorded ticket's members,
*continues* that ticket and takes its id: ``--only-new`` skips it, and its URL list,
GitHub body file and the script's duplicate check use the old id.

- A ticket whose own id is in the record keeps it; only tickets with unknown ids look for
  an earlier ticket, and only among recorded tickets no ticket of this export has by its
  own id (so two tickets never share an id).
- Pairs are taken by overlap, most shared members first (ties: the new ticket first in
  the report's order, then the smaller recorded id); each recorded ticket is continued by
  at most one new ticket, and each new ticket continues at most one recorded ticket.
- A group that split: the part still named as before keeps the id (its own); when every
  part is renamed, the part sharing the most members keeps it. The other parts are new
  tickets.
- Groups that merged: the merged group takes the id of the recorded ticket it shares the
  most members with; the others stay in the record as they were (in the tracker they
  are duplicates of it, to close by hand).
- The members of every ticket of the export whose id is in the record (exported now,
  or skipped by ``--only-new`` or ``--min-priority``) are replaced by its members now:
  the record follows the group as it changes, a URL at a time; ``issue`` and
  ``issue_run`` say which issue of which run it was last (the new name of a continued
  ticket's group, to find it in that run's report).
- Entries without members (records written before, tickets of other rules) are read as
  before: their ids are known, they are never continued. A grouped ticket in the record
  without members gets them at its next export.
"""

from __future__ import annotations

import heapq
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from seoaudit.models import IDENTITY_BY_RULE, Finding, Issue

# At most this many members per ticket: the smallest fingerprints (a bottom-k sample).
# A cluster can hold thousands of pages, and the record is read and rewritten whole at
# every export: 256 fingerprints are ~5 KB a ticket. The smallest fingerprints of a group
# are also the smallest of any part of it that holds them, so a part of a split group
# shares members with the record in proportion to its size, and a group that gained or
# lost a few pages shares nearly all of them. A new group is compared by all its findings.
MEMBERS_KEPT = 256

TICKET_PREFIX = "seoaudit-"
# A recorded id a ticket may take: it names files (urls/<id>.csv, github/<id>.md), and
# the record is a file anyone may have edited.
_TICKET_ID = re.compile(TICKET_PREFIX + "[0-9a-f]{12}")


def grouped(rule: str) -> bool:
    """Whether tickets of ``rule`` name a group that can be renamed (they record members)."""
    return rule in IDENTITY_BY_RULE


def load(path: Path) -> dict[str, Any]:
    """The record; empty when missing or unreadable (a half-written one cannot exist:
    it is replaced whole)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def members_of(entry: Any) -> list[str]:
    """The members an entry records (none in an entry written before they were)."""
    members = entry.get("members") if isinstance(entry, dict) else None
    if not isinstance(members, list):
        return []
    return [m for m in members if isinstance(m, str)]


def _smallest(fingerprints: Iterable[str]) -> list[str]:
    return heapq.nsmallest(MEMBERS_KEPT, set(fingerprints))


class Members:
    """The members of this export's grouped tickets, gathered from the findings one at a
    time (``add``), and how they overlap the record's (``continued``)."""

    def __init__(self, known: Mapping[str, Any], issues: Sequence[Issue]) -> None:
        self._kept: dict[str, set[str]] = {}  # issue id -> its smallest fingerprints
        self._overlap: dict[str, Counter[str]] = {}  # issue id -> recorded id -> shared
        self._issues = [i for i in issues if grouped(i.rule)]
        # Only tickets whose own id is unknown look for an earlier one (module docstring).
        self._looking = {i.id for i in self._issues if TICKET_PREFIX + i.id not in known}
        own = {TICKET_PREFIX + i.id for i in issues}
        self._recorded: dict[str, list[str]] = {}  # member -> recorded ids free to continue
        for ticket_id, entry in known.items():
            if ticket_id not in own and _TICKET_ID.fullmatch(ticket_id):
                for member in members_of(entry):
                    self._recorded.setdefault(member, []).append(ticket_id)

    def add(self, finding: Finding) -> None:
        if finding.issue is None or not grouped(finding.rule):
            return
        fingerprint = finding.fingerprint
        kept = self._kept.setdefault(finding.issue, set())
        kept.add(fingerprint)
        if len(kept) > 2 * MEMBERS_KEPT:  # bounded while a large group streams by
            self._kept[finding.issue] = set(_smallest(kept))
        if finding.issue in self._looking and fingerprint in self._recorded:
            shared = self._overlap.setdefault(finding.issue, Counter())
            shared.update(self._recorded[fingerprint])

    def of(self, issue_id: str) -> list[str]:
        """The members to record for an issue's ticket, sorted."""
        return _smallest(self._kept.get(issue_id, ()))

    def continued(self) -> dict[str, str]:
        """Issue id -> the recorded ticket id its ticket continues (module docstring)."""
        rank = {issue.id: n for n, issue in enumerate(self._issues)}
        pairs = sorted(
            (-shared, rank[issue_id], recorded, issue_id)
            for issue_id, counts in self._overlap.items()
            for recorded, shared in counts.items()
        )
        taken: dict[str, str] = {}
        used: set[str] = set()
        for _, _, recorded, issue_id in pairs:
            if issue_id not in taken and recorded not in used:
                taken[issue_id] = recorded
                used.add(recorded)
        return taken
