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
