"""Page rules in a second process (rules/helper.py) find exactly what one process finds."""

from __future__ import annotations

import os
import pickle
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

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


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helper, "CHUNK", 3)  # the demo's ~40 pages make ~14 chunks


def test_two_processes_find_exactly_what_one_finds(demo_run: Path, small_chunks: None) -> None:
    one, one_errors = _judged(demo_run, 1)
    two, two_errors = _judged(demo_run, 2)
    assert len(one) > 50  # the demo site has plenty to find
    assert two == one
    assert two_errors == one_errors == []


@pytest.fixture
def slow_rule() -> Iterator[registry.RuleSpec]:
    @rule("TST997", "takes-its-time", severity="notice")
    def slow(page: PageFacts, site: Site) -> Iterator[Hit]:
        """Test rule.

        ## Why it matters
        ## How to fix
        ## How to verify
        ## Source
        """
        time.sleep(0.01)
        yield Hit(page.url, "seen")

    try:
        yield registry.REGISTRY["TST997"]
    finally:
        del registry.REGISTRY["TST997"]


def test_both_processes_take_chunks_and_every_chunk_is_judged_once(
    demo_run: Path, small_chunks: None, slow_rule: registry.RuleSpec
) -> None:
    site = Site(Store(demo_run))
    chunks = helper.chunks_of(site)
    assert len(chunks) > 5
    assert [p.url for c in chunks for p in site.pages(c)] == [p.url for p in site.pages()]
    pages = len(list(site.pages()))
    for _ in range(3):  # which process takes which chunk varies from run to run
        # 10 ms per page: the parent cannot finish every chunk before the helper starts
        worker = helper.Helper(site, [slow_rule], [])
        records = list(worker.records())
        assert len(records) == pages  # one hit per page
        assert worker.done_here and worker.done_there  # both judged some
        assert not worker.done_here & worker.done_there
        assert worker.done_here | worker.done_there == {helper.SITE_RULES, *range(len(chunks))}


def test_pages_of_a_large_site_fit_the_claims_pipe(
    demo_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = Site(Store(demo_run))
    monkeypatch.setattr(helper, "CHUNK", 1)
    monkeypatch.setattr(helper, "MAX_CHUNKS", 4)
    chunks = helper.chunks_of(site)
    assert len(chunks) <= 4
    assert [p.url for c in chunks for p in site.pages(c)] == [p.url for p in site.pages()]


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


def test_site_rules_run_in_the_helper_with_their_findings_and_errors(
    demo_run: Path, crashing_rule: registry.RuleSpec
) -> None:
    @rule("TST996", "site-rule-that-fails-late", severity="warning", scope="site")
    def fails_late(site: Site) -> Iterator[Hit]:
        """Test rule.

        ## Why it matters
        ## How to fix
        ## How to verify
        ## Source
        """
        yield Hit(site.start_urls[0], "found before failing")
        raise RuntimeError("late")

    try:
        rules = selected()  # with TST996 and the crashing page rule TST998
        assert crashing_rule in rules
        one, one_errors = _judged(demo_run, 1, rules)
        two, two_errors = _judged(demo_run, 2, rules)
    finally:
        del registry.REGISTRY["TST996"]
    assert (two, two_errors) == (one, one_errors)
    assert any('"rule":"TST996"' in f for f in two)  # its hit before the failure is kept
    assert [e.rule for e in two_errors if "RuntimeError: late" in e.error] == ["TST996"]


def test_a_helper_killed_mid_way_costs_time_not_findings(
    demo_run: Path,
    monkeypatch: pytest.MonkeyPatch,
    small_chunks: None,
    slow_rule: registry.RuleSpec,
) -> None:
    def one_chunk_then_killed(
        site: Site,
        rules: list[registry.RuleSpec],
        site_rules: list[registry.RuleSpec],
        chunks: list[tuple[int, int]],
        claims: int,
        out: IO[bytes],
    ) -> None:
        # No site-rules frame, one chunk complete, one half written, then the OOM killer.
        site.store.reconnect()
        first = helper._claim(claims)
        assert first is not None
        data = pickle.dumps((first, list(helper.judge(site, rules, site.pages(chunks[first])))))
        out.write(helper._FRAME.pack(len(data)) + data)
        helper._claim(claims)
        out.write(helper._FRAME.pack(len(data)) + data[: len(data) // 2])
        out.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    one, _ = _judged(demo_run, 1)
    monkeypatch.setattr(helper, "_run_helper", one_chunk_then_killed)
    two, errors = _judged(demo_run, 2)
    assert two == one and errors == []
    # The parent used the complete frame and judged everything else itself.
    site = Site(Store(demo_run))
    worker = helper.Helper(site, [slow_rule], [])  # slow: the helper gets its chunk
    list(worker.records())
    assert len(worker.done_there) == 1 and helper.SITE_RULES not in worker.done_there
    assert worker.done_here | worker.done_there == set(range(len(worker.chunks)))


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
