"""The print job's state machine, walked as a table: every transition from every state, allowed or refused.

The expected table is written out here, not read from :mod:`ktp_service.lifecycle`, so a change to the
machine has to be made in both places on purpose."""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ktp_service import lifecycle
from ktp_service.lifecycle import JobStatus as S
from ktp_service.messages import Message
from ktp_service.models import PrintJob

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MSG = Message("printer_unreachable", {"printer": "kalijambe-1"})

CALLS: dict[str, Callable[[PrintJob], object]] = {
    "claim": lambda j: lifecycle.claim(j, "worker-1", NOW),
    "start_sending": lambda j: lifecycle.start_sending(j, NOW),
    "record_receipt": lambda j: lifecycle.record_receipt(j, "ipp-7", ["none"], NOW),
    "retry_later": lambda j: lifecycle.retry_later(j, NOW, ["media-empty-error"], MSG),
    "release": lifecycle.release,
    "report_progress": lambda j: lifecycle.report_progress(j, stopped=True, reasons=["media-jam-error"]),
    "lose_contact": lambda j: lifecycle.lose_contact(j, MSG),
    "need_confirmation": lambda j: lifecycle.need_confirmation(j, MSG),
    "approve": lambda j: lifecycle.approve(j, 2),
    "refuse": lambda j: lifecycle.refuse(j, "foto tidak sesuai"),
    "cancel": lifecycle.cancel,
    "complete": lambda j: lifecycle.complete(j, NOW),
    "abort": lambda j: lifecycle.abort(j, ["media-jam-error"], MSG, spoiled=True),
    "canceled_at_printer": lambda j: lifecycle.canceled_at_printer(j, ["job-canceled-at-device"]),
    "confirm_spoiled": lifecycle.confirm_spoiled,
    "reprint": lifecycle.check_reprintable,
    "make_due": lambda j: lifecycle.make_due(j, NOW, MSG, clear_reasons=True),
    "move": lambda j: lifecycle.move(j, 2, MSG),
    "hand_to_agent": lambda j: lifecycle.hand_to_agent(j, 7, NOW),
    "agent_acknowledge": lambda j: lifecycle.agent_acknowledge(j, 7, NOW),
    "agent_printing": lambda j: lifecycle.agent_printing(j, 7, NOW),
}

AT_PRINTER = {S.PROCESSING, S.PROCESSING_STOPPED}
# transition -> {state it may start from: state it ends in}; every other state is refused.
ALLOWED: dict[str, dict[S, S]] = {
    "claim": {S.PENDING: S.PROCESSING},
    "start_sending": {S.PROCESSING: S.PROCESSING},
    "record_receipt": {s: s for s in AT_PRINTER},
    "retry_later": {S.PROCESSING: S.PENDING},
    "release": {S.PROCESSING: S.PENDING},
    "report_progress": dict.fromkeys(AT_PRINTER, S.PROCESSING_STOPPED),
    "lose_contact": {s: s for s in AT_PRINTER},
    "need_confirmation": dict.fromkeys(AT_PRINTER, S.NEEDS_CONFIRMATION),
    "approve": {S.PENDING_HELD: S.PENDING},
    "refuse": {S.PENDING_HELD: S.CANCELED},
    "cancel": {S.PENDING: S.CANCELED, S.PENDING_HELD: S.CANCELED},
    "complete": {
        S.PROCESSING: S.COMPLETED,
        S.PROCESSING_STOPPED: S.COMPLETED,
        S.NEEDS_CONFIRMATION: S.COMPLETED,
    },
    "abort": dict.fromkeys(AT_PRINTER, S.ABORTED),
    "canceled_at_printer": dict.fromkeys(AT_PRINTER, S.CANCELED),
    "confirm_spoiled": {S.NEEDS_CONFIRMATION: S.ABORTED},
    "reprint": {S.ABORTED: S.ABORTED},
    "make_due": {S.PENDING: S.PENDING},
    "move": {S.PENDING: S.PENDING, S.PENDING_HELD: S.PENDING_HELD},
    "hand_to_agent": {S.PENDING: S.PROCESSING},
    "agent_acknowledge": {s: s for s in AT_PRINTER},
    "agent_printing": {s: s for s in AT_PRINTER},
}
REFUSAL: dict[str, type[lifecycle.TransitionRefused]] = {
    "claim": lifecycle.JobNotClaimable,
    "start_sending": lifecycle.JobAlreadySent,
    "record_receipt": lifecycle.JobNotAtPrinter,
    "retry_later": lifecycle.JobAlreadySent,
    "release": lifecycle.JobAlreadySent,
    "report_progress": lifecycle.JobNotAtPrinter,
    "lose_contact": lifecycle.JobNotAtPrinter,
    "need_confirmation": lifecycle.JobNotAtPrinter,
    "approve": lifecycle.JobNotHeld,
    "refuse": lifecycle.JobNotHeld,
    "cancel": lifecycle.JobNotCancelable,
    "complete": lifecycle.JobNotCompletable,
    "abort": lifecycle.JobNotAtPrinter,
    "canceled_at_printer": lifecycle.JobNotAtPrinter,
    "confirm_spoiled": lifecycle.JobNotAwaitingConfirmation,
    "reprint": lifecycle.JobNotReprintable,
    "make_due": lifecycle.JobNotWaiting,
    "move": lifecycle.JobNotMovable,
    "hand_to_agent": lifecycle.JobNotFetchable,
    "agent_acknowledge": lifecycle.JobNotWithAgent,
    "agent_printing": lifecycle.JobNotWithAgent,
}


def _job(state: S) -> PrintJob:
    # A spoiled card (reprint's precondition); never sent (start_sending's and release's).
    return PrintJob(
        uuid="job-1",
        resident_id=1,
        printer_id=1,
        office_id=1,
        reason="baru",
        state=state,
        spoiled=True,
        agent_id=7,  # held by agent 7 (the agent transitions' precondition beside the state)
    )


CASES = [(name, state) for name in CALLS for state in S]


@pytest.mark.parametrize(("name", "state"), CASES, ids=[f"{n}-from-{s}" for n, s in CASES])
def test_every_transition_from_every_state(name: str, state: S) -> None:
    job = _job(state)
    expected = ALLOWED[name].get(state)
    if state == S.COMPLETED and name == "complete":
        assert lifecycle.complete(job, NOW) is False  # a second report of one completion changes nothing
        assert job.state == S.COMPLETED
        return
    if expected is None:
        with pytest.raises(REFUSAL[name]) as refused:
            CALLS[name](job)
        assert job.state == state, "a refused transition leaves the job where it was"
        assert refused.value.params == {"job": "job-1", "state": str(state)}
        assert refused.value.status_code == 409
        return
    CALLS[name](job)
    assert job.state == expected


def test_each_refusal_has_its_own_code() -> None:
    codes = [cls.code for cls in set(REFUSAL.values())]
    assert len(codes) == len(set(codes))


def test_a_card_sent_is_never_sent_again_or_requeued() -> None:
    job = _job(S.PENDING)
    lifecycle.claim(job, "worker-1", NOW)
    lifecycle.start_sending(job, NOW)
    with pytest.raises(lifecycle.JobAlreadySent):
        lifecycle.start_sending(job, NOW)
    with pytest.raises(lifecycle.JobAlreadySent):
        lifecycle.release(job)
    lifecycle.record_receipt(job, "ipp-7", [], NOW)
    with pytest.raises(lifecycle.JobAlreadySent):
        lifecycle.retry_later(job, NOW, [], MSG)
    assert job.state == S.PROCESSING and job.attempts == 1


def test_cancel_at_the_printer_is_asked_not_done() -> None:
    job = _job(S.PROCESSING)
    with pytest.raises(lifecycle.JobNotCancelable):
        lifecycle.cancel(job)  # not sent yet: the worker owns it until it is sent or requeued
    job.printer_job_id = "ipp-7"
    assert lifecycle.cancel(job) is False
    assert job.state == S.PROCESSING and job.cancel_requested and job.message_code == "cancel_requested"


def test_an_agent_job_is_bound_to_the_agent_that_fetched_it() -> None:
    job = _job(S.PENDING)
    job.agent_id = None
    lifecycle.hand_to_agent(job, 7, NOW)
    assert (job.agent_id, job.claimed_by, job.lease_until, job.attempts) == (7, "agent:7", None, 1)
    with pytest.raises(lifecycle.JobNotFetchable):
        lifecycle.hand_to_agent(job, 8, NOW)  # never handed to a second agent
    with pytest.raises(lifecycle.JobNotWithAgent):
        lifecycle.agent_acknowledge(job, 8, NOW)
    with pytest.raises(lifecycle.JobNotWithAgent):
        lifecycle.agent_printing(job, 8, NOW)
    lifecycle.agent_acknowledge(job, 7, NOW)
    lifecycle.agent_printing(job, 7, NOW)
    assert job.agent_acknowledged_at == NOW and job.submit_started_at == NOW and job.state == S.PROCESSING


def test_a_reprint_needs_a_spoiled_card() -> None:
    job = _job(S.ABORTED)
    job.spoiled = False
    with pytest.raises(lifecycle.JobNotReprintable):
        lifecycle.check_reprintable(job)


def test_a_moved_job_is_due_at_once_on_its_new_printer() -> None:
    job = _job(S.PENDING)
    job.next_attempt_at, job.state_reasons = NOW, ["media-jam-error"]
    lifecycle.move(job, 2, MSG)
    assert (job.printer_id, job.next_attempt_at, job.state_reasons) == (2, None, [])
    assert job.message_code == MSG.code
    held = _job(S.PENDING_HELD)
    lifecycle.set_message(held, Message("awaiting_approval"))
    lifecycle.move(held, 2, MSG)
    assert held.message_code == "awaiting_approval", "a held job still says it waits for the supervisor"


def test_make_due_keeps_or_clears_what_held_the_job() -> None:
    job = _job(S.PENDING)
    job.state_reasons = ["media-jam-error"]
    lifecycle.make_due(job, NOW, MSG, clear_reasons=False)
    assert job.next_attempt_at == NOW and job.state_reasons == ["media-jam-error"]
    lifecycle.make_due(job, NOW, MSG, clear_reasons=True)
    assert job.state_reasons == []


def test_messages_are_codes() -> None:
    job = _job(S.PENDING_HELD)
    lifecycle.refuse(job, "foto buram")
    assert (job.message_code, job.message_params) == ("refused_by_supervisor", {"note": "foto buram"})


PACKAGE = Path(lifecycle.__file__).parent


def _state_writes(path: Path) -> list[int]:
    """Lines of ``path`` that assign an attribute named ``state`` (``job.state = ...``)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            elements = target.elts if isinstance(target, ast.Tuple) else [target]
            lines += [e.lineno for e in elements if isinstance(e, ast.Attribute) and e.attr == "state"]
    return lines


def test_nothing_but_the_lifecycle_writes_a_job_state() -> None:
    writes = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "lifecycle.py" and "migrations" not in path.parts and (found := _state_writes(path))
    }
    assert writes == {}
    assert _state_writes(PACKAGE / "lifecycle.py"), "the scan finds the lifecycle's own writes"


def test_each_error_code_names_one_refusal() -> None:
    """Two classes sharing a code would make a client unable to tell two refusals apart."""
    from billing.errors import BillingError
    from ktp_service.api.error_codes import _classes
    from ktp_service.cards import CardError
    from ktp_service.errors import DomainError
    from ktp_service.main import create_app  # noqa: F401 - imports every module that defines a refusal

    owners: dict[str, list[str]] = {}
    for base in (DomainError, BillingError, CardError):
        for cls in (base, *_classes(base)):
            owners.setdefault(f"{cls.code}/{cls.status_code}", []).append(cls.__qualname__)  # type: ignore[attr-defined]
    shared = {code: names for code, names in owners.items() if len(names) > 1}
    assert shared == {}
