"""A printed, a jammed and a reprinted card, and a card waiting for a jammed printer, read in the console and
the API in both languages: each page shows its own language's job and printer messages and none of the
other's. The texts are checked against the one catalogue, so a message stored as Indonesian text (or an
English one slipped into a page) fails here. On SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re

from sqlmodel import Session, col, update

from ktp_service.catalogue import CATALOGUE
from ktp_service.messages import Message, placeholders
from ktp_service.models import PrintJob
from tests.integration.printing.conftest import CLERK, SUPERVISOR, Counter, add_resident
from tests.integration.web.test_pages import _csrf, login

LANGS = {"id": 0, "en": 1}
# The families of text a job or printer tells a person.
FAMILIES = ("msg.", "advice.", "state.", "pstate.", "err.job_", "err.card_in_progress")
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def visible_text(page: str) -> str:
    return " ".join(html.unescape(TAGS.sub(" ", page)).split())


def fragments(lang: str) -> dict[str, list[str]]:
    """Per catalogue key of those families, the fixed pieces of its text in ``lang`` that differ from the
    other language's text (long enough not to match by chance)."""
    out: dict[str, list[str]] = {}
    for key, texts in CATALOGUE.items():
        if not key.startswith(FAMILIES) or key == "msg.legacy_text":
            continue
        mine, other = texts[LANGS[lang]], texts[1 - LANGS[lang]]
        pieces = [p.strip() for p in re.split(r"\{[a-z_]+\}", mine)]
        out[key] = [p for p in pieces if len(p) >= 12 and p not in other]
    return out


def assert_speaks_only(text: str, lang: str, where: str) -> None:
    other = "en" if lang == "id" else "id"
    leaks = {key: p for key, pieces in fragments(other).items() for p in pieces if p in text}
    assert leaks == {}, f"{where} in {lang} shows {other} text"


def _job_ids(counter: Counter) -> dict[str, str]:
    """A jammed card (spoiled), its reprint (printed), and a second resident's card waiting for the
    jammed printer."""
    client, as_user = counter.client, counter.as_user
    jammed, slow = counter.jam_a_card()
    reprint = client.post(f"/api/v1/print-jobs/{jammed['id']}/reprint", headers=as_user(CLERK)).json()
    with Session(counter.world.engine) as s:  # the reprint goes to the office's other (working) printer
        s.exec(
            update(PrintJob).where(col(PrintJob.uuid) == reprint["id"]).values(printer_id=counter.printer_id)
        )
        s.commit()
    counter.worker.run_once()
    other = add_resident(client, as_user, serial=42)
    waiting = client.post(
        "/api/v1/print-jobs",
        json={"nik": other, "printer_id": slow, "reason": "baru"},
        headers=as_user(CLERK),
    ).json()
    client.post(f"/api/v1/printers/{slow}/status", headers=as_user(SUPERVISOR))  # the badge says: jammed
    counter.worker.run_once()
    return {"jammed": jammed["id"], "reprint": reprint["id"], "waiting": waiting["id"]}


def test_console_and_api_speak_the_readers_language(counter: Counter) -> None:
    ids = _job_ids(counter)
    jobs = {name: counter.job(uuid) for name, uuid in ids.items()}
    assert (jobs["jammed"]["state"], jobs["jammed"]["spoiled"]) == ("aborted", True)
    assert jobs["reprint"]["state"] == "completed"
    assert (jobs["waiting"]["state"], jobs["waiting"]["message_code"]) == ("pending", "printer_not_ready")
    assert jobs["jammed"]["message_code"] == "spoiled_by_printer"

    client = counter.client
    login(client, CLERK)
    for lang in ("id", "en"):
        client.post("/lang", data={"lang": lang, "csrf_token": _csrf(client, "/residents")})
        pages = {f"/jobs/{uuid}": uuid for uuid in ids.values()} | {"/jobs": None, "/printers": None}
        pages[f"/residents/{counter.nik}"] = None
        for path, uuid in pages.items():
            r = client.get(path)
            assert r.status_code == 200, path
            text = visible_text(r.text)
            assert_speaks_only(text, lang, path)
            if uuid is not None:  # the job's own message, in this language
                job = next(j for j in jobs.values() if j["id"] == uuid)
                if job["state"] != "completed":
                    shown = Message(job["message_code"], job["message_params"]).text(lang)
                    assert shown and shown in text, (path, shown)
        jammed_page = visible_text(client.get(f"/jobs/{ids['jammed']}").text)
        assert CATALOGUE["advice.media-jam"][LANGS[lang]] in jammed_page

        # The API: the same job in the language asked for, with the code and parameters beside the text.
        api = client.get(
            f"/api/v1/print-jobs/{ids['waiting']}",
            headers=counter.as_user(CLERK) | {"Accept-Language": f"{lang}-ID, en;q=0.5"},
        ).json()
        assert_speaks_only(api["message"] + " " + " ".join(api["advice"]), lang, "the API's job")
        label = CATALOGUE["pstate.media-jam"][LANGS[lang]]
        assert label in api["message"] and "Slow-1" in api["message"]
        assert set(api["message_params"]) == placeholders(CATALOGUE["msg.printer_not_ready"][0])


def test_api_errors_follow_accept_language(counter: Counter) -> None:
    first = counter.print_card()
    assert first.status_code == 201
    for lang, header in (
        ("id", {}),
        ("en", {"Accept-Language": "en"}),
        ("id", {"Accept-Language": "fr, id"}),
    ):
        again = counter.print_card(**header)
        body = again.json()
        assert again.status_code == 409 and body["error"] == "card_in_progress"
        assert body["params"] == {"job": first.json()["id"], "state": "pending"}
        assert_speaks_only(body["message"], lang, "the refusal")
        state = CATALOGUE["state.pending"][LANGS[lang]]
        assert first.json()["id"] in body["message"] and state in body["message"]
