"""Near-duplicates and overlap between circulars (pure: no database, no HTTP).

Each circular's normalised text becomes a set of word shingles (``SHINGLE`` consecutive
words), less the shingles common to many circulars (more than ``max_df`` of them, and
more than ``min_common``): the salutations, closing formulas and stock phrasing every
circular shares say nothing of what it rules, and left in they join unrelated circulars.
MinHash with LSH (datasketch) proposes candidate pairs without comparing every
pair; each candidate is then verified on the exact shingle sets: a pair belongs together
when its Jaccard similarity reaches ``jaccard`` or when the smaller text lies mostly inside
the larger (containment: shared shingles over the smaller set reach ``containment``, as a
short repeal restating a rule does). Clusters are stars of verified pairs (``stars``):
each member is linked to the cluster's centre, not merely to some other member.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from datasketch import MinHash, MinHashLSH

SHINGLE = 3
NUM_PERM = 64
# the LSH band threshold: low, so that containment pairs (low Jaccard, high overlap) are
# proposed too; the exact check below decides
LSH_THRESHOLD = 0.15


@dataclass(frozen=True)
class Settings:
    jaccard: float = 0.25
    containment: float = 0.45
    shingle: int = SHINGLE
    num_perm: int = NUM_PERM
    lsh_threshold: float = LSH_THRESHOLD
    seed: int = 1
    max_df: float = 0.02
    min_common: int = 20
    # however large the collection, a shingle in more circulars than this is stock
    # phrasing, not what a few circulars on one rule share
    max_common: int = 100


def shingles(normalised: str, k: int = SHINGLE) -> frozenset[str]:
    """The set of ``k``-word shingles of a normalised text (the text itself when shorter)."""
    words = normalised.split()
    if len(words) <= k:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + k]) for i in range(len(words) - k + 1))


def drop_common(sets: Mapping[str, frozenset[str]], s: Settings) -> dict[str, frozenset[str]]:
    """The shingle sets less the shingles found in more than ``max_df`` of the texts (but
    at most ``max_common`` texts, and never fewer than ``min_common``, so a small
    collection keeps everything)."""
    df: Counter[str] = Counter()
    for found in sets.values():
        df.update(found)
    limit = max(s.min_common, min(s.max_df * len(sets), s.max_common))
    common = {w for w, n in df.items() if n > limit}
    if not common:
        return dict(sets)
    return {k: v - common for k, v in sets.items()}


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """How much of the smaller set lies inside the larger."""
    small = min(len(a), len(b))
    return len(a & b) / small if small else 0.0


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    jaccard: float
    containment: float


@dataclass
class Clustering:
    # groups of two or more, largest first; each starts with its centre
    clusters: list[list[str]]
    pairs: list[Pair] = field(default_factory=list)  # the verified pairs
    candidates: int = 0  # pairs LSH proposed


def stars(keys: Sequence[str], pairs: Iterable[Pair]) -> list[list[str]]:
    """Star clusters: the circular linked to the most others not yet placed becomes a
    centre, and its cluster is the centre with those of its links still unplaced; then the
    next. Every member is linked to its centre itself, so two circulars on different rules
    are never joined through a chain of members in between (single link would)."""
    order = {k: i for i, k in enumerate(keys)}
    links: dict[str, set[str]] = {}
    for p in pairs:
        links.setdefault(p.a, set()).add(p.b)
        links.setdefault(p.b, set()).add(p.a)
    placed: set[str] = set()
    found = []
    for centre in sorted(links, key=lambda k: (-len(links[k]), order[k])):
        if centre in placed:
            continue
        members = sorted((k for k in links[centre] if k not in placed), key=order.__getitem__)
        if not members:
            continue
        placed.add(centre)
        placed.update(members)
        found.append([centre, *members])
    return sorted(found, key=lambda m: (-len(m), order[m[0]]))


def _belongs(a: frozenset[str], b: frozenset[str], s: Settings) -> Pair | None:
    j = jaccard(a, b)
    c = containment(a, b)
    if j >= s.jaccard or c >= s.containment:
        return Pair("", "", j, c)
    return None


def cluster(texts: Mapping[str, str], settings: Settings | None = None) -> Clustering:
    """Cluster normalised texts by key; see the module's docstring for the rule."""
    s = settings or Settings()
    keys = list(texts)
    sets = drop_common({k: shingles(texts[k], s.shingle) for k in keys}, s)
    hashes = MinHash.bulk(
        ([w.encode() for w in sets[k]] for k in keys), num_perm=s.num_perm, seed=s.seed
    )
    lsh = MinHashLSH(threshold=s.lsh_threshold, num_perm=s.num_perm)
    with lsh.insertion_session() as session:
        for i, h in enumerate(hashes):
            session.insert(i, h)
    seen: set[tuple[int, int]] = set()
    pairs: list[Pair] = []
    for i, h in enumerate(hashes):
        for j in lsh.query(h):
            if j <= i or (i, j) in seen:
                continue
            seen.add((i, j))
            found = _belongs(sets[keys[i]], sets[keys[j]], s)
            if found is not None:
                pairs.append(Pair(keys[i], keys[j], found.jaccard, found.containment))
    return Clustering(stars(keys, pairs), pairs, len(seen))


def cluster_all_pairs(texts: Mapping[str, str], settings: Settings | None = None) -> Clustering:
    """The same rule checked on every pair: the baseline LSH is measured against."""
    s = settings or Settings()
    keys = list(texts)
    kept = drop_common({k: shingles(texts[k], s.shingle) for k in keys}, s)
    sets = [kept[k] for k in keys]
    pairs = []
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            found = _belongs(sets[i], sets[j], s)
            if found is not None:
                pairs.append(Pair(keys[i], keys[j], found.jaccard, found.containment))
    n = len(keys)
    return Clustering(stars(keys, pairs), pairs, n * (n - 1) // 2)


@dataclass(frozen=True)
class PairScore:
    precision: float
    recall: float
    predicted_pairs: int
    true_pairs: int
    correct_pairs: int


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pair_score(predicted: Sequence[Sequence[str]], truth: Mapping[str, object]) -> PairScore:
    """Precision and recall of same-cluster pairs: a pair predicted together is correct
    when the truth puts both in one cluster. ``truth`` maps each key to its cluster;
    keys absent from every predicted cluster stand alone."""
    true_sizes: dict[object, int] = {}
    for label in truth.values():
        true_sizes[label] = true_sizes.get(label, 0) + 1
    true_pairs = sum(_pairs(n) for n in true_sizes.values())
    predicted_pairs = sum(_pairs(len(c)) for c in predicted)
    correct = 0
    for members in predicted:
        by_label: dict[object, int] = {}
        for k in members:
            by_label[truth[k]] = by_label.get(truth[k], 0) + 1
        correct += sum(_pairs(n) for n in by_label.values())
    return PairScore(
        precision=correct / predicted_pairs if predicted_pairs else 1.0,
        recall=correct / true_pairs if true_pairs else 1.0,
        predicted_pairs=predicted_pairs,
        true_pairs=true_pairs,
        correct_pairs=correct,
    )
