"""Field types that let pydantic read OGS's payloads as leniently as OGS writes them.

Each type takes what it can read (0/1 and "true" for booleans, numeric strings for numbers,
numbers for text) and leaves the field at its default for null or anything else, so a model
declares each field once, with its type and default, and `parse` reads it from JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from pydantic import PlainValidator, TypeAdapter
from pydantic_core import PydanticUseDefault

from ogsbot.ogs.models.fields import as_bool, as_number, as_text, object_copy, require_object

Model = TypeVar("Model")
Value = TypeVar("Value")


def _default_when_none(read: Callable[[Any], Value | None]) -> PlainValidator:
    """A validator that reads with `read` and leaves the field's default where it gives None."""

    def validate(value: object) -> Value:
        result = read(value)
        if result is None:
            raise PydanticUseDefault
        return result

    return PlainValidator(validate)


def _as_int(value: object) -> int | None:
    number = as_number(value)
    return None if number is None else int(number)


def _as_optional_bool(value: object) -> bool | None:
    return None if value is None else as_bool(value)


Number = Annotated[float, _default_when_none(as_number)]
OptionalNumber = Annotated[float | None, _default_when_none(as_number)]
Int = Annotated[int, _default_when_none(_as_int)]
OptionalInt = Annotated[int | None, _default_when_none(_as_int)]
Flag = Annotated[bool, PlainValidator(as_bool)]
OptionalFlag = Annotated[bool | None, PlainValidator(_as_optional_bool)]
Text = Annotated[str, _default_when_none(as_text)]
OptionalText = Annotated[str | None, _default_when_none(as_text)]


def _int_tuple(value: object) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        return ()
    numbers = (as_number(v) for v in value)
    return tuple(int(n) for n in numbers if n is not None)


IdList = Annotated[tuple[int, ...], PlainValidator(_int_tuple)]
"""Whole numbers (ids) from a list; what is no number is left out, what is no list is ()."""
JsonObject = Annotated[dict[str, Any] | None, _default_when_none(object_copy)]
"""A copy of a JSON object, texts `utf8_safe`; None when the payload has none."""


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def parse(model: type[Model], data: object, what: str) -> Model:
    """`model` read from a JSON object by its field types; ValueError naming `what` if `data`
    is no object."""
    adapter = _ADAPTERS.get(model) or _ADAPTERS.setdefault(model, TypeAdapter(model))
    return cast(Model, adapter.validate_python(require_object(data, what)))


def nested(model: type[Model], read: Callable[[Any], Model | None]) -> PlainValidator:
    """A validator for a field holding a `model`: one is kept as is (construction, `replace`),
    anything else is read from JSON with `read`; where that gives None the default stays."""

    def from_json(value: object) -> Model | None:
        return value if isinstance(value, model) else read(value)

    return _default_when_none(from_json)
