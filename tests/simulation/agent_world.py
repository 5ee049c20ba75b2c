"""A seeded, deterministic simulation of the print-agent protocol (issue 14), in the spirit of TigerBeetle's
VOPR: one seed drives a whole world, and the invariants are checked after every step.

The world is made of the REAL parts:
- the centre: the app's own route functions (``ktp_service.api.routes.agents``) and services, called in this
  process on a SQLite database in a temporary directory (see :class:`Centre` for why not through ASGI); a
  crash of the centre drops its engine and starts a new one on the same database;
- the agents: :class:`ktp_service.print_agent.PrintAgent` with its SQLite journal, several per world at
  two offices; a crash (before a journal commit, right after the printer took a card, right after the
  centre applied a request) throws the agent away and starts it again from its data directory;
- the printers: the ``simulator`` adapter (its state on the agent's disk, so it outlives an agent crash),
  driven by the simulation's clock; a central printer driven by the real central worker.

Between agents and centre sits a simulated network (an ``httpx`` transport) that drops requests, applies
a request and loses its answer, delays requests past the agent's timeout (they arrive later, out of order),
duplicates them, and cuts agents off in a long partition measured on the simulation's clock (no sleeping).

Run one seed: ``python -m tests.simulation.agent_world --seed 42 [--verbose]``; many:
``python benchmarks/agent_simulation.py --seeds 5000``.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import json
import logging
import multiprocessing
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import types
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.responses import Response as StarletteResponse

from ktp_service import migrate, print_agent, regions
from ktp_service.api.routes import agents as routes
from ktp_service.billing_bridge import config_for, post_pending, poster
from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.db import make_engine, unit_of_work
from ktp_service.errors import DomainError
from ktp_service.main import create_app
from ktp_service.models import CardPrintedEvent, Office, PrintJob, User
from ktp_service.schemas.agents import Acknowledge, DeviceAttributes, EnrollRequest, JobReport
from ktp_service.schemas.printing import JobResolution, PrinterCreate, PrintJobCreate
from ktp_service.security import hash_password
from ktp_service.seed import DEMO_USERS, REGENCY
from ktp_service.services import agents as agents_service
from ktp_service.services import billing as billing_service
from ktp_service.services import print_jobs as print_jobs_service
from ktp_service.services import printers as printers_service
from ktp_service.services.actor import SYSTEM, Actor
from ktp_service.services.offices import create as create_office
from ktp_service.services.printers import AdapterCache
from ktp_service.settings import Settings
from ktp_service.vocab import Role
from ktp_service.worker import PrintWorker
from printers.simulator import SimulatorControl, SimulatorPrinter
from tests.factories import resident_payload
from tests.integration.printing.test_month_end import CONTRACT

PASSWORD = "simulation-password-1"
SERVER = "http://centre"
RESIDENTS_PER_OFFICE = 16
# Why an agent may leave a job waiting for a person (print_agent.py): nothing else is acceptable.
DOCUMENTED_REASONS = {"agent-stopped-while-sending", "outcome-unknown", "submission-uncertain"}
FINAL = {"completed", "aborted", "canceled"}
EPOCH = 1_788_000_000.0  # the simulation's clock starts here (2026-08) and moves only when told to


def reproduce_command(seed: int, size: str = "full") -> str:
    return f"PYTHONPATH=. python -m tests.simulation.agent_world --seed {seed} --size {size} --verbose"


class SimCrash(BaseException):
    """A process of the world dies here (a BaseException: the agent's ``except Exception`` never sees it)."""

    def __init__(self, side: str, where: str) -> None:
        super().__init__(f"{side} crashed {where}")
        self.side, self.where = side, where


class InvariantBroken(AssertionError):
    def __init__(self, seed: int, size: str, step: int, message: str, trace: list[str]) -> None:
        tail = "\n".join(f"    {line}" for line in trace[-25:])
        super().__init__(
            f"seed {seed}: invariant broken at step {step}: {message}\n"
            f"  last steps:\n{tail}\n"
            f"  reproduce: {reproduce_command(seed, size)}"
        )
        self.seed, self.step, self.detail = seed, step, message


# -- the template: a migrated database with offices, users, residents, stock (built once per process) ---------
@dataclass(frozen=True)
class Template:
    root: Path
    tokens: dict[str, str]
    residents: dict[str, list[str]]  # office code -> NIKs
    users: dict[str, tuple[int, str, str | None]]  # username -> (id, role, office code)
    offices: tuple[str, str]


def _settings(root: Path, **extra: Any) -> Settings:
    return Settings(
        data_dir=root / "data",
        database_url=f"sqlite:///{root / 'ktp.sqlite3'}",
        run_worker=False,
        token_minutes=24 * 60,
        **extra,
    )


def build_template(root: Path) -> Template:
    root.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{root / 'ktp.sqlite3'}")
    migrate.upgrade(engine)
    kecamatan = [r.code for r in regions.children(REGENCY)]
    first, second = kecamatan[0], kecamatan[1]
    hashed = hash_password(PASSWORD)
    with Session(engine, expire_on_commit=False) as s:
        for code in [REGENCY, *kecamatan]:
            create_office(s, SYSTEM, code)
        s.flush()
        office_ids = {o.code: o.id for o in s.exec(select(Office))}
        accounts = [(u.username, u.role.value, u.office) for u in DEMO_USERS]
        accounts += [("second.clerk", "clerk", second), ("second.supervisor", "supervisor", second)]
        for username, role, office in accounts:
            s.add(
                User(
                    username=username,
                    full_name=username,
                    password_hash=hashed,
                    role=role,
                    office_id=office_ids[office] if office else None,
                )
            )
        s.commit()
        codes = {i: c for c, i in office_ids.items()}
        users = {u.username: (int(u.id or 0), u.role, codes.get(u.office_id)) for u in s.exec(select(User))}
    settings = _settings(root)
    app = create_app(settings, engine)
    tokens: dict[str, str] = {}
    residents: dict[str, list[str]] = {first: [], second: []}
    staff = {
        first: ("kalijambe.clerk", "kalijambe.supervisor"),
        second: ("second.clerk", "second.supervisor"),
    }
    with TestClient(app, base_url=SERVER) as c:
        for username in ("admin", "finance", *staff[first], *staff[second]):
            r = c.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            tokens[username] = r.json()["access_token"]

        def as_(user: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens[user]}"}

        r = c.post("/api/v1/billing/contracts", json=CONTRACT, headers=as_("finance"))
        assert r.status_code == 201, r.text
        photo, signature = make_photo(seed=1), make_signature(seed=1)
        for office, (clerk, supervisor) in staff.items():
            r = c.post(
                f"/api/v1/offices/{office}/stock",
                json={"quantity": 500, "note": "kiriman"},
                headers=as_(supervisor),
            )
            assert r.status_code == 201, r.text
            desa = regions.children(office)[0].code
            for serial in range(RESIDENTS_PER_OFFICE):
                body = resident_payload(desa, serial=7000 + serial)
                r = c.post("/api/v1/residents", json=body, headers=as_(clerk))
                assert r.status_code == 201, r.text
                for kind, data in (("photo", photo), ("signature", signature)):
                    r = c.put(
                        f"/api/v1/residents/{body['nik']}/{kind}",
                        files={"file": (f"{kind}.png", data, "image/png")},
                        headers=as_(clerk),
                    )
                    assert r.status_code == 200, r.text
                residents[office].append(body["nik"])
    engine.dispose()
    return Template(root, tokens, residents, users, (first, second))


_TEMPLATE: Template | None = None
_CARDS: dict[tuple[str, int, str], Any] = {}
_real_render = agents_service._render


def _cached_render(printer: Any, resident: Any, settings: Settings) -> Any:
    """The centre's card rendering, kept per (resident, dpi, format): the same resident on the same day gives
    the same card in every world, and rendering it again in each of thousands of worlds tests nothing new."""
    key = (resident.nik, printer.dpi, printer.document_format)
    if key not in _CARDS:
        _CARDS[key] = _real_render(printer, resident, settings)
    return _CARDS[key]


def template() -> Template:
    global _TEMPLATE
    if _TEMPLATE is None:
        root = Path(tempfile.mkdtemp(prefix="ktp-sim-template-"))
        atexit.register(shutil.rmtree, root, True)  # only where it was built (workers are handed it)
        _TEMPLATE = build_template(root)
    return _TEMPLATE


# -- the world's parts -----------------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = EPOCH

    def __call__(self) -> float:
        return self.now


@dataclass
class Faults:
    """Probabilities, drawn per world from its seed (some worlds calm, some stormy)."""

    drop_request: float
    drop_answer: float
    delay: float
    duplicate: float
    centre_crash_in_request: float
    agent_crash_after_answer: float
    agent_crash_in_journal: float
    agent_crash_after_submit: float
    crash_agent: float
    crash_centre: float
    printer_offline: float

    @classmethod
    def draw(cls, rng: random.Random) -> Faults:
        storm = rng.random()

        def p(most: float) -> float:
            return round(rng.uniform(0, most) * storm, 4)

        return cls(
            drop_request=p(0.25),
            drop_answer=p(0.25),
            delay=p(0.15),
            duplicate=p(0.15),
            centre_crash_in_request=p(0.03),
            agent_crash_after_answer=p(0.03),
            agent_crash_in_journal=p(0.03),
            agent_crash_after_submit=p(0.5),
            crash_agent=p(0.05),
            crash_centre=p(0.03),
            printer_offline=p(0.05),
        )

    @classmethod
    def none(cls) -> Faults:
        return cls(*([0.0] * 11))


@dataclass
class Message:
    """A request in the network: who sent it, and what (it may reach the centre later than sent)."""

    agent: str
    method: str
    path: str
    headers: dict[str, str]
    content: bytes
    due: int


class Centre:
    """The centre's real route functions and services on the world's database, called in this process (no
    ASGI: the Starlette test client's thread hops cost about 0.1 s a request on a loaded machine, which a
    few hundred worlds cannot afford); :meth:`crash` drops the engine and starts a new one on the same
    database (every request is one transaction: a crash mid-request is the request lost, or applied with
    its answer lost, both of which the network already does)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.generation = 0
        self._start()

    def _start(self) -> None:
        settings = self.world.settings
        self.engine: Engine = make_engine(settings.database_url)
        self.app = types.SimpleNamespace(state=types.SimpleNamespace(engine=self.engine))
        self.worker = PrintWorker(
            self.engine,
            settings,
            name=f"central-{self.generation}",
            adapters=AdapterCache(settings),
            post_events=poster(settings),
        )
        self.generation += 1

    def stop(self) -> None:
        self.engine.dispose()

    def crash(self) -> None:
        self.stop()
        self._start()

    def deliver(self, message: Message) -> httpx.Response:
        """One agent request through the routes of ``ktp_service.api.routes.agents``, answered as the app
        answers it (a refusal: its status, ``{"error": code, "message"}``)."""
        settings = self.world.settings
        path, _, query = message.path.removeprefix("/api/v1").partition("?")
        params = dict(urllib.parse.parse_qsl(query))
        body = json.loads(message.content) if message.content else {}
        token = message.headers.get("authorization", "").removeprefix("Bearer ") or None
        credential = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token) if token else None
        request = types.SimpleNamespace(app=self.app, method=message.method, headers={})
        out: Any
        try:
            if path == "/agent/enroll":
                with unit_of_work(self.engine) as s:
                    out = routes.enroll(EnrollRequest(**body), s)
            elif path == "/agent/fetch-jobs":
                agent = routes.current_agent_briefly(request, credential)  # type: ignore[arg-type]
                out = routes.fetch_jobs(request, settings, agent)  # type: ignore[arg-type]
            else:
                with unit_of_work(self.engine, writes=message.method != "GET") as s:
                    agent = agents_service.authenticate(s, token, touch=message.method != "GET")
                    match = re.fullmatch(r"/agent/jobs/([0-9a-f-]{36})/(\w+)", path)
                    if path == "/agent/device-attributes":
                        out = routes.update_device_attributes(DeviceAttributes(**body), s, agent)
                    elif match and match[2] == "acknowledge":
                        out = routes.acknowledge_job(match[1], Acknowledge(**body), s, agent)
                    elif match and match[2] == "document":
                        out = routes.job_document(match[1], s, agent, settings, params.get("form", "whole"))  # type: ignore[arg-type]
                    elif match and match[2] == "status":
                        out = routes.update_job_status(
                            match[1], JobReport(**body), s, agent, settings, request
                        )  # type: ignore[arg-type]
                    else:
                        raise AssertionError(f"no route for {message.method} {path}")
        except DomainError as exc:
            return httpx.Response(exc.status_code, json={"error": exc.code, "message": str(exc)})
        except ValidationError as exc:
            return httpx.Response(422, json={"error": "invalid", "message": str(exc)})
        if isinstance(out, StarletteResponse):
            return httpx.Response(out.status_code, headers=dict(out.headers), content=bytes(out.body))
        return httpx.Response(200, json=out.model_dump(mode="json"))


class Direct(httpx.BaseTransport):
    """A link with no faults (enrollment, before the world starts)."""

    def __init__(self, centre: Centre) -> None:
        self.centre = centre

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")}
        return self.centre.deliver(
            Message("setup", request.method, request.url.raw_path.decode(), headers, request.read(), 0)
        )


class SimTransport(httpx.BaseTransport):
    """The wide-area link of one agent: what it does to each request is drawn from the world's seed."""

    def __init__(self, world: World, agent: str) -> None:
        self.world, self.agent = world, agent

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        w, f = self.world, self.world.faults
        rng = w.rng
        content = request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")}
        message = Message(self.agent, request.method, request.url.raw_path.decode(), headers, content, 0)
        name = f"{request.method} {message.path.removeprefix('/api/v1/agent/')}"
        if w.partitioned(self.agent):
            w.note(f"  net {self.agent}: {name} cut off (partition)")
            raise httpx.ConnectError("partitioned", request=request)
        if rng.random() < f.drop_request:
            w.note(f"  net {self.agent}: {name} request lost")
            raise httpx.ConnectError("request lost", request=request)
        if rng.random() < f.delay:
            message.due = w.step + rng.randint(1, 40)
            w.in_flight.append(message)
            w.note(f"  net {self.agent}: {name} delayed until step {message.due}; the agent times out")
            raise httpx.ReadTimeout("no answer in time", request=request)
        if rng.random() < f.duplicate:
            copy = Message(**{**message.__dict__, "due": w.step + rng.randint(0, 40)})
            w.in_flight.append(copy)
            w.note(f"  net {self.agent}: {name} duplicated (copy due at step {copy.due})")
        if rng.random() < f.centre_crash_in_request:
            applied = rng.random() < 0.5
            if applied:
                w.centre.deliver(message)
            w.note(f"  centre crashed {'after applying' if applied else 'before applying'} {name}")
            w.centre.crash()
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        response = w.centre.deliver(message)
        w.note(f"  net {self.agent}: {name} -> {response.status_code}")
        if rng.random() < f.drop_answer:
            w.note(f"  net {self.agent}: the answer to {name} is lost")
            raise httpx.ReadTimeout("answer lost", request=request)
        if rng.random() < f.agent_crash_after_answer:
            raise SimCrash(self.agent, f"after the centre answered {name}")
        return response


class SimPrinter:
    """The simulator adapter at the agent, on the simulation's clock; every card it takes is written down
    in the world's own record (the paper that came out), and the agent may die right after it took one."""

    def __init__(self, world: World, agent: str, printer_id: int, real: SimulatorPrinter) -> None:
        self.world, self.agent, self.printer_id, self.real = world, agent, printer_id, real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def submit(self, document: bytes, **kw: Any) -> Any:
        receipt = self.real.submit(document, **kw)
        job_uuid = str(kw.get("job_name", "")).removeprefix("ktp-")
        self.world.fed.append((job_uuid, self.printer_id, self.agent))
        self.world.note(f"  printer {self.printer_id}: took the card of job {self.world.short(job_uuid)}")
        if self.world.rng.random() < self.world.faults.agent_crash_after_submit:
            raise SimCrash(self.agent, "right after its printer took a card")
        return receipt


@dataclass(frozen=True)
class JobRow:
    uuid: str
    state: str
    agent_id: int | None
    claimed_by: str | None
    printer_id: int


@dataclass
class AgentBox:
    name: str
    agent_id: int
    office: str
    data_dir: Path
    printer_ids: list[int]
    agent: print_agent.PrintAgent | None = None
    needs_recover: bool = True
    crashes: int = 0


STEPS = ("sync", "fetch", "download", "print", "follow", "report")


@dataclass
class Plan:
    """The shape of one world, drawn from its seed."""

    agents: list[tuple[int, int, list[float]]]  # (office index, agent number, printer speeds)
    central_printer: bool
    prefetch: int
    jobs: int
    steps: int
    partition: tuple[float, float, list[int]] | None  # (from, until) on the sim clock, agent indexes


SIZES = {
    # CI: a few hundred of these in under two minutes
    "quick": {"steps": (40, 100), "jobs": (3, 7)},
    # the longer run (benchmarks/agent_simulation.py)
    "full": {"steps": (150, 320), "jobs": (4, 16)},
}


def draw_plan(rng: random.Random, size: str = "full") -> Plan:
    bounds = SIZES[size]
    agents = []
    for office in (0, 1):
        for number in range(rng.randint(1, 2)):
            agents.append(
                (office, number, [rng.choice([0.0, 0.0, 20.0, 90.0]) for _ in range(rng.randint(1, 2))])
            )
    steps = rng.randint(*bounds["steps"])
    partition = None
    if rng.random() < 0.6:
        start = EPOCH + rng.uniform(600, 3_600)
        length = rng.uniform(2 * 3600, 8 * 3600)  # hours on the simulation's clock
        cut = sorted(rng.sample(range(len(agents)), rng.randint(1, len(agents))))
        partition = (start, start + length, cut)
    return Plan(
        agents=agents,
        central_printer=rng.random() < 0.7,
        prefetch=rng.randint(1, 3),
        jobs=rng.randint(*bounds["jobs"]),
        steps=steps,
        partition=partition,
    )


# -- the world -------------------------------------------------------------------------------------------------
class World:
    def __init__(self, seed: int, workdir: Path, *, size: str = "full", verbose: bool = False) -> None:
        self.seed, self.size, self.verbose = seed, size, verbose
        self.rng = random.Random(seed)
        self._ids = random.Random(seed ^ 0x5EED)
        self.template = template()
        self.plan = draw_plan(self.rng, size)
        self.faults = Faults.draw(self.rng)
        self.clock = Clock()
        self.step = 0
        self.trace: list[str] = []
        self.in_flight: list[Message] = []
        self.fed: list[tuple[str, int, str]] = []  # (job, printer, who printed it): every card taken
        self.bound: dict[str, int] = {}  # job -> the agent the centre first bound it to
        self.healed = False
        self.decided = 0
        self.root = workdir
        shutil.copy(self.template.root / "ktp.sqlite3", workdir / "ktp.sqlite3")
        shutil.copytree(self.template.root / "data", workdir / "data")
        self.settings = _settings(workdir, agent_prefetch_per_printer=self.plan.prefetch)
        self.centre = Centre(self)
        self.agents: list[AgentBox] = []
        self.central_printer: int | None = None
        self.printer_office: dict[int, str] = {}
        self.unused = {office: list(niks) for office, niks in self.template.residents.items()}
        self.jobs: list[str] = []
        self._set_up()

    # -- helpers ---------------------------------------------------------------------------------------------
    def note(self, line: str) -> None:
        self.trace.append(f"[{self.step}] {line}")
        if self.verbose:
            print(self.trace[-1])

    def short(self, job_uuid: str) -> str:
        return f"#{self.jobs.index(job_uuid)}" if job_uuid in self.jobs else job_uuid[:8]

    def fail(self, message: str) -> None:
        raise InvariantBroken(self.seed, self.size, self.step, message, self.trace)

    def partitioned(self, agent: str) -> bool:
        if self.healed or self.plan.partition is None:
            return False
        start, until, cut = self.plan.partition
        return start <= self.clock.now < until and any(self.agents[i].name == agent for i in cut)

    def actor(self, username: str) -> Actor:
        user_id, role, office = self.template.users[username]
        return Actor(user_id, username, Role(role), office)

    def next_uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self._ids.getrandbits(128), version=4)

    def _set_up(self) -> None:
        offices = self.template.offices
        for office_index, number, speeds in self.plan.agents:
            office = offices[office_index]
            name = f"agent-{office_index}-{number}"
            with unit_of_work(self.centre.engine) as s:
                agent, code = agents_service.create(s, SYSTEM, name, office, self.settings)
                agent_id = int(agent.id or 0)
            printer_ids = []
            for k, speed in enumerate(speeds):
                printer_ids.append(self._printer(f"{name}-p{k}", office, agent_id, speed))
            data_dir = self.root / name
            direct = httpx.Client(base_url=SERVER, transport=Direct(self.centre))
            print_agent.enroll(SERVER, code, data_dir, allow_http=True, http=direct)
            direct.close()
            self.agents.append(AgentBox(name, agent_id, office, data_dir, printer_ids))
        if self.plan.central_printer:
            self.central_printer = self._printer("central-1", offices[0], None, 0.0)
        self.note(
            f"world: agents {[(a.name, a.printer_ids) for a in self.agents]}, central printer "
            f"{self.central_printer}, prefetch {self.plan.prefetch}, {self.plan.jobs} jobs, "
            f"{self.plan.steps} steps, partition {self.plan.partition}, faults {self.faults}"
        )
        for box in self.agents:
            self._start_agent(box)

    def _printer(self, name: str, office: str, agent_id: int | None, speed: float) -> int:
        body: dict[str, Any] = {
            "name": name,
            "office": office,
            "adapter": "simulator",
            "uri": f"simulator://{name}",
            "config": {"speed": speed},
        }
        if agent_id is not None:
            body["agent_id"] = agent_id
        with unit_of_work(self.centre.engine) as s:
            printer_id = int(
                printers_service.register(s, SYSTEM, PrinterCreate(**body), self.settings).id or 0
            )
        self.printer_office[printer_id] = office
        return printer_id

    def _adapter_factory(self, box: AgentBox) -> Callable[[str, str, dict[str, Any], Path], Any]:
        def make(adapter: str, uri: str, config: dict[str, Any], root: Path) -> Any:
            assert adapter == "simulator", adapter
            printer_id = int(config["name"].removeprefix("printer-"))
            real = SimulatorPrinter(
                config["name"],
                state_dir=config["state_dir"],
                speed=float(config.get("speed", 0)),
                clock=self.clock,
            )
            return SimPrinter(self, box.name, printer_id, real)

        return make

    def _start_agent(self, box: AgentBox) -> None:
        http = httpx.Client(base_url=SERVER, transport=SimTransport(self, box.name))
        agent = print_agent.PrintAgent(box.data_dir, http=http, adapter_factory=self._adapter_factory(box))
        journal = agent.journal
        original = journal._tx
        world = self

        @contextmanager
        def tx() -> Iterator[Any]:
            with original() as db:
                yield db
                if world.rng.random() < world.faults.agent_crash_in_journal:
                    raise SimCrash(box.name, "before a journal commit (the write is lost)")

        journal._tx = tx  # type: ignore[method-assign]
        box.agent, box.needs_recover = agent, True

    def _crash_agent(self, box: AgentBox, where: str) -> None:
        self.note(f"{box.name} CRASHED {where}; restarts from its journal")
        assert box.agent is not None
        box.agent.journal.close()
        box.agent.link.http.close()
        box.agent, box.crashes = None, box.crashes + 1
        self._start_agent(box)

    def close(self) -> None:
        for box in self.agents:
            if box.agent is not None:
                box.agent.journal.close()
                box.agent.link.http.close()
        self.centre.stop()

    # -- actions ---------------------------------------------------------------------------------------------
    def agent_step(self, box: AgentBox, step: str) -> None:
        agent = box.agent
        assert agent is not None
        try:
            if box.needs_recover:
                self.note(f"{box.name}: recover")
                agent.recover()
                box.needs_recover = False
            self.note(f"{box.name}: {step}")
            # The agent's own pass stops talking once the link failed in it (run_once resets that); the world
            # drives steps one by one, each an attempt of its own.
            agent._link_failed = False
            if step in ("sync", "fetch", "download", "report"):
                agent._talk(getattr(agent, f"_{step}"))
            else:
                getattr(agent, f"_{step}")()
        except SimCrash as crash:
            self._crash_agent(box, crash.where)

    def clerk_orders(self) -> None:
        printers = [p for box in self.agents for p in box.printer_ids]
        if self.central_printer is not None:
            printers.append(self.central_printer)
        printer = self.rng.choice(printers)
        office = self.printer_office[printer]
        nik = self.unused[office].pop(0)
        clerk = "kalijambe.clerk" if office == self.template.offices[0] else "second.clerk"
        original = print_jobs_service.uuid
        print_jobs_service.uuid = types.SimpleNamespace(uuid4=self.next_uuid)  # type: ignore[assignment]
        try:
            with unit_of_work(self.centre.engine) as s:
                body = PrintJobCreate(nik=nik, printer_id=printer, reason="baru")
                job, _ = print_jobs_service.create(
                    s, self.actor(clerk), body, idempotency_key=None, settings=self.settings
                )
        finally:
            print_jobs_service.uuid = original
        self.jobs.append(job.uuid)
        self.note(f"clerk: job {self.short(job.uuid)} on printer {printer}")

    def deliver_late(self) -> None:
        due = [m for m in self.in_flight if m.due <= self.step]
        if not due:
            return
        message = self.rng.choice(due)
        self.in_flight.remove(message)
        if self.partitioned(message.agent) and self.rng.random() < 0.5:
            self.note(f"  net: a late {message.method} {message.path} from {message.agent} is lost")
            return
        r = self.centre.deliver(message)
        self.note(
            f"  net: late {message.method} {message.path} from {message.agent} -> {r.status_code} (unheard)"
        )

    def central_worker(self) -> None:
        self.note("central worker pass")
        self.centre.worker.run_once()

    def toggle_printer(self) -> None:
        box = self.rng.choice(self.agents)
        printer = self.rng.choice(box.printer_ids)
        control = SimulatorControl(
            f"printer-{printer}", state_dir=box.data_dir / "simulators", clock=self.clock
        )
        if "offline" in control.info().faults:
            control.clear_fault("offline")
            self.note(f"printer {printer} back online")
        else:
            control.set_fault("offline")
            self.note(f"printer {printer} offline")

    def run(self) -> None:
        agents_service._render = _cached_render  # type: ignore[assignment]
        try:
            self._run()
        finally:
            agents_service._render = _real_render  # type: ignore[assignment]

    def _run(self) -> None:
        rng, f = self.rng, self.faults
        try:
            self.check()
            for step in range(1, self.plan.steps + 1):
                self.step = step
                roll = rng.random()
                if roll < 0.10 and len(self.jobs) < self.plan.jobs:
                    self.clerk_orders()
                elif roll < 0.60:
                    box = rng.choice(self.agents)
                    # half the time a whole pass in the agent's own order, else one step out of it
                    for name in STEPS if rng.random() < 0.5 else (rng.choice(STEPS),):
                        crashes = box.crashes
                        self.agent_step(box, name)
                        if box.crashes != crashes:
                            break
                elif roll < 0.72:
                    self.deliver_late()
                elif roll < 0.77:
                    self.central_worker()
                elif roll < 0.92:
                    self.clock.now += rng.choice([1, 5, 30, 120, 600, 1800])
                elif roll < 0.92 + f.crash_agent:
                    box = rng.choice(self.agents)
                    self._crash_agent(box, "between steps")
                elif rng.random() < f.crash_centre * 10:
                    self.note("centre CRASHED between requests; a new app and engine on the same database")
                    self.centre.crash()
                elif rng.random() < f.printer_offline * 10:
                    self.toggle_printer()
                self.check()
            self.heal()
        except SimCrash as crash:  # pragma: no cover - every crash is caught where it happens
            self.fail(f"a crash escaped: {crash}")

    # -- healing ---------------------------------------------------------------------------------------------
    def heal(self) -> None:
        self.healed = True
        self.faults = Faults.none()
        while len(self.jobs) < self.plan.jobs:
            self.clerk_orders()
        self.note("--- healed: the link is back, no more faults ---")
        for box in self.agents:
            for printer in box.printer_ids:
                control = SimulatorControl(
                    f"printer-{printer}", state_dir=box.data_dir / "simulators", clock=self.clock
                )
                control.clear_fault("offline")
        for _ in range(80):
            self.step += 1
            for message in sorted(self.in_flight, key=lambda m: m.due):
                self.centre.deliver(message)
            self.in_flight.clear()
            for box in self.agents:
                for step in STEPS:
                    self.agent_step(box, step)
            if self.central_printer is not None:
                self.central_worker()
            self.clock.now += 300
            self.check()
            if self.quiet():
                break
        else:
            stuck = [
                f"{self.short(j.uuid)} {j.state}"
                for j in self.centre_jobs().values()
                if j.state not in FINAL | {"needs-confirmation"}
            ]
            held = [
                f"{box.name}: {self.short(j.uuid) if hasattr(j, 'uuid') else j} {getattr(j, 'state', '')}"
                for box in self.agents
                if box.agent is not None
                for j in box.agent.journal.jobs()
                if getattr(j, "state", "done") != "done"
            ]
            self.fail(
                "the world did not settle after healing (a job neither ended nor waits for a person): "
                f"centre {stuck}; journals {held}"
            )
        self.check_settled()

    def quiet(self) -> bool:
        states = self.centre_jobs()
        if any(j.state not in FINAL | {"needs-confirmation"} for j in states.values()):
            return False
        for box in self.agents:
            assert box.agent is not None
            journal = box.agent.journal
            if any(j.state != "done" for j in journal.jobs()) or journal.unreported():
                return False
        return True

    def check_settled(self) -> None:
        jobs = self.centre_jobs()
        journals = self.journal_view()
        waiting = [j for j in jobs.values() if j.state == "needs-confirmation"]
        for job in waiting:
            held = journals.get(job.uuid)
            if held is None:
                self.fail(f"job {self.short(job.uuid)} waits for a person, but no agent journaled it")
            reasons = set(held[2])
            if not reasons & DOCUMENTED_REASONS:
                self.fail(
                    f"job {self.short(job.uuid)} waits for a person for no documented reason: {reasons}"
                )
        # A supervisor decides each one from the printer's own record, as the README says a person does.
        taken = Counter(job for job, _, _ in self.fed)
        for job in waiting:
            outcome = "printed" if taken[job.uuid] else "spoiled"
            office = self.printer_office[job.printer_id]
            supervisor = "kalijambe.supervisor" if office == self.template.offices[0] else "second.supervisor"
            decision = JobResolution(outcome=outcome, note="decided from the printer's record")
            try:
                with unit_of_work(self.centre.engine) as s:
                    actor = self.actor(supervisor)
                    row = print_jobs_service.get(s, actor, job.uuid, lock=True)
                    print_jobs_service.resolve(s, actor, row, decision.outcome, decision.note)
            except DomainError as exc:
                self.fail(f"the supervisor could not resolve job {self.short(job.uuid)}: {exc}")
            self.note(f"supervisor: job {self.short(job.uuid)} {outcome}")
        self.check()
        jobs = self.centre_jobs()
        if any(j.state not in FINAL for j in jobs.values()):
            self.fail("a job did not end after the supervisor's decisions")
        with Session(self.centre.engine) as s:
            while post_pending(s, config_for(self.settings)):
                s.commit()
            s.commit()
            outbox = list(s.exec(select(CardPrintedEvent)))
            if any(row.posted_at is None for row in outbox):
                self.fail("a printed card was not posted to billing")
            result = billing_service.verify(s, SYSTEM, config_for(self.settings))
            if not result.ok:
                self.fail(f"billing verify: {result.problems}")
            ledger_cards = result.transactions
        completed = sorted(j.uuid for j in jobs.values() if j.state == "completed")
        billed = sorted(row.job_uuid for row in outbox)
        if completed != billed:
            self.fail(f"completed jobs {completed} are not the billed ones {billed}")
        if ledger_cards < len(completed):
            self.fail(f"the ledger holds {ledger_cards} transactions for {len(completed)} printed cards")
        central_taken = self._central_counter()
        for job in jobs.values():
            if job.printer_id == self.central_printer:
                continue
            if (job.state == "completed") != (taken[job.uuid] == 1):
                self.fail(
                    f"job {self.short(job.uuid)} ended {job.state}, its card came out {taken[job.uuid]} times"
                )
        central_completed = sum(
            1 for j in jobs.values() if j.printer_id == self.central_printer and j.state == "completed"
        )
        if self.central_printer is not None and central_taken != central_completed:
            self.fail(
                f"the central printer counted {central_taken} cards for {central_completed} completed jobs"
            )
        for box in self.agents:
            for printer in box.printer_ids:
                counter = (
                    SimulatorControl(
                        f"printer-{printer}", state_dir=box.data_dir / "simulators", clock=self.clock
                    )
                    .info()
                    .card_counter
                )
                fed = sum(1 for _, p, _ in self.fed if p == printer)
                if counter != fed:
                    self.fail(f"printer {printer} counted {counter} cards, {fed} were sent to it")
        self.decided = len(waiting)
        self.note(
            f"settled: {len(completed)} printed and billed once, {len(waiting)} decided by a supervisor"
        )

    def _central_counter(self) -> int:
        if self.central_printer is None:
            return 0
        control = SimulatorControl(f"printer-{self.central_printer}", state_dir=self.settings.simulators_dir)
        return control.info().card_counter

    # -- invariants ------------------------------------------------------------------------------------------
    def centre_jobs(self) -> dict[str, JobRow]:
        """The centre's jobs, read with plain SQL (this runs after every step)."""
        t = PrintJob.__table__  # type: ignore[attr-defined]
        query = sa.select(t.c.uuid, t.c.state, t.c.agent_id, t.c.claimed_by, t.c.printer_id).order_by(t.c.id)
        with self.centre.engine.connect() as conn:
            return {
                r.uuid: JobRow(r.uuid, str(r.state), r.agent_id, r.claimed_by, r.printer_id)
                for r in conn.execute(query)
            }

    def journal_view(self) -> dict[str, tuple[str, str | None, list[str], str]]:
        """job -> (journal state, outcome, the outcome's reasons, agent name); fails on a job in two journals."""
        view: dict[str, tuple[str, str | None, list[str], str]] = {}
        for box in self.agents:
            db = sqlite3.connect(f"file:{box.data_dir / print_agent.JOURNAL_FILE}?mode=ro", uri=True)
            try:
                rows = list(db.execute("SELECT uuid, state, outcome FROM job"))
                reasons = {
                    (u, e): json.loads(r) for u, e, r in db.execute("SELECT uuid, event, reasons FROM report")
                }
            finally:
                db.close()
            for job_uuid, state, outcome in rows:
                if job_uuid in view:
                    self.fail(
                        f"job {self.short(job_uuid)} is held by two agents: {view[job_uuid][3]} and {box.name}"
                    )
                view[job_uuid] = (state, outcome, reasons.get((job_uuid, outcome), []), box.name)
        return view

    def check(self) -> None:
        jobs = self.centre_jobs()
        journals = self.journal_view()
        ids = {box.name: box.agent_id for box in self.agents}
        printers_of = {box.agent_id: set(box.printer_ids) for box in self.agents}
        outbox_table = CardPrintedEvent.__table__  # type: ignore[attr-defined]
        with self.centre.engine.connect() as conn:
            outbox = Counter(str(r[0]) for r in conn.execute(sa.select(outbox_table.c.job_uuid)))
        taken = Counter(job for job, _, _ in self.fed)
        # no card printed twice
        for job, count in taken.items():
            if count > 1:
                self.fail(f"the card of job {self.short(job)} came out of a printer {count} times")
        for job_uuid, printer, who in self.fed:
            row = jobs.get(job_uuid)
            if row is None or row.agent_id != ids[who] or printer not in printers_of[ids[who]]:
                self.fail(
                    f"agent {who} printed job {self.short(job_uuid)}, which the centre did not bind to it"
                )
            held = journals.get(job_uuid)
            if held is None or held[3] != who or held[0] in ("held", "ready"):
                self.fail(f"job {self.short(job_uuid)} reached a printer with no intent journaled ({held})")
        for box in self.agents:  # the central worker never prints on an agent's printer
            for printer in box.printer_ids:
                path = self.settings.simulators_dir / f"printer-{printer}.json"
                if path.exists():
                    self.fail(f"the centre drove printer {printer}, which belongs to {box.name}")
        for job_uuid, row in jobs.items():
            # a fetched job stays with its agent
            if row.agent_id is not None:
                first = self.bound.setdefault(job_uuid, row.agent_id)
                if first != row.agent_id:
                    self.fail(f"job {self.short(job_uuid)} moved from agent {first} to agent {row.agent_id}")
                if row.state == "processing" and row.claimed_by != f"agent:{row.agent_id}":
                    self.fail(
                        f"job {self.short(job_uuid)} bound to agent {row.agent_id} is claimed by {row.claimed_by}"
                    )
                if row.printer_id == self.central_printer:
                    self.fail(f"job {self.short(job_uuid)} of the central printer was given to an agent")
            elif job_uuid in self.bound:
                self.fail(f"job {self.short(job_uuid)} lost its agent {self.bound[job_uuid]}")
            held = journals.get(job_uuid)
            if held is not None and ids[held[3]] != row.agent_id:
                self.fail(
                    f"{held[3]} journaled job {self.short(job_uuid)}, bound at the centre to {row.agent_id}"
                )
            # billed once, and only a printed card
            if outbox[job_uuid] > 1:
                self.fail(f"job {self.short(job_uuid)} is billed {outbox[job_uuid]} times")
            if outbox[job_uuid] and row.state != "completed":
                self.fail(f"job {self.short(job_uuid)} is billed but {row.state}")
            if row.state == "completed" and not outbox[job_uuid]:
                self.fail(f"job {self.short(job_uuid)} is completed but not billed")
            if row.agent_id is None:
                continue
            # journal and centre never contradict
            if row.state == "completed" and not taken[job_uuid]:
                self.fail(f"job {self.short(job_uuid)} is completed, but its card never reached a printer")
            outcome = held[1] if held else None
            if row.state == "completed" and outcome not in ("printed", "needs-confirmation"):
                self.fail(f"job {self.short(job_uuid)} is completed at the centre, its journal says {held}")
            if row.state in ("aborted", "canceled") and outcome == "printed":
                self.fail(
                    f"job {self.short(job_uuid)} is {row.state} at the centre, its journal says printed"
                )
            if (
                outcome == "printed"
                and row.state not in ("processing", "completed")
                and row.state != "needs-confirmation"
            ):
                self.fail(f"job {self.short(job_uuid)} printed at the agent is {row.state} at the centre")
        # a job in a journal is bound at the centre
        for job_uuid, held in journals.items():
            if job_uuid not in jobs or jobs[job_uuid].agent_id is None:
                self.fail(f"{held[3]} journaled job {self.short(job_uuid)} that the centre never bound")


@dataclass
class Outcome:
    seed: int
    jobs: int
    printed: int
    agent_crashes: int
    centre_crashes: int
    steps: int
    decided: int = 0  # jobs a supervisor decided (the agent could not know whether the card came out)
    partitioned: bool = False
    trace: list[str] = field(default_factory=list)


def run_seed(seed: int, *, size: str = "full", verbose: bool = False, keep: bool = False) -> Outcome:
    """Run one world; raises :class:`InvariantBroken` naming the seed and the command to reproduce it."""
    workdir = Path(tempfile.mkdtemp(prefix=f"ktp-sim-{seed}-", dir=_scratch()))
    world: World | None = None
    try:
        world = World(seed, workdir, size=size, verbose=verbose)
        world.run()
        printed = sum(1 for j in world.centre_jobs().values() if j.state == "completed")
        return Outcome(
            seed,
            len(world.jobs),
            printed,
            sum(b.crashes for b in world.agents),
            world.centre.generation - 1,
            world.step,
            world.decided,
            world.plan.partition is not None,
            world.trace,
        )
    finally:
        if world is not None:
            world.close()
        if keep:
            print(f"the world is kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _scratch() -> str | None:
    """A RAM disk when there is one: the journal's fsyncs then cost nothing."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() else None


def fingerprint(outcome: Outcome) -> str:
    """The same seed gives the same world: the trace's digest (for the determinism test)."""
    return hashlib.sha256("\n".join(outcome.trace).encode()).hexdigest()


def _worker_init(prepared: Template) -> None:
    global _TEMPLATE
    _TEMPLATE = prepared
    logging.disable(logging.WARNING)  # the agents' "centre unreachable" lines: thousands of them


def _one(seed: int, size: str) -> tuple[int, Outcome | None, str | None]:
    try:
        outcome = run_seed(seed, size=size)
        outcome.trace = []  # not sent back: a failure carries its own last steps
        return seed, outcome, None
    except InvariantBroken as broken:
        return seed, None, str(broken)
    except Exception as exc:  # a crash of the harness or of the code under test: a failing seed too
        return (
            seed,
            None,
            f"seed {seed}: {type(exc).__name__}: {exc}\n  reproduce: {reproduce_command(seed, size)}",
        )


@dataclass
class Batch:
    outcomes: list[Outcome]
    failures: dict[int, str]


def run_many(seeds: list[int], *, size: str = "full", workers: int = 1) -> Batch:
    """Run ``seeds`` over ``workers`` processes (the template is built once, here, and shared)."""
    prepared = template()
    batch = Batch([], {})
    if workers <= 1:
        _worker_init(prepared)
        results = [_one(seed, size) for seed in seeds]
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_init, initargs=(prepared,)
        ) as pool:
            results = list(pool.map(_one, seeds, [size] * len(seeds), chunksize=4))
    for seed, outcome, failure in results:
        if outcome is not None:
            batch.outcomes.append(outcome)
        else:
            batch.failures[seed] = failure or ""
    return batch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--verbose", action="store_true", help="print every step")
    parser.add_argument(
        "--keep", action="store_true", help="keep the world's directory (databases, journals)"
    )
    args = parser.parse_args(argv)
    if not args.verbose:
        logging.disable(logging.WARNING)
    try:
        outcome = run_seed(args.seed, size=args.size, verbose=args.verbose, keep=args.keep)
    except InvariantBroken as broken:
        print(broken, file=sys.stderr)
        return 1
    print(
        f"seed {outcome.seed}: ok, {outcome.jobs} jobs, {outcome.printed} printed, {outcome.steps} steps, "
        f"{outcome.agent_crashes} agent crashes, {outcome.centre_crashes} centre crashes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
