"""Configuration as code: where each setting comes from, merged into one ``Settings``.

Layers, each overriding the one before::

    defaults (config.py)  <  file  <  command-line flags  <  SEOAUDIT_* environment

The environment wins over flags on purpose: a scheduled job's command line is committed
with the workflow, and the CI system's variables (per environment, per schedule, secrets)
are how operators adjust a run without editing it.

- **File**: ``--config PATH``, else ``$SEOAUDIT_CONFIG``, else the first of
  ``seoaudit.toml`` or ``pyproject.toml`` with a ``[tool.seoaudit]`` table found in the
  working directory or a parent (``seoaudit.toml`` wins within one directory). Keys are the
  ``Settings`` field names; ``kebab-case`` is accepted too. Unknown keys are errors. Paths
  in a file (``run_dir``, ``gate.baseline``, report paths) are relative to its folder.
- **Environment**: ``SEOAUDIT_<KEY>`` for a top-level key, ``SEOAUDIT_<SECTION>__<KEY>``
  for one in ``[crawl]``, ``[thresholds]`` or ``[gate]`` (``SEOAUDIT_CRAWL__MAX_PAGES``).
  A list is a JSON array or whitespace-separated items; a table or list of tables is JSON.
  An empty variable counts as unset (CI systems expand a missing secret to "").
- **Secrets**: basic-auth credentials come only from ``SEOAUDIT_AUTH=user:password`` or
  ``SEOAUDIT_AUTH_USER`` + ``SEOAUDIT_AUTH_PASSWORD``; a file or a flag that tries to set
  them is an error (a committed file or a process list would leak them). They are sent only
  to the start URLs' origins and are excluded from every output (config.BasicAuth).

Errors name the layer and the dotted key (``seoaudit.toml: crawl.max_pages: ...``) and
are raised as ``ConfigError``; the CLI turns them into exit code 2.

This module reads files and the environment; it never prints.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr, ValidationError

from seoaudit.config import BasicAuth, Settings
from seoaudit.crawl.urls import normalize, origin

ENV_PREFIX = "SEOAUDIT_"
# A [tool.seoaudit] (or [tool.seoaudit.crawl], [[tool.seoaudit.budgets]]) table header.
_TOOL_TABLE = re.compile(
    r"""^[ \t]*\[{1,2}[ \t]*tool[ \t]*\.[ \t]*["']?seoaudit["']?[ \t]*[].]""", re.M
)
ENV_CONFIG = "SEOAUDIT_CONFIG"
ENV_AUTH = "SEOAUDIT_AUTH"
ENV_AUTH_USER = "SEOAUDIT_AUTH_USER"
ENV_AUTH_PASSWORD = "SEOAUDIT_AUTH_PASSWORD"
_ENV_SPECIAL = {ENV_CONFIG, ENV_AUTH, ENV_AUTH_USER, ENV_AUTH_PASSWORD}
FILE_NAMES = ("seoaudit.toml", "pyproject.toml")
DEFAULT = "default"
SECRET_KEYS = {"crawl.auth"}
# Keys holding paths; in a file they are relative to the file's folder.
_PATH_KEYS = ("run_dir", "gate.baseline", "crawl.ca_bundle")


class ConfigError(Exception):
    """Invalid configuration: the message names where (file, variable or flag) and the key."""


@dataclass
class LoadedConfig:
    settings: Settings
    sources: dict[str, str]  # dotted key -> "default", the file, "env NAME" or "flag --x"
    file: Path | None = None
    warnings: list[str] = field(default_factory=list)


# -- the shape of Settings -------------------------------------------------------------------


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field holds, directly, in a list or as an optional."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _is_section(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_collection(annotation: Any) -> bool:
    """Lists and tables: values an environment variable gives as JSON."""
    origin_type = typing.get_origin(annotation)
    if origin_type in (list, dict):
        return True
    if origin_type in (typing.Union, types.UnionType):
        return any(_is_collection(a) for a in typing.get_args(annotation))
    return False


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) is list


def _sections() -> dict[str, type[BaseModel]]:
    return {
        name: info.annotation  # type: ignore[misc]
        for name, info in Settings.model_fields.items()
        if _is_section(info.annotation)
    }


def _normalise_keys(data: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """Accept kebab-case for field names (never for user keys such as URL patterns)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        snake = key.replace("-", "_")
        name = snake if snake in model.model_fields else key
        info = model.model_fields.get(name)
        sub = _model_in(info.annotation) if info is not None else None
        if sub is not None and isinstance(value, dict):
            value = _normalise_keys(value, sub)
        elif sub is not None and isinstance(value, list):
            value = [_normalise_keys(v, sub) if isinstance(v, dict) else v for v in value]
        out[name] = value
    return out


def _leaves(data: Mapping[str, Any]) -> list[str]:
    """Dotted keys of ``data``: one level into the sections ([crawl], [gate]...)."""
    sections = _sections()
    keys: list[str] = []
    for key, value in data.items():
        if key in sections and isinstance(value, dict):
            keys.extend(f"{key}.{sub}" for sub in value)
        else:
            keys.append(key)
    return keys


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    head, _, rest = dotted.partition(".")
    if rest:
        data.setdefault(head, {})[rest] = value
    else:
        data[head] = value


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    head, _, rest = dotted.partition(".")
    value = data.get(head)
    if rest:
        return value.get(rest) if isinstance(value, dict) else None
    return value


def _merge(into: dict[str, Any], layer: Mapping[str, Any]) -> None:
    sections = _sections()
    for key, value in layer.items():
        if key in sections and isinstance(value, dict) and isinstance(into.get(key), dict):
            into[key].update(value)
        else:
            into[key] = value


# -- the file ---------------------------------------------------------------------------------


def find_config(start: Path) -> Path | None:
    """The config file that applies in ``start``: searched there, then in each parent."""
    for folder in (start, *start.parents):
        for name in FILE_NAMES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tool_table(candidate)):
                return candidate
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # One that does not parse but has our table is ours: read_file says what is
        # wrong, where skipping it would audit with other settings and say nothing.
        return _TOOL_TABLE.search(text) is not None
    tool = data.get("tool")
    return isinstance(tool, dict) and "seoaudit" in tool


def _file_label(path: Path) -> str:
    return f"{path.name} [tool.seoaudit]" if path.name == "pyproject.toml" else path.name


def read_file(path: Path) -> dict[str, Any]:
    """The settings table of a config file, keys normalised and paths made absolute."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("seoaudit", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.seoaudit] must be a table")
    data = _normalise_keys(data, Settings)
    if isinstance(data.get("crawl"), dict) and "auth" in data["crawl"]:
        raise ConfigError(
            f"{path}: crawl.auth: credentials are never read from a file; "
            f"set {ENV_AUTH_USER} and {ENV_AUTH_PASSWORD} in the environment"
        )
    base = path.parent.resolve()
    for key in _PATH_KEYS:
        value = _get(data, key)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            _set(data, key, str(base / value))
    if isinstance(data.get("reports"), list):
        data["reports"] = [_report_relative(r, base) for r in data["reports"]]
    return data


def _report_relative(spec: Any, base: Path) -> Any:
    if not isinstance(spec, str) or "=" not in spec:
        return spec
    fmt, _, target = spec.partition("=")
    if target and target != "-" and not Path(target).is_absolute():
        target = str(base / target)
    return f"{fmt}={target}"


# -- the environment --------------------------------------------------------------------------


def _env_keys() -> dict[str, tuple[str, Any]]:
    """SEOAUDIT_ variable name -> (dotted key, field annotation)."""
    keys: dict[str, tuple[str, Any]] = {}
    for name, info in Settings.model_fields.items():
        if _is_section(info.annotation):
            section: type[BaseModel] = info.annotation  # type: ignore[assignment]
            for sub, sub_info in section.model_fields.items():
                dotted = f"{name}.{sub}"
                if dotted not in SECRET_KEYS:
                    keys[f"{ENV_PREFIX}{name.upper()}__{sub.upper()}"] = (
                        dotted,
                        sub_info.annotation,
                    )
        else:
            keys[f"{ENV_PREFIX}{name.upper()}"] = (name, info.annotation)
    return keys


def _env_value(name: str, raw: str, annotation: Any) -> Any:
    text = raw.strip()
    if _is_collection(annotation):
        if text.startswith(("[", "{")):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"env {name}: invalid JSON: {exc}") from None
        if _is_list(annotation) and _model_in(annotation) is None:
            return text.split()
        raise ConfigError(f"env {name}: expected a JSON value")
    return text


def read_env(env: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """(settings layer, dotted key -> variable name, warnings)."""
    known = _env_keys()
    data: dict[str, Any] = {}
    sources: dict[str, str] = {}
    warnings: list[str] = []
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or name in _ENV_SPECIAL:
            continue
        raw = env[name]
        if name not in known:
            if name == f"{ENV_PREFIX}CRAWL__AUTH":
                raise ConfigError(f"env {name}: use {ENV_AUTH_USER} and {ENV_AUTH_PASSWORD}")
            warnings.append(f"ignoring unknown environment variable {name}")
            continue
        if not raw.strip():
            continue
        dotted, annotation = known[name]
        _set(data, dotted, _env_value(name, raw, annotation))
        sources[dotted] = f"env {name}"
    return data, sources, warnings


def read_auth(env: Mapping[str, str]) -> tuple[str, str, str] | None:
    """(user, password, where) from the environment, or None when no credentials are set."""
    combined = env.get(ENV_AUTH, "")
    user = env.get(ENV_AUTH_USER, "")
    password = env.get(ENV_AUTH_PASSWORD, "")
    if combined:
        if user or password:
            raise ConfigError(f"set either {ENV_AUTH} or {ENV_AUTH_USER}/{ENV_AUTH_PASSWORD}")
        user, sep, password = combined.partition(":")
        if not sep or not user:
            raise ConfigError(f"env {ENV_AUTH}: expected user:password")
        return user, password, f"env {ENV_AUTH}"
    if not user and not password:
        return None
    if not user or not password:
        missing = ENV_AUTH_USER if not user else ENV_AUTH_PASSWORD
        raise ConfigError(f"env {missing} is empty: basic auth needs a user and a password")
    return user, password, f"env {ENV_AUTH_USER}, {ENV_AUTH_PASSWORD}"


# -- merging ----------------------------------------------------------------------------------


def _as_typed(raw: str) -> str:
    """A start URL as the user meant it: ``example.com`` means https."""
    candidate = raw.strip()
    return candidate if "://" in candidate else "https://" + candidate


def start_url(raw: str) -> str | None:
    """A start URL as typed (``example.com`` means https) in canonical form, or None."""
    return normalize(_as_typed(raw))


def load(
    *,
    config: Path | None = None,
    isolated: bool = False,
    flags: Mapping[str, tuple[Any, str]] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> LoadedConfig:
    """The effective settings. ``flags``: dotted key -> (value, flag name as typed)."""
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    file: Path | None = None
    if config is not None:
        file = config if config.is_absolute() else cwd / config
        if not file.is_file():
            raise ConfigError(f"config file {config} not found")
    elif not isolated:
        from_env = env.get(ENV_CONFIG, "").strip()
        if from_env:
            file = Path(from_env) if Path(from_env).is_absolute() else cwd / from_env
            if not file.is_file():
                raise ConfigError(f"env {ENV_CONFIG}: config file {from_env} not found")
        else:
            file = find_config(cwd)

    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if file is not None:
        layer = read_file(file)
        _merge(merged, layer)
        sources.update(dict.fromkeys(_leaves(layer), _file_label(file)))
    flag_layer: dict[str, Any] = {}
    for dotted, (value, flag) in (flags or {}).items():
        if dotted in SECRET_KEYS:
            raise ConfigError(f"{flag}: credentials are read from the environment only")
        _set(flag_layer, dotted, value)
        sources[dotted] = f"flag {flag}"
    _merge(merged, flag_layer)
    env_layer, env_sources, warnings = read_env(env)
    _merge(merged, env_layer)
    sources.update(env_sources)

    settings = _validate(merged, sources)
    settings.start_urls = _start_urls(settings.start_urls, sources.get("start_urls", DEFAULT))
    auth = read_auth(env)
    if auth is not None:
        user, password, where = auth
        settings.crawl.auth = BasicAuth(
            user=SecretStr(user),
            password=SecretStr(password),
            origins=sorted({origin(u) for u in settings.start_urls}),
        )
        sources["crawl.auth"] = where
    return LoadedConfig(settings=settings, sources=sources, file=file, warnings=warnings)


def _start_urls(raw: list[str], where: str) -> list[str]:
    urls: list[str] = []
    for item in raw:
        _check_authority(item, where)
        if any(char.isspace() for char in item.strip()):  # two URLs in one quoted argument?
            raise ConfigError(
                f"{where}: start_urls: {item!r} has a space in it: give each start URL as "
                "its own argument (a space in a path is written %20)"
            )
        url = start_url(item)
        if url is None:
            raise ConfigError(f"{where}: start_urls: {item!r} is not a valid http(s) URL")
        if url not in urls:
            urls.append(url)
    return urls


def _check_authority(raw: str, where: str) -> None:
    """A user name or password in a start URL was dropped without a word (the crawl then
    met a 401); keeping it would store a secret with the run and in every report. Port 0
    names no server."""
    try:
        parts = urlsplit(_as_typed(raw))
        port = parts.port
    except ValueError:
        return  # start_url() says what is wrong with it
    if parts.username is not None or parts.password is not None:
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        raise ConfigError(
            f"{where}: start_urls: {shown!r} is given with a user name or password: "
            "seoaudit keeps no secret in a URL (the run and its reports store the start "
            "URLs); give them as SEOAUDIT_AUTH=user:password, sent only to the start URLs' "
            "origins"
        )
    if port == 0:
        raise ConfigError(f"{where}: start_urls: {raw.strip()!r} has port 0, which no server has")


def _validate(merged: dict[str, Any], sources: Mapping[str, str]) -> Settings:
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(validation_message(exc, sources)) from None


def validation_message(exc: ValidationError, sources: Mapping[str, str] | None = None) -> str:
    """One line per problem: where it was set, the dotted key and what is wrong."""
    lines: list[str] = []
    for error in exc.errors():
        loc = [str(p) for p in error["loc"]]
        key = ".".join(loc)
        where = _source_of(loc, sources or {})
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        message = message.removeprefix("Value error, ")
        lines.append(f"{where + ': ' if where else ''}{key}: {message}")
    return "invalid configuration: " + "; ".join(lines)


def _source_of(loc: list[str], sources: Mapping[str, str]) -> str:
    for n in range(len(loc), 0, -1):
        found = sources.get(".".join(loc[:n]))
        if found:
            return found
    return ""


# -- showing ----------------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None]
        return "{" + ", ".join(items) + "}"
    return json.dumps(str(value))


def _toml_key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def effective(loaded: LoadedConfig) -> dict[str, Any]:
    """The public settings (secrets left out) and the source of every key."""
    data = loaded.settings.public_dict()
    keys = _leaves(data)
    sources = {key: loaded.sources.get(key, DEFAULT) for key in keys}
    if loaded.settings.crawl.auth is not None:
        sources["crawl.auth"] = loaded.sources.get("crawl.auth", DEFAULT)
    return {
        "config_file": str(loaded.file) if loaded.file else None,
        "settings": data,
        "sources": sources,
    }


def show(loaded: LoadedConfig) -> str:
    """The effective configuration as TOML, each key with where its value came from."""
    data = loaded.settings.public_dict()
    sections = _sections()
    lines = [
        "# seoaudit: effective configuration",
        f"# config file: {loaded.file if loaded.file else 'none'}",
        "# precedence: default < file < flag < SEOAUDIT_* environment",
    ]

    def emit(dotted: str, key: str, value: Any) -> None:
        where = loaded.sources.get(dotted, DEFAULT)
        if value is None:
            lines.append(f"# {key} is not set  ({where})")
            return
        text = f"{_toml_key(key)} = {_toml_value(value)}"
        lines.append(f"{text:<48}  # {where}")

    for key, value in data.items():
        if key not in sections:
            emit(key, key, value)
    for key in sections:
        lines.append("")
        lines.append(f"[{key}]")
        section = data.get(key)
        if isinstance(section, dict):
            for sub, value in section.items():
                emit(f"{key}.{sub}", sub, value)
        if key == "crawl" and loaded.settings.crawl.auth is not None:
            where = loaded.sources.get("crawl.auth", DEFAULT)
            lines.append(f"# auth: basic-auth credentials are set  ({where}; never shown)")
    return "\n".join(lines) + "\n"
