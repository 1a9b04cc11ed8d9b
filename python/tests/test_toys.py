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


def test_toy_results_to_dict_are_the_commands_json(model):
    calc = hessfit.ToyCalculator(model, ntoys=100, seed=4, threads=2)
    r = calc.hypotest(1.0)
    d = r.to_dict()
    assert d["ntoys"] == 100 and d["seed"] == 4 and r.ntoys == 100 and r.seed == 4
    assert d["cls_obs"] == r.cls_obs and d["cls_exp"] == list(r.cls_exp)
    assert d["cls_exp_error"] == list(r.cls_exp_error) and np.all(r.cls_exp_error[1:4] > 0)
    limit = calc.upper_limit(np.linspace(0.5, 2.5, 5))
    ld = limit.to_dict()
    assert ld["observed"] == limit.observed
    np.testing.assert_array_equal(np.array(ld["expected_error"], dtype=float), limit.expected_error)  # null: NaN
    assert ld["ntoys"] == 100 and len(ld["scan"]) == 5
    z = hessfit.ToyCalculator(model, test_stat="q0", ntoys=50, seed=2, threads=2).significance()
    assert z.to_dict()["p0"] == z.p0["value"] and z.to_dict()["seed"] == 2


def test_pull_study_and_toy_gof(model):
    p = hessfit.pull_study(model, ntoys=100, seed=7, threads=2, parameters=["syst2", "syst3"])
    assert p.ok, p.message
    assert p.pulls.shape == (100, 2)
    d = p.to_dict()
    assert d["ntoys"] == 100 and [q["name"] for q in d["parameters"]] == ["syst2", "syst3"]
    for q in p.parameters:
        # 100 toys: the mean within 4 of its errors of 0, the width within 4 of its errors of 1
        assert abs(q["pull_mean"]) < 4 * q["pull_mean_error"]
        assert abs(q["pull_width"] - 1) < 4 * q["pull_width_error"]
    col = p.pulls[:, 0]
    assert p.parameters[0]["toys"] <= 100 and np.isclose(np.nanmean(col), p.parameters[0]["pull_mean"], rtol=1e-12)
    g = hessfit.toy_gof(model, ntoys=100, seed=7, threads=2)
    assert g.ok, g.message
    assert g.chi2.shape == (100,) and g.to_dict()["p_value"] == g.p_value["value"]
    assert 0 < g.p_value["value"] <= 1 and 0 < g.p_value_asymptotic <= 1
    with pytest.raises(hessfit.ConfigError, match=r"no parameter is called 'syst22'; did you mean 'syst2'\?"):
        hessfit.pull_study(model, parameters=["syst22"])
    with pytest.raises(hessfit.ConfigError, match=r"needs at least one toy"):
        hessfit.toy_gof(model, ntoys=0)
