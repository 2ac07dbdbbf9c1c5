"""Page rules in a second process (rules/helper.py) find exactly what one process finds."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from seoaudit.audit import run_audit
from seoaudit.config import CrawlSettings, Settings
from seoaudit.devserver import SiteServer
from seoaudit.models import Finding, PageFacts, RuleError
from seoaudit.rules import helper, registry
from seoaudit.rules.registry import Hit, iter_findings, rule, selected
from seoaudit.site import Site
from seoaudit.store import Store

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with SiteServer(DEMO) as server:
        settings = Settings(
            start_urls=[server.base_url + "/"],
            crawl=CrawlSettings(retries=0),
            run_dir=tmp_path_factory.mktemp("runs"),
        )
        return run_audit(settings).store_path


def _judged(
    store_path: Path, processes: int, rules: list[registry.RuleSpec] | None = None
) -> tuple[list[str], list[RuleError]]:
    errors: list[RuleError] = []
    site = Site(Store(store_path))
    findings = list(iter_findings(site, rules or selected(), errors, processes=processes))
    return sorted(_key(f) for f in findings), errors


def _key(finding: Finding) -> str:
    return finding.model_dump_json()


def test_two_processes_find_exactly_what_one_finds(demo_run: Path) -> None:
    one, one_errors = _judged(demo_run, 1)
    two, two_errors = _judged(demo_run, 2)
    assert len(one) > 50  # the demo site has plenty to find
    assert two == one
    assert two_errors == one_errors == []
    # both halves had pages: the helper's part is not empty
    site = Site(Store(demo_run))
    assert list(site.pages((2, 1))) and list(site.pages((2, 0)))


@pytest.fixture
def crashing_rule() -> Iterator[registry.RuleSpec]:
    @rule("TST998", "crashes-on-odd-pages", severity="error")
    def crashes(page: PageFacts, site: Site) -> Iterator[Hit]:
        """Test rule.

        ## Why it matters
        ## How to fix
        ## How to verify
        ## Source
        """
        yield Hit(page.url, "seen")
        if len(page.url) % 2 or "s" in page.url:  # more than 20 pages: errors beyond those shown
            raise ValueError("boom")

    try:
        yield registry.REGISTRY["TST998"]
    finally:
        del registry.REGISTRY["TST998"]


def test_rule_errors_from_the_helper_are_kept(
    demo_run: Path, crashing_rule: registry.RuleSpec
) -> None:
    one, one_errors = _judged(demo_run, 1, [crashing_rule])
    two, two_errors = _judged(demo_run, 2, [crashing_rule])
    assert (two, two_errors) == (one, one_errors)
    assert "ValueError: boom" in one_errors[0].error
    # more pages failed than are shown: which ones are shown must not depend on the split
    assert len(one_errors) == registry.MAX_ERRORS_PER_RULE + 1
    assert "more errors not shown" in one_errors[-1].error


def test_a_failed_helper_costs_time_not_findings(
    demo_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dies(*args: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would

    monkeypatch.setattr(helper, "_run_helper", dies)
    one, _ = _judged(demo_run, 1)
    two, errors = _judged(demo_run, 2)
    assert two == one and errors == []


def test_the_helper_is_used_from_a_size_on(demo_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = Site(Store(demo_run))
    assert not helper.wanted(site)  # the demo site is far below PARALLEL_AFTER
    monkeypatch.setattr(helper, "PARALLEL_AFTER", site.fetched_count())
    assert helper.wanted(site) == ((os.cpu_count() or 1) >= 2)
