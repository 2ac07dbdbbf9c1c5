"""CI-native reports: JUnit XML, GitLab Code Quality, GitHub annotations, the Markdown job
summary and SARIF; escaping of crawled text; GitHub's per-step limits; determinism."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

from seoaudit import gate
from seoaudit.config import Budget, Kpi, Settings, Suppression
from seoaudit.models import Finding, Issue, Report, RunInfo, ScoreInputs
from seoaudit.report import WRITERS, github, markdown
from tests.sites import crawl

SITE = "https://shop.example"
HOSTILE = "Title | with ::error::pwned\n::warning::x <b>&amp; *bold* `code`\x00\x1b[31m"


def _finding(rule: str, path: str, severity: str, message: str = "problem") -> Finding:
    return Finding(
        rule=rule,
        name="a-problem",
        severity=severity,  # type: ignore[arg-type]
        url=SITE + path,
        message=message,
    )


def _report(findings: list[Finding], **settings: Any) -> Report:
    run = RunInfo(
        run_id="20260601-000000-shop",
        tool_version="0.1.0",
        start_urls=[SITE + "/"],
        state="complete",
        pages_fetched=40,
    )
    issues = [
        Issue(
            id=f"i{n}",
            rule=f.rule,
            name=f.name,
            severity=f.severity,
            title=f.message,
            count=1,
            sample_urls=[f.url],
            impact=float(100 - n),
            priority="P1",
            score=ScoreInputs(severity_weight=10, affected=1, page_value_sum=1, formula="x"),
        )
        for n, f in enumerate(findings)
    ]
    report = Report(run=run, findings=findings, issues=issues, summary={"kpis": {}})
    result = gate.evaluate(report, Settings(**settings), today=date(2026, 6, 1))
    report.gate = result.model_dump(mode="json")
    return report


def _render(fmt: str, report: Report) -> str:
    out = io.StringIO()
    WRITERS[fmt](report, out)
    return out.getvalue()


def _mixed() -> Report:
    findings = [_finding("HTTP002", f"/p/{i}", "error", HOSTILE) for i in range(25)]
    findings += [_finding("HTTP001", f"/w/{i}", "warning") for i in range(3)]
    findings.append(_finding("HTTP006", "/legacy/x", "notice"))
    return _report(
        findings,
        budgets=[
            Budget(name="server errors", rules=["HTTP002"], max_count=0),
            Budget(name="chains", rules=["HTTP006"], max_count=0, level="warn"),
        ],
        kpis=[Kpi(metric="indexable_share", min=0.9)],
        suppress=[Suppression(urls="/legacy/", reason="old")],
    )


def test_every_ci_format_is_deterministic_and_registered() -> None:
    report = _mixed()
    for fmt in ("junit", "gitlab", "github", "markdown", "sarif"):
        assert _render(fmt, report) == _render(fmt, report)


def test_junit_one_test_case_per_check_with_top_urls() -> None:
    root = ET.fromstring(_render("junit", _mixed()))
    suite = root.find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {
        "no error-or-worse findings",
        "server errors",
        "chains",
        "indexable share",
    }
    failure = cases["server errors"].find("failure")
    assert failure is not None and failure.get("message") == "25 findings > 0"
    assert f"HTTP002 {SITE}/p/" in (failure.text or "")
    assert "\x00" not in (failure.text or "") and "\x1b" not in (failure.text or "")
    assert cases["chains"].find("failure") is None  # warn level: passes, says WARN
    assert cases["chains"].find("system-out") is not None
    # suppressed: the chain on /legacy/ does not count
    assert "0 findings" in (cases["chains"].findtext("system-out") or "")
    assert cases["indexable share"].find("skipped") is not None  # nothing measured
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("4", "2", "1")


def test_junit_inconclusive_run_is_an_error_case() -> None:
    report = _mixed()
    report.run.state = "failed"
    report.run.message = "no start URL could be fetched"
    report.gate = gate.evaluate(report, Settings()).model_dump(mode="json")
    root = ET.fromstring(_render("junit", report))
    assert root.get("errors") == "1"
    error = root.find("testsuite/testcase/error")
    assert error is not None and error.get("message") == "no start URL could be fetched"


def test_gitlab_code_quality_entries() -> None:
    entries = json.loads(_render("gitlab", _mixed()))
    assert len(entries) == 28  # the suppressed finding is left out
    first = entries[0]
    assert set(first) >= {"description", "check_name", "fingerprint", "severity", "location"}
    assert first["severity"] == "critical" and first["check_name"] == "HTTP002"
    assert first["location"] == {"path": "/p/0", "lines": {"begin": 1}}
    assert len({e["fingerprint"] for e in entries}) == 28
    assert "\n" not in first["description"] and "\x00" not in first["description"]


def test_github_annotations_respect_the_per_step_limits_and_escape() -> None:
    text = _render("github", _mixed())
    lines = text.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert sum(1 for c in commands if c.startswith("::error ")) == github.PER_KIND
    assert sum(1 for c in commands if c.startswith("::warning ")) <= github.PER_KIND
    assert commands[0].startswith("::error title=SEO severity failed%3A")
    # crawled text can neither end the command nor start a new one
    assert not any(line.startswith(("::error::", "::warning::")) for line in lines)
    assert all(line.startswith(("::", "seoaudit")) for line in lines)
    assert "more annotation(s) not shown" in lines[-1]
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_with_a_clean_run_prints_only_the_verdict() -> None:
    text = _render("github", _report([]))
    assert text == f"seoaudit PASS: {SITE}/ (run 20260601-000000-shop)\n"


def test_a_gate_that_checked_nothing_is_no_pass_in_the_ci_reports() -> None:
    """--fail-on never without budgets or KPIs: the terminal says "no checks", so must CI."""
    report = _report([_finding("HTTP002", "/p/1", "error")], fail_on="never")
    assert _render("github", report).splitlines()[-1] == (
        f"seoaudit NO CHECKS: {SITE}/ (run 20260601-000000-shop)"
    )
    assert _render("markdown", report).startswith("## ➖ seoaudit: no checks · ")
    assert '<property name="verdict" value="no checks"' in _render("junit", report)


def test_markdown_summary_escapes_cells_and_stays_small() -> None:
    text = _render("markdown", _mixed())
    assert text.startswith("## ❌ seoaudit: fail")
    assert "| ❌ | server errors | error | 25 findings \\> 0 |" in text
    rows = [line for line in text.splitlines() if "HTTP002" in line and line.startswith("| error")]
    assert rows and all(row.count(" | ") == 3 for row in rows)  # the pipe in the title is escaped
    assert "<b>" not in text and "\x1b" not in text
    assert len(text.encode()) < markdown.MAX_BYTES
    huge = _report([_finding("HTTP002", f"/{i}", "error", "x" * 400) for i in range(3000)])
    assert len(markdown.render(huge).encode()) <= markdown.MAX_BYTES + 100


def test_a_pipe_in_a_url_does_not_split_a_markdown_table_cell() -> None:
    # "|" is no URL code point in a host or path as normalised, but a stored run or an
    # external URL may hold one; GitHub splits table cells on it even inside code spans
    assert markdown.code("http://a|b.example/x") == "`http://a\\|b.example/x`"
    report = _report([_finding("HTTP002", "/a|b", "error")], fail_on="error")
    lines = _render("markdown", report).splitlines()
    rows = [line for line in lines if line.startswith("|") and "/a\\|b" in line]
    assert rows and all(row.replace("\\|", "").count("|") == 5 for row in rows)


def test_sarif_results_with_fingerprints_and_suppressions() -> None:
    log = json.loads(_render("sarif", _mixed()))
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "seoaudit"
    assert len(run["results"]) == 29
    first = run["results"][0]
    assert first["level"] == "error" and "seoaudit/v1" in first["partialFingerprints"]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == f"{SITE}/p/0"
    assert run["results"][-1]["suppressions"] == [{"kind": "external", "status": "accepted"}]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_reports_without_a_gate_result_use_the_default_gate() -> None:
    report = _report([_finding("HTTP002", "/a", "error")])
    report.gate = None
    root = ET.fromstring(_render("junit", report))
    assert root.get("failures") == "1"
    assert "seoaudit FAIL" in _render("github", report)


def test_ranked_writes_worst_severity_first_and_suppressed_last() -> None:
    from seoaudit.report.ci_view import view

    ci = view(_mixed())
    with ci.ranked(lambda i: f"{i.finding.severity}:{i.status}:{i.finding.url}", sep="\n") as r:
        out = io.StringIO()
        r.write_to(out)
    lines = out.getvalue().split("\n")
    assert r.count == len(lines) == 29
    order = [(line.split(":")[1] == "suppressed", line.split(":")[0]) for line in lines]
    rank = {"error": 0, "warning": 1, "notice": 2}
    assert order == sorted(order, key=lambda o: (o[0], rank[o[1]]))
    assert lines[-1] == f"notice:suppressed:{SITE}/legacy/x"
    errors = [line.rsplit(":", 1)[1] for line in lines if line.startswith("error")]
    assert errors == [f"//shop.example/p/{i}" for i in range(25)]  # report order kept


def test_worst_keeps_what_a_full_sort_would_keep() -> None:
    from seoaudit.findings import Findings
    from seoaudit.report.ci_view import _rank, view

    rng = __import__("random").Random(11)
    severities = ["error", "warning", "notice"]
    findings = [
        _finding(f"R{rng.randrange(6):03}", f"/{rng.randrange(80)}", severities[rng.randrange(3)])
        for _ in range(2000)
    ]
    report = _report(findings[:40])  # issues for the first 40: the others weigh 0
    report.findings = Findings(source=lambda: iter(findings), length=len(findings))
    ci = view(report)
    worst = ci.worst(7)
    everything = sorted(ci.items(), key=_rank)
    expected = [i for s in severities for i in everything if i.finding.severity == s][:7]
    for severity in severities:
        got = [i.finding for i in worst.items if i.finding.severity == severity]
        want = [i.finding for i in everything if i.finding.severity == severity][:7]
        assert got == want, severity
    assert worst.items[:7] == expected
    assert worst.counts == {s: sum(f.severity == s for f in findings) for s in severities}


def test_ci_formats_do_not_hold_a_large_runs_findings(tmp_path: Any, monkeypatch: Any) -> None:
    """A large run's findings are a view of the run file; the CI writers read it in one pass
    and keep only what they show (and spool the rest to disk), never one item per finding."""
    import tracemalloc

    from seoaudit.findings import Findings
    from seoaudit.report import ci_view

    monkeypatch.setattr(ci_view, "SPOOL_IN_MEMORY", 16 * 1024)
    count = 20_000
    report = _mixed()
    report.findings = Findings(
        source=lambda: (
            _finding(
                "HTTP002" if i % 3 else "HTTP001", f"/many/{i}", "error" if i % 3 else "warning"
            )
            for i in range(count)
        ),
        length=count,
    )
    for fmt in ("sarif", "gitlab", "github", "markdown", "junit"):
        path = tmp_path / f"out.{fmt}"
        tracemalloc.start()
        with path.open("w", encoding="utf-8") as out:
            WRITERS[fmt](report, out)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 3 * 1024 * 1024, (fmt, peak)  # one item per finding: ~20 MB
    log = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    results = log["runs"][0]["results"]
    assert len(results) == count
    assert [r["level"] for r in results[:2]] == ["error", "error"]
    assert results[-1]["level"] == "warning"
    rules = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results)
    assert len(json.loads((tmp_path / "out.gitlab").read_text(encoding="utf-8"))) == count
    summary = (tmp_path / "out.markdown").read_text(encoding="utf-8")
    assert f"### Findings ({count}, worst first)" in summary


def test_sarif_and_gitlab_without_findings_are_empty_lists() -> None:
    report = _report([])
    assert json.loads(_render("sarif", report))["runs"][0]["results"] == []
    assert _render("gitlab", report) == "[]\n"


def test_each_writer_reads_a_large_runs_findings_once_at_most() -> None:
    from seoaudit.findings import Findings

    findings = [_finding("HTTP002", f"/p/{i}", "error") for i in range(5)]
    passes: list[int] = []

    def source() -> Any:
        passes.append(1)
        return iter(findings)

    for gated in (True, False):
        report = _report(findings)
        if not gated:
            report.gate = None  # `seoaudit report RUN -f FORMAT`: the default gate
        report.findings = Findings(source=source, length=len(findings))
        for fmt, expected in (("sarif", 1), ("gitlab", 1), ("github", 1), ("junit", 0)):
            passes.clear()
            _render(fmt, report)
            if not gated and fmt in ("github", "junit"):
                expected += 1  # the default gate counts the errors
            assert len(passes) == expected, (fmt, gated)


def test_ranked_keeps_the_rendered_text_as_it_is() -> None:
    from seoaudit.report.ci_view import Ranked

    with Ranked(sep="|") as ranked:
        ranked.add((False, 1), "b\r\nc")
        ranked.add((False, 0), "a\rx")
        ranked.add((True, 0), "z")
        ranked.add((False, 0), "a2")
        out = io.StringIO()
        ranked.write_to(out)
    assert out.getvalue() == "a\rx|a2|b\r\nc|z" and ranked.count == 4


def test_markdown_counts_urls_fetched_as_the_other_reports(tmp_path: Path) -> None:
    """The Markdown summary said 41 URLs fetched where the terminal, HTML and JSON said 44:
    it counted a redirect chain once (``run.pages_fetched``), they count every hop."""
    pages = {
        "/": {"body": '<title>home</title><a href="/old">old</a>'},
        "/old": {"status": 301, "headers": {"Location": "/new"}},
        "/new": {"body": "<title>new</title>"},
    }
    report = crawl(pages, tmp_path).report
    fetched = report.summary["fetched"]
    assert fetched == 3 and report.run.pages_fetched == 2  # the two counts differ here
    assert f"{fetched} URLs fetched" in _render("markdown", report)


def test_counts_in_messages_agree_with_their_noun(tmp_path: Path) -> None:
    pages = {"/": {"body": '<title>home</title><a href="/gone">gone</a>'}}
    [broken] = [f for f in crawl(pages, tmp_path).report.findings if f.rule == "HTTP001"]
    assert broken.message == "Internal URL answers 404 (linked from 1 page)"
