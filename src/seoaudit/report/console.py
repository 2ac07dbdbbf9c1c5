"""Console report: a short, ranked table of the top issues for a person at a terminal.

Text taken from crawled pages is passed to rich as ``Text`` objects, never as markup, so
a page title like ``[bold red]`` or an escape sequence cannot restyle the terminal.
"""

from __future__ import annotations

import os
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from seoaudit.models import EARLY_STOP, Report
from seoaudit.printable import printable
from seoaudit.report import access_table, structured_table
from seoaudit.report.footprint import (
    UNRECORDED_SESSION,
    limits_text,
    responses_text,
    status_mix_text,
    ttfb_text,
    unfinished_text,
)

TOP = 15
_STYLE = {"error": "bold red", "warning": "yellow", "notice": "cyan"}
_PRIORITY_STYLE = {"P1": "bold red", "P2": "bold yellow", "P3": "yellow", "P4": "dim"}


SHOWN_BACKOFFS = 5  # back-offs listed in the terminal; the JSON and HTML list them all


def _footprint(console: Console, impact: dict[str, Any]) -> None:
    """The crawl footprint in a few lines; a resumed run's with one line per session. The
    first back-offs, then how many more; each host whose adaptive limit reached its
    floor; the recoveries (concurrency given back) counted."""
    sessions = impact.get("sessions") or []
    several = len(sessions) > 1
    backoffs = impact.get("backoffs") or []
    recoveries = impact.get("recoveries") or []
    line = (
        f"Crawl footprint: {impact['requests']} requests in {impact['duration_s']}s "
        + (f"of crawling over {len(sessions)} sessions " if several else "")
        + f"({_rates(impact)}), "
        f"max {impact['max_in_flight']} in flight, {ttfb_text(impact.get('ttfb_ms', {}))}, "
        f"{len(backoffs)} automatic back-off(s)"
        + (f", {len(recoveries)} recoveries" if recoveries else "")
    )
    console.print(_clean(line, 250), soft_wrap=True)
    console.print(_clean(f"  {responses_text(impact)}", 300), soft_wrap=True)
    console.print(_clean(f"  limits: {limits_text(impact.get('limits'))}", 300), soft_wrap=True)
    # A resumed run: each session's time window, for the server's logs; a run crawled in
    # one session that was killed, to say that its requests are counted until then.
    if several or any(unfinished_text(s) for s in sessions):
        for session in sessions:
            console.print(_clean("  " + _session(session), 300), soft_wrap=True)
    for event in backoffs[:SHOWN_BACKOFFS]:
        console.print(_event(event, several), soft_wrap=True)
    if len(backoffs) > SHOWN_BACKOFFS:
        more = len(backoffs) - SHOWN_BACKOFFS
        console.print(f"  ... and {more} more back-off(s) (JSON and HTML reports list them all)")
    for event in impact.get("at_floor") or []:
        console.print(_event(event, several), soft_wrap=True)


def _event(event: dict[str, Any], several: bool) -> Text:
    """One back-off (or floor reached): when, why, what the crawler did."""
    where = f"session {event.get('session')}, " if several else ""
    return _clean(f"  {where}at {event['at']}s: {event['trigger']} -> {event['action']}", 200)


def _rates(impact: dict[str, Any]) -> str:
    """The average and peak rates, saying what they are per (crawl/footprint.py): the
    average over the whole seconds with requests, which the wall time beside it is not."""
    average, peak = impact["requests_per_second"], impact["peak_requests_per_second"]
    active = impact.get("active_seconds")
    over = f" over {active} whole second{'s' if active != 1 else ''}" if active else ""
    return f"{average}/s{over}, peak {peak}/s in one second"


def _session(session: dict[str, Any]) -> str:
    """One session of a resumed run's footprint (crawl/footprint.py merge_sessions)."""
    started = session.get("started_at") or "at a time not recorded"
    head = f"session {session.get('session')}, started {started}"
    if not session.get("recorded"):
        return f"{head}: {UNRECORDED_SESSION}"
    unfinished = unfinished_text(session)
    if unfinished is not None:
        head = f"{head}: {unfinished}"
    return (
        f"{head}: {session.get('requests')} requests in {session.get('duration_s')}s "
        f"({session.get('requests_per_second')}/s), {ttfb_text(session.get('ttfb_ms') or {})}, "
        f"{session.get('backoffs', 0)} back-off(s)"
        + (f", {session['recoveries']} recoveries" if session.get("recoveries") else "")
        + (" (stopped early by errors)" if session.get("stopped_by_error_budget") else "")
    )


def _clean(text: str, limit: int = 90) -> Text:
    # Control characters from crawled content must not reach the terminal.
    return Text(printable(text, limit))


def _structured_data(report: Report) -> Table | None:
    """Structured-data health per type (structured/health.py): items valid, with warnings,
    with errors. None when the run found no structured data."""
    shown = structured_table.table(report.summary)
    if shown is None:
        return None
    table = Table(title=shown.title)
    table.add_column("Type")
    for name in ("Items", "Valid", "Warnings", "Errors"):
        table.add_column(name, justify="right")
    for row in shown.rows:
        table.add_row(
            _clean(row.type, 40),
            Text(str(row.items)),
            Text(str(row.valid), style="green"),
            Text(str(row.warnings), style=_STYLE["warning"] if row.warnings else ""),
            Text(str(row.errors), style=_STYLE["error"] if row.errors else ""),
        )
    if shown.more:
        table.caption = f"{shown.more} more types in the JSON report"
    return table


def _speed_line(speed: object) -> str | None:
    """One line of the speed KPI (rules/speed.py): TTFB and download percentiles, slow pages."""
    if not isinstance(speed, dict) or not speed.get("pages"):
        return None

    def ms(block: object) -> str:
        values = [block.get(q) for q in ("p50", "p75", "p95")] if isinstance(block, dict) else []
        if not values or None in values:
            return "n/a"
        return "/".join(f"{v:.0f}" for v in values) + " ms"

    limit = (speed.get("thresholds_ms") or {}).get("slow")
    return (
        f"Speed of {speed['pages']} pages (p50/p75/p95): TTFB {ms(speed.get('ttfb_ms'))}, "
        f"download {ms(speed.get('download_ms'))}; {speed.get('slow_pages', 0)} slow "
        f"(TTFB > {limit} ms)"
    )


def write(report: Report, out: TextIO, *, width: int | None = None) -> None:
    """The summary: tables at the console's width (a terminal's own or COLUMNS, else 120
    columns), prose lines whole (soft-wrapped: a terminal folds them, a log keeps them)."""
    if width is None and not out.isatty() and not os.environ.get("COLUMNS", "").isdigit():
        width = 120
    console = Console(file=out, width=width, soft_wrap=False, highlight=False)
    run = report.run
    summary = report.summary
    head = Text()
    head.append("seoaudit ", style="bold")
    head.append(f"{run.tool_version}  run {run.run_id}\n")
    head.append(f"Start: {', '.join(run.start_urls)}  as {run.crawler_token}\n")
    head.append(
        f"Fetched {summary.get('fetched', 0)} URLs, found {summary.get('urls', 0)}; "
        f"status {status_mix_text(summary.get('status_classes'))}\n"
    )
    speed = _speed_line(summary.get("speed"))
    if speed:
        head.append(speed + "\n")
    if run.state != "complete":
        message = run.message or ""
        if run.state == "failed" and message.startswith(EARLY_STOP):
            # the error budget's stop: inconclusive, not a failed audit ("Run failed: ...")
            head.append(f"Run {EARLY_STOP}", style="bold yellow")
            head.append(message.removeprefix(EARLY_STOP))
        else:
            head.append(f"Run {run.state}", style="bold yellow")
            if message:
                head.append(f": {message}")
        head.append("\n")
    console.print(head, soft_wrap=True)
    if not report.issues:
        console.print(Text("No issues found.", style="bold green"), soft_wrap=True)
    else:
        table = Table(title=f"Top issues ({len(report.issues)} in all, by priority and impact)")
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
    structured = _structured_data(report)
    if structured is not None:
        console.print(structured)
    access = access_table.render(report)
    if access is not None:
        console.print(access)
        for note in access_table.notes(report):
            console.print(note, soft_wrap=True)
    impact = report.summary.get("crawl_impact")
    if impact:
        _footprint(console, impact)
    for trap in report.summary.get("crawl_traps", []):
        example = trap["examples"][0] if trap["examples"] else ""
        line = (
            f"URL space looks endless under {trap['section']} ({trap['reason']}): "
            f"{trap['skipped']} URLs skipped, e.g. {example}"
        )
        console.print(_clean(line, 160), soft_wrap=True)
    failed = report.summary.get("internal_errors")
    if failed:
        first = failed["examples"][0]
        line = (
            f"{failed['pages']:,} page(s) could not be read: an internal error of seoaudit "
            f"(first: {first['url']}, {first['detail']}); they have no findings. "
            "Please report it as a bug."
        )
        console.print(_clean(line, 300), style="yellow", soft_wrap=True)
    if report.rule_errors:
        console.print(
            Text(
                f"{len(report.rule_errors)} rule error(s) recorded; see the JSON report.",
                style="yellow",
            ),
            soft_wrap=True,
        )
    console.print(
        Text(
            f"Details: seoaudit report {run.run_id} --format html -o report.html "
            "(or json, csv);  "
            "explain a rule: seoaudit rules explain CODE",
            style="dim",
        ),
        soft_wrap=True,
    )
