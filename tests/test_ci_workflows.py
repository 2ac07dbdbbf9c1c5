"""End to end: the CI workflows of docs/ci.md, run command by command with the real CLI
against the fixture sites in fixtures/ci/ (release 1 = the baseline, release 2 = a release
that breaks things) served on 127.0.0.1; secrets; exit codes."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner, Result

from seoaudit.cli import app
from seoaudit.config import BasicAuth, CrawlSettings
from seoaudit.crawl.fetch import Fetcher
from seoaudit.devserver import Request, Response, SiteServer
from seoaudit.ruledoc import audit_command
from tests.sites import _Body

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "fixtures" / "ci"
DOCS = ROOT / "docs" / "ci.md"
pytestmark = pytest.mark.e2e

# `seoaudit` in the documented commands is this interpreter's seoaudit.
PRELUDE = f'seoaudit() {{ "{sys.executable}" -m seoaudit "$@"; }}\n'


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def commands(block: str) -> list[str]:
    """The seoaudit command lines of a code block (a YAML `run:`, a `- ` script item or
    a line of a `run: |` block)."""
    found = []
    for line in block.splitlines():
        match = re.match(r"^\s*(?:- |run: )?(seoaudit .*)$", line)
        if match:
            found.append(match.group(1))
    return found


def shell(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", PRELUDE + command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    with SiteServer(CI / "v1") as v1, SiteServer(CI / "v2") as v2:
        yield {"v1": v1.base_url + "/", "v2": v2.base_url + "/"}


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEOAUDIT_")}
    env.update(NO_COLOR="1", COLUMNS="160", GITHUB_STEP_SUMMARY=str(tmp / "step-summary.md"))
    env["SEOAUDIT_CRAWL__RETRIES"] = "0"  # the 503 of release 2 is not worth waiting for
    env.update(extra)
    return env


def _workdir(tmp: Path, with_baseline: bool = True) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copy(CI / "seoaudit.toml", tmp / "seoaudit.toml")
    if with_baseline:
        shutil.copy(CI / "seoaudit-baseline.txt", tmp / "seoaudit-baseline.txt")
    return tmp


def test_docs_have_the_workflows_the_tests_run() -> None:
    assert len(blocks("sh")) >= 1 and len(blocks("yaml")) == 3
    assert [len(commands(b)) for b in blocks("yaml")] == [1, 1, 4]


def test_bootstrap_commands_make_the_committed_baseline(
    servers: dict[str, str], tmp_path: Path
) -> None:
    work = _workdir(tmp_path, with_baseline=False)
    env = _env(tmp_path)
    for command in commands(blocks("sh")[0]):
        proc = shell(command.replace("https://www.example.com/", servers["v1"]), work, env)
        assert proc.returncode == 0, (command, proc.stderr)
    # fingerprints leave the origin out: a server on another port gives the same file
    made = (work / "seoaudit-baseline.txt").read_text()
    assert made == (CI / "seoaudit-baseline.txt").read_text()


def test_github_workflow_passes_on_release_1_and_fails_on_release_2(
    servers: dict[str, str], tmp_path: Path
) -> None:
    (command,) = commands(blocks("yaml")[0])
    work = _workdir(tmp_path / "v1")
    passed = shell(command, work, _env(work, SEOAUDIT_START_URLS=servers["v1"]))
    assert passed.returncode == 0, passed.stderr
    assert "seoaudit PASS" in passed.stdout and "::error" not in passed.stdout
    assert (work / "step-summary.md").read_text().startswith("## ✅ seoaudit: pass")
    report = json.loads((work / "seo-report.json").read_text())
    assert report["gate"]["verdict"] == "pass"
    assert report["gate"]["baseline"]["persisting"] == 3

    work = _workdir(tmp_path / "v2")
    failed = shell(command, work, _env(work, SEOAUDIT_START_URLS=servers["v2"]))
    assert failed.returncode == 1, failed.stderr
    annotations = [line for line in failed.stdout.splitlines() if line.startswith("::")]
    assert any("no new broken internal links" in a for a in annotations)
    assert any(a.startswith("::error title=HTTP002") for a in annotations)
    summary = (work / "step-summary.md").read_text()
    assert summary.startswith("## ❌ seoaudit: fail")
    assert "/products/lantern.html" in summary
    suite = ET.parse(work / "seo-junit.xml").getroot()
    assert suite.get("failures") == "3"  # new error, new broken link, indexable share
    gate = json.loads((work / "seo-report.json").read_text())["gate"]
    assert gate["baseline"]["fixed"] == ["HTTP006 /old-offers"]
    assert gate["baseline"]["not_comparable"] == ["HTTP001 /gone.html"]  # no longer fetched


def test_gitlab_job_writes_code_quality_and_junit(servers: dict[str, str], tmp_path: Path) -> None:
    (command,) = commands(blocks("yaml")[1])
    work = _workdir(tmp_path)
    proc = shell(command, work, _env(work, SEOAUDIT_START_URLS=servers["v2"]))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    quality = json.loads((work / "gl-code-quality.json").read_text())
    paths = {(e["check_name"], e["location"]["path"]) for e in quality}
    assert ("HTTP001", "/products/lantern.html") in paths
    assert ("HTTP002", "/products/stove.html") in paths
    assert (work / "seo-junit.xml").exists() and (work / "seo-summary.md").exists()


def test_release_regression_job(servers: dict[str, str], tmp_path: Path) -> None:
    work = _workdir(tmp_path)
    env = _env(work, PRODUCTION_URL=servers["v1"], STAGING_URL=servers["v2"])
    codes = []
    for command in commands(blocks("yaml")[2]):
        proc = shell(command, work, env)
        codes.append(proc.returncode)
        assert "Traceback" not in proc.stderr
    assert codes == [0, 0, 0, 1]  # the two audits record, the diff reports, check fails
    diff = (work / "seo-diff.md").read_text()
    assert "| `/about.html` | indexability | indexable | noindex |" in diff
    assert "| `/products/tent.html` | structured_data | Offer, Product | (none) |" in diff
    assert "HTTP001 /products/lantern.html" in diff
    assert (work / "seo-release.xml").exists()


# -- exit codes -----------------------------------------------------------------------------


def _cli(args: str, work: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Result:
    """In-process CLI, for the commands that do not crawl (fast: no interpreter start)."""
    monkeypatch.chdir(work)
    for name in [n for n in os.environ if n.startswith("SEOAUDIT_")]:
        monkeypatch.delenv(name)
    extra = {k: v for k, v in env.items() if k.startswith("SEOAUDIT_")}
    return CliRunner().invoke(app, shlex.split(args), env=extra)


def test_exit_code_does_not_depend_on_the_reports(
    servers: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _workdir(tmp_path)
    env = _env(work, SEOAUDIT_START_URLS=servers["v2"])
    assert shell("seoaudit audit -q --run-id r", work, env).returncode == 1
    for reports in (
        "",
        "-f json",
        "--report github",
        "--report junit=j.xml --report sarif=s.sarif",
    ):
        result = _cli(f"check r -q {reports}", work, env, monkeypatch)
        assert result.exit_code == 1, (reports, result.output)
        assert _cli(f"check r -q --exit-zero {reports}", work, env, monkeypatch).exit_code == 0
    assert _cli("check r -q --fail-on never --no-baseline", work, env, monkeypatch).exit_code == 1
    # with --all-findings the persisting debt fails the severity gate too: still 1
    assert _cli("check r -q --all-findings", work, env, monkeypatch).exit_code == 1


def test_report_judges_only_what_its_fail_on_asks_and_says_so(
    servers: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`seoaudit report RUN -f markdown` said "fail: 14 error-or-worse findings" and exited 0
    (a default gate nobody asked for), where `seoaudit check` passed on the baseline."""
    work = _workdir(tmp_path)
    env = _env(work, SEOAUDIT_START_URLS=servers["v2"])
    assert shell("seoaudit audit -q --run-id r", work, env).returncode == 1
    plain = _cli("report r -f markdown -o m.md --isolated", work, env, monkeypatch)
    assert plain.exit_code == 0, plain.output
    summary = (work / "m.md").read_text()
    assert "seoaudit: no checks" in summary and "fail" not in summary.split("\n")[0]
    assert "Not judged" in summary and "seoaudit check RUN" in summary
    judged = _cli("report r --fail-on error -f junit -o j.xml --isolated", work, env, monkeypatch)
    assert judged.exit_code == 1  # the verdict the report shows is the exit code's
    root = ET.parse(work / "j.xml").getroot()
    verdict = root.find(".//property[@name='verdict']")
    assert verdict is not None and verdict.get("value") == "fail"
    assert "seoaudit check RUN" in ET.tostring(root, encoding="unicode")


def test_a_tickets_verify_command_fails_while_the_problem_is_there_even_in_the_ci_folder(
    servers: dict[str, str], tmp_path: Path
) -> None:
    """The audit command closing every ticket exited 0 in the CI folder while the broken
    link was still there: the committed baseline accepts it, so nothing was "new"."""
    work = _workdir(tmp_path)
    env = _env(work)
    command = audit_command(servers["v1"], "HTTP001")  # v1 has broken links, all baselined
    assert shell(f"seoaudit audit {servers['v1']} -q", work, env).returncode == 0
    proc = shell(command, work, env)
    assert proc.returncode == 1, (command, proc.stdout, proc.stderr)


def test_unreachable_start_url_is_inconclusive_and_reports_are_written(tmp_path: Path) -> None:
    work = _workdir(tmp_path)
    env = _env(work)
    proc = shell(
        "seoaudit audit http://127.0.0.1:9/ -q --exit-zero --report junit=j.xml --report markdown=m.md",
        work,
        env,
    )
    assert proc.returncode == 3  # --exit-zero turns 1 into 0, and nothing else
    root = ET.parse(work / "j.xml").getroot()
    assert root.get("errors") == "1"
    assert (work / "m.md").read_text().startswith("## ⚠️ seoaudit: inconclusive")
    check = shell("seoaudit check latest -q", work, env)
    assert check.returncode == 3


def test_baseline_update_and_prune(
    servers: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _workdir(tmp_path)
    env = _env(work, SEOAUDIT_START_URLS=servers["v2"])
    assert shell("seoaudit audit -q --run-id r2 --exit-zero", work, env).returncode == 0
    assert _cli("baseline prune r2", work, env, monkeypatch).exit_code == 0
    pruned = (work / "seoaudit-baseline.txt").read_text()
    assert "HTTP006 /old-offers" not in pruned  # fixed: removed
    assert "HTTP001 /gone.html" in pruned  # not comparable: kept
    assert "lantern" not in pruned  # prune adds nothing
    assert _cli("baseline update r2", work, env, monkeypatch).exit_code == 0
    updated = (work / "seoaudit-baseline.txt").read_text()
    assert "HTTP001 /products/lantern.html" in updated and "HTTP001 /gone.html" in updated
    assert _cli("check r2 -q", work, env, monkeypatch).exit_code == 1  # the KPI still fails
    created = _cli("baseline create r2", work, env, monkeypatch)
    assert created.exit_code == 2 and "exists" in created.output


# -- secrets ----------------------------------------------------------------------------------

USER, PASSWORD = "seo-bot", "s3cr3t-Pa55-9812"


def _auth_handler(expected: str) -> object:
    async def handler(request: Request) -> Response | None:
        if request.header("authorization") == expected:
            return None  # through to the fixture site
        return Response(401, [("WWW-Authenticate", 'Basic realm="staging"')], b"login")

    return handler


def test_credentials_reach_the_site_and_no_output(tmp_path: Path) -> None:
    token = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    work = _workdir(tmp_path)
    with SiteServer(CI / "v1", handler=_auth_handler(token)) as server:  # type: ignore[arg-type]
        env = _env(
            work,
            SEOAUDIT_START_URLS=server.base_url + "/",
            SEOAUDIT_AUTH_USER=USER,
            SEOAUDIT_AUTH_PASSWORD=PASSWORD,
        )
        audit = shell(
            "seoaudit audit --run-id secret -f json -o r.json -f csv -o r.csv "
            "--report junit=j.xml --report markdown=m.md --report gitlab=g.json "
            "--report sarif=s.sarif --report github",
            work,
            env,
        )
        outputs = [audit.stdout, audit.stderr]
        for command in ("seoaudit report secret", "seoaudit config show", "seoaudit check secret"):
            proc = shell(command, work, env)
            outputs += [proc.stdout, proc.stderr]
    report = json.loads((work / "r.json").read_text())
    assert report["summary"]["status_classes"].get("2xx", 0) >= 4  # the login worked
    assert "4xx" not in report["summary"]["status_classes"] or all(
        f["evidence"].get("status") != 401 for f in report["findings"]
    )
    secrets = [PASSWORD, token.split()[1], USER]
    for text in outputs:
        assert not any(s in text for s in secrets)
    files = [p for p in work.rglob("*") if p.is_file() and p.name != "seoaudit.toml"]
    assert any(p.suffix == ".sqlite" for p in files)
    for path in files:
        data = path.read_bytes()
        assert not any(s.encode() in data for s in secrets), path


def test_credentials_are_sent_only_to_the_start_urls_origins() -> None:
    seen: dict[str, str | None] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[str(request.url)] = request.headers.get("authorization")
        return httpx.Response(200, stream=_Body(b"ok"))

    auth = BasicAuth(
        user=SecretStr(USER), password=SecretStr(PASSWORD), origins=["https://staging.example"]
    )
    fetcher = Fetcher(CrawlSettings(auth=auth, retries=0), transport=httpx.MockTransport(handler))

    async def fetch_all() -> None:
        try:
            for url in (
                "https://staging.example/a",
                "https://staging.example:443/b",
                "http://staging.example/c",
                "https://cdn.example/d",
                "https://staging.example.evil/e",
            ):
                await fetcher.fetch(url)
        finally:
            await fetcher.aclose()

    asyncio.run(fetch_all())
    sent = {url for url, value in seen.items() if value}
    assert sent == {"https://staging.example/a", "https://staging.example/b"}


def test_readme_workflows_are_the_tested_ones() -> None:
    """The README shows the GitHub Actions and GitLab CI workflows; each must be one of the
    docs/ci.md blocks whose commands the tests above run."""
    readme = re.findall(
        r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S
    )
    assert len(readme) == 2
    assert set(readme) <= set(blocks("yaml"))
