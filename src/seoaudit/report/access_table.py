"""The access matrix as a compact terminal table: robots.txt verdicts of the major search
and AI crawlers per site section, and what the server answered to each user agent.

The words of each cell (``verdict_word``, ``section_label``, ``server_word``) are shared
with the HTML report (report/html.py), so both say the same thing.

Text from the site (sections, robots.txt lines) goes to rich as ``Text``, never markup.
"""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text

from seoaudit.access import KNOWN_CRAWLERS
from seoaudit.models import AccessRow, AccessVerdict, Report
from seoaudit.printable import printable

MAX_ROWS = 15
TITLE = "Crawler access by section (robots.txt; server = user-agent probe)"
# verdict_word's kinds -> terminal style (the HTML report has a CSS class per kind)
_STYLES = {
    "unknown": "dim",
    "policy": "cyan",
    "ok": "green",
    "block": "bold red",
    "partial": "yellow",
}


def _printable(text: str, limit: int) -> str:
    return printable(text, limit)


def verdict_word(verdict: AccessVerdict) -> tuple[str, str]:
    """The cell's word and its kind: ok, block, n/m (n of m sampled URLs blocked: kind
    partial), policy, or ? (kind unknown)."""
    if verdict.verdict == "unknown":
        return "?", "unknown"
    if verdict.blocked and verdict.policy == "block":
        return "policy", "policy"
    if verdict.verdict == "allowed":
        return "ok", "ok"
    if verdict.verdict == "blocked":
        return "block", "block"
    return f"{verdict.blocked}/{verdict.checked}", "partial"


def cell(verdict: AccessVerdict) -> Text:
    """ok, block, n/m (n of m sampled URLs blocked), policy, or ?."""
    word, kind = verdict_word(verdict)
    return Text(word, style=_STYLES[kind])


def section_label(row: AccessRow, several_origins: bool) -> str:
    """The section as shown: with its origin when the run crawled several."""
    return f"{row.origin}{row.section}" if several_origins else row.section


def server_word(row: AccessRow) -> tuple[str, str]:
    """The Server cell and its kind: the user agents that did not get the browser's answer
    with what they got (kind problem), ok (every one did), or - (not probed: kind none)."""
    problems = [f"{name} {what}" for name, what in sorted(row.server.items()) if what != "ok"]
    if problems:
        return ", ".join(problems), "problem"
    return ("ok", "ok") if row.server else ("-", "none")


def render(report: Report) -> Table | None:
    matrix = report.access
    if matrix is None or not matrix.rows:
        return None
    origins = {row.origin for row in matrix.rows}
    table = Table(
        title=TITLE,
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        collapse_padding=True,
        pad_edge=False,
    )
    table.add_column("Section", no_wrap=True, max_width=18, overflow="ellipsis")
    table.add_column("URLs", justify="right")
    for token in matrix.crawlers:
        known = KNOWN_CRAWLERS.get(token)
        table.add_column(known.short if known else token[:6], no_wrap=True)
    table.add_column("Server", overflow="fold", min_width=8)
    for row in matrix.rows[:MAX_ROWS]:
        section = section_label(row, len(origins) > 1)
        server, kind = server_word(row)
        style = {"problem": "bold red", "none": "dim"}.get(kind, "")
        table.add_row(
            Text(_printable(section, 40)),
            str(row.urls),
            *(cell(row.crawlers[t]) if t in row.crawlers else Text("") for t in matrix.crawlers),
            Text(_printable(server, 40), style=style),
        )
    more = []
    if len(matrix.rows) > MAX_ROWS:
        more.append(f"{len(matrix.rows) - MAX_ROWS} smaller sections in the JSON report")
    if matrix.omitted:
        more.append(f"{matrix.omitted} smaller sections not kept")
    if more:
        table.caption = "; ".join(more)
    return table


def notes(report: Report) -> list[Text]:
    if report.access is None or not report.access.rows:
        return []
    return [Text(_printable(note, 400), style="dim") for note in report.access.notes]
