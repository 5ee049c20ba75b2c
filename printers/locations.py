"""Checks on where an adapter may reach: printer URIs (scheme, host, port, path) and local directories.

Pure and defensive: the application decides where spool and simulator files go, but an adapter built from
a row written by an older version (or by hand) must still not write outside the directory it was given
(``root``), follow a URI with credentials in it, or climb out of a path with ``..``. Every refusal is an
:class:`~printers.errors.AdapterConfigInvalid` naming the field at fault (``uri``, ``config.directory``...).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path, PurePosixPath
from urllib.parse import SplitResult, unquote, urlsplit

from printers.errors import AdapterConfigInvalid

# RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens, 253 characters at most.
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")  # control characters, spaces, backslashes


def invalid(field: str, message: str) -> AdapterConfigInvalid:
    """A refusal that names its field."""
    return AdapterConfigInvalid(f"{field}: {message}", field=field)


def split_uri(uri: str, schemes: tuple[str, ...], *, field: str = "uri", hosts: bool = True) -> SplitResult:
    """``uri`` split, once it is known to use one of ``schemes``, carry no credentials, query or fragment,
    have a syntactically valid host and port (when it has a host; ``hosts=False`` leaves the part after
    ``//`` to the caller) and no ``.``/``..`` path segments."""
    if _UNSAFE.search(uri):
        raise invalid(field, "must not contain spaces, control characters or backslashes")
    try:
        parts = urlsplit(uri)
    except ValueError as exc:  # e.g. an unbalanced '[' in the host
        raise invalid(field, f"is not a URI ({exc})") from None
    if parts.scheme not in schemes:
        raise invalid(field, f"must start with {' or '.join(s + '://' for s in schemes)}")
    if "@" in parts.netloc:
        raise invalid(field, "must not carry a user name or password")
    if parts.query or parts.fragment or uri.endswith(("?", "#")):
        raise invalid(field, "must not have a query (?) or fragment (#)")
    if parts.netloc and hosts:
        check_host(parts.hostname or "", field=field)
        try:
            parts.port  # noqa: B018  (raises ValueError on a bad port)
        except ValueError:
            raise invalid(field, "has an invalid port") from None
        if parts.netloc.endswith(":"):
            raise invalid(field, "has an empty port")
    segments = unquote(parts.path).split("/")
    if any(segment in (".", "..") for segment in segments) or "\x00" in unquote(parts.path):
        raise invalid(field, "must not contain '.' or '..' path segments")
    return parts


def check_host(host: str, *, field: str = "uri") -> str:
    """``host`` if it is an IP address or an RFC 1123 host name."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if not host or len(host) > 253 or not all(_LABEL.match(label) for label in host.rstrip(".").split(".")):
        raise invalid(field, f"has an invalid host {host!r}")
    return host


def confined_dir(value: object, *, field: str, root: Path | None) -> Path:
    """``value`` as a directory: absolute, without ``.``/``..`` segments, and inside ``root`` (after
    resolving symbolic links) when a root is given."""
    if not isinstance(value, str | Path) or not str(value):
        raise invalid(field, "must be a directory path")
    text = str(value)
    if _UNSAFE.search(text.replace(" ", "")):
        raise invalid(field, "must not contain control characters or backslashes")
    path = PurePosixPath(text)
    if not path.is_absolute():
        raise invalid(field, "must be an absolute path")
    if any(part in (".", "..") for part in text.split("/")):
        raise invalid(field, "must not contain '.' or '..' path segments")
    if root is not None:
        resolved, base = Path(path).resolve(), Path(root).resolve()
        if not resolved.is_relative_to(base):
            raise invalid(field, f"must be inside {base}")
    return Path(path)
