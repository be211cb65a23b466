"""`ogsbot schema`: the JSON Schema (draft 2020-12) of the config file, made by pydantic from
the same dataclasses that validate it, then written for editors: nested sections inline,
no generated titles, the per-speed defaults spelled out."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from ogsbot.bot.config.root import ENV_API_KEY, RUNTIME_FIELDS, Config
from ogsbot.bot.config.sections import SPEED_DEFAULTS


class _FileForms(GenerateJsonSchema):
    """Defaults written as the file writes them: a range as [low, high], boards as a list."""

    def encode_default(self, dft: Any) -> Any:
        return super().encode_default(_file_form(dft))


def _file_form(value: Any) -> Any:
    form = getattr(value, "file_form", None)
    if callable(form):
        return form()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _file_form(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: _file_form(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_file_form(item) for item in value]
    return value


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """`node` with every `$ref` replaced by its definition and pydantic's titles dropped."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    ref = node.get("$ref")
    if isinstance(ref, str):
        out.update(_inline(defs[ref.rsplit("/", 1)[-1]], defs))
    for key, value in node.items():
        if key == "description":
            out[key] = " ".join(value.split())
        elif key == "properties":
            out[key] = {name: _inline(sub, defs) for name, sub in value.items()}
        elif key not in ("$ref", "$defs", "title"):
            out[key] = _inline(value, defs)
    if out.get("anyOf") and len(out["anyOf"]) == 2 and {"type": "null"} in out["anyOf"]:
        out.update(_nullable(out.pop("anyOf")))
    return out


def _nullable(choices: list[dict[str, Any]]) -> dict[str, Any]:
    """`X or null` in one schema where X has a plain type (`{"type": ["string", "null"]}`)."""
    (other,) = [c for c in choices if c != {"type": "null"}]
    kind = other.get("type")
    if isinstance(kind, str):
        return {**other, "type": [kind, "null"]}
    return {"anyOf": choices}


def _with_defaults(schema: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    for key, value in defaults.items():
        sub = out["properties"][key]
        if isinstance(value, dict):
            out["properties"][key] = _with_defaults(sub, value)
        else:
            sub["default"] = value
    out.pop("default", None)
    return out


def _partial(schema: dict[str, Any]) -> dict[str, Any]:
    """A profile's engine: any engine key, none required, no defaults (the main engine's
    values are the defaults)."""
    out = copy.deepcopy(schema)
    out.pop("required", None)
    for sub in out["properties"].values():
        sub.pop("default", None)
    return out


def config_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the config file, from the dataclasses that check it."""
    raw = TypeAdapter(Config).json_schema(schema_generator=_FileForms)
    body = _inline(raw, raw.get("$defs", {}))
    props = body["properties"]
    for key in RUNTIME_FIELDS:
        props.pop(key)
    props["api_key"] = {"description": props["api_key"]["description"], "type": ["string", "null"]}
    speeds = props["challenges"]["properties"]["speeds"]
    speed = speeds.pop("additionalProperties")
    speeds.pop("propertyNames", None)
    speeds["properties"] = {
        name: {"description": f"Rules for {name} games.", **_with_defaults(speed, defaults)}
        for name, defaults in SPEED_DEFAULTS.items()
    }
    speeds["additionalProperties"] = False
    speeds.pop("default", None)
    profile = props["engine_profiles"]["items"]["properties"]
    profile["engine"] = _partial(profile["engine"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ogsbot configuration",
        "description": (
            "The YAML configuration of the ogsbot daemon. The API key may also come from "
            f"the environment variable {ENV_API_KEY}."
        ),
        **{key: value for key, value in body.items() if key not in ("description", "title")},
    }
