"""Baselines: known debt as a committed file, and how a run compares with it.

**Fingerprints.** A finding's portable fingerprint hashes its rule, its URL and its cause
(or the rule's fixed identity instead, when its cause names a group by a member that may
come and go: ``models.IDENTITY_BY_RULE``) with the origin of the run's first start URL
taken out (``/products/a`` rather than ``https://staging.example.com/products/a``; from a
cause, its bare host too), so a baseline made on production matches a run on staging or
on a fixture server with a random port. ``Finding.fingerprint`` (with the origin) stays
the run-internal id.

**The baseline file** holds one fingerprint per line with a trailing comment naming the rule
and the URL, sorted by rule and URL, so that a review shows a clean diff::

    # seoaudit baseline ...
    3f2a9c0d1e4b5a6c  # HTTP001 /missing.html

**Comparison.** Each finding of a run is *new* (not in the baseline) or *persisting*. Each
baseline entry the run did not find is *fixed* only when the run could have found it: its
URL answered with an HTTP response in this run and its rule ran without error and was not
ignored for that URL, and no new finding says that the rule's input could not be read
there (``unread_input``: a JSON-LD block that no longer parses hides its items from the
structured-data rules, whose findings on it vanish unfixed); otherwise it is *not
comparable* (never fetched, excluded, cut by --max-pages, rule not selected,
``per_url_ignores``, input unread...).
So a partial crawl can never "fix" debt.

**Suppressions** (``[[suppress]]`` in the config) are hand-curated, with a reason and an
optional expiry; an expired one no longer applies and the run says so.

This module reads and writes the baseline file; it never prints.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Literal, TextIO

import numpy as np

from seoaudit.config import Suppression, rule_matches
from seoaudit.models import Finding, RuleError, fingerprint_key
from seoaudit.outfile import write_output

# Re-exported: reports, the gate and the diff read them here with the fingerprints.
from seoaudit.portable import base_origin as base_origin
from seoaudit.portable import portable_cause as portable_cause
from seoaudit.portable import relative as relative
from seoaudit.printable import printable

Status = Literal["new", "persisting", "fixed", "not-comparable", "suppressed"]
HEADER = (
    "# seoaudit baseline: known findings, one per line: FINGERPRINT  # RULE URL\n"
    "# Written by `seoaudit baseline create|update|prune`; commit it, review its diffs.\n"
    "# URLs are relative to the audited site's origin.\n"
)
_LINE = re.compile(r"^([0-9a-f]{16})\s*(?:#\s*(\S+)?\s*(.*?))?\s*$")


class BaselineError(Exception):
    """The baseline file is missing or malformed (the message names the line)."""


# -- fingerprints -----------------------------------------------------------------------


def absolute(url: str, base: str) -> str:
    return base + url if url.startswith("/") and base else url


def fingerprint(finding: Finding, base: str) -> str:
    key = fingerprint_key(
        finding.rule,
        relative(finding.url, base),
        portable_cause(finding.told_apart_by or "", base),
        finding.occurrence,
    )
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16]


# -- the file ---------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Entry:
    rule: str
    url: str  # relative to the site's origin when it was on it
    fingerprint: str


def entries_for(findings: Iterable[Finding], base: str) -> list[Entry]:
    found = {
        (fp := fingerprint(f, base)): Entry(f.rule, relative(f.url, base), fp) for f in findings
    }
    return sorted(found.values())


def read(path: Path) -> dict[str, Entry]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM (Windows editors) is no line
    except FileNotFoundError:
        raise BaselineError(
            f"baseline file {path} not found; create it with `seoaudit baseline create`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"cannot read baseline file {path}: {exc}") from None
    entries: dict[str, Entry] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.match(stripped)
        if match is None:
            raise BaselineError(
                f"{path}:{number}: expected a 16-hex-digit fingerprint and a # RULE URL comment"
            )
        fp, rule, url = match.group(1), match.group(2) or "", match.group(3) or ""
        entries[fp] = Entry(rule, url, fp)
    return entries


def render(entries: Iterable[Entry]) -> str:
    lines = [HEADER]
    for entry in sorted(set(entries)):
        comment = f"{entry.rule} {_one_line(entry.url)}".strip()
        lines.append(f"{entry.fingerprint}  # {comment}\n")
    return "".join(lines)


def _one_line(text: str) -> str:
    return printable(text, replacement="?")


def write(path: Path, entries: Iterable[Entry]) -> None:
    text = render(entries)

    def put(handle: TextIO) -> None:
        handle.write(text)

    write_output(path, put, newline="\n")


# -- comparison -------------------------------------------------------------------------


def _nothing_ignored(rule: str, url: str) -> bool:
    return False


def _nothing_failing(_url: str) -> bool:
    return False


# Rules whose finding on a URL says that the input of a family of page rules could not be
# read there: a JSON-LD block that does not parse or is empty (SD001), or that is not read
# as JSON-LD at all (SD002: HTML-escaped, or in a script of another type), hides its items
# from every structured-data rule. Rule code -> that family (a code prefix).
UNREAD_INPUT: dict[str, str] = {"SD001": "SD", "SD002": "SD"}
_FAMILIES = frozenset(UNREAD_INPUT.values())


def unread_input(finding: Finding) -> str | None:
    """The family of rules that ``finding`` says could not read their input on its URL
    (``UNREAD_INPUT``), or None. SD002's notice (a copy of markup the page also serves
    as application/ld+json, which is read) hides nothing."""
    family = UNREAD_INPUT.get(finding.rule)
    if family is None or (finding.rule_severity or finding.severity) == "notice":
        return None
    return family


@dataclass
class Coverage:
    """What a run could have found: the URLs that answered, the rules that ran cleanly
    on them."""

    answered: Callable[[str], bool]  # absolute URL -> it got an HTTP response in this run
    rules: set[str]  # rule codes that ran (and are selected now)
    failed: set[tuple[str, str | None]]  # (rule, url) with a rule error; url None: whole rule
    # (rule, absolute URL) -> the configuration leaves that rule's findings on that URL
    # out (per_url_ignores, when the run was made or now): nothing there is judged
    ignored: Callable[[str, str], bool] = _nothing_ignored
    # (family, absolute URL): a finding new in this run says that family's rules could
    # not read their input there (``unread_input``): the rules ran, but on less than
    # before, so what they found before and do not find now is not shown fixed
    unread: frozenset[tuple[str, str]] = frozenset()
    # absolute URL -> it answered 4xx or 5xx in this run: the rules of its content
    # (``content``: page rules that read a page, not its status) could not read it, so
    # what they found before is not shown fixed (a 503 blip would drop the page's debt)
    failing: Callable[[str], bool] = _nothing_failing
    content: frozenset[str] = frozenset()

    def judged(self, rule: str, url: str) -> bool:
        if rule not in self.rules or (rule, None) in self.failed or (rule, url) in self.failed:
            return False
        if self.unread and rule not in UNREAD_INPUT and self._unread(rule, url):
            return False
        if rule in self.content and self.failing(url):
            return False
        return self.answered(url) and not self.ignored(rule, url)

    def _unread(self, rule: str, url: str) -> bool:
        return any(rule.startswith(f) and (f, url) in self.unread for f in _FAMILIES)

    def reading(self, unread: Iterable[tuple[str, str]]) -> Coverage:
        """This coverage, with ``unread`` (family, absolute URL) pairs added."""
        return replace(self, unread=self.unread | frozenset(unread))

    def failing_content(self, failing: Callable[[str], bool], content: Iterable[str]) -> Coverage:
        """This coverage, where the ``content`` rules judge no URL that is ``failing``."""
        return replace(self, failing=failing, content=frozenset(content))

    @classmethod
    def of(
        cls,
        answered: Callable[[str], bool],
        rules: set[str],
        errors: Sequence[RuleError],
        ignored: Callable[[str, str], bool] = _nothing_ignored,
    ) -> Coverage:
        return cls(answered, rules, {(e.rule, e.url) for e in errors}, ignored)


@dataclass
class Comparison:
    # fingerprint -> "persisting" or "suppressed"; a finding not listed is new (a large
    # run's comparison holds the baseline's fingerprints, not one per finding)
    status: dict[str, Status] = field(default_factory=dict)
    fixed: list[Entry] = field(default_factory=list)
    not_comparable: list[Entry] = field(default_factory=list)
    new: int = 0  # distinct fingerprints of the run, new since the baseline

    def of(self, fp: str) -> Status:
        """The status of a finding of the run, by its fingerprint."""
        return self.status.get(fp, "new")

    def count(self, status: Status) -> int:
        if status == "new":
            return self.new
        if status == "fixed":
            return len(self.fixed)
        if status == "not-comparable":
            return len(self.not_comparable)
        return sum(1 for s in self.status.values() if s == status)


def compare(
    findings: Iterable[Finding],
    baseline: dict[str, Entry],
    base: str,
    coverage: Coverage,
    suppressed: set[str] | None = None,
) -> Comparison:
    """Each finding's status against ``baseline``; baseline entries not found again are
    fixed (when this run could have found them: ``coverage``, less the rules a finding
    not in the baseline says could not read their input on its URL: ``unread_input``)
    or not comparable. One pass;
    new fingerprints are counted as 8-byte numbers, not kept as strings (equal ones are
    mostly next to each other in report order, but not always: ``relative`` makes
    ``/r?to=https://site/x`` and ``/r?to=/x`` one fingerprint)."""
    result = Comparison()
    new = array("Q")
    unread: set[tuple[str, str]] = set()  # (family, URL) a new finding says went unread
    last = None
    for finding in findings:
        fp = fingerprint(finding, base)
        if fp == last:
            continue
        last = fp
        if fp not in baseline and (family := unread_input(finding)) is not None:
            unread.add((family, finding.url))
        if suppressed and fp in suppressed:
            result.status[fp] = "suppressed"
        elif fp in baseline:
            result.status[fp] = "persisting"
        else:
            new.append(int(fp, 16))
    coverage = coverage.reading(unread) if unread else coverage
    result.new = int(np.unique(np.frombuffer(new, dtype=np.uint64)).size) if new else 0
    seen = result.status.keys()  # the baseline's fingerprints found again, and suppressed
    for fp, entry in sorted(baseline.items(), key=lambda item: item[1]):
        if fp in seen:
            continue
        url = absolute(entry.url, base)
        if entry.rule and coverage.judged(entry.rule, url):
            result.fixed.append(entry)
        else:
            result.not_comparable.append(entry)
    return result


# -- suppressions -----------------------------------------------------------------------


def split_expired(
    suppressions: Sequence[Suppression], today: date
) -> tuple[list[Suppression], list[Suppression]]:
    """(active, expired): ``expires`` is the last day a suppression applies."""
    active = [s for s in suppressions if s.expires is None or s.expires >= today]
    expired = [s for s in suppressions if s.expires is not None and s.expires < today]
    return active, expired


def suppressed(
    findings: Iterable[Finding], suppressions: Sequence[Suppression], base: str
) -> set[str]:
    """Fingerprints of the findings that an active suppression matches."""
    if not suppressions:
        return set()
    compiled = [(s, re.compile(s.urls) if s.urls else None) for s in suppressions]
    hits: set[str] = set()
    for finding in findings:
        fp = fingerprint(finding, base)
        for rule, pattern in compiled:
            if rule.fingerprint is not None and rule.fingerprint != fp:
                continue
            if rule.rules and not rule_matches(finding.rule, rule.rules):
                continue
            if pattern is not None and not pattern.search(finding.url):
                continue
            hits.add(fp)
            break
    return hits
