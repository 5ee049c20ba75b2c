"""Verifying a month's bundle offline, with the regency's public key and the checkpoints the partner holds.

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
each member's and all members' declared uncompressed size and compression ratio (checked before a byte is
inflated), what is actually inflated (read in bounded chunks, stopping at the limit) and the length of a
line. Past any of them it is refused whole (:class:`~ktp_verify.messages.BundleRefused`).

:func:`verify_bundle` checks the signature, every hash and link of the stretch and its head, that each card
was priced as its contract version says, that every transaction balances, and recomputes every figure of
the statement, both through the roll-up the service signs with and from the sums of the entries' accounts.
It returns the problems found, the chain's first (they say whether the entries are the ones signed), then
each card's, then the figures'; an empty list means the bundle checks out.
"""

from __future__ import annotations

import codecs
import json
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ktp_verify.book import HASHED_FIELDS, close_lines
from ktp_verify.canonical import canonical_bytes, canonical_json, sha256_hex
from ktp_verify.checkpoints import CLOSE, Checkpoint, CheckpointCheck
from ktp_verify.checks import Prices, Problems, check_card, check_dates
from ktp_verify.keys import load_key_ring, signature_valid
from ktp_verify.messages import BundleRefused, Problem
from ktp_verify.pricing import Terms, pricing_sha256, read_terms
from ktp_verify.rollup import Group, rollup
from ktp_verify.vocab import Account, TransactionKind

STATEMENT = "statement.json"
SIGNATURE = "statement.sig"
TRANSACTIONS = "transactions.jsonl"
README = "README.txt"
MiB = 1024 * 1024


@dataclass(frozen=True)
class BundleLimits:
    """The bounds a bundle is read within, in bytes (``ratio``: uncompressed / compressed)."""

    members: int = 16
    statement_bytes: int = 16 * MiB
    signature_bytes: int = 4096
    transactions_bytes: int = 1024 * MiB  # about a million cards in one month
    other_bytes: int = MiB  # README.txt, or anything else: never read, but held to this
    total_bytes: int = 1024 * MiB + 32 * MiB  # all members together
    line_bytes: int = MiB
    ratio: int = 100  # canonical JSON with hex hashes inflates about 5 to 10 times
    ratio_floor: int = MiB  # smaller members are not held to the ratio (tiny files inflate oddly)
    chunk_bytes: int = MiB

    def member_bytes(self, name: str) -> int:
        return {
            STATEMENT: self.statement_bytes,
            SIGNATURE: self.signature_bytes,
            TRANSACTIONS: self.transactions_bytes,
        }.get(name, self.other_bytes)

    @property
    def max_cards(self) -> int:
        """More cards than lines fit in the transactions' limit cannot be numbered in one bundle."""
        return self.transactions_bytes // 100


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
        raise BundleRefused(Problem("too_many_members", count=len(infos), limit=limits.members))
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise BundleRefused(Problem("duplicate_member"))
    for info in infos:
        limit = limits.member_bytes(info.filename)
        if info.file_size > limit:
            raise BundleRefused(
                Problem("member_declares", name=info.filename, size=info.file_size, limit=limit)
            )
        if info.file_size > limits.ratio_floor and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise BundleRefused(
                Problem(
                    "member_ratio",
                    name=info.filename,
                    packed=info.compress_size,
                    size=info.file_size,
                    ratio=limits.ratio,
                )
            )
    total = sum(info.file_size for info in infos)
    if total > limits.total_bytes:
        raise BundleRefused(Problem("bundle_total", size=total, limit=limits.total_bytes))


class _Reader:
    """Inflates a bundle's members in bounded chunks, each member held to its limit and all of them to the
    total, whatever their headers declared."""

    def __init__(self, z: zipfile.ZipFile, limits: BundleLimits) -> None:
        self.z, self.limits, self.total = z, limits, 0

    def chunks(self, name: str) -> Iterator[bytes]:
        limit, size = self.limits.member_bytes(name), 0
        with self.z.open(name) as f:
            while chunk := f.read(self.limits.chunk_bytes):
                size += len(chunk)
                self.total += len(chunk)
                if size > limit:
                    raise BundleRefused(Problem("member_inflates", name=name, limit=limit))
                if self.total > self.limits.total_bytes:
                    raise BundleRefused(
                        Problem("bundle_total", size=self.total, limit=self.limits.total_bytes)
                    )
                yield chunk

    def read(self, name: str) -> bytes:
        return b"".join(self.chunks(name))

    def lines(self) -> Iterator[str]:
        """The non-empty lines of transactions.jsonl. Decoding and splitting run in C on whole chunks; a line
        longer than ``line_bytes`` is refused (no line is held whole past it)."""
        limit = self.limits.line_bytes
        decoder = codecs.getincrementaldecoder("utf-8")()
        pending = ""
        for chunk in self.chunks(TRANSACTIONS):
            lines = (pending + decoder.decode(chunk)).split("\n")
            pending = lines.pop()
            if len(pending) > limit or any(len(line) > limit for line in lines):
                raise BundleRefused(Problem("line_too_long", name=TRANSACTIONS, limit=limit))
            yield from (line for line in lines if line)
        pending += decoder.decode(b"", final=True)
        if pending:
            yield pending


def verify_bundle(
    bundle_path: Path,
    public_key_pem: str | bytes,
    checkpoints: Sequence[Checkpoint] = (),
    *,
    limits: BundleLimits = LIMITS,
) -> list[str]:
    """Check a bundle; returns the problems found (:class:`~ktp_verify.messages.Problem`, empty: it checks
    out). ``checkpoints`` are those the partner holds: each one inside the bundle's stretch must name a
    transaction of it, and the month's close checkpoint its closing head. A bundle rewritten and re-signed
    by someone holding the key passes the other checks, but not these. Raises
    :class:`~ktp_verify.messages.BundleRefused` for a bundle past ``limits``, having read no further."""
    try:
        ring = load_key_ring(public_key_pem)
    except ValueError as exc:
        return [Problem("key_unreadable", error=exc)]
    try:
        z = zipfile.ZipFile(bundle_path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [Problem("bundle_unopenable", error=exc)]
    chain, other = Problems(), Problems()
    with z:
        _check_members(z, limits)
        missing = [n for n in (STATEMENT, SIGNATURE, TRANSACTIONS) if n not in z.namelist()]
        if missing:
            return [Problem("bundle_lacks", names=", ".join(missing))]
        try:
            _verify_contents(_Reader(z, limits), ring, chain, other, checkpoints, limits)
        except _UNREADABLE as exc:
            chain.add("bundle_unreadable", error=f"{type(exc).__name__}: {exc}")
    chain.extend_problems(other)
    return list(chain)


_INTS = ("cards_billed", "cards_not_billed", "gross_amount", "citizen_fees", "regency_service_fees",
         "partner_share", "regency_share", "period_rounding_adjustment", "pph23_withheld", "ppn",
         "net_payable_to_partner")  # fmt: skip
_CHAIN_INTS = ("first_seq", "head_seq", "period_transactions", "period_entries")


# Figures a statement carries since contract terms (issue 11); one signed before them lacks them.
_NEWER_INTS = ("ppn_withheld",)
NET_BILLED_CARDS = "net_billed_cards"  # ``tier_count``: card ordinals count the month's net billed cards


def _statement_error(data: Any) -> str | None:
    """What makes ``data`` not a statement this verifier can check, or ``None``."""
    if not isinstance(data, dict):
        return "not an object"
    for name in ("month", "zone", "status"):
        if not isinstance(data.get(name), str):
            return name
    if data.get("key_id") is not None and not isinstance(data["key_id"], str):
        return "key_id"
    if any(type(data.get(name)) is not int for name in _INTS):
        return next(name for name in _INTS if type(data.get(name)) is not int)
    for name in _NEWER_INTS:
        if name in data and type(data[name]) is not int:
            return name
    if data.get("tier_count", "posted_cards") not in ("posted_cards", NET_BILLED_CARDS):
        return "tier_count"
    for name in ("by_office", "by_reason", "by_contract_version", "contracts"):
        if not isinstance(data.get(name), list):
            return name
    for snap in data["contracts"]:
        if not (
            isinstance(snap, dict)
            and type(snap.get("id")) is int
            and isinstance(snap.get("terms"), dict)
            and isinstance(snap.get("terms_sha256"), str)
        ):
            return "contracts"
    chain = data.get("chain")
    if chain is not None and not (
        isinstance(chain, dict)
        and all(type(chain.get(n)) is int for n in _CHAIN_INTS)
        and all(isinstance(chain.get(n), str) for n in ("head_hash", "anchor_hash"))
    ):
        return "chain"
    return None


def _verify_contents(
    reader: _Reader,
    ring: Mapping[str, Any],
    chain: Problems,
    other: Problems,
    checkpoints: Sequence[Checkpoint],
    limits: BundleLimits,
) -> None:
    raw = reader.read(STATEMENT)
    signature = reader.read(SIGNATURE).decode("ascii", "replace").strip()
    try:
        statement = json.loads(raw)
    except ValueError as exc:
        chain.add("statement_invalid", error=exc)
        return
    error = _statement_error(statement)
    if error is not None:
        chain.add("statement_invalid", error=error)
        return
    # The key is the one the statement names (signed content): after a rotation each month has its own.
    key = ring.get(statement.get("key_id") or "")
    if key is None:
        chain.add("key_not_given", key_id=statement.get("key_id"), given=", ".join(ring))
    elif not signature_valid(key, raw, signature):
        chain.add("signature_mismatch")
    if canonical_bytes(statement) != raw:
        chain.add("not_canonical")
    if statement["status"] != "closed" or statement.get("chain") is None:
        chain.add("not_closed")
        return
    _verify_transactions(reader, statement, ring, chain, other, checkpoints, limits)


# Indonesia's zones have kept one offset without daylight saving since 1988: a machine without a time-zone
# database (Windows without the tzdata package) still checks dates in them.
_INDONESIA = {"Asia/Jakarta": 7, "Asia/Pontianak": 7, "Asia/Makassar": 8, "Asia/Jayapura": 9}


def time_zone(name: str) -> tzinfo | None:
    """The zone ``name`` from the system's time-zone database, or Indonesia's fixed offsets without one."""
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        hours = _INDONESIA.get(name)
        return None if hours is None else timezone(timedelta(hours=hours), name)


def _terms(statement: dict[str, Any], problems: Problems) -> dict[int, Terms]:
    terms: dict[int, Terms] = {}
    for snap in statement["contracts"]:
        try:
            terms[snap["id"]] = read_terms(snap["terms"])
        except ValueError as exc:
            problems.add("contract_invalid", version=snap["id"], error=exc)
            continue
        if sha256_hex(canonical_bytes(snap["terms"])) != snap["terms_sha256"]:
            problems.add("contract_sha", version=snap["id"])
    return terms


def _verify_transactions(
    reader: _Reader,
    statement: dict[str, Any],
    ring: Mapping[str, Any],
    chain_problems: Problems,
    problems: Problems,
    checkpoints: Sequence[Checkpoint],
    limits: BundleLimits,
) -> None:
    chain = statement["chain"]
    month = statement["month"]
    pinned = CheckpointCheck(checkpoints, ring, chain["first_seq"], chain["head_seq"])
    for c in pinned.valid:
        if (
            c.reason == CLOSE
            and c.month == month
            and (c.seq, c.hash) != (chain["head_seq"], chain["head_hash"])
        ):
            chain_problems.add("close_head_other", checkpoint=c)
    terms = _terms(statement, problems)
    prices = Prices(
        terms, {snap["id"]: pricing_sha256(canonical_json(snap["terms"])) for snap in statement["contracts"]}
    )
    zone = time_zone(statement["zone"])
    if zone is None:
        problems.add("unknown_zone", zone=repr(statement["zone"]))

    # First pass: which transactions are reversed (a reversal comes after what it reverses, so collect
    # targets first rather than keep every transaction in memory). Canonical JSON escapes quotes inside
    # strings, so this text can only be the kind field itself.
    reversal = f'"kind":"{TransactionKind.REVERSAL}"'
    targets = {json.loads(line).get("corrects_seq") for line in reader.lines() if reversal in line}
    originals: dict[int, tuple[int, int, int]] = {}

    groups: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    accounts: dict[str, int] = defaultdict(int)  # debit - credit
    ordinals = _Ordinals(statement.get("tier_count") == NET_BILLED_CARDS, limits.max_cards)
    prev, expected = chain["anchor_hash"], chain["first_seq"]
    period_tx = period_entries = 0
    last_hash = None
    closes = 0
    for number, line in enumerate(reader.lines(), start=1):
        try:
            tx = json.loads(line)
            stored_hash = tx.pop("hash")
            seq = tx["seq"]
        except (ValueError, KeyError, TypeError, AttributeError):
            chain_problems.add("line_not_transaction", name=TRANSACTIONS, line=number)
            continue
        if seq != expected:
            chain_problems.add("transaction_missing", expected=expected, line=number, seq=seq)
        if tx.get("prev_hash") != prev:
            chain_problems.add("prev_hash", seq=seq)
        try:
            content = [tx[name] for name in HASHED_FIELDS]
            content.append(tx["lines"])
        except KeyError as exc:
            chain_problems.add("field_missing", seq=seq, field=exc)
            continue
        if sha256_hex(canonical_bytes(content)) != stored_hash:
            chain_problems.add("content_hash", seq=seq, event_key=tx.get("event_key"))
        prev, last_hash = stored_hash, stored_hash
        expected = seq + 1 if type(seq) is int else expected + 1
        pinned.see(seq, stored_hash)
        try:
            _one_transaction(tx, statement, terms, prices, zone, targets, originals, problems, ordinals, groups,
                             accounts)  # fmt: skip
        except (KeyError, TypeError, ValueError):
            problems.add("line_not_transaction", name=TRANSACTIONS, line=number)
            continue
        if tx["period"] == month:
            period_tx += 1
            period_entries += len(tx["lines"])
            closes += tx["kind"] == TransactionKind.PERIOD_CLOSE

    last = expected - 1
    if last != chain["head_seq"]:
        chain_problems.add("stretch_ends", last=last, head=chain["head_seq"])
    elif last_hash != chain["head_hash"]:
        # Every hash and link holds, yet the stretch ends elsewhere: the chain was re-hashed after a change.
        chain_problems.add("head_hash", stated=chain["head_hash"], actual=last_hash)
    for message in pinned.finish(last):
        chain_problems.extend_problems([message])
    if closes != 1:
        problems.add("closes", count=closes)
    _compare(problems, "chain.period_transactions", chain["period_transactions"], period_tx)
    _compare(problems, "chain.period_entries", chain["period_entries"], period_entries)
    if ordinals.gaps():
        problems.add("ordinal_gaps")
    _verify_figures(statement, terms, groups, accounts, problems)


class _Ordinals:
    """The check of each billed card's ``period_ordinal``, the place in the month's count its tier priced it
    by. Statements marked ``tier_count: "net_billed_cards"`` count net billed cards: the month's count so
    far plus one, where a card reversed in its own month leaves the count (so ordinals repeat, one per such
    reversal) and a reversal of an earlier month's card lowers no count. Statements signed before that rule
    numbered every billed card posted 1 to n, each once."""

    def __init__(self, net: bool, max_cards: int) -> None:
        self.net, self.max_cards = net, max_cards
        self.count = 0
        self.month_cards: set[int] = set()  # the month's billed cards, to tell a same-month reversal
        self.seen = bytearray()

    def card(self, seq: int, ordinal: Any, problems: Problems) -> None:
        if self.net:
            self.count += 1
            self.month_cards.add(seq)
            if ordinal != self.count:
                problems.add("ordinal_net", seq=seq, ordinal=ordinal, net=self.count)
            return
        if type(ordinal) is not int or not 1 <= ordinal <= self.max_cards:
            problems.add("ordinal_gaps")  # numbered outside what a bundle can hold: not 1 to n
            return
        if len(self.seen) <= ordinal:
            self.seen.extend(bytes(ordinal + 1 - len(self.seen)))
        if self.seen[ordinal]:
            problems.add("ordinal_twice", seq=seq, ordinal=ordinal)
        self.seen[ordinal] = 1

    def reversal(self, corrects_seq: Any) -> None:
        if self.net and corrects_seq in self.month_cards:
            self.count -= 1  # a card reversed in its own month leaves the count

    def gaps(self) -> bool:
        return 0 in self.seen[1:]


def _one_transaction(
    tx: dict[str, Any],
    statement: dict[str, Any],
    terms: Mapping[int, Terms],
    prices: Prices,
    zone: tzinfo | None,
    targets: set[Any],
    originals: dict[int, tuple[int, int, int]],
    problems: Problems,
    ordinals: _Ordinals,
    groups: dict[tuple[Any, ...], list[int]],
    accounts: dict[str, int],
) -> None:
    """The checks of one transaction of the stretch beyond its hash: its month's sums, balance, price."""
    seq = tx["seq"]
    if seq in targets:
        originals[seq] = (tx["fee"], tx["partner"], tx["regency"])
    if tx["period"] != statement["month"]:
        return
    lines = [tuple(x) for x in tx["lines"]]
    if sum(x[1] for x in lines) != sum(x[2] for x in lines):
        problems.add("unbalanced", seq=seq)
    for account, debit, credit in lines:
        accounts[account] += debit - credit
    if tx["kind"] == TransactionKind.PERIOD_CLOSE:
        want = close_lines(
            statement["period_rounding_adjustment"],
            statement["ppn"],
            statement["pph23_withheld"],
            statement.get("ppn_withheld", 0),
        )
        if lines != want or seq != statement["chain"]["head_seq"]:
            problems.add("close_lines", seq=seq)
        return
    if zone is not None:
        check_dates(tx, zone, statement["zone"], problems)
    check_card(tx, lines, prices, originals, problems)
    if tx["kind"] == TransactionKind.CARD and tx["billed"]:
        ordinals.card(seq, tx["period_ordinal"], problems)
    elif tx["kind"] == TransactionKind.REVERSAL:
        ordinals.reversal(tx["corrects_seq"])
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


def _compare(problems: Problems, name: str, stated: Any, computed: Any) -> None:
    if stated != computed:
        problems.add("mismatch", name=name, stated=stated, computed=computed)


def _verify_figures(
    statement: dict[str, Any],
    terms: Mapping[int, Terms],
    groups: Mapping[tuple[Any, ...], list[int]],
    accounts: Mapping[str, int],
    problems: Problems,
) -> None:
    group_list = [Group(*k, *v) for k, v in groups.items()]
    unknown = {g.contract_version_id for g in group_list} - terms.keys()
    if unknown:
        problems.add("unknown_versions", versions=sorted(unknown))
        return
    for name, value in rollup(group_list, terms).items():
        if name not in statement:
            continue  # a figure added after this statement was signed (the rounding rows, ppn_withheld)
        stated = statement[name]
        if name == "by_contract_version" and isinstance(stated, list):
            # Signed before the PPN collector existed: each version read as the partner collecting it.
            stated = [
                {"ppn_collector": "partner", "ppn_withheld": 0, **v} if isinstance(v, dict) else v
                for v in stated
            ]
        _compare(problems, name, stated, value)
    # Independently of the roll-up: the totals are what the accounts add up to.
    for name, computed in (
        ("citizen_fees", accounts.get(Account.CITIZEN_FEES, 0)),
        ("regency_service_fees", accounts.get(Account.REGENCY_EXPENSE, 0)),
        ("regency_share", -accounts.get(Account.REGENCY_REVENUE, 0)),
        ("net_payable_to_partner", -accounts.get(Account.PARTNER_PAYABLE, 0)),
        ("pph23_withheld", -accounts.get(Account.PPH23_PAYABLE, 0)),
        ("ppn", accounts.get(Account.PPN_EXPENSE, 0)),
        ("ppn_withheld", -accounts.get(Account.PPN_PAYABLE, 0)),
    ):
        _compare(problems, f"{name} (account)", statement.get(name, 0), computed)
