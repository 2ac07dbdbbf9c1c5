"""Baseline fingerprints stay put when nothing about a problem changed, and the baseline
comparison (baseline.py, gate.py, ``seoaudit baseline update``) counts as fixed only what
a run judged."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from seoaudit import baseline, gate
from seoaudit.audit import AuditResult, run_audit
from seoaudit.cli import app
from seoaudit.config import CrawlSettings, GateSettings, Settings
from tests.sites import ORIGIN, crawl, transport
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


# -- comparison: what the configuration leaves out is not fixed ---------------------------

SEARCH = {
    "/": {"body": '<title>Shop</title><a href="/search?q=tent">s</a><a href="/gone">g</a>'},
    "/search?q=tent": {"status": 500, "body": "search backend down"},
}
IGNORE_SEARCH = {"/search\\?": ["HTTP002"]}  # the internal search: judged elsewhere


def _audit(
    folder: Path, run_id: str, pages: dict[str, dict[str, Any]] = SEARCH, **settings: Any
) -> AuditResult:
    return run_audit(
        Settings(
            start_urls=[ORIGIN + "/"],
            crawl=CrawlSettings(retries=0, sitemaps=False, probe=False),
            run_dir=folder,
            select=["HTTP001", "HTTP002"],
            **settings,
        ),
        transport=transport(pages),
        run_id=run_id,
    )


def test_findings_ignored_for_their_url_are_not_fixed(tmp_path: Path) -> None:
    """A baseline entry whose rule ``per_url_ignores`` leaves out on its URL was counted
    as fixed (the URL answered, the rule ran), and so dropped by ``baseline update``:
    the run did not look for it, so it is not comparable, whether the ignore was
    configured when the run was made or is configured now."""
    before = _audit(tmp_path, "before")
    path = tmp_path / "baseline.txt"
    baseline.write(path, baseline.entries_for(before.report.findings, ORIGIN))
    assert [e.url for e in baseline.read(path).values()] == ["/gone", "/search?q=tent"]
    ignored_then = _audit(tmp_path, "ignored", per_url_ignores=IGNORE_SEARCH)
    assert [f.rule for f in ignored_then.report.findings] == ["HTTP001"]
    for result, ignores in ((ignored_then, {}), (before, IGNORE_SEARCH)):
        settings = Settings(gate=GateSettings(baseline=path), per_url_ignores=ignores)
        judged = gate.evaluate(result.report, settings, store_path=result.store_path)
        assert judged.baseline is not None
        assert judged.baseline.fixed == []
        assert judged.baseline.not_comparable == ["HTTP002 /search?q=tent"]
        assert judged.baseline.persisting == 1  # /gone
    # an ignore of other URLs or other rules hides no fix
    repaired = _audit(tmp_path, "repaired", {**SEARCH, "/search?q=tent": {"body": "results"}})
    for ignores in ({"/other": ["HTTP002"]}, {"/search": ["HTTP001"]}):
        settings = Settings(gate=GateSettings(baseline=path), per_url_ignores=ignores)
        judged = gate.evaluate(repaired.report, settings, store_path=repaired.store_path)
        assert judged.baseline is not None
        assert judged.baseline.fixed == ["HTTP002 /search?q=tent"]


def test_baseline_update_keeps_findings_ignored_for_their_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _audit(tmp_path, "before")
    path = tmp_path / "seoaudit-baseline.txt"
    baseline.write(path, baseline.entries_for(before.report.findings, ORIGIN))
    (tmp_path / "seoaudit.toml").write_text(
        '[per_url_ignores]\n"/search\\\\?" = ["HTTP002"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("SEOAUDIT_")]:
        monkeypatch.delenv(name)
    after = _audit(tmp_path, "after", per_url_ignores=IGNORE_SEARCH)
    for command in ("update", "prune"):
        result = CliRunner().invoke(app, ["baseline", command, str(after.store_path)], env={})
        assert result.exit_code == 0, result.output
        assert "0 fixed removed" in result.output
        kept = [e.url for e in baseline.read(path).values()]
        assert kept == ["/gone", "/search?q=tent"]


def test_baseline_update_keeps_the_entries_of_suppressed_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`baseline update` dropped the entry of a finding that a [[suppress]] hides: when
    the suppression expired, the finding, known debt before, failed CI as new. Its entry
    stays; a suppressed finding with no entry gets none (`create` adds none either), so
    an expiring suppression still ends as the deadline it set."""
    run = _audit(tmp_path, "run")
    path = tmp_path / "seoaudit-baseline.txt"
    baseline.write(path, baseline.entries_for(run.report.findings, ORIGIN))
    (tmp_path / "seoaudit.toml").write_text(
        '[[suppress]]\nrules = ["HTTP002"]\nreason = "search backend moves in June"\n'
        "expires = 2999-01-01\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("SEOAUDIT_")]:
        monkeypatch.delenv(name)
    runner = CliRunner()
    for command, said in (("update", "1 suppressed kept"), ("prune", "0 fixed removed")):
        result = runner.invoke(app, ["baseline", command, str(run.store_path)], env={})
        assert result.exit_code == 0, result.output
        assert said in " ".join(result.output.split())
        assert [e.url for e in baseline.read(path).values()] == ["/gone", "/search?q=tent"]
    # The suppression expires: the finding is known debt again, not new.
    settings = Settings(gate=GateSettings(baseline=path))
    judged = gate.evaluate(run.report, settings, store_path=run.store_path)
    assert judged.baseline is not None and judged.baseline.new == 0

    # Without an entry, the suppressed finding gets none, whether created or updated.
    path.unlink()
    result = runner.invoke(app, ["baseline", "create", str(run.store_path)], env={})
    assert result.exit_code == 0, result.output
    assert [e.url for e in baseline.read(path).values()] == ["/gone"]
    result = runner.invoke(app, ["baseline", "update", str(run.store_path)], env={})
    said = " ".join(result.output.split())
    assert "0 added" in said and "0 suppressed kept" in said
    assert [e.url for e in baseline.read(path).values()] == ["/gone"]


def test_a_slow_site_keeps_its_fingerprints_from_run_to_run(tmp_path: Path) -> None:
    """PERF002 on a site whose median page is slow put the median in the cause
    (" (median TTFB 912 ms: ...)"): a measurement, different in every run, so every
    finding was new and fixed again each time."""
    prints = []
    for delay in (0.85, 1.0):
        pages = {"/": {"body": "<title>Home</title>", "delay": delay}}
        result = crawl(pages, tmp_path / str(delay))
        hits = [f for f in result.report.findings if f.rule == "PERF002"]
        assert [f.severity for f in hits] == ["warning"]  # the whole site is slow
        assert hits[0].evidence["site_median_ttfb_ms"] >= 800
        prints.append(baseline.fingerprint(hits[0], ORIGIN))
    assert prints[0] == prints[1]


def test_one_more_url_on_a_catch_all_page_keeps_the_others_fingerprints(
    tmp_path: Path,
) -> None:
    """HTTP005 put the number of URLs answering one catch-all page in the cause ("3 URLs
    answer one page: 'Oops'"): a fourth such URL made the three known findings new and
    fixed."""
    oops = {"body": "<title>Oops</title><p>Nothing to see</p>"}
    prints = []
    for paths in (["/a", "/b", "/c"], ["/a", "/b", "/c", "/d"]):
        links = "".join(f'<a href="{p}">{p}</a>' for p in paths)
        pages = {"/": {"body": f"<title>Home</title><h1>Home</h1>{links}"}}
        pages |= dict.fromkeys(paths, oops)
        result = crawl(pages, tmp_path / str(len(paths)))
        hits = [f for f in result.report.findings if f.rule == "HTTP005"]
        assert len(hits) == len(paths)
        prints.append({baseline.fingerprint(f, ORIGIN) for f in hits})
    assert prints[0] < prints[1]


# -- hreflang clusters: a new version renames the cluster, not its findings ----------------


def _versions(sets: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    """A site of language versions: path -> {hreflang code -> path} of each version."""
    links = "".join(f'<a href="{p}">{p}</a>' for p in sets)
    pages: dict[str, dict[str, Any]] = {"/": {"body": f"<title>Home</title>{links}"}}
    for path, codes in sets.items():
        annotations = "".join(
            f'<link rel="alternate" hreflang="{code}" href="{ORIGIN}{target}">'
            for code, target in codes.items()
        )
        pages[path] = {"body": f"{annotations}<title>{path}</title><p>Text of {path}</p>"}
    return pages


# /fr/ and /it/ pair with /en/ but leave each other out (HRF009 on both); /en/ names /es/,
# which names nothing back (HRF003 on /es/). The cluster is named by /en/.
CLUSTER = {
    "/en/": {"en": "/en/", "fr": "/fr/", "it": "/it/", "es": "/es/"},
    "/fr/": {"en": "/en/", "fr": "/fr/"},
    "/it/": {"en": "/en/", "it": "/it/"},
    "/es/": {},
}
# A German version whose URL sorts first joins it: the cluster is now named by /de/.
JOINED = CLUSTER | {
    "/en/": {**CLUSTER["/en/"], "de": "/de/"},
    "/de/": {"en": "/en/", "de": "/de/"},
}


def test_a_version_joining_an_hreflang_cluster_keeps_its_members_fingerprints(
    tmp_path: Path,
) -> None:
    """The cause names the cluster by its smallest URL ("cluster http://site.test/en/"),
    and the fingerprint hashed the cause: a version whose URL sorts first renamed the
    cluster, so every member's finding came back as new, and the old ones as fixed."""
    rules = ("HRF003", "HRF009")
    before = crawl(_versions(CLUSTER), tmp_path / "before").report
    after = crawl(_versions(JOINED), tmp_path / "after").report
    old = [f for f in before.findings if f.rule in rules]
    new = [f for f in after.findings if f.rule in rules]
    assert sorted((f.rule, f.url.removeprefix(ORIGIN)) for f in old) == [
        ("HRF003", "/es/"),
        ("HRF009", "/fr/"),
        ("HRF009", "/it/"),
    ]
    assert {f.cause for f in old} == {f"cluster {ORIGIN}/en/"}
    assert {f.cause for f in new} == {f"cluster {ORIGIN}/de/"}  # renamed

    entries = {e.fingerprint: e for e in baseline.entries_for(old, ORIGIN)}
    coverage = baseline.Coverage.of(lambda url: True, set(rules), [])
    comparison = baseline.compare(new, entries, ORIGIN, coverage)
    assert comparison.fixed == []
    assert comparison.count("persisting") == 3
    assert sorted(
        (f.rule, f.url.removeprefix(ORIGIN))
        for f in new
        if comparison.of(baseline.fingerprint(f, ORIGIN)) == "new"
    ) == [("HRF009", "/de/")]  # the new version leaves out /fr/ and /it/ too

    # One issue per cluster still: the cause groups the findings.
    hrf009 = [i for i in after.issues if i.rule == "HRF009"]
    assert [(i.count, i.cause) for i in hrf009] == [(3, f"cluster {ORIGIN}/de/")]
    assert {f.issue for f in new if f.rule == "HRF009"} == {hrf009[0].id}


def _loop(kind: str, order: list[str]) -> dict[str, dict[str, Any]]:
    """A loop through the pages of ``order``, each naming the next (the last the first),
    by canonical or by redirect; the first one linked from the home page."""
    pages: dict[str, dict[str, Any]] = {"/": {"body": f'<a href="{order[0]}">x</a>'}}
    for path, following in zip(order, order[1:] + order[:1], strict=True):
        if kind == "canonical":
            link = f'<link rel="canonical" href="{ORIGIN}{following}">'
            pages[path] = {"body": f"{link}<p>{path}</p>"}
        else:
            pages[path] = {"status": 301, "headers": {"Location": following}}
    return pages


@pytest.mark.parametrize(("rule", "kind"), [("CAN011", "canonical"), ("HTTP008", "redirect")])
def test_a_url_joining_a_loop_keeps_the_others_fingerprints(
    rule: str, kind: str, tmp_path: Path
) -> None:
    """A loop is named by its smallest URL ("loop via http://site.test/b"): a URL that
    sorts first joining it renamed it, and every finding of the loop came back as new."""
    prints = []
    for run, order in enumerate((["/b", "/c"], ["/b", "/a", "/c"])):
        found = crawl(_loop(kind, order), tmp_path / str(run)).report.findings
        hits = [f for f in found if f.rule == rule and f.url != f"{ORIGIN}/a"]
        assert {f.cause for f in hits} == {f"loop via {ORIGIN}{order[1] if run else '/b'}"}
        prints.append({f.url: baseline.fingerprint(f, ORIGIN) for f in hits})
    assert prints[0] and prints[1] == prints[0]


def test_every_rule_with_a_fixed_identity_exists() -> None:
    """IDENTITY_BY_RULE is keyed by rule code: a renamed or misspelt code would silently
    put its findings' fingerprints back on the churning cause."""
    from seoaudit.models import IDENTITY_BY_RULE
    from seoaudit.rules import REGISTRY

    assert set(IDENTITY_BY_RULE) <= set(REGISTRY)
