"""The seeded simulation of the print-agent protocol (issue 14; ``tests/simulation/agent_world.py``): a few
hundred small worlds in CI, each checked after every step; the same seed gives the same world; and a centre
broken on purpose is caught, so a passing run means something."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from ktp_service.agent_journal import Journal
from ktp_service.db import unit_of_work
from ktp_service.models import PrintAgent, PrintJob
from ktp_service.services import agents
from ktp_service.settings import Settings
from tests.simulation import agent_world

pytestmark = pytest.mark.simulation

SEEDS = int(os.environ.get("KTP_SIM_SEEDS", "200"))
FIRST = int(os.environ.get("KTP_SIM_FIRST_SEED", "0"))


def test_every_seed_keeps_every_invariant() -> None:
    """``KTP_SIM_SEEDS`` worlds (200 by default) of the quick size, over the machine's cores; every failing
    seed is named with the command that replays it."""
    workers = max(1, min(4, os.cpu_count() or 1))
    batch = agent_world.run_many(list(range(FIRST, FIRST + SEEDS)), size="quick", workers=workers)
    assert not batch.failures, "\n\n".join(batch.failures[s] for s in sorted(batch.failures))
    assert len(batch.outcomes) == SEEDS
    # The worlds were not idle: cards printed, agents and the centre crashed, across the run.
    assert sum(o.printed for o in batch.outcomes) > SEEDS
    assert sum(o.agent_crashes for o in batch.outcomes) > 0
    assert sum(o.centre_crashes for o in batch.outcomes) > 0


def test_the_same_seed_makes_the_same_world() -> None:
    first = agent_world.run_seed(7, size="quick")
    again = agent_world.run_seed(7, size="quick")
    assert agent_world.fingerprint(first) == agent_world.fingerprint(again)
    assert len(first.trace) > 50


def _greedy_fetch(real: Any) -> Any:
    """A centre that breaks the rule: on each fetch it also takes a job bound to ANOTHER agent of the same
    office and offers it to the caller (as if the binding were forgotten)."""

    def fetch(engine: Engine, agent_id: int, settings: Settings) -> list[dict[str, Any]]:
        offers: list[dict[str, Any]] = real(engine, agent_id, settings)
        with unit_of_work(engine) as s:
            me = s.get(PrintAgent, agent_id)
            assert me is not None
            mine = agents.agent_printers(s, me)
            others = [a.id for a in s.exec(select(PrintAgent).where(PrintAgent.office_id == me.office_id))]
            stolen = s.exec(
                select(PrintJob).where(
                    col(PrintJob.agent_id).in_([a for a in others if a != agent_id]),
                    PrintJob.state == "processing",
                )
            ).first()
            if stolen is not None and mine:
                stolen.agent_id, stolen.claimed_by = agent_id, f"agent:{agent_id}"
                s.add(stolen)
                offers.append(agents.offer(stolen, mine[0], settings))
        return offers

    return fetch


def test_a_centre_that_re_offers_a_bound_job_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agents, "fetch", _greedy_fetch(agents.fetch))
    caught = []
    for seed in range(40):
        try:
            agent_world.run_seed(seed, size="quick")
        except agent_world.InvariantBroken as broken:
            caught.append(broken)
            if len(caught) == 3:
                break
    assert caught, "a centre that hands a bound job to a second agent went unnoticed"
    for broken in caught:
        assert any(
            words in broken.detail
            for words in ("moved from agent", "held by two agents", "bound at the centre to")
        ), broken.detail
        text = str(broken)
        assert f"seed {broken.seed}:" in text and f"--seed {broken.seed} --size quick" in text


def test_an_agent_that_sends_a_card_before_journaling_its_intent_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The agent's rule broken: the intent to send is not journaled first (a crash after the printer took the
    card then resends it)."""
    monkeypatch.setattr(Journal, "intend", lambda self, uuid: None)

    def first_failure() -> None:
        for seed in range(40):
            agent_world.run_seed(seed, size="quick")

    with pytest.raises(agent_world.InvariantBroken) as caught:
        first_failure()
    assert "no intent journaled" in caught.value.detail or "came out of a printer" in caught.value.detail
