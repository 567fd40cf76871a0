"""BG/NBD and Gamma-Gamma: parameter recovery, closed forms against Monte Carlo, P(alive) facts."""

from __future__ import annotations

import numpy as np
import pytest

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.models.bgnbd import BetaGeoModel, GammaGammaModel, simulate_bgnbd

TRUE = (0.25, 4.0, 0.8, 2.5)  # close to the published CDNOW estimates (weeks)


@pytest.fixture(scope="module")
def sim():
    return simulate_bgnbd(20_000, TRUE, T=52.0, horizon=26.0, rng=np.random.default_rng(11))


@pytest.fixture(scope="module")
def fitted(sim):
    return BetaGeoModel().fit(sim["x"], sim["t_x"], sim["T"])


def test_recovers_known_parameters(fitted):
    r, alpha, a, b = fitted.params_
    assert fitted.converged_
    assert r == pytest.approx(TRUE[0], rel=0.10)
    assert alpha == pytest.approx(TRUE[1], rel=0.15)
    assert a == pytest.approx(TRUE[2], rel=0.25)
    assert b == pytest.approx(TRUE[3], rel=0.25)


def test_fit_is_invariant_to_the_time_unit(sim, fitted):
    days = BetaGeoModel().fit(sim["x"], sim["t_x"] * 7, sim["T"] * 7)
    np.testing.assert_allclose(days.params_ / np.array([1, 7, 1, 1]), fitted.params_, rtol=1e-3)


def _true_model() -> BetaGeoModel:
    m = BetaGeoModel()
    m.params_ = np.array(TRUE)
    return m


def test_conditional_expectation_matches_monte_carlo(sim):
    m = _true_model()
    expected = m.conditional_expected_purchases(26.0, sim["x"], sim["t_x"], sim["T"])
    # E[E[Y | x, t_x, T]] = E[Y] overall and within any group defined by the calibration data.
    groups = {"all": np.ones_like(sim["x"], dtype=bool), "x=0": sim["x"] == 0,
              "x>=3": sim["x"] >= 3, "recent": sim["T"] - sim["t_x"] < 5}
    for name, g in groups.items():
        actual = sim["future"][g]
        se = actual.std() / np.sqrt(g.sum())
        assert abs(expected[g].mean() - actual.mean()) < 4 * se + 1e-3, name


def test_unconditional_expectation_matches_monte_carlo(sim):
    m = _true_model()
    se = sim["x"].std() / np.sqrt(len(sim["x"]))
    assert abs(float(m.expected_purchases(52.0)) - sim["x"].mean()) < 4 * se


def test_p_alive_matches_monte_carlo(sim):
    m = _true_model()
    p = m.p_alive(sim["x"], sim["t_x"], sim["T"])
    for g in (np.ones_like(p, dtype=bool), sim["x"] >= 2, sim["T"] - sim["t_x"] > 30):
        se = np.sqrt(p[g].mean() * (1 - p[g].mean()) / g.sum())
        assert abs(p[g].mean() - sim["alive"][g].mean()) < 4 * se + 1e-3


def test_p_alive_boundary_facts():
    m = _true_model()
    r, alpha, a, b = TRUE
    # No repeat purchase yet: BG/NBD customers cannot have dropped out.
    assert m.p_alive([0, 0], [0, 0], [10.0, 52.0]) == pytest.approx([1.0, 1.0])
    # Last purchase at T: the largest P(alive) for that x, equal to (b+x-1)/(a+b+x-1) (dropout may
    # happen right after a purchase in BG/NBD, so it is below 1), and it falls as the last purchase ages.
    for x in (1, 3, 10):
        at_T = m.p_alive(x, 52.0, 52.0)
        assert at_T == pytest.approx((b + x - 1) / (a + b + x - 1))
        older = m.p_alive([x] * 4, [40.0, 20.0, 5.0, 1.0], [52.0] * 4)
        assert np.all(np.diff(np.r_[at_T, older]) < 0)
    # More purchases with the same recency: more likely alive.
    assert m.p_alive(8, 50.0, 52.0) > m.p_alive(1, 50.0, 52.0)


def test_p_no_purchase_matches_monte_carlo(sim):
    m = _true_model()
    p0 = m.p_no_purchase(26.0, sim["x"], sim["t_x"], sim["T"])
    actual = (sim["future"] == 0).mean()
    assert abs(p0.mean() - actual) < 4 * np.sqrt(actual * (1 - actual) / len(p0))


def test_gamma_gamma_recovers_population_mean():
    rng = np.random.default_rng(5)
    p, q, v = 6.0, 4.0, 15.0
    nu = rng.gamma(q, 1 / v, 8000)
    x = rng.integers(1, 12, 8000).astype(float)
    m_x = rng.gamma(p * x, 1 / (x * nu))
    gg = GammaGammaModel().fit(x, m_x)
    assert gg.population_mean() == pytest.approx(p * v / (q - 1), rel=0.05)
    ev = gg.conditional_expected_value(x, m_x)
    lo, hi = np.minimum(m_x, gg.population_mean()), np.maximum(m_x, gg.population_mean())
    assert np.all((ev >= lo - 1e-9) & (ev <= hi + 1e-9))  # shrinks each member towards the mean
    # Monte Carlo: the conditional expectation is unbiased for the true mean spend per member.
    true_mean = p / nu  # Gamma(p, rate nu) order values
    assert abs(ev.mean() - true_mean.mean()) / true_mean.mean() < 0.03


def test_errors():
    with pytest.raises(ModelNotReadyError):
        BetaGeoModel().p_alive([1], [1.0], [2.0])
    with pytest.raises(ModelNotReadyError):
        GammaGammaModel().population_mean()
    with pytest.raises(DataValidationError):
        BetaGeoModel().fit([1, 2], [5.0, 3.0], [4.0, 10.0])  # t_x > T
    with pytest.raises(DataValidationError):
        BetaGeoModel().fit([0], [1.0], [4.0])  # t_x must be 0 without repeat purchases
    with pytest.raises(DataValidationError):
        GammaGammaModel().fit([0, 0], [1.0, 2.0])


def test_published_cdnow_conditional_expectation():
    # Fader, Hardie & Lee (2005), "Counting your customers the easy way", CDNOW sample (weeks):
    # r = 0.243, alpha = 4.414, a = 0.793, b = 2.426; a customer with x = 2, t_x = 30.43, T = 38.86
    # is expected to make 1.226 purchases in the next 39 weeks.
    m = BetaGeoModel()
    m.params_ = np.array([0.243, 4.414, 0.793, 2.426])
    assert float(m.conditional_expected_purchases(39.0, 2, 30.43, 38.86)) == pytest.approx(1.226, abs=5e-4)
    # The same customer in days gives the same answer (alpha scales with the time unit).
    days = BetaGeoModel()
    days.params_ = np.array([0.243, 4.414 * 7, 0.793, 2.426])
    assert float(days.conditional_expected_purchases(39.0 * 7, 2, 30.43 * 7, 38.86 * 7)) == pytest.approx(
        1.226, abs=5e-4)
