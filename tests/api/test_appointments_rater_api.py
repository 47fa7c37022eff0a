"""Raters' accounts through the API on both databases: only a national administrator links
a rater record to an account, and only an account of role rater, one to one; the linked
rater reads their own scorecards and scores as themself, under the conflict-of-interest
rules, and cannot score as another rater. A rater sees and scores only the candidates the
exam shortlisted on the posts whose panel they sit on; anything else is refused in the
same words as a person who never applied.

The hand-worked call of ``world``: raters R1-R3 (unit HQ) sit on the post's panel P1 and
scored A-D, the exam's shortlist, with the same mark per competency (A 4, B 4, C 5, D 3);
E applied, sat the exam fifth of five and is not shortlisted. R5 (unit HQ) sits on no
panel until the office seats them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from darman.appointments import rules, service
from darman.audit import service as audit
from darman.common.national_id import make
from darman.db.uow import UnitOfWork
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM
from tests import factories as f
from tests.integration.appointments.world import IDS, POST, build

BASE = "/api/v1/appointments"
MARKS = dict.fromkeys(rules.COMPETENCIES, 2)


@pytest.fixture
def world(session_factory, client: TestClient) -> None:
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        build(s)
        service.declare(s, SYSTEM, rater_code="R1", national_id_=IDS["D"], relation="first_degree")
        service.add_rater(s, SYSTEM, code="R5", full_name="ارزیاب ۵", unit_code="HQ")
        f.user(s, username="boss", role=Role.ADMIN)
        f.user(s, username="hq", role=Role.HQ_ANALYST)
        for name in ("r1", "r2", "r5"):
            f.user(s, username=name, role=Role.RATER, scope_level=ScopeLevel.OWN)
        uow.commit()


def test_only_an_administrator_links_a_rater_to_a_raters_account_one_to_one(
    client, world, session_factory
) -> None:
    boss, hq = f.token(client, "boss"), f.token(client, "hq")
    link = f"{BASE}/raters/R1/user"
    assert client.put(link, json={"username": "r1"}, headers=hq).status_code == 403
    wrong_role = client.put(link, json={"username": "hq"}, headers=boss)
    assert wrong_role.status_code == 422 and "ارزیاب مصاحبه" in wrong_role.text
    assert client.put(link, json={"username": "r1"}, headers=boss).json() == {
        "rater": "R1",
        "username": "r1",
    }
    # linking the same pair again is harmless and records nothing more
    assert client.put(link, json={"username": "r1"}, headers=boss).status_code == 200
    assert client.put(link, json={"username": "r2"}, headers=boss).status_code == 409
    other = client.put(f"{BASE}/raters/R2/user", json={"username": "r1"}, headers=boss)
    assert other.status_code == 409 and "R1" in other.json()["detail"]
    unknown = client.put(f"{BASE}/raters/R9/user", json={"username": "r2"}, headers=boss)
    assert unknown.status_code == 404
    with session_factory() as s:
        _, linked = audit.list_entries(s, action="link_user")
    assert linked == 1


def test_a_linked_rater_reads_their_own_cards_and_scores_only_as_themself(
    client, world, session_factory
) -> None:
    boss = f.token(client, "boss")
    for rater, name in (("R1", "r1"), ("R2", "r2")):
        client.put(f"{BASE}/raters/{rater}/user", json={"username": name}, headers=boss)
    r1, r2 = f.token(client, "r1"), f.token(client, "r2")
    mine = client.get(f"{BASE}/my-scorecards", headers=r1).json()
    assert mine["rater"] == "R1" and mine["declared"] == {IDS["D"]: "first_degree"}
    assert [c["national_id"] for c in mine["cards"]] == sorted(IDS[k] for k in "ABCD")
    assert {c["national_id"]: c["marks"]["leadership"] for c in mine["cards"]} == {
        IDS["A"]: 4, IDS["B"]: 4, IDS["C"]: 5, IDS["D"]: 3,
    }  # fmt: skip
    card = {"post_code": POST, "national_id": IDS["D"], "panel": "P1", "marks": MARKS}
    sibling = client.post(f"{BASE}/my-scorecards", json=card, headers=r1)
    assert sibling.status_code == 409 and "خویشاوند درجه یک" in sibling.json()["detail"]
    # D held 3 on every competency from the office; 2 changes all four
    assert client.post(f"{BASE}/my-scorecards", json=card, headers=r2).json() == {"changed": 4}
    # the office's endpoint, which names the rater, is not theirs: no scoring as R1
    as_r1 = client.post(
        f"{BASE}/posts/{POST}/scorecards",
        json={"rater_code": "R1", "national_id": IDS["E"], "panel": "P1", "marks": MARKS},
        headers=r2,
    )
    assert as_r1.status_code == 403
    assert len(client.get(f"{BASE}/my-scorecards", headers=r1).json()["cards"]) == 4
    assert len(client.get(f"{BASE}/my-scorecards", headers=r2).json()["cards"]) == 4
    with session_factory() as s:
        entries, _ = audit.list_entries(s, action="score", limit=1)
    assert entries[0].actor == "r2" and entries[0].after["rater"] == "R2"
    # staff have no scorecards of their own
    hq = f.token(client, "hq")
    assert client.get(f"{BASE}/my-scorecards", headers=hq).status_code == 403


def _refusal(response, nid: str) -> tuple[int, str]:
    """The status and the refusal's words with the national ID typed taken out."""
    return response.status_code, response.json()["detail"].replace(nid, "#")


def test_a_rater_off_the_panel_is_refused_in_the_words_of_an_unknown_candidate(
    client, world, session_factory
) -> None:
    boss, hq = f.token(client, "boss"), f.token(client, "hq")
    for rater, name in (("R2", "r2"), ("R5", "r5")):
        client.put(f"{BASE}/raters/{rater}/user", json={"username": name}, headers=boss)
    r2, r5 = f.token(client, "r2"), f.token(client, "r5")
    assert client.get(f"{BASE}/my-scorecards", headers=r5).json()["cards"] == []
    stranger = make(999)  # applied to nothing

    def send(token, nid: str, post: str = POST):
        card = {"post_code": post, "national_id": nid, "marks": MARKS}
        return client.post(f"{BASE}/my-scorecards", json=card, headers=token)

    never = _refusal(send(r5, stranger), stranger)
    assert never[0] == 404 and "داوطلبی" in never[1]
    # A applied and is shortlisted, but R5 sits on no panel of the post: the same answer
    assert _refusal(send(r5, IDS["A"]), IDS["A"]) == never
    # E applied to the post R2 sits on, but the exam did not shortlist E: the same answer
    assert _refusal(send(r2, IDS["E"]), IDS["E"]) == never
    # a post that does not exist is answered the same way, not as a missing post
    assert send(r5, IDS["A"], "NO-SUCH").status_code == 404
    with session_factory() as s:
        _, scored = audit.list_entries(s, action="score", actor="r5")
    assert scored == 0
    # the office seats R5: audited once, and seating again changes nothing
    seat = f"{BASE}/posts/{POST}/panels/P1"
    assert client.put(seat, json={"raters": ["R5"]}, headers=r5).status_code == 403
    assert client.put(seat, json={"raters": ["R5"]}, headers=hq).json()["changed"] == 1
    assert client.put(seat, json={"raters": ["R5"]}, headers=hq).json()["changed"] == 0
    with session_factory() as s:
        seated, count = audit.list_entries(s, action="seat", actor="hq")
    assert count == 1 and seated[0].after == {"rater": "R5", "panel": "P1"}
    listed = client.get(f"{BASE}/posts/{POST}/panels", headers=hq).json()
    assert [(x["panel"], x["rater_code"]) for x in listed] == [
        ("P1", "R1"), ("P1", "R2"), ("P1", "R3"), ("P1", "R5"),
    ]  # fmt: skip
    # now R5 sees the shortlist A-D, unmarked, and scores A on their panel
    cards = client.get(f"{BASE}/my-scorecards", headers=r5).json()["cards"]
    assert [c["national_id"] for c in cards] == sorted(IDS[k] for k in "ABCD")
    assert all(c["marks"] == {} and c["panel"] == "P1" for c in cards)
    assert send(r5, IDS["A"]).json() == {"changed": 4}
    # still not E, who was not shortlisted
    assert _refusal(send(r5, IDS["E"]), IDS["E"]) == never
