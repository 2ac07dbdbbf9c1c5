"""Every rule has passing and failing cases, as data under tests/rule_cases/*.toml.

Each case is a small site crawled in-process by the real crawler, extractor, store, Site
and rules; the test checks exactly where the rule fires (and with which severity/cause).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from seoaudit.ruledoc import _unfilled, doc_sections, verify_commands
from seoaudit.rules import REGISTRY
from tests.sites import ORIGIN, crawl

CASES_DIR = Path(__file__).parent / "rule_cases"


def _load() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        for case in tomllib.loads(path.read_text())["case"]:
            case["file"] = path.name
            cases.append(case)
    return cases


CASES = _load()
# Rules whose "How to verify" keeps a placeholder for the developer (a value no issue
# holds: a path to try, an ETag from a first response, a user agent...).
OPEN_PLACEHOLDERS = {
    "BOT001",
    "BOT005",
    "PERF005",
    "PERF011",
    "ROB009",
    "ROB012",
    "ROB013",
}


@pytest.mark.parametrize("case", CASES, ids=[f"{c['rule']}-{c['id']}" for c in CASES])
def test_rule_case(case: dict[str, Any], tmp_path: Path) -> None:
    assert case["rule"] in REGISTRY, f"unknown rule {case['rule']}"
    start = {"start": case["start"]} if "start" in case else {}
    result = crawl(case["pages"], tmp_path, **start, **case.get("settings", {}))
    hits = [f for f in result.report.findings if f.rule == case["rule"]]
    fired = sorted(f.url.removeprefix(ORIGIN) for f in hits)
    assert fired == sorted(case["expect"]), case["why"]
    if "severity" in case:
        assert {f.severity for f in hits} == {case["severity"]}
    if "cause" in case:
        assert {f.cause for f in hits} == {case["cause"]}
    if "message" in case:  # what annotations and JUnit show of a finding: its message
        assert all(case["message"] in f.message for f in hits), [f.message for f in hits]
    assert not [e for e in result.report.rule_errors if e.rule == case["rule"]]
    # Each finding is its own line in a baseline: no two share a fingerprint.
    prints = [f.fingerprint for f in result.report.findings]
    assert len(set(prints)) == len(prints)
    if hits and case["rule"] not in OPEN_PLACEHOLDERS:
        # a ticket's commands run as they stand: every placeholder filled from the issue
        text = doc_sections(REGISTRY[case["rule"]].doc).get("How to verify", "")
        for hit in hits:
            start = result.report.run.start_urls[0]
            for command in verify_commands(text, hit.url, hit.evidence, start):
                assert not _unfilled(command), command


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    for code in REGISTRY:
        mine = [c for c in CASES if c["rule"] == code]
        assert any(c["expect"] for c in mine), f"{code} has no failing case"
        assert any(not c["expect"] for c in mine), f"{code} has no passing case"


def test_every_rule_documents_fix_and_verification() -> None:
    for code, spec in REGISTRY.items():
        for section in ("## Why it matters", "## How to fix", "## How to verify", "## Source"):
            assert section in spec.doc, f"{code} docs lack {section!r}"
