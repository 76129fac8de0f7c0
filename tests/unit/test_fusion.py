"""Pure fusion rules: normalised-score fusion, weighted RRF, and the sentence mix of the dense list."""

from __future__ import annotations

import pytest

from assistant.retrieve.fusion import leaders_first, mix_sentences, rrf, score_fusion


def test_one_sentence_that_says_it_lifts_its_chunk_above_a_chunk_merely_on_topic() -> None:
    chunks = [("topic", 0.90), ("answer", 0.88)]
    sentences = [("answer", 0.95), ("topic", 0.89), ("answer", 0.85)]  # best first; a chunk's best counts
    mixed = mix_sentences(chunks, sentences, 0.3)
    assert [cid for cid, _ in mixed] == ["answer", "topic"]
    assert dict(mixed)["answer"] == pytest.approx(0.7 * 0.88 + 0.3 * 0.95)


def test_a_chunk_missing_from_one_list_gets_that_lists_lowest_score() -> None:
    mixed = dict(mix_sentences([("a", 0.9), ("b", 0.8)], [("c", 0.95), ("a", 0.7)], 0.5))
    assert mixed["b"] == pytest.approx(0.5 * 0.8 + 0.5 * 0.7)  # no sentence of b among the best
    assert mixed["c"] == pytest.approx(0.5 * 0.8 + 0.5 * 0.95)  # c came in through a sentence only
    assert set(mixed) == {"a", "b", "c"}


def test_no_sentences_or_zero_weight_leave_the_chunk_list_as_it_was() -> None:
    chunks = [("a", 0.9), ("b", 0.8)]
    assert mix_sentences(chunks, [], 0.3) == chunks
    assert mix_sentences(chunks, [("b", 0.99)], 0.0) == chunks


def test_score_fusion_keeps_a_lists_clear_leader_first() -> None:
    fused = score_fusion([("exact", 12.0), ("near", 3.0)], [("near", 0.90), ("exact", 0.86)], 1.0, 1.0, 0.75)
    assert fused[0][0] == "exact"


def test_rrf_rewards_agreement_and_dedupes() -> None:
    fused = rrf([["a", "b", "c"], ["b", "d"], ["e", "b"]], [1.0, 1.0, 1.0], k=5)
    assert fused[0][0] == "b" and len(fused) == len({cid for cid, _ in fused}) == 5


def test_each_compared_items_best_passage_goes_first_and_scores_stay_descending() -> None:
    # the whole question's favourite and its neighbour ('lead', 'next') outscore item B's own best passage
    fused = rrf([["lead", "next", "a1", "b1"], ["a1", "lead"], ["b1", "next"]], [1.0, 1.0, 1.0], k=5)
    assert [cid for cid, _ in fused][:2] != ["a1", "b1"]
    ordered = leaders_first(fused, ["a1", "b1"])
    assert [cid for cid, _ in ordered][:2] == ["a1", "b1"]
    assert sorted(cid for cid, _ in ordered) == sorted(cid for cid, _ in fused)
    scores = [s for _, s in ordered]
    assert scores == sorted(scores, reverse=True)


def test_one_passage_leading_both_items_is_put_first_once() -> None:
    fused = [("both", 0.4), ("x", 0.3), ("y", 0.2)]
    assert [cid for cid, _ in leaders_first(fused, ["both", "both"])] == ["both", "x", "y"]
