"""Where a printer may reach, decided by the service: spool directories and simulator state live under
``DATA_DIR`` at paths derived from the printer's id, never at a path a client chose; URIs are checked per
adapter (``printers.locations``). The adapters check again (``root``), so a row written before these rules,
or by hand, still cannot make the server write outside the data directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ktp_service.errors import FieldProblem, Invalid
from ktp_service.models import Printer
from ktp_service.settings import Settings
from printers.errors import AdapterConfigInvalid
from printers.registry import check_adapter

# Config keys naming a place on disk (or the state file's name): the service sets them, a client may not.
LOCATION_KEYS = {"spool": ("directory",), "simulator": ("state_dir", "name")}


class PrinterConfigInvalid(Invalid, code="printer_config_invalid"): ...


class PrinterPathOutsideDataDir(Invalid, code="printer_path_outside_data_dir"): ...


class PrinterLocationFixed(Invalid, code="printer_location_fixed"): ...


def _refusal(cls: type[Invalid], field: str, message: str, **params: str) -> Invalid:
    return cls(
        f"{field}: {message}", [FieldProblem(field, message, cls.code)], params={"field": field, **params}
    )


def data_root(settings: Settings) -> Path:
    return settings.data_dir.resolve()


def adapter_config(printer: Printer, settings: Settings) -> dict[str, Any]:
    """The config an adapter is built with: the row's, with its locations set by the service (whatever the
    row says): ``DATA_DIR/spool/printer-ID`` and ``DATA_DIR/simulators/printer-ID.json``, one per printer,
    so two printers never share a simulator's state or a spool directory."""
    config = dict(printer.config)
    if printer.adapter == "simulator":
        config["state_dir"] = str(settings.simulators_dir.resolve())
        config["name"] = f"printer-{printer.id}"
    elif printer.adapter == "spool":
        config["directory"] = str((settings.spool_dir / f"printer-{printer.id}").resolve())
    return config


def _given_location(field: str, value: object, settings: Settings) -> Invalid:
    """The refusal for a location a client gave: outside DATA_DIR (as the server would resolve it), or
    inside it but the service's to choose."""
    text = str(value)
    root = data_root(settings)
    try:
        resolved = Path(os.path.abspath(text)).resolve() if text else root / "?"
    except (OSError, ValueError):
        resolved = Path("/")
    if not resolved.is_relative_to(root):
        return _refusal(
            PrinterPathOutsideDataDir,
            field,
            f"{text!r} is outside the data directory; printers write only under {root}.",
            path=text,
        )
    return _refusal(
        PrinterLocationFixed, field, "the service chooses where this printer keeps its files (by its id)."
    )


def check_client_config(adapter: str, uri: str, config: dict[str, Any], settings: Settings) -> None:
    """Refuse, naming the field, a location chosen by the client (a spool path in the URI, a directory,
    a simulator state directory or state name), then anything the adapter itself refuses."""
    for key in LOCATION_KEYS.get(adapter, ()):
        if key in config:
            if key == "name":
                raise _refusal(
                    PrinterLocationFixed,
                    "config.name",
                    "a simulator's state is its printer's own; name it in the URI simulator://NAME.",
                )
            raise _given_location(f"config.{key}", config[key], settings)
    if adapter == "spool" and uri:
        try:
            parts = urlsplit(uri)
        except ValueError:
            parts = None
        if parts is not None and parts.scheme == "spool" and not parts.netloc and parts.path not in ("", "/"):
            raise _given_location("uri", unquote(parts.path), settings)
    placeholder = Printer(name="-", office_id=0, adapter=adapter, uri=uri, config=config, id=0)
    try:
        check_adapter(adapter, uri, adapter_config(placeholder, settings), root=data_root(settings))
    except AdapterConfigInvalid as exc:
        detail = str(exc).removeprefix(f"{exc.field}: ")
        raise _refusal(PrinterConfigInvalid, exc.field, detail, detail=detail) from None
