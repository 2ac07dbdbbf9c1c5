"""HTML report: one self-contained file that SEO and IT open together, offline.

What it shows: a KPI scorecard both sides share (kpis.py), the trend of those KPIs across
the runs stored beside this one, charts (issues by priority and by owner, status codes,
server speed), the structured-data table and the crawler access matrix as the terminal
summary shows them (same words: report/structured_table.py, report/access_table.py), the
crawl footprint, every issue ranked by priority and impact with the inputs of its score,
its evidence, its fix and a command that verifies it, and the glossary (glossary.py).
Tables are plain HTML: the page reads the same without JavaScript.

Safety: everything taken from crawled pages (titles, URLs, messages, evidence) is
escaped by Jinja2's autoescape; links are made only for http(s) URLs. The page makes no
request at all: CSS, JavaScript and charts (SVG) are inline, and a Content-Security-Policy
allows only the report's own script (by its hash), inline styles and data: images, so
even markup that slipped through could neither run nor load anything.

Reads the report's summary defensively: keys other modules add (speed, structured data,
access matrix) may be missing or shaped differently in older run files.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import jinja2
from markupsafe import Markup, escape

from seoaudit import access, glossary, kpis, owners
from seoaudit.impact import ImpactSettings
from seoaudit.models import AccessVerdict, Issue, Report
from seoaudit.printable import printable
from seoaudit.report import access_table, structured_table
from seoaudit.report.footprint import (
    UNRECORDED_SESSION,
    failures_by_host,
    limits_text,
    status_mix_text,
    ttfb_text,
    unfinished_text,
)
from seoaudit.ruledoc import doc_sections, issue_checks, paragraphs, shown_evidence

TEMPLATE_DIR = Path(__file__).parent / "templates"
TOP_URLS = 10
PRIORITY_COLOURS = {"P1": "#b42318", "P2": "#dc6803", "P3": "#ca8a04", "P4": "#667085"}
OWNER_COLOURS = {
    owners.SERVER: "#175cd3",
    owners.TEMPLATES: "#7a5af8",
    owners.CONTENT: "#0e9384",
}

# Scorecard: (key, label, higher is better, what SEO reads in it, what IT reads in it)
KPI_CARDS: tuple[tuple[str, str, bool, str, str], ...] = (
    (
        "indexable_share",
        "Indexable URLs",
        True,
        "pages that can rank",
        "200, crawlable, no noindex, self-canonical",
    ),
    (
        "crawl_blocked_share",
        "Blocked by robots.txt",
        False,
        "pages search engines cannot read",
        "paths disallowed for the crawler",
    ),
    (
        "canonical_health",
        "Canonical health",
        True,
        "duplicates consolidated on the right URL",
        "canonical tag present, resolves to an indexable URL",
    ),
    (
        "structured_data_health",
        "Structured data without errors",
        True,
        "pages with markup whose items have no error (warnings allowed)",
        "no SD error finding on the page; pages without markup not counted",
    ),
    (
        "error_rate",
        "Error rate",
        False,
        "pages lost to server failures",
        "5xx and failed requests",
    ),
)


def _pct(value: Any) -> str:
    return f"{value * 100:.1f}%" if isinstance(value, int | float) else "n/a"


def _ms(value: Any) -> str:
    return f"{value:.0f} ms" if _num(value) is not None else "n/a"


def _heading(report: Report, site: str) -> list[str]:
    """The header line's parts that the run has: a run file without a start time shows no
    empty place for it."""
    run = report.run
    parts = [site, f"run {run.run_id}", run.started_at or "", f"seoaudit {run.tool_version}"]
    return [p for p in [*parts, f"as {run.crawler_token}" if run.crawler_token else ""] if p]


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _svg_bars(
    rows: Sequence[tuple[str, float, str]],
    *,
    width: int = 360,
    unit: str = "",
    marks: Sequence[tuple[float, str]] = (),
) -> Markup:
    """A horizontal bar chart as inline SVG: (label, value, colour) per bar."""
    if not rows:
        return Markup('<p class="muted">No data.</p>')
    bar_h, gap, label_w = 22, 8, 150
    top = max([v for _, v, _ in rows] + [m for m, _ in marks] + [1e-9])
    height = len(rows) * (bar_h + gap) + gap
    scale = (width - label_w - 60) / top
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value, colour) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(value * scale, 1.0 if value else 0.0)
        text = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
            f'fill="{escape(colour)}" rx="3"><title>{escape(label)}: {escape(text)}</title></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}">{escape(text)}</text>'
        )
    for value, label in marks:
        x = label_w + value * scale
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height}" class="mark"/>'
            f'<text x="{x + 2:.1f}" y="{height - 2}" class="marklabel">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape())


def _svg_trend(points: Sequence[float | None], *, width: int = 140, height: int = 36) -> Markup:
    """A sparkline (0..1 values) as inline SVG; empty when fewer than two points."""
    values = [(i, v) for i, v in enumerate(points) if v is not None]
    if len(values) < 2:
        return Markup("")
    step = (width - 8) / max(len(points) - 1, 1)
    coords = " ".join(f"{4 + i * step:.1f},{height - 4 - v * (height - 8):.1f}" for i, v in values)
    last_x, last_v = values[-1]
    return Markup(  # noqa: S704 (numbers only)
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="trend">'
        f'<polyline points="{coords}" fill="none" stroke="#175cd3" stroke-width="2"/>'
        f'<circle cx="{4 + last_x * step:.1f}" cy="{height - 4 - last_v * (height - 8):.1f}" '
        f'r="3" fill="#175cd3"/></svg>'
    )


def _point(point: object, key: str) -> float | None:
    """A KPI of a stored run in the trend; None when that run measured it under an older
    definition (kpis.DEFINED_WITH), so no trend or delta compares two definitions."""
    values = point.get("kpis") if isinstance(point, dict) else None
    if not isinstance(values, dict):
        return None
    since = kpis.DEFINED_WITH.get(key)
    return None if since is not None and since not in values else _num(values.get(key))


def _basis(values: Mapping[str, Any], key: str) -> str:
    """What a KPI is a share of, in words: "of 22 HTML pages with structured data"; "no
    ..." when there were none; "" when not known."""
    count, what = kpis.basis(dict(values), key)
    if count is None:
        return ""
    return f"of {count:,} {what}" if count else f"no {what} in this run"


def _kpi_cards(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    values = summary.get("kpis") if isinstance(summary.get("kpis"), dict) else {}
    assert isinstance(values, dict)
    trend = summary.get("kpi_trend") if isinstance(summary.get("kpi_trend"), list) else []
    assert isinstance(trend, list)
    cards = []
    for key, label, higher_better, seo, it in KPI_CARDS:
        value = _num(values.get(key))
        series = [_point(p, key) for p in trend]
        previous = next((v for v in reversed(series[:-1]) if v is not None), None)
        delta = None if value is None or previous is None else value - previous
        good = None if delta is None or abs(delta) < 0.0005 else (delta > 0) == higher_better
        cards.append(
            {
                "label": label,
                "value": _pct(value),
                "basis": _basis(values, key),
                "seo": seo,
                "it": it,
                "delta": None if delta is None else f"{delta * 100:+.1f} pts",
                "good": good,
                "trend": _svg_trend(series),
            }
        )
    return cards


def _speed(summary: Mapping[str, Any]) -> dict[str, float]:
    values = summary.get("kpis") if isinstance(summary.get("kpis"), dict) else {}
    assert isinstance(values, dict)
    ttfb = values.get("ttfb_ms")
    if not isinstance(ttfb, dict):
        speed = summary.get("speed")
        ttfb = speed.get("ttfb_ms") if isinstance(speed, dict) else None
    if not isinstance(ttfb, dict):
        return {}
    return {str(k): float(v) for k, v in ttfb.items() if _num(v) is not None}


def _svg_lines(
    series: Sequence[tuple[str, Sequence[float | None], str]],
    *,
    width: int = 560,
    height: int = 140,
    marks: Sequence[tuple[int, str]] = (),
    events: Sequence[tuple[float, str, str]] = (),
) -> Markup:
    """Lines over time, each scaled to its own maximum (labelled with it): the crawl
    footprint's requests per second and TTFB over the run. ``marks``: (point index,
    label) drawn as a dashed vertical line, where a resumed run's next session begins.
    ``events``: (position in points, kind, text) drawn as a vertical tick whose tooltip
    (an SVG title, escaped) gives the text: the back-offs and recoveries at their time."""
    longest = max((len(points) for _, points, _ in series), default=0)
    if longest < 2:
        return Markup("")
    step = (width - 20) / (longest - 1)
    legend = (width - 20) / max(len(series), 2)  # each line's label, side by side
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height + 20}" width="{width}" '
        f'height="{height + 20}" xmlns="http://www.w3.org/2000/svg" aria-label="over time">'
    ]
    for index, label in marks:
        # between the last point of one session and the first of the next
        x = 10 + max(index - 0.5, 0) * step
        parts.append(
            f'<line class="session" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" '
            f'stroke="#667085" stroke-dasharray="4 3"/>'
            f'<text x="{x + 3:.1f}" y="10" font-size="11" fill="#667085">{escape(label)}</text>'
        )
    for position, kind, text in events:
        x = 10 + min(max(position, 0.0), longest - 1) * step
        colour = "#b42318" if kind == "back-off" else "#067647"
        parts.append(
            f'<line class="event" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" '
            f'stroke="{colour}" stroke-width="3" stroke-opacity="0.6">'
            f"<title>{escape(text)}</title></line>"
        )
    for n, (label, points, colour) in enumerate(series):
        values = [(i, v) for i, v in enumerate(points) if v is not None]
        top = max((v for _, v in values), default=0.0) or 1.0
        coords = " ".join(
            f"{10 + i * step:.1f},{height - 4 - (v / top) * (height - 12):.1f}" for i, v in values
        )
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{10 + n * legend:.0f}" y="{height + 16}" font-size="12" fill="{colour}">'
            f"{escape(label)} (max {top:g})</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (labels went through escape())


def _footprint(summary: Mapping[str, Any]) -> dict[str, Any] | None:
    """The crawl footprint (crawl/footprint.py) for the server team: a chart of requests per
    second (each point's busiest second, so its maximum is the peak the text gives), TTFB
    p95 and failed requests over the run, each back-off and recovery a tick at its time
    (its tooltip the trigger), the limits used, the failures per host and every automatic
    event in a table. A
    resumed run's chart shows its sessions one after the other, each boundary marked and
    labelled; the pauses between sessions are left out (the sessions table says when each
    started)."""
    impact = summary.get("crawl_impact")
    if not isinstance(impact, dict):
        return None
    timeline = [t for t in impact.get("timeline", []) if isinstance(t, dict)]
    sessions = [s for s in impact.get("sessions", []) if isinstance(s, dict)]
    marks = [
        (i, f"session {point.get('session')}")
        for i, point in enumerate(timeline)
        if len(sessions) > 1 and (i == 0 or point.get("session") != timeline[i - 1].get("session"))
    ]
    # every adaptive event in the order it happened: back-offs, floors reached, recoveries
    events = sorted(
        (
            {"kind": kind, **{k: b.get(k, "") for k in _EVENT_KEYS}}
            for key, kind in _EVENT_KINDS
            for b in impact.get(key) or []
            if isinstance(b, dict)
        ),
        key=lambda e: (_num(e["session"]) or 0, _num(e["at"]) or 0),
    )
    chart = _svg_lines(
        [
            # the busiest second of each point: the chart's max is the footprint's peak
            ("requests/s", [_num(_busiest(t)) for t in timeline], "#175cd3"),
            ("TTFB p95 ms", [_num(t.get("ttfb_p95_ms")) for t in timeline], "#b54708"),
            # what PERF001 counts: 5xx, 429 (rate limited) and no response
            ("failed", [_failed(t) for t in timeline], "#b42318"),
        ],
        marks=marks,
        events=[
            (_position(timeline, e), e["kind"], _event_text(e))
            for e in events
            if e["kind"] != "at the floor" and _num(e["at"]) is not None
        ],
    )
    # Optional values in the terminal summary's words (report/footprint.py), never None;
    # keys an older run file lacks are given, for the template's StrictUndefined.
    return {
        **{key: impact.get(key, 0) for key in _FOOTPRINT_COUNTS},
        "user_agent": impact.get("user_agent") or "",
        "ttfb": ttfb_text(impact.get("ttfb_ms")),
        "limits": limits_text(impact.get("limits")),
        "status_mix": status_mix_text(impact.get("status_mix")),
        "failures_by_host": [
            {"host": host, "requests": requests, "failed": failed, "kinds": kinds}
            for host, requests, failed, kinds in failures_by_host(impact)
        ],
        "backoffs": len(impact.get("backoffs") or []),
        "recoveries": len(impact.get("recoveries") or []),
        "events": events,
        # a resumed run's sessions, or a killed one-session run's, to say so (none
        # listed for a run crawled in one go)
        "resumed": len(sessions) > 1,
        "sessions": (
            [_session(one) for one in sessions]
            if len(sessions) > 1 or any(unfinished_text(one) for one in sessions)
            else []
        ),
        "stopped_by_error_budget": impact.get("stopped_by_error_budget"),
        "chart": chart,
    }


_EVENT_KEYS = ("session", "at", "host", "trigger", "action")
# the footprint's lists of adaptive events (crawl/footprint.py), and what each is called
_EVENT_KINDS = (("backoffs", "back-off"), ("at_floor", "at the floor"), ("recoveries", "recovery"))


def _position(timeline: Sequence[Mapping[str, Any]], event: Mapping[str, Any]) -> float:
    """Where an event (its session's number and ``at``, seconds from that session's
    start) falls on the chart, in points: between the points of its session whose
    times (``t``) surround it, else at its session's last point."""
    at = _num(event.get("at")) or 0.0
    session = event.get("session") or None
    mine = [
        (i, _num(p.get("t")) or 0.0)
        for i, p in enumerate(timeline)
        if (p.get("session") or None) == session
    ]
    if not mine:
        return 0.0
    for (i, t), (_, after) in itertools.pairwise(mine):
        if t <= at < after:
            return i + (at - t) / (after - t)
    return float(mine[0][0] if at < mine[0][1] else mine[-1][0])


def _event_text(event: Mapping[str, Any]) -> str:
    """An event's tooltip on the chart: "back-off at 3.5 s on a.test: 429 received ...
    -> per-host concurrency 4 -> 2"."""
    where = f"session {event['session']}, " if event.get("session") else ""
    return (
        f"{event['kind']} ({where}at {event['at']} s) on {event['host']}: "
        f"{event['trigger']} -> {event['action']}"
    )


def _failed(point: Mapping[str, Any]) -> float | None:
    """A timeline point's failed requests: errors (5xx, no response) and 429s."""
    errors, throttled = _num(point.get("errors")), _num(point.get("throttled"))
    if errors is None and throttled is None:
        return None
    return (errors or 0.0) + (throttled or 0.0)


def _busiest(point: Mapping[str, Any]) -> Any:
    """A timeline point's busiest second (crawl/footprint.py), as the footprint's peak is
    counted; a point of an older run file gives its rate."""
    return point.get("peak_requests_per_second", point.get("requests_per_second"))


_FOOTPRINT_COUNTS = (
    "requests",
    "duration_s",
    "requests_per_second",
    "peak_requests_per_second",
    "max_in_flight",
    "bytes",
)


def _session(session: Mapping[str, Any]) -> dict[str, Any]:
    """One session of a resumed run's footprint (crawl/footprint.py merge_sessions) in the
    words the terminal uses."""
    return {
        "session": session.get("session", ""),
        "started_at": session.get("started_at") or "not recorded",
        "recorded": bool(session.get("recorded")),
        "unrecorded": UNRECORDED_SESSION,
        "unfinished": unfinished_text(session) or "",
        **{key: session.get(key, 0) for key in _FOOTPRINT_COUNTS},
        "ttfb": ttfb_text(session.get("ttfb_ms")),
        "status_mix": status_mix_text(session.get("status_mix")),
        "limits": limits_text(session.get("limits")),
        "backoffs": session.get("backoffs", 0),
        "stopped_by_error_budget": session.get("stopped_by_error_budget"),
    }


def _charts(report: Report) -> dict[str, Markup]:
    summary = report.summary
    by_priority = {p: 0 for p in PRIORITY_COLOURS}
    by_owner: dict[str, int] = {}
    for issue in report.issues:
        by_priority[issue.priority] = by_priority.get(issue.priority, 0) + 1
        if issue.owner:
            by_owner[issue.owner] = by_owner.get(issue.owner, 0) + 1
    statuses = summary.get("status_classes")
    status_rows = (
        [
            (str(k), float(v), "#b42318" if str(k) in ("5xx", "error") else "#475467")
            for k, v in sorted(statuses.items())
            if _num(v) is not None
        ]
        if isinstance(statuses, dict)
        else []
    )
    speed = _speed(summary)
    return {
        "priority": _svg_bars([(p, float(n), PRIORITY_COLOURS[p]) for p, n in by_priority.items()]),
        "owner": _svg_bars(
            [(o, float(n), OWNER_COLOURS.get(o, "#475467")) for o, n in sorted(by_owner.items())]
        ),
        "status": _svg_bars(status_rows),
        "speed": _svg_bars(
            [(f"TTFB {k}", v, "#175cd3") for k, v in speed.items()],
            unit=" ms",
            marks=[(800.0, "0.8 s good"), (1800.0, "1.8 s poor")] if speed else [],
        ),
    }


def _structured(summary: Mapping[str, Any]) -> structured_table.SdTable | None:
    """The structured-data table, as the terminal shows it (report/structured_table.py)."""
    return structured_table.table(summary)


def _why(verdict: AccessVerdict) -> str:
    """What decided a verdict, for the cell's tooltip: the robots.txt line, or the reason."""
    if verdict.line is not None:
        return printable(f"robots.txt line {verdict.line}: {verdict.rule or ''}", 200).strip()
    return printable(verdict.reason or "", 200)


def _access(report: Report) -> dict[str, Any] | None:
    """The access matrix (access.py) in the terminal's words (report/access_table.py): every
    row the report holds (access.MAX_ROWS at most), the legend and the probe's note."""
    matrix = report.access
    if matrix is None or not matrix.rows:
        return None
    rows = matrix.rows[: access.MAX_ROWS]
    several = len({row.origin for row in matrix.rows}) > 1
    views = []
    for row in rows:
        cells = []
        for token in matrix.crawlers:
            verdict = row.crawlers.get(token)
            if verdict is None:
                cells.append(("", "unknown", ""))
            else:
                cells.append((*access_table.verdict_word(verdict), _why(verdict)))
        server, server_kind = access_table.server_word(row)
        views.append(
            {
                "section": printable(access_table.section_label(row, several), 80),
                "urls": row.urls,
                "cells": cells,
                "server": printable(server, 400),
                "server_kind": server_kind,
            }
        )
    return {
        "title": access_table.TITLE,
        "crawlers": [(token, access.label(token)) for token in matrix.crawlers],
        "rows": views,
        "more": len(matrix.rows) - len(rows),
        "omitted": matrix.omitted,
        "max_rows": access.MAX_ROWS,
        "notes": [printable(note, 1000) for note in matrix.notes],
    }


def _safe_href(url: str) -> str | None:
    return url if url.startswith(("http://", "https://")) else None


def _issue_view(
    issue: Issue, report: Report, specs: Mapping[str, Any], by_id: Mapping[str, Issue]
) -> dict[str, Any]:
    spec = specs.get(issue.rule)
    sections = doc_sections(spec.doc) if spec is not None else {}
    commands, audit = issue_checks(issue, report.run, sections.get("How to verify", ""))
    verify = [*commands, audit]
    return {
        "issue": issue,
        "summary": spec.summary if spec is not None else issue.name,
        "what": paragraphs(sections.get("What it does", "")),
        "why": paragraphs(sections.get("Why it matters", "")),
        "fix": paragraphs(sections.get("How to fix", "")),
        "verify": verify,
        "source": paragraphs(sections.get("Source", "")),
        "evidence": [
            (k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str))
            for k, v in shown_evidence(issue.evidence, 12)
        ],
        "urls": [(u, _safe_href(u)) for u in issue.sample_urls[:TOP_URLS]],
        # issues of related rules on the same URLs (impact.relate): one change may fix both
        "related": [
            (other.id, other.rule, other.title)
            for other in (by_id.get(i) for i in issue.related)
            if other is not None
        ],
        "terms": glossary.rule_terms(spec, sections),
        "search": " ".join([issue.title, issue.rule, issue.name, issue.owner]).lower(),
    }


def _prose(text: str) -> Markup:
    """Rule documentation: escaped, with its `code` spans shown as code."""
    import re

    out = []
    pos = 0
    for match in re.finditer(r"`([^`]+)`", text):
        out.append(escape(text[pos : match.start()]))
        out.append(Markup("<code>") + escape(match.group(1)) + Markup("</code>"))
        pos = match.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def _impact_settings(report: Report) -> ImpactSettings:
    """The impact settings the run was scored with (impact.py defaults otherwise)."""
    data = report.run.settings.get("impact")
    try:
        return ImpactSettings.model_validate(data or {})
    except ValueError:
        return ImpactSettings()


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,  # every {{ }} is escaped: crawled text is data, never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["prose"] = _prose
    env.filters["pct"] = _pct
    env.filters["ms"] = _ms
    return env


def _script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script or style."""
    digest = hashlib.sha256(script.encode()).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def render(report: Report) -> str:
    from seoaudit.rules import REGISTRY

    env = _environment()
    script = (TEMPLATE_DIR / "report.js").read_text(encoding="utf-8")
    style = (TEMPLATE_DIR / "report.css").read_text(encoding="utf-8")
    summary = report.summary
    trend = summary.get("kpi_trend") if isinstance(summary.get("kpi_trend"), list) else []
    template = env.get_template("report.html.j2")
    site = report.run.start_urls[0] if report.run.start_urls else ""
    by_id = {i.id: i for i in report.issues}
    return template.render(
        report=report,
        run=report.run,
        site=site,
        heading=_heading(report, site),
        summary=summary,
        cards=_kpi_cards(summary),
        charts=_charts(report),
        speed=_speed(summary),
        footprint=_footprint(summary),
        structured=_structured(summary),
        access=_access(report),
        issues=[_issue_view(i, report, REGISTRY, by_id) for i in report.issues],
        owners=sorted({i.owner for i in report.issues if i.owner}),
        priorities=list(PRIORITY_COLOURS),
        bands=_impact_settings(report).priority_bands,
        caps=_impact_settings(report).highest_priority,
        priority_colours=PRIORITY_COLOURS,
        terms=glossary.TERMS,
        trend_runs=len(trend or []),
        style=Markup(style),  # noqa: S704 (our own file, shipped with the package)
        script=Markup(script),  # noqa: S704 (our own file, shipped with the package)
        script_hash=_script_hash(script),
        style_hash=_script_hash(style),
    )


def write(report: Report, out: TextIO) -> None:
    out.write(render(report))
