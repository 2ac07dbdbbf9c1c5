"""Baseline fingerprints stay put when nothing about a problem changed, and the baseline
comparison (baseline.py, gate.py, ``seoaudit baseline update``) counts as fixed only what
a run judged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seoaudit import baseline
from tests.sites import ORIGIN, crawl
from tests.test_rule_cases import CASES

# -- fingerprints: stable when an unrelated robots.txt line moves --------------------------

_NOTE = "# robots.txt for the shop, updated by the platform team\n\n"


def _shifted(pages: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``pages`` with a comment and a blank line above every robots.txt's first line: its
    rules are the same, each on a line two further down."""
    shifted = {}
    for path, spec in pages.items():
        body = spec.get("body")
        if path.endswith("robots.txt") and isinstance(body, str) and "repeat" not in spec:
            spec = {**spec, "body": _NOTE + body}
        shifted[path] = spec
    return shifted


# The first failing case of each rule whose site has a robots.txt (one per rule: the
# cause is made the same way in every case of a rule).
ROBOTS_CASES = list(
    {
        c["rule"]: c
        for c in reversed(CASES)
        if c["expect"] and any(p.endswith("robots.txt") for p in c["pages"])
    }.values()
)


@pytest.mark.parametrize("case", ROBOTS_CASES, ids=[f"{c['rule']}-{c['id']}" for c in ROBOTS_CASES])
def test_moving_robots_lines_keeps_every_fingerprint(case: dict[str, Any], tmp_path: Path) -> None:
    """Every rule case with a robots.txt and a finding, crawled again with two lines
    added above the rules: the findings are the same problems, so a baseline of the
    first run must hold every one of the second (a cause naming a line number changed
    them all: the CI reported each as new and as fixed)."""
    start = {"start": case["start"]} if "start" in case else {}
    settings = case.get("settings", {})
    prints = []
    for run, pages in enumerate((case["pages"], _shifted(case["pages"]))):
        result = crawl(pages, tmp_path / str(run), **start, **settings)
        hits = [f for f in result.report.findings if f.rule == case["rule"]]
        assert hits, case["why"]
        prints.append(sorted(baseline.fingerprint(f, ORIGIN) for f in hits))
    assert prints[0] == prints[1]


# -- fingerprints: the same on staging and production --------------------------------------


def test_a_cause_naming_the_audited_host_matches_on_another_origin(tmp_path: Path) -> None:
    """PERF004 and PERF005 name the host bare (``site.test``, ``staging.test:8080``): a
    baseline made on one origin held none of another's findings of them (the origin was
    taken out of URLs in a cause, the bare host was not)."""
    page = {"body": "<p>Trail notes, gear tests and member deals once a month.</p>" * 40}
    prints = []
    for start in (ORIGIN, "http://staging.test:8080"):
        result = crawl({"/": page}, tmp_path / str(len(prints)), start=start + "/")
        hits = [f for f in result.report.findings if f.rule in ("PERF004", "PERF005")]
        assert {f.rule for f in hits} == {"PERF004", "PERF005"}
        assert start.removeprefix("http://") in (hits[0].cause or "")
        prints.append(sorted(baseline.fingerprint(f, start) for f in hits))
    assert prints[0] == prints[1]


def test_only_the_audited_host_standing_alone_is_taken_out_of_a_cause() -> None:
    def cause(text: str, base: str = "https://www.example.com") -> str:
        return baseline.portable_cause(text, base)

    assert cause("www.example.com") == ""
    assert cause("www.example.com: no ETag or Last-Modified") == ": no ETag or Last-Modified"
    assert cause("WWW.Example.com: expired") == ": expired"  # host names ignore case
    assert cause("127.0.0.1:8123", "http://127.0.0.1:8123") == ""
    # another host, a longer one, another port, inside a URL: kept
    for other in (
        "cdn.example.net",
        "www.example.com.evil",
        "shop.www.example.com",
        "www-example.com",
        "www.example.com:8443",
        "http://www.example.com.evil/x",
        "//www.example.com/x",
        "www.example.com/x",
    ):
        assert cause(other) == other, other
    assert cause("127.0.0.1:81234", "http://127.0.0.1:8123") == "127.0.0.1:81234"
    # the origin, as before
    assert cause("https://www.example.com/robots.txt: Disallow: /x") == "/robots.txt: Disallow: /x"
