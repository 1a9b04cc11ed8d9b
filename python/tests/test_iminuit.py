"""iminuit (Minuit2) on the same NLL and gradient finds the minimum hessfit finds (if iminuit is installed)."""
import numpy as np
import pytest

import hessfit
from conftest import workspace_path

iminuit = pytest.importorskip("iminuit")


def test_iminuit_agrees_on_the_same_nll():
    model = hessfit.Workspace.load(workspace_path("pyhf-tutorial-1lbb-cr")).model()
    m = iminuit.Minuit(model.nll, model.init, grad=model.gradient, name=model.parameter_names)
    m.errordef = iminuit.Minuit.LIKELIHOOD
    m.limits = [tuple(b) for b in model.bounds]
    m.fixed = list(model.fixed)
    m.strategy = 2
    m.tol = 1e-4
    m.migrad()
    m.hesse()
    assert m.valid
    r = hessfit.fit(model, threads=1)
    assert r.ok
    # Minuit stops at EDM ~ 2e-7 (tol 1e-4), hessfit at 1e-12 or so: the NLLs agree to Minuit's EDM.
    assert r.nll <= m.fval + 1e-9
    assert m.fval - r.nll < 1e-5
    np.testing.assert_allclose(np.array(m.values), r.values, atol=2e-2 * r.errors.max())
    # Minuit's Hessian is numerical (second differences of the exact gradient here); hessfit's is exact.
    np.testing.assert_allclose(np.array(m.errors), r.errors, rtol=2e-2)
