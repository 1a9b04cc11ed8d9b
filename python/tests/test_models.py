"""hessfit.Workspace and hessfit.Model against `hessfit inspect` / `hessfit eval` and the references."""
import json
import pathlib

import numpy as np
import pytest

import hessfit
from conftest import cli_json, reference, run_cli, workspace_path

EXAMPLE = "pyhf-histfactory-example"


def test_model_parameters_are_pyhfs(example_model):
    ref = reference(EXAMPLE)["parameters"]
    m = example_model
    assert m.parameter_names == ref["names"]
    assert isinstance(m.init, np.ndarray) and m.init.dtype == np.float64
    np.testing.assert_array_equal(m.init, ref["inits"])
    np.testing.assert_array_equal(m.bounds, ref["bounds"])
    assert m.bounds.shape == (7, 2)
    assert m.fixed.dtype == np.bool_ and list(m.fixed) == ref["fixed"]
    assert m.poi == ref["poi"] and m.parameter_names[m.poi_index] == m.poi
    assert len(m) == 7
    np.testing.assert_array_equal(m.observed_data, reference(EXAMPLE)["data"])
    assert m.channels == ["channel1"]


def test_nll_and_gradient_are_the_commands(example_model, tmp_path):
    m = example_model
    x = m.init.copy()
    x[1], x[2], x[5] = 1.3, -0.4, 1.02
    pars = tmp_path / "pars.json"
    pars.write_text(json.dumps({n: float(v) for n, v in zip(m.parameter_names, x)}))
    ev = cli_json("eval", workspace_path(EXAMPLE), "--pars", pars)
    assert m.nll(x) == ev["nll"]  # the same code: identical, not close
    ev = cli_json("eval", workspace_path(EXAMPLE), "--pars", pars, "--gradient")
    np.testing.assert_array_equal(m.gradient(x), [ev["gradient"][n] for n in m.parameter_names])
    assert m.nll(x, m.observed_data) == m.nll(x)
    assert m.nll(list(x)) == m.nll(x)  # any sequence of numbers


def test_nll_at_the_reference_minimum():
    ref = reference(EXAMPLE)
    m = hessfit.Workspace.load(workspace_path(EXAMPLE)).model()
    assert m.nll(np.array(ref["bestfit"]["values"])) == pytest.approx(ref["bestfit"]["nll"], abs=1e-9)


def test_hessian_is_exact_and_symmetric(example_model):
    m = example_model
    x = m.init + np.array([0.0, 0.2, 0.3, -0.2, 0.1, 0.01, -0.02])
    h = m.hessian(x)
    assert h.shape == (7, 7)
    np.testing.assert_array_equal(h, h.T)
    # central differences of the exact gradient
    eps = 1e-6
    fd = np.empty((7, 7))
    for j in range(7):
        e = np.zeros(7)
        e[j] = eps
        fd[:, j] = (m.gradient(x + e) - m.gradient(x - e)) / (2 * eps)
    np.testing.assert_allclose(h, fd, rtol=1e-6, atol=1e-6)


def test_expected_data_and_other_data(example_model):
    m = example_model
    x = m.init
    e = m.expected_data(x)
    assert e.shape == m.observed_data.shape
    main = m.expected_data(x, include_auxdata=False)
    assert main.shape == (2,)
    np.testing.assert_array_equal(main, e[:2])
    # the NLL on Asimov data is minimal at the parameters that made it: zero gradient in the free directions
    g = m.gradient(x, data=e)
    free = ~m.fixed
    np.testing.assert_allclose(g[free], 0.0, atol=1e-10)
    assert m.nll(x, e) != m.nll(x)


def test_a_workspace_from_a_dict_or_text_is_the_same_model():
    path = workspace_path(EXAMPLE)
    with open(path) as f:
        spec = json.load(f)
    a = hessfit.Workspace.load(path).model()
    b = hessfit.Workspace(spec).model()
    c = hessfit.Workspace(json.dumps(spec)).model()
    d = hessfit.Workspace(pathlib.Path(path)).model()
    x = a.init + 0.01
    assert a.nll(x) == b.nll(x) == c.nll(x) == d.nll(x)
    assert b.parameter_names == a.parameter_names
    assert hessfit.Workspace(spec).measurements == ["GaussExample"]


def test_dtype_and_shape_errors_are_clear(example_model):
    m = example_model
    with pytest.raises(ValueError, match=r"^x: expected a 1-D array of 7 values \(one per parameter, in model.parameter_names order\), got shape \(3,\)$"):
        m.nll(np.ones(3))
    with pytest.raises(ValueError, match=r"got shape \(7, 1\)"):
        m.gradient(np.ones((7, 1)))
    with pytest.raises(TypeError, match=r"^x: expected real numbers \(a float or integer array\), got dtype complex128$"):
        m.hessian(np.ones(7, dtype=complex))
    with pytest.raises(TypeError, match=r"got dtype <U1"):
        m.nll(["a"] * 7)
    with pytest.raises(TypeError, match=r"x: expected a 1-D array of 7 values .*, got None"):
        m.nll(None)
    with pytest.raises(ValueError, match=r"^data: expected a 1-D array of 8 values \(2 main bins then 6 auxiliary data, as model.observed_data\), got shape \(2,\)$"):
        m.nll(m.init, data=np.ones(2))
    assert m.nll(np.ones(7, dtype=np.int64)) == m.nll(np.ones(7))  # integers are numbers


def test_a_bad_workspace_raises_with_its_json_path():
    with open(workspace_path(EXAMPLE)) as f:
        spec = json.load(f)
    spec["channels"][0]["samples"][1]["data"] = [100.0]
    with pytest.raises(hessfit.InputError) as e:
        hessfit.Workspace(spec)
    assert isinstance(e.value, ValueError)
    assert "workspace: channels[0].samples[1].data (channel 'channel1', sample 'background1')" in str(e.value)
    with pytest.raises(hessfit.InputError, match=r"^workspace:3:1: invalid JSON"):
        hessfit.Workspace('{"channels": [\n\n')


def test_a_bad_workspace_file_gives_the_commands_message(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"channels": [],\n  "observations": [,]}\n')
    with pytest.raises(hessfit.InputError) as e:
        hessfit.Workspace.load(bad)
    _, err = run_cli("inspect", bad, expect=2)
    assert str(e.value) in err
    assert f"{bad}:2:" in str(e.value)


def test_model_options_and_their_errors():
    ws = hessfit.Workspace.load(workspace_path(EXAMPLE))
    assert ws.model(poi="none").poi is None
    assert ws.model(poi="syst2").poi == "syst2"
    with pytest.raises(hessfit.InputError, match="GaussExampl"):
        ws.model(measurement="GaussExampl")
    with pytest.raises(hessfit.ConfigError, match=r"^Workspace.model\(normsys=...\): unknown interpolation code 'code5' \(code4, code1\); did you mean 'code4'\?$"):
        ws.model(normsys="code5")
    with pytest.raises(ValueError, match="patch= needs patchset="):
        ws.model(patch="x")


def test_a_patchset_gives_the_commands_model():
    folder = pathlib.Path(workspace_path("atlas-susy-2018-06-3l-erjr")).parent
    patchset = json.load(open(folder / "patchset.json"))
    name = patchset["patches"][0]["metadata"]["name"]
    ws = hessfit.Workspace.load(folder / "BkgOnly.json")
    m = ws.model(patchset=folder / "patchset.json", patch=name)
    assert m.poi == "mu_SIG"
    assert ws.model(patchset=patchset, patch=name).nll(m.init) == m.nll(m.init)
    info = cli_json("inspect", folder / "BkgOnly.json", "--patchset", folder / "patchset.json", "--patch", name)
    names = [p["name"] for p in info["parameters"]]
    assert m.parameter_names == names
    bkg = ws.model()
    assert bkg.poi is None and any("mu_SIG" in w for w in bkg.warnings)


def test_overrides_apply_and_are_checked(example_model):
    m = example_model
    m.fix("syst2", 0.5)
    assert m.fixed[2] and m.init[2] == 0.5
    m.release("syst2")
    assert not m.fixed[2] and m.init[2] == 0.5
    m.set_bounds("SigXsecOverSM", -1, 4)
    np.testing.assert_array_equal(m.bounds[1], [-1, 4])
    m.set_init("SigXsecOverSM", 2.0)
    assert m.init[1] == 2.0
    with pytest.raises(hessfit.ConfigError, match=r"^Model.fix\('syst22'\): no parameter 'syst22'; did you mean 'syst2'\?$"):
        m.fix("syst22")
    with pytest.raises(hessfit.ConfigError, match=r"is outside the bounds \[-1, 4\] of 'SigXsecOverSM'"):
        m.set_init("SigXsecOverSM", 7.0)
    assert m.init[1] == 2.0  # a refused override changes nothing
