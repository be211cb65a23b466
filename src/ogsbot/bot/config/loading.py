"""Reading a config: the file, the API key (environment, file or key file), the command
line's overrides; every problem at once, then the frozen `Config`.

`load_config(path)` reads the file and `parse_config(data)` checks already-loaded data; both
return a `Config` or raise `ConfigError`. Risky but valid settings (no API key yet when
`require_api_key` is off, plain http:// to another machine, a key file others can read) end
up in `Config.warnings`.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import shlex
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr, TypeAdapter, ValidationError

from ogsbot.bot.config.problems import MISSING, ConfigError, Problem, Translator
from ogsbot.bot.config.root import ENV_API_KEY, RUNTIME_FIELDS, Config
from ogsbot.bot.config.schema import config_schema
from ogsbot.bot.config.values import LoadContext
from ogsbot.bot.config.yaml_file import INLINE_KEY, load_yaml, yaml_problem
from ogsbot.ogs.rest import insecure_server_warning

_CONFIG = TypeAdapter(Config)
_CRITERIA = ("board_sizes", "speeds", "time_systems")
_SECTIONS = ("engine", "challenges", "game", "log", "status", "seek", "matchmaking")


def _overridden(data: Mapping[Any, Any], pairs: tuple[tuple[str, Any], ...]) -> dict[Any, Any]:
    """A copy of `data` with each dotted key of `pairs` set (mappings on the way created)."""
    out = dict(data)
    for dotted, value in pairs:
        head, _, rest = dotted.partition(".")
        if rest:
            inner = out.get(head)
            out[head] = _overridden(inner if isinstance(inner, Mapping) else {}, ((rest, value),))
        else:
            out[head] = value
    return out


def _integral(value: Any) -> Any:
    """`value` with every whole float an int: YAML's `5.0` is a count of 5 (and a float
    option takes an int as it is)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {key: _integral(item) for key, item in value.items()}
    return [_integral(item) for item in value] if isinstance(value, list) else value


def _prepared(data: dict[Any, Any]) -> dict[Any, Any]:
    """Every section present (so that its defaults are checked against this file's folder),
    and each engine profile's engine as the main engine with the profile's keys over it (env
    key by key), with a name for each profile."""
    for section in _SECTIONS:
        if data.get(section) is None:
            data[section] = {}
    profiles = data.get("engine_profiles")
    main = data["engine"]
    if not isinstance(profiles, list) or not isinstance(main, Mapping):
        return data
    merged = []
    for index, item in enumerate(profiles):
        if isinstance(item, Mapping):
            own = item.get("engine") or {}
            item = {**item, "name": item.get("name") or f"profile-{index + 1}"}
            if isinstance(own, Mapping):
                env = {**(main.get("env") or {}), **(own.get("env") or {})}
                item["engine"] = {**main, **own, "env": env}
        merged.append(item)
    return {**data, "engine_profiles": merged}


def _profile_problems(data: Mapping[Any, Any]) -> list[Problem]:
    """A profile without any criterion would take every game from the main engine."""
    profiles = data.get("engine_profiles")
    out = []
    for index, item in enumerate(profiles if isinstance(profiles, list) else []):
        if isinstance(item, Mapping) and all(item.get(key) is None for key in _CRITERIA):
            out.append(
                Problem(
                    f"engine_profiles[{index}]",
                    {k: v for k, v in item.items() if k != "engine"},
                    "a profile with at least one of board_sizes, speeds, time_systems "
                    "(without any it would replace the main engine)",
                )
            )
    return out


def _inherited(problem: Problem, data: Mapping[Any, Any]) -> bool:
    """A problem of a profile's engine in a key the profile took from the main engine (it
    is reported once, for the main engine)."""
    if not problem.path.startswith("engine_profiles["):
        return False
    index, _, rest = problem.path.removeprefix("engine_profiles[").partition("]")
    if not rest.startswith(".engine.") or not index.isdigit():
        return False
    key = rest.removeprefix(".engine.").split(".")[0].split("[")[0]
    profile = data["engine_profiles"][int(index)]
    own = profile.get("engine") if isinstance(profile, Mapping) else None
    return not isinstance(own, Mapping) or key not in own


class _KeySource:
    """Where the API key comes from: the environment, the file, or a key file."""

    def __init__(self, data: Mapping[Any, Any], env: Mapping[str, str], context: LoadContext):
        self.inline = data.get("api_key")
        self.key_file = data.get("api_key_file")
        self.env_key = (env.get(ENV_API_KEY) or "").strip()
        self.context = context
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        if isinstance(self.inline, str | int | float):
            context.secrets.append(str(self.inline))
        if self.env_key:
            context.secrets.append(self.env_key)

    def key(self, required: bool) -> str:
        if self.inline is not None and self.key_file is not None:
            self._problem(self.key_file, "api_key or api_key_file, not both (remove one of them)")
        if self.env_key:
            return self.env_key
        if isinstance(self.inline, str) and self.inline.strip():
            return self.inline.strip()
        if isinstance(self.key_file, str) and self.key_file:
            return self._read(self.context.resolve(self.key_file))
        how = (
            f"set the environment variable {ENV_API_KEY}, or api_key or api_key_file "
            "in this file (generate one on the bot account's OGS profile page)"
        )
        if required:
            self.problems.append(Problem("api_key", MISSING, f"an API key: {how}"))
        else:
            self.warnings.append(
                f"api_key: no API key yet; `ogsbot run` needs one: {how}. "
                "The rest of the file is valid."
            )
        return ""

    def _read(self, path: Path) -> str:
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            self._problem(str(path), f"a readable file holding the API key ({error})")
            return ""
        if not text:
            self._problem(str(path), "a file holding the API key (it is empty)")
        self.context.secrets.append(text)
        return text

    def _problem(self, value: object, allowed: str) -> None:
        self.problems.append(Problem("api_key_file", value, allowed))


def parse_config(
    data: object,
    env: Mapping[str, str] | None = None,
    base_dir: str | Path | None = None,
    *,
    source: Path | None = None,
    require_api_key: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Check already-loaded YAML data and build the Config, or raise ConfigError.

    `env` defaults to os.environ (only OGSBOT_API_KEY is read); `base_dir`, the folder that
    relative paths start from, defaults to the current directory. Without
    `require_api_key` a missing API key is a warning (`Config.warnings`), not a problem:
    check-config validates the file, only `run` needs the key. `overrides` maps dotted keys
    ("game.sgf_dir") to values that replace the file's.
    """
    env = os.environ if env is None else env
    context = LoadContext(Path(base_dir) if base_dir is not None else Path.cwd())
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        problem = Problem("", data, "a YAML mapping of options (key: value lines)")
        raise ConfigError([problem], source)
    pairs = tuple((overrides or {}).items())
    given = _integral(_overridden(data, pairs))
    # keys of the Config that are not options: refused like any unknown key
    runtime = {key: given.pop(key) for key in RUNTIME_FIELDS if key in given}
    prepared = _prepared(given)
    keys = _KeySource(prepared, env, context)
    config: Config | None = None
    problems: list[Problem] = []
    try:
        config = _CONFIG.validate_python(prepared, context=context)
    except ValidationError as error:
        translated = Translator(config_schema(), prepared).problems(error)
        problems = [p for p in translated if not _inherited(p, given)]
    problems += [Problem(key, value, "a top-level key") for key, value in runtime.items()]
    api_key = keys.key(require_api_key)
    problems += keys.problems + _profile_problems(prepared)
    if problems or config is None:
        raise ConfigError(problems, source, context.secrets)
    warnings = list(keys.warnings)
    warning = insecure_server_warning(config.server)
    if warning is not None:
        warnings.append(f"server: {warning}")
    if config.status.enabled and not is_loopback(config.status.host):
        warnings.append(
            f"status.host: {config.status.host!r} lets other machines read the status page "
            "and metrics (every game, opponent and engine), and nothing there asks for a "
            "login; keep 127.0.0.1 unless a firewall or a proxy guards the port"
        )
    mm = config.matchmaking
    if mm.games and mm.reserve >= config.challenges.max_games:
        warnings.append(
            f"matchmaking.reserve: {mm.reserve} keeps every one of challenges.max_games "
            f"({config.challenges.max_games}) for humans, so no bot is ever challenged; "
            "allowed to challenge: a reserve below max_games"
        )
    return dataclasses.replace(
        config,
        api_key=SecretStr(api_key),
        source=source,
        overrides=pairs,
        warnings=tuple(warnings),
    )


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only (a host name may resolve to any interface)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _open_to_others(path: Path) -> str | None:
    """The permission bits of `path` (as '0644') when its group or others may read it."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    return f"{stat.S_IMODE(mode):04o}" if mode & (stat.S_IRGRP | stat.S_IROTH) else None


def _key_file_warnings(file: Path, data: object) -> list[str]:
    """Warnings about an API key that other users of the machine can read."""
    if not isinstance(data, Mapping):
        return []
    found: list[tuple[str, Path]] = []
    if isinstance(data.get("api_key"), str) and data["api_key"].strip():
        found.append(("api_key", file))
    key_file = data.get("api_key_file")
    if isinstance(key_file, str) and key_file.strip():
        holder = Path(os.path.expanduser(key_file))
        found.append(("api_key_file", holder if holder.is_absolute() else file.parent / holder))
    out = []
    for key, holder in found:
        mode = _open_to_others(holder)
        if mode is not None:
            out.append(
                f"{key}: {holder} holds the API key and other users of this machine can read "
                f"it (mode {mode}); run: chmod 600 {shlex.quote(str(holder))}"
            )
    return out


def load_config(
    path: str | Path,
    env: Mapping[str, str] | None = None,
    *,
    require_api_key: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Read and check a YAML config file; relative paths in it start at its folder.

    `require_api_key` and `overrides` are `parse_config`'s; a file holding the API key that
    other users can read adds a warning to `Config.warnings`.
    """
    file = Path(os.path.expanduser(str(path))).resolve()
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            [Problem("(file)", str(file), f"a readable UTF-8 YAML file ({error})")], file
        ) from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as error:
        secrets = [match.group(1) for match in INLINE_KEY.finditer(text)]
        if env is not None and env.get(ENV_API_KEY):
            secrets.append(env[ENV_API_KEY])
        raise ConfigError([yaml_problem(error)], file, secrets) from None
    config = parse_config(
        data, env, file.parent, source=file, require_api_key=require_api_key, overrides=overrides
    )
    warnings = (*_key_file_warnings(file, data), *config.warnings)
    return dataclasses.replace(config, warnings=warnings)


def reload_config(current: Config, env: Mapping[str, str] | None = None) -> Config:
    """`current`'s file read and checked again, with the same overrides (`--sgf-dir`); what
    the daemon does on SIGHUP. Raises ConfigError (or ValueError when `current` came from no
    file)."""
    if current.source is None:
        raise ValueError("the configuration did not come from a file")
    return load_config(current.source, env, overrides=dict(current.overrides))
