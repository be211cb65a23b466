"""Reading the config file's YAML safely: PyYAML's safe loader, refusing duplicate keys,
deep nesting and alias bombs, with syntax errors as problems naming line and column."""

from __future__ import annotations

import re
from typing import Any

import yaml

from ogsbot.bot.config.problems import YAML_PATH, Problem

MAX_YAML_DEPTH = 20
"""The deepest nesting of lists and mappings accepted (a real config needs about 7)."""

MAX_YAML_NODES = 20_000
"""The most values a config may hold once its aliases are expanded (a real one has a few
hundred): a YAML alias bomb ("billion laughs") is refused before it is built."""


class _YAMLLimit(yaml.MarkedYAMLError):
    """The YAML is too deep or expands too much; `hint` says what is allowed."""

    def __init__(self, problem: str, mark: yaml.Mark | None, hint: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (YAML silently keeps the last one), nesting
    deeper than `MAX_YAML_DEPTH` and aliases expanding to more than `MAX_YAML_NODES`."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _YAMLLimit(
                    f"lists and mappings nested more than {MAX_YAML_DEPTH} levels deep",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                    f"at most {MAX_YAML_DEPTH} levels of nesting",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _expanded(node: yaml.Node, sizes: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """(values, depth) of a node with every alias expanded; each node is measured once,
    so a bomb is measured in the time its file takes to read. A node met again while it is
    being measured is an alias to itself (infinite)."""
    key = id(node)
    known = sizes.get(key)
    if known is not None:
        if known[0] < 0:
            raise _YAMLLimit(
                "an alias that refers to itself", node.start_mark, "no recursive aliases"
            )
        return known
    sizes[key] = (-1, 0)
    size, depth = 1, 0
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    for child in children:
        child_size, child_depth = _expanded(child, sizes)
        size += child_size
        depth = max(depth, child_depth)
        if size > MAX_YAML_NODES:
            raise _YAMLLimit(
                f"more than {MAX_YAML_NODES} values once its aliases (*name) are expanded",
                node.start_mark,
                f"at most {MAX_YAML_NODES} values, aliases expanded (is it an alias bomb?)",
            )
    if children:
        depth += 1
        if depth > MAX_YAML_DEPTH:
            raise _YAMLLimit(
                f"lists and mappings nested more than {MAX_YAML_DEPTH} levels deep once its "
                "aliases are expanded",
                node.start_mark,
                f"at most {MAX_YAML_DEPTH} levels of nesting",
            )
    sizes[key] = (size, depth)
    return size, depth


def load_yaml(text: str) -> Any:
    """The YAML document in `text`, checked for size and depth before it is built."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded(node, {})
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _mapping_without_duplicates(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
        except TypeError:
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"found the key {key!r} twice",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_duplicates,
)

INLINE_KEY = re.compile(r"^\s*api_?key\s*:\s*['\"]?([^'\"\s#]+)", re.MULTILINE | re.IGNORECASE)


def yaml_problem(error: yaml.YAMLError) -> Problem:
    if isinstance(error, _YAMLLimit):
        mark = error.problem_mark
        return Problem(
            YAML_PATH,
            f"the file holds {error.problem}",
            error.hint,
            line=mark.line + 1 if mark is not None else None,
            column=mark.column + 1 if mark is not None else None,
        )
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        text = error.problem or "invalid YAML"
        if error.context:
            text = f"{text} ({error.context})"
        return Problem(
            YAML_PATH,
            text,
            "check the indentation, colons, brackets and quotes around there",
            line=mark.line + 1,
            column=mark.column + 1,
        )
    return Problem(YAML_PATH, str(error), "the file must be valid YAML")
