"""Reading and writing IPP messages for the ``ipp`` adapter: the response reader (pyipp decodes the values;
an attribute sent twice keeps its *first* value), submit options checked against what pyipp can encode, and
attribute values read the way the adapter needs them."""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pyipp.enums import IppStatus, IppTag
from pyipp.parser import parse_attribute
from pyipp.tags import ATTRIBUTE_TAG_MAP

from printers.errors import JobRejected, PrinterError

# Job-template attributes accepted as submit options: the ones pyipp knows how to encode. Anything else is
# refused instead of being dropped silently by pyipp's encoder.
JOB_OPTIONS = frozenset(
    {"copies", "sides", "media", "orientation-requested", "print-quality", "finishings", "job-priority"}
)
_E = TypeVar("_E")


@dataclass(frozen=True, slots=True)
class IppResponse:
    """A decoded IPP response: status code and attribute groups (each attribute a list of values)."""

    status: int
    groups: list[tuple[int, dict[str, list[Any]]]]

    def group(self, tag: IppTag) -> dict[str, list[Any]]:
        return next((attrs for group_tag, attrs in self.groups if group_tag == tag), {})

    @property
    def message(self) -> str:
        return str(one_value(self.group(IppTag.OPERATION), "status-message") or "")


def parse_response(raw: bytes) -> IppResponse:
    """Decode an IPP response. Values are decoded by pyipp; an attribute repeated in a group keeps its
    first occurrence. Raises ``ValueError`` on a malformed message."""
    try:
        status = struct.unpack_from(">h", raw, 2)[0]
        offset = 8
        groups: list[tuple[int, dict[str, list[Any]]]] = []
        attrs: dict[str, list[Any]] | None = None
        name, repeated = "", False
        while (tag := raw[offset]) != IppTag.END:
            if tag < 0x10:  # a delimiter: a new attribute group begins
                attrs, name = {}, ""
                groups.append((tag, attrs))
                offset += 1
                continue
            if attrs is None:
                raise ValueError("attribute before any attribute group")
            attribute, offset = parse_attribute(raw, offset, name)
            if attribute["name"]:
                name = attribute["name"]
                repeated = name in attrs
                if not repeated:
                    attrs[name] = [attribute["value"]]
            elif not repeated:  # an additional value of the attribute just read
                attrs[name].append(attribute["value"])
    except (struct.error, IndexError, KeyError, UnicodeDecodeError) as exc:
        raise ValueError(f"malformed IPP response: {exc}") from exc
    return IppResponse(status, groups)


def job_template(options: Mapping[str, str | int]) -> dict[str, Any]:
    """The submit options as IPP job attributes; ``JobRejected`` for a name or value type pyipp cannot encode."""
    for name, value in options.items():
        if name not in JOB_OPTIONS:
            raise JobRejected(
                f"option {name!r} is not supported by the ipp adapter; use {sorted(JOB_OPTIONS)}"
            )
        wants_int = ATTRIBUTE_TAG_MAP[name] in (IppTag.INTEGER, IppTag.ENUM)
        if wants_int != (type(value) is int):
            raise JobRejected(f"option {name!r} must be {'an integer' if wants_int else 'a string'}")
    return dict(options)


def all_values(attrs: Mapping[str, list[Any]], name: str) -> list[Any]:
    """All values, without IPP out-of-band values (no-value, unknown), which pyipp decodes as ''."""
    return [value for value in attrs.get(name, []) if value != ""]


def one_value(attrs: Mapping[str, list[Any]], name: str) -> Any:
    """The first value of an attribute, or None."""
    values = all_values(attrs, name)
    return values[0] if values else None


def reasons_in(attrs: Mapping[str, list[Any]], name: str) -> tuple[str, ...]:
    """A state-reasons attribute without IPP's ``none``."""
    return tuple(str(reason) for reason in all_values(attrs, name) if reason != "none")


def percent(level: Any) -> int | None:
    """A marker level as a percentage, or None when the printer does not know it."""
    # IPP marker levels: 0..100, or -1 (unavailable), -2 (unknown), -3 (some remains).
    return int(level) if isinstance(level, int) and 0 <= level <= 100 else None


def to_enum(convert: Callable[[int], _E], value: Any, uri: str) -> _E:
    """An IPP enum value converted (printer or job state); ``PrinterError`` for a value outside the enum."""
    try:
        return convert(int(value))
    except (KeyError, TypeError, ValueError):
        raise PrinterError(f"{uri} sent an unexpected state {value!r}") from None


def status_name(status: int) -> str:
    """An IPP status code as its keyword (``client-error-not-found``) for messages."""
    try:
        return IppStatus(status).name.lower().replace("_", "-")
    except ValueError:
        return f"status 0x{status:04x}"
