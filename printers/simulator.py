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

Where the state lives (one design, two stores): the whole printer is a small JSON-able ``SimState``
changed only inside a transaction.

* Without ``state_dir`` it lives in this process, in a module-level bank keyed by printer name
  (:func:`control_for` reaches it). Enough for ``ktp serve`` running its own worker, and for tests.
* With ``state_dir`` it lives in ``<state_dir>/<name>.json``, changed under an exclusive ``flock`` on
  ``<name>.lock`` and replaced atomically, so ``ktp serve`` (setting faults) and ``ktp worker``
  (printing) in separate processes see one printer. Jobs then survive a restart of either process.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from printers.base import (
    Capabilities,
    JobState,
    JobStatus,
    Marker,
    PrinterState,
    PrinterStatus,
    SubmittedJob,
    error_reasons,
)
from printers.errors import (
    AdapterConfigInvalid,
    FormatNotSupported,
    JobNotFound,
    PrinterFault,
    PrinterUnavailable,
)

FAULTS: dict[str, str] = {
    "jam": "media-jam-error",
    "ribbon-out": "marker-supply-empty-error",
    "ribbon-low": "marker-supply-low-warning",
    "feeder-empty": "media-empty-error",
    "cover-open": "cover-open-error",
    "output-full": "output-area-full-error",
    "offline": "offline-report",
}
LOW_PERCENT = 10  # ribbon at or below this share of its capacity reports marker-supply-low
LOW_CARDS = 10  # this many blank cards or fewer reports media-low
KEEP_FINISHED_JOBS = 100  # older finished jobs are forgotten (job_status then raises JobNotFound)
DEFAULT_FORMATS = ("image/png", "application/pdf", "image/jpeg")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_ACTIVE = (JobState.PENDING, JobState.PROCESSING, JobState.PROCESSING_STOPPED)

Clock = Callable[[], float]


@dataclass
class SimJob:
    job_id: str
    job_name: str
    document_format: str
    size: int
    submitted_at: float
    state: str = JobState.PENDING.value
    reasons: list[str] = field(default_factory=list)
    started_at: float | None = None
    completed_at: float | None = None


@dataclass
class SimState:
    """Everything about one simulated printer. Pure: time comes in as ``now`` (seconds since the epoch)."""

    configured: bool = False  # supplies loaded from the adapter's config once, when first created
    speed: float = 0.0
    ribbon_capacity: int | None = None
    ribbon_remaining: int | None = None
    cards_loaded: int | None = None  # blank cards in the feeder; None means never runs out
    card_counter: int = 0
    spoiled: int = 0
    faults: list[str] = field(default_factory=list)
    next_job: int = 1
    free_at: float = 0.0  # the earliest time the next card may start
    jobs: dict[str, SimJob] = field(default_factory=dict)

    # -- reading ---------------------------------------------------------------------------------------
    def reasons(self) -> list[str]:
        found = [FAULTS[fault] for fault in self.faults if fault != "offline"]
        if self.ribbon_remaining is not None and self.ribbon_capacity:
            if self.ribbon_remaining <= 0:
                found.append("marker-supply-empty-error")
            elif self.ribbon_remaining * 100 <= self.ribbon_capacity * LOW_PERCENT:
                found.append("marker-supply-low-warning")
        if self.cards_loaded is not None:
            if self.cards_loaded <= 0:
                found.append("media-empty-error")
            elif self.cards_loaded <= LOW_CARDS:
                found.append("media-low-report")
        return list(dict.fromkeys(found))

    def blocking(self) -> tuple[str, ...]:
        return error_reasons(self.reasons())

    def printer_state(self) -> PrinterState:
        if self.blocking():
            return PrinterState.STOPPED
        if any(job.state == JobState.PROCESSING for job in self.jobs.values()):
            return PrinterState.PROCESSING
        return PrinterState.IDLE

    def job_reasons(self, job: SimJob) -> tuple[str, ...]:
        if job.state in _ACTIVE and self.blocking():
            return ("printer-stopped", *self.blocking())
        return tuple(job.reasons)

    def ribbon_percent(self) -> int | None:
        if self.ribbon_remaining is None or not self.ribbon_capacity:
            return None
        return max(0, self.ribbon_remaining * 100 // self.ribbon_capacity)

    # -- time ------------------------------------------------------------------------------------------
    def advance(self, now: float) -> None:
        """Print whatever the printer would have printed by ``now``, one card after the other."""
        for job in [job for job in self.jobs.values() if job.state in _ACTIVE]:
            if self.blocking():
                return
            if job.started_at is None:
                job.started_at = max(self.free_at, job.submitted_at)
            done_at = job.started_at + self.speed
            if done_at > now:
                job.state = JobState.PROCESSING.value
                return
            self._feed_card()
            job.state, job.reasons = JobState.COMPLETED.value, ["job-completed-successfully"]
            job.completed_at = self.free_at = done_at

    # -- changes ---------------------------------------------------------------------------------------
    def submit(self, job_name: str, document_format: str, size: int, now: float) -> SimJob:
        job = SimJob(str(self.next_job), job_name, document_format, size, submitted_at=now)
        self.next_job += 1
        self.jobs[job.job_id] = job
        self.advance(now)
        self._forget_old_jobs()
        return job

    def set_fault(self, fault: str, now: float) -> None:
        self.advance(now)
        reason = FAULTS[fault]
        current = self._current()
        if current is not None and fault == "jam":
            self._end_with_spoiled_card(current, JobState.ABORTED, ["aborted-by-system", reason], now)
        elif current is not None and reason.endswith("-error"):
            current.state, current.started_at = JobState.PROCESSING_STOPPED.value, None
        if fault not in self.faults:
            self.faults.append(fault)

    def clear_fault(self, fault: str | None, now: float) -> None:
        self.advance(now)
        self.faults = [] if fault is None else [f for f in self.faults if f != fault]
        self.resume(now)

    def cancel(self, job: SimJob, now: float) -> None:
        self.advance(now)
        if job.state not in _ACTIVE:
            return
        reasons = ["job-canceled-by-user"]
        if job.started_at is not None or job.state == JobState.PROCESSING_STOPPED:
            self._end_with_spoiled_card(job, JobState.CANCELED, reasons, now)  # the card is ejected
        else:
            job.state, job.reasons, job.completed_at = JobState.CANCELED.value, reasons, now
        self.resume(now)

    def resume(self, now: float) -> None:
        """After a fault cleared, a refill or a cancel: cards that waited start again from ``now``.
        The caller has already advanced to ``now``; nothing could start before it."""
        if self.blocking():
            return
        self.free_at = max(self.free_at, now)
        for job in self.jobs.values():
            if job.state == JobState.PROCESSING_STOPPED:
                job.state, job.started_at = JobState.PENDING.value, None
        self.advance(now)

    # -- helpers ---------------------------------------------------------------------------------------
    def _current(self) -> SimJob | None:
        return next((job for job in self.jobs.values() if job.state == JobState.PROCESSING), None)

    def _feed_card(self) -> None:
        self.card_counter += 1
        if self.cards_loaded is not None:
            self.cards_loaded -= 1
        if self.ribbon_remaining is not None:
            self.ribbon_remaining -= 1

    def _end_with_spoiled_card(self, job: SimJob, state: JobState, reasons: list[str], now: float) -> None:
        self._feed_card()
        self.spoiled += 1
        job.state, job.reasons, job.completed_at = state.value, reasons, now
        self.free_at = max(self.free_at, now)

    def _forget_old_jobs(self) -> None:
        finished = [job_id for job_id, job in self.jobs.items() if job.state not in _ACTIVE]
        for job_id in finished[: max(0, len(finished) - KEEP_FINISHED_JOBS)]:
            del self.jobs[job_id]

    # -- persistence -----------------------------------------------------------------------------------
    def to_json(self) -> str:
        # vars() rather than dataclasses.asdict: asdict deep-copies every job and was 90 % of a call
        data = {**vars(self), "jobs": {job_id: vars(job) for job_id, job in self.jobs.items()}}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> SimState:
        data = json.loads(text)
        data["jobs"] = {job_id: SimJob(**job) for job_id, job in data["jobs"].items()}
        return cls(**data)


# -- where states live ---------------------------------------------------------------------------------
class _Store(Protocol):
    def transaction(self, name: str) -> AbstractContextManager[SimState]: ...


class _MemoryStore:
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


class _FileStore:
    """States shared between processes: one JSON file per printer, changed under an exclusive flock."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @contextmanager
    def transaction(self, name: str) -> Iterator[SimState]:
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
                tmp.write_text(after)
                os.replace(tmp, path)

    def forget(self, name: str) -> None:
        (self.directory / f"{name}.json").unlink(missing_ok=True)


_BANK = _MemoryStore()


def _store(state_dir: Path | str | None) -> _MemoryStore | _FileStore:
    return _BANK if state_dir is None else _FileStore(Path(state_dir))


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
        self.name = _check_name(name)
        self._store = _store(state_dir)
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
class SimulatorPrinter:
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
        self.name = _check_name(name)
        self.control = SimulatorControl(name, state_dir=state_dir, clock=clock)
        self._store = _store(state_dir)
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

    def submit(
        self,
        document: bytes,
        *,
        document_format: str,
        job_name: str,
        options: Mapping[str, str | int] | None = None,
    ) -> SubmittedJob:
        if not self._capabilities.supports_format(document_format):
            raise FormatNotSupported(f"simulated printer does not accept {document_format}")
        with self._online() as state:
            if blocking := state.blocking():
                raise PrinterFault(f"simulated printer {self.name}: {', '.join(blocking)}", reasons=blocking)
            job = state.submit(job_name, document_format, len(document), self._clock())
            return SubmittedJob(job.job_id, JobState(job.state), state.job_reasons(job))

    def job_status(self, job_id: str) -> JobStatus:
        with self._online() as state:
            job = _job(state, job_id, self.name)
            done = None if job.completed_at is None else datetime.fromtimestamp(job.completed_at, UTC)
            return JobStatus(job.job_id, JobState(job.state), state.job_reasons(job), done)

    def cancel(self, job_id: str) -> None:
        with self._online() as state:
            state.cancel(_job(state, job_id, self.name), self._clock())

    def close(self) -> None:
        pass


def _job(state: SimState, job_id: str, printer: str) -> SimJob:
    try:
        return state.jobs[job_id]
    except KeyError:
        raise JobNotFound(f"simulated printer {printer} knows no job {job_id!r}") from None


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise AdapterConfigInvalid(f"simulator name {name!r}: use letters, digits, '.', '_' or '-'")
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
