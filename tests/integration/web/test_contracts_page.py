"""The contracts page (issue 12) and the contract API's answers (issue 11), without a browser: shares typed
as percent or rupiah, fixed or tiered, checked in words before saving, the PPN collector, refusals in
Indonesian next to their field; a share above the fee refused by the API with its code; the statement's
rounding rows and PPN withheld in the API's JSON. SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from billing.posting import post_events
from ktp_service.billing_bridge import config_for
from ktp_service.settings import Settings
from tests.conftest import World
from tests.integration.web.test_pages import _csrf, login
from tests.unit.billing.factories import contract_data, event

B = "/api/v1/billing"


def _form(token: str, **overrides: str) -> dict[str, str]:
    form = {
        "csrf_token": token,
        "number": "031/PKS/2026",
        "partner_name": "PT Kartu Nusantara",
        "signed_on": "15-10-2026",
        "effective_from": "01-11-2026",
        "effective_to": "",
        "rounding": "per_card",
        "share_kind": "tiers",
        "share": "",
        "tier_up_to_1": "1.000",
        "tier_share_1": "Rp 3.000",
        "tier_up_to_2": "",
        "tier_share_2": "2.500",
        "pph23": "2 %",
        "pkp": "1",
        "ppn_collector": "bendahara",
        "action": "save",
    }
    for reason in ("baru", "hilang", "rusak", "perubahan_data"):
        form[f"fee_{reason}"] = "Rp 10.000"
        form[f"payer_{reason}"] = "citizen"
    form["fee_perpanjangan"] = "25.000"
    form["payer_perpanjangan"] = "regency"
    form.update(overrides)
    return form


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _field_error(page: str, name: str) -> str:
    match = re.search(rf'<p class="error" id="e-{name}"[^>]*>([^<]*)</p>', page)
    assert match, f"no error slot for {name}"
    return html.unescape(match.group(1))


def test_finance_checks_then_saves_a_tiered_rupiah_contract(client: TestClient, as_user: Any) -> None:
    login(client, "finance")
    token = _csrf(client, "/contracts")
    checked = client.post("/contracts", data=_form(token, action="check"))
    assert checked.status_code == 200, checked.text
    said = _text(checked.text)
    assert "Yang terbaca dari isian ini" in said
    for words in (
        "kartu ke-1 s.d. ke-1.000: Rp 3.000 per kartu;",
        "kartu ke-1.001 dan seterusnya: Rp 2.500 per kartu.",
        "kartu yang dibatalkan (dikoreksi) dalam bulan yang sama tidak dihitung",
        "Tarif Perpanjangan dibayar Pemda",
        "PPh 23 2 % dipotong",
        "dipungut dan disetor bendahara Pemda",
    ):
        assert words in said, words
    assert client.get(f"{B}/contracts", headers=as_user("finance")).json() == []  # checking saves nothing

    saved = client.post("/contracts", data=_form(token), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    [version] = client.get(f"{B}/contracts", headers=as_user("finance")).json()
    terms = version["terms"]
    assert terms["partner_share"] == {
        "type": "tiers",
        "tiers": [{"up_to": 1000, "amount_per_card": 3000}, {"up_to": None, "amount_per_card": 2500}],
    }
    assert terms["fees"]["baru"] == {"amount": 10_000, "payer": "citizen"}
    assert terms["fees"]["perpanjangan"] == {"amount": 25_000, "payer": "regency"}
    # The signing day is the version's own column, kept beside the terms (outside their hash).
    assert "signed_on" not in terms
    assert (version["signed_on"], terms["effective_from"], terms["pph23_basis_points"]) == (
        "2026-10-15",
        "2026-11-01",
        200,
    )
    assert terms["ppn"]["pkp"] is True and version["ppn_collector"] == "bendahara"
    listed = _text(client.get("/contracts").text)
    assert "031/PKS/2026" in listed and "Tanggal penandatanganan: 15-10-2026" in listed
    assert "kartu ke-1.001 dan seterusnya: Rp 2.500 per kartu." in listed


def test_a_percent_share_with_a_decimal_comma(client: TestClient, as_user: Any) -> None:
    login(client, "finance")
    form = _form(
        _csrf(client, "/contracts"), share_kind="fixed", share="12,5 %", pkp="", ppn_collector="partner"
    )
    assert client.post("/contracts", data=form, follow_redirects=False).status_code == 303
    [version] = client.get(f"{B}/contracts", headers=as_user("finance")).json()
    assert version["terms"]["partner_share"] == {"type": "percent", "basis_points": 1250}
    assert version["ppn_collector"] == "partner"
    assert "Bagian mitra untuk setiap kartu yang tarifnya dibayar warga: 12,5 % dari tarif." in _text(
        client.get("/contracts").text
    )


def test_refusals_are_in_indonesian_next_to_their_field_and_nothing_is_saved(
    client: TestClient, as_user: Any
) -> None:
    login(client, "finance")
    token = _csrf(client, "/contracts")
    cases = [
        (
            {"tier_share_1": "Rp 12.000"},
            "tier_share_1",
            "Bagian mitra Rp 12.000 per kartu melebihi tarif Baru yang dibaginya (Rp 10.000).",
        ),
        (
            {"fee_perpanjangan": "2.000", "payer_perpanjangan": "citizen"},
            "fee_perpanjangan",
            "Bagian mitra Rp 3.000 per kartu melebihi tarif Perpanjangan yang dibaginya (Rp 2.000).",
        ),
        ({"share_kind": "fixed", "share": "12,5"}, "share", "Tulis persen dengan tanda %"),
        ({"share_kind": "fixed", "share": "120 %"}, "share", "Persen tidak boleh lebih dari 100 %."),
        ({"share_kind": "fixed", "share": "12,555 %"}, "share", "paling banyak dua angka desimal"),
        ({"tier_share_2": "25 %"}, "tier_share_2", "jangan dicampur"),
        ({"tier_up_to_2": "500"}, "tier_up_to_2", "kosongkan nomor kartunya"),
        ({"tier_up_to_1": ""}, "tier_up_to_1", "Isi nomor kartu terakhir jenjang ini"),
        ({"fee_baru": "10.000,50"}, "fee_baru", "Tulis persen dengan tanda % (mis. 12,5 %) atau rupiah"),
        ({"effective_to": "31-10-2026"}, "effective_to", "Tanggal berakhir sebelum tanggal mulai berlaku."),
    ]
    for overrides, field, message in cases:
        r = client.post("/contracts", data=_form(token, **overrides))
        assert r.status_code == 422, (overrides, r.status_code)
        assert message in _field_error(r.text, field), (overrides, _field_error(r.text, field))
        assert 'value="' + html.escape(next(iter(overrides.values())), quote=True) + '"' in r.text  # kept
    assert client.get(f"{B}/contracts", headers=as_user("finance")).json() == []


def test_the_api_refuses_a_share_above_the_fee_with_its_code(client: TestClient, as_user: Any) -> None:
    body = contract_data(
        partner_share={
            "type": "tiers",
            "tiers": [{"up_to": 3, "amount_per_card": 3000}, {"up_to": None, "amount_per_card": 2500}],
        }
    )
    body["fees"]["rusak"] = {"amount": 2000, "payer": "citizen"}
    r = client.post(f"{B}/contracts", json=body, headers=as_user("finance"))
    assert r.status_code == 422
    assert r.json()["error"] == "share_above_fee"
    assert (
        r.json()["message"]
        == "Bagian mitra Rp 3.000 per kartu melebihi tarif Rusak yang dibaginya (Rp 2.000)."
    )
    english = client.post(f"{B}/contracts", json=body, headers=as_user("finance") | {"Accept-Language": "en"})
    assert english.json()["message"] == (
        "The partner's share of Rp 3.000 per card is above the Damaged fee it splits (Rp 2.000)."
    )
    assert client.get(f"{B}/contracts", headers=as_user("finance")).json() == []


def test_the_statement_json_carries_the_rounding_rows_and_the_ppn_withheld(
    client: TestClient, as_user: Any, world: World, settings: Settings
) -> None:
    body = contract_data(rounding="per_period", ppn={"pkp": True, "collector": "bendahara"})
    assert client.post(f"{B}/contracts", json=body, headers=as_user("finance")).status_code == 201
    start = datetime(2026, 12, 1, 3, tzinfo=UTC)
    with Session(world.engine) as s:
        evs = [event(start + timedelta(seconds=i), office_code="33.14.01") for i in range(3)]
        evs += [event(start + timedelta(minutes=1, seconds=i), office_code="33.14.02") for i in range(2)]
        post_events(s, evs, config=config_for(settings), now=datetime(2027, 1, 2, tzinfo=UTC))
        s.commit()
    st = client.get(f"{B}/periods/2026-12/statement", headers=as_user("partner.auditor")).json()
    assert (st["partner_share"], st["period_rounding_adjustment"]) == (17_501, 1)
    row = {
        "key": "rounding_adjustment",
        "cards_billed": 0,
        "gross_amount": 0,
        "partner_share": 1,
        "regency_share": -1,
    }
    assert st["by_office_adjustment"] == st["by_reason_adjustment"] == row
    assert sum(o["partner_share"] for o in st["by_office"]) + row["partner_share"] == st["partner_share"]
    ppn = 17_501 * 11 // 100
    assert (st["ppn"], st["ppn_withheld"], st["by_contract_version"][0]["ppn_collector"]) == (
        ppn,
        ppn,
        "bendahara",
    )
    assert st["net_payable_to_partner"] == 17_501 - 17_501 * 2 // 100
    # The finance page's tables end with the same row.
    login(client, "finance")
    page = client.get("/finance?month=2026-12").text
    for table in ("office-rounding", "reason-rounding"):
        row_html = re.search(rf'<tr data-testid="{table}">(.*?)</tr>', page)
        assert row_html, table
        assert _text(row_html.group(1)).split()[:3] == ["Penyesuaian", "pembulatan", "-"]
        assert "Rp 1 " in _text(row_html.group(1)) + " "


def _rendered_form(page: str) -> dict[str, str]:
    """What a browser would send from the add form as rendered: inputs' values, checked radios and boxes,
    each select's selected option (or its first)."""
    form_html = page[page.index('<form method="post" action="/contracts">') :]
    sent: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form_html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if ('type="radio"' in tag or 'type="checkbox"' in tag) and " checked" not in tag:
            continue
        sent[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form_html, re.S):
        options = re.findall(r'<option value="([^"]*)"( selected)?', body)
        sent[name] = next((v for v, sel in options if sel), options[0][0])
    return sent


def test_the_form_as_rendered_saves_a_percent_contract(client: TestClient, as_user: Any) -> None:
    """Only the three required fields typed (as the month-end browser flow does): the defaults the page
    offers (35 %, PPh 23 2 %, Rp 10.000 fees) make a valid contract."""
    login(client, "finance")
    sent = _rendered_form(client.get("/contracts").text)
    sent.update(number="027/PKS/2026", partner_name="PT Kartu Nusantara", effective_from="01-01-2026")
    sent["action"] = "save"
    r = client.post("/contracts", data=sent, follow_redirects=False)
    assert r.status_code == 303, _text(r.text)
    [version] = client.get(f"{B}/contracts", headers=as_user("finance")).json()
    terms = version["terms"]
    assert terms["partner_share"] == {"type": "percent", "basis_points": 3500}
    assert (terms["pph23_basis_points"], terms["fees"]["baru"]["amount"], version["ppn_collector"]) == (
        200,
        10_000,
        "partner",
    )
