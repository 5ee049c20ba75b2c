"""TEMPORARY (replaced by the billing-split branch)."""

from enum import StrEnum


class IssuanceReason(StrEnum):
    BARU = "baru"
    HILANG = "hilang"
    RUSAK = "rusak"
    PERUBAHAN_DATA = "perubahan_data"
    PERPANJANGAN = "perpanjangan"
