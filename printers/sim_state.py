"""The simulated printer itself: its jobs, supplies, faults and counters as one JSON-able ``SimState``, and
how time moves it on. Pure: no files, locks or clocks (time comes in as ``now``); where a state is kept is
``printers.sim_store``'s business and the port around it is ``printers.simulator``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from printers.base import JobState, PrinterState, error_reasons

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
_ACTIVE = (JobState.PENDING, JobState.PROCESSING, JobState.PROCESSING_STOPPED)


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
