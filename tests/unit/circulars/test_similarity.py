from darman.circulars import similarity, synthetic, text


def test_shingles_are_runs_of_three_words():
    assert similarity.shingles("a b c d") == {"a b c", "b c d"}
    assert similarity.shingles("a b") == {"a b"}


def test_jaccard_and_containment_worked_by_hand():
    a = frozenset({"1", "2", "3", "4"})
    b = frozenset({"3", "4", "5"})
    assert similarity.jaccard(a, b) == 2 / 5
    assert similarity.containment(a, b) == 2 / 3


def test_pair_score_counts_same_cluster_pairs():
    truth = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2}  # true pairs: ab ac bc de = 4
    predicted = [["a", "b", "d"], ["c"], ["e"]]  # predicted pairs: ab ad bd = 3, one right
    score = similarity.pair_score(predicted, truth)
    assert (score.predicted_pairs, score.true_pairs, score.correct_pairs) == (3, 4, 1)
    assert score.precision == 1 / 3
    assert score.recall == 1 / 4


def _texts(pairs):
    return {k: text.normalize(v) for k, v in pairs.items()}


BASE = (
    "تعرفه سونوگرافی در مراکز تصویربرداری استان یزد از ابتدای سال برابر ۴۵۰۰۰۰۰ ریال تعیین می‌شود "
    "و سهم بیمه شده ده درصد است و مابه التفاوت از بیمار دریافت نمی‌شود"
)


def test_a_near_copy_and_a_circular_restating_part_of_another_cluster_with_it():
    texts = _texts({
        "base": BASE,
        "copy": BASE.replace("۴۵۰۰۰۰۰", "۵۰۰۰۰۰۰"),
        "inside": "بخشنامه شماره ۱۲ که مقرر می‌داشت " + BASE[:90] + " نسخ می‌شود",
        "other": "خرید دستکش جراحی برای بیمارستان‌های ملکی استان گیلان "
                 "از طریق مناقصه سراسری انجام می‌شود",
    })  # fmt: skip
    found = similarity.cluster(texts)
    assert [sorted(map(str, c)) for c in found.clusters] == [["base", "copy", "inside"]]
    assert found.clusters == similarity.cluster_all_pairs(texts).clusters


def test_the_synthetic_corpus_is_the_same_for_the_same_seed_and_about_two_thousand():
    one = synthetic.generate(seed=3)
    assert one == synthetic.generate(seed=3)
    assert one != synthetic.generate(seed=4)
    assert 1800 <= len(one) <= 2200
    roles = {c.role for c in one}
    assert roles == {"original", "paraphrase", "near_copy", "amendment", "repeal"}


def test_every_effect_in_the_corpus_points_back_to_its_topics_first_circular():
    corpus = synthetic.generate(seed=5)
    first = {}
    for c in corpus:
        first.setdefault(c.topic, c.number)
        for e in c.effects:
            assert e.target == first[c.topic]


def test_clustering_the_synthetic_corpus_finds_its_true_clusters_at_ninety_percent():
    result = synthetic.check()
    assert result.score.precision >= 0.9
    assert result.score.recall >= 0.9
    # LSH proposes a small share of all pairs
    assert result.candidates < result.all_pairs / 20


def _link(a, b):
    return similarity.Pair(a, b, 0.5, 0.5)


def test_a_chain_of_links_is_not_one_cluster_every_member_links_to_the_centre():
    # a-b, b-c, c-d: single link would make one cluster of four
    keys = ["a", "b", "c", "d"]
    found = similarity.stars(keys, [_link("a", "b"), _link("b", "c"), _link("c", "d")])
    # b and c have two links each; b comes first, takes a and c; d's only link is placed
    assert found == [["b", "a", "c"]]


def test_the_most_linked_circular_is_the_centre_and_each_is_placed_once():
    keys = ["p", "q", "r", "s", "t", "u"]
    links = [_link("s", k) for k in ("p", "q", "r")] + [_link("p", "q"), _link("t", "u")]
    assert similarity.stars(keys, links) == [["s", "p", "q", "r"], ["t", "u"]]
