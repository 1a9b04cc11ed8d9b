"""hessfit.hypotest / upper_limit / significance against `hessfit hypotest|limit|significance --json`."""
import numpy as np
import pytest

import hessfit
from conftest import cli_json, run_cli, without_times, workspace_path

WS = workspace_path("pyhf-histfactory-example")


@pytest.fixture
def model():
    return hessfit.Workspace.load(WS).model()


@pytest.mark.parametrize("test_stat", ["qtilde", "q0", "t"])
def test_hypotest_is_the_commands(model, test_stat):
    mu = 0.0 if test_stat == "q0" else 1.5
    cli = cli_json("hypotest", WS, "--mu", mu, "--test-stat", test_stat, "--threads", "2")
    r = hessfit.hypotest(mu, model.observed_data, model, test_stat=test_stat, threads=2)
    assert r.to_dict() == without_times(cli)
    assert hessfit.hypotest(mu, model, test_stat=test_stat).to_dict() == r.to_dict()  # observed data by default
    if test_stat == "qtilde":
        assert float(r) == r.cls_obs == cli["cls_obs"]
        assert isinstance(r.cls_exp, np.ndarray) and list(r.cls_exp) == cli["cls_exp"]
        assert r.cls_exp[0] <= r.cls_exp[2] <= r.cls_exp[4]  # pyhf's order
        assert r.ok and r.message == "" and r.poi_value == mu and r.test_stat == "qtilde"


def test_upper_limit_is_the_commands(model):
    cli = cli_json("limit", WS, "--cl", "0.9", "--scan", "0:2:5")
    r = hessfit.upper_limit(model.observed_data, model, level=0.1, scan=np.linspace(0, 2, 5))
    assert r.to_dict() == without_times(cli)
    observed, expected = r  # pyhf's (obs, exp) pair
    assert observed == r.observed == cli["observed"]
    assert list(expected) == cli["expected"] and expected.shape == (5,)
    assert [h.poi_value for h in r.scan] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert r.ok and r.cl == 0.9


def test_significance_is_the_commands(model):
    cli = cli_json("significance", WS)
    r = hessfit.significance(model)
    assert r.to_dict() == without_times(cli)
    assert r.z_obs == cli["observed"]["z"] and r.z_exp == cli["expected"]["z"]
    assert hessfit.significance(model.observed_data, model).to_dict() == r.to_dict()


def test_other_data_sets(model):
    # Asimov data of the background-only hypothesis: the observed CLs is the expected median.
    x = model.init.copy()
    x[model.poi_index] = 0.0
    asimov = model.expected_data(x)
    r = hessfit.hypotest(1.0, asimov, model, asimov="prefit")
    assert r.ok
    assert r.cls_obs == pytest.approx(r.cls_exp[2], rel=1e-6)
    # a toy-like data set (other counts, same auxiliary data)
    toy = model.observed_data.copy()
    toy[:2] = [130, 95]
    assert hessfit.hypotest(1.0, toy, model).cls_obs != hessfit.hypotest(1.0, model).cls_obs
    with pytest.raises(ValueError, match=r"^data: expected a 1-D array of 8 values"):
        hessfit.upper_limit(toy[:4], model)


def test_bad_requests_raise_the_commands_messages(model):
    _, err = run_cli("hypotest", WS, "--mu", "7", expect=2)
    with pytest.raises(hessfit.ConfigError) as e:
        hessfit.hypotest(7.0, model)
    assert "the tested value SigXsecOverSM = 7 is outside the POI's bounds [0, 3]" in str(e.value)
    assert "the tested value SigXsecOverSM = 7 is outside the POI's bounds [0, 3]" in err
    with pytest.raises(hessfit.ConfigError, match=r"unknown test statistic 'qtilda'.*did you mean 'qtilde'\?"):
        hessfit.hypotest(1.0, model, test_stat="qtilda")
    with pytest.raises(hessfit.ConfigError, match=r"upper limits need a CLs statistic \(qtilde or q\), not 't'"):
        hessfit.upper_limit(model, test_stat="t")
    with pytest.raises(hessfit.ConfigError, match=r"level \(1 - CL\) must lie between 0 and 1"):
        hessfit.upper_limit(model, level=1.5)
    no_poi = hessfit.Workspace.load(WS).model(poi="none")
    with pytest.raises(hessfit.ConfigError, match="no POI"):
        hessfit.significance(no_poi)
    with pytest.raises(TypeError, match="expected a hessfit.Model"):
        hessfit.hypotest(1.0, model.observed_data)
