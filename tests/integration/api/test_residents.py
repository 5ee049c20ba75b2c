"""The resident registry through the API: a Kalijambe clerk registers, finds and corrects a resident."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, text
from sqlmodel import Session, select

from ktp_service.models import AuditEvent, Resident, ResidentVersion
from tests.conftest import World
from tests.factories import png_bytes, resident_payload

Headers = Callable[[str], dict[str, str]]
CLERK = "kalijambe.clerk"


def test_register_find_correct_with_history(client: TestClient, as_user: Headers) -> None:
    h = as_user(CLERK)
    body = resident_payload(nama="  siti   nur'aini  ", rt="3", rw=19)
    r = client.post("/api/v1/residents", json=body, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["nama"] == "SITI NUR'AINI"  # upper case, collapsed spaces
    assert (created["rt"], created["rw"]) == ("003", "019")
    assert created["kecamatan"] == "KALIJAMBE" and created["kelurahan_desa"] == "KEDEN"
    assert created["version"] == 1 and created["warnings"] == []
    nik = created["nik"]

    assert client.get(f"/api/v1/residents/{nik}", headers=h).json()["nik"] == nik
    by_prefix = client.get("/api/v1/residents", params={"nik": nik[:8]}, headers=h).json()
    assert [x["nik"] for x in by_prefix["data"]] == [nik] and by_prefix["count"] == 1
    by_name = client.get("/api/v1/residents", params={"nama": "nur'aini siti"}, headers=h).json()
    assert [x["nik"] for x in by_name["data"]] == [nik]

    r = client.patch(
        f"/api/v1/residents/{nik}", json={"alamat": "Dk. Ngebung RT 1"}, headers=h | {"If-Match": "1"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["alamat"] == "DK. NGEBUNG RT 1" and r.json()["version"] == 2

    hist = client.get(f"/api/v1/residents/{nik}/history", headers=h).json()["versions"]
    assert [v["version"] for v in hist] == [1, 2]
    assert hist[1]["changed_fields"] == ["alamat"] and hist[1]["changed_by"] == CLERK
    assert hist[0]["data"]["alamat"] == "JL. RAYA KALIJAMBE NO. 12"


def test_stale_edit_is_refused(client: TestClient, as_user: Headers) -> None:
    h = as_user(CLERK)
    nik = client.post("/api/v1/residents", json=resident_payload(), headers=h).json()["nik"]
    client.patch(f"/api/v1/residents/{nik}", json={"pekerjaan": "PETANI/PEKEBUN"}, headers=h)
    r = client.patch(f"/api/v1/residents/{nik}", json={"alamat": "X"}, headers=h | {"If-Match": "1"})
    assert r.status_code == 409 and r.json()["error"] == "stale_version"
    assert r.json()["params"] == {"version": 2, "edited": 1}
    assert "diubah orang lain" in r.json()["message"]  # Indonesian by default
    english = client.patch(
        f"/api/v1/residents/{nik}",
        json={"alamat": "X"},
        headers=h | {"If-Match": "1", "Accept-Language": "en"},
    )
    assert "changed by someone else (now version 2" in english.json()["message"]


def test_duplicate_nik_is_409(client: TestClient, as_user: Headers) -> None:
    body = resident_payload()
    assert client.post("/api/v1/residents", json=body, headers=as_user(CLERK)).status_code == 201
    r = client.post("/api/v1/residents", json=body, headers=as_user(CLERK))
    assert r.status_code == 409 and r.json()["error"] == "nik_already_registered"


def _count(world: World, model: type) -> int:
    with Session(world.engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_refusals_name_the_problem_and_save_nothing(
    client: TestClient, as_user: Headers, world: World
) -> None:
    h = as_user(CLERK)
    audit_before = _count(world, AuditEvent)
    cases = {
        # village of another kecamatan
        "kode_desa": resident_payload(kode_desa="33.14.01.2001") | {"kode_desa": "33.14.02.2001"},
        # NIK says born on the 17th as a man, body says woman
        "nik": resident_payload(female=False) | {"jenis_kelamin": "PEREMPUAN"},
        "rt": resident_payload(rt="12a"),
        "agama": resident_payload(agama="JEDI"),
        "pekerjaan": resident_payload(pekerjaan="ASTRONOT"),
        "golongan_darah": resident_payload(golongan_darah="C"),
        "nama": resident_payload(nama="BUDI 123"),
    }
    for field, body in cases.items():
        r = client.post("/api/v1/residents", json=body, headers=h)
        assert r.status_code == 422, (field, r.text)
        out = r.json()
        assert out["error"] == "validation_error"
        assert field in [d["field"] for d in out["detail"]], (field, out)
        assert all(d["message"] for d in out["detail"])
    assert _count(world, Resident) == 0
    assert _count(world, ResidentVersion) == 0
    # logins were audited, refused writes left nothing behind
    assert _count(world, AuditEvent) == audit_before


def test_nik_rules_are_explained(client: TestClient, as_user: Headers) -> None:
    h = as_user(CLERK)
    base = resident_payload(born=date(1990, 2, 3), female=False, serial=7)
    nik = base["nik"]
    wrong_date = base | {"tanggal_lahir": "1990-02-04"}
    r = client.post("/api/v1/residents", json=wrong_date, headers=h)
    assert r.status_code == 422 and "03-02-..90" in r.json()["message"]
    r = client.post("/api/v1/residents", json=base | {"nik": nik[:12] + "0000"}, headers=h)
    assert r.status_code == 422 and "0000" in r.json()["message"]
    r = client.post("/api/v1/residents", json=base | {"nik": "99" + nik[2:]}, headers=h)
    assert r.status_code == 422 and "never existed" in r.json()["message"]
    r = client.post("/api/v1/residents", json=base | {"nik": nik[:6] + "310290" + nik[12:]}, headers=h)
    assert r.status_code == 422 and "not a real date" in r.json()["message"]


def test_old_region_code_is_kept_with_a_warning(client: TestClient, as_user: Headers) -> None:
    # Registered in Merauke under its pre-2022 code 91.01.xx; the NIK never changes (UU 24/2013 art. 13).
    body = resident_payload()
    body["nik"] = "910101" + body["nik"][6:]
    r = client.post("/api/v1/residents", json=body, headers=as_user(CLERK))
    assert r.status_code == 201, r.text
    assert [w["code"] for w in r.json()["warnings"]] == ["region_not_current"]


def test_clerk_is_limited_to_their_office(client: TestClient, as_user: Headers) -> None:
    plupuh = resident_payload(kode_desa="33.14.02.2001")
    r = client.post("/api/v1/residents", json=plupuh, headers=as_user(CLERK))
    assert r.status_code == 403 and "33.14.02" in r.json()["message"]
    # the regency one-stop office serves every kecamatan
    assert client.post("/api/v1/residents", json=plupuh, headers=as_user("kpt.clerk")).status_code == 201
    # someone else's resident answers like an unknown NIK (no hint of where they live)
    r = client.get(f"/api/v1/residents/{plupuh['nik']}", headers=as_user(CLERK))
    assert r.status_code == 404 and "33.14.02" not in r.text
    found = client.get("/api/v1/residents", params={"nik": plupuh["nik"][:6]}, headers=as_user(CLERK)).json()
    assert found["count"] == 0


def _jpeg_rotated() -> bytes:
    # A 400x300 landscape JPEG whose EXIF says "rotate 90": it is a 300x400 portrait once oriented.
    img = Image.new("RGB", (400, 300), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photo_and_signature_upload(client: TestClient, as_user: Headers, settings) -> None:  # type: ignore[no-untyped-def]
    h = as_user(CLERK)
    nik = client.post("/api/v1/residents", json=resident_payload(), headers=h).json()["nik"]
    r = client.put(
        f"/api/v1/residents/{nik}/photo", files={"file": ("p.jpg", _jpeg_rotated(), "image/jpeg")}, headers=h
    )
    assert r.status_code == 200, r.text
    sha = r.json()["photo_sha256"]
    stored = settings.images_dir / sha[:2] / f"{sha}.jpeg"
    with Image.open(stored) as img:
        assert img.size == (300, 400)  # orientation applied
        assert 0x0112 not in img.getexif()  # EXIF dropped
    sig = io.BytesIO()
    Image.new("RGBA", (300, 120), (0, 0, 0, 0)).save(sig, "PNG")
    r = client.put(
        f"/api/v1/residents/{nik}/signature",
        files={"file": ("s.png", sig.getvalue(), "image/png")},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["signature_sha256"]
    assert r.json()["version"] == 3


def test_bad_images_are_refused(client: TestClient, as_user: Headers, world: World) -> None:
    h = as_user(CLERK)
    nik = client.post("/api/v1/residents", json=resident_payload(), headers=h).json()["nik"]
    gif = io.BytesIO()
    Image.new("RGB", (300, 400)).save(gif, "GIF")
    truncated = png_bytes()[:200]
    cases = {
        "not an image": b"%PDF-1.4 not an image",
        "gif": gif.getvalue(),
        "truncated": truncated,
        "too small": png_bytes(50, 50),
        "empty": b"",
    }
    for name, data in cases.items():
        r = client.put(f"/api/v1/residents/{nik}/photo", files={"file": ("f", data, "image/png")}, headers=h)
        assert r.status_code == 422, (name, r.text)
        assert r.json()["detail"][0]["field"] == "file"
    with Session(world.engine) as s:
        assert s.exec(select(Resident.photo_sha256)).one() is None


def test_decompression_bomb_is_refused(client: TestClient, as_user: Headers) -> None:
    h = as_user(CLERK)
    nik = client.post("/api/v1/residents", json=resident_payload(), headers=h).json()["nik"]
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")  # 400 Mpx in a few dozen KB
    r = client.put(
        f"/api/v1/residents/{nik}/photo", files={"file": ("b.png", bomb.getvalue(), "image/png")}, headers=h
    )
    assert r.status_code == 422 and "limit" in r.json()["message"]


def test_every_step_is_audited_without_personal_data(
    client: TestClient, as_user: Headers, world: World
) -> None:
    h = as_user(CLERK)
    body = resident_payload()
    nik = client.post("/api/v1/residents", json=body, headers=h).json()["nik"]
    client.get(f"/api/v1/residents/{nik}", headers=h)
    client.get(f"/api/v1/residents/{nik}", headers=as_user("finance"))
    client.patch(f"/api/v1/residents/{nik}", json={"rt": "004"}, headers=h)
    with Session(world.engine) as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.entity == "resident").order_by(AuditEvent.id)).all()
        dump = repr([(e.action, e.entity_id, e.detail) for e in rows])
    assert [(e.action, e.username) for e in rows] == [
        ("resident.create", CLERK),
        ("resident.read", CLERK),
        ("resident.read", "finance"),
        ("resident.update", CLERK),
    ]
    assert rows[-1].detail["fields"] == ["rt"]
    assert nik not in dump and "SITI" not in dump


def test_audit_trail_refuses_update_and_delete(world: World) -> None:
    import pytest

    with Session(world.engine) as s:
        s.add(AuditEvent(username="x", role="admin", action="t", entity="t"))
        s.commit()
    for sql in ("UPDATE audit_event SET action = 'forged'", "DELETE FROM audit_event"):
        with world.engine.begin() as conn, pytest.raises(Exception, match="append-only"):
            conn.execute(text(sql))
