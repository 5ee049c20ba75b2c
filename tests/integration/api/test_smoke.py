from fastapi.testclient import TestClient


def test_healthz_reports_database(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["database"]["status"] == "ok"
