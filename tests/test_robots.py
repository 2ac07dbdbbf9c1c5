"""robots.txt: the matcher cases (tests/data/robots_cases.json), fetch outcomes, problems,
sitemaps, crawl-delay, crawler fall-backs, product tokens, verdicts and hostile bodies.

Case file format: ``robots`` and ``url`` may hold ``{{c*N}}`` (N copies of the character
c) so that 16 KB lines stay readable; ``bytes: "latin-1"`` encodes ``robots`` as Latin-1
to get raw non-UTF-8 bytes; ``differs_from_reference`` marks the cases where the module
follows RFC 9309 rather than google/robotstxt (reference/robots.md explains each choice).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from seoaudit.robots import (
    MAX_BODY_BYTES,
    LineProblem,
    RobotsTxt,
    interpret_fetch,
    is_allowed,
    match_path,
    path_matcher,
    product_token,
)

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "robots_cases.json").read_text(encoding="utf-8")
)
ROBOTS_URL = "https://example.com/robots.txt"


def _expand(text: str) -> str:
    return re.sub(r"\{\{(.)\*(\d+)\}\}", lambda m: m[1] * int(m[2]), text)


def _body(case: dict[str, Any]) -> bytes:
    return _expand(case["robots"]).encode(case.get("bytes", "utf-8"))


# ---------------------------------------------------------------------------------------
# The matcher cases
# ---------------------------------------------------------------------------------------


def test_case_file_is_complete() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) >= 150
    assert len(set(ids)) == len(ids), "duplicate case ids"
    for case in CASES:
        assert set(case) >= {"id", "robots", "agent", "url", "allowed", "why"}, case["id"]
        assert case["why"].strip(), case["id"]
    # Both outcomes are exercised, so a matcher that always answers one way fails.
    assert {case["allowed"] for case in CASES} == {True, False}


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_matcher_case(case: dict[str, Any]) -> None:
    url = _expand(case["url"])
    decision = RobotsTxt.parse(_body(case)).decide(case["agent"], url)
    assert decision.allowed is case["allowed"], case["why"]
    if "bytes" not in case:  # the str entry point reads the same file the same way
        assert is_allowed(_expand(case["robots"]), case["agent"], url) is case["allowed"]


# ---------------------------------------------------------------------------------------
# Decisions: the rule, its line and weight, and the group used
# ---------------------------------------------------------------------------------------

SAMPLE = (
    "User-agent: *\n"  # 1
    "Disallow: /private/\n"  # 2
    "Allow: /private/ok  # fine\n"  # 3
    "Crawl-delay: 4\n"  # 4
    "\n"  # 5
    "User-agent: Googlebot\n"  # 6
    "Disallow: /nogoogle\n"  # 7
    "Allow: /shop/index.html\n"  # 8
    "Disallow: /shop/\n"  # 9
    "Sitemap: https://example.com/sitemap.xml\n"  # 10
)


def test_decision_names_rule_line_weight_and_group() -> None:
    robots = RobotsTxt.parse(SAMPLE)
    decision = robots.decide("FooBot", "https://example.com/private/x")
    assert not decision.allowed and decision.group == "*"
    assert decision.rule is not None
    assert (decision.rule.line, decision.rule.raw) == (2, "Disallow: /private/")
    assert (decision.rule.pattern, decision.rule.weight) == ("/private/", 9)
    allowed = robots.decide("FooBot", "https://example.com/private/ok")
    assert allowed.allowed and allowed.rule is not None
    assert (
        allowed.rule.raw == "Allow: /private/ok  # fine" and allowed.rule.pattern == "/private/ok"
    )


def test_decision_without_a_matching_rule() -> None:
    robots = RobotsTxt.parse(SAMPLE)
    assert robots.decide("googlebot", "https://example.com/private/x").rule is None
    assert robots.decide("googlebot", "https://example.com/private/x").group == "googlebot"
    empty = RobotsTxt.parse("User-agent: FooBot\nDisallow:\n")
    assert empty.decide("FooBot", "https://example.com/").rule is None
    nothing = RobotsTxt.parse("User-agent: FooBot\nDisallow: /\n").decide("BarBot", "/x")
    assert (nothing.allowed, nothing.group) == (True, "")


def test_index_html_rewrite_reports_the_allow_line() -> None:
    decision = RobotsTxt.parse(SAMPLE).decide("Googlebot", "https://example.com/shop/")
    assert decision.allowed and decision.rule is not None and decision.rule.line == 8


def test_agents_and_rules_for() -> None:
    robots = RobotsTxt.parse(SAMPLE + "User-agent: FooBot/2.0\nUser-agent: *\nDisallow: /z\n")
    assert robots.agents() == {"*", "googlebot", "foobot"}
    assert [r.line for r in robots.rules_for("FooBot")] == [13]
    assert [r.line for r in robots.rules_for("unknown")] == [2, 3, 13]
    assert [r.allow for r in robots.rules_for("Googlebot")] == [False, True, False]


def test_match_path() -> None:
    assert match_path("https://e.com/a/ü?q=%7e#f") == "/a/%C3%BC?q=~"
    assert match_path("https://e.com") == "/"
    assert match_path("https://e.com/a$b*c") == "/a%24b%2Ac"
    assert match_path("https://e.com/%2f%3a") == "/%2F%3A"


# ---------------------------------------------------------------------------------------
# Crawler-level selection
# ---------------------------------------------------------------------------------------

FALLBACKS = (
    "User-agent: *\nDisallow: /star\n\n"
    "User-agent: Googlebot\nDisallow: /gbot\n\n"
    "User-agent: GoogleOther\nDisallow: /other\n"
)


@pytest.mark.parametrize(
    ("robots", "crawler", "path", "allowed", "group"),
    [
        (FALLBACKS, "Googlebot-Image", "/gbot", False, "googlebot"),
        (FALLBACKS, "Googlebot-Image", "/star", True, "googlebot"),
        (FALLBACKS, "Googlebot-News", "/gbot", False, "googlebot"),
        (FALLBACKS, "Googlebot-Video/1.0", "/gbot", False, "googlebot"),
        (FALLBACKS, "Google-InspectionTool", "/gbot", False, "googlebot"),
        (FALLBACKS, "GoogleOther-Image", "/other", False, "googleother"),
        (FALLBACKS, "GoogleOther-Image", "/gbot", True, "googleother"),
        (FALLBACKS, "Storebot-Google", "/star", False, "*"),
        (FALLBACKS, "Applebot", "/gbot", False, "googlebot"),
        (
            FALLBACKS + "User-agent: Googlebot-Image\nDisallow: /img\n",
            "Googlebot-Image",
            "/gbot",
            True,
            "googlebot-image",
        ),
        ("User-agent: *\nDisallow: /star\n", "Googlebot-Image", "/star", False, "*"),
        (FALLBACKS, "AdsBot-Google", "/star", True, ""),
        (FALLBACKS, "AdsBot-Google-Mobile", "/gbot", True, ""),
        (FALLBACKS, "Mediapartners-Google", "/star", True, ""),
        (
            "User-agent: AdsBot-Google\nDisallow: /ads\n",
            "AdsBot-Google",
            "/ads",
            False,
            "adsbot-google",
        ),
        (FALLBACKS, "FooBot", "/star", False, "*"),
        (FALLBACKS, "FooBot", "/gbot", True, "*"),
    ],
)
def test_decide_for_crawler(
    robots: str, crawler: str, path: str, allowed: bool, group: str
) -> None:
    decision = RobotsTxt.parse(robots).decide_for_crawler(crawler, "https://e.com" + path)
    assert (decision.allowed, decision.group) == (allowed, group)


def test_single_token_matcher_has_no_fallback() -> None:
    robots = RobotsTxt.parse(FALLBACKS)
    assert robots.decide("Googlebot-Image", "https://e.com/gbot").allowed
    assert not robots.decide("AdsBot-Google", "https://e.com/star").allowed


@pytest.mark.parametrize(
    ("user_agent", "token"),
    [
        ("Googlebot", "googlebot"),
        ("FooBot", "foobot"),
        ("Foo Bar", "foo"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "googlebot"),
        (
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 (compatible; "
            "Googlebot/2.1; +http://www.google.com/bot.html)",
            "googlebot",
        ),
        ("Googlebot-Image/1.0", "googlebot-image"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 14_7_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/14.1.2 Mobile/15E148 Safari/604.1 (compatible; "
            "AdsBot-Google-Mobile; +http://www.google.com/mobile/adsbot.html)",
            "adsbot-google-mobile",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; Storebot-Google/1.0) AppleWebKit/537.36",
            "storebot-google",
        ),
        ("Mozilla/5.0 (compatible; Google-InspectionTool/1.0;)", "google-inspectiontool"),
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
            "+http://www.bing.com/bingbot.htm) Chrome/116.0 Safari/537.36",
            "bingbot",
        ),
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; +https://openai.com/gptbot)",
            "gptbot",
        ),
        ("CCBot/2.0 (https://commoncrawl.org/faq/)", "ccbot"),
        ("Mozilla/5.0 (compatible; FooCrawler/3.1; +https://foo.example/bot)", "foocrawler"),
        ("seoaudit-bot/1.0 (+https://example.com)", "seoaudit-bot"),
        ("curl/8.4.0", "curl"),
        ("  googlebot  ", "googlebot"),
        ("*", ""),
        ("", ""),
    ],
)
def test_product_token(user_agent: str, token: str) -> None:
    assert product_token(user_agent) == token


# ---------------------------------------------------------------------------------------
# Fetch outcomes (reference/robots.md fetch table)
# ---------------------------------------------------------------------------------------

BLOCK_ALL = b"User-agent: *\nDisallow: /\n"


@pytest.mark.parametrize(
    ("status", "error", "redirects", "outcome"),
    [
        (200, None, 0, "parsed"),
        (204, None, 0, "parsed"),
        (200, None, 5, "parsed"),  # five redirects are followed
        (200, None, 6, "allow-all"),  # six: treated as a 404
        (301, None, 6, "allow-all"),
        (302, None, 1, "allow-all"),  # a redirect that could not be followed
        (404, None, 2, "allow-all"),  # a redirect to a 404
        (503, None, 2, "disallow-all"),  # a redirect to a 503
        (400, None, 0, "allow-all"),
        (401, None, 0, "allow-all"),
        (403, None, 0, "allow-all"),
        (404, None, 0, "allow-all"),
        (410, None, 0, "allow-all"),
        (429, None, 0, "disallow-all"),
        (500, None, 0, "disallow-all"),
        (503, None, 0, "disallow-all"),
        (None, "timeout", 0, "disallow-all"),
        (None, "dns-error", 0, "disallow-all"),
        (200, "connection-reset", 0, "disallow-all"),  # a truncated connection
        (None, None, 0, "disallow-all"),
        (999, None, 0, "disallow-all"),
        (102, None, 0, "disallow-all"),
    ],
)
def test_interpret_fetch_table(
    status: int | None, error: str | None, redirects: int, outcome: str
) -> None:
    robots_file = interpret_fetch(ROBOTS_URL, status, BLOCK_ALL, error=error, redirects=redirects)
    assert robots_file.outcome == outcome
    assert (robots_file.robots is not None) is (outcome == "parsed")
    assert robots_file.url == ROBOTS_URL and robots_file.status == status
    verdict = robots_file.verdict("Googlebot", "https://example.com/page")
    assert verdict.allowed is (outcome == "allow-all")
    assert verdict.robots_url == ROBOTS_URL and verdict.agent == "googlebot"
    if outcome != "parsed":
        assert verdict.reason == robots_file.reason


@pytest.mark.parametrize(
    ("status", "error", "redirects", "words"),
    [
        (503, None, 0, ["503", "disallowed"]),
        (429, None, 0, ["429", "server error", "disallowed"]),
        (403, None, 0, ["403", "allows every URL"]),
        (401, None, 0, ["401", "allows every URL"]),
        (404, None, 0, ["404", "allows every URL"]),
        (301, None, 6, ["6 times", "allows every URL"]),
        (None, "timeout", 0, ["timeout", "disallowed"]),
        (200, None, 0, ["200", "its rules apply"]),
    ],
)
def test_interpret_fetch_reasons(
    status: int | None, error: str | None, redirects: int, words: list[str]
) -> None:
    reason = interpret_fetch(ROBOTS_URL, status, b"", error=error, redirects=redirects).reason
    for word in words:
        assert word in reason


def test_html_body_is_parsed_and_flagged() -> None:
    body = b"Oops\n<!DOCTYPE html>\n<html><body>\n<p>Not found</p>\nDisallow: /x\n</body></html>\n"
    robots_file = interpret_fetch(ROBOTS_URL, 200, body, content_type="text/html; charset=utf-8")
    assert robots_file.outcome == "parsed" and "HTML" in robots_file.reason
    assert robots_file.robots is not None
    kinds = [p.kind for p in robots_file.robots.problems]
    assert kinds == ["looks-like-html", "rule-outside-group"]  # markup lines are not noise
    rules = b"<html><body>\nUser-agent: *\nDisallow: /private\n</body></html>"
    served = interpret_fetch(ROBOTS_URL, 200, rules, content_type="text/html")
    assert not served.verdict("googlebot", "https://example.com/private/a").allowed


def test_html_content_type_alone_is_flagged() -> None:
    robots_file = interpret_fetch(ROBOTS_URL, 200, BLOCK_ALL, content_type="text/html")
    assert robots_file.robots is not None
    assert robots_file.robots.problems[0].kind == "looks-like-html"
    plain = interpret_fetch(ROBOTS_URL, 200, BLOCK_ALL, content_type="text/plain")
    assert plain.robots is not None and plain.robots.problems == []


def _big_body() -> tuple[bytes, int]:
    """A body over 500 KiB: the rule lines cross the cut; returns it and the line cut."""
    lines = [b"User-agent: *"]
    size = len(lines[0]) + 1
    number = 1
    while size <= MAX_BODY_BYTES:
        number += 1
        line = b"Disallow: /page-%06d" % number
        lines.append(line)
        size += len(line) + 1
    lines += [b"Disallow: /late", b"Sitemap: https://example.com/late.xml"]
    return b"\n".join(lines) + b"\n", number  # the last rule crossing the cut is lost


def test_body_over_500_kib_is_cut() -> None:
    body, cut_line = _big_body()
    assert 600_000 > len(body) > MAX_BODY_BYTES
    robots_file = interpret_fetch(ROBOTS_URL, 200, body)
    robots = robots_file.robots
    assert robots is not None and robots.truncated
    assert robots.first_lost_line == cut_line
    assert f"line {cut_line}" in robots_file.reason and "500 KiB" in robots_file.reason
    assert not robots.decide("FooBot", "https://example.com/page-000002").allowed
    assert robots.decide("FooBot", "https://example.com/late").allowed
    assert robots.sitemaps == []
    assert robots.lines == cut_line


def test_cut_at_a_line_boundary() -> None:
    head = b"User-agent: *\n" + b"#" * (MAX_BODY_BYTES - 16) + b"\n"
    assert len(head) == MAX_BODY_BYTES - 1
    body = head + b"\nDisallow: /\n"  # byte 512,000 is the blank line 3; line 4 is lost
    robots = RobotsTxt.parse(body)
    assert (robots.truncated, robots.first_lost_line) == (True, 4)
    assert robots.decide("x", "https://e.com/").allowed
    split_crlf = b"#" * (MAX_BODY_BYTES - 1) + b"\r\n"  # the cut falls inside CRLF
    assert RobotsTxt.parse(split_crlf).first_lost_line is None
    small = RobotsTxt.parse(BLOCK_ALL)
    assert (small.truncated, small.first_lost_line) == (False, None)


# ---------------------------------------------------------------------------------------
# Problems, sitemaps, crawl-delay
# ---------------------------------------------------------------------------------------

PROBLEMS = (
    "Disallow: /early\n"  # 1 rule-outside-group
    "User-agent: *\n"  # 2
    "Crawl-delay: 10\n"  # 3 unsupported-directive
    "Noindex: /old/\n"  # 4 unsupported-directive
    "Host: example.com\n"  # 5 unsupported-directive
    "Clean-param: ref /a\n"  # 6 unsupported-directive
    "Disallow private\n"  # 7 fine (no-colon form): path problem
    "this line makes no sense\n"  # 8 invalid-line
    "Frobnicate: yes\n"  # 9 unknown-directive
    "Sitemap: /sitemap.xml\n"  # 10 invalid-sitemap
    "Disallow: /" + "a" * 17_000 + "\n"  # 11 line-too-long
    "Allow: /ok\n"  # 12 fine
)


def test_problems() -> None:
    found = [(p.line, p.kind, p.directive) for p in RobotsTxt.parse(PROBLEMS).problems]
    assert found == [
        (1, "rule-outside-group", None),
        (3, "unsupported-directive", "crawl-delay"),
        (4, "unsupported-directive", "noindex"),
        (5, "unsupported-directive", "host"),
        (6, "unsupported-directive", "clean-param"),
        (7, "invalid-path", None),
        (8, "invalid-line", None),
        (9, "unknown-directive", "frobnicate"),
        (10, "invalid-sitemap", None),
        (11, "line-too-long", None),
    ]


def test_problem_text_is_the_line_as_written() -> None:
    problems = RobotsTxt.parse("User-agent: *\n  Crawl-delay: 10  # slow\n").problems
    assert problems == [
        LineProblem(2, "unsupported-directive", "Crawl-delay: 10  # slow", "crawl-delay")
    ]


def test_clean_file_has_no_problems() -> None:
    assert RobotsTxt.parse(SAMPLE.replace("Crawl-delay: 4\n", "")).problems == []


def test_problems_are_bounded() -> None:
    robots = RobotsTxt.parse("nonsense line here\n" * 5000)
    assert len(robots.problems) == 1000 and robots.problems_dropped == 4000


def test_sitemaps() -> None:
    robots = RobotsTxt.parse(
        "Sitemap: https://example.com/a.xml\n"
        "User-agent: *\n"
        "Disallow: /x\n"
        "site-map: https://example.com/b.xml # typo\n"
        "SITEMAP:https://cdn.example.net/c.xml.gz\n"
        "Sitemap:\n"
        "Sitemap: relative.xml\n"
    )
    assert robots.sitemaps == [
        (1, "https://example.com/a.xml"),
        (4, "https://example.com/b.xml"),
        (5, "https://cdn.example.net/c.xml.gz"),
        (7, "relative.xml"),
    ]
    assert [p.line for p in robots.problems if p.kind == "invalid-sitemap"] == [6, 7]
    # A byte that is no UTF-8 is requested percent-encoded (it was "\\xe9", as text)
    latin1 = RobotsTxt.parse(b"Sitemap: https://example.com/caf\xe9-\xc3\xa9.xml\n")
    assert latin1.sitemaps == [(1, "https://example.com/caf%E9-\u00e9.xml")]
    # A sitemap line neither opens nor closes a group.
    assert not robots.decide("FooBot", "https://example.com/x").allowed


@pytest.mark.parametrize(
    ("robots", "token", "delay"),
    [
        ("User-agent: *\nCrawl-delay: 5\n", "bingbot", 5.0),
        ("User-agent: *\nCrawl-delay: 0.5\nDisallow: /x\n", "bingbot", 0.5),
        ("User-agent: bingbot\nCrawl-delay: 2\nUser-agent: *\nCrawl-delay: 9\n", "bingbot", 2.0),
        ("User-agent: bingbot\nDisallow: /\nUser-agent: *\nCrawl-delay: 9\n", "bingbot", None),
        # Crawl-delay does not end the user-agent run: bingbot and * share one group.
        ("User-agent: bingbot\nCrawl-delay: 2\nUser-agent: *\nCrawl-delay: 9\n", "ccbot", 2.0),
        (
            "User-agent: bingbot\nCrawl-delay: 2\nAllow: /\nUser-agent: *\nCrawl-delay: 9\n",
            "ccbot",
            9.0,
        ),
        ("User-agent: *\nCrawl-delay: soon\nCrawl-delay: 3\n", "bingbot", 3.0),
        ("User-agent: *\nCrawl-delay: -1\n", "bingbot", None),
        ("User-agent: *\nCrawl-delay: nan\n", "bingbot", None),
        ("User-agent: *\nCrawl-delay: inf\n", "bingbot", None),
        ("Crawl-delay: 4\nUser-agent: *\n", "bingbot", None),
        (
            "User-agent: a\nDisallow: /\nUser-agent: b\nDisallow: /\nUser-agent: a\nCrawl-delay: 7",
            "a",
            7,
        ),
        ("User-agent: a\nCrawl-delay: 1\nUser-agent: b\nDisallow: /\n", "b", 1.0),
        ("", "bingbot", None),
    ],
)
def test_crawl_delay(robots: str, token: str, delay: float | None) -> None:
    assert RobotsTxt.parse(robots).crawl_delay(token) == delay


# ---------------------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------------------


def test_verdict_names_line_and_rule() -> None:
    robots_file = interpret_fetch(ROBOTS_URL, 200, SAMPLE.encode())
    verdict = robots_file.verdict("Googlebot", "https://example.com/nogoogle/a")
    assert (verdict.allowed, verdict.line, verdict.rule) == (False, 7, "Disallow: /nogoogle")
    assert verdict.reason is not None and "line 7" in verdict.reason
    other = robots_file.verdict(
        "Mozilla/5.0 (compatible; FooBot/1.0)", "https://example.com/private/"
    )
    assert (other.allowed, other.agent, other.line, other.rule) == (
        False,
        "foobot",
        2,
        "Disallow: /private/",
    )
    free = robots_file.verdict("Googlebot", "https://example.com/private/x")
    assert (free.allowed, free.line, free.rule) == (True, None, None)
    image = robots_file.verdict("Googlebot-Image", "https://example.com/nogoogle")
    assert (image.allowed, image.line) == (False, 7)  # falls back to the Googlebot group


def test_verdict_for_robots_txt_itself() -> None:
    for status in (200, 503, 404):
        robots_file = interpret_fetch(ROBOTS_URL, status, BLOCK_ALL)
        assert robots_file.verdict("Googlebot", ROBOTS_URL).allowed
    assert not interpret_fetch(ROBOTS_URL, 503, b"").verdict("x", "https://e.com/").allowed


def test_verdict_is_json_safe_for_non_utf8_rules() -> None:
    robots_file = interpret_fetch(ROBOTS_URL, 200, b"User-agent: *\nDisallow: /caf\xe9\n")
    verdict = robots_file.verdict("x", "https://example.com/caf%E9")
    assert not verdict.allowed and verdict.rule == "Disallow: /caf\\xe9"
    json.loads(verdict.model_dump_json())


# ---------------------------------------------------------------------------------------
# Hostile bodies never raise
# ---------------------------------------------------------------------------------------


def _garbage() -> list[bytes]:
    rnd = random.Random(9309)
    text = "User-agent: *\nDisallow: /private\nSitemap: https://e.com/s.xml\n"
    return [
        bytes(rnd.randrange(256) for _ in range(20_000)),
        text.encode("utf-16"),
        text.encode("utf-16-be"),
        text.encode("utf-32"),
        b"\x00" * 10_000,
        b"\xff\xfe\xfd" * 50_000,
        b"\r" * 100_000,
        b"User-agent: *\nDisallow: /" + b"*a" * 60_000 + b"\n",
        b"User-agent: *\n" * 20_000 + b"Disallow: /x\n" * 20_000,
        b"%" * 30_000 + b":" + b"%zz" * 1000,
    ]


@pytest.mark.parametrize("body", _garbage(), ids=lambda b: f"{len(b)}-bytes")
def test_garbage_never_raises(body: bytes) -> None:
    robots_file = interpret_fetch(ROBOTS_URL, 200, body)
    robots = robots_file.robots
    assert robots is not None
    for url in ("https://e.com/private", "https://e.com/" + "a" * 8000, "https://e.com/\udcff"):
        decision = robots.decide_for_crawler("Googlebot", url)
        assert decision.allowed in (True, False)
        json.loads(robots_file.verdict("Googlebot", url).model_dump_json())
    json.dumps([(p.line, p.kind, p.text) for p in robots.problems])
    json.dumps(robots.sitemaps)


def test_utf16_body_reads_no_rules() -> None:
    text = "User-agent: *\nDisallow: /\n"
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        robots = RobotsTxt.parse(text.encode(encoding))
        assert robots.decide("Googlebot", "https://e.com/x").allowed  # NULs break every line


def test_str_bodies_with_lone_surrogates() -> None:
    robots = RobotsTxt.parse("User-agent: *\nDisallow: /a\udcff\nDisallow: /b\ud800\n")
    assert not robots.decide("x", "https://e.com/a%FF").allowed
    assert is_allowed("User-agent: *\nDisallow: /\ud800\n", "x", "https://e.com/")


def test_wildcard_heavy_rule_against_long_url() -> None:
    body = "User-agent: *\nDisallow: /" + "*a" * 5000 + "b\n"
    robots = RobotsTxt.parse(body)
    assert robots.decide("x", "https://e.com/" + "a" * 8000).allowed
    assert not robots.decide("x", "https://e.com/" + "a" * 6000 + "b").allowed


def test_many_wildcard_rules_still_decide_by_weight() -> None:
    # More "/*..." rules than the bucketing keeps: the full ordered list is scanned.
    rules = "".join(f"Disallow: /*x{i:04d}\n" for i in range(2500))
    robots = RobotsTxt.parse("User-agent: *\n" + rules + "Allow: /a/b/x2499\n")
    assert not robots.decide("x", "https://e.com/q/x0007").allowed
    assert robots.decide("x", "https://e.com/a/b/x2499").allowed  # 11 beats 7
    assert robots.decide("x", "https://e.com/q/y").allowed


@pytest.mark.parametrize(
    ("pattern", "prefix"),
    [("/shop/", "/shop/"), ("/*.pdf$", None), ("/a$", None), ("/café", "/caf%C3%A9")],
)
def test_path_matcher_matches_as_decide_does(pattern: str, prefix: str | None) -> None:
    robots = RobotsTxt.parse(f"User-agent: *\nDisallow: {pattern}\n")
    found_prefix, matches = path_matcher(pattern)
    assert found_prefix == prefix
    for url in (
        "http://x/shop/tent",
        "http://x/guide.pdf",
        "http://x/a",
        "http://x/ab",
        "http://x/caf%C3%A9s",
        "http://x/SHOP/",
    ):
        blocked = not robots.decide("googlebot", url).allowed
        assert matches(match_path(url)) == blocked, url


def test_crawler_rules_compare_files_by_meaning() -> None:
    site = RobotsTxt.parse("User-agent: *\nDisallow: /private/\nAllow: /private/ok\n")
    # comments, order, field case, spacing, empty rules and Sitemap lines do not count
    same = RobotsTxt.parse(
        "# copy\nuser-agent: *\nallow: /private/ok  # fine\nDISALLOW:/private/\nDisallow:\n"
        "Sitemap: https://example.com/s.xml\n"
    )
    assert same.crawler_rules("googlebot") == site.crawler_rules("googlebot")
    assert site.crawler_rules("googlebot") == {(False, "/private/"), (True, "/private/ok")}
    # a group naming Googlebot replaces * for it; Googlebot-Image falls back to it
    named = RobotsTxt.parse(
        "User-agent: *\nDisallow: /private/\n\nUser-agent: Googlebot\nAllow: /\n"
    )
    assert named.crawler_rules("googlebot") == {(True, "/")}
    assert named.crawler_rules("googlebot-image") == {(True, "/")}
    assert named.crawler_rules("bingbot") == {(False, "/private/")}
    # special-case crawlers ignore *: no rules at all
    assert site.crawler_rules("adsbot-google") == frozenset()
    # patterns are compared as Google escapes them
    escaped = RobotsTxt.parse("User-agent: *\nDisallow: /caf\xe9/\n")
    assert escaped.crawler_rules("x") == RobotsTxt.parse(
        "User-agent: *\nDisallow: /caf%C3%A9/\n"
    ).crawler_rules("x")


def test_fetch_outcomes_as_rules() -> None:
    missing = interpret_fetch("https://example.com/robots.txt", 404, b"")
    failing = interpret_fetch("https://example.com/robots.txt", 503, b"")
    assert missing.crawler_rules("googlebot") == frozenset()
    assert failing.crawler_rules("googlebot") == {(False, "/")}
    disallow_all = interpret_fetch(
        "https://example.com/robots.txt", 200, b"User-agent: *\nDisallow: /"
    )
    assert disallow_all.crawler_rules("googlebot") == failing.crawler_rules("googlebot")
    empty = interpret_fetch("https://example.com/robots.txt", 200, b"User-agent: *\nDisallow:")
    assert empty.crawler_rules("googlebot") == missing.crawler_rules("googlebot")
