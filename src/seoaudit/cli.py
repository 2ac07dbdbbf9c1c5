"""The command line: parse options, call the library, map outcomes to exit codes.

Exit codes (the same whatever the output format):
  0  no issue at or above --fail-on
  1  an issue at or above --fail-on (default: error)
  2  usage or configuration error
  3  the start URL could not be fetched at all (no HTTP response)
  130  interrupted (Ctrl-C); the report of what was found is still written
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from seoaudit import __version__
from seoaudit.audit import AuditResult, exit_code, finish_killed_run, run_audit
from seoaudit.config import CrawlSettings, Settings
from seoaudit.crawl.engine import CrawlStats
from seoaudit.crawl.urls import normalize
from seoaudit.models import Report
from seoaudit.report import FORMATS, WRITERS, build_report
from seoaudit.store import Store, StoreError

EXIT_OK, EXIT_ISSUES, EXIT_USAGE, EXIT_START_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

HELP = """seoaudit: crawl a site the way a search engine does and get a ranked, ticket-ready
list of technical SEO issues.

Exit codes: 0 no issue at or above --fail-on; 1 an issue at or above --fail-on;
2 usage or configuration error; 3 the start URL could not be fetched; 130 interrupted."""

app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False, rich_markup_mode=None)
rules_app = typer.Typer(help="List the rules, or explain one.", add_completion=False)
app.add_typer(rules_app, name="rules")

err = Console(stderr=True, highlight=False)


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err.print(Text(f"seoaudit: {message}", style="bold red"))
    return typer.Exit(code)


# -- shared options ---------------------------------------------------------------------

FormatOpt = Annotated[
    list[str] | None,
    typer.Option("--format", "-f", help=f"Output format, repeatable: {', '.join(FORMATS)}."),
]
OutputOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--output", "-o", help="File for each --format, in the same order (default: stdout)."
    ),
]
RunDirOpt = Annotated[Path, typer.Option("--run-dir", help="Where run files are stored.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")]
FailOnOpt = Annotated[
    str,
    typer.Option("--fail-on", help="Exit 1 when an issue reaches: error, warning, notice, never."),
]


def _outputs(
    formats: list[str] | None, outputs: list[Path] | None, quiet: bool
) -> list[tuple[str, Path | None]]:
    formats = formats or ([] if quiet else ["console"])
    outputs = outputs or []
    for fmt in formats:
        if fmt not in WRITERS:
            raise fail(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if len(outputs) > len(formats):
        if formats:
            raise fail("more --output files than --format options")
        formats = ["json"] * len(outputs)  # --output alone means a JSON file
    pairs: list[tuple[str, Path | None]] = []
    for i, fmt in enumerate(formats):
        pairs.append((fmt, outputs[i] if i < len(outputs) else None))
    to_stdout = [f for f, p in pairs if p is None]
    if len(to_stdout) > 1:
        raise fail("only one format can go to stdout; give --output for the others")
    return pairs


def _write_reports(report: Report, pairs: list[tuple[str, Path | None]]) -> None:
    for fmt, path in pairs:
        writer = WRITERS[fmt]
        if path is None:
            writer(report, sys.stdout)
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                writer(report, handle)
            tmp.replace(path)  # never leave a half-written report behind
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
    candidate = raw.strip()
    if "://" not in candidate:
        candidate = "https://" + candidate
    url = normalize(candidate)
    if url is None:
        raise fail(f"{raw!r} is not a valid http(s) URL")
    return url


def _finish(
    result: AuditResult, pairs: list[tuple[str, Path | None]], fail_on: str, quiet: bool
) -> int:
    _write_reports(result.report, pairs)
    run = result.report.run
    if not quiet:
        err.print(Text(f"Run stored in {result.store_path}", style="dim"))
    if result.start_failed:
        err.print(
            Text(
                f"seoaudit: start URL could not be fetched: {_start_error(result)}",
                style="bold red",
            )
        )
        return EXIT_START_FAILED
    if run.state == "failed":  # the crawl stopped on an internal error: inconclusive
        err.print(Text(f"seoaudit: {run.message}", style="bold red"))
        return EXIT_START_FAILED
    if run.state == "interrupted":
        return EXIT_INTERRUPTED
    return exit_code(result.report, fail_on)


def _start_error(result: AuditResult) -> str:
    for finding in result.report.findings:
        if finding.url in result.report.run.start_urls and finding.evidence.get("error"):
            detail = finding.evidence.get("detail") or ""
            return f"{finding.evidence['error']} {detail}".strip()
    return "no HTTP response"


def _audit(
    settings: Settings, pairs: list[tuple[str, Path | None]], fail_on: str, quiet: bool
) -> int:
    try:
        with _ProgressView(not quiet, settings.crawl.max_pages) as view:
            result = run_audit(settings, on_progress=view.update)
    except KeyboardInterrupt:
        err.print(Text("seoaudit: interrupted", style="bold yellow"))
        return EXIT_INTERRUPTED
    return _finish(result, pairs, fail_on, quiet)


# -- commands ---------------------------------------------------------------------------


@app.command()
def audit(
    urls: Annotated[
        list[str], typer.Argument(help="Start URL(s); the crawl stays on their hosts.")
    ],
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
    no_sitemaps: Annotated[
        bool, typer.Option("--no-sitemaps", help="Do not read sitemaps.")
    ] = False,
    select: Annotated[
        list[str] | None, typer.Option(help="Only run these rules (code or prefix).")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option(help="Skip these rules (code or prefix).")
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = "error",
    run_dir: RunDirOpt = Path(".seoaudit/runs"),
    quiet: QuietOpt = False,
) -> None:
    """Crawl a site and audit it."""
    pairs = _outputs(fmt, output, quiet)
    start = [_start_url(u) for u in urls]
    try:
        crawl = CrawlSettings(
            include=include or [],
            exclude=exclude or [],
            max_pages=max_pages,
            max_depth=max_depth,
            crawler=crawler,
            ignore_robots=ignore_robots,
            concurrency=concurrency,
            per_host=per_host,
            rps=rps,
            connect_timeout=timeout,
            read_timeout=timeout,
            deadline=deadline,
            retries=retries,
            sitemaps=not no_sitemaps,
            **({"user_agent": user_agent} if user_agent else {}),
        )
        settings = Settings(
            start_urls=start,
            crawl=crawl,
            run_dir=run_dir,
            fail_on=fail_on,
            select=select or [],
            ignore=ignore or [],
        )
    except ValidationError as exc:
        raise fail(_validation_message(exc)) from None
    raise typer.Exit(_audit(settings, pairs, settings.fail_on, quiet))


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
    run_dir: RunDirOpt = Path(".seoaudit/runs"),
    quiet: QuietOpt = False,
) -> None:
    """Serve the bundled demo shop on 127.0.0.1 and audit it (no internet needed)."""
    from seoaudit.devserver import SiteServer

    pairs = _outputs(fmt, output, quiet)
    with SiteServer(demo_site_root()) as server:
        if not quiet:
            err.print(Text(f"Demo site served at {server.base_url}/", style="bold"))
        settings = Settings(start_urls=[server.base_url + "/"], run_dir=run_dir)
        code = _audit(settings, pairs, "never", quiet)
    raise typer.Exit(code)


def _open_run(run: str, run_dir: Path) -> Store:
    path = Path(run)
    if run == "latest":
        candidates = sorted(run_dir.glob("*.sqlite"), key=lambda p: p.stat().st_mtime)
        if not candidates:
            raise fail(f"no runs in {run_dir}")
        path = candidates[-1]
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
    run_dir: RunDirOpt = Path(".seoaudit/runs"),
) -> None:
    """Write reports from a stored run, without crawling again."""
    pairs = _outputs(fmt, output, False)
    store = _open_run(run, run_dir)
    try:
        if finish_killed_run(store):
            err.print(Text("The run was killed mid-crawl: judged what it stored.", style="yellow"))
        result = build_report(store)
    finally:
        store.close()
    _write_reports(result, pairs)
    if fail_on not in ("error", "warning", "notice", "never"):
        raise fail(f"unknown --fail-on {fail_on!r}")
    raise typer.Exit(exit_code(result, fail_on))


@rules_app.callback(invoke_without_command=True)
def rules_list(ctx: typer.Context) -> None:
    """List every rule: code, severity, scope, name and summary."""
    if ctx.invoked_subcommand is not None:
        return
    from seoaudit.rules import REGISTRY

    out = Console(highlight=False)
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
        str, typer.Option("--as", help="robots.txt token, e.g. googlebot, bingbot, gptbot.")
    ] = "googlebot",
) -> None:
    """Is URL allowed for a crawler? Prints the deciding robots.txt line (exit 1: blocked)."""
    import asyncio

    from seoaudit.crawl.fetch import Fetcher
    from seoaudit.crawl.urls import origin
    from seoaudit.robots import RobotsFile, interpret_fetch

    target = _start_url(url)

    async def check() -> RobotsFile:
        fetcher = Fetcher(CrawlSettings(retries=1))
        try:
            robots_url = origin(target) + "/robots.txt"
            result = await fetcher.fetch(robots_url, max_redirects=5, max_body=600_000)
            return interpret_fetch(
                robots_url,
                result.status,
                result.body,
                error=result.error,
                redirects=len(result.hops),
                content_type=result.header("content-type"),
            )
        finally:
            await fetcher.aclose()

    robots_file = asyncio.run(check())
    verdict = robots_file.verdict(crawler.lower(), target)
    word = "allowed" if verdict.allowed else "blocked"
    typer.echo(f"{word}: {target} for {verdict.agent}")
    if verdict.line is not None:
        typer.echo(f"  decided by {verdict.robots_url} line {verdict.line}: {verdict.rule}")
    elif verdict.reason:
        typer.echo(f"  {verdict.reason}")
    else:
        typer.echo(f"  no rule in {robots_file.url} matches")
    raise typer.Exit(EXIT_OK if verdict.allowed else EXIT_ISSUES)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    app()
