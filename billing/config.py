"""What billing needs from the application, passed in (billing never reads the application's settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from billing.signing import KeyStore


@dataclass(frozen=True)
class BillingConfig:
    """``key_dir``: where the signing and HMAC keys live (outside the database). ``zone``: the IANA zone
    whose calendar months are the billing periods (Asia/Jakarta = WIB; WITA and WIT regencies differ)."""

    key_dir: Path
    zone_name: str = "Asia/Jakarta"
    zone: ZoneInfo = field(init=False, repr=False, compare=False)
    keys: KeyStore = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen dataclass: set the derived fields once, here.
        object.__setattr__(self, "zone", ZoneInfo(self.zone_name))
        object.__setattr__(self, "keys", KeyStore(self.key_dir))
