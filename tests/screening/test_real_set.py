"""The real-set evaluation's mechanics on a tiny labeled set, and its input checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from screening_support import write_small_real_set

from memberinsight.errors import DataValidationError
from memberinsight.screening.real_set import TARGETS, evaluate_real, load_real_set


def test_bad_labeled_sets_name_file_row_and_column(tmp_path: Path) -> None:
    good = write_small_real_set(tmp_path / "good.csv", hotels=3, per_class=2)
    assert len(load_real_set(good)) == 12
    df = pd.read_csv(good)
    df.drop(columns=["hotel"]).to_csv(tmp_path / "no_hotel.csv", index=False)
    with pytest.raises(DataValidationError, match=r"no_hotel.csv, column 'hotel': missing column"):
        load_real_set(tmp_path / "no_hotel.csv")
    bad = df.copy()
    bad.loc[3, "deceptive"] = "fake"
    bad.to_csv(tmp_path / "bad_label.csv", index=False)
    with pytest.raises(DataValidationError, match=r"bad_label.csv, row 5, column 'deceptive'"):
        load_real_set(tmp_path / "bad_label.csv")
    empty = df.copy()
    empty.loc[0, "text"] = "  "
    empty.to_csv(tmp_path / "empty_text.csv", index=False)
    with pytest.raises(DataValidationError, match=r"row 2, column 'text': text must not be empty"):
        load_real_set(tmp_path / "empty_text.csv")
    df[df["hotel"] == "hotel0"].to_csv(tmp_path / "one_hotel.csv", index=False)
    with pytest.raises(DataValidationError, match="at least 3 hotels"):
        load_real_set(tmp_path / "one_hotel.csv")
    with pytest.raises(DataValidationError, match="n_folds"):
        evaluate_real(good, None, n_folds=5)  # 3 hotels cannot make 5 grouped folds


@pytest.mark.slow
def test_grouped_cv_folds_hold_out_whole_hotels(tmp_path: Path) -> None:
    from memberinsight.config import load_settings

    path = write_small_real_set(tmp_path / "small.csv", hotels=6, per_class=8)
    r = evaluate_real(path, load_settings(), n_folds=3)
    assert r.folds == 3 and len(r.fold_results) == 3 and r.protocol.startswith("3-fold cross-validation grouped")
    tested = [h for f in r.fold_results for h in f["test_hotels"]]
    assert sorted(tested) == [f"hotel{i}" for i in range(6)]  # every hotel tested exactly once
    assert all(f["n_test"] == 32 and set(f["chosen_C"]) >= {"word", "nb_word", "embedding"} for f in r.fold_results)
    assert r.cv_accuracy == pytest.approx(sum(f["accuracy"] for f in r.fold_results) / 3, abs=1e-3)
    assert r.cv_accuracy >= 0.95 and r.cv_roc_auc >= 0.98  # vague superlatives vs concrete details
    assert r.meets_targets is True and r.targets == TARGETS
    assert r.pooled["roc_auc"] >= 0.98 and len(r.heldout_hotels) == 2  # 20% of 6 hotels, rounded up
    assert r.pooled["precision_at_100"] == pytest.approx(0.5)  # 96 rows, 48 deceptive: the top 100 is all of them
    views = {v.view for v in r.views}
    assert views == {"word", "word_punct", "char_wb", "char", "nb_word", "embedding", "style", "stacked"}
