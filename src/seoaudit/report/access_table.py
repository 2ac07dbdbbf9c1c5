"""The access matrix as a compact terminal table: robots.txt verdicts of the major search
and AI crawlers per site section, and what the server answered to each user agent.

Text from the site (sections, robots.txt lines) goes to rich as ``Text``, never markup.
"""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text

from seoaudit.access import KNOWN_CRAWLERS
from seoaudit.models import AccessVerdict, Report
from seoaudit.printable import printable

MAX_ROWS = 15


def _printable(text: str, limit: int) -> str:
    return printable(text, limit)


def cell(verdict: AccessVerdict) -> Text:
    """ok, block, n/m (n of m sampled URLs blocked), policy, or ?."""
    if verdict.verdict == "unknown":
        return Text("?", style="dim")
    if verdict.blocked and verdict.policy == "block":
        return Text("policy", style="cyan")
    if verdict.verdict == "allowed":
        return Text("ok", style="green")
    if verdict.verdict == "blocked":
        return Text("block", style="bold red")
    return Text(f"{verdict.blocked}/{verdict.checked}", style="yellow")


def render(report: Report) -> Table | None:
    matrix = report.access
    if matrix is None or not matrix.rows:
        return None
    origins = {row.origin for row in matrix.rows}
    table = Table(
        title="Crawler access by section (robots.txt; server = user-agent probe)",
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
        section = row.section if len(origins) == 1 else f"{row.origin}{row.section}"
        problems = [f"{name} {what}" for name, what in sorted(row.server.items()) if what != "ok"]
        server = ", ".join(problems) if problems else ("ok" if row.server else "-")
        style = "bold red" if problems else ("" if row.server else "dim")
        table.add_row(
            Text(_printable(section, 40)),
            str(row.urls),
            *(cell(row.crawlers[t]) if t in row.crawlers else Text("") for t in matrix.crawlers),
            Text(_printable(server, 40), style=style),
        )
    if len(matrix.rows) > MAX_ROWS:
        table.caption = f"{len(matrix.rows) - MAX_ROWS} smaller sections in the JSON report"
    return table


def notes(report: Report) -> list[Text]:
    if report.access is None or not report.access.rows:
        return []
    return [Text(_printable(note, 400), style="dim") for note in report.access.notes]
