"""Screening fixtures."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def demo_labels(built_workspace) -> pd.DataFrame:
    """The planted labels of the built demo workspace."""
    return pd.read_csv(built_workspace.path / "labels" / "review_labels.csv", dtype=str, keep_default_na=False)
