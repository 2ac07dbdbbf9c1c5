"""`seoaudit diff` of two large runs: the comparison goes through a temporary SQLite file,
so neither run's findings nor its pages are held; the lists come out complete and in order."""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seoaudit import rundiff
from seoaudit.cli import app
from seoaudit.models import Canonical, Finding, PageFacts, RunInfo, StructuredData
from seoaudit.store import Store

RULES = ("ONP001", "ONP002", "ONP003", "ONP004", "ONP005")


def _run(path: Path, origin: str, pages: range, found: range, retitled: int) -> None:
    """A stored run of ``origin``: a page /p/N for N in ``pages`` (the title of every page
    N with N % 10 == 0 ends in ``retitled``), and each rule of RULES finding /p/N for N in
    ``found``."""
    store = Store(path, create=True)
    info = RunInfo(run_id=path.stem, tool_version="t", start_urls=[origin + "/"], state="complete")
    store.save_run(info)  # complete: a "running" one is a killed run, judged again
    for n in pages:
        url = f"{origin}/p/{n}"
        url_id, _ = store.url_id(url, depth=1, source="link")
        title = f"Page {n}" + (f" v{retitled}" if n % 10 == 0 else "")
        facts = PageFacts(url=url, final_url=url, status=200, is_html=True, titles=[title])
        store.add_page(url_id, facts)
    store.replace_findings(
        (
            Finding(
                rule=rule,
                name="x-y",
                severity="warning",
                url=f"{origin}/p/{n}",
                message=f"{rule} on page {n}",
            )
            for n in found
            for rule in RULES
        ),
        [],
    )
    store.close()


def _lines(numbers: range) -> list[tuple[str, str]]:
    """(rule, relative URL) for each rule and page number, in report order."""
    return sorted((rule, f"/p/{n}") for n in numbers for rule in RULES)


def _written(a: Path, b: Path) -> tuple[str, str]:
    """The diff of run files ``a`` and ``b`` as text and as Markdown."""
    stores = [Store(a), Store(b)]
    try:
        diff = rundiff.diff_stores(*stores)
    finally:
        for store in stores:
            store.close()
    with diff:
        text, markdown = io.StringIO(), io.StringIO()
        rundiff.write_text(diff, text)
        rundiff.write_markdown(diff, markdown)
    return text.getvalue(), markdown.getvalue()


def test_a_large_diff_is_complete_and_holds_neither_run(tmp_path: Path) -> None:
    # A: pages 0-2999, findings on 0-2999. B (another host): pages 500-3999, findings on
    # 1000-3999. So 1000-2999 persist, 3000-3999 are new, 500-999 are fixed (B fetched
    # them) and 0-499 not comparable (B never fetched them).
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _run(a, "https://a.test", range(3000), range(3000), 1)
    _run(b, "https://b.test", range(500, 4000), range(1000, 4000), 2)
    stores = [Store(a), Store(b)]
    out = io.StringIO()
    tracemalloc.start()
    try:
        with rundiff.diff_stores(*stores) as diff:
            rundiff.write_json(diff, out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        for store in stores:
            store.close()
    # 35,000 findings and 6,500 pages: held as objects they took ~30 MB (traced); now
    # ~3 MB, most of it the JSON text written to ``out``
    assert peak < 8 * 1024 * 1024, peak
    data = json.loads(out.getvalue())
    assert (data["site_a"], data["site_b"]) == ("https://a.test", "https://b.test")
    assert {d["rule"]: d for d in data["rules"]} == {
        rule: {"rule": rule, "new": 1000, "fixed": 500, "persisting": 2000, "not_comparable": 500}
        for rule in RULES
    }
    assert data["new"] == [
        f"{rule} {url}: {rule} on page {url[3:]}" for rule, url in _lines(range(3000, 4000))
    ]
    assert data["fixed"] == [f"{rule} {url}" for rule, url in _lines(range(500, 1000))]
    retitled = sorted(f"/p/{n}" for n in range(500, 3000, 10))
    assert [p["url"] for p in data["pages"]] == retitled
    assert data["pages"][0]["changes"] == {"title": ["Page 1000 v1", "Page 1000 v2"]}
    assert data["only_in_a"] == sorted(f"/p/{n}" for n in range(500))
    assert data["only_in_b"] == sorted(f"/p/{n}" for n in range(3000, 4000))


def test_text_and_markdown_list_the_first_items_and_count_them_all(tmp_path: Path) -> None:
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _run(a, "https://a.test", range(10), range(0), 1)
    _run(b, "https://a.test", range(10), range(100), 2)  # 500 new findings
    text, markdown = _written(a, b)
    lines = text.splitlines()
    assert "New findings (500):" in lines
    listed = [line for line in lines if line.startswith("  + ")]
    assert len(listed) == rundiff.MAX_LISTED and listed[0] == "  + ONP001 /p/0: ONP001 on page 0"
    assert "Changed pages (1):" in lines and "      title: Page 0 v1 -> Page 0 v2" in lines
    assert markdown.count("\n- ONP") == rundiff.MAX_LISTED
    assert "### New findings (500)" in markdown


def test_the_markdown_lists_what_was_fixed_as_the_text_does(tmp_path: Path) -> None:
    """The text listed "Fixed (N)"; the Markdown (a merge request comment) only counted
    them in its table."""
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _run(a, "https://a.test", range(10), range(3), 1)  # findings on /p/0-2
    _run(b, "https://a.test", range(10), range(1), 1)  # /p/1 and /p/2 fixed
    _, markdown = _written(a, b)
    fixed = [f"- {rule} {url}" for rule, url in _lines(range(1, 3))]
    assert f"### Fixed ({len(fixed)})\n\n" + "\n".join(fixed) + "\n" in markdown


def test_text_and_markdown_name_the_urls_only_one_run_has(tmp_path: Path) -> None:
    """They said "URLs only in rel1: 3; only in rel2: 0" and named none (only JSON did),
    while docs/rules-guide.md sends users to `seoaudit diff` for status changes."""
    a, b = tmp_path / "rel1.sqlite", tmp_path / "rel2.sqlite"
    _run(a, "https://a.test", range(30), range(0), 1)  # /p/0 ... /p/29
    _run(b, "https://a.test", range(3, 27), range(0), 1)  # /p/0-2 and /p/27-29 gone
    extra = tmp_path / "rel3.sqlite"
    _run(extra, "https://a.test", range(60), range(0), 1)  # 30 more than rel1
    written = {after.stem: _written(a, after) for after in (b, extra)}
    text, markdown = written["rel2"]
    gone = ["/p/0", "/p/1", "/p/2", "/p/27", "/p/28", "/p/29"]
    assert "URLs only in rel1 (6):\n" + "".join(f"  {u}\n" for u in gone) in text
    assert "URLs only in rel2 (0)\n" in text
    assert "### URLs only before (6)\n\n" + "".join(f"- {u}\n" for u in gone) in markdown
    assert "### URLs only after (0)\n" in markdown
    text, markdown = written["rel3"]  # 30 new: the first 20, then how many more
    lines = text.splitlines()
    start = lines.index("URLs only in rel3 (30):")
    assert lines[start + 1] == "  /p/30" and len(lines[start + 1 : start + 21]) == 20
    assert lines[start + 21] == "  ... and 10 more (all in --format json)"
    assert markdown.count("\n- /p/") == rundiff.MAX_URLS_LISTED
    assert "- … and 10 more (all in `--format json`)" in markdown


def test_the_cli_writes_the_diff_and_fails_on_new_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _run(a, "https://a.test", range(20), range(10), 1)
    _run(b, "https://a.test", range(20), range(12), 1)
    out = tmp_path / "reports" / "diff.json"
    result = CliRunner().invoke(
        app, ["diff", str(a), str(b), "-f", "json", "-o", str(out), "--fail-on-new"]
    )
    assert result.exit_code == 1, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["new"]) == 10 and data["pages"] == []
    assert not list(tmp_path.glob("reports/*.tmp"))  # written whole, then moved in place
    same = CliRunner().invoke(app, ["diff", str(a), str(a), "--fail-on-new"])
    assert same.exit_code == 0, same.output
    assert "Changed pages (0):" in same.output
    assert not list(temp.iterdir())  # the comparison's temporary file is gone
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    failed = CliRunner().invoke(app, ["diff", str(a), str(b)])
    assert failed.exit_code == 2 and "cannot compare the runs" in failed.output
    assert "Traceback" not in failed.output


def _typed_run(path: Path, types: list[str], canonical: str) -> None:
    """One page whose structured data has ``types`` (nested included) and a head canonical."""
    store = Store(path, create=True)
    origin = "https://shop.test"
    store.save_run(
        RunInfo(run_id=path.stem, tool_version="t", start_urls=[origin + "/"], state="complete")
    )
    url = origin + "/p/1"
    url_id, _ = store.url_id(url, depth=1, source="link")
    block = StructuredData(format="json-ld", data={"@type": types[0]}, types=types)
    link = Canonical(source="head", href=canonical, url=origin + canonical)
    facts = PageFacts(
        url=url,
        final_url=url,
        status=200,
        is_html=True,
        titles=["Tent"],
        structured_data=[block],
        canonicals=[link],
    )
    store.add_page(url_id, facts)
    store.replace_findings([], [])
    store.close()


def test_page_states_are_compared_from_the_summaries_not_the_facts(tmp_path: Path) -> None:
    # Reading every page's whole facts took ~half of a diff; the stored summaries hold all
    # it compares. With the facts unreadable, the diff still sees the nested type (Offer ->
    # AggregateOffer inside Product) and the canonical change.
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _typed_run(a, ["Product", "Offer"], "/p/1")
    _typed_run(b, ["Product", "AggregateOffer"], "/p/2")
    for path in (a, b):
        with sqlite3.connect(path) as db:
            db.execute("UPDATE pages SET facts = x'00'")
        db.close()
    stores = [Store(a), Store(b)]
    try:
        with rundiff.diff_stores(*stores) as diff:
            changes = {c.url: c.changes for c in diff.pages()}
    finally:
        for store in stores:
            store.close()
    assert changes == {
        "/p/1": {
            "canonical": ["/p/1", "/p/2"],
            "structured_data": [["Offer", "Product"], ["AggregateOffer", "Product"]],
        }
    }
