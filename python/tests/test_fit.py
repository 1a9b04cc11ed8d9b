"""hessfit.fit() against `hessfit fit` (results.json) and the shared references."""
import json
import threading

import numpy as np
import pytest

import hessfit
from conftest import reference, run_cli, without_times, workspace_path

# Small workspaces of the shared set (< 1 s each for the whole fit with MINOS and a scan).
WORKSPACES = ["pyhf-histfactory-example", "pyhf-2bin-1channel", "pyhf-tutorial-1lbb-cr"]


def cli_results(tmp_path, workspace, *sets):
    out = tmp_path / "cli"
    args = ["fit", workspace, "--out", out, "--quiet", "--no-progress", "--threads", "2"]
    for s in sets:
        args += ["--set", s]
    run_cli(*args)
    with open(out / "results.json") as f:
        return json.load(f)


def comparable(results):
    """results.json without wall times and the output folder (the module writes no files)."""
    r = without_times(results)
    del r["config"]["output"]
    return r


@pytest.mark.parametrize("name", WORKSPACES)
def test_to_dict_is_the_commands_results_json(name, tmp_path):
    path = workspace_path(name)
    # The command's defaults for a workspace: MINOS and a 21-point scan of the POI.
    cli = cli_results(tmp_path, path)
    result = hessfit.fit(hessfit.Workspace.load(path).model(), minos="poi", scans=["poi"], threads=2)
    assert comparable(result.to_dict()) == comparable(cli)


@pytest.mark.parametrize("name", WORKSPACES)
def test_the_fit_agrees_with_the_reference(name):
    ref = reference(name)
    model = hessfit.Workspace.load(workspace_path(name)).model()
    r = hessfit.fit(model, minos=ref["minos"]["params"], threads=2)
    assert r.ok and r.converged and r.status == "converged" and r.covariance_status == "accurate"
    assert r.problems == []
    assert r.parameter_names == ref["parameters"]["names"]
    errors = np.array(ref["hesse"]["errors"])
    scale = np.where(errors > 0, errors, 1e-3)
    assert np.all(np.abs(r.values - ref["bestfit"]["values"]) <= 1e-3 * scale)
    np.testing.assert_allclose(r.errors, errors, rtol=1e-3, atol=0)
    assert r.nll == pytest.approx(ref["bestfit"]["nll"], abs=1e-6)
    np.testing.assert_allclose(r.correlation, ref["hesse"]["correlation"], atol=1e-3, rtol=0)
    assert r.covariance.shape == (len(errors), len(errors))
    np.testing.assert_allclose(np.sqrt(np.diag(r.covariance)), r.errors, rtol=1e-12)
    for pname, m in ref["minos"]["results"].items():
        got = r.minos[pname]
        for side in ("lower", "upper"):
            limit = m[side + "_at_limit"]
            assert got[side] == pytest.approx(m[side], abs=max(1e-3 * abs(m[side]), 1e-6 if limit else 0.0)), (pname, side)
            assert got[side + "_status"] == ("at_limit" if limit else "ok")


def test_scans_contours_impacts_are_the_commands(tmp_path):
    path = workspace_path("pyhf-histfactory-example")
    cli = cli_results(tmp_path, path, "uncertainties.minos=all", "uncertainties.scans=[{parameter: syst2, range: [-2, 2], points: 5}]",
                      "uncertainties.contours=[{parameters: [poi, syst3], cl: [0.6827, 0.95], points: 8}]", "uncertainties.impacts=true")
    model = hessfit.Workspace.load(path).model()
    result = hessfit.fit(model, minos="all", scans=[{"parameter": "syst2", "range": [-2, 2], "points": 5}],
                         contours=[{"parameters": ["poi", "syst3"], "cl": [0.6827, 0.95], "points": 8}], impacts=True, threads=2)
    assert comparable(result.to_dict()) == comparable(cli)
    assert [s["parameter"] for s in result.scans] == ["syst2"]
    assert len(result.contours) == 2 and result.impacts["poi"] == "SigXsecOverSM"
    assert set(result.minos) == {"SigXsecOverSM", "syst2", "syst3", "staterror_channel1[0]", "staterror_channel1[1]"}
    assert "SigXsecOverSM" in result.summary() and str(result) == result.summary()


def test_overrides_are_in_the_config_and_the_fit(tmp_path):
    path = workspace_path("pyhf-histfactory-example")
    cli = cli_results(tmp_path, path, "parameters={syst3: {fixed: true, init: 0.5}, SigXsecOverSM: {bounds: [-2, 5]}}")
    model = hessfit.Workspace.load(path).model()
    model.fix("syst3", 0.5)
    model.set_bounds("SigXsecOverSM", -2, 5)
    result = hessfit.fit(model, minos="poi", scans=["poi"], threads=2)
    assert comparable(result.to_dict()) == comparable(cli)
    assert result.errors[3] == 0.0 and result.values[3] == 0.5


def test_results_do_not_depend_on_the_thread_count():
    model = hessfit.Workspace.load(workspace_path("pyhf-tutorial-1lbb-cr")).model()
    one = hessfit.fit(model, minos="all", scans=["poi"], threads=1).to_dict()
    two = hessfit.fit(model, minos="all", scans=["poi"], threads=2).to_dict()
    del one["config"]["fit"]["threads"], two["config"]["fit"]["threads"]
    assert without_times(one) == without_times(two)


def test_two_python_threads_fit_at_once():
    models = [hessfit.Workspace.load(workspace_path(n)).model() for n in ("pyhf-tutorial-1lbb-cr", "pyhf-histfactory-example")]
    serial = [without_times(hessfit.fit(m, minos="all", threads=1).to_dict()) for m in models]
    parallel = [None, None]
    barrier = threading.Barrier(2)

    def work(k):
        barrier.wait()  # both fits start together; the GIL is released inside
        parallel[k] = without_times(hessfit.fit(models[k], minos="all", threads=1).to_dict())

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert parallel == serial


def test_bad_arguments_raise_with_the_configs_messages(example_model):
    m = example_model
    with pytest.raises(hessfit.ConfigError, match=r"^hessfit.fit\(minos=...\): 'uncertainties.minos': no parameter 'syst4'; did you mean 'syst2'\?$"):
        hessfit.fit(m, minos=["syst4"])
    with pytest.raises(hessfit.ConfigError, match=r"'lumi' is fixed"):
        hessfit.fit(m, scans=["lumi"])
    with pytest.raises(hessfit.ConfigError, match=r"^hessfit.fit\(scans\[0\]=...\): unknown key 'point'; did you mean 'points'\?$"):
        hessfit.fit(m, scans=[{"parameter": "poi", "point": 3}])
    with pytest.raises(hessfit.ConfigError, match=r"unknown minimizer 'newtn'; did you mean 'newton'\?"):
        hessfit.fit(m, minimizer="newtn")
    with pytest.raises(hessfit.ConfigError, match=r"^hessfit.fit\(cl=...\): a confidence level"):
        hessfit.fit(m, cl=1.5)


def test_numerical_trouble_is_a_status_not_an_exception(example_model):
    m = example_model
    r = hessfit.fit(m, max_iterations=1, minimizer="newton", max_restarts=0)
    assert not r.converged and not r.ok and r.status == "max_iterations"
    assert r.problems and r.to_dict()["status"]["ok"] is False
