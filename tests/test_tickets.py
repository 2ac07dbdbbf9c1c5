"""Tickets: one per issue, for Jira, Azure DevOps, GitLab (CSV imports) and GitHub
(Markdown + manifest for gh), built from the rule docs and the issue's evidence."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from seoaudit import tickets
from seoaudit.cli import app
from seoaudit.impact import issue_id
from seoaudit.models import Finding, Issue, Report, RunInfo, ScoreInputs
from seoaudit.report import build_report
from seoaudit.ruledoc import shown_evidence
from seoaudit.rules import REGISTRY
from seoaudit.site import Site
from seoaudit.store import Store
from seoaudit.tickets import azure, github, gitlab, jira
from seoaudit.tickets.render import html_body, markdown
from seoaudit.tickets.render import jira as jira_markup
from tests.sites import ORIGIN, crawl
from tests.test_baseline import CLUSTER, JOINED, _versions
from tests.test_ci_workflows import shell

PAYLOAD = (
    "</noformat>{noformat}{code}{no{noformat}format}<script>alert(1)</script>"
    "](javascript:alert(1)) ``` `x` "
    "@everyone <img src=x onerror=alert(2)>"
)
EVIL_URL = ORIGIN + "/it's-$(rm -rf ~)-`id`.html"


def _site_pages() -> dict[str, dict[str, Any]]:
    return {
        "/": {"body": '<title>Home</title><a href="/missing.html">x</a><a href="/private/a">p</a>'},
        "/robots.txt": {"body": "User-agent: *\nDisallow: /private/\n"},
    }


@pytest.fixture
def run_file(tmp_path: Path) -> Path:
    return crawl(_site_pages(), tmp_path / "runs").store_path


def _report(path: Path) -> Report:
    store = Store(path)
    try:
        return build_report(store, Site(store))
    finally:
        store.close()


def _issue(n: int, title: str = "Issue", urls: list[str] | None = None, **extra: Any) -> Issue:
    urls = urls or [f"{ORIGIN}/p/{n}-{i}.html" for i in range(3)]
    return Issue(
        id=f"{n:012x}",
        rule="HTTP001",
        name="broken-internal-url",
        severity="warning",
        title=title,
        count=len(urls),
        sample_urls=urls[:10],
        impact=60.0 - n * 0.001,
        priority=extra.pop("priority", "P1"),
        score=ScoreInputs(severity_weight=3, affected=len(urls), page_value_sum=20, formula="f"),
        owner="content/CMS",
        **extra,
    )


def _synthetic(issues: list[Issue], findings: list[Finding] | None = None) -> Report:
    run = RunInfo(run_id="r1", tool_version="0", start_urls=[ORIGIN + "/"])
    return Report(run=run, issues=issues, findings=findings or [])


def _hostile() -> Report:
    issue = _issue(
        1,
        title='=HYPERLINK("http://evil.test") ' + PAYLOAD,
        urls=[EVIL_URL],
        evidence={"status": 404, "title": PAYLOAD, "linked_from": [PAYLOAD] * 8},
    )
    finding = Finding(
        rule="HTTP001",
        name="broken-internal-url",
        severity="warning",
        url=EVIL_URL,
        message=PAYLOAD,
        evidence={"title": PAYLOAD},
        issue=issue.id,
    )
    return _synthetic([issue], [finding])


def _outside_code(markdown_text: str) -> str:
    """The Markdown with fenced blocks and inline code spans removed."""
    text = re.sub(r"(?ms)^(`{3,})[^\n]*\n.*?^\1\s*$", "", markdown_text)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)


# -- targets ----------------------------------------------------------------------------


@pytest.mark.parametrize("target", sorted(tickets.TARGETS))
def test_every_target_writes_its_import_and_the_url_lists(
    run_file: Path, tmp_path: Path, target: str
) -> None:
    report = _report(run_file)
    assert report.issues
    out = tmp_path / "out"
    result = tickets.export(report, REGISTRY, target, out)
    assert len(result.tickets) == len(report.issues)
    for ticket in result.tickets:
        rows = list(csv.DictReader((out / ticket.urls_file).open(encoding="utf-8")))
        assert len(rows) == ticket.issue.count
        assert {r["url"] for r in rows} >= set(ticket.sample)
    assert json.loads((out / "tickets-exported.json").read_text())[target]


def test_tickets_are_built_from_the_rule_docs_and_the_evidence(run_file: Path) -> None:
    report = _report(run_file)
    ticket = next(t for t in tickets.build_tickets(report, REGISTRY) if t.issue.rule == "HTTP001")
    assert ticket.id == f"seoaudit-{ticket.issue.id}"
    assert "Update the links to point at a live URL" in ticket.fix  # "How to fix"
    assert "dead end" in ticket.why  # "Why it matters": business terms
    assert ("status", "404") in ticket.evidence
    assert f"curl -sI {ORIGIN}/missing.html" in ticket.verify  # placeholder filled in
    assert ticket.verify[-1] == (
        f"seoaudit audit {ORIGIN}/ --select HTTP001 --issue {ticket.id} "
        "--isolated --no-baseline --fail-on notice -q"
    )
    assert any("impact" in line for line in ticket.impact)
    assert ticket.acceptance and "seoaudit audit" in ticket.acceptance[-1]
    robots = next(t for t in tickets.build_tickets(report, REGISTRY) if t.issue.rule == "ROB008")
    assert ("rule", "Disallow: /private/") in robots.evidence
    assert robots.owner == "server/infrastructure"
    assert ("robots-txt", "robots.txt") in robots.glossary


def test_jira_csv_respects_the_importers_limits(tmp_path: Path) -> None:
    urls = [f"{ORIGIN}/p/{'x' * 200}-{i}.html" for i in range(40)]
    evidence = {f"field{i}": "y" * 5000 for i in range(20)}
    report = _synthetic([_issue(1, "t" * 400, urls, evidence=evidence, priority="P3")])
    tickets.export(report, REGISTRY, "jira", tmp_path)
    rows = list(csv.reader((tmp_path / jira.FILE).open(encoding="utf-8")))
    header, row = rows[0], rows[1]
    assert header[:4] == ["Summary", "Issue Type", "Priority", "Description"]
    assert set(header[4:]) == {"Labels"}
    assert len(row[0]) <= jira.SUMMARY_MAX
    assert len(row[3]) <= jira.DESCRIPTION_MAX
    assert row[1] == "Task"
    assert row[2] == "Medium"
    labels = [cell for cell in row[4:] if cell]
    assert "seoaudit-000000000001" in labels
    assert all(" " not in label for label in labels)


def test_azure_splits_at_1000_work_items(tmp_path: Path) -> None:
    report = _synthetic([_issue(n, f"Issue {n}") for n in range(1001)])
    result = tickets.export(report, REGISTRY, "azure", tmp_path)
    files = sorted(p.name for p in result.files if p.suffix == ".csv" and "azure" in p.name)
    assert files == ["azure-devops-import-1.csv", "azure-devops-import-2.csv"]
    first = list(csv.DictReader((tmp_path / files[0]).open(encoding="utf-8")))
    assert len(first) == azure.ROWS_PER_FILE
    assert first[0]["Work Item Type"] == "Task"
    assert first[0]["Priority"] == "1"
    assert "seoaudit-" in first[0]["Tags"] and ";" in first[0]["Tags"]
    assert first[0]["Description"].startswith("<p>")


def test_gitlab_csv_has_title_and_description_first(run_file: Path, tmp_path: Path) -> None:
    tickets.export(_report(run_file), REGISTRY, "gitlab", tmp_path)
    text = (tmp_path / "gitlab-import.csv").read_bytes().decode("utf-8")
    assert text.startswith("title,description\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert all(len(r["title"]) <= gitlab.TITLE_MAX for r in rows)
    assert all("### How to fix" in r["description"] for r in rows)


def test_github_manifest_and_script(run_file: Path, tmp_path: Path) -> None:
    report = _report(run_file)
    tickets.export(report, REGISTRY, "github", tmp_path)
    folder = tmp_path / github.DIR
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [m["id"] for m in manifest] == [f"seoaudit-{i.id}" for i in report.issues]
    for entry in manifest:
        body = (folder / entry["body_file"]).read_text()
        assert len(body) <= github.BODY_MAX
        assert entry["id"] in body  # the script finds already created issues by it
        assert entry["gh_args"][:3] == ["issue", "create", "--title"]
        assert (folder / entry["urls_file"]).exists()
    script = folder / "create-issues.sh"
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
    assert "gh label create seoaudit --force" in script.read_text()


# -- stable ids and --only-new --------------------------------------------------------------


def test_reexports_do_not_duplicate_tickets(tmp_path: Path) -> None:
    report = _synthetic([_issue(1), _issue(2)])
    first = tickets.export(report, REGISTRY, "jira", tmp_path, only_new=True)
    assert len(first.tickets) == 2
    again = tickets.export(report, REGISTRY, "jira", tmp_path, only_new=True)
    assert (len(again.tickets), again.skipped_known) == (0, 2)
    grown = _synthetic([_issue(1), _issue(2), _issue(3)])
    new = tickets.export(grown, REGISTRY, "jira", tmp_path, only_new=True)
    assert [t.id for t in new.tickets] == ["seoaudit-000000000003"]
    # another target has its own record
    assert len(tickets.export(grown, REGISTRY, "github", tmp_path, only_new=True).tickets) == 3
    # without --only-new everything is written again, under the same ids
    full = tickets.export(grown, REGISTRY, "jira", tmp_path)
    assert [t.id for t in full.tickets] == [t.id for t in tickets.build_tickets(grown, REGISTRY)]


# -- grouped rules: a renamed cluster or loop keeps its ticket --------------------------------


def _group(rule: str, paths: list[str], n: int = 0) -> tuple[Issue, list[Finding]]:
    """The issue of one group of a grouped rule (an hreflang cluster, a loop), named by its
    smallest URL as the rule names it, with one finding per member page."""
    urls = sorted(ORIGIN + p for p in paths)
    cause = f"{'cluster' if rule.startswith('HRF') else 'loop via'} {urls[0]}"
    spec = REGISTRY[rule]
    issue = _issue(n, f"{rule} of {urls[0]}", urls).model_copy(
        update={"id": issue_id(rule, cause), "rule": rule, "name": spec.name, "cause": cause}
    )
    found = [
        Finding(
            rule=rule,
            name=spec.name,
            severity=spec.severity,
            url=url,
            message=f"in the group of {urls[0]}",
            cause=cause,
            issue=issue.id,
        )
        for url in urls
    ]
    return issue, found


def _groups(*groups: tuple[Issue, list[Finding]]) -> Report:
    return _synthetic([i for i, _ in groups], [f for _, found in groups for f in found])


def _recorded(folder: Path, target: str = "github") -> dict[str, Any]:
    record: dict[str, Any] = json.loads((folder / "tickets-exported.json").read_text())
    return record[target]


@pytest.mark.parametrize("rule", ["HRF003", "HRF009", "HRF013", "CAN011", "HTTP008"])
def test_a_group_renamed_by_a_new_member_keeps_its_ticket_id(rule: str, tmp_path: Path) -> None:
    """The cause names an hreflang cluster or a loop by its smallest URL: a member whose
    URL sorts first joining renamed it, so the issue id, and the ticket id with it,
    changed. `--only-new` exported the same problem again as a new ticket, and
    create-issues.sh, which finds issues by ticket id, created a duplicate."""
    before = _group(rule, ["/en/", "/es/", "/fr/"])
    first = tickets.export(_groups(before), REGISTRY, "github", tmp_path, only_new=True)
    (old_id,) = [t.id for t in first.tickets]
    assert old_id == f"seoaudit-{before[0].id}"

    after = _group(rule, ["/de/", "/en/", "/es/", "/fr/"])  # /de/ names the group now
    assert after[0].id != before[0].id
    again = tickets.export(_groups(after), REGISTRY, "github", tmp_path, only_new=True)
    assert (again.tickets, again.skipped_known) == ([], 1)  # nothing new to create

    full = tickets.export(_groups(after), REGISTRY, "github", tmp_path)
    (ticket,) = full.tickets
    assert ticket.id == old_id and ticket.issue.id == after[0].id
    assert ticket.urls_file == f"urls/{old_id}.csv"
    rows = list(csv.DictReader((tmp_path / ticket.urls_file).open(encoding="utf-8")))
    assert len(rows) == 4  # the group as it is now
    folder = tmp_path / github.DIR
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [(m["id"], m["body_file"]) for m in manifest] == [(old_id, f"{old_id}.md")]
    assert f"seoaudit-id: `{old_id}`" in (folder / f"{old_id}.md").read_text()
    assert shlex.quote(f"{old_id} in:body") in (folder / "create-issues.sh").read_text()
    assert not (folder / f"seoaudit-{after[0].id}.md").exists()
    # The report knows the issue by its new name: the acceptance criterion says which.
    assert f"in run `r1` it is `seoaudit-{after[0].id}`" in ticket.acceptance[-1]
    # The record keeps one ticket, with the group's members as they are now.
    assert list(_recorded(tmp_path)) == [old_id]
    assert len(_recorded(tmp_path)[old_id]["members"]) == 4
    assert _recorded(tmp_path)[old_id]["issue"] == f"seoaudit-{after[0].id}"
    assert _recorded(tmp_path)[old_id]["issue_run"] == "r1"


def test_a_related_ticket_is_named_by_the_id_the_tracker_knows(tmp_path: Path) -> None:
    """A sitemap listing a URL of a redirect loop: SMP009 and HTTP008 name each other.
    When the loop was renamed since its ticket was exported, the loop's ticket keeps its
    old id, but SMP009's ticket named the loop by its new id, a ticket nobody created."""
    smp = _issue(9).model_copy(update={"rule": "SMP009", "id": "00000000abcd"})

    def exported(loop: tuple[Issue, list[Finding]]) -> dict[str, tickets.Ticket]:
        first = loop[0].model_copy(update={"related": [smp.id]})
        second = smp.model_copy(update={"related": [first.id]})
        report = _synthetic([first, second], loop[1])
        return {t.issue.rule: t for t in tickets.export(report, REGISTRY, "jira", tmp_path).tickets}

    before = exported(_group("HTTP008", ["/b", "/c"]))
    old_id = before["HTTP008"].id
    assert f"{old_id} (HTTP008" in before["SMP009"].what
    after = exported(_group("HTTP008", ["/a", "/b", "/c"]))  # /a names the loop now
    assert after["HTTP008"].id == old_id != f"seoaudit-{after['HTTP008'].issue.id}"
    assert f"{old_id} (HTTP008" in after["SMP009"].what
    assert after["HTTP008"].issue.id not in after["SMP009"].what


def test_split_or_merged_clusters_keep_the_id_they_share_most_pages_with(tmp_path: Path) -> None:
    """A cluster that splits in two: the part sharing the most pages with the ticket
    exported before continues it; the other part is a new problem, a new ticket. Clusters
    that merge take the id of the one they share the most pages with."""
    whole = _group("HRF003", ["/a/", "/b/", "/c/", "/d/", "/e/"])
    tickets.export(_groups(whole), REGISTRY, "jira", tmp_path, only_new=True)
    old_id = f"seoaudit-{whole[0].id}"
    # /0/ joins the larger part and names it; /d/ and /e/ form a cluster of their own
    # (named by /d/, a new name too), which /f/ joins.
    larger, smaller = (
        _group("HRF003", ["/0/", "/a/", "/b/", "/c/"]),
        _group("HRF003", ["/d/", "/e/", "/f/"], n=1),
    )
    split = _groups(smaller, larger)  # the smaller part ranks first: overlap decides
    result = tickets.export(split, REGISTRY, "jira", tmp_path, only_new=True)
    assert [t.id for t in result.tickets] == [f"seoaudit-{smaller[0].id}"]
    assert result.skipped_known == 1
    ids = {t.issue.id: t.id for t in tickets.export(split, REGISTRY, "jira", tmp_path).tickets}
    assert ids == {larger[0].id: old_id, smaller[0].id: f"seoaudit-{smaller[0].id}"}

    # The two merge again, named by a newcomer: they share 4 pages with the larger
    # part's ticket and 3 with the smaller's; the larger's id is kept, the other stays
    # recorded as it was (a duplicate in the tracker now, to close).
    merged = _group("HRF003", ["/", "/0/", "/a/", "/b/", "/c/", "/d/", "/e/", "/f/"])
    kept = _recorded(tmp_path, "jira")[f"seoaudit-{smaller[0].id}"]
    result = tickets.export(_groups(merged), REGISTRY, "jira", tmp_path, only_new=True)
    assert (result.tickets, result.skipped_known) == ([], 1)
    (ticket,) = tickets.export(_groups(merged), REGISTRY, "jira", tmp_path).tickets
    assert ticket.id == old_id
    assert _recorded(tmp_path, "jira")[f"seoaudit-{smaller[0].id}"] == kept
    assert len(_recorded(tmp_path, "jira")[old_id]["members"]) == 8


def test_a_large_groups_members_are_a_bounded_sample(tmp_path: Path) -> None:
    """A site-wide cluster can hold thousands of pages: the record keeps the smallest
    fingerprints of its pages (at most MEMBERS_KEPT), which still tell which part of a
    split continues it."""
    from seoaudit.tickets import record

    paths = [f"/p/{i:04d}/" for i in range(2000)]
    whole = _group("HRF013", paths)
    old_id = f"seoaudit-{whole[0].id}"
    larger = _group("HRF013", ["/0/", *paths[500:]])  # renamed by /0/
    smaller = _group("HRF013", paths[:500], n=1)  # still named by /p/0000/: the same issue
    smaller_renamed = _group("HRF013", ["/", *paths[:500]], n=1)
    for folder, part, keeper in (("a", smaller_renamed, larger), ("b", smaller, smaller)):
        tickets.export(_groups(whole), REGISTRY, "gitlab", tmp_path / folder)
        members = _recorded(tmp_path / folder, "gitlab")[old_id]["members"]
        assert members == sorted({f.fingerprint for f in whole[1]})[: record.MEMBERS_KEPT]
        # Split 1,500 / 500 pages: when both parts are renamed the 1,500 keep the id;
        # the part keeping the name keeps it, whatever its size.
        result = tickets.export(_groups(part, larger), REGISTRY, "gitlab", tmp_path / folder)
        ids = {t.issue.id: t.id for t in result.tickets}
        assert ids[keeper[0].id] == old_id
        assert len(set(ids.values())) == 2


def test_an_export_record_without_members_still_works(tmp_path: Path) -> None:
    """A record written before members were recorded: its ids are known as before, and a
    grouped ticket exported again gets its members, so a later rename keeps its id."""
    cluster = _group("HRF009", ["/en/", "/fr/"])
    old_id = f"seoaudit-{cluster[0].id}"
    renamed = _group("HRF009", ["/de/", "/en/", "/fr/"])
    # An entry edited by hand whose name is no ticket id: never taken (ids name files).
    edited = {"title": "x", "run": "r0", "members": [f.fingerprint for f in renamed[1]]}
    (tmp_path / "tickets-exported.json").write_text(
        json.dumps(
            {
                "jira": {
                    old_id: {"title": "old", "run": "r0"},
                    "seoaudit-000000000001": {"title": "a broken link", "run": "r0"},
                    "../../escape": edited,
                }
            }
        )
    )
    report = _groups(cluster, (_issue(1), []))
    result = tickets.export(report, REGISTRY, "jira", tmp_path, only_new=True)
    assert (result.tickets, result.skipped_known) == ([], 2)
    result = tickets.export(_groups(renamed), REGISTRY, "jira", tmp_path, only_new=True)
    assert (result.tickets, result.skipped_known) == ([], 1)
    recorded = _recorded(tmp_path, "jira")
    assert recorded[old_id]["title"] == "old" and len(recorded[old_id]["members"]) == 3
    # A broken link's cause names its target, not a member: no members recorded.
    assert recorded["seoaudit-000000000001"] == {"title": "a broken link", "run": "r0"}
    assert recorded["../../escape"] == edited


def test_min_priority_leaves_out_low_issues(tmp_path: Path) -> None:
    report = _synthetic([_issue(1), _issue(2, priority="P3"), _issue(3, priority="P4")])
    result = tickets.export(report, REGISTRY, "gitlab", tmp_path, min_priority="P3")
    assert [t.priority for t in result.tickets] == ["P1", "P3"]
    assert result.skipped_priority == 1


# -- hostile content --------------------------------------------------------------------------


def test_crawled_text_cannot_inject_markup_or_formulas(tmp_path: Path) -> None:
    report = _hostile()
    ticket = tickets.build_tickets(report, REGISTRY)[0]
    body = markdown(ticket, github.BODY_MAX)
    outside = _outside_code(body)
    for needle in ("<script", "<img", "javascript:", "@everyone"):
        assert needle not in outside, needle
    verify = next(c for c in ticket.verify if c.startswith("curl"))
    assert shlex.split(verify) == ["curl", "-sI", EVIL_URL]  # quoted: nothing runs
    for target in tickets.TARGETS:
        tickets.export(report, REGISTRY, target, tmp_path / target)
    jira_rows = list(csv.reader((tmp_path / "jira" / jira.FILE).open(encoding="utf-8")))
    assert jira_rows[1][0].startswith("'=")  # no spreadsheet formula
    description = jira_rows[1][3]
    assert description.count("{noformat}") % 2 == 0
    assert "{code}" not in description
    # removing a tag must not join one: only the renderer's own {noformat} lines remain
    assert {line for line in description.splitlines() if "{noformat}" in line} == {"{noformat}"}
    azure_rows = list(
        csv.DictReader((tmp_path / "azure" / "azure-devops-import.csv").open(encoding="utf-8"))
    )
    assert "<script>" not in azure_rows[0]["Description"]
    assert "&lt;script&gt;" in azure_rows[0]["Description"]
    urls_csv = next((tmp_path / "jira" / "urls").glob("*.csv")).read_text()
    assert "\n=" not in urls_csv


# -- command line -------------------------------------------------------------------------------


def test_cli_writes_tickets_and_rejects_unknown_targets(run_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "tk"
    result = runner.invoke(app, ["tickets", str(run_file), "--target", "github", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "github" / "manifest.json").exists()
    again = runner.invoke(
        app, ["tickets", str(run_file), "-t", "github", "-o", str(out), "--only-new"]
    )
    assert again.exit_code == 0
    said = " ".join(again.output.split())
    assert "0 tickets" in said and "exported before" in said
    assert runner.invoke(app, ["tickets", str(run_file), "-t", "trello"]).exit_code == 2
    bad = runner.invoke(app, ["tickets", str(run_file), "-t", "jira", "--min-priority", "P9"])
    assert bad.exit_code == 2


def test_cli_only_new_skips_an_hreflang_cluster_a_version_joined(tmp_path: Path) -> None:
    """End to end: a crawl of an hreflang cluster, then one where a German version whose
    URL sorts first joined it (renaming the cluster, so its issue ids): `--only-new`
    exports nothing, and the tickets keep their first ids."""
    runs = [
        crawl(_versions(sets), tmp_path / name) for name, sets in (("a", CLUSTER), ("b", JOINED))
    ]
    hreflang = [
        {f"seoaudit-{i.id}" for i in run.report.issues if i.rule in ("HRF003", "HRF009")}
        for run in runs
    ]
    assert len(hreflang[0]) == 2 and not hreflang[0] & hreflang[1]  # all renamed
    runner = CliRunner()
    out = tmp_path / "tk"
    first = runner.invoke(app, ["tickets", str(runs[0].store_path), "-t", "github", "-o", str(out)])
    assert first.exit_code == 0, first.output
    args = ["tickets", str(runs[1].store_path), "-t", "github", "-o", str(out)]
    again = runner.invoke(app, [*args, "--only-new"])
    assert again.exit_code == 0, again.output
    said = " ".join(again.output.split())
    assert said.startswith("0 tickets") and "exported before" in said, said
    assert runner.invoke(app, args).exit_code == 0
    manifest = json.loads((out / github.DIR / "manifest.json").read_text())
    assert hreflang[0] <= {m["id"] for m in manifest}


def test_cli_checks_the_ticket_folder_before_any_work(
    run_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tickets -o` was only found unwritable after the run was read, judged and built
    into a report; it is checked first, as the other commands check their outputs."""

    def no_work(*args: object) -> None:
        raise AssertionError("the run was opened")

    monkeypatch.setattr("seoaudit.cli._open_run", no_work)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    runner = CliRunner()
    cases = [
        (
            ["-o", str(tmp_path / "afile")],
            f"cannot write into {tmp_path / 'afile'}: it is not a folder",
        ),
        (
            ["-o", str(tmp_path / "afile" / "sub")],
            f"cannot write into {tmp_path / 'afile' / 'sub'}: {tmp_path / 'afile'} is not a folder",
        ),
        (
            ["-o", str(tmp_path / "out"), "--state", str(tmp_path / "adir")],
            f"cannot write {tmp_path / 'adir'}: it is a folder",
        ),
    ]
    for args, expected in cases:
        answer = runner.invoke(app, ["tickets", str(run_file), "-t", "github", *args])
        assert answer.exit_code == 2, answer.output
        said = " ".join(answer.output.split())  # rich wraps long lines
        assert said == f"seoaudit: {expected}", said
    assert not (tmp_path / "out").exists()

    # A folder that cannot be written to (as root any folder can: the check is faked).
    unwritable = SimpleNamespace(access=lambda *args: False, W_OK=os.W_OK, X_OK=os.X_OK)
    monkeypatch.setattr("seoaudit.outfile.os", unwritable)
    answer = runner.invoke(
        app, ["tickets", str(run_file), "-t", "github", "-o", str(tmp_path / "adir")]
    )
    assert answer.exit_code == 2
    assert (
        " ".join(answer.output.split())
        == f"seoaudit: cannot write into {tmp_path / 'adir'}: permission denied"
    )


def test_url_lists_of_a_large_run_are_sorted_without_holding_its_findings(
    tmp_path: Path,
) -> None:
    """A large run's findings are a view of the run file: the URL lists sort them through
    a temporary SQLite file, by page value (highest first), then URL, then report order."""
    import tracemalloc

    from seoaudit.findings import Findings

    issues = [_issue(1), _issue(2)]
    count = 20_000

    def findings() -> Any:
        for i in range(count):
            yield Finding(
                rule="HTTP001",
                name="broken-internal-url",
                severity="warning",
                url=f"{ORIGIN}/p/{i % 7000}.html",
                message=f"seen {i}",
                evidence={"n": i},
                issue=issues[i % 2].id,
            )

    report = _synthetic(issues)
    report.findings = Findings(source=findings, length=count)
    tracemalloc.start()
    result = tickets.export(
        report, REGISTRY, "github", tmp_path, value_of=lambda url: float(len(url) % 3)
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, peak  # a Finding held per row: ~20 MB
    for ticket, mine in zip(result.tickets, (0, 1), strict=True):
        rows = list(csv.DictReader((tmp_path / ticket.urls_file).open(encoding="utf-8")))
        expected = sorted(
            (i for i in range(count) if i % 2 == mine),
            key=lambda i: (-float(len(f"{ORIGIN}/p/{i % 7000}.html") % 3), f"/p/{i % 7000}."),
        )
        assert [r["message"] for r in rows] == [f"seen {i}" for i in expected]
        assert rows[0]["page_value"] == "2.0000"


def test_an_interrupted_write_keeps_the_export_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A full disk (or Ctrl-C) while the record is written: the record of what was already
    # exported must survive whole, or --only-new would export every ticket again.
    tickets.export(_synthetic([_issue(1)]), REGISTRY, "jira", tmp_path, only_new=True)
    record = tmp_path / "tickets-exported.json"
    before = record.read_text()
    real_open = Path.open

    class _DiskFull(io.StringIO):
        def __init__(self, real: Any) -> None:
            super().__init__()
            self.real = real

        def write(self, text: str) -> int:
            self.real.write(text[:10])
            self.real.close()
            raise OSError(28, "No space left on device")

        def __exit__(self, *exc: object) -> None:
            self.real.close()

    def failing_open(path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(path, mode, *args, **kwargs)
        return _DiskFull(handle) if path.name.startswith(record.name) and "w" in mode else handle

    monkeypatch.setattr(Path, "open", failing_open)
    with pytest.raises(OSError):
        tickets.export(_synthetic([_issue(1), _issue(2)]), REGISTRY, "jira", tmp_path)
    monkeypatch.undo()
    assert record.read_text() == before
    assert sorted(tmp_path.glob("tickets-exported.json*")) == [record]  # no temporary file
    again = tickets.export(
        _synthetic([_issue(1), _issue(2)]), REGISTRY, "jira", tmp_path, only_new=True
    )
    assert [t.id for t in again.tickets] == ["seoaudit-000000000002"]


@pytest.mark.parametrize(
    ("target", "name"),
    [
        ("jira", "jira-import.csv"),
        ("azure", "azure-devops-import.csv"),
        ("gitlab", "gitlab-import.csv"),
        ("github", "seoaudit-"),  # an issue body, github/seoaudit-<id>.md
        ("jira", "seoaudit-"),  # a URL list, urls/seoaudit-<id>.csv
    ],
)
def test_a_failed_write_leaves_no_half_ticket_file(
    target: str, name: str, run_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ticket files were written in place: a full disk midway left half an import
    file, which a tracker imports as fewer tickets (or a cut last one) without a word."""
    real_open = Path.open

    def failing_open(path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(path, mode, *args, **kwargs)
        if "w" in mode and path.name.startswith(name):
            handle.write("Summary,Is")  # part of the file reaches the disk, then it is full
            handle.close()
            raise OSError(28, "No space left on device")
        return handle

    monkeypatch.setattr(Path, "open", failing_open)
    out = tmp_path / "tk"
    answer = CliRunner().invoke(app, ["tickets", str(run_file), "-t", target, "-o", str(out)])
    monkeypatch.undo()
    assert answer.exit_code == 2, answer.output
    said = "".join(answer.output.splitlines())  # rich wraps long lines, spaces kept
    assert re.fullmatch(  # the one line, naming the file (not its temporary twin)
        rf"seoaudit: cannot write {re.escape(str(out))}/(\w+/)?{re.escape(name)}[\w.-]*(?<!\.tmp): "
        "No space left on device",
        said,
    ), answer.output
    assert not [p for p in out.rglob(f"{name}*") if p.is_file()]  # neither half nor .tmp
    assert not (out / "tickets-exported.json").exists()  # nothing counted as exported


def test_one_affected_url_is_said_in_the_singular_in_every_markup() -> None:
    """Jira and Azure said "1 URLs" where GitHub said "1 URL"."""
    one = _synthetic([_issue(1, urls=[f"{ORIGIN}/only.html"])])
    ticket = tickets.build_tickets(one, REGISTRY)[0]
    for body in (markdown(ticket, 10_000), jira_markup(ticket, 10_000), html_body(ticket, 10_000)):
        assert "1 URL · id" in body or "1 URL</" in body or "· 1 URL ·" in body, body[:300]
        assert "1 URLs" not in body


def test_a_missing_validator_ticket_shows_what_the_response_sent(tmp_path: Path) -> None:
    """PERF005's evidence was two None values, which every renderer drops: the ticket said
    "(none recorded)" where the point is what the response did send."""
    from tests.sites import crawl

    report = crawl({"/": {"body": "<title>home</title>"}}, tmp_path).report
    [ticket] = [t for t in tickets.build_tickets(report, REGISTRY) if t.issue.rule == "PERF005"]
    body = markdown(ticket, github.BODY_MAX)
    assert "(none recorded)" not in body
    assert "etag: not sent" in body and "cache_control: not sent" in body


def test_evidence_of_a_missing_element_says_none_rather_than_nothing(tmp_path: Path) -> None:
    """A page without a meta description or title has the empty list as its evidence,
    which every renderer dropped: the ticket and the HTML report said "(none recorded)" /
    "None recorded." where the evidence is that there are none."""
    from seoaudit.report import html
    from tests.sites import crawl

    report = crawl({"/": {"body": "<p>text</p>"}}, tmp_path).report
    built = {t.issue.rule: t for t in tickets.build_tickets(report, REGISTRY)}
    for rule, field in (("ONP001", "titles"), ("ONP006", "meta_descriptions")):
        body = markdown(built[rule], github.BODY_MAX)
        assert "(none recorded)" not in body
        assert f"{field}: none" in body
    page = html.render(report)
    onp006 = page[page.index(f'id="issue-{built["ONP006"].issue.id}"') :]
    assert "<th>meta_descriptions</th><td><code>none</code>" in onp006[:20_000]


@pytest.mark.e2e
def test_a_tickets_check_passes_once_its_issue_is_fixed_while_other_tickets_remain(
    tmp_path: Path,
) -> None:
    """Two IDX001 issues (a template's meta robots, another's googlebot meta) are two
    tickets. The acceptance command was the rule's: fixing one ticket still exited 1 on
    the other's finding. It now judges the ticket's issue alone (`--issue`)."""
    from seoaudit.devserver import SiteServer

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        '<title>home page of the shop</title><a href="/a.html">a</a><a href="/b.html">b</a>'
    )
    (site / "a.html").write_text('<meta name="robots" content="noindex"><title>a</title>')
    (site / "b.html").write_text('<meta name="googlebot" content="none"><title>b</title>')
    with SiteServer(site) as server:
        base = server.base_url
        (site / "robots.txt").write_text(f"Sitemap: {base}/sitemap.xml\n")
        locs = "".join(f"<url><loc>{base}/{p}</loc></url>" for p in ("a.html", "b.html"))
        (site / "sitemap.xml").write_text(f"<urlset>{locs}</urlset>")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEOAUDIT_")}
        work = tmp_path / "work"
        work.mkdir()
        assert shell(f"seoaudit audit {base}/ -q --run-dir runs", work, env).returncode == 1
        report = build_report(Store(next((work / "runs").glob("*.sqlite"))))
        built = [t for t in tickets.build_tickets(report, REGISTRY) if t.issue.rule == "IDX001"]
        assert len(built) == 2
        meta = next(t for t in built if "/a.html" in t.issue.sample_urls[0])
        check = next(line for line in meta.acceptance if "--issue" in line)
        command = check.split("`")[1]
        assert command == meta.verify[-1] and f"--issue {meta.id}" in command
        assert shell(command, work, env).returncode == 1  # not fixed yet
        (site / "a.html").write_text("<title>a</title>")  # the fix of this ticket
        fixed = shell(command, work, env)
        assert fixed.returncode == 0, (fixed.stdout, fixed.stderr)
        assert f"issue {meta.id} is not in this run" in fixed.stderr  # said, even with -q
        # the report of the check counts what it shows: this issue, not the run's others
        shown = shell(command.replace(" -q", " -f json -o check.json"), work, env)
        assert shown.returncode == 0, shown.stderr
        summary = json.loads((work / "check.json").read_text())["summary"]
        assert (summary["issues"], summary["findings"]) == (0, 0)
        assert summary["only_issue"] == meta.id
        rule_wide = command.replace(f" --issue {meta.id}", "")
        assert shell(rule_wide, work, env).returncode == 1  # the other ticket's noindex
    bad = shell("seoaudit audit http://127.0.0.1:9/ --issue nonsense", work, env)
    assert bad.returncode == 2 and "--issue" in bad.stderr


def test_evidence_reads_without_seoaudits_internal_names(tmp_path: Path) -> None:
    """SD006's evidence said "item: 0:$" (a block index and JSON path); a list of 10 of
    24 linking pages said "(+5 more)", as if 10 were all."""
    item = {"type": "Product", "item": "0:$", "block": 1}
    nested = {"item": "1:$.offers[0]"}
    assert dict(shown_evidence(item, 12))["item"] == "block 1, top level"
    assert dict(shown_evidence(nested, 12))["item"] == "block 2, at offers[0]"
    keyed = {"item": "https://shop.test/p#product"}  # an @id is what the page says
    assert dict(shown_evidence(keyed, 12))["item"] == keyed["item"]
    sample = [f"{ORIGIN}/p/{i}" for i in range(10)]
    issue = _issue(1, evidence={"inlinks": 24, "linked_from": sample})
    ticket = tickets.build_tickets(_synthetic([issue]), REGISTRY)[0]
    assert dict(ticket.evidence)["linked_from"].endswith("(first 5 of 10 recorded)")


@pytest.mark.e2e
def test_a_tickets_checks_audit_as_the_run_did(tmp_path: Path) -> None:
    """A run audited `--as bingbot` found /private/ blocked for Bingbot; its ticket's
    checks audited as Googlebot (allowed there) and exited 0 unfixed."""
    from seoaudit.devserver import SiteServer

    site = tmp_path / "site"
    (site / "private").mkdir(parents=True)
    (site / "index.html").write_text(
        '<title>home page of the shop</title><a href="/private/a.html">a</a>'
        '<a href="/about.html">about</a>'
    )
    (site / "about.html").write_text('<title>about</title><a href="/private/a.html">a</a>')
    (site / "private" / "a.html").write_text("<title>a</title>")
    (site / "robots.txt").write_text("User-agent: bingbot\nDisallow: /private/\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEOAUDIT_")}
    work = tmp_path / "work"
    work.mkdir()
    with SiteServer(site) as server:
        base = server.base_url
        args = f"{base}/ --as bingbot --exclude '/about\\.html$' -q --run-dir runs"
        shell(f"seoaudit audit {args}", work, env)
        report = build_report(Store(next((work / "runs").glob("*.sqlite"))))
        [ticket] = [t for t in tickets.build_tickets(report, REGISTRY) if t.issue.rule == "ROB008"]
        check = ticket.verify[-1]
        assert " --as bingbot " in check and " --exclude " in check
        assert shell(check, work, env).returncode == 1  # still blocked for Bingbot
        robots = next(c for c in ticket.verify if c.startswith("seoaudit robots"))
        assert robots.endswith("--as bingbot")
        assert shell(robots, work, env).returncode == 1  # "blocked", as the finding says
        (site / "robots.txt").write_text("User-agent: bingbot\nDisallow: /search\n")
        assert shell(check, work, env).returncode == 0


def test_a_group_a_fix_renames_keeps_a_rule_wide_check() -> None:
    """DUP002 names its group by the text it shares: editing that text renames the issue,
    so `--issue` passed while the pages stayed near duplicates."""
    from seoaudit.ruledoc import audit_command

    for rule in ("DUP001", "DUP002", "HRF003", "HTTP008"):
        assert "--issue" not in audit_command(ORIGIN + "/", rule, "0123456789ab")
    assert "--issue seoaudit-0123456789ab" in audit_command(ORIGIN + "/", "IDX001", "0123456789ab")
