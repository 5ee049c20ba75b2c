"""A card reaches a print agent in its smaller form (pixels, LZMA) and is rebuilt there; the agent prints it
only when the rebuilt PNG is the approved one, and otherwise asks for it whole (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from ktp_service import agent_documents, print_agent
from ktp_service.models import AuditEvent
from tests.integration.printing.conftest import Counter
from tests.integration.printing.test_agents import agent_printer, job_row, new_agent, order


class Recorder:
    """Wraps the TestClient: which document forms the agent asked for and how many bytes came."""

    def __init__(self, client: object) -> None:
        self.client = client
        self.documents: list[tuple[str, int]] = []

    def request(self, method: str, url: str, **kwargs: object) -> object:
        r = self.client.request(method, url, **kwargs)  # type: ignore[attr-defined]
        if url.split("?")[0].endswith("/document"):
            self.documents.append((r.headers.get("x-document-form", ""), len(r.content)))
        return r


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize("rebuilt_differs", [False, True])
def test_a_card_travels_small_and_prints_exactly_as_approved(
    counter: Counter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rebuilt_differs: bool
) -> None:
    c, as_user = counter.client, counter.as_user
    agent_id, code = new_agent(c, as_user)
    printer = agent_printer(c, as_user, agent_id)
    job_id = order(counter, printer)
    data_dir = tmp_path / "agent"
    print_agent.enroll("http://testserver", code, data_dir, allow_http=True, http=c)
    wire = Recorder(c)
    agent = print_agent.PrintAgent(data_dir, http=wire)  # type: ignore[arg-type]
    if rebuilt_differs:  # as with another PNG encoder at the agent: never printed, the card comes whole
        monkeypatch.setattr(agent_documents, "unpack", lambda blob: b"\x89PNG not the approved card")
    for _ in range(5):
        agent.run_once()
    assert job_row(counter, job_id).state == "completed"
    if rebuilt_differs:
        assert [form for form, _ in wire.documents] == ["rgb-xz", "whole"]
        assert agent.document_form == "whole"
    else:
        assert [form for form, _ in wire.documents] == ["rgb-xz"]
    with Session(counter.world.engine) as s:
        reports = [
            e.detail
            for e in s.exec(select(AuditEvent).where(AuditEvent.action == "agent.report"))
            if e.detail.get("event") == "printed"
        ]
    assert [r["document_sha256_matches"] for r in reports] == [True]  # the approved card, checked back
    assert list(counter.settings.agent_documents_dir.iterdir()) == []  # the centre's copies are gone
