"""The release regression report: what changed between two stored runs (A before, B after).

- **Findings, per rule**: new (in B only), fixed (in A only, and B fetched the URL and ran
  the rule on what it read before), persisting (both), not comparable (in A only, but B
  could not have seen it: a JSON-LD block that no longer parses hides SD007 as well).
  Findings match by their portable fingerprint (baseline.py), so A and B may audit
  different hosts: production before a release and staging after it.
- **Pages**: for every URL (relative to each run's origin) stored in both runs, the
  changes in HTTP status, indexability, canonical, title and structured-data types; and
  the URLs only one run has (text and Markdown name the first ``MAX_URLS_LISTED`` of
  each run and say how many more; JSON lists them all).

Bounded memory at any size: both runs' findings and page states pass once into a
temporary SQLite file, which matches and sorts them (its sorter spills to disk); the
result reads its lists from that file as it is written out. Nothing holds a list of every
finding or page. This module reads run stores and writes text, Markdown or JSON to a
stream; it never prints.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TextIO

from pydantic import BaseModel

from seoaudit import baseline
from seoaudit.gate import answered_in, coverage, failing_in
from seoaudit.printable import printable
from seoaudit.report.markdown import cell, code
from seoaudit.scratch import Scratch
from seoaudit.site import Site
from seoaudit.store import Store

MAX_LISTED = 200  # page changes and URLs listed in text and Markdown (JSON has them all)
MAX_URLS_LISTED = 20  # URLs only one run has, listed in text and Markdown (JSON: all)
FIELDS = ("status", "indexability", "canonical", "title", "structured_data")

Change = list[str | int | list[str] | None]  # [before, after]


class RuleDelta(BaseModel):
    rule: str
    new: int = 0
    fixed: int = 0
    persisting: int = 0
    not_comparable: int = 0


class PageChange(BaseModel):
    url: str  # relative to the run's origin
    changes: dict[str, Change]  # field -> [before, after]


@dataclass
class RunDiff:
    """What changed from run A to run B: per-rule counts held, the lists (new findings,
    fixed ones, changed pages, URLs of one run only) read from the comparison's temporary
    file, in order, by the methods of the same name. Close it (or use ``with``) when done."""

    run_a: str
    run_b: str
    site_a: str
    site_b: str
    rules: list[RuleDelta]
    counts: dict[str, int]  # "new", "fixed", "pages", "only_in_a", "only_in_b"
    _scratch: Scratch = field(repr=False)

    def new(self, limit: int = -1) -> Iterator[str]:
        """New findings in B's report order: "RULE URL: message"."""
        return self._column("SELECT line FROM b WHERE NOT known ORDER BY rowid LIMIT ?", limit)

    def fixed(self, limit: int = -1) -> Iterator[str]:
        """A's findings B could have found and did not: "RULE URL", by rule and URL."""
        sql = "SELECT rule || ' ' || url FROM gone WHERE fixed ORDER BY rowid LIMIT ?"
        return self._column(sql, limit)

    def pages(self, limit: int = -1) -> Iterator[PageChange]:
        rows = self._scratch.db.execute(
            "SELECT url, changes FROM changed ORDER BY url LIMIT ?", (limit,)
        )
        for url, changes in rows:
            yield PageChange(url=url, changes=json.loads(changes))

    def only_in_a(self, limit: int = -1) -> Iterator[str]:
        sql = "SELECT url FROM sa WHERE url NOT IN (SELECT url FROM sb) ORDER BY url LIMIT ?"
        return self._column(sql, limit)

    def only_in_b(self, limit: int = -1) -> Iterator[str]:
        sql = "SELECT url FROM sb WHERE url NOT IN (SELECT url FROM sa) ORDER BY url LIMIT ?"
        return self._column(sql, limit)

    def _column(self, sql: str, limit: int) -> Iterator[str]:
        for (value,) in self._scratch.db.execute(sql, (limit,)):
            yield value

    def close(self) -> None:
        self._scratch.close()

    def __enter__(self) -> RunDiff:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


_SCHEMA = """
CREATE TABLE a (fp TEXT PRIMARY KEY, rule TEXT, url TEXT) WITHOUT ROWID;
CREATE TABLE b (fp TEXT, rule TEXT, line TEXT, known INTEGER, unread TEXT, url TEXT);
CREATE TABLE gone (rule TEXT, url TEXT, fixed INTEGER);
CREATE TABLE sa (url TEXT PRIMARY KEY, state TEXT) WITHOUT ROWID;
CREATE TABLE sb (url TEXT PRIMARY KEY, state TEXT) WITHOUT ROWID;
CREATE TABLE changed (url TEXT PRIMARY KEY, changes TEXT) WITHOUT ROWID;
"""


def _states(site: Site, base: str) -> Iterator[tuple[str, str]]:
    """(URL relative to ``base``, its state as JSON) of every stored page, from the pages'
    summaries (a few hundred bytes each, not their whole facts)."""
    for page in site.iter_summaries():
        canonical = page.canonical
        state = [
            page.status,
            page.indexability,
            baseline.relative(canonical, base) if canonical else None,
            page.title,
            page.sd_types,
        ]
        yield baseline.relative(page.url, base), json.dumps(state)


def _changes(rows: Iterable[tuple[str, str, str]]) -> Iterator[tuple[str, str]]:
    for url, before, after in rows:
        fields: dict[str, Change] = {}
        for name, old, new in zip(FIELDS, json.loads(before), json.loads(after), strict=True):
            if old != new:
                fields[name] = [old, new]
        yield url, json.dumps(fields)


def diff_stores(store_a: Store, store_b: Store) -> RunDiff:
    """What changed from the run stored in ``store_a`` to the one in ``store_b``, their
    findings as ``seoaudit report`` reads them."""
    run_a, run_b = store_a.load_run(), store_b.load_run()
    base_a, base_b = baseline.base_origin(run_a), baseline.base_origin(run_b)
    site_a, site_b = Site(store_a), Site(store_b)
    scratch = Scratch("seoaudit-diff-")
    db = scratch.db
    try:
        db.executescript(_SCHEMA)
        # Findings: A's by fingerprint (one entry each, as a baseline file holds them), B's
        # each in report order, marked when A had its fingerprint.
        db.executemany(
            "INSERT OR IGNORE INTO a VALUES (?,?,?)",
            (
                (baseline.fingerprint(f, base_a), f.rule, baseline.relative(f.url, base_a))
                for f in store_a.findings(held=False)
            ),
        )
        db.executemany(
            "INSERT INTO b (fp, rule, line, unread, url) VALUES (?,?,?,?,?)",
            (
                (
                    baseline.fingerprint(f, base_b),
                    f.rule,
                    f"{f.rule} {baseline.relative(f.url, base_b)}: {f.message}",
                    unread := baseline.unread_input(f),
                    f.url if unread else None,  # only where B's input went unread
                )
                for f in store_b.findings(held=False)
            ),
        )
        db.execute("UPDATE b SET known = fp IN (SELECT fp FROM a)")
        # A's fingerprints B does not have: fixed when B could have found them (not where
        # a finding new in B says the rule's input could not be read: baseline.Coverage).
        failing = failing_in(site_b)
        cover = coverage(answered_in(site_b), run_b, store_b.rule_errors(), None, failing).reading(
            db.execute("SELECT DISTINCT unread, url FROM b WHERE NOT known AND unread NOT NULL")
        )
        gone = db.execute(
            "SELECT rule, url FROM a WHERE fp NOT IN (SELECT fp FROM b) ORDER BY rule, url, fp"
        )
        db.executemany(
            "INSERT INTO gone VALUES (?,?,?)",  # rowid: by rule and URL
            ((rule, url, cover.judged(rule, baseline.absolute(url, base_b))) for rule, url in gone),
        )
        deltas: dict[str, dict[str, int]] = {}
        for rule, known, count in db.execute(
            "SELECT rule, known, count(*) FROM b GROUP BY rule, known"
        ):
            deltas.setdefault(rule, {})["persisting" if known else "new"] = count
        for rule, fixed, count in db.execute(
            "SELECT rule, fixed, count(*) FROM gone GROUP BY rule, fixed"
        ):
            deltas.setdefault(rule, {})["fixed" if fixed else "not_comparable"] = count
        # Pages: each run's states by relative URL (the last page wins when two pages map
        # to one), compared where both runs have the URL.
        db.executemany("INSERT OR REPLACE INTO sa VALUES (?,?)", _states(site_a, base_a))
        db.executemany("INSERT OR REPLACE INTO sb VALUES (?,?)", _states(site_b, base_b))
        pairs = db.execute(
            "SELECT sa.url, sa.state, sb.state FROM sa JOIN sb USING (url)"
            " WHERE sa.state != sb.state"
        )
        db.executemany("INSERT INTO changed VALUES (?,?)", _changes(pairs))
        counts = {
            "new": _count(db, "SELECT count(*) FROM b WHERE NOT known"),
            "fixed": _count(db, "SELECT count(*) FROM gone WHERE fixed"),
            "pages": _count(db, "SELECT count(*) FROM changed"),
            "only_in_a": _count(
                db, "SELECT count(*) FROM sa WHERE url NOT IN (SELECT url FROM sb)"
            ),
            "only_in_b": _count(
                db, "SELECT count(*) FROM sb WHERE url NOT IN (SELECT url FROM sa)"
            ),
        }
    except BaseException:
        scratch.close()
        raise
    return RunDiff(
        run_a=run_a.run_id,
        run_b=run_b.run_id,
        site_a=base_a,
        site_b=base_b,
        rules=[RuleDelta(rule=rule, **c) for rule, c in sorted(deltas.items())],
        counts=counts,
        _scratch=scratch,
    )


def _count(db: sqlite3.Connection, sql: str) -> int:
    (count,) = db.execute(sql).fetchone()
    return int(count)


# -- writing ----------------------------------------------------------------------------


def _show(value: object) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def _clean(text: str) -> str:
    return printable(text)[:300]


def write_json(diff: RunDiff, out: TextIO) -> None:
    """The whole diff as JSON (every list complete), written item by item: the same text
    as ``json.dumps(..., indent=2, ensure_ascii=False)`` of one object would give."""
    out.write("{\n")
    for key in ("run_a", "run_b", "site_a", "site_b"):
        out.write(f"  {_dump(key)}: {_dump(getattr(diff, key))},\n")
    lists: list[tuple[str, Callable[[], Iterable[Any]]]] = [
        ("rules", lambda: (d.model_dump(mode="json") for d in diff.rules)),
        ("new", diff.new),
        ("fixed", diff.fixed),
        ("pages", lambda: (p.model_dump(mode="json") for p in diff.pages())),
        ("only_in_a", diff.only_in_a),
        ("only_in_b", diff.only_in_b),
    ]
    for index, (key, items) in enumerate(lists):
        out.write(f"  {_dump(key)}: [")
        separator = "\n"
        for item in items():
            out.write(separator + "    " + _dump(item).replace("\n", "\n    "))
            separator = ",\n"
        out.write("\n  ]" if separator != "\n" else "]")
        out.write(",\n" if index < len(lists) - 1 else "\n")
    out.write("}\n")


def _dump(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def write_text(diff: RunDiff, out: TextIO) -> None:
    out.write(
        f"seoaudit diff {diff.run_a} ({diff.site_a}) -> {diff.run_b} ({diff.site_b})\n\n"
        f"{'rule':<10}{'new':>6}{'fixed':>7}{'persisting':>12}{'not comparable':>16}\n"
    )
    for d in diff.rules:
        out.write(f"{d.rule:<10}{d.new:>6}{d.fixed:>7}{d.persisting:>12}{d.not_comparable:>16}\n")
    if not diff.rules:
        out.write("(no findings in either run)\n")
    if diff.counts["new"]:
        out.write(f"\nNew findings ({diff.counts['new']}):\n")
        out.writelines(f"  + {_clean(n)}\n" for n in diff.new(MAX_LISTED))
    if diff.counts["fixed"]:
        out.write(f"\nFixed ({diff.counts['fixed']}):\n")
        out.writelines(f"  - {_clean(n)}\n" for n in diff.fixed(MAX_LISTED))
    out.write(f"\nChanged pages ({diff.counts['pages']}):\n")
    for change in diff.pages(MAX_LISTED):
        out.write(f"  {_clean(change.url)}\n")
        for name, (old, new) in change.changes.items():
            out.write(f"      {name}: {_clean(_show(old))} -> {_clean(_show(new))}\n")
    for run, key, urls in (
        (diff.run_a, "only_in_a", diff.only_in_a),
        (diff.run_b, "only_in_b", diff.only_in_b),
    ):
        count = diff.counts[key]
        out.write(f"\nURLs only in {run} ({count})" + (":\n" if count else "\n"))
        out.writelines(f"  {_clean(url)}\n" for url in urls(MAX_URLS_LISTED))
        if count > MAX_URLS_LISTED:
            out.write(f"  ... and {count - MAX_URLS_LISTED} more (all in --format json)\n")


def write_markdown(diff: RunDiff, out: TextIO) -> None:
    out.write(
        "## seoaudit: release regression report\n\n"
        f"{code(diff.run_a)} ({code(diff.site_a)}) → {code(diff.run_b)} ({code(diff.site_b)})\n\n"
        "| Rule | New | Fixed | Persisting | Not comparable |\n"
        "|---|---|---|---|---|\n"
    )
    out.writelines(
        f"| {d.rule} | {d.new} | {d.fixed} | {d.persisting} | {d.not_comparable} |\n"
        for d in diff.rules
    )
    if diff.counts["new"]:
        out.write(f"\n### New findings ({diff.counts['new']})\n\n")
        out.writelines(f"- {cell(n, 300)}\n" for n in diff.new(MAX_LISTED))
    if diff.counts["fixed"]:  # B fetched the URL and ran the rule: the release fixed these
        out.write(f"\n### Fixed ({diff.counts['fixed']})\n\n")
        out.writelines(f"- {cell(n, 300)}\n" for n in diff.fixed(MAX_LISTED))
    if diff.counts["pages"]:
        out.write(
            f"\n### Changed pages ({diff.counts['pages']})\n\n"
            "| URL | Change | Before | After |\n"
            "|---|---|---|---|\n"
        )
        for change in diff.pages(MAX_LISTED):
            for name, (old, new) in change.changes.items():
                out.write(
                    f"| {code(change.url)} | {name} | {cell(_show(old))} | {cell(_show(new))} |\n"
                )
    for when, key, urls in (
        ("before", "only_in_a", diff.only_in_a),
        ("after", "only_in_b", diff.only_in_b),
    ):
        count = diff.counts[key]
        out.write(f"\n### URLs only {when} ({count})\n")
        if count:
            out.write("\n")
            out.writelines(f"- {cell(url, 300)}\n" for url in urls(MAX_URLS_LISTED))
        if count > MAX_URLS_LISTED:
            out.write(f"- … and {count - MAX_URLS_LISTED} more (all in `--format json`)\n")


WRITERS: dict[str, Callable[[RunDiff, TextIO], None]] = {
    "text": write_text,
    "markdown": write_markdown,
    "json": write_json,
}
