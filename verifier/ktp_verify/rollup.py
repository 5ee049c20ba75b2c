"""The statement's figures from the month's transactions grouped by office, reason, contract version, payer,
rate...: what the service signs (:mod:`billing.statement` groups in SQL) and what the verifier recomputes
from a bundle's entries, by this one function.

Figures are plain dicts (``cards_billed``, ``gross_amount``, ``partner_share``, ``regency_share``), as in the
statement's JSON. ``partner_share`` in the totals and per contract version includes the per-period rounding
adjustment; the per-office and per-reason breakdowns show what the cards were posted with. So that every
table adds up to the totals, each breakdown then ends with a named rounding-adjustment row
(``by_office_adjustment``, ``by_reason_adjustment``, key :data:`ROUNDING_ROW`: no cards, no fee, the
partner's share changed by ``period_rounding_adjustment`` and the regency's by its opposite), ``None`` when
there is nothing to adjust. ``net_payable_to_partner = partner_share + ppn - ppn_withheld - pph23_withheld``,
where ``ppn_withheld`` is the PPN the regency's treasurer collects and remits itself (contract versions
whose ``ppn.collector`` is ``bendahara``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from ktp_verify.pricing import Terms, period_adjustment, taxes_on
from ktp_verify.vocab import Payer

Figures = dict[str, int]

ROUNDING_ROW = "rounding_adjustment"  # the key of a breakdown's "Penyesuaian pembulatan" row


class Group(NamedTuple):
    """Sums over the month's card and reversal transactions sharing these keys."""

    office_code: str
    reason: str
    contract_version_id: int
    payer: str
    rate_bp: int | None
    prior_period: bool
    billed: bool
    transactions: int
    cards: int
    fee: int
    partner: int
    regency: int


def figures() -> Figures:
    return {"cards_billed": 0, "gross_amount": 0, "partner_share": 0, "regency_share": 0}


def _add(fig: Figures, g: Group) -> None:
    fig["cards_billed"] += g.cards
    fig["gross_amount"] += g.fee
    fig["partner_share"] += g.partner
    fig["regency_share"] += g.regency


def _breakdown(groups: Iterable[Group], key: str) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for g in groups:
        k = str(getattr(g, key))
        _add(out.setdefault(k, {"key": k, **figures()}), g)
    return [out[k] for k in sorted(out)]


def rounding_row(adjustment: int) -> dict[str, Any] | None:
    """The row ending a breakdown table under per-period rounding, so that its rows add up to the totals: no
    cards, no fee, the partner's share changed by ``adjustment`` and the regency's by its opposite; ``None``
    when there is nothing to adjust."""
    if not adjustment:
        return None
    return {"key": ROUNDING_ROW, **figures(), "partner_share": adjustment, "regency_share": -adjustment}


def rollup(groups: list[Group], terms: Mapping[int, Terms]) -> dict[str, Any]:
    """The statement's figures from the month's groups and the terms of the versions they name."""
    total, prior = figures(), figures()
    not_billed = citizen = service = 0
    per_version: dict[int, Figures] = defaultdict(figures)
    rate_groups: dict[tuple[int, int | None], list[int]] = defaultdict(lambda: [0, 0])
    for g in groups:
        _add(total, g)
        _add(per_version[g.contract_version_id], g)
        if g.prior_period:
            _add(prior, g)
        if not g.billed:
            not_billed += g.transactions
        if g.payer == Payer.CITIZEN:
            citizen += g.fee
            sums = rate_groups[(g.contract_version_id, g.rate_bp)]
            sums[0] += g.fee
            sums[1] += g.partner
        else:
            service += g.fee
    versions: list[dict[str, Any]] = []
    adjustment = pph23 = ppn = withheld = 0
    for vid in sorted(per_version):
        adj = sum(
            period_adjustment(terms[vid], rate, fee, partner)
            for (v, rate), (fee, partner) in rate_groups.items()
            if v == vid
        )
        fig = per_version[vid]
        share = fig["partner_share"] + adj
        taxes = taxes_on(terms[vid], share)
        versions.append(
            {
                "contract_version_id": vid,
                "cards_billed": fig["cards_billed"],
                "gross_amount": fig["gross_amount"],
                "partner_share": share,
                "regency_share": fig["regency_share"] - adj,
                "period_rounding_adjustment": adj,
                "pph23_withheld": taxes.pph23,
                "ppn": taxes.ppn,
                "ppn_collector": str(terms[vid].ppn.collector),
                "ppn_withheld": taxes.ppn_withheld,
            }
        )
        adjustment += adj
        pph23 += taxes.pph23
        ppn += taxes.ppn
        withheld += taxes.ppn_withheld
    partner_share = total["partner_share"] + adjustment
    return {
        "cards_billed": total["cards_billed"],
        "cards_not_billed": not_billed,
        "gross_amount": total["gross_amount"],
        "citizen_fees": citizen,
        "regency_service_fees": service,
        "partner_share": partner_share,
        "regency_share": total["regency_share"] - adjustment,
        "period_rounding_adjustment": adjustment,
        "pph23_withheld": pph23,
        "ppn": ppn,
        "ppn_withheld": withheld,
        "net_payable_to_partner": partner_share + ppn - withheld - pph23,
        "prior_period": prior,
        "by_office": _breakdown(groups, "office_code"),
        "by_reason": _breakdown(groups, "reason"),
        "by_office_adjustment": rounding_row(adjustment),
        "by_reason_adjustment": rounding_row(adjustment),
        "by_contract_version": versions,
    }
