"""Crawler access beyond single-rule cases: the declared crawler policy, the access matrix,
hostile robots.txt and meta robots input, the URL list (JSON and urls-csv), the console
table, and `seoaudit robots` as the way to verify a fix."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from seoaudit.access import PROBED_SECTIONS, section_of
from seoaudit.audit import AuditResult, run_audit
from seoaudit.config import CrawlSettings, Settings
from seoaudit.crawl.probe import MAX_RESOURCE_ORIGINS_SEEN, Prober, offering
from seoaudit.devserver import Request, Response, SiteServer
from seoaudit.models import PageFacts, PageRow, Report, Resource
from seoaudit.report import WRITERS
from seoaudit.report.console import write as console_write
from seoaudit.rules.indexing_directives import parse_date
from seoaudit.site import Site
from seoaudit.store import Store
from tests.sites import ORIGIN, crawl, transport

HOME = {"body": '<title>home</title><a href="/shop/a">a</a><a href="/blog/b">b</a>'}
PAGES: dict[str, dict[str, Any]] = {
    "/": HOME,
    "/shop/a": {"body": "<title>a</title>"},
    "/blog/b": {"body": '<head><meta name="robots" content="noindex"></head>'},
}


def _audit(pages: dict[str, dict[str, Any]], tmp: Path, **settings: Any) -> AuditResult:
    crawl_settings = CrawlSettings(retries=0, **settings.pop("crawl", {}))
    full = Settings(start_urls=[ORIGIN + "/"], crawl=crawl_settings, run_dir=tmp, **settings)
    return run_audit(full, transport=transport(pages))


def _rules(result: AuditResult, prefix: str = "") -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in result.report.findings:
        if finding.rule.startswith(prefix):
            found.setdefault(finding.rule, []).append(finding.url.removeprefix(ORIGIN))
    return found


# -- declared crawler policy ---------------------------------------------------------------


def test_policy_keys_are_lower_cased() -> None:
    assert Settings(crawler_policy={" GPTBot ": "block"}).crawler_policy == {"gptbot": "block"}


def test_intended_bingbot_block_is_policy_not_an_error(tmp_path: Path) -> None:
    pages = {**PAGES, "/robots.txt": {"body": "User-agent: Bingbot\nDisallow: /\n"}}
    unintended = _audit(pages, tmp_path / "a")
    assert "ROB007" in _rules(unintended)
    intended = _audit(pages, tmp_path / "b", crawler_policy={"bingbot": "block"})
    assert "ROB007" not in _rules(intended)
    assert intended.report.access is not None
    cell = intended.report.access.rows[0].crawlers["bingbot"]
    assert (cell.verdict, cell.policy) == ("blocked", "block")


def test_declared_block_that_robots_txt_does_not_enforce(tmp_path: Path) -> None:
    result = _audit(PAGES, tmp_path, crawler_policy={"gptbot": "block"})
    hits = [f for f in result.report.findings if f.rule == "BOT003"]
    assert [h.severity for h in hits] == ["warning"]
    assert "declared an intended block" in hits[0].message


def test_declared_allow_that_robots_txt_blocks(tmp_path: Path) -> None:
    pages = {**PAGES, "/robots.txt": {"body": "User-agent: GPTBot\nDisallow: /\n"}}
    result = _audit(pages, tmp_path, crawler_policy={"gptbot": "allow"})
    hits = [f for f in result.report.findings if f.rule == "BOT003"]
    assert [h.severity for h in hits] == ["warning"]


def test_allow_list_names_who_is_let_in_and_is_policy_once_declared(tmp_path: Path) -> None:
    robots = (
        "User-agent: *\nDisallow: /\n\nUser-agent: Googlebot\nUser-agent: DuckDuckBot\nAllow: /\n"
    )
    pages = {**PAGES, "/robots.txt": {"body": robots}}
    [hit] = [f for f in _audit(pages, tmp_path / "a").report.findings if f.rule == "BOT004"]
    assert hit.message.startswith(
        "robots.txt lets only DuckDuckBot, Googlebot crawl http://site.test: line 2 "
        "(Disallow: /) shuts out every crawler it does not name (Bingbot, "
    )
    assert hit.evidence["let_in"] == ["DuckDuckBot", "Googlebot"]
    assert "DuckDuckBot" not in hit.evidence["shut_out"]  # named, so let in
    assert {"Bingbot", "OAI-SearchBot", "YandexBot"} <= set(hit.evidence["shut_out"])
    # Applebot and Googlebot-Image read the Googlebot group when none names them.
    assert not {"Applebot", "Googlebot-Image"} & set(hit.evidence["shut_out"])
    assert hit.evidence["verify"] == "seoaudit robots http://site.test/ --as bingbot"
    declared = _audit(pages, tmp_path / "b", crawler_policy={"*": "block"})
    assert "BOT004" not in _rules(declared)


def test_auditing_as_an_intentionally_blocked_crawler(tmp_path: Path) -> None:
    pages = {**PAGES, "/robots.txt": {"body": "User-agent: GPTBot\nDisallow: /shop/\n"}}
    plain = _audit(pages, tmp_path / "a", crawl={"crawler": "gptbot"})
    assert _rules(plain).get("ROB008") == ["/shop/a"]
    declared = _audit(
        pages, tmp_path / "b", crawl={"crawler": "gptbot"}, crawler_policy={"gptbot": "block"}
    )
    assert "ROB008" not in _rules(declared)


# -- access matrix ---------------------------------------------------------------------------


def test_sections() -> None:
    assert section_of("http://h/products/tents/a.html") == "/products/"
    assert section_of("http://h/about.html") == "/"
    assert section_of("http://h/") == "/"
    assert section_of("http://h/blog/") == "/blog/"


def test_matrix_has_every_major_crawler_per_section(tmp_path: Path) -> None:
    robots = "User-agent: *\nDisallow: /shop/\n\nUser-agent: GPTBot\nDisallow: /\n"
    result = _audit({**PAGES, "/robots.txt": {"body": robots}}, tmp_path)
    matrix = result.report.access
    assert matrix is not None
    for token in (
        "googlebot",
        "googlebot-image",
        "bingbot",
        "applebot",
        "gptbot",
        "oai-searchbot",
        "chatgpt-user",
        "claudebot",
        "perplexitybot",
        "google-extended",
        "applebot-extended",
        "ccbot",
    ):
        assert token in matrix.crawlers
    rows = {row.section: row for row in matrix.rows}
    assert set(rows) == {"/", "/shop/", "/blog/"}
    shop = rows["/shop/"].crawlers
    assert shop["googlebot"].verdict == "blocked" and shop["googlebot"].line == 2
    assert shop["gptbot"].verdict == "blocked" and shop["gptbot"].line == 5
    assert rows["/blog/"].crawlers["googlebot"].verdict == "allowed"
    assert rows["/"].crawlers["gptbot"].verdict == "blocked"
    # Applebot follows the Googlebot group when none names it; with none, the * group
    assert shop["applebot"].verdict == "blocked"


def test_console_shows_the_access_table(tmp_path: Path) -> None:
    result = _audit(
        {**PAGES, "/robots.txt": {"body": "User-agent: *\nDisallow: /shop/\n"}}, tmp_path
    )
    out = io.StringIO()
    console_write(result.report, out, width=150)
    text = out.getvalue()
    assert "Crawler access by section" in text
    assert "/shop/" in text and "block" in text
    assert text.index("Top issues") < text.index("Crawler access by section")


def test_a_section_the_probe_did_not_sample_says_so(tmp_path: Path) -> None:
    """/files/ holds only a PDF: no HTML page answered 200 there, so the user-agent probe
    had nothing to fetch. Its Server cell says "-" (explained in the legend), not blank."""
    pages = {
        **PAGES,
        "/": {"body": HOME["body"] + '<a href="/files/a.pdf">pdf</a>'},
        "/files/a.pdf": {"body": "%PDF-1.4", "content_type": "application/pdf"},
    }
    report = _audit(pages, tmp_path).report
    assert report.access is not None
    rows = {row.section: row for row in report.access.rows}
    assert rows["/files/"].server == {} and rows["/shop/"].server
    out = io.StringIO()
    console_write(report, out, width=220)
    lines = out.getvalue().splitlines()
    files = next(line for line in lines if line.lstrip().startswith("/files/"))
    shop = next(line for line in lines if line.lstrip().startswith("/shop/"))
    assert files.split()[-1] == "-" and shop.split()[-1] == "ok"
    assert "- = not probed" in " ".join(out.getvalue().split())


def test_console_never_interprets_site_text_as_markup(tmp_path: Path) -> None:
    report = crawl(PAGES, tmp_path).report
    assert report.access is not None
    report.access.rows[0].section = "/[b]x[/b]/"
    report.access.rows[0].server = {"googlebot": "[blink]403"}
    out = io.StringIO()
    console_write(report, out, width=200)
    assert "/[b]x[/b]/" in out.getvalue()
    assert "[blink]403" in out.getvalue()


# -- hostile robots.txt ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "expect"),
    [
        ("User-agent: *\nDisallow: /shop/\n".encode("utf-16"), "text/plain", "UTF-16"),
        (bytes(range(256)) * 40, "application/octet-stream", "binary"),
        (b"<html><body>Not found</body></html>", "text/html", "HTML"),
        (b"just some words\nand more words here\n", "text/plain", "no valid"),
    ],
)
def test_unusable_robots_txt_is_reported_not_crashed(
    body: bytes, content_type: str, expect: str, tmp_path: Path
) -> None:
    pages = {**PAGES, "/robots.txt": {"body": body, "content_type": content_type}}
    result = crawl(pages, tmp_path)
    assert not result.report.rule_errors
    hits = [f for f in result.report.findings if f.rule == "ROB005"]
    assert len(hits) == 1 and expect in hits[0].message
    # Google finds no rule in such a file: the shop stays crawlable
    assert "ROB008" not in _rules(result)


def test_binary_junk_before_rules_is_reported_with_the_rules_still_applied(
    tmp_path: Path,
) -> None:
    body = b"\x00\x01\x02\xff\xfe binary junk\n\x1a\nUser-agent: *\nDisallow: /shop/\n"
    result = crawl({**PAGES, "/robots.txt": {"body": body}}, tmp_path)
    hit = next(f for f in result.report.findings if f.rule == "ROB005")
    # Google skips the unreadable lines and applies the rest: "finds no rules" was wrong
    assert "applies only the rules it can read" in hit.message
    assert "ROB008" in _rules(result)


def test_redirect_loop_on_robots_txt_means_allow_all(tmp_path: Path) -> None:
    pages = {
        **PAGES,
        "/robots.txt": {"status": 301, "headers": {"Location": "/robots.txt?x=1"}},
        "/robots.txt?x=1": {"status": 301, "headers": {"Location": "/robots.txt"}},
    }
    result = crawl(pages, tmp_path)
    assert _rules(result, "ROB").get("ROB004") == ["/robots.txt"]
    assert "ROB001" not in _rules(result)
    assert result.report.summary["url_states"].get("blocked", 0) == 0


def test_huge_robots_txt_names_the_first_lost_line(tmp_path: Path) -> None:
    body = "User-agent: *\n" + "Disallow: /x-padding-rule/\n" * 20_000 + "Disallow: /shop/\n"
    result = crawl({**PAGES, "/robots.txt": {"body": body}}, tmp_path)
    hit = next(f for f in result.report.findings if f.rule == "ROB006")
    assert hit.severity == "error"
    # line 1 is 14 bytes; 18,962 whole lines of 27 bytes follow; the next one is cut
    assert hit.evidence["first_lost_line"] == 1 + (512_000 - 14) // 27 + 1
    assert "ROB008" not in _rules(result)  # the /shop/ rule after the cut does not exist


# -- hostile meta robots -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "",
        ",,,,",
        "noindex" * 2000,
        "unavailable_after: not a date, max-snippet:, max-image-preview:",
        "googlebot: noindex: nofollow: ::",
        "\x00\x01 noindex \u202e",
        "max-snippet:99999999999999999999999",
    ],
)
def test_malformed_meta_robots_never_crashes(content: str, tmp_path: Path) -> None:
    body = f'<head><meta name="robots" content="{content}"><title>x</title></head>'
    result = crawl({"/": {"body": body, "headers": {"X-Robots-Tag": content[:200]}}}, tmp_path)
    assert not result.report.rule_errors


def test_unavailable_after_formats() -> None:
    assert parse_date("2026-12-31") is not None
    assert parse_date("25 Jun 2010 15:00:00 PST") is not None
    assert parse_date("Wednesday, 03-Nov-10 15:00:00 GMT") is not None
    assert parse_date("31 December 2026") is not None
    assert parse_date("next tuesday") is None


# -- indexability per URL ----------------------------------------------------------------------


def test_pages_list_and_urls_csv(tmp_path: Path) -> None:
    pages = {
        **PAGES,
        "/robots.txt": {"body": "User-agent: *\nDisallow: /shop/\n"},
        "/": {"body": HOME["body"] + '<a href="/old">old</a><a href="/=cmd">f</a>'},
        "/old": {"status": 301, "headers": {"Location": "/blog/b"}},
        "/=cmd": {"body": '<link rel="canonical" href="/blog/b">'},
    }
    report = crawl(pages, tmp_path).report
    rows = {row.url.removeprefix(ORIGIN): row for row in report.pages}
    assert rows["/"].indexability == "indexable" and rows["/"].click_depth == 0
    assert rows["/shop/a"].indexability == "blocked-by-robots"
    assert rows["/blog/b"].indexability == "noindex"
    assert rows["/old"].indexability == "redirected"
    assert rows["/=cmd"].indexability == "canonicalised"
    assert rows["/=cmd"].canonical == ORIGIN + "/blog/b"
    assert rows["/blog/b"].inlinks == 1
    out = io.StringIO()
    WRITERS["urls-csv"](report, out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    by_url = {r["url"]: r for r in table}
    assert by_url[ORIGIN + "/shop/a"]["indexability"] == "blocked-by-robots"
    assert len(table) == len(report.pages)
    # JSON round trip keeps the list, and the streamed JSON report writes the same rows
    again = Report.model_validate_json(report.model_dump_json())
    assert again.pages == report.pages
    out = io.StringIO()
    WRITERS["json"](report, out)
    assert [PageRow.model_validate(row) for row in json.loads(out.getvalue())["pages"]] == list(
        report.pages
    )


def test_the_url_list_tells_a_self_canonical_from_none(tmp_path: Path) -> None:
    """A page that names itself as canonical and one that names no canonical had the same
    row (canonical empty): a release that removed the canonical tag did not show."""
    pages = {
        "/": {"body": '<title>home</title><a href="/a">a</a><a href="/b">b</a>'},
        "/a": {"body": f'<link rel="canonical" href="{ORIGIN}/a"><title>a</title>'},
        "/b": {"body": "<title>b</title>"},
    }
    report = crawl(pages, tmp_path).report
    rows = {row.url.removeprefix(ORIGIN): row for row in report.pages}
    assert rows["/a"].canonical_self and not rows["/b"].canonical_self
    out = io.StringIO()
    WRITERS["urls-csv"](report, out)
    by_url = {r["url"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert by_url[ORIGIN + "/a"]["canonical"] == "self"
    assert by_url[ORIGIN + "/b"]["canonical"] == ""


def test_urls_csv_neutralises_formulas(tmp_path: Path) -> None:
    report = crawl({"/": {"body": '<a href="/x">x</a>'}}, tmp_path).report
    first = report.pages[0].model_copy(update={"canonical": "=HYPERLINK(1)"})
    report.pages = [first, *report.pages[1:]]
    out = io.StringIO()
    WRITERS["urls-csv"](report, out)
    assert "'=HYPERLINK(1)" in out.getvalue()


def test_csv_cells_carry_no_control_characters() -> None:
    from seoaudit.report.csv import safe_cell

    assert safe_cell("a\x1b]0;PWNED\x07b") == "a ]0;PWNED b"
    assert safe_cell("line\nnext\tcell") == "line\nnext\tcell"  # a cell may hold lines
    assert safe_cell("\x1b=1+1") == " =1+1"
    assert safe_cell("=1+1") == "'=1+1"


def test_old_run_file_without_probes_or_content_type(tmp_path: Path) -> None:
    result = crawl(PAGES, tmp_path)
    store = Store(result.store_path)
    store.db.execute("DROP TABLE probes")
    assert store.probe_rows() == []
    store.close()


# -- probe sampling (bounded) -------------------------------------------------------------------


def test_prober_samples_are_bounded(tmp_path: Path) -> None:
    settings = Settings(start_urls=[ORIGIN + "/"], run_dir=tmp_path)
    store = Store(tmp_path / "x.sqlite", create=True)
    prober = Prober(settings, store)
    for section in range(PROBED_SECTIONS + 10):
        for i in range(10):
            url = f"{ORIGIN}/s{section}/p{i}"
            resources = [Resource(kind="script", src="x", url=f"http://cdn{i % 300}.test/a.js")]
            prober.take(
                offering(
                    PageFacts(url=url, final_url=url, status=200, is_html=True, resources=resources)
                )
            )
    assert len(prober.sample) == PROBED_SECTIONS
    assert all(len(urls) == 3 for urls in prober.sample.values())
    assert len(prober.resource_origins) == 10
    store.close()


def test_resource_host_robots_are_bounded(tmp_path: Path) -> None:
    import asyncio

    settings = Settings(start_urls=[ORIGIN + "/"], run_dir=tmp_path)
    store = Store(tmp_path / "x.sqlite", create=True)
    prober = Prober(settings, store)
    for i in range(MAX_RESOURCE_ORIGINS_SEEN + 50):
        url = f"{ORIGIN}/p{i}"
        resources = [
            Resource(kind="stylesheet", src="x", url=f"http://cdn{i}.test/a.css"),
            Resource(kind="script", src="x", url="http://busy.test/app.js"),
            Resource(kind="image", src="x", url="http://images.test/a.png"),  # not render-critical
        ]
        prober.take(offering(PageFacts(url=url, final_url=url, status=200, resources=resources)))
    assert len(prober.resource_origins) == MAX_RESOURCE_ORIGINS_SEEN
    fetched: list[str] = []

    async def ensure(host: str) -> Any:
        fetched.append(host)

    requested: list[int] = []  # the crawl saves its footprint after each request
    asyncio.run(prober._resource_robots({}, ensure, lambda: False, lambda: requested.append(1)))
    assert len(fetched) == settings.crawl.resource_robots_hosts == len(requested)
    assert fetched[0] == "http://busy.test"  # the most referenced host first
    assert "http://images.test" not in fetched
    store.close()


# -- `seoaudit robots`: the way findings say to verify a fix ------------------------------------


async def _robots_site(request: Request) -> Response | None:
    if request.path == "/robots.txt":
        body = b"User-agent: *\nDisallow: /shop/\n\nUser-agent: GPTBot\nDisallow: /\n"
        return Response(200, [("Content-Type", "text/plain")], body)
    if request.path == "/loop/robots.txt":
        return Response.redirect("/loop/robots.txt")
    return Response.html("<title>x</title>")


@pytest.fixture(scope="module")
def robots_server() -> Iterator[SiteServer]:
    with SiteServer(handler=_robots_site) as server:
        yield server


def _robots_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SEOAUDIT_")}
    return subprocess.run(
        [sys.executable, "-m", "seoaudit", "robots", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env={**clean, "NO_COLOR": "1", **(env or {})},
    )


async def _looping_robots(request: Request) -> Response:
    if request.path in ("/robots.txt", "/robots-2.txt"):
        return Response.redirect(
            "/robots-2.txt" if request.path == "/robots.txt" else "/robots.txt"
        )
    return Response.html("<title>x</title>")


@pytest.mark.e2e
def test_robots_command_on_a_looping_robots_txt_gives_googles_verdict(tmp_path: Path) -> None:
    """A robots.txt redirecting in a loop got answers (301s): Google gives up on it and
    allows every URL. The command printed that verdict and then "no HTTP answer from the
    host" with exit 3, which says nothing could be checked."""
    with SiteServer(handler=_looping_robots) as server:
        answer = _robots_cli(server.base_url + "/page", cwd=tmp_path)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.startswith("allowed:")
    assert "no HTTP answer" not in answer.stderr


@pytest.mark.e2e
def test_robots_command_names_the_deciding_line(robots_server: SiteServer) -> None:
    base = robots_server.base_url
    blocked = _robots_cli(base + "/shop/tent")
    assert blocked.returncode == 1
    assert blocked.stdout.startswith("blocked:")
    assert "line 2: Disallow: /shop/" in blocked.stdout
    allowed = _robots_cli(base + "/blog/", "--as", "bingbot")
    assert allowed.returncode == 0 and allowed.stdout.startswith("allowed:")
    gpt = _robots_cli(base + "/blog/", "--as", "Mozilla/5.0 (compatible; GPTBot/1.2)")
    assert gpt.returncode == 1 and "for gptbot" in gpt.stdout and "line 5" in gpt.stdout


STAGING_LOGIN = "Basic c2VvOnMzY3JldA=="  # seo:s3cret


async def _staging_site(request: Request) -> Response:
    """A protected staging site: everything answers 401 without the login; its robots.txt
    shuts out every crawler but Bingbot, as staging sites should."""
    if request.header("authorization") != STAGING_LOGIN:
        return Response(401, [("WWW-Authenticate", 'Basic realm="staging"')], b"login")
    if request.path == "/robots.txt":
        body = b"User-agent: *\nDisallow: /\n\nUser-agent: bingbot\nAllow: /\n"
        return Response(200, [("Content-Type", "text/plain")], body)
    return Response.html("<title>x</title>")


@pytest.mark.e2e
def test_robots_command_reads_a_protected_site_with_the_audits_login_and_config(
    tmp_path: Path,
) -> None:
    login = {"SEOAUDIT_AUTH_USER": "seo", "SEOAUDIT_AUTH_PASSWORD": "s3cret"}
    with SiteServer(handler=_staging_site) as server:
        page = server.base_url + "/products/"
        # Without the login robots.txt is a 401, which Google reads as "allow everything".
        anonymous = _robots_cli(page, cwd=tmp_path)
        assert anonymous.returncode == 0 and anonymous.stdout.startswith("allowed:")
        assert "401" in anonymous.stdout
        # With it, the real file decides: staging is closed to Googlebot.
        logged_in = _robots_cli(page, cwd=tmp_path, env=login)
        assert logged_in.returncode == 1, logged_in.stdout + logged_in.stderr
        assert "line 2: Disallow: /" in logged_in.stdout
        assert "s3cret" not in logged_in.stdout + logged_in.stderr
        # The config file's crawler is the default "--as"; the flag still wins.
        (tmp_path / "seoaudit.toml").write_text('[crawl]\ncrawler = "bingbot"\n')
        configured = _robots_cli(page, cwd=tmp_path, env=login)
        assert configured.returncode == 0 and "for bingbot" in configured.stdout
        flagged = _robots_cli(page, "--as", "googlebot", cwd=tmp_path, env=login)
        assert flagged.returncode == 1 and "for googlebot" in flagged.stdout
        isolated = _robots_cli(page, "--isolated", cwd=tmp_path, env=login)
        assert isolated.returncode == 1 and "for googlebot" in isolated.stdout


def test_findings_cite_the_robots_command(tmp_path: Path) -> None:
    pages = {**PAGES, "/robots.txt": {"body": "User-agent: *\nDisallow: /shop/\n"}}
    result = crawl(pages, tmp_path)
    hit = next(f for f in result.report.findings if f.rule == "ROB008")
    assert hit.evidence["verify"] == f"seoaudit robots {ORIGIN}/shop/a --as googlebot"


# -- the demo site: planted crawl blocks found, traps left alone --------------------------------

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo"
MY_FAMILIES = ("ROB", "IDX", "RES", "BOT")


@pytest.mark.e2e
def test_demo_crawl_blocks_and_traps(tmp_path: Path) -> None:
    import tomllib

    expected = tomllib.loads((DEMO / "_expected.toml").read_text())
    with SiteServer(DEMO) as server:
        settings = Settings(start_urls=[server.base_url + "/"], run_dir=tmp_path)
        report = run_audit(settings).report
        base = server.base_url
    fired: dict[str, set[str]] = {}
    for finding in report.findings:
        fired.setdefault(finding.rule, set()).add(finding.url.removeprefix(base))
    for problem in expected["problem"]:
        code = problem.get("code", "")
        if code.startswith(MY_FAMILIES):
            assert set(problem["paths"]) <= fired.get(code, set()), problem["what"]
    for trap in expected["trap"]:
        if trap["family"] in MY_FAMILIES:
            for code, urls in fired.items():
                if code.startswith(trap["family"]):
                    assert not set(trap["paths"]) & urls, (code, trap["what"])
    crawl_block = next(i for i in report.issues if i.rule == "ROB008")
    assert crawl_block.count == 3
    assert (crawl_block.cause or "").endswith("robots.txt: Disallow: /products/tents/")
    assert crawl_block.evidence["line"] == 6
    assert not [e for e in report.rule_errors if e.rule.startswith(MY_FAMILIES)]


# -- robots.txt of every origin the crawl fetches from -----------------------------------


def test_an_origin_reached_by_redirect_has_its_own_robots_txt_obeyed(tmp_path: Path) -> None:
    """http://site.test/ moves to https://site.test/ (the same host, so in scope): Google
    reads https://site.test/robots.txt for the https pages (robots.txt applies per scheme,
    host and port), so its Disallow holds although the crawl started on http."""
    https = "https://site.test"
    pages: dict[str, dict[str, Any]] = {
        ORIGIN + "/": {"status": 301, "headers": {"Location": https + "/"}},
        https + "/robots.txt": {"body": "User-agent: *\nDisallow: /private/\n"},
        https + "/": {"body": '<title>home</title><a href="/private/a">a</a><a href="/b">b</a>'},
        https + "/private/a": {"body": "<title>secret</title>"},
        https + "/b": {"body": "<title>b</title>"},
    }
    result = crawl(pages, tmp_path)
    site = Site(Store(result.store_path))
    assert site.state(https + "/private/a") == "blocked"
    assert site.state(https + "/b") == "done"
    assert {r.origin for r in site.robots} == {ORIGIN, https}
    page = next(p for p in site.pages() if p.url == https + "/private/a")
    assert page.robots is not None and page.robots.allowed is False
    assert page.status is None  # never requested


def test_an_origin_reached_during_the_crawl_has_its_sitemaps_read(tmp_path: Path) -> None:
    """The http start's robots.txt names no sitemap; the https origin the site moves to
    does. Google reads the Sitemap lines of every robots.txt it fetches, so the https
    sitemap is read and its unlinked page crawled; a sitemap file is read only once."""
    https = "https://site.test"
    sitemap = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{https}/only-in-sitemap</loc></url></urlset>"
    )
    pages = _Counted(
        {
            ORIGIN + "/robots.txt": {"body": "User-agent: *\nAllow: /\n"},
            ORIGIN + "/": {"status": 301, "headers": {"Location": https + "/"}},
            https + "/robots.txt": {
                "body": f"User-agent: *\nAllow: /\nSitemap: {https}/sitemap.xml\n"
                f"Sitemap: {https}/sitemap.xml\n"
            },
            https + "/sitemap.xml": {
                "body": sitemap,
                "headers": {"Content-Type": "application/xml"},
            },
            https + "/": {"body": "<title>home</title>"},
            https + "/only-in-sitemap": {"body": "<title>found by the sitemap</title>"},
        }
    )
    result = crawl(pages, tmp_path)
    store = Store(result.store_path)
    site = Site(store)
    assert site.state(https + "/only-in-sitemap") == "done"
    assert site.sitemaps_of(https + "/only-in-sitemap") == [https + "/sitemap.xml"]
    assert {row["url"] for row in store.sitemap_rows()} == {
        ORIGIN + "/sitemap.xml",
        https + "/sitemap.xml",
    }
    assert pages.asked.count(https + "/sitemap.xml") == 1


def test_no_sitemap_is_read_for_a_new_origin_with_sitemaps_off(tmp_path: Path) -> None:
    https = "https://site.test"
    pages: dict[str, dict[str, Any]] = {
        ORIGIN + "/": {"status": 301, "headers": {"Location": https + "/"}},
        https + "/robots.txt": {"body": f"Sitemap: {https}/sitemap.xml\n"},
        https + "/": {"body": "<title>home</title>"},
    }
    result = crawl(pages, tmp_path, sitemaps=False)
    store = Store(result.store_path)
    assert store.sitemap_rows() == []
    assert Site(store).state(https + "/") == "done"


class _Counted(dict[str, dict[str, Any]]):
    """Pages that remember which keys the test site was asked for."""

    def __init__(self, pages: dict[str, dict[str, Any]]) -> None:
        super().__init__(pages)
        self.asked: list[str] = []

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.asked.append(key)
        return super().get(key, default)


def test_sections_beyond_the_matrix_are_counted_not_dropped_silently(tmp_path: Path) -> None:
    """A site with more sections than the matrix keeps lost the rest without a count."""
    from seoaudit.access import MAX_ROWS
    from seoaudit.report import html

    links = "".join(f'<a href="/s{i}/p">{i}</a>' for i in range(MAX_ROWS + 5))
    result = _audit({"/": {"body": f"<title>home</title>{links}"}}, tmp_path)
    matrix = result.report.access
    assert matrix is not None and len(matrix.rows) == MAX_ROWS
    assert matrix.omitted == 6  # 45 sections and "/" make 46
    assert "6 smaller sections not kept" in html.render(result.report)
    out = io.StringIO()
    console_write(result.report, out)
    assert "6 smaller sections not kept" in " ".join(out.getvalue().split())
