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
from urllib.parse import unquote

from printers.base import PrinterAdapter
from printers.errors import UnknownAdapter
from printers.locations import confined_dir, invalid, split_uri

Config = Mapping[str, Any]


Build = Callable[[], PrinterAdapter]


def _spool(uri: str, config: Config, root: Path | None) -> Build:
    from printers.spool import DEFAULT_FORMATS, SpoolPrinter

    _only(config, "spool", {"directory", "formats", "dpi", "duplex"})
    parts = split_uri(uri, ("spool",)) if uri else None
    if parts is not None and parts.netloc:
        raise invalid("uri", "a spool printer is a directory on this machine: spool:// takes no host")
    if config.get("directory") is not None:
        directory = confined_dir(config["directory"], field="config.directory", root=root)
    elif parts is not None and parts.path not in ("", "/"):
        directory = confined_dir(unquote(parts.path), field="uri", root=root)
    else:
        raise invalid("uri", f"spool needs a URI spool:///path or config directory, not {uri!r}")
    formats, dpi = _strings(config, "formats", DEFAULT_FORMATS), _ints(config, "dpi", (300,))
    duplex = _bool(config, "duplex", True)
    return lambda: SpoolPrinter(directory, formats=formats, dpi=dpi, duplex=duplex)


def _simulator(uri: str, config: Config, root: Path | None) -> Build:
    from printers.simulator import DEFAULT_FORMATS, SimulatorPrinter, check_name

    _only(
        config,
        "simulator",
        {"name", "state_dir", "speed", "ribbon_capacity", "cards", "formats", "dpi", "duplex"},
    )
    if uri:
        parts = split_uri(uri, ("simulator",), hosts=False)
        if parts.path not in ("", "/"):
            raise invalid("uri", "must look like simulator://NAME (no path)")
        check_name(parts.netloc, field="uri")
    if config.get("name") is not None:
        name = check_name(str(config["name"]), field="config.name")
    elif uri:
        name = parts.netloc
    else:
        raise invalid("uri", "must look like simulator://NAME")
    state_dir = config.get("state_dir")
    if state_dir is not None:
        state_dir = confined_dir(state_dir, field="config.state_dir", root=root)
    speed = config.get("speed", 0.0)
    if not isinstance(speed, int | float) or isinstance(speed, bool) or speed < 0:
        raise invalid("config.speed", f"simulator speed must be seconds >= 0, not {speed!r}")
    options = {
        "state_dir": state_dir,
        "speed": float(speed),
        "ribbon_capacity": _optional_count(config, "ribbon_capacity", minimum=1),
        "cards": _optional_count(config, "cards", minimum=0),
        "formats": _strings(config, "formats", DEFAULT_FORMATS),
        "dpi": _ints(config, "dpi", (300,)),
        "duplex": _bool(config, "duplex", True),
    }
    return lambda: SimulatorPrinter(name, **options)  # type: ignore[arg-type]


def _ipp(uri: str, config: Config, root: Path | None) -> Build:
    from printers.ipp import IppPrinter

    _only(config, "ipp", {"timeout", "requesting_user", "check_before_submit"})
    parts = split_uri(uri, ("ipp", "ipps"))
    if not parts.hostname or not parts.path.startswith("/"):
        raise invalid("uri", f"ipp adapter needs ipp://host[:port]/path or ipps://..., not {uri!r}")
    timeout = config.get("timeout", 10)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= 300:
        raise invalid("config.timeout", f"ipp timeout must be seconds in (0, 300], not {timeout!r}")
    user = str(config.get("requesting_user", "ktp-service"))
    check = _bool(config, "check_before_submit", True)
    return lambda: IppPrinter(uri, timeout=float(timeout), requesting_user=user, check_before_submit=check)


_FACTORIES: dict[str, Callable[[str, Config, Path | None], Build]] = {
    "spool": _spool,
    "simulator": _simulator,
    "ipp": _ipp,
}
ADAPTER_NAMES: tuple[str, ...] = tuple(_FACTORIES)


def _builder(name: str, uri: str, config: Config | None, root: Path | None) -> Build:
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise UnknownAdapter(
            f"unknown printer adapter {name!r}; known: {', '.join(ADAPTER_NAMES)}", field="adapter"
        ) from None
    if config is not None and not isinstance(config, Mapping):
        raise invalid("config", f"printer config must be an object, not {type(config).__name__}")
    if not isinstance(uri, str) or len(uri) > 300:
        raise invalid("uri", "must be a string of at most 300 characters")
    return factory(uri, config or {}, root)


def create_adapter(
    name: str, uri: str, config: Config | None = None, *, root: Path | None = None
) -> PrinterAdapter:
    """The adapter ``name`` for the printer at ``uri``.

    Raises ``UnknownAdapter`` for a name not in :data:`ADAPTER_NAMES` and ``AdapterConfigInvalid`` (with
    the ``field`` at fault) for a URI or config the adapter cannot use, including a directory outside
    ``root`` when one is given. Creating an adapter does not contact the printer.
    """
    return _builder(name, uri, config, root)()


def check_adapter(name: str, uri: str, config: Config | None = None, *, root: Path | None = None) -> None:
    """What :func:`create_adapter` checks, with no side effect at all (no directory or state file made)."""
    _builder(name, uri, config, root)


def _only(config: Config, adapter: str, allowed: set[str]) -> None:
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise invalid(
            "config",
            f"{adapter} adapter does not know config {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
        )


def _strings(config: Config, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = config.get(key, default)
    if not isinstance(value, list | tuple) or not value or not all(isinstance(v, str) for v in value):
        raise invalid(f"config.{key}", f"must be a non-empty list of strings, not {value!r}")
    return tuple(value)


def _ints(config: Config, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
    value = config.get(key, default)
    if not isinstance(value, list | tuple) or not all(type(v) is int and v > 0 for v in value):
        raise invalid(f"config.{key}", f"must be a list of positive integers, not {value!r}")
    return tuple(value)


def _bool(config: Config, key: str, default: bool) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise invalid(f"config.{key}", f"must be true or false, not {value!r}")
    return value


def _optional_count(config: Config, key: str, *, minimum: int) -> int | None:
    value = config.get(key)
    if value is not None and (type(value) is not int or value < minimum):
        raise invalid(f"config.{key}", f"must be null or an integer >= {minimum}, not {value!r}")
    return value
