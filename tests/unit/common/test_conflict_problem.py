"""A constraint the database enforced, not caught by a service, answers 409 naming the
fields (the race two requests win at once), never a 500."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import StaticPool

from darman.common import problems


def test_a_unique_clash_answers_409_with_the_fields_of_the_key() -> None:
    # one in-memory database shared by the test and the app's worker thread
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE seats (post INTEGER, rater INTEGER, UNIQUE (post, rater))"))
    app = FastAPI()
    problems.install(app)

    @app.post("/seats")
    def seat() -> dict[str, str]:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO seats VALUES (1, 2)"))
        return {"ok": "seated"}

    client = TestClient(app, raise_server_exceptions=False)
    assert client.post("/seats").status_code == 200
    clash = client.post("/seats")
    assert clash.status_code == 409
    body = clash.json()
    assert clash.headers["content-type"] == problems.MEDIA_TYPE
    assert [e["field"] for e in body["errors"]] == ["post", "rater"]
    assert body["errors"][0]["reason_fa"].startswith("پایگاه داده این مقدار را نپذیرفت")
    assert "(post, rater)" in body["detail"]
