"""The command line: parse options, call the library, map outcomes to exit codes.

Exit codes (the same whatever reports are written; gate.py decides 0, 1 and 3):
  0  the gate passed: no finding at or above --fail-on (new ones only, with a baseline),
     every error-level budget and KPI held
  1  the gate failed (--exit-zero turns this, and only this, into 0)
  2  usage or configuration error; also a pass or a fail whose report could not be
     written (3 and 130 stay: see _unwritten)
  3  inconclusive: the start URL could not be fetched, or too many fetch errors to judge
  130  interrupted (Ctrl-C); the report of what was found is still written
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import re
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from seoaudit import __version__, baseline, configfile, gate, pagevalue, rundiff
from seoaudit.audit import AuditResult, finish_killed_run, latest_run, run_audit
from seoaudit.config import Settings, ca_bundle_problem
from seoaudit.configfile import ConfigError, LoadedConfig
from seoaudit.crawl.engine import CrawlStats
from seoaudit.findings import Findings
from seoaudit.gate import GateResult
from seoaudit.impact import group_issues
from seoaudit.models import Report
from seoaudit.outfile import folder_problem, output_problem, write_output
from seoaudit.pagevalue import UserValues
from seoaudit.printable import printable
from seoaudit.report import FORMATS, WRITERS, build_report, count_issues
from seoaudit.report.ci_view import severity_gate
from seoaudit.rules import REGISTRY, group_titles
from seoaudit.site import Site
from seoaudit.store import RunBusy, RunFileFull, Store, StoreError, opened_run_files

EXIT_OK, EXIT_ISSUES, EXIT_USAGE, EXIT_START_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

HELP = """seoaudit: crawl a site the way a search engine does and get a ranked, ticket-ready
list of technical SEO issues.

Exit codes: 0 pass; 1 an issue at or above --fail-on, or a budget or KPI failed;
2 usage or configuration error; 3 inconclusive (start URL unreachable, too many fetch
errors); 130 interrupted."""

app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False, rich_markup_mode=None)
rules_app = typer.Typer(help="List the rules, or explain one.", add_completion=False)
app.add_typer(rules_app, name="rules")

# Lines are not wrapped: off a terminal (CI logs, pipes) rich would cut them at 80 columns,
# mid-word and mid-path; a terminal wraps long lines itself.
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err.print(Text(f"seoaudit: {message}", style="bold red"))
    return typer.Exit(code)


def warn(message: str) -> None:
    err.print(Text(f"seoaudit: warning: {message}", style="yellow"))


# -- shared options ---------------------------------------------------------------------

FormatOpt = Annotated[
    list[str] | None,
    typer.Option("--format", "-f", help=f"Output format, repeatable: {', '.join(FORMATS)}."),
]
OutputOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--output",
        "-o",
        help="File for each --format, in the same order (default, or -: stdout). "
        "Without --format, the format comes from the file name: .html, .csv, .md "
        "(Markdown), .sarif, .xml (JUnit), else JSON.",
    ),
]
RunDirOpt = Annotated[Path, typer.Option("--run-dir", help="Where run files are stored.")]
RunsOpt = Annotated[  # for commands that read runs: the folder is resolved by _runs_in
    Path | None,
    typer.Option(
        "--run-dir",
        help="Where run files are (default: run_dir of the config file, else .seoaudit/runs).",
    ),
]
PageValueOpt = Annotated[
    Path | None,
    typer.Option(
        "--page-value",
        help="CSV of URL -> clicks, impressions or revenue (e.g. a Search Console pages "
        "export) to weigh issues by; URLs missing from it keep their crawl value.",
    ),
]
PageValueMetricOpt = Annotated[
    str | None,
    typer.Option(
        "--page-value-metric",
        help="Column of --page-value to use (default: "
        "revenue, clicks, sessions or impressions, the first found).",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")]
FailOnOpt = Annotated[
    str,
    typer.Option("--fail-on", help="Exit 1 when an issue reaches: error, warning, notice, never."),
]


# The format of an --output given without --format, by its name (else JSON).
FORMAT_BY_SUFFIX = {
    ".html": "html",
    ".htm": "html",
    ".csv": "csv",
    ".md": "markdown",
    ".sarif": "sarif",
    ".xml": "junit",
}


def _format_of(path: Path) -> str:
    return FORMAT_BY_SUFFIX.get(path.suffix.lower(), "json")


def _stdout_or(path: Path | None) -> Path | None:
    """``-o -`` is stdout, as ``--report FORMAT=-`` is (it wrote a file named "-")."""
    return None if path is None or str(path) == "-" else path


def _outputs(
    formats: list[str] | None, outputs: list[Path] | None, quiet: bool
) -> list[tuple[str, Path | None]]:
    if not formats and outputs:  # -o FILE alone: its format from its name (-: JSON)
        pairs: list[tuple[str, Path | None]] = [(_format_of(p), _stdout_or(p)) for p in outputs]
        if len([p for _, p in pairs if p is None]) > 1:
            raise fail("only one format can go to stdout; give --output for the others")
        on_stdout = any(p is None for _, p in pairs)
        return pairs if quiet or on_stdout else [*pairs, ("console", None)]
    formats = formats or ([] if quiet else ["console"])
    paths = [_stdout_or(p) for p in outputs or []]
    for fmt in formats:
        if fmt not in WRITERS:
            raise fail(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if len(paths) > len(formats):
        raise fail("more --output files than --format options")
    pairs = []
    for i, fmt in enumerate(formats):
        pairs.append((fmt, paths[i] if i < len(paths) else None))
    to_stdout = [f for f, p in pairs if p is None]
    if len(to_stdout) > 1:
        raise fail("only one format can go to stdout; give --output for the others")
    return pairs


def _check_outputs(paths: list[Path | None], folders: Sequence[Path] = ()) -> None:
    """Before any work: every file the command will write, and every folder it will
    write files into, can be written (exit 2 saying why for each one that cannot), so
    that a long crawl does not end in "cannot write"."""
    problems = []
    for path in paths:
        problem = None if path is None else output_problem(path)
        if problem is not None:
            problems.append(f"cannot write {path}: {problem}")
    for folder in folders:
        problem = folder_problem(folder)
        if problem is not None:
            problems.append(f"cannot write into {folder}: {problem}")
    for problem in problems:
        err.print(Text(f"seoaudit: {printable(problem)}", style="bold red"))
    if problems:
        raise typer.Exit(EXIT_USAGE)


def _write_reports(report: Report, pairs: list[tuple[str, Path | None]]) -> list[str]:
    """Write every report. One that cannot be written (the disk filled up during the
    crawl) does not stop the others: the errors are returned, for ``_unwritten`` to say
    after the verdict."""
    errors = []
    for fmt, path in pairs:
        writer = WRITERS[fmt]
        if path is None:
            writer(report, sys.stdout)
            continue
        try:
            write_output(path, functools.partial(writer, report))
        except OSError as exc:
            errors.append(f"cannot write {path}: {exc}")
    return errors


def _unwritten(errors: list[str], code: int) -> int:
    """The exit code once the verdict is out, after one error line per report that is
    missing (the last lines a CI log shows). A missing report turns a verdict (0, 1) into
    2: a pass without its report must not look green. A run that gave no verdict keeps
    its code, 3 (inconclusive) or 130 (interrupted): wrappers retry on 3 and resume on
    130, and the missing report does not change what the run was."""
    for error in errors:
        err.print(Text(f"seoaudit: {printable(error)}", style="bold red"))
    if errors and code not in (EXIT_START_FAILED, EXIT_INTERRUPTED):
        return EXIT_USAGE
    return code


def _finish_killed_run(store: Store) -> None:
    try:
        done = finish_killed_run(store)
    except RunBusy as exc:  # a live audit's run: no findings yet, and not ours to judge
        raise fail(str(exc)) from None
    if done is not None:
        err.print(Text(done, style="yellow"))


def _write_file(path: Path, write: Callable[[TextIO], None]) -> None:
    try:
        write_output(path, write)  # never half a file, never a device replaced
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc}") from exc


class _ProgressView:
    """A rich progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool, max_pages: int) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.max_pages = max_pages
        self.progress: Progress | None = None
        self.task: object = None

    def __enter__(self) -> _ProgressView:
        if self.enabled:
            self.progress = Progress(
                TextColumn("[bold]crawling"),
                BarColumn(),
                TextColumn(
                    "{task.fields[done]} done · {task.fields[queued]} queued · "
                    "{task.fields[errors]} errors · {task.fields[rate]:.0f} pages/s"
                ),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            )
            self.progress.__enter__()
            self.task = self.progress.add_task(
                "crawl", total=None, done=0, queued=0, errors=0, rate=0.0
            )
        return self

    def update(self, stats: CrawlStats) -> None:
        if self.progress is None:
            return
        total = min(self.max_pages, stats.fetched + stats.blocked + stats.queued)
        self.progress.update(
            self.task,  # type: ignore[arg-type]
            completed=stats.fetched + stats.blocked,
            total=total or None,
            done=stats.fetched + stats.blocked,
            queued=stats.queued,
            errors=stats.errors,
            rate=stats.pages_per_second,
        )

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.__exit__(None, None, None)


def _start_url(raw: str) -> str:
    url = configfile.start_url(raw)
    if url is None:
        raise fail(f"{raw!r} is not a valid http(s) URL")
    return url


def _finish(
    result: AuditResult,
    pairs: list[tuple[str, Path | None]],
    settings: Settings,
    quiet: bool,
    exit_zero: bool = False,
) -> int:
    try:
        verdict = gate.evaluate(result.report, settings, store_path=result.store_path)
    except baseline.BaselineError as exc:  # changed since the crawl started
        _unwritten(_write_reports(result.report, pairs), EXIT_USAGE)
        raise fail(str(exc)) from None
    result.report.gate = verdict.as_json()
    errors = _write_reports(result.report, pairs)  # always, whatever the outcome below
    return _unwritten(errors, _outcome(result, verdict, quiet, exit_zero))


def _outcome(result: AuditResult, verdict: GateResult, quiet: bool, exit_zero: bool) -> int:
    """Say how the audit ended; its exit code."""
    run = result.report.run
    if not quiet:
        err.print(Text(f"Run stored in {result.store_path}", style="dim"))
    if result.start_failed:
        err.print(
            Text(
                f"seoaudit: no start URL could be audited: {printable(_start_error(result))}",
                style="bold red",
            )
        )
        return EXIT_START_FAILED
    if run.state == "failed":  # the crawl stopped on an internal error: inconclusive
        err.print(Text(f"seoaudit: {run.message}", style="bold red"))
        return EXIT_START_FAILED
    if run.state == "interrupted":  # the message names the command that continues it
        said = f": {printable(run.message)}" if run.message else ""
        err.print(Text(f"seoaudit: run interrupted{said}", style="bold yellow"))
        return EXIT_INTERRUPTED
    _print_gate(verdict, quiet)
    return gate.exit_code(verdict, exit_zero)


def _start_error(result: AuditResult) -> str:
    if result.start_problem is not None:  # e.g. a rejected TLS certificate
        return result.start_problem
    for finding in result.report.findings:
        if finding.url in result.report.run.start_urls and finding.evidence.get("error"):
            detail = finding.evidence.get("detail") or ""
            return f"{finding.evidence['error']} {detail}".strip()
    return "no HTTP response"


def _audit(
    settings: Settings,
    pairs: list[tuple[str, Path | None]],
    quiet: bool,
    *,
    exit_zero: bool = False,
    run_id: str | None = None,
    page_values: UserValues | None = None,
    resume: Path | None = None,
    only_issue: str | None = None,
) -> int:
    # What exists now (modules, schemas, the vocabulary) lives as long as the process:
    # out of the collector's sight, full collections during the run scan only the
    # run's own objects, and forked extraction workers share these pages untouched.
    gc.freeze()
    try:
        with _ProgressView(not quiet, settings.crawl.max_pages) as view:
            result = run_audit(
                settings,
                on_progress=view.update,
                run_id=run_id,
                page_values=page_values,
                resume=resume,
            )
    except KeyboardInterrupt:
        err.print(Text("seoaudit: interrupted", style="bold yellow"))
        return EXIT_INTERRUPTED
    except RunFileFull as exc:  # the run did not finish (exit 3), what it stored is kept
        raise fail(str(exc), EXIT_START_FAILED) from None
    except StoreError as exc:  # the run file cannot be made (--run-dir is a file...)
        raise fail(str(exc)) from None
    if run_id is not None and resume is None and result.report.run.run_id != run_id:
        # another audit took the name between the check and the start: said even with -q
        warn(
            f"run {run_id} was started by another audit meanwhile; "
            f"this run is {result.report.run.run_id}"
        )
    if only_issue is not None:
        _only(result.report, only_issue)
    return _finish(result, pairs, settings, quiet, exit_zero)


# -- commands ---------------------------------------------------------------------------


@app.command()
def audit(
    ctx: typer.Context,
    urls: Annotated[
        list[str] | None,
        typer.Argument(
            help="Start URL(s); the crawl stays on their hosts. Default: start_urls from "
            "the config file."
        ),
    ] = None,
    include: Annotated[
        list[str] | None, typer.Option(help="Only crawl URLs matching this regex (repeatable).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Skip URLs matching this regex (repeatable).")
    ] = None,
    max_pages: Annotated[int, typer.Option(help="Stop after this many URLs.")] = 10_000,
    max_depth: Annotated[
        int | None, typer.Option(help="Do not crawl deeper than this many links.")
    ] = None,
    crawler: Annotated[
        str, typer.Option("--as", help="robots.txt token to audit as.")
    ] = "googlebot",
    ignore_robots: Annotated[
        bool, typer.Option(help="Fetch disallowed URLs anyway (still reported).")
    ] = False,
    concurrency: Annotated[int, typer.Option(help="Requests in flight in total.")] = 16,
    per_host: Annotated[int, typer.Option(help="Requests in flight per host.")] = 4,
    rps: Annotated[float | None, typer.Option(help="Maximum requests per second per host.")] = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for a connection or data.")
    ] = 15.0,
    deadline: Annotated[float, typer.Option(help="Total seconds allowed for one fetch.")] = 30.0,
    retries: Annotated[int, typer.Option(help="Retries for 429, 503 and network errors.")] = 2,
    user_agent: Annotated[str | None, typer.Option(help="User-Agent header to send.")] = None,
    ca_bundle: CaBundleOpt = None,
    no_sitemaps: Annotated[
        bool, typer.Option("--no-sitemaps", help="Do not read sitemaps.")
    ] = False,
    check_external: Annotated[
        bool,
        typer.Option(
            "--check-external",
            help="Also check that external links answer (one light request per URL).",
        ),
    ] = False,
    no_probe: Annotated[
        bool,
        typer.Option(
            "--no-probe",
            help="Do not re-fetch a sample of each section as Googlebot, Bingbot and an AI "
            "crawler after the crawl (server-level block check).",
        ),
    ] = False,
    intended_block: Annotated[
        list[str] | None,
        typer.Option(
            "--intended-block",
            help="robots.txt token you block on purpose (e.g. gptbot), repeatable: "
            "reported as policy, not as a problem.",
        ),
    ] = None,
    select: Annotated[
        list[str] | None, typer.Option(help="Only run these rules (code or prefix).")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option(help="Skip these rules (code or prefix).")
    ] = None,
    only_issue: Annotated[
        str | None,
        typer.Option(
            "--issue",
            help="Judge and report only this issue (its id, or a ticket's seoaudit-<id>): "
            "exit 0 once it is gone, whatever else the rules find. A ticket's check.",
        ),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    report_specs: ReportOpt = None,
    fail_on: FailOnOpt = "error",
    baseline_file: BaselineOpt = None,
    no_baseline: NoBaselineOpt = False,
    new_only: NewOnlyOpt = True,
    exit_zero: ExitZeroOpt = False,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Name of the stored run (default: time-host).")
    ] = None,
    page_value: PageValueOpt = None,
    page_value_metric: PageValueMetricOpt = None,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            help="Continue an interrupted or killed run (run id, run file or 'latest') with "
            "the scope and rules it started with; nothing it stored is fetched again. Pace "
            "flags (--per-host, --rps, --concurrency...) may change, scope and rule flags "
            "may not.",
        ),
    ] = None,
    respect_crawl_delay: Annotated[
        bool,
        typer.Option(
            "--respect-crawl-delay",
            help="Honour robots.txt crawl-delay (Google ignores it; Bing and others do not).",
        ),
    ] = False,
    run_dir: RunDirOpt = Path(".seoaudit/runs"),
    quiet: QuietOpt = False,
) -> None:
    """Crawl a site, audit it and judge the run (budgets, KPIs, baseline: see docs/ci.md).

    Settings come from the config file, then flags, then SEOAUDIT_* variables."""
    flags = _flags(ctx, _AUDIT_KEYS)
    if _given(ctx, "timeout"):
        flags["crawl.connect_timeout"] = (timeout, "--timeout")
        flags["crawl.read_timeout"] = (timeout, "--timeout")
    if no_sitemaps:
        flags["crawl.sitemaps"] = (False, "--no-sitemaps")
    if no_probe:
        flags["crawl.probe"] = (False, "--no-probe")
    if check_external:
        flags["crawl.check_external"] = (True, "--check-external")
    if no_baseline:
        flags["gate.baseline"] = (None, "--no-baseline")
    if respect_crawl_delay:
        flags["crawl.respect_crawl_delay"] = (True, "--respect-crawl-delay")
    if ca_bundle is not None:  # absolute: a resumed run finds it from any folder
        flags["crawl.ca_bundle"] = (ca_bundle.resolve(), "--ca-bundle")
    if resume is not None:
        _check_resume_flags(flags, run_id)
    settings = _load(config, isolated, flags).settings
    resume_path: Path | None = None
    if resume is not None:
        settings, resume_path = _resumed(resume, settings, set(flags))
    _check_ca_bundle(settings)
    if intended_block:  # added to the configured crawler policy
        blocks = {t.strip().lower(): "block" for t in intended_block if t.strip()}
        settings.crawler_policy = {**settings.crawler_policy, **blocks}  # type: ignore[dict-item]
    if not settings.start_urls:
        raise fail("no start URL: give one, or set start_urls in the config file")
    if run_id is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", run_id):
        raise fail(f"--run-id {run_id!r}: use letters, digits, '.', '_' and '-'")
    if run_id is not None and (taken := settings.run_dir / f"{run_id}.sqlite").exists():
        # A name given is a name used later (`seoaudit diff before after`): storing this run
        # as before-2 would leave it pointing at the old one.
        raise fail(
            f"--run-id {run_id}: a run of that name exists ({taken}); give another name, "
            "or remove that file to reuse it"
        )
    issue_id = None if only_issue is None else _issue_id(only_issue)
    pairs = _all_outputs(fmt, output, settings.reports, quiet)
    _check_outputs([path for _, path in pairs])
    _check_baseline(settings)
    values = _page_values(
        page_value or settings.impact.page_value_file,
        page_value_metric or settings.impact.page_value_metric,
        settings.start_urls[0],
    )
    raise typer.Exit(
        _audit(
            settings,
            pairs,
            quiet,
            exit_zero=exit_zero,
            run_id=run_id,
            page_values=values,
            resume=resume_path,
            only_issue=issue_id,
        )
    )


def _issue_id(raw: str) -> str:
    """The issue id of ``--issue``: 12 hex digits, or a ticket's ``seoaudit-`` + those."""
    match = re.fullmatch(r"(?:seoaudit-)?([0-9a-f]{12})", raw.strip().lower())
    if match is None:
        raise fail(f"--issue {raw!r}: give an issue id (12 hex digits) or seoaudit-<id>")
    return match.group(1)


def _only(report: Report, issue_id: str) -> None:
    """``report`` cut to one issue and its findings, for the gate and the reports: a
    ticket's check passes once its issue is gone, whatever other issues of its rule (other
    tickets) remain."""
    report.issues = [issue for issue in report.issues if issue.id == issue_id]
    if not report.issues and report.run.state == "complete":
        # exit 0 either way: say so, as a mistyped id would pass the same (even with -q)
        err.print(
            Text(
                f"seoaudit: issue seoaudit-{issue_id} is not in this run: its problem is "
                "gone, or the id is not one of this site's issues",
                style="dim",
            )
        )
    found = report.findings
    if isinstance(found, Findings):  # a large run's: a view of the run file, read again
        report.findings = found.map(lambda f: f if f.issue == issue_id else None)
    else:
        report.findings = [f for f in found if f.issue == issue_id]
    # the counts the reports show are this report's; the run's KPIs and footprint stay
    count_issues(report.summary, report.issues)
    report.summary["findings"] = len(report.findings)  # a large run's view: one more pass
    report.summary["only_issue"] = f"seoaudit-{issue_id}"


def _check_ca_bundle(settings: Settings) -> None:
    problem = ca_bundle_problem(settings.crawl.ca_bundle)
    if problem is not None:
        raise fail(f"crawl.ca_bundle: {problem}")


# What --resume may change of the crawl: how hard the server is asked (a server team that
# asked for a slower crawl), not what is crawled (that would mix two scopes in one run).
_RESUME_PACE = {
    "crawl.concurrency": "concurrency",
    "crawl.per_host": "per_host",
    "crawl.rps": "rps",
    "crawl.connect_timeout": "connect_timeout",
    "crawl.read_timeout": "read_timeout",
    "crawl.deadline": "deadline",
    "crawl.retries": "retries",
    "crawl.respect_crawl_delay": "respect_crawl_delay",
}
# ... and what is this invocation's anyway: judging, reporting, where runs are, the CA file.
_RESUME_FREE = ("crawl.ca_bundle", "fail_on", "run_dir", "reports", "gate.")
# ... and the rules, given as the run's own (typed again as in the command that started
# it): the run keeps the rules it started with, which _resumed compares.
_RESUME_RULES = {"select": "--select", "ignore": "--ignore"}


def _check_resume_flags(flags: dict[str, tuple[Any, str]], run_id: str | None) -> None:
    """--resume with a flag that would change what the run crawls is an error, not a flag
    silently ignored: the run goes on with the scope it started with."""
    fixed = sorted(
        {
            flag
            for key, (_, flag) in flags.items()
            # the URL and rules may be the run's own: _resumed compares them with the stored
            if key not in _RESUME_PACE
            and not key.startswith(_RESUME_FREE)
            and key not in ("start_urls", *_RESUME_RULES)
        }
    )
    if run_id is not None:
        fixed.append("--run-id")
    if fixed:
        raise _scope_fixed(fixed)


def _scope_fixed(flags: list[str]) -> typer.Exit:
    return fail(
        f"--resume continues a run with the scope it started with: {', '.join(flags)} "
        "cannot change (start a new audit for that). It can change the pace: "
        "--concurrency, --per-host, --rps, --timeout, --deadline, --retries, "
        "--respect-crawl-delay"
    )


def _resumed(run: str, current: Settings, given: set[str]) -> tuple[Settings, Path]:
    """Settings for resuming a stored run: the crawl goes on as it started (start URLs and
    crawl settings from the run; secrets from the environment again, a CA file from this
    invocation when it names one, and the pace flags ``given`` now), while judging and
    reporting follow this invocation (gate, budgets, reports, --fail-on)."""
    store = _open_run(run, current.run_dir)
    try:
        stored = store.load_run()
    finally:
        store.close()
    if stored.state == "complete":
        raise fail(f"run {stored.run_id} is complete: there is nothing to resume")
    try:
        original = Settings.model_validate(stored.settings)
    except ValidationError as exc:
        raise fail(f"run {stored.run_id} cannot be resumed: {exc}") from None
    if "start_urls" in given and current.start_urls != original.start_urls:
        raise _scope_fixed(["URL"])  # the run's own URL typed again is fine
    # The rules are the run's: a resumed session stores the run's findings, which `report`
    # and every later reader take for the run's (a --select here narrowed it for good).
    changed = [
        flag
        for key, flag in _RESUME_RULES.items()
        if key in given and set(getattr(current, key)) != set(getattr(original, key))
    ]
    if changed:
        raise fail(
            f"--resume keeps the rules the run {stored.run_id} started with "
            f"({_rules_of(original)}): {', '.join(changed)} cannot change. Once it is "
            f"complete, `seoaudit check {stored.run_id} {' '.join(changed)} ...` judges it "
            "on some of them; other rules need a new audit"
        )
    # Machine-local things come from this invocation: the secrets, and a CA file (one
    # given now wins over the stored path, which may be gone).
    crawl = original.crawl.model_copy(
        update={
            "auth": current.crawl.auth,
            "ca_bundle": current.crawl.ca_bundle or original.crawl.ca_bundle,
            **{
                field: getattr(current.crawl, field)  # validated with this invocation's
                for key, field in _RESUME_PACE.items()
                if key in given
            },
        }
    )
    settings = current.model_copy(
        update={
            "start_urls": original.start_urls,
            "crawl": crawl,
            "select": original.select,  # not the config file's of today either
            "ignore": original.ignore,
        }
    )
    return settings, store.path


def _rules_of(settings: Settings) -> str:
    """The rules a run judges with, for a message: its --select and --ignore."""
    chosen = [
        f"{flag} {','.join(values)}"
        for flag, values in (("--select", settings.select), ("--ignore", settings.ignore))
        if values
    ]
    return "; ".join(chosen) or "every rule"


_AUDIT_KEYS: dict[str, tuple[str, str]] = {  # parameter -> (settings key, flag)
    "urls": ("start_urls", "URL"),
    "include": ("crawl.include", "--include"),
    "exclude": ("crawl.exclude", "--exclude"),
    "max_pages": ("crawl.max_pages", "--max-pages"),
    "max_depth": ("crawl.max_depth", "--max-depth"),
    "crawler": ("crawl.crawler", "--as"),
    "ignore_robots": ("crawl.ignore_robots", "--ignore-robots"),
    "concurrency": ("crawl.concurrency", "--concurrency"),
    "per_host": ("crawl.per_host", "--per-host"),
    "rps": ("crawl.rps", "--rps"),
    "deadline": ("crawl.deadline", "--deadline"),
    "retries": ("crawl.retries", "--retries"),
    "user_agent": ("crawl.user_agent", "--user-agent"),
    "ca_bundle": ("crawl.ca_bundle", "--ca-bundle"),
    "select": ("select", "--select"),
    "ignore": ("ignore", "--ignore"),
    "fail_on": ("fail_on", "--fail-on"),
    "run_dir": ("run_dir", "--run-dir"),
    "report_specs": ("reports", "--report"),
    "baseline_file": ("gate.baseline", "--baseline"),
    "new_only": ("gate.new_only", "--new-only"),
}


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        parts.append(f"{where}: {error['msg']}")
    return "invalid settings: " + "; ".join(parts)


def demo_site_root() -> Path:
    """The bundled demo site: packaged in the wheel, or fixtures/demo in a checkout."""
    packaged = Path(str(resources.files("seoaudit") / "demo_site"))
    if (packaged / "index.html").exists():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
    if (checkout / "index.html").exists():
        return checkout
    raise fail("the demo site is missing from this installation")


@app.command()
def demo(
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    run_dir: RunsOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Serve the bundled demo shop on 127.0.0.1 and audit it (no internet needed).

    Only the run folder comes from the config file (as for `audit`: file < --run-dir <
    SEOAUDIT_RUN_DIR), so that `seoaudit report latest` finds the run; the rest of a
    project's settings (start URLs, scope, gate) would not fit the demo site."""
    from seoaudit.devserver import SiteServer

    pairs = _outputs(fmt, output, quiet)
    _check_outputs([path for _, path in pairs])
    runs = _runs_in(run_dir, config, isolated)
    with SiteServer(demo_site_root()) as server:
        if not quiet:
            err.print(Text(f"Demo site served at {server.base_url}/", style="bold"))
        settings = Settings(start_urls=[server.base_url + "/"], run_dir=runs, fail_on="never")
        code = _audit(settings, pairs, quiet)
    raise typer.Exit(code)


def _open_run(run: str, run_dir: Path) -> Store:
    path = Path(run)
    if run == "latest":
        latest, skipped = latest_run(run_dir)
        if skipped:
            names = ", ".join(printable(p.name) for p in skipped[:3])
            more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
            warn(f"skipped {names}{more} in {run_dir}: not a readable run")
        if latest is None:
            raise fail(f"no runs in {run_dir}")
        path = latest
    elif not path.suffix:
        path = run_dir / f"{run}.sqlite"
    try:
        return Store(path)
    except StoreError as exc:
        raise fail(str(exc)) from None


@app.command()
def report(
    run: Annotated[str, typer.Argument(help="Run id, path to a run file, or 'latest'.")],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = "never",
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    run_dir: RunsOpt = None,
) -> None:
    """Write reports from a stored run, without crawling again."""
    pairs = _outputs(fmt, output, False)
    if fail_on not in ("error", "warning", "notice", "never"):
        raise fail(f"unknown --fail-on {fail_on!r}")
    _check_outputs([path for _, path in pairs])
    store = _open_run(run, _runs_in(run_dir, config, isolated))
    try:
        _finish_killed_run(store)
        result = build_report(store)
    finally:
        store.close()
    # The CI formats' verdict is this command's: --fail-on's severity check, as the exit
    # code (the configured gate is `seoaudit check`'s, and those reports say so).
    verdict = severity_gate(result, fail_on)
    result.gate = verdict.as_json()
    errors = _write_reports(result, pairs)
    raise typer.Exit(_unwritten(errors, gate.exit_code(verdict)))


@rules_app.callback(invoke_without_command=True)
def rules_list(
    ctx: typer.Context,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the catalogue as Markdown (docs/rules.md).")
    ] = False,
) -> None:
    """List every rule: code, severity, scope, name and summary."""
    if ctx.invoked_subcommand is not None:
        return
    from seoaudit.rules import REGISTRY, rules_markdown

    if markdown:
        typer.echo(rules_markdown(), nl=False)
        return
    out = Console(highlight=False, soft_wrap=True)  # one line per rule, for grep
    for code, spec in sorted(REGISTRY.items()):
        line = Text()
        line.append(f"{code:<8}", style="bold")
        line.append(
            f"{spec.severity:<8}",
            style={"error": "red", "warning": "yellow"}.get(spec.severity, "cyan"),
        )
        line.append(f"{spec.scope:<5} {spec.name}: {spec.summary}")
        out.print(line)


@rules_app.command("explain")
def rules_explain(code: Annotated[str, typer.Argument(help="Rule code, e.g. HTTP001.")]) -> None:
    """Print a rule's documentation."""
    from seoaudit.rules import REGISTRY

    spec = REGISTRY.get(code.upper().replace("-", ""))
    if spec is None:
        raise fail(f"no rule {code!r}; `seoaudit rules` lists them")
    typer.echo(f"{spec.code} {spec.name} ({spec.severity}, {spec.scope} rule)\n")
    typer.echo(spec.doc)


@app.command()
def robots(
    url: Annotated[str, typer.Argument(help="URL to check.")],
    crawler: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="robots.txt token, e.g. googlebot, bingbot, gptbot. Default: the config "
            "file's crawl.crawler, else googlebot.",
        ),
    ] = None,
    ca_bundle: CaBundleOpt = None,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
) -> None:
    """Is URL allowed for a crawler? Prints the deciding robots.txt line (exit 1: blocked;
    3: the host gave no HTTP answer, so nothing could be checked).

    robots.txt is fetched as the audit fetches it: the config file's user agent, timeouts
    and CA file (or --ca-bundle), and basic auth from SEOAUDIT_AUTH_USER /
    SEOAUDIT_AUTH_PASSWORD (sent only to URL's origin). Without them, a protected staging
    site answers robots.txt with 401, which Google reads as "no robots.txt: everything
    allowed", and a staging site with a company CA fails its TLS handshake."""
    import asyncio

    from seoaudit.crawl.discovery import (
        ROBOTS_MAX_REDIRECTS,
        ROBOTS_READ_LIMIT,
        interpret_robots,
        robots_error,
    )
    from seoaudit.crawl.fetch import Fetcher
    from seoaudit.crawl.urls import host_of, origin
    from seoaudit.models import TLS_ERROR, FetchResult
    from seoaudit.robots import RobotsFile
    from seoaudit.rules.certificates import problem, rejected

    target = _start_url(url)
    flags: dict[str, tuple[Any, str]] = {"start_urls": ([target], "URL")}  # auth's origin
    if crawler is not None:
        flags["crawl.crawler"] = (crawler, "--as")
    if ca_bundle is not None:
        flags["crawl.ca_bundle"] = (ca_bundle.resolve(), "--ca-bundle")
    settings = _load(config, isolated, flags).settings
    _check_ca_bundle(settings)

    async def check() -> tuple[RobotsFile, FetchResult]:
        fetcher = Fetcher(settings.crawl.model_copy(update={"retries": 1}))
        try:
            robots_url = origin(target) + "/robots.txt"
            result = await fetcher.fetch(
                robots_url, max_redirects=ROBOTS_MAX_REDIRECTS, max_body=ROBOTS_READ_LIMIT
            )
            # The same reading of a fetch as the crawl's (redirect loops, >5 hops, ...).
            robots_file = interpret_robots(
                robots_url,
                result.status,
                result.body,
                error=robots_error(result),
                redirects=len(result.hops),
                content_type=result.header("content-type"),
            )
            return robots_file, result
        finally:
            await fetcher.aclose()

    show = printable  # robots.txt lines come from the site: no control characters

    robots_file, fetched = asyncio.run(check())
    verdict = robots_file.verdict(settings.crawl.crawler, target)
    word = "allowed" if verdict.allowed else "blocked"
    typer.echo(f"{word}: {target} for {verdict.agent}")
    if verdict.line is not None:
        typer.echo(show(f"  decided by {verdict.robots_url} line {verdict.line}: {verdict.rule}"))
        typer.echo(show(f"  ({verdict.reason})"))
    elif verdict.reason:
        typer.echo(show(f"  {verdict.reason}"))
    else:
        typer.echo(f"  no rule in {robots_file.url} matches")
    if robots_file.robots is not None:
        typer.echo(show(f"  robots.txt: {robots_file.reason}"))
    if fetched.error == TLS_ERROR:
        host = host_of(fetched.final_url)
        typer.echo(show(f"  {rejected(host, problem(fetched.error_detail))}"))
    if fetched.status is None and fetched.error is not None and not fetched.hops:
        # Blocked as Google reads an unreachable robots.txt, but most often a mistyped or
        # unresolvable host: exit 3 (could not be checked), not 1 (a rule blocks it). A
        # redirect loop got answers: its verdict (Google's) is the answer.
        detail = f": {fetched.error_detail}" if fetched.error_detail else ""
        hint = (
            "its TLS certificate was rejected (above)"
            if fetched.error == TLS_ERROR
            else "check the host name and that it is reachable from here"
        )
        raise fail(
            show(f"no HTTP answer from {origin(target)} ({fetched.error}{detail}); {hint}"),
            EXIT_START_FAILED,
        )
    raise typer.Exit(EXIT_OK if verdict.allowed else EXIT_ISSUES)


def _page_values(path: Path | None, metric: str | None, base_url: str) -> UserValues | None:
    if path is None:
        return None
    try:
        return pagevalue.load(path, base_url=base_url, metric=metric)
    except pagevalue.PageValueError as exc:
        raise fail(f"--page-value: {exc}") from None


@app.command()
def tickets(
    run: Annotated[str, typer.Argument(help="Run id, path to a run file, or 'latest'.")],
    target: Annotated[
        str, typer.Option("--target", "-t", help="Tracker: jira, github, azure or gitlab.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder to write the tickets into.")
    ] = Path("seoaudit-tickets"),
    only_new: Annotated[
        bool, typer.Option("--only-new", help="Only issues not exported for this target before.")
    ] = False,
    min_priority: Annotated[
        str, typer.Option("--min-priority", help="Leave out issues below: P1, P2, P3, P4.")
    ] = "P4",
    state: Annotated[
        Path | None,
        typer.Option("--state", help="Export record (default: OUTPUT/tickets-exported.json)."),
    ] = None,
    page_value: PageValueOpt = None,
    page_value_metric: PageValueMetricOpt = None,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    run_dir: RunsOpt = None,
) -> None:
    """Write one ticket per issue for a tracker's import (ids stable across runs)."""
    from seoaudit import tickets as ticket_export
    from seoaudit.rules import REGISTRY

    if target not in ticket_export.TARGETS:
        raise fail(f"unknown --target {target!r}; choose from {', '.join(ticket_export.TARGETS)}")
    if min_priority.upper() not in ticket_export.PRIORITIES:
        raise fail(f"unknown --min-priority {min_priority!r}; choose from P1, P2, P3, P4")
    _check_outputs([state], folders=[output])
    store = _open_run(run, _runs_in(run_dir, config, isolated))
    try:
        _finish_killed_run(store)
        info = store.load_run()
        values = _page_values(page_value, page_value_metric, (info.start_urls or [""])[0])
        if values is not None:
            pagevalue.attach(store, values)
        site = Site(store)
        result = build_report(store, site)
        exported = ticket_export.export(
            result,
            REGISTRY,
            target,
            output,
            state_path=state,
            only_new=only_new,
            min_priority=min_priority.upper(),
            value_of=site.page_value,
        )
    except ticket_export.ExportError as exc:  # names the file: one line
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write tickets into {output}: {exc}") from None
    finally:
        store.close()
    err.print(
        Text(
            f"{len(exported.tickets)} tickets for {target} in {output}"
            + (f"; {exported.skipped_known} exported before" if exported.skipped_known else "")
            + (
                f"; {exported.skipped_priority} below {min_priority}"
                if exported.skipped_priority
                else ""
            )
        )
    )
    for path in exported.files[: len(exported.files) - len(exported.tickets)]:
        typer.echo(str(path))


@app.command()
def explain(
    term: Annotated[
        str | None, typer.Argument(help="A term (canonical, soft-404, ttfb...) or a rule code.")
    ] = None,
) -> None:
    """Explain a term that SEO and IT use differently, in both vocabularies."""
    from seoaudit import glossary

    if term is None:
        for item in glossary.TERMS:
            typer.echo(f"{item.key:<18} {item.title}")
        return
    found = glossary.lookup(term)
    if found is not None:
        typer.echo(glossary.render(found))
        return
    from seoaudit.rules import REGISTRY

    if term.upper().replace("-", "") in REGISTRY:
        rules_explain(term)
        return
    raise fail(f"no term {term!r}; try: {', '.join(glossary.suggestions(term))}")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


# -- CI: configuration, gate, baselines, diffs ------------------------------------------

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Config file (default: seoaudit.toml or pyproject.toml [tool.seoaudit], "
        "searched from the working directory up; or $SEOAUDIT_CONFIG).",
    ),
]
IsolatedOpt = Annotated[
    bool, typer.Option("--isolated", help="Ignore every config file (flags and env only).")
]
CaBundleOpt = Annotated[
    Path | None,
    typer.Option(
        "--ca-bundle",
        help="PEM file of extra CA certificates to trust (an internal CA of a staging "
        "site); the public CAs stay trusted and certificates are always checked.",
    ),
]
ReportOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--report",
        help="FORMAT or FORMAT=PATH, repeatable, e.g. junit=seo.xml, github, "
        "markdown=$GITHUB_STEP_SUMMARY, gitlab=gl-code-quality.json, sarif=seo.sarif. "
        "Without PATH (or with -) to stdout.",
    ),
]
BaselineOpt = Annotated[
    Path | None, typer.Option("--baseline", help="Baseline file (see `seoaudit baseline`).")
]
NoBaselineOpt = Annotated[
    bool,
    typer.Option(
        "--no-baseline",
        help="Ignore the configured baseline (e.g. for the first run, to create it).",
    ),
]
NewOnlyOpt = Annotated[
    bool,
    typer.Option(
        "--new-only/--all-findings",
        help="With a baseline, --fail-on counts only findings new since it (default).",
    ),
]
ExitZeroOpt = Annotated[
    bool,
    typer.Option("--exit-zero", help="Exit 0 when the gate fails (1 becomes 0, nothing else)."),
]


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether a flag was typed (not a default). Compared by name: click's ParameterSource
    lives in click or in typer's vendored copy, depending on typer's version."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")


def _flags(ctx: typer.Context, keys: dict[str, tuple[str, str]]) -> dict[str, tuple[Any, str]]:
    """Settings layer from the flags actually given: dotted key -> (value, flag)."""
    flags: dict[str, tuple[Any, str]] = {}
    for param, (dotted, flag) in keys.items():
        value = ctx.params.get(param)
        if _given(ctx, param) and value is not None:
            flags[dotted] = (value, flag)
    return flags


def _load(
    config: Path | None, isolated: bool, flags: dict[str, tuple[Any, str]] | None = None
) -> LoadedConfig:
    try:
        loaded = configfile.load(config=config, isolated=isolated, flags=flags)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    for warning in loaded.warnings:
        warn(warning)
    return loaded


def _run_dir_flag(run_dir: Path | None) -> dict[str, tuple[Any, str]]:
    return {} if run_dir is None else {"run_dir": (run_dir, "--run-dir")}


def _runs_in(run_dir: Path | None, config: Path | None, isolated: bool) -> Path:
    """The folder of the runs a command reads, resolved as `audit` resolves the one it
    writes to: default < config file < --run-dir < SEOAUDIT_RUN_DIR."""
    return _load(config, isolated, _run_dir_flag(run_dir)).settings.run_dir


def _report_specs(specs: list[str]) -> list[tuple[str, Path | None]]:
    pairs: list[tuple[str, Path | None]] = []
    for spec in specs:
        fmt, sep, target = spec.partition("=")
        fmt = fmt.strip().lower()
        if fmt not in WRITERS:
            raise fail(
                f"unknown report format {fmt!r} in --report {spec!r}; choose from "
                f"{', '.join(FORMATS)}"
            )
        if sep and not target.strip():
            raise fail(f"--report {spec!r}: empty path (is the variable set?)")
        path = None if not sep or target.strip() == "-" else Path(target)
        pairs.append((fmt, path))
    return pairs


def _all_outputs(
    fmt: list[str] | None, output: list[Path] | None, specs: list[str], quiet: bool
) -> list[tuple[str, Path | None]]:
    """--format/--output pairs plus --report specs; at most one of them on stdout. The
    default console table steps aside when a --report writes to stdout."""
    extra = _report_specs(specs)
    stdout_report = any(path is None for _, path in extra)
    pairs = _outputs(fmt, output, quiet or (not fmt and stdout_report)) + extra
    if sum(1 for _, path in pairs if path is None) > 1:
        raise fail("only one report can go to stdout; give a path for the others")
    return pairs


def _check_baseline(settings: Settings) -> None:
    """A configured baseline must be readable before a crawl starts (exit 2, not 1)."""
    if settings.gate.baseline is not None:
        try:
            baseline.read(settings.gate.baseline)
        except baseline.BaselineError as exc:
            raise fail(str(exc)) from None


def _print_gate(result: GateResult, quiet: bool) -> None:
    for warning in result.warnings:
        warn(warning)
    if quiet and result.verdict == "pass":
        return
    if result.verdict == "pass" and not result.checks:
        # Nothing was checked: a green PASS would read as "the site is fine".
        err.print(Text("Gate: no checks (--fail-on never, no budgets or KPIs)", style="dim"))
        return
    style = {"pass": "bold green", "fail": "bold red"}.get(result.verdict, "bold yellow")
    line = Text(f"Gate: {result.verdict.upper()}", style=style)
    if result.baseline is not None:
        b = result.baseline
        line.append(
            f"  ({b.new} new, {b.persisting} persisting, {len(b.fixed)} fixed, "
            f"{len(b.not_comparable)} not comparable)",
            style="dim",
        )
    err.print(line)
    for reason in result.reasons:
        err.print(Text(f"  {reason}", style=style))
    for check in result.checks:
        if check.status == "fail" and check.level == "warn":
            err.print(Text(f"  warn: {check.name}: {check.measured}", style="yellow"))
        elif check.status == "skipped":  # a KPI with nothing to measure: said, not hidden
            err.print(Text(f"  skipped: {check.name}: {check.measured}", style="dim"))


def _judge(
    report: Report, settings: Settings, *, store_path: Path | None = None, site: Site | None = None
) -> GateResult:
    try:
        result = gate.evaluate(report, settings, store_path=store_path, site=site)
    except baseline.BaselineError as exc:
        raise fail(str(exc)) from None
    report.gate = result.as_json()
    return result


_CHECK_KEYS: dict[str, tuple[str, str]] = {
    "select": ("select", "--select"),
    "ignore": ("ignore", "--ignore"),
    "fail_on": ("fail_on", "--fail-on"),
    "run_dir": ("run_dir", "--run-dir"),
    "report_specs": ("reports", "--report"),
    "baseline_file": ("gate.baseline", "--baseline"),
    "new_only": ("gate.new_only", "--new-only"),
}


@app.command()
def check(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, path to a run file, or 'latest'.")],
    report_specs: ReportOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = "error",
    select: Annotated[
        list[str] | None, typer.Option(help="Only judge these rules (code or prefix).")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option(help="Do not judge these rules (code or prefix).")
    ] = None,
    baseline_file: BaselineOpt = None,
    no_baseline: NoBaselineOpt = False,
    new_only: NewOnlyOpt = True,
    exit_zero: ExitZeroOpt = False,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    run_dir: RunsOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Apply budgets, KPIs and the baseline to a stored run, without crawling again."""
    flags = _flags(ctx, _CHECK_KEYS)
    if no_baseline:
        flags["gate.baseline"] = (None, "--no-baseline")
    settings = _load(config, isolated, flags).settings
    pairs = _all_outputs(fmt, output, settings.reports, quiet)
    _check_outputs([path for _, path in pairs])
    _check_baseline(settings)
    store = _open_run(run, settings.run_dir)
    try:
        _finish_killed_run(store)  # a killed crawl is judged as interrupted: inconclusive
        site = Site(store)
        result = build_report(store, site)
        findings = gate.apply_overrides(result.findings, settings, result.run)
        if findings is not result.findings:  # today's configuration has a policy to apply
            result.issues, assign = group_issues(findings, site, group_titles(), REGISTRY)
            result.findings = findings.map(assign, drops=False)
        verdict = _judge(result, settings, site=site)
    finally:
        store.close()
    errors = _write_reports(result, pairs)
    _print_gate(verdict, quiet)
    raise typer.Exit(_unwritten(errors, gate.exit_code(verdict, exit_zero)))


@app.command()
def diff(
    run_a: Annotated[str, typer.Argument(help="The run before (id, path or 'latest').")],
    run_b: Annotated[str, typer.Argument(help="The run after (id, path or 'latest').")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, markdown or json.")] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default, or -: stdout).")
    ] = None,
    fail_on_new: Annotated[
        bool, typer.Option("--fail-on-new", help="Exit 1 when run B has a new finding.")
    ] = False,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    run_dir: RunsOpt = None,
) -> None:
    """The release regression report: findings new, fixed and persisting per rule, and
    per URL the changes in status, indexability, canonical, title and structured data."""
    writer = rundiff.WRITERS.get(fmt)
    if writer is None:
        raise fail(f"unknown diff format {fmt!r}; choose from {', '.join(rundiff.WRITERS)}")
    output = _stdout_or(output)
    _check_outputs([output])
    runs = _runs_in(run_dir, config, isolated)
    stores = [_open_run(run_a, runs), _open_run(run_b, runs)]
    try:
        for store in stores:
            _finish_killed_run(store)  # else its missing findings would all be "fixed"
        result = rundiff.diff_stores(*stores)
    except (OSError, sqlite3.Error) as exc:  # the temporary file: no space, no temp dir
        raise fail(f"cannot compare the runs: {exc}") from exc
    finally:
        for s in stores:
            s.close()
    with result:
        if output is None:
            writer(result, sys.stdout)
        else:
            _write_file(output, functools.partial(writer, result))
        new = result.counts["new"]
    raise typer.Exit(EXIT_ISSUES if fail_on_new and new else EXIT_OK)


# -- seoaudit baseline create|update|prune ----------------------------------------------

baseline_app = typer.Typer(
    help="Accept known findings in a committed baseline file, so the gate fails only on new ones.",
    add_completion=False,
    no_args_is_help=True,
)
app.add_typer(baseline_app, name="baseline")
DEFAULT_BASELINE = Path("seoaudit-baseline.txt")
RunArg = Annotated[str, typer.Argument(help="Run id, path to a run file, or 'latest'.")]


def _baseline_inputs(
    run: str, baseline_file: Path | None, config: Path | None, isolated: bool,
    run_dir: Path | None,
) -> tuple[Path, Settings, Report, Site, Store]:  # fmt: skip
    settings = _load(config, isolated, _run_dir_flag(run_dir)).settings
    path = baseline_file or settings.gate.baseline or DEFAULT_BASELINE
    store = _open_run(run, settings.run_dir)
    _finish_killed_run(store)  # an unjudged run has no findings: all would be "fixed"
    site = Site(store)
    report = build_report(store, site)
    if report.run.state == "failed":
        store.close()
        raise fail(
            f"run {report.run.run_id} failed ({report.run.message}); a baseline needs a run "
            "that reached the site",
            EXIT_START_FAILED,
        )
    if report.run.state != "complete":
        warn(f"run {report.run.run_id} is {report.run.state}")
    report.findings = gate.apply_overrides(report.findings, settings, report.run)
    return path, settings, report, site, store


def _counted_entries(report: Report, settings: Settings) -> tuple[list[baseline.Entry], set[str]]:
    """The entries of the run's findings that no active suppression matches, and the
    fingerprints of the suppressed ones. A suppressed finding never enters a baseline
    (when an expiring suppression ends, its finding fails as new: the deadline it set),
    and the entry it had before stays (it goes back to being known debt)."""
    base = baseline.base_origin(report.run)
    active, _ = baseline.split_expired(settings.suppress, date.today())
    hidden = baseline.suppressed(report.findings, active, base)
    kept = (f for f in report.findings if baseline.fingerprint(f, base) not in hidden)
    return baseline.entries_for(kept, base), hidden


def _baseline_command(
    action: str, run: str, baseline_file: Path | None, config: Path | None, isolated: bool,
    run_dir: Path | None, force: bool = False,
) -> None:  # fmt: skip
    path, settings, report, site, store = _baseline_inputs(
        run, baseline_file, config, isolated, run_dir
    )
    try:
        current, suppressed = _counted_entries(report, settings)
        if action == "create":
            if path.exists() and not force:
                raise fail(f"{path} exists; use `seoaudit baseline update` (or --force)")
            entries, note = current, f"{len(current)} findings"
        else:
            try:
                old = baseline.read(path)
            except baseline.BaselineError as exc:
                raise fail(str(exc)) from None
            base = baseline.base_origin(report.run)
            answered, failing = gate.answered_in(site), gate.failing_in(site)
            cover = gate.coverage(answered, report.run, report.rule_errors, settings, failing)
            comparison = baseline.compare(report.findings, old, base, cover)
            fixed = {e.fingerprint for e in comparison.fixed}
            if action == "prune":
                entries = [e for e in old.values() if e.fingerprint not in fixed]
                note = f"{len(fixed)} fixed removed, {len(entries)} kept"
            else:
                # Like the entries the run could not judge, those of suppressed findings
                # stay: update must not decide what a suppression hides.
                hidden = [e for fp, e in old.items() if fp in suppressed]
                entries = current + comparison.not_comparable + hidden
                added = sum(1 for e in current if e.fingerprint not in old)
                note = (
                    f"{added} added, {len(fixed)} fixed removed, "
                    f"{len(comparison.not_comparable)} not comparable kept, "
                    f"{len(hidden)} suppressed kept"
                )
        try:
            baseline.write(path, entries)
        except OSError as exc:
            raise fail(f"cannot write {path}: {exc}") from exc
    finally:
        store.close()
    err.print(Text(f"Baseline {path}: {note} (from run {report.run.run_id})", style="bold"))


@baseline_app.command("create")
def baseline_create(
    run: RunArg = "latest",
    baseline_file: BaselineOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    run_dir: RunsOpt = None,
) -> None:
    """Write a baseline from a stored run: every finding it has is accepted debt."""
    _baseline_command("create", run, baseline_file, config, isolated, run_dir, force)


@baseline_app.command("update")
def baseline_update(
    run: RunArg = "latest",
    baseline_file: BaselineOpt = None,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    run_dir: RunsOpt = None,
) -> None:
    """Accept the run's findings: add new ones, drop fixed ones, keep the ones the run
    could not judge (URLs it did not fetch, rules it did not run or ignored there) and
    those of findings a [[suppress]] hides (none is added for them)."""
    _baseline_command("update", run, baseline_file, config, isolated, run_dir)


@baseline_app.command("prune")
def baseline_prune(
    run: RunArg = "latest",
    baseline_file: BaselineOpt = None,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    run_dir: RunsOpt = None,
) -> None:
    """Remove only the entries the run shows fixed; add nothing."""
    _baseline_command("prune", run, baseline_file, config, isolated, run_dir)


# -- seoaudit config show ---------------------------------------------------------------

config_app = typer.Typer(
    help="Show the effective configuration.", add_completion=False, no_args_is_help=True
)
app.add_typer(config_app, name="config")


@config_app.command("show")
def config_show(
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="toml or json.")] = "toml",
) -> None:
    """Print the effective configuration and where each value came from (secrets never)."""
    loaded = _load(config, isolated)
    if fmt == "json":
        typer.echo(json.dumps(configfile.effective(loaded), indent=2))
    elif fmt == "toml":
        typer.echo(configfile.show(loaded), nl=False)
    else:
        raise fail(f"unknown format {fmt!r}; choose toml or json")


class _LogFormatter(logging.Formatter):
    """``seoaudit: message``, every line made printable: a logged error may quote a URL or
    an exception message built from a crawled page."""

    def format(self, record: logging.LogRecord) -> str:
        return "\n".join(printable(line) for line in super().format(record).splitlines())


def _log_to_stderr() -> None:
    """Warnings and internal errors of the library's loggers, on stderr, one prefix."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter("seoaudit: %(message)s"))
    logger = logging.getLogger("seoaudit")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False


def main() -> None:
    _log_to_stderr()
    try:
        app()
    except sqlite3.DatabaseError as exc:  # a damaged run file, a failing disk
        err.print(Text(f"seoaudit: {_database_problem(exc)}", style="bold red"))
        raise SystemExit(EXIT_USAGE) from None


def _database_problem(exc: sqlite3.DatabaseError) -> str:
    """A database error no command handled, in one line: the run file(s) it was about,
    as far as this process knows (``opened_run_files``), and what to do."""
    files = [printable(str(path), 200) for path in opened_run_files()]
    which, name = "a run file", "FILE"
    if len(files) == 1:
        which, name = f"the run file {files[0]}", files[0]
    elif files:
        which = f"one of the run files {', '.join(files)}"
    return (
        f"cannot read or write {which}: {printable(str(exc), 300)}. Check the disk that holds "
        f"it (free space, errors) and that the file is whole (sqlite3 {name} "
        "'PRAGMA integrity_check'), then run the command again"
    )
