"""The month's reconciliation from the printing records, through the API: printer counters from the readings
inside the month (a printer that starts or is replaced mid-month, a missing reading named, not counted as a
difference), the partner's own count stored and shown, money received entry by entry with duplicates and
reversals refused as the issue says. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from ktp_service.lifecycle import JobStatus
from ktp_service.models import AuditEvent, CounterReading, Office, Printer, PrintJob, Resident
from tests.integration.printing.conftest import Counter, add_printer

MONTH = "2026-10"  # over: October 2026 in Asia/Jakarta is 2026-09-30T17:00Z .. 2026-10-31T17:00Z
B = "/api/v1/billing"


def at(day: int, hour: int = 3, month: int = 10, second: int = 0) -> datetime:
    """A moment in 2026 (UTC): ``at(5)`` is 5 October 10:00 WIB."""
    return datetime(2026, month, day, hour, 0, second, tzinfo=UTC)


def read(counter: Counter, printer_id: int, *readings: tuple[datetime, int]) -> None:
    with Session(counter.world.engine) as s:
        for when, value in readings:
            s.add(CounterReading(printer_id=printer_id, at=when, value=value, source="manual"))
        s.commit()


def cards(counter: Counter, printer_id: int, *moments: datetime) -> None:
    """Completed print jobs on ``printer_id`` at ``moments`` (test data written straight to the table)."""
    with Session(counter.world.engine) as s:
        resident = s.exec(select(Resident.id).where(Resident.nik == counter.nik)).one()
        office = s.exec(select(Printer.office_id).where(Printer.id == printer_id)).one()
        for when in moments:
            s.add(
                PrintJob(
                    uuid=str(uuid.uuid4()),
                    resident_id=resident,
                    printer_id=printer_id,
                    office_id=office,
                    reason="baru",
                    state=JobStatus.COMPLETED,
                    completed_at=when,
                )
            )
        s.commit()


def report(counter: Counter) -> dict[str, Any]:
    r = counter.client.get(f"{B}/periods/{MONTH}/reconciliation", headers=counter.as_user("finance"))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def counter_line(rec: dict[str, Any]) -> tuple[int, int, int, str, list[str]]:
    [line] = [x for x in rec["lines"] if x["item"] == "printer_counters"]
    return line["expected"], line["actual"], line["difference"], line["status"], line["missing"]


def test_a_printer_first_read_inside_the_month_counts_from_that_reading(counter: Counter) -> None:
    """The issue's case: 7 cards printed against readings 0 -> 7 of a printer new this month."""
    read(counter, counter.printer_id, (at(5), 0), (at(20), 7))
    cards(counter, counter.printer_id, *(at(6 + i) for i in range(7)))
    rec = report(counter)
    assert counter_line(rec) == (7, 7, 0, "match", [])
    [printer] = rec["counters"]
    assert (printer["printer_name"], printer["office_code"]) == ("Evolis-1", "33.14.01")
    assert (printer["start"], printer["end"], printer["start_basis"], printer["delta"], printer["cards"]) == (
        0,
        7,
        "first_in_month",
        7,
        7,
    )
    assert printer["status"] == "match"


def test_a_printer_replaced_mid_month(counter: Counter) -> None:
    old = counter.printer_id
    new = add_printer(counter.client, counter.as_user, "Evolis-2")
    swapped = add_printer(counter.client, counter.as_user, "Evolis-3")
    # the old printer is read at the swap and taken away; its successor starts from its first reading
    read(counter, old, (at(20, month=9), 100), (at(10), 104))
    cards(counter, old, at(2), at(4), at(6), at(9))
    read(counter, new, (at(11), 0), (at(30), 5))
    cards(counter, new, *(at(12 + i) for i in range(5)))
    # the same printer entry with its device exchanged: the counter starts again from 0
    read(counter, swapped, (at(1, month=9), 500), (at(8), 503), (at(9), 0), (at(31, hour=1), 2))
    cards(counter, swapped, at(2), at(3), at(7), at(10), at(11))
    rec = report(counter)
    assert counter_line(rec) == (14, 14, 0, "match", [])
    by_name = {c["printer_name"]: c for c in rec["counters"]}
    assert {n: (c["start_basis"], c["delta"], c["status"]) for n, c in by_name.items()} == {
        "Evolis-1": ("before_month", 4, "match"),
        "Evolis-2": ("first_in_month", 5, "match"),
        "Evolis-3": ("before_month", 5, "match"),
    }
    assert by_name["Evolis-3"]["restarts"] == [{"before": 503, "after": 0}]


def test_a_missing_reading_is_named_not_counted_as_a_difference(counter: Counter) -> None:
    c = counter
    never_read = c.printer_id
    cards(c, never_read, at(3), at(4), at(5))
    stale = add_printer(c.client, c.as_user, "Stale")  # read last month, printed this month, not read again
    read(c, stale, (at(25, month=9), 50))
    cards(c, stale, at(6), at(7))
    early = add_printer(c.client, c.as_user, "Early")  # read mid-month, then printed one more card
    read(c, early, (at(25, month=9), 10), (at(15), 12))
    cards(c, early, at(10), at(11), at(20))
    idle = add_printer(c.client, c.as_user, "Idle")  # read last month, nothing printed: counter unchanged
    read(c, idle, (at(25, month=9), 900))
    good = add_printer(c.client, c.as_user, "Good")
    read(c, good, (at(2), 0), (at(3), 2))
    cards(c, good, at(2, hour=5), at(2, hour=6))
    racing = add_printer(c.client, c.as_user, "Racing")  # the counter was read a second before the job
    read(c, racing, (at(2, hour=1), 0), (at(2, hour=2), 1))  # was marked completed: still consistent
    cards(c, racing, at(2, hour=2, second=1))
    rec = report(c)
    expected, actual, difference, status, missing = counter_line(rec)
    assert (expected, actual, difference, status) == (3, 3, 0, "missing")
    assert missing == ["Evolis-1 (33.14.01)", "Stale (33.14.01)", "Early (33.14.01)"]
    by_name = {
        p["printer_name"]: (p["start"], p["end"], p["delta"], p["cards"], p["status"])
        for p in rec["counters"]
    }
    assert by_name == {
        "Evolis-1": (None, None, None, 3, "missing"),
        "Stale": (50, None, None, 2, "missing"),
        "Early": (10, 12, 2, 3, "missing"),
        "Idle": (900, 900, 0, 0, "match"),
        "Good": (0, 2, 2, 2, "match"),
        "Racing": (0, 1, 1, 1, "match"),
    }
    assert rec["status"] == "provisional"
    # reading the counters closes the gap; until then finance may explain it
    r = c.client.post(
        f"{B}/periods/{MONTH}/explanations",
        json={"item": "printer_counters", "explanation": "printer Evolis-1 dipinjam, penghitung rusak"},
        headers=c.as_user("finance"),
    )
    assert r.status_code == 201, r.text
    assert counter_line(report(c))[3] == "explained"


# --- the partner's own count -------------------------------------------------------------------------------


def test_the_partner_enters_its_count_which_is_audited_and_shown(counter: Counter) -> None:
    c = counter
    partner, finance = c.as_user("partner.auditor"), c.as_user("finance")
    r = c.client.put(f"{B}/months/{MONTH}/partner-count", json={"cards": 5}, headers=finance)
    assert r.status_code == 403  # the partner's count is the partner's to enter
    r = c.client.put(
        f"{B}/months/{MONTH}/partner-count", json={"cards": 5, "note": "dari gudang"}, headers=partner
    )
    assert r.status_code == 200, r.text
    r = c.client.put(
        f"{B}/months/{MONTH}/partner-count", json={"cards": 0, "note": "dihitung ulang"}, headers=partner
    )
    body = r.json()
    assert body["current"]["cards"] == 0 and [h["cards"] for h in body["history"]] == [5, 0]
    assert body["current"]["author"] == "partner.auditor"
    assert c.client.get(f"{B}/months/{MONTH}/partner-count", headers=finance).json() == body
    assert (
        c.client.put(f"{B}/months/{MONTH}/partner-count", json={"cards": -1}, headers=partner).status_code
        == 422
    )
    rec = report(c)
    [line] = [x for x in rec["lines"] if x["item"] == "partner_count"]
    assert (line["expected"], line["actual"], line["status"]) == (0, 0, "match")
    assert rec["partner_count"] == {
        "cards": 0,
        "note": "dihitung ulang",
        "author": "partner.auditor",
        "recorded_at": body["current"]["recorded_at"],
        "revisions": 2,
    }
    with Session(c.world.engine) as s:
        audited = s.exec(select(AuditEvent).where(AuditEvent.action == "billing.partner_count")).all()
    assert [(e.username, e.detail["cards"], e.detail["previous"]) for e in audited] == [
        ("partner.auditor", 5, None),
        ("partner.auditor", 0, 5),
    ]
    # once the month is closed, every line matches and finance made the minutes, the count is fixed
    assert c.client.post(f"{B}/periods/{MONTH}/close", headers=finance).status_code == 200
    assert report(c)["status"] == "final"
    r = c.client.post(f"{B}/periods/{MONTH}/reconciliation/finalise", headers=finance)
    assert r.status_code == 201, r.text
    r = c.client.put(f"{B}/months/{MONTH}/partner-count", json={"cards": 1}, headers=partner)
    assert r.status_code == 409 and r.json()["error"] == "reconciliation_finalised"
    assert (
        r.json()["message"]
        == "Berita Acara rekonsiliasi 2026-10 sudah dibuat; rekonsiliasinya tidak dapat diubah lagi."
    )
    r = c.client.post(
        f"{B}/periods/{MONTH}/money-received",
        json={"office_code": "33.14.01", "day": "2026-10-30", "amount": 1, "reference": "STS-LATE"},
        headers=finance,
    )
    assert r.status_code == 409 and r.json()["error"] == "reconciliation_finalised"


# --- money received ----------------------------------------------------------------------------------------


def test_money_received_entry_by_entry_duplicates_refused_and_reversed(counter: Counter) -> None:
    c = counter
    finance = c.as_user("finance")
    url = f"{B}/periods/{MONTH}/money-received"
    r = c.client.post(
        url,
        json={"office_code": "33.14.01", "day": "2026-10-30", "amount": 30000, "reference": "STS-0091"},
        headers=finance,
    )
    assert r.status_code == 201, r.text
    first = r.json()
    assert (first["recorded_by"], first["reference"], first["amount"]) == ("finance", "STS-0091", 30000)
    assert "Kalijambe" in first["office_name"]  # the office by name beside its code
    again = {"office_code": "33.14.02", "day": "2026-10-31", "amount": 30000, "reference": " sts-0091"}
    r = c.client.post(url, json=again, headers=finance)
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "duplicate_payment_reference"
    assert r.json()["message"].startswith(
        f"Referensi pembayaran STS-0091 sudah dicatat pada entri #{first['id']} (33.14.01, 30-10-2026, Rp 30.000, "
        "oleh finance)."
    )
    r = c.client.post(url, json=again, headers=finance | {"Accept-Language": "en"})
    assert r.json()["message"].startswith(
        f"Payment reference STS-0091 is already recorded in entry #{first['id']}"
    )
    # the same refusal from a CSV import, naming the entry; nothing of the file is recorded
    csv_text = "office_code,date,amount,reference\n33.14.02,2026-10-29,5000,STS-0092\n33.14.02,2026-10-29,5000,STS-0091\n"
    r = c.client.post(
        f"{url}/import",
        files={"file": ("bank.csv", io.BytesIO(csv_text.encode()), "text/csv")},
        headers=finance,
    )
    assert r.status_code == 422 and r.json()["error"] == "import_rejected"
    assert r.json()["detail"][0]["message"] == (
        f"row 3: reference STS-0091 is already recorded (entry #{first['id']}: 33.14.01, 30-10-2026, Rp 30.000)"
    )
    assert len(c.client.get(url, headers=finance).json()) == 1

    # a reversal: audited, with its reason; not twice, and never of a reversal
    reverse = f"{B}/money-received/{first['id']}/reverse"
    assert c.client.post(reverse, json={"reason": ""}, headers=finance).status_code == 422
    r = c.client.post(reverse, json={"reason": "jumlah salah ketik"}, headers=finance)
    assert r.status_code == 201, r.text
    reversal = r.json()
    assert (
        reversal["amount"],
        reversal["reverses_id"],
        reversal["reverses_reference"],
        reversal["reason"],
    ) == (
        -30000,
        first["id"],
        "STS-0091",
        "jumlah salah ketik",
    )
    r = c.client.post(reverse, json={"reason": "sekali lagi"}, headers=finance)
    assert r.status_code == 409 and r.json()["error"] == "money_already_reversed"
    r = c.client.post(
        f"{B}/money-received/{reversal['id']}/reverse", json={"reason": "batal"}, headers=finance
    )
    assert r.status_code == 409 and r.json()["error"] == "reversal_not_reversible"
    assert f"Entri #{reversal['id']} adalah pembatalan entri #{first['id']}" in r.json()["message"]
    r = c.client.post(f"{B}/money-received/999999/reverse", json={"reason": "tidak ada"}, headers=finance)
    assert r.status_code == 404
    # the slip, reversed, is recorded again with the right amount
    right = {"office_code": "33.14.01", "day": "2026-10-30", "amount": 20000, "reference": "STS-0091"}
    assert c.client.post(url, json=right, headers=finance).status_code == 201
    listed = c.client.get(url, headers=finance).json()
    assert [(e["amount"], e["reverses_id"], e["reversed_by_id"]) for e in listed] == [
        (30000, None, reversal["id"]),
        (-30000, first["id"], None),
        (20000, None, None),
    ]
    money = {m["office_code"]: m["received"] for m in report(c)["money"]}
    assert money == {"33.14.01": 20000}
    with Session(c.world.engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.entity == "money_received"))]
    assert actions == ["billing.money", "billing.money.reverse", "billing.money"]


def test_money_received_dates_and_offices_are_checked(counter: Counter) -> None:
    from zoneinfo import ZoneInfo

    c = counter
    finance = c.as_user("finance")
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    month = f"{today:%Y-%m}"
    url = f"{B}/periods/{month}/money-received"
    r = c.client.post(
        url, json={"office_code": "33.14.01", "amount": 1000, "reference": "STS-T1"}, headers=finance
    )
    assert r.status_code == 201, r.text
    assert r.json()["day"] == today.isoformat()  # today in the regency's zone by default
    tomorrow = today + timedelta(days=1)
    if f"{tomorrow:%Y-%m}" == month:
        r = c.client.post(
            url, json={"office_code": "33.14.01", "day": tomorrow.isoformat(), "amount": 1}, headers=finance
        )
        assert r.status_code == 422 and "future" in r.json()["message"]
    r = c.client.post(url, json={"office_code": "33.99.99", "amount": 1}, headers=finance)
    assert r.status_code == 422 and r.json()["error"] == "unknown_office"
    assert r.json()["message"] == "Kantor 33.99.99 tidak terdaftar di layanan ini."
    with Session(c.world.engine) as s:
        assert s.exec(select(Office.code).where(Office.code == "33.99.99")).first() is None
