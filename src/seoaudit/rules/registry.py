"""The rule registry and the runner.

A rule is a plain function registered in one line::

    @rule("HTTP002", "server-error", severity="error")
    def server_error(page: PageFacts, site: Site) -> Iterator[Hit]:
        '''<the user documentation: shown by `seoaudit rules explain HTTP002`>'''

Page rules take ``(page, site)`` and run once per stored page; site rules take ``(site)``
and run once. A rule yields ``Hit``s; the runner turns them into ``Finding``s carrying the
rule's code, name and severity (a hit may lower or raise its own severity when the rule's
documentation says so). A rule that raises becomes a ``RuleError`` in the report: it never
stops the run, and the other rules still run.

Codes are stable: never renumbered, never reused. The prefix names the family (ROB, IDX,
CAN, SD, SMP, HTTP, HRF, ONP, PERF, ...), following the project's rules knowledge base.
"""

from __future__ import annotations

import inspect
import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from seoaudit.models import Finding, PageFacts, RuleError, Scope, Severity

if TYPE_CHECKING:
    from seoaudit.site import Site

_CODE = re.compile(r"^[A-Z]{2,5}\d{3}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_ERRORS_PER_RULE = 20


@dataclass(frozen=True)
class Hit:
    url: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    cause: str | None = None
    severity: Severity | None = None  # overrides the rule's default when set


PageRule = Callable[[PageFacts, "Site"], Iterable[Hit]]
SiteRule = Callable[["Site"], Iterable[Hit]]


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    severity: Severity
    scope: Scope
    func: Callable[..., Iterable[Hit]]
    doc: str
    group: str = ""  # title of an issue grouping many URLs: "{count}" and "{cause}" filled in

    @property
    def family(self) -> str:
        return re.sub(r"\d+$", "", self.code)

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name


REGISTRY: dict[str, RuleSpec] = {}


def rule(
    code: str, name: str, *, severity: Severity, scope: Scope = "page", group: str = ""
) -> Callable[[Callable[..., Iterable[Hit]]], Callable[..., Iterable[Hit]]]:
    if not _CODE.match(code):
        raise ValueError(f"rule code {code!r} must look like ABC123")
    if not _NAME.match(name):
        raise ValueError(f"rule name {name!r} must be kebab-case")

    def register(func: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        if code in REGISTRY:
            raise ValueError(f"rule code {code} registered twice")
        doc = inspect.getdoc(func) or ""
        if not doc:
            raise ValueError(f"rule {code} has no documentation")
        REGISTRY[code] = RuleSpec(code, name, severity, scope, func, doc, group)
        return func

    return register


def group_titles() -> dict[str, str]:
    return {code: spec.group for code, spec in REGISTRY.items() if spec.group}


def selected(select: list[str] | None = None, ignore: list[str] | None = None) -> list[RuleSpec]:
    """Rules chosen by code or prefix (``HTTP``, ``HTTP00``, ``HTTP001``), like ruff."""

    def matches(code: str, patterns: list[str]) -> bool:
        return any(code.startswith(p.upper()) for p in patterns)

    chosen = [
        spec
        for code, spec in sorted(REGISTRY.items())
        if (not select or matches(code, select)) and not matches(code, ignore or [])
    ]
    return chosen


def _finding(spec: RuleSpec, hit: Hit) -> Finding:
    return Finding(
        rule=spec.code,
        name=spec.name,
        severity=hit.severity or spec.severity,
        url=hit.url,
        message=hit.message,
        evidence=hit.evidence,
        cause=hit.cause,
    )


def _error(spec: RuleSpec, url: str | None, exc: BaseException) -> RuleError:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
    return RuleError(rule=spec.code, url=url, error=f"{type(exc).__name__}: {exc}{at}"[:500])


def run_rules(
    site: Site, rules: list[RuleSpec] | None = None
) -> tuple[list[Finding], list[RuleError]]:
    """Run page rules over every stored page (one pass) and then the site rules."""
    rules = selected() if rules is None else rules
    findings: list[Finding] = []
    errors: list[RuleError] = []
    error_counts: dict[str, int] = {}

    def record_error(spec: RuleSpec, url: str | None, exc: Exception) -> None:
        error_counts[spec.code] = error_counts.get(spec.code, 0) + 1
        if error_counts[spec.code] <= MAX_ERRORS_PER_RULE:
            errors.append(_error(spec, url, exc))

    page_rules = [s for s in rules if s.scope == "page"]
    if page_rules:
        for page in site.pages():
            for spec in page_rules:
                try:
                    findings.extend(_finding(spec, hit) for hit in spec.func(page, site))
                except Exception as exc:
                    record_error(spec, page.url, exc)
    for spec in (s for s in rules if s.scope == "site"):
        try:
            findings.extend(_finding(spec, hit) for hit in spec.func(site))
        except Exception as exc:
            record_error(spec, None, exc)
    for code, count in sorted(error_counts.items()):
        if count > MAX_ERRORS_PER_RULE:
            spec = REGISTRY[code]
            errors.append(
                RuleError(rule=code, error=f"{count - MAX_ERRORS_PER_RULE} more errors not shown")
            )
            del spec
    findings.sort(key=lambda f: (f.rule, f.url, f.cause or "", f.message))
    return findings, errors
