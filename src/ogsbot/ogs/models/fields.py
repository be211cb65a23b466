"""The tolerant readers every model parses OGS's JSON with (0/1 booleans, numbers as text)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

Color = Literal["black", "white"]


def utf8_safe(text: str) -> str:
    """`text` made encodable as UTF-8: a lone surrogate (JSON "\\ud800") becomes U+FFFD and
    a split surrogate pair is joined; text that encodes already is returned as is."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def clean_json(value: Any) -> Any:
    """A JSON value with every text in it (keys too) made `utf8_safe`."""
    if isinstance(value, str):
        return utf8_safe(value)
    if isinstance(value, Mapping):
        return {clean_json(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(item) for item in value]
    return value


def describe(value: object) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def require_object(data: object, what: str) -> Mapping[str, Any]:
    """The payload as a mapping, or ValueError naming what was expected."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{what}: expected a JSON object, got {describe(data)}")
    return data


def as_number(value: object) -> float | None:
    """A finite number from a number or a numeric string; None for anything else (bools too)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def read_number(data: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    """A numeric field that may be missing, null or a numeric string."""
    value = as_number(data.get(key))
    return default if value is None else value


def read_optional_number(data: Mapping[str, Any], key: str) -> float | None:
    return as_number(data.get(key))


def read_int(data: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = as_number(data.get(key))
    return default if value is None else int(value)


def read_optional_int(data: Mapping[str, Any], key: str) -> int | None:
    value = as_number(data.get(key))
    return None if value is None else int(value)


def as_bool(value: object, default: bool = False) -> bool:
    """true/false, 0/1 (OGS's older payloads) or their string forms."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no", ""):
            return False
    return default


def read_bool(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    return as_bool(data.get(key), default)


def read_optional_bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is None:
        return None
    return as_bool(value)


def read_str(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = read_optional_str(data, key)
    return default if value is None else value


def read_optional_str(data: Mapping[str, Any], key: str) -> str | None:
    return as_text(data.get(key))


def as_text(value: object) -> str | None:
    """Text (`utf8_safe`), a number as text, or None for anything else."""
    if isinstance(value, str):
        return utf8_safe(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def object_copy(value: object) -> dict[str, Any] | None:
    """A copy of a JSON object (its texts `utf8_safe`), or None when it is not one."""
    return clean_json(value) if isinstance(value, Mapping) else None


def first_present(data: Mapping[str, Any], *keys: str) -> Any:
    """The value of the first of `keys` present and not null."""
    for key in keys:
        value = data.get(key)
        if value is not None:
            return value
    return None


def json_number(value: float) -> int | float:
    """A number as OGS writes it: integral values without a fraction."""
    return int(value) if float(value).is_integer() else value


def put_present(out: dict[str, Any], values: Mapping[str, Any]) -> None:
    """Add to `out` each of `values` that is not None, floats as OGS writes them."""
    for key, value in values.items():
        if value is not None:
            out[key] = json_number(value) if isinstance(value, float) else value


def js_round(value: float) -> int:
    """JavaScript's Math.round: halves go up."""
    return math.floor(value + 0.5)


def parse_color(value: object, default: Color = "black") -> Color:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("black", "b"):
            return "black"
        if lowered in ("white", "w"):
            return "white"
    return default


def other_color(color: Color) -> Color:
    return "white" if color == "black" else "black"
