"""Documentation that is generated must stay current."""

from __future__ import annotations

from pathlib import Path

from seoaudit.rules import rules_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_rules_catalogue_is_current() -> None:
    written = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert written == rules_markdown(), "run: seoaudit rules --markdown > docs/rules.md"


def test_every_rule_code_is_in_the_changelog() -> None:
    from seoaudit.rules import REGISTRY

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    missing = [code for code in REGISTRY if code not in changelog]
    assert not missing, f"CHANGELOG.md lacks {missing}"
