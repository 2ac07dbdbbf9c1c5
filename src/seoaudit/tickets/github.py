"""GitHub: one Markdown file per issue, a JSON manifest, and a script for ``gh``.

``github/seoaudit-<id>.md`` is the issue body; ``github/manifest.json`` lists, per
ticket, its title, body file, labels and the ``gh issue create`` arguments. The script
``github/create-issues.sh`` creates the labels it needs and then each issue, skipping
any issue whose id is already in an issue body of the repository (open or closed), so
running it twice creates nothing twice. Limits respected: title at most 256 characters,
body at most 65,536 characters.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from seoaudit.tickets.files import write_text
from seoaudit.tickets.model import Ticket
from seoaudit.tickets.render import markdown

TITLE_MAX = 256
BODY_MAX = 65_536
DIR = "github"


def _title(ticket: Ticket) -> str:
    text = " ".join(f"{ticket.title} [{ticket.issue.rule}]".split())
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def _labels(ticket: Ticket) -> list[str]:
    # The per-issue id label would flood the label list: the id is in the body instead.
    return [label for label in ticket.labels if not label.startswith("seoaudit-")]


def write(tickets: list[Ticket], out_dir: Path) -> list[Path]:
    folder = out_dir / DIR
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    script = [
        "#!/usr/bin/env bash",
        "# Create the issues of manifest.json with the GitHub CLI (gh), in the current repo",
        "# or the one given as GH_REPO. Issues whose seoaudit id is already in an issue body",
        "# (open or closed) are skipped.",
        "set -euo pipefail",
        'cd "$(dirname "$0")"',
    ]
    labels = sorted({label for t in tickets for label in _labels(t)})
    script += [f"gh label create {shlex.quote(label)} --force >/dev/null" for label in labels]
    for ticket in tickets:
        body_file = f"{ticket.id}.md"
        write_text(folder / body_file, markdown(ticket, BODY_MAX) + "\n", newline="\n")
        args = ["gh", "issue", "create", "--title", _title(ticket), "--body-file", body_file]
        for label in _labels(ticket):
            args += ["--label", label]
        manifest.append(
            {
                "id": ticket.id,
                "title": _title(ticket),
                "body_file": body_file,
                "labels": _labels(ticket),
                "priority": ticket.priority,
                "owner": ticket.owner,
                "urls_file": "../" + ticket.urls_file,
                "gh_args": args[1:],
            }
        )
        search = shlex.quote(f"{ticket.id} in:body")
        script.append(
            f'if [ "$(gh issue list --state all --search {search} --json number --jq length)" '
            f'= "0" ]; then {" ".join(shlex.quote(a) for a in args)}; fi'
        )
    manifest_path = write_text(
        folder / "manifest.json",
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
        newline="\n",
    )
    script_path = write_text(folder / "create-issues.sh", "\n".join(script) + "\n", newline="\n")
    script_path.chmod(0o755)
    return [manifest_path, script_path]
