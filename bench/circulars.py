"""Circulars at national size: Persian search and near-duplicate clustering.

- search: ``--n`` synthetic circulars (``circulars.synthetic``, about 4.2 per topic)
  stored on SQLite (FTS5) and on PostgreSQL (GIN over the stored tsvector);
  ``--queries`` queries of one to three words of three letters or more drawn reproducibly
  from the corpus's circulars, each typed one of the ways people do (Arabic yeh/kaf, ZWNJ
  or a space, Persian digits), answered by ``circulars.search.search`` (top 20, the total
  and the marked passage). Baseline in the same run: the same words as LIKE conditions
  over the normalised text (``search.like_scan``: the count and the newest 20), no index.
  p50/p95 per database.
- clustering: ``similarity.cluster`` (MinHash LSH, verified on exact sets) over the whole
  corpus, its pair precision/recall against the corpus's truth; baseline in the same run:
  ``similarity.cluster_all_pairs`` on a ``--sample`` of circulars, its time scaled by
  pairs to the whole corpus.

  PYTHONPATH=src .venv/bin/python bench/circulars.py [--n 100000] [--queries 200]
      [--sample 3000] [--pg postgresql+psycopg://127.0.0.1:5432/test] [--only sqlite]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from darman.circulars import search, similarity, synthetic
from darman.circulars import text as persian
from darman.circulars.enums import Status
from darman.circulars.models import Circular
from darman.db import migrate
from darman.db.base import utcnow
from darman.db.engine import make_engine
from darman.security.principal import SYSTEM

AIM_SEARCH_P95_MS = 50.0
AIM_CLUSTER_S = 60.0
BATCH = 5_000


def corpus(n: int, seed: int) -> list[synthetic.SyntheticCircular]:
    found = synthetic.generate(topics=max(1, round(n / 4.2)), seed=seed)
    return found[:n]


def rows(docs: list[synthetic.SyntheticCircular]) -> list[dict[str, object]]:
    now = utcnow()
    return [
        {
            "number": d.number, "issued_on": d.issued_on, "effective_from": d.issued_on,
            "issuer": d.issuer, "subject": d.subject, "audience": d.audience, "body": d.body,
            "status": Status.IN_FORCE.value, "created_at": now,
            "search_text": persian.normalize(d.subject + " " + d.body),
        }
        for d in docs
    ]  # fmt: skip


ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def queries(docs: list[synthetic.SyntheticCircular], count: int, seed: int) -> list[str]:
    """Runs of one to three consecutive words of random circulars, typed variously."""
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        # content words: a query of "و" or "از" alone is not how people search
        words = [w for w in rnd.choice(docs).body.split() if len(w) >= 3]
        k = rnd.randint(1, 3)
        start = rnd.randrange(max(1, len(words) - k))
        q = " ".join(words[start : start + k])
        way = rnd.random()
        if way < 0.25:
            q = q.translate(ARABIC)
        elif way < 0.5:
            q = q.replace("\u200c", " ")
        elif way < 0.6:
            q = q.translate(PERSIAN_DIGITS)
        if persian.words(q):
            out.append(q)
    return out


def backend_cpu(session: Session) -> Callable[[], float]:
    """Seconds of CPU the PostgreSQL backend serving ``session`` has used, read from /proc
    when the server runs on this machine (0 otherwise): on a loaded machine wall time
    includes waiting for a core, CPU time does not."""
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    stat = Path(f"/proc/{pid}/stat")
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick

    return read


def timed(
    fn: Callable[[str], object], qs: list[str], server: Callable[[], float] = lambda: 0.0
) -> tuple[list[float], float, float]:
    """Wall milliseconds of each query, and the mean CPU milliseconds per query of this
    process (SQLite runs in it) and of the database server."""
    took = []
    cpu, served = time.process_time(), server()
    for q in qs:
        t = time.perf_counter()
        fn(q)
        took.append((time.perf_counter() - t) * 1000)
    n = max(1, len(qs))
    return took, (time.process_time() - cpu) * 1000 / n, (server() - served) * 1000 / n


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def bench_search(
    name: str, url: str, docs: list[synthetic.SyntheticCircular], qs: list[str]
) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    t = time.perf_counter()
    data = rows(docs)
    with Session(engine) as s:
        for i in range(0, len(data), BATCH):
            s.execute(insert(Circular), data[i : i + BATCH])
        s.commit()
    if engine.dialect.name == "postgresql":
        # as autovacuum would after a bulk load: statistics, and the visibility map
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE circulars, circulars_fts"))
    load_s = time.perf_counter() - t
    with Session(engine) as s:
        for q in qs[:10]:  # warm the caches and the statement cache
            search.search(s, SYSTEM, q)
        server = backend_cpu(s) if engine.dialect.name == "postgresql" else lambda: 0.0
        load = os.getloadavg()[0]
        fts, fts_cpu, fts_server = timed(lambda q: search.search(s, SYSTEM, q), qs, server)
        found = [search.search(s, SYSTEM, q) for q in qs]
        like, like_cpu, like_server = timed(
            lambda q: search.like_scan(s, q), qs[: max(20, len(qs) // 5)], server
        )
        matches = [search.like_scan(s, q, limit=1)[0] for q in qs[:50]]
    engine.dispose()
    more = sum(f.more for f in found)
    print(
        f"{name}: {len(docs):,} circulars loaded in {load_s:.1f} s; {len(qs)} queries, "
        f"{more} of them matching more than {search.COUNT_CAP:,} (median "
        f"{statistics.median(matches):,.0f} matches of the first 50, counted by LIKE); "
        f"load average {load:.1f}\n"
        f"  search  p50 {p(fts, 50):7.1f} ms  p95 {p(fts, 95):7.1f} ms  max {max(fts):7.1f} ms"
        f"  CPU/query {fts_cpu:5.1f} ms here + {fts_server:5.1f} ms server"
        f"  (aim p95 < {AIM_SEARCH_P95_MS:.0f} ms)\n"
        f"  LIKE    p50 {p(like, 50):7.1f} ms  p95 {p(like, 95):7.1f} ms  max {max(like):7.1f} ms"
        f"  CPU/query {like_cpu:5.1f} ms here + {like_server:5.1f} ms server ({len(like)} queries)"
    )


def bench_cluster(docs: list[synthetic.SyntheticCircular], sample: int) -> None:
    texts = {d.number: persian.normalize(d.subject + " " + d.body) for d in docs}
    truth = {d.number: d.topic for d in docs}
    t, cpu = time.perf_counter(), time.process_time()
    found = similarity.cluster(texts)
    took, cpu = time.perf_counter() - t, time.process_time() - cpu
    score = similarity.pair_score(found.clusters, truth)
    n = len(texts)
    print(
        f"clustering {n:,}: {took:.1f} s wall, {cpu:.1f} s CPU (aim < {AIM_CLUSTER_S:.0f} s; "
        f"load average {os.getloadavg()[0]:.1f}), largest cluster {len(found.clusters[0])}, "
        f"{found.candidates:,} "
        f"candidate pairs of {n * (n - 1) // 2:,}, {len(found.clusters):,} clusters, "
        f"precision {score.precision:.3f} recall {score.recall:.3f}"
    )
    keys = list(texts)[:sample]
    part = {k: texts[k] for k in keys}
    t, cpu = time.perf_counter(), time.process_time()
    exact = similarity.cluster_all_pairs(part)
    all_s, all_cpu = time.perf_counter() - t, time.process_time() - cpu
    t = time.perf_counter()
    lsh = similarity.cluster(part)
    lsh_s = time.perf_counter() - t
    m = len(part)
    scaled = all_s * (n * (n - 1)) / (m * (m - 1))
    same = sorted(map(sorted, exact.clusters)) == sorted(map(sorted, lsh.clusters))
    print(
        f"  all pairs on {m:,}: {all_s:.1f} s ({all_cpu:.1f} s CPU; LSH on the same {lsh_s:.2f} s, "
        f"same clusters: "
        f"{same}); scaled to {n:,}: about {scaled / 60:.0f} min"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--sample", type=int, default=3_000)
    ap.add_argument("--seed", type=int, default=1405)
    ap.add_argument("--pg", default="postgresql+psycopg://127.0.0.1:5432/test")
    ap.add_argument("--only", choices=["sqlite", "postgresql", "cluster"], default=None)
    args = ap.parse_args()
    t = time.perf_counter()
    docs = corpus(args.n, args.seed)
    qs = queries(docs, args.queries, args.seed)
    print(f"corpus: {len(docs):,} circulars in {time.perf_counter() - t:.1f} s")
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            bench_search("SQLite", f"sqlite:///{Path(tmp) / 'circulars.db'}", docs, qs)
    if args.only in (None, "postgresql"):
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"darman_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            bench_search("PostgreSQL", args.pg.rsplit("/", 1)[0] + f"/{name}", docs, qs)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    if args.only in (None, "cluster"):
        bench_cluster(docs, args.sample)


if __name__ == "__main__":
    main()
