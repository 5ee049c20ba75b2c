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

A bundle comes from outside, so it is read within fixed bounds (:class:`BundleLimits`): how many members,
each member's declared uncompressed size and compression ratio (checked before a byte is inflated), what is
actually inflated (read in bounded chunks, stopping at the limit) and the length of a line. Past any of
them it is refused whole with :class:`~billing.errors.BundleRefused`: a 3 MB zip bomb costs nothing.

:func:`verify_bundle` needs nothing but the bundle and the regency's public key: it checks the signature,
every hash and link of the stretch, that each card was priced as its contract version says, that every
transaction balances, and recomputes every figure of the statement, both through the same roll-up the
statement uses and from the sums of the entries' accounts. It returns a list of problems, each saying what
does not match; an empty list means the bundle checks out. The per-transaction checks (re-pricing, reversals,
dates) are in :mod:`billing.bundle_checks`; this module reads and writes the file and checks the chain and
the figures.
"""

from __future__ import annotations

import codecs
import json
import sys
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from sqlmodel import Session

from billing.bundle_checks import Prices, Problems, check_card, check_dates
from billing.canonical import canonical_bytes, canonical_json, sha256_hex
from billing.chain import iter_transactions
from billing.checkpoints import CLOSE, Checkpoint, CheckpointCheck, read_log
from billing.contracts import ContractTerms, pricing_sha256
from billing.errors import BundleRefused, PeriodNotClosable, StatementWithoutChain
from billing.ledger import HASHED_FIELDS, close_lines
from billing.signing import load_key_ring, signature_valid
from billing.statement import Group, Statement, rollup, signed_statement
from billing.vocab import Account, TransactionKind

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
        raise StatementWithoutChain(f"the statement of {month} names no chain stretch")
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


@dataclass(frozen=True)
class BundleLimits:
    """The bounds a bundle is read within, in bytes (``ratio``: uncompressed / compressed)."""

    members: int = 16
    statement_bytes: int = 16 * 1024 * 1024
    signature_bytes: int = 4096
    transactions_bytes: int = 1024 * 1024 * 1024  # about a million cards in one month
    other_bytes: int = 1024 * 1024  # README.txt, or anything else: never read, but held to this
    line_bytes: int = 1024 * 1024
    ratio: int = 100  # canonical JSON with hex hashes inflates about 5 to 10 times
    ratio_floor: int = 1024 * 1024  # smaller members are not held to the ratio (tiny files inflate oddly)
    chunk_bytes: int = 1024 * 1024

    def member_bytes(self, name: str) -> int:
        return {
            STATEMENT: self.statement_bytes,
            SIGNATURE: self.signature_bytes,
            TRANSACTIONS: self.transactions_bytes,
        }.get(name, self.other_bytes)


LIMITS = BundleLimits()
# What a damaged zip raises while it is read: a bad header or CRC, a broken deflate stream, a truncated
# file, an encrypted member or an unknown compression method, bytes that are not UTF-8.
_UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    ValueError,
)


def _check_members(z: zipfile.ZipFile, limits: BundleLimits) -> None:
    """Refuse a bundle from its central directory alone, before anything is inflated."""
    infos = z.infolist()
    if len(infos) > limits.members:
        raise BundleRefused(f"the bundle has {len(infos)} members; a bundle has at most {limits.members}")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise BundleRefused("the bundle holds two members of the same name")
    for info in infos:
        limit = limits.member_bytes(info.filename)
        if info.file_size > limit:
            raise BundleRefused(
                f"{info.filename} declares {info.file_size} bytes uncompressed; the limit is {limit}"
            )
        if info.file_size > limits.ratio_floor and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise BundleRefused(
                f"{info.filename} would inflate {info.compress_size} bytes to {info.file_size} "
                f"(more than {limits.ratio} times): a zip bomb?"
            )


def _chunks(z: zipfile.ZipFile, name: str, limits: BundleLimits) -> Iterator[bytes]:
    """The member ``name`` inflated in chunks, refused as soon as it passes its limit (whatever its header
    declared)."""
    limit, total = limits.member_bytes(name), 0
    with z.open(name) as f:
        while chunk := f.read(limits.chunk_bytes):
            total += len(chunk)
            if total > limit:
                raise BundleRefused(f"{name} inflates to more than {limit} bytes")
            yield chunk


def _read(z: zipfile.ZipFile, name: str, limits: BundleLimits) -> bytes:
    return b"".join(_chunks(z, name, limits))


def _lines(z: zipfile.ZipFile, limits: BundleLimits) -> Iterator[str]:
    """The non-empty lines of transactions.jsonl. Decoding and splitting run in C on whole chunks; a line
    longer than ``line_bytes`` is refused (no line is held whole past it)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = ""
    for chunk in _chunks(z, TRANSACTIONS, limits):
        lines = (pending + decoder.decode(chunk)).split("\n")
        pending = lines.pop()
        if len(pending) > limits.line_bytes:
            raise BundleRefused(f"{TRANSACTIONS} has a line longer than {limits.line_bytes} bytes")
        for line in lines:
            if len(line) > limits.line_bytes:
                raise BundleRefused(f"{TRANSACTIONS} has a line longer than {limits.line_bytes} bytes")
            if line:
                yield line
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def _compare(problems: Problems, name: str, stated: Any, computed: Any) -> None:
    if stated != computed:
        problems.add(f"statement says {name} = {stated}, the entries give {computed}")


def verify_bundle(
    bundle_path: Path,
    public_key_pem: str | bytes,
    checkpoints: Sequence[Checkpoint] = (),
    *,
    limits: BundleLimits = LIMITS,
) -> list[str]:
    """Check a bundle with no database; returns the problems found (empty: it checks out). ``checkpoints``
    are those the partner holds (pulled before): each one inside the bundle's stretch must name a
    transaction of it, and the month's close checkpoint its closing head. A bundle rewritten and re-signed
    by someone holding the key passes the other checks, but not these. Raises :class:`BundleRefused` for a
    bundle past ``limits``, having read no further."""
    problems = Problems()
    try:
        ring = load_key_ring(public_key_pem)
    except ValueError as exc:
        return [f"the public key cannot be read: {exc}"]
    try:
        z = zipfile.ZipFile(bundle_path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"the bundle cannot be opened: {exc}"]
    with z:
        _check_members(z, limits)
        missing = [n for n in (STATEMENT, SIGNATURE, TRANSACTIONS) if n not in z.namelist()]
        if missing:
            return [f"the bundle lacks {', '.join(missing)}"]
        try:
            _verify_contents(z, ring, limits, problems, checkpoints, public_key_pem)
        except _UNREADABLE as exc:
            problems.add(f"the bundle cannot be read: {type(exc).__name__}: {exc}")
    return list(problems)


def _verify_contents(
    z: zipfile.ZipFile,
    ring: Mapping[str, Any],
    limits: BundleLimits,
    problems: Problems,
    checkpoints: Sequence[Checkpoint],
    public_key_pem: str | bytes,
) -> None:
    raw = _read(z, STATEMENT, limits)
    signature = _read(z, SIGNATURE, limits).decode("ascii", "replace").strip()
    try:
        statement = Statement.model_validate_json(raw)
    except ValidationError as exc:
        problems.add(f"statement.json is not a statement: {exc.errors()[0]['msg']}")
        return
    # The key is the one the statement names (signed content): after a rotation each month has its own.
    key = ring.get(statement.key_id or "")
    if key is None:
        given = ", ".join(ring)
        problems.add(f"the statement names signing key {statement.key_id}, the key(s) given are {given}")
    elif not signature_valid(key, raw, signature):
        problems.add("the signature does not match statement.json: it was changed, or signed by another key")
    if canonical_bytes(json.loads(raw)) != raw:
        problems.add("statement.json is not in canonical form")
    if statement.status != "closed" or statement.chain is None:
        problems.add("the statement is not a closed one (no chain stretch)")
        return
    _verify_transactions(z, statement, problems, limits, checkpoints, public_key_pem)


def _terms(statement: Statement, problems: Problems) -> dict[int, ContractTerms]:
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


def _verify_transactions(
    z: zipfile.ZipFile,
    statement: Statement,
    problems: Problems,
    limits: BundleLimits,
    checkpoints: Sequence[Checkpoint] = (),
    public_key_pem: str | bytes = b"",
) -> None:
    chain = statement.chain
    assert chain is not None
    pinned = CheckpointCheck(checkpoints, public_key_pem, chain.first_seq, chain.head_seq)
    for c in pinned.valid:
        if (
            c.reason == CLOSE
            and c.month == statement.month
            and (c.seq, c.hash) != (chain.head_seq, chain.head_hash)
        ):
            problems.add(f"the statement closes at another head than {c.describe()} signed")
    month = statement.month
    terms = _terms(statement, problems)
    prices = Prices(
        terms, {snap.id: pricing_sha256(canonical_json(snap.terms)) for snap in statement.contracts}
    )
    try:
        zone: ZoneInfo | None = ZoneInfo(statement.zone)
    except (ValueError, ZoneInfoNotFoundError):
        zone = None
        problems.add(f"the statement names an unknown time zone {statement.zone!r}")

    # First pass: which transactions are reversed (a reversal comes after what it reverses, so collect
    # targets first rather than keep every transaction in memory). Canonical JSON escapes quotes inside
    # strings, so this text can only be the kind field itself.
    reversal = f'"kind":"{TransactionKind.REVERSAL}"'
    targets = {json.loads(line)["corrects_seq"] for line in _lines(z, limits) if reversal in line}
    originals: dict[int, tuple[int, int, int]] = {}

    groups: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    accounts: dict[str, int] = defaultdict(int)  # debit - credit
    seen_ordinals = bytearray()  # statements signed before tiers counted net cards: 1..n, each once
    net_count = statement.tier_count == "net_billed_cards"
    net = 0
    month_cards: set[int] = set()  # the month's billed cards, to tell a same-month reversal
    prev, expected = chain.anchor_hash, chain.first_seq
    period_tx = period_entries = 0
    last_hash = None
    closes = 0
    for number, line in enumerate(_lines(z, limits), start=1):
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
        pinned.see(seq, stored_hash)
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
        if tx["kind"] == TransactionKind.PERIOD_CLOSE:
            closes += 1
            want = close_lines(
                statement.period_rounding_adjustment,
                statement.ppn,
                statement.pph23_withheld,
                statement.ppn_withheld,
            )
            if lines != want or seq != chain.head_seq:
                problems.add(f"closing transaction {seq} does not carry the statement's adjustment and taxes")
            continue
        if zone is not None:
            check_dates(tx, zone, problems)
        check_card(tx, lines, prices, originals, problems)
        if net_count and tx["kind"] == TransactionKind.CARD and tx["billed"]:
            # Tiers count net billed cards: the card is the month's count so far, plus one.
            net += 1
            month_cards.add(seq)
            if tx["period_ordinal"] != net:
                problems.add(
                    f"transaction {seq}: numbered card {tx['period_ordinal']} of the month, but it is net "
                    f"billed card {net}"
                )
        elif net_count and tx["kind"] == TransactionKind.REVERSAL and tx["corrects_seq"] in month_cards:
            net -= 1  # a card reversed in its own month leaves the count
        elif tx["kind"] == TransactionKind.CARD and tx["billed"]:
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
    for message in pinned.finish(expected - 1):
        problems.add(message)
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
        if name not in statement.model_fields_set:
            continue  # a figure added after this statement was signed (e.g. the rounding rows)
        stated = getattr(statement, name)
        if isinstance(value, list):
            _compare(problems, name, [x.model_dump() for x in stated], [x.model_dump() for x in value])
        elif hasattr(value, "model_dump"):
            _compare(problems, name, stated.model_dump(), value.model_dump())
        else:
            _compare(problems, name, stated, value)
    # Independently of the roll-up: the totals are what the accounts add up to.
    for name, stated, computed in (
        ("citizen_fees", statement.citizen_fees, accounts[Account.CITIZEN_FEES]),
        ("regency_service_fees", statement.regency_service_fees, accounts[Account.REGENCY_EXPENSE]),
        ("regency_share", statement.regency_share, -accounts[Account.REGENCY_REVENUE]),
        ("net_payable_to_partner", statement.net_payable_to_partner, -accounts[Account.PARTNER_PAYABLE]),
        ("pph23_withheld", statement.pph23_withheld, -accounts[Account.PPH23_PAYABLE]),
        ("ppn", statement.ppn, accounts[Account.PPN_EXPENSE]),
        ("ppn_withheld", statement.ppn_withheld, -accounts[Account.PPN_PAYABLE]),
    ):
        _compare(problems, f"{name} (account)", stated, computed)


def main(argv: list[str] | None = None) -> int:
    """``python -m billing.bundle BUNDLE PUBLIC_KEY.pem [CHECKPOINTS.jsonl]``: print the problems, exit 1 if
    any."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("usage: python -m billing.bundle BUNDLE PUBLIC_KEY.pem [CHECKPOINTS.jsonl]", file=sys.stderr)
        return 2
    held, problems = read_log(Path(args[2])) if len(args) == 3 else ([], [])
    try:
        problems += verify_bundle(Path(args[0]), Path(args[1]).read_bytes(), held)
    except BundleRefused as exc:
        print(f"refused: {exc.message}", file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    print("OK: signature, chain and every total check out" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
