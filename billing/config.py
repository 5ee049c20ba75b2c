"""What billing needs from the application, passed in (billing never reads the application's settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from billing.signing import KeyStore


@dataclass(frozen=True)
class BillingConfig:
    """``key_dir``: where the signing and HMAC keys live (outside the database). ``zone``: the IANA zone
    whose calendar months are the billing periods (Asia/Jakarta = WIB; WITA and WIT regencies differ).
    ``checkpoint_log``: the append-only file that keeps a copy of every signed chain checkpoint outside the
    database (default: ``checkpoints/chain-checkpoints.jsonl`` beside ``key_dir``)."""

    key_dir: Path
    zone_name: str = "Asia/Jakarta"
    checkpoint_log: Path | None = None
    zone: ZoneInfo = field(init=False, repr=False, compare=False)
    keys: KeyStore = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen dataclass: set the derived fields once, here.
        object.__setattr__(self, "zone", ZoneInfo(self.zone_name))
        object.__setattr__(self, "keys", KeyStore(self.key_dir))

    @property
    def checkpoint_path(self) -> Path:
        return self.checkpoint_log or self.key_dir.parent / "checkpoints" / "chain-checkpoints.jsonl"
