"""The per-process cache of filtered counts (projections/counts.py)."""

from projections.counts import Counts, count_key


def test_a_count_is_kept_only_at_the_position_it_was_taken():
    counts = Counts()
    key = count_key("data-center-assets", {"tag": ["a", "b"], "limit": "5"}, None, None)
    counts.put(key, 7, 42)
    assert counts.get(key, 7) == 42
    assert counts.get(key, 8) is None
    assert counts.get(count_key("data-center-assets", {"tag": ["a", "b"], "offset": "10"}, None, None), 7) == 42
    assert counts.get(count_key("data-center-assets", {"tag": ["b", "a"]}, None, None), 7) is None
    assert counts.get(count_key("data-center-assets", {"tag": ["a", "b"]}, None, frozenset({1})), 7) is None
    assert counts.get(count_key("back-office-assets", {"tag": ["a", "b"]}, None, None), 7) is None


def test_the_least_recently_used_count_goes_first():
    counts = Counts(kept=2)
    counts.put("a", 1, 10)
    counts.put("b", 1, 20)
    assert counts.get("a", 1) == 10
    counts.put("c", 1, 30)
    assert (counts.get("a", 1), counts.get("b", 1), counts.get("c", 1)) == (10, None, 30)
