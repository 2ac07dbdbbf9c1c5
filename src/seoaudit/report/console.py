"""Console report: a short, ranked table of the top issues for a person at a terminal.

Text taken from crawled pages is passed to rich as ``Text`` objects, never as markup, so
a page title like ``[bold red]`` or an escape sequence cannot restyle the terminal.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from seoaudit.models import Report

TOP = 15
_STYLE = {"error": "bold red", "warning": "yellow", "notice": "cyan"}
_PRIORITY_STYLE = {"P1": "bold red", "P2": "bold yellow", "P3": "yellow", "P4": "dim"}


def _clean(text: str, limit: int = 90) -> Text:
    # Control characters from crawled content must not reach the terminal.
    text = "".join(c if c.isprintable() else " " for c in text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return Text(text)


def write(report: Report, out: TextIO, *, width: int | None = None) -> None:
    console = Console(file=out, width=width or 120, soft_wrap=False, highlight=False)
    run = report.run
    summary = report.summary
    head = Text()
    head.append("seoaudit ", style="bold")
    head.append(f"{run.tool_version}  run {run.run_id}\n")
    head.append(f"Start: {', '.join(run.start_urls)}  as {run.crawler_token}\n")
    head.append(
        f"Fetched {summary.get('fetched', 0)} URLs, found {summary.get('urls', 0)}; "
        f"status {summary.get('status_classes', {})}\n"
    )
    if run.state != "complete":
        head.append(f"Run {run.state}", style="bold yellow")
        if run.message:
            head.append(f": {run.message}")
        head.append("\n")
    console.print(head)
    if not report.issues:
        console.print(Text("No issues found.", style="bold green"))
    else:
        table = Table(title=f"Top issues ({len(report.issues)} in all, ranked by impact)")
        table.add_column("Prio")
        table.add_column("Severity")
        table.add_column("Rule")
        table.add_column("Issue", overflow="fold")
        table.add_column("URLs", justify="right")
        table.add_column("Impact", justify="right")
        table.add_column("Example", overflow="fold")
        for issue in report.issues[:TOP]:
            table.add_row(
                Text(issue.priority, style=_PRIORITY_STYLE.get(issue.priority, "")),
                Text(issue.severity, style=_STYLE[issue.severity]),
                Text(issue.rule),
                _clean(issue.title),
                str(issue.count),
                f"{issue.impact:.1f}",
                _clean(issue.sample_urls[0] if issue.sample_urls else "", 60),
            )
        console.print(table)
    for trap in report.summary.get("crawl_traps", []):
        example = trap["examples"][0] if trap["examples"] else ""
        line = (
            f"URL space looks endless under {trap['section']} ({trap['reason']}): "
            f"{trap['skipped']} URLs skipped, e.g. {example}"
        )
        console.print(_clean(line, 160))
    if report.rule_errors:
        console.print(
            Text(
                f"{len(report.rule_errors)} rule error(s) recorded; see the JSON report.",
                style="yellow",
            )
        )
    console.print(
        Text(
            f"Details: seoaudit report {run.run_id} --format json | csv;  "
            "explain a rule: seoaudit rules explain CODE",
            style="dim",
        )
    )
