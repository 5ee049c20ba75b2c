"""The card's last step (issue 15): handover to the resident or a proxy, the old card collected for a
replacement, cards not collected, residents who died or moved away. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select, update

from ktp_service.models import AuditEvent, Card, Handover, utcnow
from tests.integration.printing.conftest import CLERK, SUPERVISOR, Counter

EN = {"Accept-Language": "en"}


def printed(counter: Counter, reason: str = "baru") -> dict[str, Any]:
    """A card for the counter's resident, printed (a second card approved by the supervisor first)."""
    r = counter.print_card(reason)
    assert r.status_code == 201, r.text
    job = r.json()
    if job["state"] == "pending-held":
        r = counter.client.post(
            f"/api/v1/print-jobs/{job['id']}/approve", json={}, headers=counter.as_user(SUPERVISOR)
        )
        assert r.status_code == 200, r.text
    counter.worker.run_once()
    done = counter.job(job["id"])
    assert done["state"] == "completed", done
    return done


def hand_over(
    counter: Counter, job_id: str, user: str = CLERK, headers: dict[str, str] | None = None, **body: Any
) -> Any:
    return counter.client.post(
        f"/api/v1/print-jobs/{job_id}/handover", json=body, headers=counter.as_user(user) | (headers or {})
    )


def test_a_card_is_handed_over_once(counter: Counter) -> None:
    job = printed(counter)
    r = hand_over(counter, job["id"])
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["card_serial"] == job["card_serial"] and got["recipient"] == "penduduk"
    assert got["old_card_serial"] is None
    token = got["survey_url"].rsplit("/s/", 1)[1]
    assert len(token) == 22  # 128 random bits
    assert (
        counter.client.get(f"/api/v1/print-jobs/{job['id']}/handover", headers=counter.as_user(CLERK)).json()
        == got
    )

    again = hand_over(counter, job["id"])
    assert again.status_code == 409 and again.json()["error"] == "card_already_handed_over"
    assert again.json()["message"] == (
        f"Kartu {job['card_serial']} sudah diserahkan; penyerahan tidak dicatat dua kali."
    )
    en = hand_over(counter, job["id"], headers=EN)
    assert en.json()["message"].startswith(f"Card {job['card_serial']} was already handed over")
    with Session(counter.world.engine) as s:
        assert len(list(s.exec(select(Handover)))) == 1
        events = list(s.exec(select(AuditEvent).where(AuditEvent.action == "card.handover")))
    assert [(e.username, e.entity_id, e.office_code) for e in events] == [(CLERK, job["id"], "33.14.01")]


def test_a_card_not_printed_is_not_handed_over(counter: Counter) -> None:
    job = counter.print_card().json()
    r = hand_over(counter, job["id"])
    assert r.status_code == 409 and r.json()["error"] == "card_not_printed"
    assert "hanya kartu yang sudah tercetak" in r.json()["message"]
    missing = counter.client.get(f"/api/v1/print-jobs/{job['id']}/handover", headers=counter.as_user(CLERK))
    assert missing.status_code == 404 and missing.json()["error"] == "handover_not_found"


def test_handover_to_a_proxy_needs_name_nik_and_relation(counter: Counter) -> None:
    job = printed(counter)
    r = hand_over(counter, job["id"], recipient="kuasa", proxy_name="Siti Aminah")
    assert r.status_code == 422, r.text
    r = hand_over(
        counter, job["id"], recipient="kuasa", proxy_name="Siti Aminah", proxy_nik="33140141058500０1",
        proxy_relation="istri",
    )  # fmt: skip
    assert r.status_code == 422, r.text  # a full-width digit is not a NIK
    r = hand_over(
        counter, job["id"], recipient="kuasa", proxy_name="Siti Aminah", proxy_nik="3314014105850001",
        proxy_relation="istri", proxy_letter="SK/12/2026",
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["proxy_name"] == "SITI AMINAH" and r.json()["proxy_relation"] == "istri"


def test_a_replacement_needs_the_old_card_collected_and_the_replaced_card_is_not_handed_over(
    counter: Counter,
) -> None:
    first = printed(counter)
    second = printed(counter, "rusak")
    # the first card was never collected and is now invalid: it is not handed over
    r = hand_over(counter, first["id"])
    assert r.status_code == 409 and r.json()["error"] == "card_not_valid"
    r = hand_over(counter, second["id"])
    assert r.status_code == 422 and r.json()["error"] == "old_card_not_collected"
    assert first["card_serial"] in r.json()["message"] and "musnahkan" in r.json()["message"]
    r = hand_over(counter, second["id"], old_card_destroyed=True)
    assert r.status_code == 201, r.text
    assert r.json()["old_card_serial"] == first["card_serial"]
    with Session(counter.world.engine) as s:
        row = s.exec(select(Handover)).one()
    assert row.old_card_destroyed_at is not None


def test_a_lost_card_is_replaced_without_collecting_it(counter: Counter) -> None:
    first = printed(counter)
    assert hand_over(counter, first["id"]).status_code == 201
    second = printed(counter, "hilang")
    r = hand_over(counter, second["id"])
    assert r.status_code == 201, r.text
    assert r.json()["old_card_serial"] is None


def test_uncollected_cards_are_listed_per_office(counter: Counter) -> None:
    job = printed(counter)
    url = "/api/v1/offices/33.14.01/uncollected"
    assert counter.client.get(url, headers=counter.as_user(CLERK)).json()["count"] == 0  # printed today
    with Session(counter.world.engine) as s:
        s.exec(update(Card).values(issued_at=utcnow() - timedelta(days=20)))
        s.commit()
    got = counter.client.get(url, headers=counter.as_user(SUPERVISOR)).json()
    assert got["older_than_days"] == 14 and got["count"] == 1
    assert got["cards"][0]["card_serial"] == job["card_serial"] and got["cards"][0]["days_waiting"] == 20
    assert counter.client.get(url + "?days=30", headers=counter.as_user(CLERK)).json()["count"] == 0
    assert counter.client.get(url, headers=counter.as_user("admin")).json()["count"] == 1
    other = counter.client.get("/api/v1/offices/33.14.02/uncollected", headers=counter.as_user(CLERK))
    assert other.status_code == 404  # a clerk sees their own office only
    assert hand_over(counter, job["id"]).status_code == 201
    assert counter.client.get(url, headers=counter.as_user(CLERK)).json()["count"] == 0


def _depart(counter: Counter, kind: str = "meninggal", number: str = "3314-KM-01022026-0001") -> Any:
    return counter.client.post(
        f"/api/v1/residents/{counter.nik}/departure",
        json={"kind": kind, "document_number": number, "document_date": "2026-11-20"},
        headers=counter.as_user(CLERK),
    )


def test_a_deceased_resident_loses_their_card_and_gets_no_new_one(counter: Counter) -> None:
    job = printed(counter)
    r = _depart(counter)
    assert r.status_code == 201, r.text
    assert r.json()["invalidated_card"] == job["card_serial"]
    with Session(counter.world.engine) as s:
        card = s.exec(select(Card)).one()
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]
    assert card.valid is False and card.invalidated_at is not None
    assert "resident.departure" in actions

    refused = counter.print_card("hilang")
    assert refused.status_code == 409 and refused.json()["error"] == "resident_deceased"
    assert refused.json()["message"] == (
        "Penduduk ini tercatat meninggal dunia (akta kematian nomor 3314-KM-01022026-0001); KTP tidak dapat "
        "dicetak."
    )
    assert "recorded as deceased" in counter.print_card("hilang", **EN).json()["message"]
    # the card, now invalid, is not handed over either
    assert hand_over(counter, job["id"]).json()["error"] == "card_not_valid"
    again = _depart(counter, "pindah", "SKPWNI/2026/77")
    assert again.status_code == 409 and again.json()["error"] == "departure_already_recorded"


def test_a_resident_who_moved_away_gets_no_card(counter: Counter) -> None:
    assert _depart(counter, "pindah", "SKPWNI/3314/2026/77").json()["invalidated_card"] is None
    r = counter.print_card()
    assert r.status_code == 409 and r.json()["error"] == "resident_moved_away"
    assert "pindah keluar kabupaten (surat pindah nomor SKPWNI/3314/2026/77)" in r.json()["message"]


def test_no_departure_while_a_card_is_in_progress(counter: Counter) -> None:
    job = counter.print_card().json()
    r = _depart(counter)
    assert r.status_code == 409 and r.json()["error"] == "departure_card_in_progress"
    assert job["id"] in r.json()["message"]
    bad = counter.client.post(
        f"/api/v1/residents/{counter.nik}/departure",
        json={"kind": "hilang", "document_number": "X-1", "document_date": "2026-11-20"},
        headers=counter.as_user(CLERK),
    )
    assert bad.status_code == 422
