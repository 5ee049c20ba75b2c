"""The port's vocabulary helpers: IPP enums and state-reason keywords."""

from __future__ import annotations

import pytest

from printers.base import JobState, PrinterState, PrinterStatus, error_reasons, has_reason, reason_keyword


@pytest.mark.parametrize(
    ("number", "state"),
    [
        (3, JobState.PENDING),
        (4, JobState.PENDING_HELD),
        (5, JobState.PROCESSING),
        (6, JobState.PROCESSING_STOPPED),
        (7, JobState.CANCELED),
        (8, JobState.ABORTED),
        (9, JobState.COMPLETED),
    ],
)
def test_job_states_follow_rfc_8011_numbers(number: int, state: JobState) -> None:
    assert JobState.from_ipp(number) is state


def test_only_canceled_aborted_and_completed_are_terminal() -> None:
    assert {s for s in JobState if s.is_terminal} == {JobState.CANCELED, JobState.ABORTED, JobState.COMPLETED}


def test_printer_states_follow_rfc_8011_numbers() -> None:
    assert [PrinterState.from_ipp(n) for n in (3, 4, 5)] == ["idle", "processing", "stopped"]


def test_reasons_compare_without_their_severity_suffix() -> None:
    assert reason_keyword("media-jam-error") == "media-jam"
    assert reason_keyword("marker-supply-low-warning") == "marker-supply-low"
    assert reason_keyword("offline-report") == "offline"
    assert reason_keyword("paused") == "paused"
    assert has_reason(["cover-open-report", "media-jam-warning"], "media-jam")
    assert has_reason(["media-jam"], "media-jam-error")
    assert not has_reason(["media-jam-error"], "media-empty")  # a prefix is not a match


def test_only_error_reasons_stop_printing() -> None:
    status = PrinterStatus(
        state=PrinterState.STOPPED,
        state_reasons=("marker-supply-low-warning", "media-jam-error", "offline-report"),
    )
    assert status.errors == ("media-jam-error",)
    assert error_reasons(["media-low-report"]) == ()
