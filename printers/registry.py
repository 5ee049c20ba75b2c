"""Adapters chosen by name: ``create_adapter("ipp", "ipp://10.0.0.5:631/printers/evolis", {})``.

Each printer row of the application stores ``adapter``, ``uri`` and ``config`` (a JSON object); this module
turns them into a :class:`~printers.base.PrinterAdapter`. Config keys per adapter (unknown keys are
refused, so a typo does not pass silently)::

    spool      uri spool:///abs/path (or config "directory");
               "formats" [mime...], "dpi" [int...], "duplex" bool
    simulator  uri simulator://NAME (or config "name"); "state_dir" (share the printer between
               processes), "speed" seconds per card, "ribbon_capacity" int|null, "cards" int|null,
               "formats", "dpi", "duplex"
    ipp        uri ipp://host:port/ipp/print or ipp://host:631/printers/QUEUE (ipps:// for TLS);
               "timeout" seconds (default 10), "requesting_user" (default "ktp-service"),
               "check_before_submit" bool (default true)

Vendor SDK adapters (Evolis, Magicard...) are added by writing ``printers/<vendor>.py`` and one entry in
``_FACTORIES``. Adapter modules are imported only when used, so an optional vendor library is needed only
on the machines that drive that printer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from printers.base import PrinterAdapter
from printers.errors import AdapterConfigInvalid, UnknownAdapter

Config = Mapping[str, Any]


def _spool(uri: str, config: Config) -> PrinterAdapter:
    from printers.spool import DEFAULT_FORMATS, SpoolPrinter

    _only(config, "spool", {"directory", "formats", "dpi", "duplex"})
    directory = config.get("directory")
    if not directory:
        parts = urlsplit(uri)
        if parts.scheme != "spool" or not parts.path:
            raise AdapterConfigInvalid(f"spool needs a URI spool:///path or config directory, not {uri!r}")
        directory = unquote(parts.path)
    return SpoolPrinter(
        Path(str(directory)),
        formats=_strings(config, "formats", DEFAULT_FORMATS),
        dpi=_ints(config, "dpi", (300,)),
        duplex=_bool(config, "duplex", True),
    )


def _simulator(uri: str, config: Config) -> PrinterAdapter:
    from printers.simulator import DEFAULT_FORMATS, SimulatorPrinter, name_from

    _only(
        config,
        "simulator",
        {"name", "state_dir", "speed", "ribbon_capacity", "cards", "formats", "dpi", "duplex"},
    )
    speed = config.get("speed", 0.0)
    if not isinstance(speed, int | float) or isinstance(speed, bool) or speed < 0:
        raise AdapterConfigInvalid(f"simulator speed must be seconds >= 0, not {speed!r}")
    return SimulatorPrinter(
        name_from(uri, config),
        state_dir=config.get("state_dir"),
        speed=float(speed),
        ribbon_capacity=_optional_count(config, "ribbon_capacity", minimum=1),
        cards=_optional_count(config, "cards", minimum=0),
        formats=_strings(config, "formats", DEFAULT_FORMATS),
        dpi=_ints(config, "dpi", (300,)),
        duplex=_bool(config, "duplex", True),
    )


def _ipp(uri: str, config: Config) -> PrinterAdapter:
    from printers.ipp import IppPrinter

    _only(config, "ipp", {"timeout", "requesting_user", "check_before_submit"})
    timeout = config.get("timeout", 10)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= 300:
        raise AdapterConfigInvalid(f"ipp timeout must be seconds in (0, 300], not {timeout!r}")
    return IppPrinter(
        uri,
        timeout=float(timeout),
        requesting_user=str(config.get("requesting_user", "ktp-service")),
        check_before_submit=_bool(config, "check_before_submit", True),
    )


_FACTORIES: dict[str, Callable[[str, Config], PrinterAdapter]] = {
    "spool": _spool,
    "simulator": _simulator,
    "ipp": _ipp,
}
ADAPTER_NAMES: tuple[str, ...] = tuple(_FACTORIES)


def create_adapter(name: str, uri: str, config: Config | None = None) -> PrinterAdapter:
    """The adapter ``name`` for the printer at ``uri``.

    Raises ``UnknownAdapter`` for a name not in :data:`ADAPTER_NAMES` and ``AdapterConfigInvalid`` for a
    URI or config the adapter cannot use. Creating an adapter does not contact the printer.
    """
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise UnknownAdapter(f"unknown printer adapter {name!r}; known: {', '.join(ADAPTER_NAMES)}") from None
    if config is not None and not isinstance(config, Mapping):
        raise AdapterConfigInvalid(f"printer config must be an object, not {type(config).__name__}")
    return factory(uri, config or {})


def _only(config: Config, adapter: str, allowed: set[str]) -> None:
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise AdapterConfigInvalid(
            f"{adapter} adapter does not know config {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _strings(config: Config, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = config.get(key, default)
    if not isinstance(value, list | tuple) or not value or not all(isinstance(v, str) for v in value):
        raise AdapterConfigInvalid(f"config {key} must be a non-empty list of strings, not {value!r}")
    return tuple(value)


def _ints(config: Config, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
    value = config.get(key, default)
    if not isinstance(value, list | tuple) or not all(type(v) is int and v > 0 for v in value):
        raise AdapterConfigInvalid(f"config {key} must be a list of positive integers, not {value!r}")
    return tuple(value)


def _bool(config: Config, key: str, default: bool) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise AdapterConfigInvalid(f"config {key} must be true or false, not {value!r}")
    return value


def _optional_count(config: Config, key: str, *, minimum: int) -> int | None:
    value = config.get(key)
    if value is not None and (type(value) is not int or value < minimum):
        raise AdapterConfigInvalid(f"config {key} must be null or an integer >= {minimum}, not {value!r}")
    return value
