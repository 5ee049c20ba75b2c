"""``ktp-verify BUNDLE --public-key KEY.pem [--checkpoints FILE] [--lang id|en]``.

Exit codes: 0 the bundle verifies; 1 it does not (each problem named, the chain's first); 2 it was refused
unread past the reading limits (too many or too large members, a compression ratio of a zip bomb, an
endless line) or an input cannot be read (a missing file, a key that is not one, a checkpoint file with a
bad line), or the command line is wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ktp_verify import __version__
from ktp_verify.bundle import verify_bundle
from ktp_verify.checkpoints import Checkpoint, read_log
from ktp_verify.messages import BundleRefused, Problem, render

OK, PROBLEMS, REFUSED = 0, 1, 2
_INPUT_ERRORS = ("key_unreadable", "bundle_unopenable")  # nothing was checked: not a finding about the bundle

_HELP = {
    "id": (
        "Memeriksa paket bulanan bertanda tangan dari ktp-service tanpa basis data: tanda tangan, rantai "
        "hash setiap entri, harga setiap kartu, semua jumlah, dan titik periksa yang Anda simpan. Kode "
        "keluar: 0 sesuai, 1 ada masalah, 2 paket ditolak atau masukan tidak dapat dibaca.",
        "paket bulanan (.zip)",
        "kunci publik pemerintah daerah (PEM; boleh beberapa kunci)",
        "berkas titik periksa yang Anda simpan (JSON lines, atau jawaban API); boleh berulang",
        "bahasa laporan: id (bawaan) atau en",
    ),
    "en": (
        "Checks a signed month bundle from ktp-service without a database: the signature, the hash chain of "
        "every entry, each card's price, every total, and the checkpoints you hold. Exit codes: 0 verifies, "
        "1 problems found, 2 bundle refused or an input cannot be read.",
        "the month bundle (.zip)",
        "the regency's public key (PEM; several keys allowed)",
        "the signed checkpoints you hold (JSON lines, or the API's answer); may be repeated",
        "report language: id (default) or en",
    ),
}


def _parser(lang: str) -> argparse.ArgumentParser:
    text = _HELP[lang]
    p = argparse.ArgumentParser(prog="ktp-verify", description=text[0])
    p.add_argument("bundle", type=Path, help=text[1])
    p.add_argument("--public-key", type=Path, required=True, help=text[2])
    p.add_argument("--checkpoints", type=Path, action="append", default=[], help=text[3])
    p.add_argument("--lang", choices=("id", "en"), default="id", help=text[4])
    p.add_argument("--version", action="version", version=f"ktp-verify {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang", default="id")
    asked = pre.parse_known_args(args_list)[0].lang  # so that --help, too, speaks the language asked for
    args = _parser(asked if asked in _HELP else "id").parse_args(args_list)
    lang = args.lang

    def say(problem: Problem | str) -> str:
        return problem.text(lang) if isinstance(problem, Problem) else problem

    try:
        key = args.public_key.read_bytes()
    except OSError as exc:
        print(render("input_error", lang, {"path": args.public_key, "error": exc.strerror}), file=sys.stderr)
        return REFUSED
    held: list[Checkpoint] = []
    for path in args.checkpoints:  # several files: e.g. one saved from the service each month
        if not path.exists():
            print(render("input_error", lang, {"path": path, "error": "-"}), file=sys.stderr)
            return REFUSED
        found, unreadable = read_log(path)
        if unreadable:
            for p in unreadable:
                print(say(p), file=sys.stderr)
            return REFUSED
        held += found
    try:
        problems = verify_bundle(args.bundle, key, held)
    except BundleRefused as exc:
        print(render("refused", lang, {"reason": exc.problem.text(lang)}), file=sys.stderr)
        return REFUSED
    if len(problems) == 1 and getattr(problems[0], "code", "") in _INPUT_ERRORS:
        print(say(problems[0]), file=sys.stderr)
        return REFUSED
    if problems:
        print(render("problems", lang, {"count": len(problems)}))
        for number, p in enumerate(problems, start=1):
            print(f"{number}. {say(p)}")
        return PROBLEMS
    line = render("ok", lang, {})
    if held:
        line += " " + render("ok_checkpoints", lang, {"count": len(held)})
    print(line)
    return OK
