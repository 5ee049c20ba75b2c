"""The export bundle of a closed month and its offline verification.

A bundle is a zip file:

``statement.json``
    the closed statement, canonical JSON, exactly the bytes that were signed;
``statement.sig``
    the Ed25519 signature of those bytes, base64;
``transactions.jsonl``
    every transaction of the chain stretch the statement covers (``chain.first_seq`` to ``chain.head_seq``),
    one per line: the hashed content (columns, ``prev_hash``, ``lines``) plus its ``hash``, canonical JSON.
    NIKs appear masked only.

:func:`verify_bundle` needs nothing but the bundle and the regency's public key: it checks the signature,
every hash and link of the stretch, that each card was priced as its contract version says, that every
transaction balances, and recomputes every figure of the statement, both through the same roll-up the
statement uses and from the sums of the entries' accounts. It returns a list of problems, each saying what
does not match; an empty list means the bundle checks out.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from sqlmodel import Session

from billing.allocation import split_fixed, split_percent
from billing.canonical import canonical_bytes, canonical_json, parse_utc_text, sha256_hex
from billing.contracts import (
    ContractTerms,
    FixedShare,
    PercentShare,
    Pricing,
    TieredShare,
    price_card,
    pricing_sha256,
)
from billing.errors import NotFound, PeriodNotClosable
from billing.ledger import (
    CITIZEN_FEES,
    HASHED_FIELDS,
    PARTNER_PAYABLE,
    PPH23_PAYABLE,
    PPN_EXPENSE,
    REGENCY_EXPENSE,
    REGENCY_REVENUE,
    card_lines,
    close_lines,
    iter_transactions,
)
from billing.signing import key_id, load_public_key, signature_valid
from billing.statement import Group, Statement, rollup, signed_statement

STATEMENT = "statement.json"
SIGNATURE = "statement.sig"
TRANSACTIONS = "transactions.jsonl"
README = "README.txt"

_README = """Signed billing statement bundle for {month}.

statement.json      the closed statement (canonical JSON: sorted keys, no spaces, UTF-8); signed as is
statement.sig       Ed25519 signature of statement.json, base64 (key id {key_id})
transactions.jsonl  chain transactions {first} to {last}, one canonical JSON object per line

Each transaction's "hash" is the SHA-256 (hex) of the canonical JSON array of its fields
  {fields}
in that order (booleans as 0/1), followed by "lines" ([[account, debit, credit], ...]);
its "prev_hash" is the "hash" of the line before (the first one's is chain.anchor_hash in the statement).
Check it with: ktp billing verify-statement BUNDLE --public-key KEY.pem
or: python -m billing.bundle BUNDLE KEY.pem
"""


def export_bundle(session: Session, month: str, path: Path) -> Path:
    """Write the bundle of closed ``month`` to ``path`` (a .zip)."""
    signed = signed_statement(session, month)
    if signed is None:
        raise PeriodNotClosable(f"month {month} has no signed statement; close it first")
    chain = signed.statement.chain
    if chain is None:
        raise NotFound(f"the statement of {month} names no chain stretch")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr(STATEMENT, signed.statement_json.encode("utf-8"))
        z.writestr(SIGNATURE, signed.signature + "\n")
        readme = _README.format(
            month=month,
            key_id=signed.statement.key_id,
            first=chain.first_seq,
            last=chain.head_seq,
            fields=", ".join(HASHED_FIELDS),
        )
        z.writestr(README, readme)
        with z.open(TRANSACTIONS, "w", force_zip64=True) as out:
            buffer: list[str] = []
            for content, stored_hash in iter_transactions(session, chain.first_seq, chain.head_seq):
                record = dict(zip(HASHED_FIELDS, content, strict=False))
                record["lines"] = content[-1]
                record["hash"] = stored_hash
                buffer.append(canonical_json(record))
                if len(buffer) >= 5000:
                    out.write(("\n".join(buffer) + "\n").encode("utf-8"))
                    buffer.clear()
            if buffer:
                out.write(("\n".join(buffer) + "\n").encode("utf-8"))
    return path


class _Problems(list[str]):
    LIMIT = 200

    def add(self, message: str) -> None:
        if len(self) < self.LIMIT:
            self.append(message)
        elif len(self) == self.LIMIT:
            self.append("... more problems not listed")


def _lines(z: zipfile.ZipFile) -> Iterator[str]:
    # TextIOWrapper reads the inflated stream in large blocks and splits lines in C; iterating the zip
    # member itself would read it line by line in Python.
    with io.TextIOWrapper(z.open(TRANSACTIONS), encoding="utf-8") as f:
        for line in f:
            if line != "\n":
                yield line


def _compare(problems: _Problems, name: str, stated: Any, computed: Any) -> None:
    if stated != computed:
        problems.add(f"statement says {name} = {stated}, the entries give {computed}")


def verify_bundle(bundle_path: Path, public_key_pem: str | bytes) -> list[str]:
    """Check a bundle with no database; returns the problems found (empty: it checks out)."""
    problems = _Problems()
    try:
        key = load_public_key(public_key_pem)
    except ValueError as exc:
        return [f"the public key cannot be read: {exc}"]
    try:
        z = zipfile.ZipFile(bundle_path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"the bundle cannot be opened: {exc}"]
    with z:
        missing = [n for n in (STATEMENT, SIGNATURE, TRANSACTIONS) if n not in z.namelist()]
        if missing:
            return [f"the bundle lacks {', '.join(missing)}"]
        raw = z.read(STATEMENT)
        if not signature_valid(key, raw, z.read(SIGNATURE).decode("ascii", "replace").strip()):
            problems.add(
                "the signature does not match statement.json: it was changed, or signed by another key"
            )
        try:
            statement = Statement.model_validate_json(raw)
        except ValidationError as exc:
            return [*problems, f"statement.json is not a statement: {exc.errors()[0]['msg']}"]
        if canonical_bytes(json.loads(raw)) != raw:
            problems.add("statement.json is not in canonical form")
        if statement.key_id != key_id(key):
            problems.add(
                f"the statement names signing key {statement.key_id}, the key given is {key_id(key)}"
            )
        if statement.status != "closed" or statement.chain is None:
            problems.add("the statement is not a closed one (no chain stretch)")
            return list(problems)
        _verify_transactions(z, statement, problems)
    return list(problems)


def _terms(statement: Statement, problems: _Problems) -> dict[int, ContractTerms]:
    terms: dict[int, ContractTerms] = {}
    for snap in statement.contracts:
        try:
            terms[snap.id] = ContractTerms.model_validate(snap.terms)
        except ValidationError:
            problems.add(f"contract version {snap.id} in the statement has invalid terms")
            continue
        if sha256_hex(canonical_bytes(snap.terms)) != snap.terms_sha256:
            problems.add(f"contract version {snap.id}: its terms do not match terms_sha256")
    return terms


def _verify_transactions(z: zipfile.ZipFile, statement: Statement, problems: _Problems) -> None:
    chain = statement.chain
    assert chain is not None
    month = statement.month
    terms = _terms(statement, problems)
    prices = _Prices(terms)
    prices.pricing = {snap.id: pricing_sha256(canonical_json(snap.terms)) for snap in statement.contracts}
    try:
        zone: ZoneInfo | None = ZoneInfo(statement.zone)
    except (ValueError, ZoneInfoNotFoundError):
        zone = None
        problems.add(f"the statement names an unknown time zone {statement.zone!r}")

    # First pass: which transactions are reversed (a reversal comes after what it reverses, so collect
    # targets first rather than keep every transaction in memory). Canonical JSON escapes quotes inside
    # strings, so this text can only be the kind field itself.
    targets = {json.loads(line)["corrects_seq"] for line in _lines(z) if '"kind":"reversal"' in line}
    originals: dict[int, tuple[int, int, int]] = {}

    groups: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    accounts: dict[str, int] = defaultdict(int)  # debit - credit
    seen_ordinals = bytearray()
    prev, expected = chain.anchor_hash, chain.first_seq
    period_tx = period_entries = 0
    last_hash = None
    closes = 0
    for number, line in enumerate(_lines(z), start=1):
        try:
            tx = json.loads(line)
            stored_hash = tx.pop("hash")
            seq = tx["seq"]
        except (ValueError, KeyError, TypeError):
            problems.add(f"{TRANSACTIONS} line {number} is not a transaction")
            continue
        if seq != expected:
            problems.add(f"transaction {expected} is missing (line {number} holds {seq})")
        if tx.get("prev_hash") != prev:
            problems.add(f"transaction {seq}: prev_hash does not link to the transaction before it")
        try:
            content = [tx[name] for name in HASHED_FIELDS]
            content.append(tx["lines"])
        except KeyError as exc:
            problems.add(f"transaction {seq} lacks the field {exc}")
            continue
        if sha256_hex(canonical_bytes(content)) != stored_hash:
            problems.add(f"transaction {seq} ({tx.get('event_key')}): content does not match its hash")
        prev, expected, last_hash = stored_hash, seq + 1, stored_hash
        if seq in targets:
            originals[seq] = (tx["fee"], tx["partner"], tx["regency"])
        if tx["period"] != month:
            continue
        period_tx += 1
        lines = [tuple(x) for x in tx["lines"]]
        period_entries += len(lines)
        if sum(x[1] for x in lines) != sum(x[2] for x in lines):
            problems.add(f"transaction {seq} does not balance")
        for account, debit, credit in lines:
            accounts[account] += debit - credit
        if tx["kind"] == "period_close":
            closes += 1
            want = close_lines(statement.period_rounding_adjustment, statement.ppn, statement.pph23_withheld)
            if lines != want or seq != chain.head_seq:
                problems.add(f"closing transaction {seq} does not carry the statement's adjustment and taxes")
            continue
        if zone is not None:
            _check_dates(tx, zone, problems)
        _check_card(tx, lines, prices, originals, problems)
        if tx["kind"] == "card" and tx["billed"]:
            ordinal = tx["period_ordinal"]
            if len(seen_ordinals) <= ordinal:
                seen_ordinals.extend(bytes(ordinal + 1 - len(seen_ordinals)))
            if seen_ordinals[ordinal]:
                problems.add(f"transaction {seq}: card number {ordinal} of the month appears twice")
            seen_ordinals[ordinal] = 1
        key = (
            tx["office_code"],
            tx["reason"],
            tx["contract_version_id"],
            tx["payer"],
            tx["rate_bp"],
            tx["prior_period"],
            tx["billed"],
        )
        sums = groups[key]
        sums[0] += 1
        sums[1] += tx["cards"]
        sums[2] += tx["fee"]
        sums[3] += tx["partner"]
        sums[4] += tx["regency"]

    if expected - 1 != chain.head_seq or last_hash != chain.head_hash:
        problems.add(f"the stretch ends at transaction {expected - 1}, the statement says {chain.head_seq}")
    if closes != 1:
        problems.add(f"the month has {closes} closing transactions, not one")
    _compare(problems, "chain.period_transactions", chain.period_transactions, period_tx)
    _compare(problems, "chain.period_entries", chain.period_entries, period_entries)
    if 0 in seen_ordinals[1:]:
        problems.add("the month's billed cards are not numbered 1 to n without gaps")

    group_list = [Group(*k, *v) for k, v in groups.items()]
    unknown = {g.contract_version_id for g in group_list} - terms.keys()
    if unknown:
        problems.add(f"cards name contract versions missing from the statement: {sorted(unknown)}")
        return
    figures = rollup(group_list, terms)
    for name, value in figures.items():
        stated = getattr(statement, name)
        if isinstance(value, list):
            _compare(problems, name, [x.model_dump() for x in stated], [x.model_dump() for x in value])
        elif hasattr(value, "model_dump"):
            _compare(problems, name, stated.model_dump(), value.model_dump())
        else:
            _compare(problems, name, stated, value)
    # Independently of the roll-up: the totals are what the accounts add up to.
    _compare(problems, "citizen_fees (account)", statement.citizen_fees, accounts[CITIZEN_FEES])
    _compare(
        problems, "regency_service_fees (account)", statement.regency_service_fees, accounts[REGENCY_EXPENSE]
    )
    _compare(problems, "regency_share (account)", statement.regency_share, -accounts[REGENCY_REVENUE])
    _compare(
        problems,
        "net_payable_to_partner (account)",
        statement.net_payable_to_partner,
        -accounts[PARTNER_PAYABLE],
    )
    _compare(problems, "pph23_withheld (account)", statement.pph23_withheld, -accounts[PPH23_PAYABLE])
    _compare(problems, "ppn (account)", statement.ppn, accounts[PPN_EXPENSE])


class _Prices:
    """:func:`price_card` for one bundle's contracts, remembered: a card's price depends on its ordinal only
    through its tier's rate, so a month of cards has a handful of distinct prices."""

    def __init__(self, terms: dict[int, ContractTerms]) -> None:
        self.terms = terms
        self.known: dict[tuple[int, str, int | None], Pricing] = {}
        self.pricing: dict[int, str] = {}  # version id -> pricing_sha256 of its terms in the statement

    def __call__(self, version_id: int, reason: str, ordinal: int) -> Pricing:
        terms = self.terms[version_id]
        share = terms.partner_share
        key = (
            version_id,
            reason,
            share.basis_points_for(ordinal) if isinstance(share, TieredShare) else None,
        )
        price = self.known.get(key)
        if price is None:
            price = self.known[key] = price_card(terms, reason, ordinal)
        return price


def _check_card(
    tx: dict[str, Any],
    lines: list[tuple[Any, ...]],
    prices: _Prices,
    originals: dict[int, tuple[int, int, int]],
    problems: _Problems,
) -> None:
    seq = tx["seq"]
    if lines != card_lines(tx["payer"], tx["fee"], tx["partner"], tx["regency"]):
        problems.add(f"transaction {seq}: its entries do not say what its amounts say")
    version = prices.terms.get(tx["contract_version_id"])
    if version is None:
        return
    if tx["pricing_sha256"] != prices.pricing.get(tx["contract_version_id"]):
        problems.add(
            f"transaction {seq}: priced by other terms than contract version {tx['contract_version_id']} "
            "has in the statement (pricing_sha256 differs)"
        )
    in_force = version.effective_from.isoformat() <= tx["event_date"] and (
        version.effective_to is None or tx["event_date"] <= version.effective_to.isoformat()
    )
    if not in_force:
        problems.add(
            f"transaction {seq}: contract version {tx['contract_version_id']} was not in force on "
            f"{tx['event_date']}, the day the card was completed"
        )
    if tx["kind"] == "reversal":
        original = originals.get(tx["corrects_seq"])
        if original is not None and original != (-tx["fee"], -tx["partner"], -tx["regency"]):
            problems.add(f"reversal {seq} does not mirror transaction {tx['corrects_seq']}")
        # The original may be in an earlier month, outside the bundle: the reversal must still undo exactly
        # what its contract version prices a card at, for the reason and rate it carries.
        price = _reprice(version, tx["reason"], tx["rate_bp"])
        got = (-tx["fee"], tx["payer"], -tx["partner"], -tx["regency"], tx["rate_bp"], -tx["cards"])
        if price is None or got != (*price, 1):
            priced = "nothing" if price is None else str(tuple(price))
            problems.add(
                f"reversal {seq} undoes fee/payer/partner/regency/rate {got[:5]}, but contract version "
                f"{tx['contract_version_id']} prices a {tx['reason']} card at {priced}"
            )
        return
    if not tx["billed"]:
        if (
            not tx["fault_reprint"]
            or version.bill_fault_reprints
            or (tx["fee"], tx["cards"], tx["partner"]) != (0, 0, 0)
        ):
            problems.add(f"transaction {seq}: card left unbilled though its contract bills it")
        return
    price = prices(tx["contract_version_id"], tx["reason"], tx["period_ordinal"])
    got = (tx["fee"], tx["payer"], tx["partner"], tx["regency"], tx["rate_bp"], tx["cards"])
    want = (price.fee, price.payer, price.partner, price.regency, price.rate_bp, 1)
    if got != want:
        problems.add(
            f"transaction {seq} (card {tx['card_serial']}): priced fee/payer/partner/regency/rate {got[:5]}, "
            f"contract version {tx['contract_version_id']} gives {want[:5]}"
        )


def _reprice(terms: ContractTerms, reason: Any, rate_bp: Any) -> Pricing | None:
    """What ``terms`` bill one card of ``reason`` at the partner rate ``rate_bp`` it was billed with (a tier's
    rate depends on the card's place in its month, so for tiers the rate must be one of the tiers')."""
    fee = terms.fees.get(reason)
    if fee is None:
        return None
    if fee.payer == "regency":
        return Pricing(fee.amount, "regency", fee.amount, 0, None)
    share = terms.partner_share
    if isinstance(share, FixedShare):
        fixed = split_fixed(fee.amount, share.amount)
        return Pricing(fee.amount, "citizen", fixed.partner, fixed.regency, None)
    rates = [share.basis_points] if isinstance(share, PercentShare) else [t.basis_points for t in share.tiers]
    if rate_bp not in rates:
        return None
    split = split_percent(fee.amount, rate_bp, terms.remainder)
    return Pricing(fee.amount, "citizen", split.partner, split.regency, rate_bp)


def _check_dates(tx: dict[str, Any], zone: ZoneInfo, problems: _Problems) -> None:
    """A transaction's event month and day are those of its event time in the statement's zone, and it is
    marked prior-period exactly when it was posted to a month after that (a reversal: only if later)."""
    seq = tx["seq"]
    try:
        local = parse_utc_text(tx["event_at"]).astimezone(zone)
    except (TypeError, ValueError):
        problems.add(f"transaction {seq}: event_at {tx['event_at']!r} is not a UTC time")
        return
    if (tx["event_date"], tx["event_period"]) != (
        local.date().isoformat(),
        f"{local.year:04d}-{local.month:02d}",
    ):
        problems.add(
            f"transaction {seq}: event_date {tx['event_date']} / event_period {tx['event_period']} are not "
            f"those of its event time {tx['event_at']} in {zone.key}"
        )
    if tx["event_period"] > tx["period"]:
        problems.add(
            f"transaction {seq}: posted to {tx['period']}, before its event month {tx['event_period']}"
        )
    later = tx["period"] > tx["event_period"]
    if (tx["kind"] == "card" and bool(tx["prior_period"]) != later) or (tx["prior_period"] and not later):
        problems.add(
            f"transaction {seq}: prior_period is {bool(tx['prior_period'])} though it is posted to "
            f"{tx['period']} for an event of {tx['event_period']}"
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m billing.bundle BUNDLE PUBLIC_KEY.pem``: print the problems, exit 1 if any."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m billing.bundle BUNDLE PUBLIC_KEY.pem", file=sys.stderr)
        return 2
    problems = verify_bundle(Path(args[0]), Path(args[1]).read_bytes())
    for p in problems:
        print(p)
    print("OK: signature, chain and every total check out" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
