"""Who is acting, and what their office may see."""

from __future__ import annotations

from dataclasses import dataclass

from ktp_service.errors import OutOfOfficeScope
from ktp_service.vocab import Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: Role
    office_code: str | None = None

    def serves(self, region_code: str) -> bool:
        """True when this actor's office serves ``region_code`` (a kecamatan or village code).

        A kecamatan office serves its own kecamatan and every village in it; a regency one-stop office
        (``33.14``) serves every kecamatan of the regency; a village service point (``33.14.01.2001``)
        serves that village only, so a resident is checked by their kelurahan/desa code (``kode_desa``).
        Roles not bound to an office are not limited by region.
        """
        if not self.role.office_bound:
            return True
        if not self.office_code:
            return False
        return region_code == self.office_code or region_code.startswith(self.office_code + ".")

    def require_serves(self, region_code: str, what: str = "This resident") -> None:
        if not self.serves(region_code):
            raise OutOfOfficeScope(
                f"{what} belongs to region {region_code}, which your office ({self.office_code}) does not serve.",
                params={"region": region_code, "office": self.office_code or ""},
            )


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN)
