"""hessfit.ToyCalculator and Model.sample_data: toys from Python (few toys: tests, not studies)."""
import numpy as np
import pytest

import hessfit
from conftest import workspace_path

WS = workspace_path("pyhf-histfactory-example")


@pytest.fixture
def model():
    return hessfit.Workspace.load(WS).model()


def test_sample_data_is_deterministic_and_centred(model):
    x = model.init
    toys = model.sample_data(x, ntoys=2000, seed=5)
    assert toys.shape == (2000, model.observed_data.size)
    np.testing.assert_array_equal(toys, model.sample_data(x, ntoys=2000, seed=5))
    assert not np.array_equal(toys, model.sample_data(x, ntoys=2000, seed=6))
    np.testing.assert_array_equal(toys[:10], model.sample_data(x, ntoys=10, seed=5))  # toy i depends on (seed, i) only
    expected = model.expected_data(x)
    main = toys[:, :2]
    assert np.all(main == np.round(main))  # Poisson counts
    # means within 5 standard errors of the expectation (Poisson: variance = mean)
    assert np.all(np.abs(main.mean(axis=0) - expected[:2]) < 5 * np.sqrt(expected[:2] / 2000))


def test_toy_hypotest_counts_its_own_distributions(model):
    calc = hessfit.ToyCalculator(model, ntoys=200, seed=3, threads=2)
    r = calc.hypotest(1.0)
    assert r.ok, r.message
    assert r.null.q.shape == (200,) and r.alternative.q.shape == (200,)
    assert r.failed_fits == 0
    tie = 1e-7 * max(1.0, r.q_obs)
    clsb = np.mean(r.null.q >= r.q_obs - tie)
    clb = np.mean(r.alternative.q >= r.q_obs - tie)
    assert r.clsb_obs["value"] == clsb and r.clb_obs["value"] == clb
    assert r.cls_obs == pytest.approx(clsb / clb, rel=1e-15)
    assert r.cls_exp[0] <= r.cls_exp[2] <= r.cls_exp[4]
    # the toys agree with the asymptotic formulae on this model (100 events) within their error
    assert abs(r.cls_obs - r.asymptotic_cls_obs) < 4 * r.cls_obs_error + 0.01
    assert float(r) == r.cls_obs


def test_toys_do_not_depend_on_the_thread_count(model):
    one = hessfit.ToyCalculator(model, ntoys=60, seed=11, threads=1).hypotest(1.0)
    two = hessfit.ToyCalculator(model.observed_data, model, ntoys=60, seed=11, threads=2).hypotest(1.0)
    np.testing.assert_array_equal(one.null.q, two.null.q)
    np.testing.assert_array_equal(one.alternative.q, two.alternative.q)
    assert one.cls_obs == two.cls_obs


def test_toy_limits_and_significance(model):
    calc = hessfit.ToyCalculator(model, ntoys=100, seed=1, threads=2)
    limit = calc.upper_limit(np.linspace(0.5, 2.5, 5))
    observed, expected = limit
    assert len(limit.scan) == 5 and expected.shape == (5,)
    assert limit.found[0] and 0.5 < observed < 2.5
    z = hessfit.ToyCalculator(model, test_stat="q0", ntoys=100, seed=2, threads=2).significance()
    assert z.null.q.shape == (100,) and 0 < z.p0["value"] <= 1


def test_bad_toy_requests_raise(model):
    with pytest.raises(hessfit.ConfigError, match=r"needs at least one toy"):
        hessfit.ToyCalculator(model, ntoys=0)
    with pytest.raises(hessfit.ConfigError, match=r"unknown test statistic 'qq'"):
        hessfit.ToyCalculator(model, test_stat="qq")
    with pytest.raises(hessfit.ConfigError, match="no POI"):
        hessfit.ToyCalculator(hessfit.Workspace.load(WS).model(poi="none"))
    with pytest.raises(hessfit.ConfigError, match=r"below the POI's lower bound"):
        hessfit.ToyCalculator(model, ntoys=5).hypotest(-1.0)
