"""Card rendering benchmark: varied residents on one core, render alone and render + lossless encode
(PNG, PDF) at 300 and 600 dpi, with cards/s, ms per card (median, p95) and the process's peak memory.

    .venv/bin/python benchmarks/render_bench.py            # 240 residents
    .venv/bin/python benchmarks/render_bench.py --count 500

Residents vary in name length (up to 45 characters, wrapped), accents and apostrophes, addresses (some
wrapped), dates, sex and validity; photos come from a pool of synthetic JPEGs of 480x640 up to 1536x2048
pixels (some with EXIF rotation), signatures from transparent PNGs and white-paper JPEGs. Images are made
before timing starts; the first card of each dpi (which draws the cached static layers) is timed apart.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import PIL

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.machine import print_machine  # noqa: E402
from ktp_service.cards import CardData, load_template, render_card, render_image  # noqa: E402
from ktp_service.cards.render import clear_caches  # noqa: E402
from ktp_service.cards.sample import make_photo, make_signature  # noqa: E402
from ktp_service.settings import PROJECT_ROOT  # noqa: E402

FIRST = [
    "SITI",
    "MUHAMMAD",
    "DEWI",
    "AGUS",
    "RATNA",
    "BAMBANG",
    "NUR'AINI",
    "JOSÉ",
    "ÉLODIE",
    "RADEN AJENG",
    "SRI",
]
MIDDLE = ["", "NURUL", "PUTRI", "ABDURRAHMAN", "KUSUMA", "WAHYU", "MA'RUF", "MÜLLER-LÜDENSCHEIDT", "HIDAYAT"]
LAST = ["", "RAHAYU", "SANTOSO", "WIJAYAKUSUMA", "SYAHPUTRA WIJAYAKUSUMAWATI", "PRATAMA", "D'SOUZA"]
STREETS = [
    "JL. RAYA SOLO - PURWODADI KM 12",
    "DUKUH KRAJAN",
    "JL. PANGERAN DIPONEGORO GANG MAWAR MERAH NO. 127",
]
STREETS += ["PERUMAHAN GRIYA ASRI BLOK C NO. 9 JL. KENANGA RAYA KELURAHAN SRAGEN WETAN"]
KECAMATAN = ["KALIJAMBE", "PLUPUH", "MASARAN", "KEDAWUNG", "SAMBIREJO", "GONDANG", "SAMBUNGMACAN", "NGRAMPAL"]
DESA = ["KEDEN", "TROBAYAN", "BANARAN", "KARANGMALANG", "SRAGEN WETAN", "NGLOROG", "JETAK"]
AGAMA = ["ISLAM", "KRISTEN", "KATOLIK", "HINDU", "BUDDHA", "KHONGHUCU", "KEPERCAYAAN TERHADAP TUHAN YME"]
STATUS = ["BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"]
PEKERJAAN = ["BELUM/TIDAK BEKERJA", "MENGURUS RUMAH TANGGA", "PELAJAR/MAHASISWA", "PEGAWAI NEGERI SIPIL"]
PEKERJAAN += ["WIRASWASTA", "PETANI/PEKEBUN", "PENSIUNAN"]
PHOTO_SIZES = [(480, 640), (600, 800), (900, 1200), (1536, 2048)]


def residents(count: int, seed: int = 2024) -> list[CardData]:
    rng = random.Random(seed)
    photos = [
        make_photo(i, PHOTO_SIZES[i % len(PHOTO_SIZES)], exif_orientation=6 if i % 5 == 4 else None)
        for i in range(12)
    ]
    signatures = [make_signature(i, transparent=i % 2 == 0) for i in range(8)]
    people = []
    for i in range(count):
        female = rng.random() < 0.5
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65))
        name = " ".join(p for p in (rng.choice(FIRST), rng.choice(MIDDLE), rng.choice(LAST)) if p)[:45]
        day = born.day + (40 if female else 0)
        people.append(
            CardData(
                nik=f"3314{rng.randint(1, 20):02d}{day:02d}{born.month:02d}{born.year % 100:02d}{i + 1:04d}",
                nama=name,
                tempat_lahir=rng.choice(["SRAGEN", "SURAKARTA", "KARANGANYAR", "BOYOLALI"]),
                tanggal_lahir=born,
                jenis_kelamin="PEREMPUAN" if female else "LAKI-LAKI",
                golongan_darah=rng.choice(["A", "B", "AB", "O", "-"]),
                alamat=rng.choice(STREETS),
                rt=rng.randint(1, 30),
                rw=rng.randint(1, 20),
                kelurahan_desa=rng.choice(DESA),
                kecamatan=rng.choice(KECAMATAN),
                agama=rng.choice(AGAMA),
                status_perkawinan=rng.choice(STATUS),
                pekerjaan=rng.choice(PEKERJAAN),
                kewarganegaraan="WNI",
                berlaku_hingga=None if rng.random() < 0.95 else date(2030, 1, 1),
                tanggal_terbit=date(2024, 1, 2) + timedelta(days=rng.randrange(600)),
                foto=rng.choice(photos),
                tanda_tangan=rng.choice(signatures),
            )
        )
    return people


def measure(label: str, people: list[CardData], work: Callable[[CardData], object]) -> None:
    """Wall-clock per card (what a caller waits) and CPU time of the whole run (what the core spends; on a
    shared machine the wall clock also counts time spent waiting for the core)."""
    # Each pass starts cold but for the template's own layers (first card, timed apart): a resident's
    # name is never served from the stamp and measure caches of an earlier pass over the same residents.
    clear_caches()
    work(people[0].model_copy(update={"nama": "WARM UP", "nik": "3314010101010001"}))
    times = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for person in people:
        t0 = time.perf_counter()
        work(person)
        times.append(time.perf_counter() - t0)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    print(
        f"  {label:<22} {len(people) / total:6.1f} cards/s  median {statistics.median(times) * 1000:6.2f} ms"
        f"  p95 {p95 * 1000:6.2f} ms  | {len(people) / cpu:6.1f} cards per CPU-second"
    )


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux VmHWM): interpreter, libraries, caches, images."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Start the peak over from the current size (Linux >= 4.0), so making the photo pool does not count."""
    Path("/proc/self/clear_refs").write_text("5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=240)
    parser.add_argument("--dpi", type=int, nargs="+", default=[300, 600])
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the aim is per core
    print_machine()
    template = load_template("ktp-front-sragen", PROJECT_ROOT / "templates")
    people = residents(args.count)
    print(
        f"ktp-front-sragen, {len(people)} residents, 1 core; Python {platform.python_version()}, Pillow {PIL.__version__}"
    )
    # The machine may be shared: the load average tells how much the figures below had to compete.
    print(f"load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"peak RSS while making the test photos: {peak_rss_mb():.0f} MB (not counted below)")
    reset_peak_rss()
    for dpi in args.dpi:
        clear_caches()
        t0 = time.perf_counter()
        render_card(template, people[0], dpi=dpi)
        first = time.perf_counter() - t0
        print(f"{dpi} dpi (first card, drawing the static layers: {first * 1000:.0f} ms)")
        measure("render only", people, lambda p, d=dpi: render_image(template, p, dpi=d))
        measure("render + PNG", people, lambda p, d=dpi: render_card(template, p, dpi=d, fmt="png"))
        measure("render + vector PDF", people, lambda p, d=dpi: render_card(template, p, dpi=d, fmt="pdf"))
        measure(
            "render + raster PDF",
            people,
            lambda p, d=dpi: render_card(template, p, dpi=d, fmt="pdf", raster_pdf=True),
        )
        measure(
            "render + PNG specimen", people, lambda p, d=dpi: render_card(template, p, dpi=d, specimen=True)
        )
    print(f"peak RSS while rendering (whole process, all runs above): {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
