"""The print agent at an office (issue 14): pulls its printers' jobs from the centre, prints them on the
office's printers (the adapters of :mod:`printers` run here), reports each outcome exactly once.

One pass (:meth:`PrintAgent.run_once`): tell the centre the printers' states (which also answers the
printers this agent drives), fetch and journal jobs, acknowledge them, download and check their cards,
send the next card to each idle printer, follow the cards at the printers, report outcomes. Every step that
cannot reach the centre is left for a later pass: with the link down the agent keeps printing what it holds
and keeps its outcomes in the journal (:mod:`ktp_service.agent_journal`) until the link returns.
"""

from __future__ import annotations

import fcntl
import hashlib
import html
import json
import logging
import os
import secrets
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from ktp_service import __version__, agent_documents
from ktp_service.agent_journal import HeldJob, Journal
from ktp_service.models import Printer
from ktp_service.services.printer_config import adapter_config
from ktp_service.settings import Settings
from printers import errors as port
from printers.base import JobState, PrinterAdapter
from printers.registry import create_adapter

log = logging.getLogger("ktp.agent")

CONFIG_FILE = "agent.json"
JOURNAL_FILE = "journal.sqlite3"
LOCK_FILE = "agent.lock"
API = "/api/v1"


class AgentSetupError(Exception):
    """The agent cannot start: not enrolled, or the enrollment was refused."""


class LinkDown(Exception):
    """The centre did not answer (network, timeout, a 5xx): try again on a later pass."""


class Refused(Exception):
    """The centre answered with a refusal (4xx): retrying the same request gets the same answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code = status, code


@dataclass(frozen=True)
class AgentConfig:
    server: str
    credential: str
    agent_id: int
    name: str
    office: str
    ca_file: str | None = None


def _write_private(path: Path, text: str) -> None:
    """Written with mode 0600 from the start (never readable by others, not even briefly)."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def _verify(ca_file: str | None) -> ssl.SSLContext | bool:
    """The server's TLS certificate is always verified: against the system's CAs, or a custom CA."""
    return ssl.create_default_context(cafile=ca_file) if ca_file else True


def check_server(server: str, *, allow_http: bool) -> str:
    if not server.startswith("https://") and not (allow_http and server.startswith("http://")):
        raise AgentSetupError(
            "The server URL must be https:// (plain http only with --allow-http, for tests)."
        )
    return server.rstrip("/")


def enroll(
    server: str,
    code: str,
    data_dir: Path,
    *,
    ca_file: str | None = None,
    allow_http: bool = False,
    http: httpx.Client | None = None,
) -> AgentConfig:
    """Trade the one-time code for this agent's credential and keep it in ``data_dir`` (mode 0600)."""
    server = check_server(server, allow_http=allow_http)
    data_dir.mkdir(parents=True, exist_ok=True)
    client = http or httpx.Client(base_url=server, verify=_verify(ca_file), timeout=30)
    try:
        answer = client.post(f"{API}/agent/enroll", json={"code": code})
    except httpx.TransportError as exc:
        raise AgentSetupError(f"The server cannot be reached: {exc}") from None
    if answer.status_code != 200:
        raise AgentSetupError(f"Enrollment refused: {answer.json().get('message', answer.text)}")
    body = answer.json()
    config = AgentConfig(server, body["credential"], body["agent_id"], body["name"], body["office"], ca_file)
    _write_private(data_dir / CONFIG_FILE, json.dumps(config.__dict__, indent=2))
    return config


def load_config(data_dir: Path) -> AgentConfig:
    path = data_dir / CONFIG_FILE
    if not path.exists():
        raise AgentSetupError(f"Not enrolled: no {path}; run `ktp agent enroll` first.")
    if path.stat().st_mode & 0o077:
        raise AgentSetupError(f"{path} is readable by others; `chmod 600 {path}` (it holds the credential).")
    return AgentConfig(**json.loads(path.read_text()))


NEXT_CONFIG_FILE = "agent.next.json"


def rotate(data_dir: Path, *, http: httpx.Client | None = None) -> AgentConfig:
    """Replace this agent's credential (``ktp agent rotate``). The new one is made here and kept (mode 0600,
    ``agent.next.json``) before the centre hears of it; the centre gets its SHA-256 and kills the old one at
    once. An answer lost on the way is settled by running it again: the kept new credential is tried when
    the old one is refused."""
    config = load_config(data_dir)
    pending = data_dir / NEXT_CONFIG_FILE
    if pending.exists():
        new = AgentConfig(**json.loads(pending.read_text()))
    else:
        new = AgentConfig(**{**config.__dict__, "credential": "ktpa_" + secrets.token_urlsafe(32)})
        _write_private(pending, json.dumps(new.__dict__, indent=2))
    body = {"new_credential_sha256": hashlib.sha256(new.credential.encode()).hexdigest()}
    client = http or httpx.Client(base_url=config.server, verify=_verify(config.ca_file), timeout=30)
    try:
        try:
            Link(config, client).json("POST", "/agent/rotate", body)
        except Refused as exc:
            if exc.code != "agent_credential_invalid":
                raise
            Link(new, client).json("POST", "/agent/rotate", body)  # the old one was replaced already
    except LinkDown as exc:
        raise AgentSetupError(
            f"The centre cannot be reached ({exc}); run `ktp agent rotate` again."
        ) from None
    except Refused as exc:
        raise AgentSetupError(f"Rotation refused: {exc}") from None
    _write_private(data_dir / CONFIG_FILE, json.dumps(new.__dict__, indent=2))
    pending.unlink()
    return new


def lock_data_dir(data_dir: Path) -> int:
    """One running agent per data directory: a second ``ktp agent run`` on the same journal would send the
    same cards to the printers again. The lock (``flock``) lives as long as the returned descriptor."""
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise AgentSetupError(
            f"Another agent is already running on {data_dir} (it holds {data_dir / LOCK_FILE})."
        ) from None
    return fd


class Link:
    """The centre, as the agent sees it: every failure is either :class:`LinkDown` or :class:`Refused`."""

    def __init__(self, config: AgentConfig, http: httpx.Client | None = None, timeout: float = 15) -> None:
        self.http = http or httpx.Client(
            base_url=config.server, verify=_verify(config.ca_file), timeout=timeout
        )
        self.headers = {"Authorization": f"Bearer {config.credential}"}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        try:
            r = self.http.request(method, API + path, json=body, headers=self.headers)
        except httpx.TransportError as exc:
            raise LinkDown(f"{type(exc).__name__}: {exc}") from None
        if r.status_code >= 500:
            raise LinkDown(f"server answered {r.status_code}")
        if r.status_code >= 400:
            try:
                err = r.json()
            except ValueError:
                err = {}
            raise Refused(r.status_code, str(err.get("error", "")), str(err.get("message", r.text[:200])))
        return r

    def json(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.call(method, path, body).json()


AdapterFactory = Callable[[str, str, dict[str, Any], Path], PrinterAdapter]
"""How the agent builds a printer's adapter: (adapter, uri, config, root). The default is the registry's;
the seeded simulation passes its own (printers on the simulation's clock)."""


def _registry_adapter(name: str, uri: str, config: dict[str, Any], root: Path) -> PrinterAdapter:
    return create_adapter(name, uri, config, root=root)


def _iso(at: datetime | None) -> str:
    return (at or datetime.now(UTC)).astimezone(UTC).isoformat()


class PrintAgent:
    def __init__(
        self,
        data_dir: Path,
        *,
        http: httpx.Client | None = None,
        keep_cards_hours: float = 0,
        timeout: float = 15,
        document_form: str = agent_documents.FORM,
        sync_seconds: float = 30,
        adapter_factory: AdapterFactory = _registry_adapter,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self._make_adapter = adapter_factory
        self.config = load_config(self.data_dir)
        self.link = Link(self.config, http, timeout)
        self._http, self._timeout = http, timeout
        # Cards are deleted once their outcome is journaled (0), or kept this many hours after it (an
        # office that wants to look at a card again); never longer than asked.
        self.keep_cards_hours = max(0.0, keep_cards_hours)
        self.document_form = document_form  # "rgb-xz" (smaller, rebuilt here) or "whole"
        self.journal = Journal(self.data_dir / JOURNAL_FILE)
        self.cards_dir = self.data_dir / "cards"
        self.cards_dir.mkdir(exist_ok=True)
        # Adapters' files (spool, simulator state) live under the agent's own data directory, checked there.
        self.local = Settings.model_construct(data_dir=self.data_dir)
        self._adapters: dict[int, tuple[str, PrinterAdapter]] = {}
        self.reachable: bool | None = None
        self.last_contact: datetime | None = None
        self.refusal: str | None = None  # e.g. the agent was revoked: shown on the status page
        self._recovered = False
        self._link_failed = False  # in this pass
        self.sync_seconds = sync_seconds
        self._said: tuple[str, float] | None = None  # the last device attributes the centre took, and when
        self._stop = threading.Event()

    # -- printers ----------------------------------------------------------------------------------------
    def printers(self) -> list[dict[str, Any]]:
        return list(self.journal.get_meta("printers") or [])

    def adapter(self, printer_id: int) -> PrinterAdapter | None:
        spec = next((p for p in self.printers() if p["printer_id"] == printer_id), None)
        if spec is None:
            return None
        key = json.dumps(spec, sort_keys=True)
        cached = self._adapters.get(printer_id)
        if cached and cached[0] == key:
            return cached[1]
        row = Printer(
            id=printer_id,
            name=spec["name"],
            office_id=0,
            adapter=spec["adapter"],
            uri=spec["uri"],
            config=spec["config"],
        )
        adapter = self._make_adapter(
            spec["adapter"], spec["uri"], adapter_config(row, self.local), self.data_dir
        )
        self._adapters[printer_id] = (key, adapter)
        return adapter

    def _printer_states(self) -> list[dict[str, Any]]:
        states = []
        for spec in self.printers():
            adapter = self.adapter(spec["printer_id"])
            try:
                assert adapter is not None
                status = adapter.status()
                formats = list(adapter.capabilities().document_formats)
            except port.PrinterError as exc:
                states.append({"printer_id": spec["printer_id"], "state": "offline", "error": str(exc)[:300]})
                continue
            states.append(
                {
                    "printer_id": spec["printer_id"],
                    "state": status.state.value,
                    "reasons": list(status.state_reasons),
                    "card_counter": status.card_counter,
                    "formats": formats,
                    "markers": [_marker(m) for m in status.markers],
                }
            )
        return states

    # -- the loop ----------------------------------------------------------------------------------------
    def run(self, interval: float = 1.0) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # keep printing and retrying; the error is in the log
                log.exception("agent pass failed")
            self._stop.wait(interval)

    def stop(self) -> None:
        self._stop.set()

    def run_once(self) -> None:
        if not self._recovered:
            self.recover()
            self._recovered = True
        self._link_failed = False
        self._talk(self._sync)
        self._talk(self._fetch)
        self._talk(self._download)
        self._print()
        self._follow()
        self._talk(self._report)
        self._purge_cards()

    def _talk(self, step: Callable[[], bool | None]) -> None:
        """One exchange with the centre; a link down or a refusal leaves it for a later pass. Once the link
        failed in a pass, the pass talks no more (each try would wait out its timeout before the printers
        get their next card)."""
        if self._link_failed:
            return
        try:
            talked = step()
        except LinkDown as exc:
            if self.reachable is not False:
                log.warning("the centre is unreachable: %s", exc)
            self.reachable = False
            self._link_failed = True
        except Refused as exc:
            log.warning("the centre refused: %s", exc)
            if exc.status == 401:
                self.refusal = exc.code
                self.reachable = True
                self._reload_credential()
        else:
            if talked is not False:  # a step that had nothing to say learnt nothing about the link
                self.reachable, self.last_contact = True, datetime.now(UTC)

    def recover(self) -> None:
        """After a restart: a card whose intent was journaled but whose printer job id was not may have
        printed, and the printer cannot say which job it was: a person decides (needs-confirmation).
        Cards with a printer job id are followed as usual (the printer is asked)."""
        for job in self.journal.jobs("sending"):
            log.warning("job %s: the agent stopped while sending it; a person must confirm", job.uuid)
            self.journal.finish(job.uuid, "needs-confirmation", _iso(None), ["agent-stopped-while-sending"])
            self._drop_card(job)

    # -- with the centre ---------------------------------------------------------------------------------
    def _sync(self) -> bool:
        """Update-Output-Device-Attributes when something changed, or every ``sync_seconds`` (the centre
        hears from the agent at every fetch anyway): on a slow line, polling is most of an idle minute."""
        body = {
            "version": __version__,
            "queue_depth": self.journal.queue_depth(),
            "printers": self._printer_states(),
        }
        said = json.dumps(body, sort_keys=True)
        if (
            self._said is not None
            and self._said[0] == said
            and time.monotonic() - self._said[1] < self.sync_seconds
        ):
            return False
        answer = self.link.json("POST", "/agent/device-attributes", body)
        self._said = (said, time.monotonic())
        self.refusal = None
        self.journal.set_meta("printers", answer["printers"])
        return True

    def _fetch(self) -> None:
        answer = self.link.json("POST", "/agent/fetch-jobs", {})
        for offer in answer["jobs"]:
            if offer["document_sha256"]:
                self.journal.hold(offer)  # journaled first, then acknowledged
        for uuid in answer.get("recalled", []):  # a supervisor took these back: never print them now
            job = self.journal.job(uuid)
            if job is not None and job.state in ("held", "ready"):
                log.warning("job %s: taken back by a supervisor; not printed", uuid)
                self.journal.recalled(uuid)
                self._drop_card(job)
        for job in self.journal.unacknowledged():
            self.link.json("POST", f"/agent/jobs/{job.uuid}/acknowledge", {"attempt": job.attempt})
            self.journal.acknowledged(job.uuid)

    def _download(self) -> None:
        for job in self.journal.jobs("held"):
            content = self._card(job)
            if content is None:
                log.error(
                    "job %s: the card does not match its SHA-256; not printed, fetched again later", job.uuid
                )
                continue
            suffix = "pdf" if job.document_format == "application/pdf" else "png"
            path = self.cards_dir / f"{job.uuid}.{suffix}"
            tmp = path.with_suffix(".part")
            with open(tmp, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            tmp.replace(path)
            self.journal.ready(job.uuid, str(path))

    def _card(self, job: HeldJob) -> bytes | None:
        """The job's card, only if its SHA-256 is the approved one (the offer's and the answer's). A PNG card
        comes in its smaller form (:mod:`ktp_service.agent_documents`) unless this agent was told otherwise
        or cannot rebuild it exactly (then it comes whole from here on)."""
        path = f"/agent/jobs/{job.uuid}/document"
        if self.document_form != "whole" and job.document_format == "image/png":
            r = self.link.call("GET", f"{path}?form={self.document_form}")
            content = r.content
            if r.headers.get("x-document-form") == agent_documents.FORM:
                try:
                    content = agent_documents.unpack(r.content)
                except agent_documents.BadCompactDocument as exc:
                    log.warning("job %s: the compact card cannot be read: %s", job.uuid, exc)
                    content = b""
            if _approved(content, job.sha256, r.headers.get("x-document-sha256")):
                return content
            log.warning(
                "job %s: the rebuilt card differs from the approved one; cards now come whole", job.uuid
            )
            self.document_form = "whole"
        r = self.link.call("GET", path)
        return r.content if _approved(r.content, job.sha256, r.headers.get("x-document-sha256")) else None

    def _report(self) -> None:
        for report in self.journal.unreported():
            body: dict[str, Any] = {
                "attempt": report.attempt,
                "event": report.event,
                "printer_time": report.printer_time,
                "reasons": report.reasons,
            }
            if report.sha256:
                body["document_sha256"] = report.sha256
            try:
                self.link.json("POST", f"/agent/jobs/{report.uuid}/status", body)
            except Refused as exc:
                if exc.status == 401:
                    raise
                # The same report would get the same refusal: kept, not retried (the centre logs why).
                log.error("job %s: report %s refused: %s", report.uuid, report.event, exc)
                self.journal.reported(report.id, refused=f"{exc.status} {exc.code}")
                continue
            self.journal.reported(report.id)

    # -- with the printers -------------------------------------------------------------------------------
    def _print(self) -> None:
        for job in self.journal.jobs("ready"):
            if self.journal.busy(job.printer_id):
                continue
            adapter = self.adapter(job.printer_id)
            if adapter is None or not job.doc_path:
                continue
            document = Path(job.doc_path).read_bytes()
            if hashlib.sha256(document).hexdigest() != job.sha256:  # the file changed on disk since
                log.error("job %s: the card on disk does not match its SHA-256; downloaded again", job.uuid)
                self.journal._set(job.uuid, state="held")  # noqa: SLF001
                continue
            self.journal.intend(job.uuid)  # before the card leaves: a crash after this never resends
            try:
                receipt = adapter.submit(
                    document,
                    document_format=job.document_format,
                    job_name=f"ktp-{job.uuid}",
                    options={"copies": 1},
                )
            except (port.PrinterUnavailable, port.PrinterFault) as exc:  # nothing was submitted
                log.info("job %s: printer not ready: %s", job.uuid, exc)
                self.journal.unsent(job.uuid)
                continue
            except port.JobRejected as exc:
                self.journal.finish(
                    job.uuid, "canceled", _iso(None), list(exc.reasons) or ["document-format-error"]
                )
                self._drop_card(job)
                continue
            except Exception as exc:  # SubmissionUncertain or anything unforeseen: it may have printed
                log.warning("job %s: submission uncertain: %s", job.uuid, exc)
                self.journal.finish(job.uuid, "needs-confirmation", _iso(None), ["submission-uncertain"])
                continue
            self.journal.sent(job.uuid, receipt.job_id, _iso(None))
            if receipt.state == JobState.COMPLETED:
                self._outcome(job, "printed", None, list(receipt.state_reasons))

    def _follow(self) -> None:
        for job in self.journal.jobs("sent"):
            adapter = self.adapter(job.printer_id)
            if adapter is None or job.printer_job_id is None:
                continue
            try:
                status = adapter.job_status(job.printer_job_id)
            except port.OutcomeUnknown:
                self._outcome(job, "needs-confirmation", None, ["outcome-unknown"])
                continue
            except port.PrinterError as exc:
                log.info("job %s: printer unreachable: %s", job.uuid, exc)
                continue
            reasons = list(status.state_reasons)
            if status.state == JobState.COMPLETED:
                self._outcome(job, "printed", status.completed_at, reasons)
            elif status.state == JobState.ABORTED:
                self._outcome(job, "spoiled", status.completed_at, reasons)
            elif status.state == JobState.CANCELED:
                self._outcome(job, "canceled", status.completed_at, reasons)

    def _outcome(self, job: HeldJob, event: str, at: datetime | None, reasons: list[str]) -> None:
        self.journal.finish(job.uuid, event, _iso(at), reasons)
        self._drop_card(job)

    def _reload_credential(self) -> None:
        """The credential was refused: if ``ktp agent rotate`` replaced it on disk meanwhile, use the new one."""
        try:
            config = load_config(self.data_dir)
        except AgentSetupError:
            return
        if config.credential != self.config.credential:
            log.info("the agent's credential was rotated; using the new one")
            self.config, self.link = config, Link(config, self._http, self._timeout)

    def _drop_card(self, job: HeldJob) -> None:
        """Cards leave the office's disk once their outcome is journaled (or, with a retention, later)."""
        if self.keep_cards_hours > 0:
            return
        current = self.journal.job(job.uuid)
        if current and current.doc_path:
            Path(current.doc_path).unlink(missing_ok=True)
            self.journal.forget_card(job.uuid)

    def _purge_cards(self) -> None:
        """Cards of finished jobs kept past the retention are deleted."""
        cutoff = datetime.now(UTC) - timedelta(hours=self.keep_cards_hours)
        for job in self.journal.done_with_cards(cutoff.isoformat()):
            if job.doc_path:
                Path(job.doc_path).unlink(missing_ok=True)
            self.journal.forget_card(job.uuid)

    # -- the office's status page ------------------------------------------------------------------------
    def status_html(self) -> str:
        counts = self.journal.counts()
        rows = "".join(
            f"<tr><td>{html.escape(label)}</td><td>{counts.get(key, 0)}</td></tr>"
            for key, label in (
                ("held", "Diterima, kartu belum diunduh / received, card not yet downloaded"),
                ("ready", "Antre / queued"),
                ("sending", "Sedang dikirim / sending"),
                ("sent", "Sedang dicetak / printing"),
                ("done", "Selesai / finished"),
                ("waiting_to_report", "Menunggu dilaporkan ke pusat / waiting to be reported"),
            )
        )
        if self.reachable:
            link = "Pusat terhubung / centre reachable"
        elif self.reachable is False:
            since = self.last_contact.isoformat() if self.last_contact else "-"
            link = f"Pusat TIDAK terhubung sejak {since} / centre UNREACHABLE since {since}"
        else:
            link = "Belum menghubungi pusat / not yet in contact"
        refusal = (
            f"<p><strong>Ditolak pusat / refused: {html.escape(self.refusal)}</strong></p>"
            if self.refusal
            else ""
        )
        name = html.escape(f"{self.config.name} ({self.config.office})")
        return (
            f"<!doctype html><html lang='id'><head><meta charset='utf-8'><meta http-equiv='refresh' content='10'>"
            f"<title>Agen cetak {name}</title></head><body><h1>Agen cetak {name}</h1><p>{html.escape(link)}</p>"
            f"{refusal}<table>{rows}</table></body></html>"
        )

    def serve_status(self, host: str, port: int) -> ThreadingHTTPServer:
        agent = self

        class Page(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
                body = agent.status_html().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return None

        server = ThreadingHTTPServer((host, port), Page)
        threading.Thread(target=server.serve_forever, name="agent-status-page", daemon=True).start()
        return server


def _approved(content: bytes, offered: str, answered: str | None) -> bool:
    return hashlib.sha256(content).hexdigest() == offered == answered


def _marker(marker: Any) -> dict[str, Any]:
    return {f: getattr(marker, f) for f in ("name", "marker_type", "level", "low_level")}
