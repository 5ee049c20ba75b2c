"""Bodies built from rows: the attributes a source shares with a target model's fields, copied by name, so a
mapping names only what differs (a renamed field, a computed value) instead of repeating every field."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any


def same_named(source: object, fields: Iterable[str], *, leave: Collection[str] = ()) -> dict[str, Any]:
    """``{name: source.name}`` for each of ``fields`` that ``source`` has, except those in ``leave``."""
    return {name: getattr(source, name) for name in fields if name not in leave and hasattr(source, name)}
