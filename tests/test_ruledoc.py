"""The "How to verify" commands of tickets and the HTML report: placeholders filled with
this issue's values, which come from crawled pages and must stay literal in a shell."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from seoaudit.devserver import SiteServer
from seoaudit.ruledoc import doc_sections, fill_command, verify_commands
from seoaudit.rules import REGISTRY
from seoaudit.rules.common import robots_command

EVIL = 'http://site.test/it\'s-$(touch pwned)-`id`&x="1";ls.html'
SITEMAP = "http://site.test/sitemap.xml"


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("curl -s <url> | grep -i hreflang", ["curl", "-s", EVIL, "|", "grep", "-i", "hreflang"]),
        ("curl -s '<url>' | wc -c", ["curl", "-s", EVIL, "|", "wc", "-c"]),
        (
            "curl -s <sitemap> | grep -c '<loc><url></loc>'",
            ["curl", "-s", SITEMAP, "|", "grep", "-c", f"<loc>{EVIL}</loc>"],
        ),
        ('grep -c "<loc><url></loc>"', ["grep", "-c", f"<loc>{EVIL}</loc>"]),
        ("curl -s 'a'<url>", ["curl", "-s", "a" + EVIL]),
        ("curl -s \\'<url>", ["curl", "-s", "'" + EVIL]),
        # unknown placeholders stay as they are, in or out of quotes
        (
            "curl -sI -H 'If-None-Match: <etag>' <url>",
            ["curl", "-sI", "-H", "If-None-Match: <etag>", EVIL],
        ),
        (
            "curl -s <url> | grep -o '<title>[^<]*'",
            ["curl", "-s", EVIL, "|", "grep", "-o", "<title>[^<]*"],
        ),
        ("curl -s <origin>/robots.txt", ["curl", "-s", "http://site.test/robots.txt"]),
    ],
)
def test_values_stay_one_literal_word_wherever_they_stand(command: str, words: list[str]) -> None:
    filled = fill_command(command, EVIL, {"sitemaps": [SITEMAP, "http://site.test/b.xml"]})
    assert shlex.split(filled) == words


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_runs_a_filled_command_without_running_the_url(tmp_path: Path) -> None:
    filled = fill_command("echo '<loc><url></loc>' <url>", EVIL, {})
    result = subprocess.run(
        ["bash", "-c", filled], cwd=tmp_path, capture_output=True, text=True, timeout=10
    )
    assert result.stdout == f"<loc>{EVIL}</loc> {EVIL}\n"
    assert not list(tmp_path.iterdir())  # no "pwned" file


def test_every_rules_verify_commands_keep_a_hostile_url_literal() -> None:
    evidence = {"final_url": EVIL, "linked_from": [EVIL], "sitemaps": [EVIL], "target": EVIL}
    checked = 0
    for code, spec in REGISTRY.items():
        text = doc_sections(spec.doc).get("How to verify", "")
        for command in verify_commands(text, EVIL, evidence):
            checked += 1
            assert len(command.split()) >= 3, (code, command)  # not a bare "curl -sI"
            for word in shlex.split(command):
                if "pwned" in word:
                    assert EVIL in word, (code, command)
    assert checked > 100


@pytest.mark.parametrize("code", ["HRF003", "HTTP014", "SMP016"])
def test_verify_commands_name_this_issues_urls(code: str) -> None:
    # these used placeholders no issue fills (<B>, <href>, https://<host>/<path>)
    text = doc_sections(REGISTRY[code].doc)["How to verify"]
    evidence = {"final_url": SITEMAP, "linked_from": [SITEMAP], "sitemaps": [SITEMAP]}
    commands = verify_commands(text, "http://site.test/a", evidence)
    assert commands
    for command in commands:
        assert "<" not in command.replace("<loc>", "").replace("</loc>", ""), command


def test_a_command_left_with_a_placeholder_gives_way_to_the_issues_own() -> None:
    text = "`seoaudit robots <resource URL> --as googlebot` prints allowed; `curl -sI <url>`"
    own = "seoaudit robots 'http://site.test/a b.css' --as googlebot"
    commands = verify_commands(text, "http://site.test/", {"verify": own})
    assert commands == [own, "curl -sI http://site.test/"]
    # a pattern in quotes is no placeholder; a command of another program is kept
    assert verify_commands(
        "`curl -s <url> | grep -o '<title>'`", "http://a.test/", {"verify": own}
    ) == ["curl -s http://a.test/ | grep -o '<title>'"]


def test_evidence_commands_quote_crawled_urls() -> None:
    command = robots_command(EVIL, "googlebot")
    assert shlex.split(command) == ["seoaudit", "robots", EVIL, "--as", "googlebot"]


def test_the_start_url_placeholder_is_the_runs_start_url_quoted() -> None:
    text = "`seoaudit audit <start URL> --select PERF013` no longer lists the page."
    start = "http://site.test/?a=1&b=$(id)"
    assert verify_commands(text, "http://site.test/deep", {}, start) == [
        "seoaudit audit 'http://site.test/?a=1&b=$(id)' --select PERF013"
    ]
    assert verify_commands(text, "http://site.test/deep", {}) == [
        "seoaudit audit <start URL> --select PERF013"  # left for the developer
    ]


def test_a_summary_over_two_lines_is_whole() -> None:
    """CAN002's summary was cut after its first line ("...pointing at different")."""
    assert REGISTRY["CAN002"].summary.endswith("pointing at different URLs.")
    for code, spec in REGISTRY.items():
        assert spec.summary.endswith((".", ")", "?", "`")), (code, spec.summary)
        assert "\n" not in spec.summary


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_a_loop_over_the_evidences_sitemaps_finds_the_page_in_any(tmp_path: Path) -> None:
    """SMP016's command grepped the first sitemap of its evidence only (a blog sitemap
    for a product page): it printed 0 before and after the fix."""
    text = doc_sections(REGISTRY["SMP016"].doc)["How to verify"]
    blog, products = tmp_path / "blog.xml", tmp_path / "products.xml"
    page = "http://site.test/p?a=1&b=$(touch pwned)"
    blog.write_text("<urlset><url><loc>http://site.test/post</loc></url></urlset>")
    products.write_text(f"<urlset><url><loc>{page}</loc></url></urlset>")
    with SiteServer(tmp_path) as server:
        evidence = {"sitemaps": [f"{server.base_url}/{f.name}" for f in (blog, products)]}
        [command] = verify_commands(text, page, evidence)
        assert command.startswith("for s in ")
        ran = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=30
        )
    assert ran.stdout.strip() == "1", (command, ran.stderr)
    assert not (tmp_path / "pwned").exists()


def test_a_rules_own_audit_command_judges_it_alone_wherever_it_is_run() -> None:
    """`seoaudit audit <url> --max-pages 1 --select SD006` in a ticket, run in the CI
    folder, took its config file and baseline: "Gate: PASS (1 persisting)", exit 0, with
    the error still there. RES005's check grepped for a literal `/path` from the docs'
    example, which no fix makes appear."""
    audits = []
    for code, spec in REGISTRY.items():
        text = doc_sections(spec.doc).get("How to verify", "")
        for command in verify_commands(text, "http://site.test/a", {}):
            assert '"/path"' not in command, (code, command)
            if command.startswith("seoaudit audit"):
                audits.append(command)
                assert "--isolated" in command, (code, command)
                if "exits 0" in " ".join(text.split()):
                    assert "--no-baseline" in command and "--fail-on notice" in command
    assert len(audits) >= 10
