"""This renderer against Debian's gLabels 3, side by side in one run, on one core, with the same residents
and photos: the gLabels peer's own generator (``../shared/peers/glabels/gen_data.py``) writes ``data.csv``
and the JPEG portraits; gLabels merges them into its vector PDF, and this script renders the same records.

    .venv/bin/python benchmarks/render_vs_glabels.py               # 200 residents, 3 repetitions
    .venv/bin/python benchmarks/render_vs_glabels.py --count 2 --reps 1     # the CI smoke run

Steady state on both sides: for gLabels the marginal cost per card, ``(t_N - t_1) / (N - 1)`` (start-up
and template loading cancel out), and the same for ``pdftoppm -r 300`` rasterising its PDF; for this
renderer the median per card after one warm-up card (the template's background and label stamps). Every
pass starts with empty value stamps, so a resident's name is never served from an earlier pass.

Aims (issue 13): render + lossless PDF >= 2x gLabels' cards/s to its PDF; printer-ready 300 dpi PNG >= 10x
gLabels + pdftoppm. The peer's records have no signature: ours get one from a pool of 8 synthetic ones
(so our cards carry more than the peer's). Photos are timed twice: the uploaded original (decoded, cropped
and scaled per card) and the derivative the service stores at upload (already the box's size).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.machine import print_machine  # noqa: E402
from ktp_service.cards import CardData, CardTemplate, load_template, render_card  # noqa: E402
from ktp_service.cards import render as renderer  # noqa: E402
from ktp_service.cards.images import fitted_png, prepare_photo, prepare_signature  # noqa: E402
from ktp_service.cards.render import clear_caches, image_boxes  # noqa: E402
from ktp_service.cards.sample import make_signature, sample_card_data  # noqa: E402
from ktp_service.settings import PROJECT_ROOT  # noqa: E402


def _peer_dir() -> Path:
    """The gLabels peer: ``KTP_GLABELS_PEER``, else ``shared/peers/glabels`` beside this checkout, else the
    workplace's copy (a clone elsewhere, e.g. CI's, has no ``../shared``). A missing peer fails the run."""
    if "KTP_GLABELS_PEER" in os.environ:
        return Path(os.environ["KTP_GLABELS_PEER"])
    candidates = [PROJECT_ROOT.parent / "shared" / "peers" / "glabels", Path("/work/shared/peers/glabels")]
    return next((c for c in candidates if (c / "gen_data.py").exists()), candidates[0])


PEER_DIR = _peer_dir()
MAX_PIXELS = 24_000_000


def _median_seconds(cmd: list[str], reps: int, cwd: Path) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _pdftoppm(pdf: str, reps: int, cwd: Path) -> float:
    raster = cwd / "raster"
    times = []
    for _ in range(reps):
        shutil.rmtree(raster, ignore_errors=True)
        raster.mkdir()
        times.append(_median_seconds(["pdftoppm", "-r", "300", "-png", pdf, "raster/page"], 1, cwd))
    return statistics.median(times)


def run_peer(work: Path, count: int, reps: int) -> tuple[float, float]:
    """gLabels' marginal ms per card to PDF, and pdftoppm's marginal ms per page at 300 dpi."""
    if shutil.which("glabels-3-batch") is None:
        raise SystemExit("needs Debian's glabels (apt-get install glabels): scripts/system-packages.txt")
    subprocess.run([sys.executable, "make_ktp.py"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    rows = (work / "data.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (work / "data_1.csv").write_text("".join(rows[:2]), encoding="utf-8")
    batch = ["glabels-3-batch", "-i"]
    t_1 = _median_seconds([*batch, "data_1.csv", "-o", "out_1.pdf", "ktp.glabels"], reps, work)
    t_n = _median_seconds([*batch, "data.csv", "-o", "out.pdf", "ktp.glabels"], reps, work)
    r_1 = _pdftoppm("out_1.pdf", reps, work)
    r_n = _pdftoppm("out.pdf", reps, work)
    pages = len(list((work / "raster").iterdir()))
    if pages != count:
        raise SystemExit(f"gLabels made {pages} pages for {count} records")
    span = max(count - 1, 1)
    print(f"gLabels: {count} cards {t_n:.3f} s, 1 card {t_1:.3f} s (start-up); pdftoppm -r 300: {r_n:.3f} s")
    return (t_n - t_1) / span * 1000, (r_n - r_1) / span * 1000


def _date(text: str) -> date:
    day, month, year = text.split("-")
    return date(int(year), int(month), int(day))


def residents(work: Path, template: CardTemplate, fitted: bool) -> list[CardData]:
    """The peer's records as card data; with ``fitted``, with the derivatives made at upload as well."""
    signatures = [make_signature(i, transparent=i % 2 == 0) for i in range(8)]
    boxes = image_boxes(template, 300)
    fitted_signatures = [
        fitted_png(prepare_signature(s, boxes["tanda_tangan"], MAX_PIXELS)) if fitted else b""
        for s in signatures
    ]
    people = []
    with (work / "data.csv").open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            place, born = row["ttl"].split(", ")
            rt, rw = row["rtrw"].split("/")
            photo = Path(row["foto"]).read_bytes()
            people.append(
                CardData(
                    nik=row["nik"],
                    nama=row["nama"],
                    tempat_lahir=place,
                    tanggal_lahir=_date(born),
                    jenis_kelamin=row["jk"],
                    golongan_darah=row["goldar"],
                    alamat=row["alamat"],
                    rt=rt,
                    rw=rw,
                    kelurahan_desa=row["keldesa"],
                    kecamatan=row["kecamatan"],
                    agama=row["agama"],
                    status_perkawinan=row["status"],
                    pekerjaan=row["pekerjaan"],
                    kewarganegaraan=row["wni"],
                    berlaku_hingga=None,  # the peer's data: SEUMUR HIDUP for everyone
                    tempat_terbit=row["kota"],
                    tanggal_terbit=_date(row["tgl_terbit"]),
                    foto=photo,
                    tanda_tangan=signatures[i % len(signatures)],
                    foto_fitted=fitted_png(prepare_photo(photo, boxes["foto"], MAX_PIXELS))
                    if fitted
                    else b"",
                    tanda_tangan_fitted=fitted_signatures[i % len(signatures)],
                )
            )
    return people


def measure(
    template: CardTemplate, people: list[CardData], work: Callable[[CardData], object]
) -> tuple[float, dict[str, float]]:
    """Median ms per card over one pass, and ms per card by stage."""
    clear_caches()
    render_card(template, sample_card_data())  # warm-up: the background layer and the label stamps
    renderer.stage_times = {}
    times = []
    for person in people:
        t0 = time.perf_counter()
        work(person)
        times.append(time.perf_counter() - t0)
    stages = {k: v / len(people) * 1000 for k, v in renderer.stage_times.items()}
    renderer.stage_times = None
    return statistics.median(times) * 1000, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="residents (>= 2)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each gLabels/pdftoppm run")
    args = parser.parse_args()
    if args.count < 2:
        parser.error("--count must be at least 2 (the marginal cost needs two sizes)")
    if hasattr(os, "sched_setaffinity"):  # one core for both sides; gLabels and pdftoppm inherit it
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    print_machine()
    print(f"render_vs_glabels: {args.count} residents, 300 dpi, 1 core, reps={args.reps}")
    with tempfile.TemporaryDirectory(prefix="ktp-vs-glabels-") as tmp:
        work = Path(tmp)
        for name in ("gen_data.py", "make_ktp.py"):
            shutil.copy(PEER_DIR / name, work / name)
        subprocess.run(
            [sys.executable, "gen_data.py", str(args.count)], cwd=work, check=True, stdout=subprocess.DEVNULL
        )
        peer_pdf, peer_raster = run_peer(work, args.count, args.reps)
        template = load_template("ktp-front-sragen", PROJECT_ROOT / "templates")
        ours: dict[str, tuple[float, dict[str, float]]] = {}
        for fitted in (False, True):
            people = residents(work, template, fitted)
            photos = "upload derivatives" if fitted else "original photos"
            for fmt in ("pdf", "png"):
                ours[f"{fmt}, {photos}"] = measure(
                    template,
                    people,
                    lambda p, f=fmt: render_card(template, p, dpi=300, fmt=f),  # type: ignore[misc]
                )
    print(f"{'':34} {'ms/card':>8} {'cards/s':>8}")
    print(f"{'gLabels to PDF (marginal)':34} {peer_pdf:8.2f} {1000 / peer_pdf:8.1f}")
    print(
        f"{'gLabels + pdftoppm 300 dpi':34} {peer_pdf + peer_raster:8.2f} {1000 / (peer_pdf + peer_raster):8.1f}"
    )
    for label, (ms, _) in ours.items():
        print(f"{'ours, ' + label:34} {ms:8.2f} {1000 / ms:8.1f}")
    print("ratios (ours cards/s / peer cards/s):")
    for label, (ms, _) in ours.items():
        fmt = label.split(",")[0]
        peer, aim = (peer_pdf, 2) if fmt == "pdf" else (peer_pdf + peer_raster, 10)
        ratio = peer / ms
        print(f"  {label:32} {ratio:6.2f}x  (aim {aim}x: {'met' if ratio >= aim else 'NOT met'})")
    print("where our time goes (mean ms per card by stage):")
    for label, (_, stages) in ours.items():
        print(f"  {label:32} " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))


if __name__ == "__main__":
    main()
