"""The synthetic corpus stored in the repository clusters as it does in memory, on both
databases, and search filters by audience."""

from __future__ import annotations

from darman.circulars import search, service, similarity, synthetic, workbench
from darman.circulars.schemas import CircularCreate
from darman.common.jalali import tehran_today
from darman.security.principal import SYSTEM


def test_the_stored_corpus_clusters_against_its_truth_at_ninety_percent(session):
    corpus = synthetic.generate(topics=40, seed=11)
    assert workbench.load_synthetic(session, SYSTEM, topics=40, seed=11) == len(corpus)
    found = workbench.clusters(session, SYSTEM)
    truth = {c.number: c.topic for c in corpus}
    # clusters are read from circulars still in force: a repealed one stands alone
    in_force = {f.circular.number for f in service.in_force(session, SYSTEM, tehran_today())}
    live = {n: t for n, t in truth.items() if n in in_force}
    score = similarity.pair_score([[m.number for m in c.members] for c in found], live)
    assert score.precision >= 0.9
    assert score.recall >= 0.9


def test_search_filters_by_audience(session):
    service.create_many(
        session,
        SYSTEM,
        [
            CircularCreate(number="1", issued_on="1403/01/01", issuer="دفتر", subject="ارجاع",
                           audience="تهران، البرز", body="ارجاع بیماران به سطح دوم"),
            CircularCreate(number="2", issued_on="1403/01/01", issuer="دفتر", subject="ارجاع",
                           audience="فارس", body="ارجاع بیماران به سطح سوم"),
        ],
    )  # fmt: skip
    found = search.search(session, SYSTEM, "ارجاع", filters=search.Filters(audience="البرز"))
    assert [h.number for h in found.hits] == ["1"]
