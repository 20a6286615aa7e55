"""One pass over a span's attribute keys, shared by every convention reader of that span.

Flattened conventions spread lists over many keys (``llm.input_messages.3.message.content``).
Scanning all keys again for every list and every "does this span use convention X" question was
the largest cost of an import; grouping them once per span makes each question a lookup.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# "prefix.N.rest" where N is the first segment made of digits that is not the last one.
_LIST_KEY = re.compile(r"\n(([^\n]*?\.)(\d+)\.([^\n]+))(?=\n)")

# prefix -> [(N, [(rest, key), ...], shape), ...] in N order: which keys make which list item,
# and the item ``nest`` makes of them with each value's key in its place (see ``_fill``).
_Lists = dict[str, list[tuple[int, list[tuple[str, str]], Any]]]


@lru_cache(maxsize=2048)
def _layout(keys: tuple[str, ...]) -> tuple[str, _Lists]:
    """The keys string and the list layout of one set of attribute keys.

    Both follow from the keys alone, and the spans of one instrumentation repeat a few key sets
    (one per number of messages or documents): scanning them once per key set, not per span,
    removes most of the cost of grouping. Bounded, so a source whose keys never repeat only
    pays the scan it paid before.
    """
    # All keys in one newline-separated string: "is there a key starting with X" is then a
    # substring search, and the flattened-list keys are found by one regex scan.
    joined = "\n" + "\n".join(keys) + "\n"
    groups: dict[str, dict[int, dict[str, str]]] = {}
    for key, prefix, index, rest in _LIST_KEY.findall(joined):
        # "x.01.y" and "x.1.y" are one item's "y": the later key's value, in the first one's place.
        groups.setdefault(prefix, {}).setdefault(int(index), {})[rest] = key
    lists = {
        prefix: [(n, list(items[n].items()), nest(items[n])) for n in sorted(items)] for prefix, items in groups.items()
    }
    return joined, lists


class AttrIndex:
    """Attribute keys of one span, grouped by list prefix; prefix questions answered in C."""

    __slots__ = ("_attrs", "_keys", "_lists")

    def __init__(self, attrs: dict[str, Any]) -> None:
        self._attrs = attrs
        self._keys, self._lists = _layout(tuple(attrs))

    def has(self, prefix: str) -> bool:
        """Whether some key starts with ``prefix`` (e.g. ``gen_ai.`` or ``llm.prompt_template.``)."""
        return f"\n{prefix}" in self._keys

    def has_list(self, prefix: str) -> bool:
        return prefix in self._lists

    def indexed(self, prefix: str) -> list[dict[str, Any]]:
        """The ``prefix.N.rest`` attributes as a list of nested dicts ordered by N (10 after 9)."""
        items = self._lists.get(prefix)
        if not items:
            return []
        attrs = self._attrs
        result = []
        for _, item, shape in items:
            try:
                result.append(_fill(shape, attrs))
            except _NotByShape:
                result.append(nest({rest: attrs[key] for rest, key in item}))
        return result


class _NotByShape(Exception):
    """A value ``nest`` looks at, not only places: it walks into a dict and takes ``None`` for a
    missing parent, so the shape does not apply."""


def _fill(shape: Any, attrs: dict[str, Any]) -> Any:
    """The item ``nest`` makes of these attributes, from the shape it made of their keys.

    ``nest`` is the same for every span of a key set as long as no value is a dict or ``None``:
    built once per layout with the keys in place of the values, each span's item is a copy with
    its values put in, without splitting and walking every key again.
    """
    pairs = shape.items() if type(shape) is dict else enumerate(shape)
    filled: dict[Any, Any] = {}
    for name, child in pairs:
        if type(child) is str:
            value = attrs[child]
            if value is None or isinstance(value, dict):
                raise _NotByShape
            filled[name] = value
        else:
            filled[name] = _fill(child, attrs)
    return filled if type(shape) is dict else list(filled.values())


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Turn ``{"a.b": 1, "a.c.0.d": 2}`` into nested dicts; numeric keys become sorted lists.

    A value that is a dict (an OTLP ``kvlistValue``) is copied before a key is added to it
    (``x`` and ``x.y`` both present): it belongs to the span, which is stored as it was read.
    """
    root: dict[str, Any] = {}
    ours = {id(root)}  # the dicts made here, which may be written into; all stay alive in ``root``

    def writable(parent: dict[str, Any], name: str, child: dict[str, Any]) -> dict[str, Any]:
        if id(child) not in ours:
            child = parent[name] = dict(child)
            ours.add(id(child))
        return child

    numeric = False
    for key, value in flat.items():
        if "." not in key:  # most keys of an item (``role``, ``content``): no path to walk
            numeric = numeric or key.isdigit()
            existing = root.get(key)
            if isinstance(existing, dict):
                writable(root, key, existing)[""] = value
            else:
                root[key] = value
            continue
        parts = key.split(".")
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if isinstance(child, dict):
                child = writable(node, part, child)
            else:
                child = {} if child is None else {"": child}
                node[part] = child
                ours.add(id(child))
            node = child
            numeric = numeric or part.isdigit()
        leaf = parts[-1]
        numeric = numeric or leaf.isdigit()
        existing = node.get(leaf)
        if isinstance(existing, dict):
            writable(node, leaf, existing)[""] = value  # "x" and "x.y" both present: keep both
        else:
            node[leaf] = value
    if not numeric:
        return root
    nested: dict[str, Any] = _listify(root)
    return nested


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) if isinstance(v, dict) else v for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        # Numeric order: index 10 comes after 9, not after 1.
        return [converted[k] for k in sorted(converted, key=int)]
    return converted
