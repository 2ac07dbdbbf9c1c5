"""End to end: the post-crawl user-agent probe against a real HTTP server on 127.0.0.1
whose answers depend on the User-Agent, like a WAF or bot-management rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from seoaudit.access import PROBED_SECTIONS
from seoaudit.audit import run_audit
from seoaudit.config import CrawlSettings, Settings
from seoaudit.crawl.probe import PER_SECTION, PROFILES
from seoaudit.devserver import Request, Response, SiteServer

pytestmark = pytest.mark.e2e

ROBOTS = "User-agent: *\nDisallow: /cart/\n\nUser-agent: GPTBot\nDisallow: /private/\n"
TEXT = " ".join(f"word{i}" for i in range(120))


def _page(path: str) -> str:
    links = "".join(f'<a href="/{s}/p{i}.html">x</a>' for s in ("shop", "blog") for i in range(5))
    links += '<a href="/private/p.html">private</a><a href="/about.html">about</a>'
    return f"<html><head><title>{path}</title></head><body><p>{TEXT}</p>{links}</body></html>"


async def waf(request: Request) -> Response | None:
    """403 to GPTBot; a 200 "Access denied" challenge page to Googlebot under /shop/;
    everything else the real page."""
    agent = (request.header("user-agent") or "").lower()
    if request.path == "/robots.txt":
        return Response(200, [("Content-Type", "text/plain")], ROBOTS.encode())
    if "gptbot" in agent:
        return Response.html("<title>Forbidden</title>", status=403)
    if "googlebot" in agent and request.path.startswith("/shop/"):
        return Response.html("<title>Access denied</title><p>Access denied. Reference #18</p>")
    return Response.html(_page(request.path))


@pytest.fixture(scope="module")
def server() -> Iterator[SiteServer]:
    with SiteServer(handler=waf) as site:
        yield site


def _audit(server: SiteServer, tmp: Path, **crawl: Any) -> dict[str, Any]:
    settings = Settings(
        start_urls=[server.base_url + "/"],
        crawl=CrawlSettings(retries=0, **crawl),
        run_dir=tmp,
    )
    return json.loads(run_audit(settings).report.model_dump_json())


def _findings(report: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] == rule]


def test_challenge_page_for_googlebot_is_an_error(server: SiteServer, tmp_path: Path) -> None:
    report = _audit(server, tmp_path)
    hits = _findings(report, "BOT001")
    assert hits, report["findings"]
    assert {f["evidence"]["section"] for f in hits} == {"/shop/"}
    assert {f["severity"] for f in hits} == {"error"}
    assert {f["cause"] for f in hits} == {"Googlebot user agent gets challenge page"}
    first = hits[0]
    assert "IP-verified" in first["evidence"]["limitation"]
    assert first["evidence"]["verify"].startswith("curl -s -o /dev/null")
    assert "Googlebot" in first["evidence"]["verify"]
    # the blog and the top-level pages answer Googlebot normally
    assert not any("/blog/" in f["url"] for f in hits)


def test_gptbot_403_is_a_policy_question_not_a_search_error(
    server: SiteServer, tmp_path: Path
) -> None:
    report = _audit(server, tmp_path)
    policy = _findings(report, "BOT003")
    assert policy and {f["severity"] for f in policy} == {"notice"}
    assert all("GPTBot" in f["message"] and "403" in f["message"] for f in policy)
    assert not [f for f in _findings(report, "BOT001") if "GPTBot" in f["message"]]
    server_cells = {row["section"]: row["server"] for row in report["access"]["rows"]}
    assert server_cells["/shop/"]["googlebot"] == "challenge page"
    assert server_cells["/blog/"]["googlebot"] == "ok"
    assert server_cells["/blog/"]["gptbot"] == "403"
    assert server_cells["/blog/"]["bingbot"] == "ok"


def test_declared_policy_silences_the_gptbot_block(server: SiteServer, tmp_path: Path) -> None:
    settings = Settings(
        start_urls=[server.base_url + "/"],
        crawl=CrawlSettings(retries=0),
        run_dir=tmp_path,
        crawler_policy={"GPTBot": "block"},
    )
    report = run_audit(settings).report
    assert not [f for f in report.findings if f.rule == "BOT003"]
    assert report.access is not None
    assert report.access.rows[0].crawlers["gptbot"].policy == "block"


def test_probe_is_bounded_and_skips_what_robots_txt_disallows(
    server: SiteServer, tmp_path: Path
) -> None:
    before = len(server.requests)
    _audit(server, tmp_path)
    seen = server.requests[before:]
    agents = {p.name: p.user_agent for p in PROFILES}
    by_browser = [t for _, t, ua in seen if ua == agents["browser"]]
    assert 0 < len(by_browser) <= PER_SECTION * PROBED_SECTIONS
    per_section: dict[str, int] = {}
    for target in by_browser:
        section = target.split("/")[1] if target.count("/") > 1 else ""
        per_section[section] = per_section.get(section, 0) + 1
    assert max(per_section.values()) <= PER_SECTION
    # robots.txt disallows /private/ for GPTBot: the probe does not fetch it as GPTBot
    assert not [t for _, t, ua in seen if ua == agents["gptbot"] and t.startswith("/private/")]


def test_no_probe_flag_turns_it_off(server: SiteServer, tmp_path: Path) -> None:
    before = len(server.requests)
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "seoaudit",
            "audit",
            server.base_url + "/",
            "--no-probe",
            "-q",
            "-f",
            "json",
            "--run-dir",
            "runs",
            "--fail-on",
            "never",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert not [f for f in report["findings"] if f["rule"] in ("BOT001", "BOT003")]
    probe_agents = {p.user_agent for p in PROFILES}
    assert not [r for r in server.requests[before:] if r[2] in probe_agents]
