"""bench/retrieval.py: the embedding quality bar is relative (within 1% of the fp32 model's recall)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "retrieval.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_retrieval", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quality_bar_is_relative_to_fp32_recall(bench):
    assert bench.QUALITY_BAR == 0.99
    # at fp32 recall 0.5 the bar is 0.495: an absolute 0.01 would wrongly accept 0.491
    assert bench.meets_quality_bar(0.495, 0.5) and not bench.meets_quality_bar(0.491, 0.5)
    # at fp32 recall 0.9 the bar is 0.891: the absolute rule (>= 0.89) would accept 0.890
    assert not bench.meets_quality_bar(0.890, 0.9) and bench.meets_quality_bar(0.8915, 0.9)
    assert bench.meets_quality_bar(0.92, 0.9)  # better than fp32 is fine
