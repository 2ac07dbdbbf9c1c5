"""The glossary: terms in both vocabularies, `seoaudit explain TERM`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from seoaudit import glossary
from seoaudit.cli import app
from seoaudit.ruledoc import doc_sections
from seoaudit.rules import REGISTRY

REQUIRED = (
    "crawl-budget",
    "canonical",
    "indexability",
    "noindex",
    "soft-404",
    "hreflang",
    "structured-data",
    "ttfb",
)


def test_every_term_speaks_both_languages() -> None:
    keys = [t.key for t in glossary.TERMS]
    assert len(keys) == len(set(keys))
    assert set(REQUIRED) <= set(keys)
    for term in glossary.TERMS:
        assert term.seo and term.it and term.meet, term.key
        assert term.seo != term.it


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("canonical", "canonical"),
        ("rel=canonical", "canonical"),
        ("Soft 404", "soft-404"),
        ("TTFB", "ttfb"),
        ("time to first byte", "ttfb"),
        ("X-Robots-Tag", "noindex"),
        ("JSON-LD", "structured-data"),
        ("Crawl budget", "crawl-budget"),
    ],
)
def test_lookup_by_key_alias_or_title(text: str, key: str) -> None:
    term = glossary.lookup(text)
    assert term is not None and term.key == key


def test_terms_in_a_rule_text() -> None:
    text = "The canonical points at a URL with noindex. Such a canonical is ignored."
    keys = [t.key for t in glossary.terms_in(text, summary="A noindex page is canonical")]
    assert keys == ["canonical", "noindex"]
    # named once in passing: not what the text is about
    assert glossary.terms_in("The canonical points at a URL with noindex.") == []
    assert [t.key for t in glossary.terms_in("", family="SD")] == ["structured-data"]


def test_rules_link_the_terms_they_are_about() -> None:
    """PERF005 (conditional requests) linked "Rendering" for "renders the page again";
    SD018 (image sizes) linked "robots.txt" for a parenthesis; SD006 linked "Rendering"
    for "the template that renders the markup"."""

    def keys(code: str) -> list[str]:
        spec = REGISTRY[code]
        text = " ".join(doc_sections(spec.doc).values())
        return [t.key for t in glossary.terms_in(text, summary=spec.summary, family=spec.family)]

    assert "rendering" not in keys("PERF005")
    assert keys("SD018") == ["structured-data"]
    assert keys("SD006") == ["structured-data"]
    assert "robots-txt" in keys("ROB008") and "canonical" in keys("CAN007")


def test_explain_command() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["explain", "soft 404"])
    assert result.exit_code == 0
    assert "For SEO:" in result.output and "For IT:" in result.output
    listing = runner.invoke(app, ["explain"])
    assert listing.exit_code == 0 and "crawl-budget" in listing.output
    rule = runner.invoke(app, ["explain", "HTTP001"])  # a rule code shows the rule's docs
    assert rule.exit_code == 0 and "## How to fix" in rule.output
    unknown = runner.invoke(app, ["explain", "blockchain"])
    assert unknown.exit_code == 2
