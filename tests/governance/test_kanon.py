"""k-anonymity: rare age band / city / country combinations are generalised step by step, then suppressed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from memberinsight.errors import DataValidationError
from memberinsight.governance.kanon import (
    QUASI_IDENTIFIERS,
    UNKNOWN,
    WITHHELD,
    class_sizes,
    enforce_k,
    wider_band,
)


def _rows(n: int, age: str | None, city: str | None, country: str | None) -> list[dict[str, object]]:
    return [{"age_band": age, "city": city, "country": country, "spend": 10} for _ in range(n)]


def test_known_answer_each_step_counted() -> None:
    frame = pd.DataFrame(
        _rows(10, "25-34", "London", "United Kingdom")
        + _rows(3, "25-34", "Glasgow", "United Kingdom") + _rows(3, "25-34", "Edinburgh", "United Kingdom")
        + _rows(2, "45-54", "Lyon", "France") + _rows(3, "35-44", "Lyon", "France")
        + _rows(1, "65+", "Athens", "Greece"))
    result = enforce_k(frame, 5)
    # Glasgow + Edinburgh -> Scotland (6 rows); the French rows lose their city, then pool into 35-54 (5 rows);
    # the lone Greek member is still unique after every step and is suppressed.
    assert result.generalised == {"city -> region": 12, "city withheld (country only)": 0,
                                  "age band -> wider band": 6, "age band withheld": 1}
    assert result.suppressed == 1 and len(result.frame) == 21 and result.rows_in == 22
    sizes = class_sizes(result.frame).to_dict()
    assert sizes == {("25-34", "London", "United Kingdom"): 10, ("25-34", "Scotland", "United Kingdom"): 6,
                     ("35-54", WITHHELD, "France"): 5}
    assert result.smallest_class == 5 and result.classes == 3
    assert "suppressed 1" in result.summary()
    assert frame["city"].tolist().count("Glasgow") == 3  # the input is left as it was


def test_already_k_anonymous_rows_are_untouched() -> None:
    frame = pd.DataFrame(_rows(5, "25-34", "London", "United Kingdom") + _rows(7, "65+", "Cork", "Ireland"))
    result = enforce_k(frame, 5)
    assert sum(result.generalised.values()) == 0 and result.suppressed == 0
    pd.testing.assert_frame_equal(result.frame, frame.astype({"age_band": str, "city": str, "country": str}))


def test_missing_values_form_their_own_class() -> None:
    frame = pd.DataFrame(_rows(6, None, "London", "United Kingdom") + _rows(6, "18-24", None, None))
    result = enforce_k(frame, 3)
    assert result.suppressed == 0
    assert set(map(tuple, result.frame[list(QUASI_IDENTIFIERS)].drop_duplicates().values.tolist())) == {
        (UNKNOWN, "London", "United Kingdom"), ("18-24", UNKNOWN, UNKNOWN)}


@pytest.mark.parametrize("k", [2, 5, 20])
def test_every_combination_meets_k_on_random_members(k: int) -> None:
    rng = np.random.default_rng(k)
    cities = [("London", "United Kingdom"), ("Glasgow", "United Kingdom"), ("Oban", "United Kingdom"),
              ("Cardiff", "United Kingdom"), ("Paris", "France"), ("Porto", "Portugal"), ("Cork", "Ireland")]
    picks = rng.choice(len(cities), size=400, p=[0.5, 0.15, 0.02, 0.1, 0.1, 0.03, 0.1])
    frame = pd.DataFrame({"age_band": rng.choice(["18-24", "25-34", "35-44", "45-54", "55-64", "65+"], 400),
                          "city": [cities[i][0] for i in picks], "country": [cities[i][1] for i in picks]})
    result = enforce_k(frame, k)
    assert class_sizes(result.frame).min() >= k
    assert len(result.frame) + result.suppressed == 400
    assert result.smallest_class >= k


def test_wider_bands_and_k_rules() -> None:
    assert [wider_band(b) for b in ("18-24", "25-34", "35-44", "45-54", "55-64", "65+", "70 - 79", "teen")] == [
        "18-34", "18-34", "35-54", "35-54", "55+", "55+", "55+", WITHHELD]
    frame = pd.DataFrame(_rows(3, "25-34", "London", "United Kingdom"))
    with pytest.raises(DataValidationError, match="k must be between 2"):
        enforce_k(frame, 1)
    with pytest.raises(DataValidationError, match="missing: country"):
        enforce_k(frame.drop(columns=["country"]), 2)
