"""hessfit.yields: pre- and post-fit yields with errors J C J^T (checked with a numerical Jacobian)."""
import numpy as np
import pytest

import hessfit
from conftest import workspace_path


def numerical_jacobian(model, x):
    """d(main expected data)/dx by central differences."""
    cols = []
    for j in range(len(x)):
        h = 1e-6 * max(1.0, abs(x[j]))
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        cols.append((model.expected_data(up, include_auxdata=False) - model.expected_data(down, include_auxdata=False)) / (2 * h))
    return np.array(cols).T


def test_postfit_yields_propagate_the_fit_covariance():
    model = hessfit.Workspace.load(workspace_path("pyhf-tutorial-1lbb-cr")).model()
    r = hessfit.fit(model, threads=1)
    channels = hessfit.yields(model, r)
    assert [c["name"] for c in channels] == model.channels
    total = np.concatenate([c["total"] for c in channels])
    np.testing.assert_allclose(total, model.expected_data(r.values, include_auxdata=False), rtol=1e-12)
    j = numerical_jacobian(model, r.values)
    expected_error = np.sqrt(np.diag(j @ r.covariance @ j.T))
    np.testing.assert_allclose(np.concatenate([c["total_error"] for c in channels]), expected_error, rtol=1e-5)
    for c in channels:
        np.testing.assert_allclose(sum(s["yield"] for s in c["samples"]), c["total"], rtol=1e-12)
        assert c["total_sum"] == pytest.approx(c["total"].sum(), rel=1e-12)
        assert c["data_sum"] == c["data"].sum()


def test_prefit_yields_use_the_prefit_widths():
    model = hessfit.Workspace.load(workspace_path("pyhf-histfactory-example")).model()
    channels = hessfit.yields(model)
    (c,) = channels
    np.testing.assert_allclose(c["total"], model.expected_data(model.init, include_auxdata=False), rtol=1e-12)
    assert np.all(c["total_error"] > 0)
    other = hessfit.Workspace.load(workspace_path("pyhf-2bin-1channel")).model()
    with pytest.raises(hessfit.ConfigError, match="another model"):
        hessfit.yields(other, hessfit.fit(model))
