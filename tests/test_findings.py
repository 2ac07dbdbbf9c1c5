"""``Findings``: a run's findings held as a list, or read from the run file on each pass.
A large run's report must be the same, byte for byte, as if its findings were in memory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from seoaudit import findings as findings_module
from seoaudit.cli import app
from seoaudit.devserver import SiteServer
from seoaudit.findings import Findings
from seoaudit.impact import build_issues, group_issues
from seoaudit.models import Finding
from seoaudit.store import Store

ROOT = Path(__file__).resolve().parent.parent


def _finding(rule: str, url: str, cause: str | None = None, severity: str = "warning") -> Finding:
    return Finding(
        rule=rule, name="x-y", severity=severity, url=url, message=f"{rule} on {url}", cause=cause
    )


def _view(items: list[Finding]) -> Findings:
    """A view that, like the run file's, builds new objects on every pass."""
    return Findings(source=lambda: (f.model_copy() for f in items), length=len(items))


def test_a_list_and_a_view_read_alike() -> None:
    items = [_finding("A001", f"https://a.test/{i}") for i in range(5)]
    held, view = Findings(items), _view(items)
    assert not held.lazy and view.lazy
    for found in (held, view):
        assert len(found) == 5
        assert list(found) == items and list(found) == items  # read twice
        assert found[0] == items[0] and found[-1] == items[4] and found[2] == items[2]
        assert found[1:3] == items[1:3] and found[::2] == items[::2]
        assert found == items and items == found and found != items[:4]
        with pytest.raises(IndexError):
            found[5]


def test_map_drops_and_keeps_the_length_it_is_told() -> None:
    items = [_finding("A001", f"https://a.test/{i}") for i in range(6)]
    for found in (Findings(items), _view(items)):
        even = found.map(lambda f: f if f.url[-1] in "024" else None)
        assert [f.url[-1] for f in even] == ["0", "2", "4"] and len(even) == 3
        marked = found.map(lambda f: f.model_copy(update={"issue": "i"}), drops=False)
        assert len(marked) == 6 and {f.issue for f in marked} == {"i"}


def test_a_view_applies_its_map_on_every_pass() -> None:
    calls: list[str] = []
    view = _view([_finding("A001", "https://a.test/")])

    def note(finding: Finding) -> Finding:
        calls.append(finding.url)
        return finding

    mapped = view.map(note)
    assert len(mapped) == 1  # counted once (a pass), then known
    calls.clear()
    list(mapped)
    list(mapped)
    assert calls == ["https://a.test/", "https://a.test/"]


def test_unordered_findings_are_sorted_by_rule_and_url_ordered_ones_are_not() -> None:
    b, a = _finding("B001", "https://a.test/1"), _finding("A001", "https://a.test/2")
    assert list(Findings.by_rule_and_url([b, a])) == [a, b]
    ordered = Findings([b, a], ordered=True)  # as the run file says
    assert Findings.by_rule_and_url(ordered) is ordered


def test_issues_from_a_view_equal_issues_from_a_list() -> None:
    items = sorted(
        [_finding("A001", f"https://a.test/{i % 7}", cause=f"c{i % 3}") for i in range(40)]
        + [_finding("B002", f"https://a.test/{i}", severity="error") for i in range(3)],
        key=lambda f: (f.rule, f.url, f.cause or "", f.message),
    )
    held = build_issues([f.model_copy() for f in items], None)
    view = Findings(source=lambda: (f.model_copy() for f in items), ordered=True)
    issues, assign = group_issues(view, None)
    assert [i.model_dump() for i in issues] == [i.model_dump() for i in held]
    by_key = {(i.rule, i.cause): i.id for i in issues}
    assert all(assign(f).issue == by_key[(f.rule, f.cause)] for f in view)
    assert {i.count for i in issues if i.rule == "A001"} == {7}  # distinct URLs, not findings


def test_store_holds_few_findings_and_views_many(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "run.sqlite", create=True)
    items = [_finding("B001", f"https://a.test/{i}") for i in range(3)]
    items.append(_finding("A001", "https://a.test/z"))
    store.replace_findings(items, [])
    held = store.findings()
    assert not held.lazy and [f.rule for f in held] == ["A001", "B001", "B001", "B001"]
    only_b = store.findings("B", held=False)  # one rule family, as a view however few
    assert only_b.lazy and len(only_b) == 3 and {f.rule for f in only_b} == {"B001"}
    assert list(store.findings("A0")) == [items[3]] and not store.findings("C")
    monkeypatch.setattr(findings_module, "IN_MEMORY", 2)
    view = store.findings()
    assert view.lazy and len(view) == 4
    store.close()  # a view has a connection of its own
    assert view == held and list(view) == list(held)


# -- the CLI over a real run, findings held or read from the run file -------------------------


@pytest.fixture(scope="module")
def stored_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("findings")
    with SiteServer(ROOT / "fixtures" / "basic") as server:
        result = CliRunner().invoke(
            app, ["audit", server.base_url + "/", "-q", "--run-dir", str(work / "runs")]
        )
    assert result.exit_code in (0, 1), result.output
    yield work


def _outputs(work: Path, out: Path) -> dict[str, Any]:
    """Every report a stored run gives: formats, the gate with budgets and a baseline,
    tickets."""
    runner = CliRunner()
    runs = str(work / "runs")
    formats = ["json", "csv", "sarif", "markdown", "junit", "gitlab", "html", "urls-csv"]
    args = ["report", "latest", "--run-dir", runs]
    for fmt in formats:
        args += ["-f", fmt, "-o", str(out / f"report.{fmt}")]
    assert runner.invoke(app, args).exit_code == 0
    check = [
        "check", "latest", "--config", str(work / "seoaudit.toml"), "--run-dir", runs,
        "--baseline", str(work / "baseline.txt"), "-f", "json", "-o", str(out / "check.json"),
        "--report", f"markdown={out / 'check.md'}",
    ]  # fmt: skip
    checked = runner.invoke(app, check)
    assert checked.exit_code in (0, 1), checked.output
    exit_code = checked.exit_code
    tickets = ["tickets", "latest", "-t", "github", "-o", str(out / "tickets"), "--run-dir", runs]
    assert runner.invoke(app, tickets).exit_code == 0
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "tickets-exported.json")
    return {"exit": exit_code, **{str(p.relative_to(out)): p.read_bytes() for p in files}}


def test_reports_read_from_the_run_file_equal_those_held_in_memory(
    stored_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = stored_run
    (work / "seoaudit.toml").write_text(
        'fail_on = "warning"\n'
        '[[budgets]]\nrules = ["HTTP"]\nmax_count = 0\n'
        '[[budgets]]\nrules = ["ONP"]\nmax_share = 0.01\nmax_new = 0\n'
        '[[suppress]]\nrules = ["ONP"]\nreason = "known"\n',
        encoding="utf-8",
    )
    runs = str(work / "runs")
    # A baseline of part of the run: its other findings are new, some of it fixed.
    made = CliRunner().invoke(
        app, ["baseline", "create", "latest", "--baseline", str(work / "baseline.txt"),
              "--run-dir", runs, "--force"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    lines = (work / "baseline.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for i, line in enumerate(lines) if line.startswith("#") or i % 2]
    extra = "0123456789abcdef  # HTTP001 /gone.html\n"
    (work / "baseline.txt").write_text("".join(kept) + extra, encoding="utf-8")

    (tmp_path / "held").mkdir()
    held = _outputs(work, tmp_path / "held")
    monkeypatch.setattr(findings_module, "IN_MEMORY", 0)
    (tmp_path / "view").mkdir()
    view = _outputs(work, tmp_path / "view")
    assert held.keys() == view.keys() and len(held) > 10
    for name in held:
        assert held[name] == view[name], name
    checked = json.loads(held["check.json"])
    assert held["exit"] == 1 and checked["gate"]["verdict"] == "fail"
    assert {c["kind"] for c in checked["gate"]["checks"]} == {"severity", "budget"}
    assert "persisting" in checked["gate"]["status"].values()
    assert checked["gate"]["baseline"]["new"] > 0 and checked["gate"]["suppressed"] > 0


def test_the_gate_keeps_the_worst_findings_as_a_full_sort_would() -> None:
    """Bounded as findings pass (at most n kept per issue), and the lines are what a full
    sort gives: each issue's findings in order, issues by their worst, taken round-robin."""
    from seoaudit.gate import _Worst

    rng = __import__("random").Random(7)
    severities = ["error", "warning", "notice"]
    seen = [
        _finding(f"R{rng.randrange(5):03}", f"https://a.test/{rng.randrange(50)}", f"c{i % 4}",
                 severities[rng.randrange(3)])
        for i in range(1000)
    ]  # fmt: skip
    impact = {(f"R{r:03}", f"c{c}"): float(r * c % 3) for r in range(5) for c in range(4)}
    worst = _Worst(10, impact)
    for finding in seen:
        worst.add(finding)
    assert all(len(kept.items()) <= 10 for kept in worst.by_issue.values())
    groups: dict[str, list[Finding]] = {}
    for finding in seen:
        groups.setdefault(f"{finding.rule} {finding.cause}", []).append(finding)
    ordered = sorted(
        (sorted(g, key=worst._key) for g in groups.values()), key=lambda g: worst._key(g[0])
    )
    expected = [g[rank] for rank in range(10) for g in ordered if rank < len(g)][:10]
    lines = worst.lines()
    assert lines[:10] == [f"{f.rule} {f.url}: {f.message}" for f in expected]
    assert lines[10] == f"... and 990 more findings ({len(groups)} issues)"


def test_baseline_counts_each_fingerprint_once_even_when_apart() -> None:
    from seoaudit import baseline

    base = "https://site.test"
    # relative() takes the origin out of the whole URL: "?to=https://site.test/x" and
    # "?to=/x" are one fingerprint, and "?to=/y" sorts between them in report order.
    items = [_finding("HTTP001", base + u) for u in ("/r?to=/x", "/r?to=/y", f"/r?to={base}/x")]
    assert len({baseline.fingerprint(f, base) for f in items}) == 2
    ordered = Findings(items, ordered=True)
    cover = baseline.Coverage.of(lambda _url: True, {"HTTP001"}, [])
    assert baseline.compare(ordered, {}, base, cover).new == 2
    entries = {e.fingerprint: e for e in baseline.entries_for(items, base)}
    again = baseline.compare(ordered, entries, base, cover)
    assert (again.new, again.count("persisting"), again.fixed) == (0, 2, [])
    assert again.of(baseline.fingerprint(items[0], base)) == "persisting"
    assert baseline.compare(ordered, entries, base, cover, set(entries)).count("persisting") == 0


def test_a_finding_stays_within_the_smaller_dict_size() -> None:
    """A report holds ~100,000 findings at 20,000 pages: an 11th field grew each one's
    dict from 272 to 464 bytes (the report's peak 257 -> 276 MB). A fixed identity per
    rule is a table (models.IDENTITY_BY_RULE), not a field."""
    import sys

    finding = Finding(rule="X001", name="x", severity="error", url="https://a/", message="m")
    ten = {str(i): i for i in range(10)}
    assert sys.getsizeof(finding.__dict__) <= sys.getsizeof(ten)
