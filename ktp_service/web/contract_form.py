"""The contracts page's form: shares and taxes typed the way a finance officer writes them (``12,5 %``,
``Rp 3.000``, ``3.000``), turned into the API's contract body, and the terms read back in words.

A value with a ``%`` is a percentage (decimal comma or point, at most two decimals: basis points); anything
else is whole rupiah (``Rp`` optional, dots as thousands separators). A problem is reported against its
field with a catalogue key, in the page's language; the rules the contract itself enforces (a share above
the fee it splits, overlapping versions) come back from :func:`billing.contracts.parse_terms`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from billing.vocab import Payer, PpnCollector, Reason, Rounding, ShareKind
from ktp_service.schemas.text import ascii_digits
from ktp_service.web import forms, i18n

REASONS = tuple(Reason)
TIER_ROWS = 4  # tier rows the form offers (the last one filled is open-ended)
MAX_RUPIAH = 10**12

_PERCENT = re.compile(r"^([0-9]{1,3})(?:[.,]([0-9]{1,2}))?$")
_RUPIAH = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{3})+$|^[0-9]+$")


@dataclass(frozen=True)
class Share:
    """A share as typed: ``basis_points`` for a percentage, else ``rupiah`` per card."""

    basis_points: int | None = None
    rupiah: int | None = None


def parse_share(raw: str) -> Share | str:
    """``12,5 %`` -> 1250 basis points; ``Rp 3.000`` / ``3.000`` / ``3000`` -> Rp 3.000; else the catalogue
    key of what is wrong."""
    text = raw.strip().replace("\u00a0", " ")
    if not text:
        return "v.missing"
    if text.endswith("%"):
        m = _PERCENT.match(text[:-1].strip())
        if not m:
            return "v.contract.percent"
        whole, part = int(m.group(1)), int((m.group(2) or "0").ljust(2, "0"))
        bp = whole * 100 + part
        return Share(basis_points=bp) if bp <= 10_000 else "v.contract.percent_above_100"
    amount = parse_rupiah(text)
    return Share(rupiah=amount) if isinstance(amount, int) else amount


def parse_rupiah(raw: str) -> int | str:
    """``Rp 3.000`` / ``3.000`` / ``3000`` -> 3000; else the catalogue key of what is wrong."""
    text = raw.strip().replace("\u00a0", " ")
    if text[:2].lower() == "rp":
        text = text[2:].strip()
    text = text.removesuffix(",00").removesuffix(",-")
    if not text:
        return "v.missing"
    if not (ascii_digits(text.replace(".", "")) and _RUPIAH.match(text)):
        return "v.contract.share_format" if ("," in text or "%" in text) else "v.contract.rupiah"
    amount = int(text.replace(".", ""))
    return amount if amount <= MAX_RUPIAH else "v.contract.rupiah"


@dataclass
class ContractForm:
    """What the form said: ``body`` for the API when nothing is wrong, else ``errors`` (field -> key)."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def terms(self) -> dict[str, Any]:
        """The body without ``signed_on``, which the version keeps beside its terms (outside their hash)."""
        return {k: v for k, v in self.body.items() if k != "signed_on"}


def read_form(values: dict[str, str]) -> ContractForm:
    """The contract body the form describes, or the problems of each field (catalogue keys)."""
    out = ContractForm(values)
    err = out.errors
    start = forms.parse_date(values.get("effective_from", ""))
    end = forms.parse_date(values.get("effective_to", ""))
    signed = forms.parse_date(values.get("signed_on", ""))
    if not isinstance(start, date):
        err["effective_from"] = "v.date" if start else "v.missing"
    if end is not None and not isinstance(end, date):
        err["effective_to"] = "v.date"
    if signed is not None and not isinstance(signed, date):
        err["signed_on"] = "v.date"
    if isinstance(start, date) and isinstance(end, date) and end < start:
        err["effective_to"] = "v.contract.end_before_start"
    for name in ("number", "partner_name"):
        if not values.get(name, "").strip():
            err[name] = "v.missing"

    fees: dict[str, dict[str, Any]] = {}
    for r in REASONS:
        amount = parse_rupiah(values.get(f"fee_{r}", ""))
        if isinstance(amount, str):
            err[f"fee_{r}"] = amount
            continue
        payer = values.get(f"payer_{r}", Payer.CITIZEN)
        if payer not in tuple(Payer):
            err[f"payer_{r}"] = "v.choose"
            continue
        fees[r] = {"amount": amount, "payer": payer}

    share = _share(values, err)
    pph23 = parse_share(values.get("pph23", "") or "0 %")
    if not isinstance(pph23, Share) or pph23.basis_points is None:
        err["pph23"] = "v.contract.percent"
    collector = values.get("ppn_collector", PpnCollector.PARTNER)
    if collector not in tuple(PpnCollector):
        err["ppn_collector"] = "v.choose"
    rounding = values.get("rounding", Rounding.PER_CARD)
    if rounding not in tuple(Rounding):
        err["rounding"] = "v.choose"
    if err:
        return out
    assert isinstance(start, date) and isinstance(pph23, Share) and pph23.basis_points is not None
    out.body = {
        "number": values["number"].strip(),
        "partner_name": values["partner_name"].strip(),
        "signed_on": signed.isoformat() if isinstance(signed, date) else None,
        "effective_from": start.isoformat(),
        "effective_to": end.isoformat() if isinstance(end, date) else None,
        "fees": fees,
        "partner_share": share,
        "rounding": rounding,
        "pph23_basis_points": pph23.basis_points,
        "ppn": {"pkp": values.get("pkp") == "1", "collector": collector},
    }
    return out


def _share(values: dict[str, str], err: dict[str, str]) -> dict[str, Any]:
    """The ``partner_share`` body: one value (``share``) for a fixed share, or tier rows (``tier_up_to_i``,
    ``tier_share_i``: the rows filled, the last one without an end)."""
    if values.get("share_kind", "fixed") != "tiers":
        share = parse_share(values.get("share", ""))
        if isinstance(share, str):
            err["share"] = share
            return {}
        if share.basis_points is not None:
            return {"type": ShareKind.PERCENT, "basis_points": share.basis_points}
        return {"type": ShareKind.FIXED, "amount": share.rupiah}
    rows = []
    for i in range(1, TIER_ROWS + 1):
        up_to, raw = values.get(f"tier_up_to_{i}", "").strip(), values.get(f"tier_share_{i}", "").strip()
        if up_to or raw:
            rows.append((i, up_to.replace(".", ""), raw))
    if not rows:
        err["tier_share_1"] = "v.missing"
        return {}
    tiers: list[dict[str, Any]] = []
    last_bound = 0
    kinds = set()
    for n, (i, up_to, raw) in enumerate(rows):
        is_last = n == len(rows) - 1
        share = parse_share(raw)
        if isinstance(share, str):
            err[f"tier_share_{i}"] = share
            continue
        kinds.add(share.basis_points is None)
        tier: dict[str, Any] = (
            {"basis_points": share.basis_points}
            if share.basis_points is not None
            else {"amount_per_card": share.rupiah}
        )
        if is_last:
            if up_to:
                err[f"tier_up_to_{i}"] = "v.contract.last_tier_open"
            tier["up_to"] = None
        elif not (up_to and ascii_digits(up_to) and int(up_to) > last_bound):
            err[f"tier_up_to_{i}"] = "v.contract.tier_bound"
        else:
            last_bound = int(up_to)
            tier["up_to"] = last_bound
        tiers.append(tier)
    if len(kinds) > 1:
        err[f"tier_share_{rows[-1][0]}"] = "v.contract.tier_mix"
    return {"type": ShareKind.TIERS, "tiers": tiers}


# -- the terms in words -----------------------------------------------------------------------------------------
def share_text(value: dict[str, Any], lang: str) -> str:
    """One tier's or a fixed share's amount: ``12,5 %`` of the fee or ``Rp 3.000`` per card."""
    t = i18n.translate
    if value.get("amount_per_card") is not None:
        return t("contract.words.rupiah_per_card", lang, amount=i18n.rupiah(value["amount_per_card"]))
    if value.get("amount") is not None:
        return t("contract.words.rupiah_per_card", lang, amount=i18n.rupiah(value["amount"]))
    return t("contract.words.percent_of_fee", lang, percent=percent_text(value.get("basis_points", 0)))


def percent_text(basis_points: int) -> str:
    """``1250`` -> ``12,5 %``; ``3500`` -> ``35 %``."""
    whole, part = divmod(basis_points, 100)
    return f"{whole} %" if not part else f"{whole},{part:02d}".rstrip("0") + " %"


def describe(terms: dict[str, Any], lang: str) -> list[str]:
    """The partner's share, taxes and rounding of stored (or about to be stored) terms, in sentences."""
    t = i18n.translate
    out: list[str] = []
    share = terms.get("partner_share", {})
    if share.get("type") == ShareKind.TIERS:
        out.append(t("contract.words.tiers_lead", lang))
        first = 1
        for tier in share.get("tiers", []):
            amount = share_text(tier, lang)
            if tier.get("up_to") is None:
                out.append(t("contract.words.tier_open", lang, first=i18n.number(first), share=amount))
            else:
                out.append(
                    t(
                        "contract.words.tier",
                        lang,
                        first=i18n.number(first),
                        last=i18n.number(tier["up_to"]),
                        share=amount,
                    )
                )
                first = tier["up_to"] + 1
        out.append(t("contract.words.tiers_net", lang))
    elif share:
        out.append(t("contract.words.fixed", lang, share=share_text(share, lang)))
    regency_paid = [r for r, fee in terms.get("fees", {}).items() if fee.get("payer") == Payer.REGENCY]
    if regency_paid:
        names = ", ".join(t(f"reason.{r}", lang) for r in regency_paid)
        out.append(t("contract.words.regency_paid", lang, reasons=names))
    out.append(t(f"contract.words.rounding.{terms.get('rounding', Rounding.PER_CARD)}", lang))
    out.append(t("contract.words.pph23", lang, percent=percent_text(int(terms.get("pph23_basis_points", 0)))))
    ppn = terms.get("ppn") or {}
    if ppn.get("pkp"):
        collector = ppn.get("collector", PpnCollector.PARTNER)
        out.append(t(f"contract.words.ppn.{collector}", lang))
    else:
        out.append(t("contract.words.ppn.none", lang))
    return out
