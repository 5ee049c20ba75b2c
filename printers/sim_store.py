"""Where simulated printers' states live: in this process (a bank keyed by printer name) or in a directory
shared between processes (one JSON file per printer, changed under an exclusive ``flock``)."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

from printers.errors import AdapterConfigInvalid
from printers.sim_state import SimState


class Store(Protocol):
    """Hands out a printer's state for the length of a ``with`` block and keeps what it became."""

    def transaction(self, name: str) -> AbstractContextManager[SimState]: ...

    def forget(self, name: str) -> None: ...


class MemoryStore:
    """States of this process. Changed in place: an operation raises before it changes anything (only
    ``advance``, which is always valid, runs before a check that may raise)."""

    def __init__(self) -> None:
        self._states: dict[str, SimState] = {}
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self, name: str) -> Iterator[SimState]:
        with self._lock:
            yield self._states.setdefault(name, SimState())

    def forget(self, name: str) -> None:
        with self._lock:
            self._states.pop(name, None)


class FileStore:
    """States shared between processes: one JSON file per printer, changed under an exclusive flock."""

    def __init__(self, directory: Path) -> None:
        # Defensive: a state file is always <absolute directory>/<name>.json, never climbs out with '..'.
        if not directory.is_absolute() or ".." in directory.parts:
            raise AdapterConfigInvalid(
                f"simulator state_dir must be an absolute path, not {str(directory)!r}"
            )
        self.directory = directory

    @contextmanager
    def transaction(self, name: str) -> Iterator[SimState]:
        if "/" in name or name in ("", ".", ".."):
            raise AdapterConfigInvalid(f"simulator name {name!r} cannot name a state file")
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{name}.json"
        with open(self.directory / f"{name}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            before = path.read_text() if path.exists() else ""
            state = SimState.from_json(before) if before else SimState()
            yield state
            after = state.to_json()
            if after != before:  # most status polls change nothing: skip the write
                tmp = path.with_name(f".{name}.json.tmp")
                try:
                    tmp.write_text(after)
                    os.replace(tmp, path)
                except BaseException:  # a full disk: the old state stays, and no .tmp
                    tmp.unlink(missing_ok=True)
                    raise

    def forget(self, name: str) -> None:
        (self.directory / f"{name}.json").unlink(missing_ok=True)


_BANK = MemoryStore()


def store_for(state_dir: Path | str | None) -> Store:
    """The process's own bank without ``state_dir``, else the shared directory."""
    return _BANK if state_dir is None else FileStore(Path(state_dir))
