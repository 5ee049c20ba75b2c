"""The catalogue covers every text the console shows, and the formats are the ones the issue asks for."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ktp_service.web import i18n
from ktp_service.web.indicators import quantile

WEB = Path(i18n.__file__).parent
# _("key") in templates, page.t("key") / translate("key") in code; keys built with ~ are checked by prefix.
USES = re.compile(r"""(?:\b_|\.t|translate)\(\s*["']([a-z_]+\.[a-z0-9_.\-]+|choose|seumur_hidup)["']""")


def _used_keys() -> set[str]:
    found: set[str] = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        found |= set(USES.findall(path.read_text()))
    return found


def test_every_key_used_is_in_the_catalogue() -> None:
    used = _used_keys()
    assert len(used) > 100
    assert sorted(k for k in used if not k.endswith(".") and not i18n.has(k)) == []


def test_keys_built_from_domain_values_all_exist() -> None:
    """Templates build keys like ``"state." ~ job.state``: every value the domain can produce has text."""
    from ktp_service.schemas.printing import JobReason
    from ktp_service.vocab import Role
    from printers.simulator import FAULTS

    states = ["pending", "pending-held", "processing", "processing-stopped", "needs-confirmation"]
    states += ["canceled", "aborted", "aborted-spoiled", "completed"]
    wanted = [f"state.{s}" for s in states] + [f"reason.{r}" for r in JobReason]
    wanted += [f"fault.{f}" for f in FAULTS] + [f"role.{r.value}" for r in Role]
    wanted += [f"stock.kind.{k}" for k in ("receipt", "printed", "spoiled", "adjustment")]
    assert [k for k in wanted if not i18n.has(k)] == []


def test_both_languages_are_filled_in() -> None:
    assert [k for k, (id_, en) in i18n.CATALOGUE.items() if not id_.strip() or not en.strip()] == []


@pytest.mark.parametrize(
    ("amount", "text"), [(0, "Rp 0"), (10000, "Rp 10.000"), (1234567, "Rp 1.234.567"), (-2500, "-Rp 2.500")]
)
def test_rupiah(amount: int, text: str) -> None:
    assert i18n.rupiah(amount) == text


def test_dates_are_dd_mm_yyyy_in_the_office_time_zone() -> None:
    assert i18n.tanggal(date(1985, 8, 17)) == "17-08-1985"
    # 17:30 UTC on the 31st is 00:30 WIB on the 1st.
    assert i18n.tanggal(datetime(2026, 10, 31, 17, 30, tzinfo=UTC)) == "01-11-2026"
    assert i18n.waktu(datetime(2026, 10, 31, 17, 30, tzinfo=UTC)) == "01-11-2026 00:30"


def test_percent_uses_a_decimal_comma() -> None:
    assert i18n.percent(1, 5) == "20,0%"
    assert i18n.percent(1, 0) == "-"


def test_quantile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 11)]
    assert quantile(values, 50) == 5.0
    assert quantile(values, 90) == 9.0
    assert quantile([3.0], 90) == 3.0
    assert quantile([], 50) is None
