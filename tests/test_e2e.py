"""End to end: the real `seoaudit` CLI, in a subprocess, against a real HTTP server on
127.0.0.1 serving a fixture site from files (statuses and redirects from _site.toml)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from seoaudit.devserver import SiteServer

ROOT = Path(__file__).resolve().parent.parent
BASIC = ROOT / "fixtures" / "basic"
pytestmark = pytest.mark.e2e


def seoaudit(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    return subprocess.run(
        [sys.executable, "-m", "seoaudit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.fixture(scope="module")
def basic_site() -> Iterator[str]:
    with SiteServer(BASIC) as server:
        yield server.base_url


@pytest.fixture(scope="module")
def basic_run(basic_site: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("basic")
    proc = seoaudit(
        "audit",
        basic_site + "/",
        "-f",
        "json",
        "-o",
        "report.json",
        "-f",
        "csv",
        "-o",
        "report.csv",
        "-q",
        "--run-dir",
        "runs",
        cwd=work,
    )
    report = json.loads((work / "report.json").read_text())
    return {"proc": proc, "report": report, "work": work, "base": basic_site}


def _rules(report: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in report["findings"]:
        found.setdefault(finding["rule"], []).append(finding["url"])
    return found


def test_audit_finds_the_planted_problems(basic_run: dict[str, Any]) -> None:
    base = basic_run["base"]
    rules = _rules(basic_run["report"])
    assert rules["HTTP001"] == [f"{base}/missing.html"]
    assert rules["HTTP002"] == [f"{base}/error"]
    assert rules["HTTP006"] == [f"{base}/chain-a"]
    assert sorted(rules["HTTP008"]) == [f"{base}/loop-a"]
    assert rules["ROB008"] == [f"{base}/private/secret.html"]
    assert "HTTP007" not in rules


def test_single_redirect_and_healthy_pages_are_not_flagged(basic_run: dict[str, Any]) -> None:
    # Hygiene notices are expected on this tiny fixture (short titles, few words, a link to
    # a single redirect, a page only the sitemap lists); errors and warnings are not.
    base = basic_run["base"]
    report = basic_run["report"]
    flagged = {f["url"] for f in report["findings"] if f["severity"] in ("error", "warning")}
    for clean in ("/", "/about.html", "/old-about", "/only-in-sitemap.html"):
        assert f"{base}{clean}" not in flagged
    assert f"{base}/old-about" not in _rules(report).get("HTTP006", [])


def test_exit_code_1_when_an_error_issue_exists(basic_run: dict[str, Any]) -> None:
    assert basic_run["proc"].returncode == 1, basic_run["proc"].stderr
    assert basic_run["proc"].stdout == ""  # -q and every format went to a file


def test_blocked_url_names_the_robots_line_and_why_it_matters(basic_run: dict[str, Any]) -> None:
    finding = next(f for f in basic_run["report"]["findings"] if f["rule"] == "ROB008")
    assert finding["evidence"]["line"] == 2
    assert finding["evidence"]["rule"] == "Disallow: /private/"
    assert finding["severity"] == "error"
    assert "listed in a sitemap" in finding["evidence"]["why_it_matters"]
    assert finding["cause"].endswith("robots.txt: Disallow: /private/")  # no line number


def test_json_report_is_versioned_and_ranked_with_score_inputs(basic_run: dict[str, Any]) -> None:
    report = basic_run["report"]
    assert report["schema_version"] == 1
    assert report["run"]["state"] == "complete"
    ranks = [(issue["priority"], -issue["impact"]) for issue in report["issues"]]
    assert ranks == sorted(ranks)  # by priority, then impact
    for issue in report["issues"]:
        score = issue["score"]
        assert issue["impact"] == pytest.approx(
            score["severity_weight"] * score["page_value_sum"], abs=0.01
        )
        assert issue["priority"] in {"P1", "P2", "P3", "P4"}


def test_sitemap_and_redirect_discovery(basic_run: dict[str, Any]) -> None:
    report = basic_run["report"]
    assert report["summary"]["in_sitemaps"] == 4
    # the sitemap-only page, the chain hops and the loop were all fetched
    assert report["run"]["pages_fetched"] >= 8


def test_csv_has_one_row_per_finding(basic_run: dict[str, Any]) -> None:
    with (basic_run["work"] / "report.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(basic_run["report"]["findings"])
    assert {r["rule"] for r in rows} == {f["rule"] for f in basic_run["report"]["findings"]}


def test_report_from_stored_run_matches_without_recrawling(basic_run: dict[str, Any]) -> None:
    work = basic_run["work"]
    proc = seoaudit("report", "latest", "-f", "json", "--run-dir", "runs", cwd=work)
    assert proc.returncode == 0, proc.stderr
    again = json.loads(proc.stdout)
    assert again["issues"] == basic_run["report"]["issues"]
    assert again["findings"] == basic_run["report"]["findings"]


def test_console_report_lists_top_issues(basic_site: str, tmp_path: Path) -> None:
    proc = seoaudit(
        "audit", basic_site + "/", "--run-dir", "runs", "--fail-on", "never", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "Top issues" in proc.stdout
    assert "HTTP008" in proc.stdout and "ROB008" in proc.stdout


def test_ignore_robots_fetches_but_still_reports_blocked(basic_site: str, tmp_path: Path) -> None:
    proc = seoaudit(
        "audit",
        basic_site + "/",
        "--ignore-robots",
        "-f",
        "json",
        "-q",
        "--run-dir",
        "r",
        cwd=tmp_path,
    )
    report = json.loads(proc.stdout)
    assert f"{basic_site}/private/secret.html" in _rules(report)["ROB008"]


def test_max_pages_stops_and_says_so(basic_site: str, tmp_path: Path) -> None:
    proc = seoaudit(
        "audit",
        basic_site + "/",
        "--max-pages",
        "3",
        "-f",
        "json",
        "-q",
        "--run-dir",
        "r",
        cwd=tmp_path,
    )
    report = json.loads(proc.stdout)
    assert report["run"]["pages_fetched"] <= 3
    assert "max-pages" in report["run"]["message"]


def test_unreachable_start_url_exits_3_with_a_one_line_error(tmp_path: Path) -> None:
    proc = seoaudit(
        "audit",
        "http://127.0.0.1:9/",
        "-q",
        "--run-dir",
        "r",
        "--retries",
        "0",
        "-f",
        "json",
        "-o",
        "out.json",
        cwd=tmp_path,
    )
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    assert "no start URL could be audited: connect-error" in proc.stderr
    report = json.loads((tmp_path / "out.json").read_text())  # the report is still written
    assert report["run"]["state"] == "failed"


@pytest.mark.parametrize(
    "bad", ["http://", "ftp://example.com/", "http://exa mple.com/", "http://127.0.0.1:9/ http://x"]
)
def test_malformed_start_url_is_a_usage_error(bad: str, tmp_path: Path) -> None:
    proc = seoaudit("audit", bad, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_invalid_regex_is_a_usage_error(tmp_path: Path) -> None:
    proc = seoaudit("audit", "http://127.0.0.1:9/", "--include", "(", cwd=tmp_path)
    assert proc.returncode == 2
    assert "invalid regular expression" in proc.stderr


def test_rules_list_and_explain(tmp_path: Path) -> None:
    listing = seoaudit("rules", cwd=tmp_path)
    assert listing.returncode == 0
    assert "HTTP001" in listing.stdout and "ROB008" in listing.stdout
    explain = seoaudit("rules", "explain", "HTTP006", cwd=tmp_path)
    assert explain.returncode == 0
    assert "How to fix" in explain.stdout
    missing = seoaudit("rules", "explain", "NOPE999", cwd=tmp_path)
    assert missing.returncode == 2


def test_robots_verify_command(basic_site: str, tmp_path: Path) -> None:
    blocked = seoaudit("robots", basic_site + "/private/secret.html", cwd=tmp_path)
    assert blocked.returncode == 1
    assert "blocked" in blocked.stdout and "line 2: Disallow: /private/" in blocked.stdout
    allowed = seoaudit("robots", basic_site + "/about.html", "--as", "bingbot", cwd=tmp_path)
    assert allowed.returncode == 0 and allowed.stdout.startswith("allowed")
    assert "robots.txt answered 200: its rules apply" in allowed.stdout  # not "Google"'s only


def test_robots_on_a_host_that_does_not_answer_is_exit_3_not_blocked(tmp_path: Path) -> None:
    """`seoaudit robots notaurl` said "blocked" with exit 1, as a real Disallow does."""
    proc = seoaudit("robots", "http://127.0.0.1:9/page", cwd=tmp_path)
    assert proc.returncode == 3
    assert "Google assumes every URL is disallowed" in proc.stdout  # Google's reading, still
    assert "no HTTP answer from http://127.0.0.1:9 (connect-error" in proc.stderr
    assert "check the host name" in proc.stderr


def test_demo_runs_a_real_audit(tmp_path: Path) -> None:
    proc = seoaudit("demo", "-f", "json", "--run-dir", "runs", cwd=tmp_path, timeout=180)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["run"]["pages_fetched"] >= 20
    assert len(report["issues"]) >= 5
    # The demo runs with --fail-on never: no check ran, so no green PASS is printed.
    assert "Gate: no checks (--fail-on never" in proc.stderr
    assert "Gate: PASS" not in proc.stderr


def test_page_value_file_from_the_config(basic_site: str, tmp_path: Path) -> None:
    (tmp_path / "pages.csv").write_text(f"url,clicks\n{basic_site}/error,900\n{basic_site}/,10\n")
    (tmp_path / "seoaudit.toml").write_text('[impact]\npage_value_file = "pages.csv"\n')
    proc = seoaudit(
        "audit",
        basic_site + "/",
        "-f",
        "json",
        "-q",
        "--run-dir",
        "r",
        "--fail-on",
        "never",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    issues = json.loads(proc.stdout)["issues"]
    server_error = next(i for i in issues if i["rule"] == "HTTP002")
    assert server_error["score"]["value_source"].startswith("crawl+")
    assert server_error["score"]["user_metric_sum"] == 900


def test_audit_freezes_the_heap_it_starts_with(
    basic_site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Modules, schemas and settings live as long as the process: frozen before the crawl,
    # full collections during the run skip them and forked workers share their pages.
    import gc

    from typer.testing import CliRunner

    from seoaudit.cli import app

    monkeypatch.chdir(tmp_path)
    gc.unfreeze()
    result = CliRunner().invoke(app, ["audit", basic_site + "/", "-q", "--run-dir", "runs"])
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    assert result.exit_code == 1, result.output  # the fixture site has planted errors
    assert frozen > 10_000


def test_an_output_that_cannot_be_written_is_exit_2_before_the_crawl(
    basic_site: str, tmp_path: Path
) -> None:
    """A report path under a file, or a folder given as a file, was found only when the
    reports were written: after the whole crawl."""
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    proc = seoaudit(
        "audit", basic_site + "/", "-q", "--run-dir", "runs", "-f", "json", "-o", "adir",
        "--report", "junit=afile/seo.xml", "--report", "markdown=new/folder/seo.md",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    said = " ".join(proc.stderr.split())
    assert "seoaudit: cannot write adir: it is a folder" in said
    assert "seoaudit: cannot write afile/seo.xml: afile is not a folder" in said
    assert "new/folder" not in said  # missing folders are made
    assert "Traceback" not in said
    assert not (tmp_path / "runs").exists()  # nothing was crawled


def test_a_report_that_cannot_be_written_leaves_the_others_and_the_verdict(
    basic_site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One report failing when written (the disk full at the end of the crawl) stopped
    the reports after it and hid the verdict: exit 2 and one line."""
    import errno
    import gc

    from typer.testing import CliRunner

    from seoaudit.cli import app
    from seoaudit.report import WRITERS

    def disk_full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setitem(WRITERS, "junit", disk_full)
    monkeypatch.chdir(tmp_path)
    args = ["audit", basic_site + "/", "--run-dir", "runs", "-f", "json", "-o", "seo.json",
            "--report", "junit=seo.xml", "--report", "markdown=seo.md"]  # fmt: skip
    try:
        result = CliRunner().invoke(app, args)
    finally:
        gc.unfreeze()  # the audit froze this process's heap
    assert result.exit_code == 2, result.output
    assert json.loads((tmp_path / "seo.json").read_text())["gate"]["verdict"] == "fail"
    assert (tmp_path / "seo.md").read_text().strip()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs", "seo.json", "seo.md"]
    said = " ".join(result.output.split())
    assert "Run stored in" in said and "Gate: FAIL" in said
    error = "seoaudit: cannot write seo.xml: [Errno 28] No space left on device"
    assert said.count("seoaudit: cannot write") == 1
    assert said.index("Gate: FAIL") < said.index(error)  # the last line of a CI log


def test_a_report_that_cannot_be_written_keeps_the_exit_code_of_a_run_without_verdict(
    basic_site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupted run whose report could not be written exited 2, not 130: a wrapper
    that resumes on 130 gave up. Interrupted (130) and inconclusive (3) stay; the line
    naming the missing report is still printed."""
    import errno
    import gc
    import os
    import signal

    from typer.testing import CliRunner

    from seoaudit import cli
    from seoaudit.crawl.engine import CrawlStats
    from seoaudit.report import WRITERS

    def disk_full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    real_audit = cli.run_audit

    def ctrl_c_once_a_page_is_done(settings: Any, **kwargs: Any) -> Any:
        sent = False

        def on_progress(stats: CrawlStats) -> None:
            nonlocal sent
            if stats.fetched >= 1 and not sent:
                sent = True  # a second Ctrl-C would abort without reports
                os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does

        return real_audit(settings, **{**kwargs, "on_progress": on_progress})

    monkeypatch.setattr(cli, "run_audit", ctrl_c_once_a_page_is_done)
    monkeypatch.setitem(WRITERS, "junit", disk_full)
    monkeypatch.chdir(tmp_path)
    args = ["audit", basic_site + "/", "--run-dir", "runs", "--per-host", "1",
            "-f", "json", "-o", "seo.json", "--report", "junit=seo.xml"]  # fmt: skip
    try:
        result = CliRunner().invoke(cli.app, args)
    finally:
        gc.unfreeze()  # the audit froze this process's heap
    assert result.exit_code == 130, result.output
    assert json.loads((tmp_path / "seo.json").read_text())["run"]["state"] == "interrupted"
    error = "seoaudit: cannot write seo.xml: [Errno 28] No space left on device"
    assert error in " ".join(result.output.split())

    # The interrupted run judged again: inconclusive, 3 whether or not its report is written.
    args = ["check", "latest", "--run-dir", "runs", "--isolated", "--report", "junit=seo.xml"]
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 3, result.output
    assert error in " ".join(result.output.split())


def test_an_output_without_format_takes_the_format_of_its_name(
    basic_run: dict[str, Any], tmp_path: Path
) -> None:
    """`seoaudit report latest -o a.json` wrote the terminal table into a.json."""
    runs = str(basic_run["work"] / "runs")
    proc = seoaudit(
        "report", "latest", "-o", "a.json", "-o", "r.html", "--run-dir", runs, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "a.json").read_text())["run"]["run_id"]
    assert (tmp_path / "r.html").read_text().lstrip().lower().startswith("<!doctype html")
    assert "Top issues" in proc.stdout + proc.stderr  # the terminal summary, as without -o
    seoaudit("report", "latest", "-o", "s.md", "-o", "x", "--run-dir", runs, cwd=tmp_path)
    assert (tmp_path / "s.md").read_text().startswith("## ")
    assert json.loads((tmp_path / "x").read_text())  # no known suffix: JSON


def test_an_output_named_dash_is_stdout(basic_run: dict[str, Any], tmp_path: Path) -> None:
    """`-o -` wrote a file named "-" (and nothing to stdout), where `--report FORMAT=-`
    means stdout."""
    runs = str(basic_run["work"] / "runs")
    args = ["report", "latest", "-f", "console", "-f", "html", "-o", "-", "-o", "h.html"]
    proc = seoaudit(*args, "--run-dir", runs, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Top issues" in proc.stdout and (tmp_path / "h.html").exists()
    alone = seoaudit("report", "latest", "-o", "-", "--run-dir", runs, cwd=tmp_path)
    assert json.loads(alone.stdout)["run"]["run_id"]  # JSON alone: no summary mixed in
    diff = seoaudit("diff", "latest", "latest", "-o", "-", "--run-dir", runs, cwd=tmp_path)
    assert diff.returncode == 0 and diff.stdout
    assert not (tmp_path / "-").exists()


def test_a_run_id_given_twice_is_refused_not_renamed(basic_site: str, tmp_path: Path) -> None:
    """The second `--run-id before` was stored as before-2 without a word (-q), so
    `seoaudit diff before after` compared the old run."""
    args = ["audit", basic_site + "/", "--run-id", "before", "-q", "--run-dir", "runs"]
    assert seoaudit(*args, "--fail-on", "never", cwd=tmp_path).returncode == 0
    first = (tmp_path / "runs" / "before.sqlite").read_bytes()
    again = seoaudit(*args, "--fail-on", "never", cwd=tmp_path)
    assert again.returncode == 2
    assert "--run-id before: a run of that name exists" in again.stderr
    assert sorted(p.name for p in (tmp_path / "runs").glob("*.sqlite")) == ["before.sqlite"]
    assert (tmp_path / "runs" / "before.sqlite").read_bytes() == first


def test_messages_are_not_wrapped_off_a_terminal(basic_run: dict[str, Any], tmp_path: Path) -> None:
    """In a CI log (no terminal, no COLUMNS) rich cut messages at 80 columns, mid-path."""
    (tmp_path / "afile").write_text("x")
    bad = tmp_path / "afile" / ("a-long-folder-name-" * 4) / "report.json"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    runs = str(basic_run["work"] / "runs")
    args = ["report", "latest", "-f", "json", "-o", str(bad), "--run-dir", runs]
    proc = subprocess.run(
        [sys.executable, "-m", "seoaudit", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "NO_COLOR": "1"},
    )
    assert proc.returncode == 2
    assert proc.stderr == f"seoaudit: cannot write {bad}: {tmp_path / 'afile'} is not a folder\n"


def test_the_summary_keeps_its_lines_whole_off_a_terminal(
    basic_run: dict[str, Any], tmp_path: Path
) -> None:
    """A CI log (no terminal, no COLUMNS) got the summary's prose cut at 120 columns
    mid-phrase ("0 automatic / back-off(s)", "seoaudit rules explain / CODE"); the tables
    keep the 120 columns."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    runs = str(basic_run["work"] / "runs")
    proc = subprocess.run(
        [sys.executable, "-m", "seoaudit", "report", "latest", "--run-dir", runs],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "NO_COLOR": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    footprint = next(line for line in lines if line.startswith("Crawl footprint:"))
    assert footprint.endswith("automatic back-off(s)")
    limits = next(line for line in lines if line.startswith("  limits:"))
    assert limits.endswith("per fetch at most")
    details = next(line for line in lines if line.startswith("Details:"))
    assert details.endswith("explain a rule: seoaudit rules explain CODE")
    # the command it names runs as printed (it said "--format json | csv": a shell pipe)
    command = details.removeprefix("Details: ").split(" (or ")[0].split()
    assert "|" not in details and command[:2] == ["seoaudit", "report"]
    shown = subprocess.run(
        [sys.executable, "-m", "seoaudit", *command[1:], "--run-dir", runs],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert any(len(line) > 120 for line in (footprint, limits, details))
    table = lines[lines.index(next(x for x in lines if "Top issues" in x)) + 1 :]
    assert all(len(line) <= 120 for line in table[:20])


def test_commands_on_a_stored_run_check_their_outputs_first(
    basic_run: dict[str, Any], tmp_path: Path
) -> None:
    runs = str(basic_run["work"] / "runs")
    (tmp_path / "afile").write_text("x")
    bad = str(tmp_path / "afile" / "out")
    for args in (
        ["report", "latest", "-f", "json", "-o", str(tmp_path), "-f", "csv", "-o", bad],
        ["check", "latest", "-q", "--isolated", "--report", f"junit={bad}"],
        ["diff", "latest", "latest", "-o", bad],
    ):
        proc = seoaudit(*args, "--run-dir", runs, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stderr)
        said = " ".join(proc.stderr.split())
        assert f"cannot write {bad}: {tmp_path / 'afile'} is not a folder" in said, args
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
