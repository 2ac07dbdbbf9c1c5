"""The command line: parse options, call the library, map outcomes to exit codes."""

from __future__ import annotations

import typer

from seoaudit import __version__

app = typer.Typer(help="seoaudit: a technical SEO auditor.", no_args_is_help=True)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    app()
