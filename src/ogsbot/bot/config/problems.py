"""Problems with a config, in plain words: pydantic's errors turned into "key: got value;
allowed: what", in the order the file gives its keys, with a "did you mean" for unknown keys
(gtp2ogs's option names included) and the API key never shown."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ogsbot.bot.config.values import REFUSED, suggest

HIDDEN = "<hidden>"
"""What a problem shows instead of the API key."""

YAML_PATH = "(YAML)"


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


MISSING: Any = _Missing()
"""The value of a problem about a key that is required but absent."""


def _show(value: object) -> str:
    if value is MISSING:
        return "nothing"
    if isinstance(value, str) and value == HIDDEN:
        return HIDDEN
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration: where, what was found, what is allowed."""

    path: str
    value: object
    allowed: str
    line: int | None = None
    column: int | None = None

    def describe(self) -> str:
        if self.path == YAML_PATH:
            where = f"line {self.line}, column {self.column}" if self.line is not None else "YAML"
            return f"{where}: YAML error: {self.value}; {self.allowed}"
        where = self.path or "(top level)"
        if self.line is not None:
            where += f" (line {self.line}, column {self.column})"
        return f"{where}: got {_show(self.value)}; allowed: {self.allowed}"


class ConfigError(ValueError):
    """The configuration has problems; `problems` lists them all."""

    def __init__(
        self,
        problems: list[Problem],
        source: str | Path | None = None,
        secrets: Sequence[str] = (),
    ) -> None:
        self.problems = list(problems)
        self.source = str(source) if source is not None else None
        count = len(self.problems)
        where = f" file {self.source}" if self.source else ""
        lines = [f"{count} problem{'s' if count != 1 else ''} in the configuration{where}:"]
        lines += [f"  - {p.describe()}" for p in self.problems]
        text = "\n".join(lines)
        for secret in secrets:
            if secret and len(secret) >= 4:
                text = text.replace(secret, HIDDEN)
        self._text = text
        super().__init__(text)

    def __str__(self) -> str:
        return self._text


# --- words for what a schema allows ------------------------------------------------------


def _number_words(node: Mapping[str, Any], kind: str) -> str:
    low, high = node.get("minimum"), node.get("maximum")
    if low is not None and high is not None:
        return f"{kind} from {low} to {high}"
    if "exclusiveMinimum" in node:
        return f"{kind} > {node['exclusiveMinimum']}"
    return f"{kind} >= {low}" if low is not None else kind


def _choices(values: Sequence[object]) -> str:
    return ", ".join(repr(v) for v in values if v is not None)


def words(node: Mapping[str, Any]) -> str:
    """What a value may be, in plain words, from its JSON Schema ("an integer from 1 to 64")."""
    kinds = node.get("type")
    kinds = [k for k in (kinds if isinstance(kinds, list) else [kinds]) if k is not None]
    nullable = "null" in kinds
    kinds = [k for k in kinds if k != "null"]
    items = node.get("items") or {}
    if "enum" in node:
        text = "one of " + _choices(node["enum"])
    elif kinds == ["boolean"]:
        text = "true or false"
    elif kinds in (["integer"], ["number"]):
        text = _number_words(node, "an integer" if kinds == ["integer"] else "a number")
    elif kinds == ["string"]:
        text = "a non-empty string" if node.get("minLength") else "a string"
    elif kinds == ["array"] and items.get("type") == "object":
        text = "a list of mappings"
    elif kinds == ["array"]:
        text = "a list of " + _choices(items["enum"]) if "enum" in items else "a list"
    elif kinds == ["object"] and node.get("properties"):
        text = "a mapping with the keys " + ", ".join(node["properties"])
    elif kinds:
        text = " or ".join(("an " if k[0] in "aeiou" else "a ") + k for k in kinds)
        text = text.replace("a object", "a mapping")
    else:
        text = "a value of the right type"
    return text + (" or null" if nullable else "")


def schema_at(schema: Mapping[str, Any], loc: Sequence[int | str]) -> Mapping[str, Any] | None:
    """The schema of the value at `loc` (a key path as pydantic gives it)."""
    node: Any = schema
    for part in loc:
        if isinstance(part, str) and part in (node.get("properties") or {}):
            node = node["properties"][part]
        elif isinstance(part, int) and isinstance(node.get("items"), dict):
            node = node["items"]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return None
    return node  # type: ignore[no-any-return]


def key_paths(schema: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Every option's dotted path in the schema (lists of sections as `name[]`)."""
    for key, node in (schema.get("properties") or {}).items():
        path = f"{prefix}.{key}" if prefix else key
        yield path
        if isinstance(node.get("items"), dict):
            node, path = node["items"], path + "[]"
        yield from key_paths(node, path)


# --- pydantic's errors as problems ------------------------------------------------------

_SECRET_WORDS = ("key", "token", "secret", "password", "passwd")

# gtp2ogs option names, and where their equivalent lives here.
GTP2OGS_NAMES = {
    "apikey": "api_key",
    "bot": "engine",
    "blacklist": "challenges.block_list",
    "whitelist": "challenges.allow_list",
    "allowed_board_sizes": "challenges.board_sizes",
    "allowed_time_control_systems": "challenges.time_systems",
    "allowed_blitz_settings": "challenges.speeds.blitz",
    "allowed_rapid_settings": "challenges.speeds.rapid",
    "allowed_live_settings": "challenges.speeds.live",
    "allowed_correspondence_settings": "challenges.speeds.correspondence",
    "allow_ranked": "challenges.ranked",
    "allow_unranked": "challenges.unranked",
    "allowed_rank_range": "challenges.rank_range",
    "allow_ranked_handicap": "challenges.handicap_ranked",
    "allow_unranked_handicap": "challenges.handicap_unranked",
    "allowed_komi_range": "challenges.komi",
    "decline_new_challenges": "challenges.accept_new (inverted)",
    "max_games_per_player": "challenges.max_games_per_player",
    "min_move_time": "game.min_move_time (in seconds, not ms)",
    "max_pause_time": "game.max_pause",
    "greeting": "game.greeting",
    "farewell": "game.farewell",
    "logfile": "log.file",
    "status_update_frequency": "log.status_interval (in seconds)",
    "instances": "engine.pool_size",
    "persistent_idle_timeout": "engine.idle_timeout (in seconds)",
    "quit_grace_period": "engine.quit_grace (in seconds)",
    "enable_clock": "engine.send_time",
    "concurrent_games": "max_games",
    "per_move_time_range": "simple.per_move",
    "main_time_range": "<system>.main_time",
    "period_time_range": "<system>.period_time",
    "periods_range": "byoyomi.periods",
    "initial_time_range": "fischer.initial_time",
    "max_time_range": "fischer.max_time",
    "time_increment_range": "fischer.time_increment",
}

_UNKNOWN = ("unexpected_keyword_argument", "extra_forbidden", "invalid_key")
_MISSING = ("missing", "missing_argument", "missing_keyword_only_argument")


def dotted(loc: Sequence[int | str]) -> str:
    """("engine_profiles", 1, "speeds", 0) as "engine_profiles[1].speeds[0]"."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else str(part)
    return out


def hidden_value(key: object, value: object) -> object:
    """A value as a problem shows it: secret-looking entries hidden, also inside mappings
    and lists (gtp2ogs's `bot: {apikey: ...}`, say)."""
    lowered = str(key).lower()
    if any(word in lowered for word in _SECRET_WORDS):
        return HIDDEN
    if isinstance(value, Mapping):
        return {k: hidden_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [hidden_value("", item) for item in value]
    return value


class Translator:
    """Turns one validation's errors into problems, knowing the data that was validated."""

    def __init__(self, schema: Mapping[str, Any], data: Mapping[str, Any]) -> None:
        self.schema = schema
        self.data = data
        self.paths = list(key_paths(schema))

    def problems(self, error: ValidationError) -> list[Problem]:
        found = sorted(error.errors(), key=lambda e: self._position(e["loc"]))
        out: dict[str, Problem] = {}
        for item in found:
            for problem in self._problems(item):
                out.setdefault(problem.path, problem)
        return list(out.values())

    def _problems(self, error: Any) -> list[Problem]:
        loc: tuple[int | str, ...] = error["loc"]
        path = dotted(loc)
        value = HIDDEN if loc[:1] == ("api_key",) else error["input"]
        kind = error["type"]
        if kind == REFUSED:
            context = error["ctx"]
            parts = context["problems"]
            if parts:
                return [Problem(path + suffix, sub, allowed) for suffix, sub, allowed in parts]
            return [Problem(path, context.get("value", value), context["allowed"])]
        if kind in _UNKNOWN:
            key = loc[-1]
            return [Problem(path, hidden_value(key, value), self._unknown(str(key), loc[:-1]))]
        node = schema_at(self.schema, loc)
        allowed = words(node) if node is not None else error["msg"]
        return [Problem(path, MISSING if kind in _MISSING else value, allowed)]

    def _unknown(self, key: str, parent: tuple[int | str, ...]) -> str:
        where = f"a key of {dotted(parent)}" if parent else "a top-level key"
        if key in GTP2OGS_NAMES:
            return f"{where}; {key!r} is a gtp2ogs option: use {GTP2OGS_NAMES[key]}"
        elsewhere = sorted(
            (p for p in self.paths if p.rsplit(".", 1)[-1] == key), key=lambda p: p.count(".")
        )
        if elsewhere:
            return f"{where}; did you mean {elsewhere[0]}?"
        node = schema_at(self.schema, parent)
        known = list(node.get("properties") or {}) if node is not None else []
        hint = suggest(key, known)
        return f"{where}{hint}" if hint or not known else f"{where} ({', '.join(known)})"

    def _position(self, loc: Sequence[int | str]) -> tuple[int, ...]:
        """Where `loc` stands in the file: keys in the file's order, absent keys after."""
        out: list[int] = []
        node: Any = self.data
        for part in loc:
            if isinstance(node, Mapping):
                keys = list(node)
                out.append(keys.index(part) if part in keys else len(keys))
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                out.append(part)
                node = node[part]
            else:
                out.append(0)
                node = None
        return tuple(out)
