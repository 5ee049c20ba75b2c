"""Canonical JSON, event content, NIK masking, signing keys."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.canonical import canonical_json, parse_utc_text, utc_text
from billing.ledger import card_lines, close_lines
from billing.privacy import mask_nik
from billing.signing import KeyStore, key_id, load_public_key, signature_valid
from tests.unit.billing.factories import event

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(json_values)
def test_canonical_json_round_trips_and_is_stable(value: object) -> None:
    text = canonical_json(value)
    assert json.loads(text) == value
    assert canonical_json(json.loads(text)) == text


def test_canonical_json_sorts_keys_has_no_spaces_and_keeps_utf8() -> None:
    assert canonical_json({"b": 1, "a": [True, None], "c": "Dinas Kependudukan é"}) == (
        '{"a":[true,null],"b":1,"c":"Dinas Kependudukan é"}'
    )


def test_utc_text_is_fixed_width_and_zone_independent() -> None:
    wib = timezone(timedelta(hours=7))
    assert utc_text(datetime(2026, 12, 1, 0, 30, tzinfo=wib)) == "2026-11-30T17:30:00.000000Z"
    assert parse_utc_text("2026-11-30T17:30:00.000000Z") == datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="without a time zone"):
        utc_text(datetime(2026, 12, 1))


def test_event_content_does_not_depend_on_the_zone_it_was_given_in() -> None:
    moment = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    a = event(moment, key="k", card_serial="S1")
    b = event(moment.astimezone(timezone(timedelta(hours=7))), key="k", card_serial="S1")
    assert a.canonical() == b.canonical()
    assert "3314014101900001" not in repr(a)  # the NIK stays out of reprs (and so out of logs)


def test_mask_nik() -> None:
    assert mask_nik("3314010101010001") == "3314**********01"
    with pytest.raises(ValueError, match="16 digits"):
        mask_nik("3314")


def test_lines_balance_and_mirror() -> None:
    assert card_lines("citizen", 10001, 3500, 6501) == [
        ("citizen_fees_collected", 10001, 0),
        ("partner_payable", 0, 3500),
        ("regency_revenue", 0, 6501),
    ]
    assert card_lines("citizen", -10001, -3500, -6501) == [
        ("citizen_fees_collected", 0, 10001),
        ("partner_payable", 3500, 0),
        ("regency_revenue", 6501, 0),
    ]
    assert card_lines("regency", 25000, 25000, 0) == [
        ("regency_service_expense", 25000, 0),
        ("partner_payable", 0, 25000),
    ]
    assert card_lines("citizen", 0, 0, 0) == []
    lines = close_lines(350, 385_038, 70_007)
    assert sum(d for _, d, _ in lines) == sum(c for _, _, c in lines)
    assert close_lines(-5, 0, 0) == [("regency_revenue", 0, 5), ("partner_payable", 5, 0)]


def test_keys_are_created_once_private_and_verifiable(tmp_path: Path) -> None:
    keys = KeyStore(tmp_path / "keys")
    signature = keys.sign(b"statement")
    again = KeyStore(tmp_path / "keys")  # a second process reads the same key
    assert again.public_key_pem() == keys.public_key_pem()
    public = load_public_key(keys.public_key_pem())
    assert key_id(public) == keys.key_id()
    assert signature_valid(public, b"statement", signature)
    assert not signature_valid(public, b"statement!", signature)
    assert not signature_valid(public, b"statement", "bm90IGEgc2lnbmF0dXJl")
    for f in (tmp_path / "keys").iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert (
        keys.event_digest(b"x") == again.event_digest(b"x") != KeyStore(tmp_path / "other").event_digest(b"x")
    )
