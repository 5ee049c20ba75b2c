"""The ``simulator`` adapter: an in-process card printer for the demo, the tests and the benchmark.

It prints one card at a time, ``speed`` seconds per card (0 allowed: a card completes the moment it is
submitted), counts the cards it feeds, uses up a ribbon and a feeder of blank cards when they are given a
size, and can be told to fail. Nothing runs in the background: every call first brings the printer up to
the present (``SimState.advance``), so a job submitted at ``t`` with ``speed`` 3 is ``processing`` until
``t + 3`` and ``completed`` afterwards.

Faults (set and cleared from outside with :class:`SimulatorControl`, e.g. by the API or CLI)::

    fault          reason reported               effect
    jam            media-jam-error               the card being printed is spoiled: its job is
                                                 aborted (reason media-jam-error) and the card
                                                 counted; printing stops until cleared
    ribbon-out     marker-supply-empty-error     printing stops; a card mid-print waits
    ribbon-low     marker-supply-low-warning     a warning only
    feeder-empty   media-empty-error             printing stops; a card mid-print waits
    cover-open     cover-open-error              printing stops; a card mid-print waits
    output-full    output-area-full-error        printing stops; a card mid-print waits
    offline        (none: calls fail)            every port call raises PrinterUnavailable;
                                                 printing itself goes on

While printing is stopped, ``submit`` raises ``PrinterFault`` with the reasons. A card that waited
restarts when the fault is cleared. Cancelling a job mid-card ejects the card (counted, spoiled). The
ribbon and the feeder also run out by themselves when ``ribbon_capacity`` / ``cards`` are given;
``replace_ribbon`` and ``load_cards`` refill them. The last ``KEEP_FINISHED_JOBS`` finished jobs are
remembered; ``job_status`` of an older one raises ``JobNotFound``.

Where the state lives (one design, two stores, in ``printers.sim_store``): the whole printer is a small
JSON-able ``SimState`` (``printers.sim_state``) changed only inside a transaction.

* Without ``state_dir`` it lives in this process, in a module-level bank keyed by printer name
  (:func:`control_for` reaches it). Enough for ``ktp serve`` running its own worker, and for tests.
* With ``state_dir`` it lives in ``<state_dir>/<name>.json``, changed under an exclusive ``flock`` on
  ``<name>.lock`` and replaced atomically, so ``ktp serve`` (setting faults) and ``ktp worker``
  (printing) in separate processes see one printer. Jobs then survive a restart of either process.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from printers.base import (
    Capabilities,
    JobState,
    JobStatus,
    Marker,
    PrinterAdapter,
    PrinterStatus,
    Submission,
    SubmittedJob,
    require_format,
)
from printers.errors import AdapterConfigInvalid, JobNotFound, PrinterFault, PrinterUnavailable
from printers.sim_state import FAULTS, KEEP_FINISHED_JOBS, LOW_PERCENT, SimJob, SimState
from printers.sim_store import store_for

__all__ = [
    "DEFAULT_FORMATS",
    "FAULTS",
    "KEEP_FINISHED_JOBS",
    "SimulatorControl",
    "SimulatorInfo",
    "SimulatorPrinter",
    "check_name",
    "control_for",
    "name_from",
]

DEFAULT_FORMATS = ("image/png", "application/pdf", "image/jpeg")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

Clock = Callable[[], float]


# -- the outside world's handle: faults and refills ----------------------------------------------------
@dataclass(frozen=True, slots=True)
class SimulatorInfo:
    """What the simulator's operator panel would show."""

    name: str
    faults: tuple[str, ...]
    state_reasons: tuple[str, ...]
    speed: float
    card_counter: int
    spoiled: int
    cards_loaded: int | None
    ribbon_remaining: int | None
    ribbon_capacity: int | None


class SimulatorControl:
    """Sets and clears faults, refills supplies. Works while the printer is "offline" (it is the
    person standing at the printer, not a network client)."""

    def __init__(self, name: str, *, state_dir: Path | str | None = None, clock: Clock = time.time) -> None:
        self.name = check_name(name)
        self._store = store_for(state_dir)
        self._clock = clock

    def set_fault(self, fault: str) -> None:
        """Raise one of :data:`FAULTS` (``jam``, ``ribbon-out``...). Raises ``ValueError`` if unknown."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        with self._store.transaction(self.name) as state:
            state.set_fault(fault, self._clock())

    def clear_fault(self, fault: str | None = None) -> None:
        """Clear one fault, or all of them when ``fault`` is None."""
        with self._store.transaction(self.name) as state:
            state.clear_fault(fault, self._clock())

    def load_cards(self, count: int | None) -> None:
        """Put ``count`` blank cards in the feeder (None: never runs out)."""
        with self._store.transaction(self.name) as state:
            state.advance(self._clock())
            state.cards_loaded = count
            state.resume(self._clock())

    def replace_ribbon(self) -> None:
        with self._store.transaction(self.name) as state:
            state.advance(self._clock())
            state.ribbon_remaining = state.ribbon_capacity
            state.resume(self._clock())

    def info(self) -> SimulatorInfo:
        with self._store.transaction(self.name) as state:
            state.advance(self._clock())
            return SimulatorInfo(
                name=self.name,
                faults=tuple(state.faults),
                state_reasons=tuple(state.reasons()),
                speed=state.speed,
                card_counter=state.card_counter,
                spoiled=state.spoiled,
                cards_loaded=state.cards_loaded,
                ribbon_remaining=state.ribbon_remaining,
                ribbon_capacity=state.ribbon_capacity,
            )

    def reset(self) -> None:
        """Forget this printer entirely (counters, jobs, faults)."""
        self._store.forget(self.name)


# -- the adapter ---------------------------------------------------------------------------------------
class SimulatorPrinter(PrinterAdapter):
    """The port implemented over a ``SimState``.

    ``speed`` is seconds per card; ``ribbon_capacity`` cards per ribbon and ``cards`` blank cards in the
    feeder (None: never run out). ``cards`` and a full ribbon are loaded only when the printer is first
    created; ``speed`` and ``ribbon_capacity`` are applied every time (they are settings, not state).
    """

    def __init__(
        self,
        name: str,
        *,
        state_dir: Path | str | None = None,
        speed: float = 0.0,
        ribbon_capacity: int | None = None,
        cards: int | None = None,
        formats: tuple[str, ...] = DEFAULT_FORMATS,
        dpi: tuple[int, ...] = (300,),
        duplex: bool = True,
        clock: Clock = time.time,
    ) -> None:
        self.name = check_name(name)
        self.control = SimulatorControl(name, state_dir=state_dir, clock=clock)
        self._store = store_for(state_dir)
        self._clock = clock
        self._capabilities = Capabilities(document_formats=formats, resolutions_dpi=dpi, duplex=duplex)
        with self._store.transaction(self.name) as state:
            if not state.configured:
                state.configured = True
                state.cards_loaded, state.ribbon_remaining = cards, ribbon_capacity
            state.advance(clock())
            state.speed, state.ribbon_capacity = speed, ribbon_capacity

    @contextmanager
    def _online(self) -> Iterator[SimState]:
        with self._store.transaction(self.name) as state:
            if "offline" in state.faults:
                raise PrinterUnavailable(
                    f"simulated printer {self.name} is offline", reasons=["offline-report"]
                )
            state.advance(self._clock())
            yield state

    def capabilities(self) -> Capabilities:
        with self._online():
            return self._capabilities

    def status(self) -> PrinterStatus:
        with self._online() as state:
            ribbon = Marker("Ribbon", "ink-ribbon", state.ribbon_percent(), LOW_PERCENT)
            return PrinterStatus(
                state=state.printer_state(),
                state_reasons=tuple(state.reasons()),
                markers=(ribbon,),
                card_counter=state.card_counter,
                message=", ".join(state.faults),
            )

    def _submit(self, job: Submission) -> SubmittedJob:
        require_format(self._capabilities, job.document_format, "simulated printer")
        with self._online() as state:
            if blocking := state.blocking():
                raise PrinterFault(f"simulated printer {self.name}: {', '.join(blocking)}", reasons=blocking)
            sim_job = state.submit(job.job_name, job.document_format, len(job.document), self._clock())
            return SubmittedJob(sim_job.job_id, JobState(sim_job.state), state.job_reasons(sim_job))

    def job_status(self, job_id: str) -> JobStatus:
        with self._online() as state:
            job = _job(state, job_id, self.name)
            done = None if job.completed_at is None else datetime.fromtimestamp(job.completed_at, UTC)
            return JobStatus(job.job_id, JobState(job.state), state.job_reasons(job), done)

    def cancel(self, job_id: str) -> None:
        with self._online() as state:
            state.cancel(_job(state, job_id, self.name), self._clock())


def _job(state: SimState, job_id: str, printer: str) -> SimJob:
    try:
        return state.jobs[job_id]
    except KeyError:
        raise JobNotFound(f"simulated printer {printer} knows no job {job_id!r}") from None


def check_name(name: str, *, field: str = "config.name") -> str:
    """``name`` if it can name a state file: letters, digits, '.', '_', '-' (never a path)."""
    if not _NAME.match(name) or name in (".", ".."):
        raise AdapterConfigInvalid(
            f"{field}: simulator name {name!r}: use letters, digits, '.', '_' or '-'", field=field
        )
    return name


def name_from(uri: str, config: Mapping[str, Any]) -> str:
    """The simulator's name: ``config["name"]``, else the host of ``simulator://NAME``."""
    if config.get("name"):
        return str(config["name"])
    parts = urlsplit(uri)
    if parts.scheme != "simulator" or not parts.netloc:
        raise AdapterConfigInvalid(f"simulator URI must look like simulator://NAME, not {uri!r}")
    return parts.netloc


def control_for(uri: str, config: Mapping[str, Any]) -> SimulatorControl:
    """The fault panel of the simulator that ``create_adapter("simulator", uri, config)`` drives."""
    return SimulatorControl(name_from(uri, config), state_dir=config.get("state_dir"))
