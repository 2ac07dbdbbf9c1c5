"""Findings are streamed from the rules into the run store (a large run never holds them
all), so the store, not the rules, keeps them in report order."""

from __future__ import annotations

import random
from pathlib import Path

from seoaudit.models import Finding, RuleError
from seoaudit.rules.registry import sort_key
from seoaudit.store import Store


def _finding(rule: str, url: str, message: str, cause: str | None = None) -> Finding:
    return Finding(rule=rule, name="x", severity="warning", url=url, message=message, cause=cause)


def test_findings_come_back_in_report_order_whatever_the_insertion_order(
    tmp_path: Path,
) -> None:
    findings = [
        _finding(rule, f"https://example.com/{path}", message, cause)
        for rule in ("HTTP001", "CAN002", "ROB001")
        for path in ("b", "a", "é", "a/b")
        for cause in (None, "robots.txt line 3", "a cause")
        for message in ("second", "first")
    ]
    shuffled = findings[:]
    random.Random(7).shuffle(shuffled)
    store = Store(tmp_path / "run.sqlite", create=True)
    errors = [RuleError(rule="X001", error="boom")]
    store.replace_findings(iter(shuffled), errors)  # an iterator: consumed as it comes
    assert store.findings() == sorted(findings, key=sort_key)
    assert store.rule_errors() == errors
    store.replace_findings(iter([findings[0]]), [])  # replaced, not appended
    assert store.findings() == [findings[0]]
    assert store.rule_errors() == []
    store.close()
