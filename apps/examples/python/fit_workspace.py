"""Replays the fit of configs/examples/tiny.yaml from Python and prints the covariance.

    PYTHONPATH=build/python python3 apps/examples/python/fit_workspace.py

The same model, overrides and fit settings as the YAML config (its `model:`, `parameters:` and
`fit:` sections), MINOS on every free parameter; the numbers are those of
`hessfit fit configs/examples/tiny.yaml`.
"""
import pathlib

import numpy as np

import hessfit

root = pathlib.Path(__file__).resolve().parents[3]
ws = hessfit.Workspace.load(root / "configs" / "examples" / "tiny" / "workspace.json")
model = ws.model(measurement="tiny")
model.set_bounds("mu", -2, 10)  # let the signal strength go negative
model.set_bounds("staterror_*", 0.5, 1.5)  # a glob, as in a config's `parameters:`

result = hessfit.fit(model, minos="all", cl=0.6827, minimizer="newton", tolerance=1e-10)  # tiny.yaml's settings
print(f"fit: {result.status}, covariance {result.covariance_status}, NLL {result.nll:.10g}")
for name, value, error in zip(result.parameter_names, result.values, result.errors):
    m = result.minos.get(name)
    minos = f"  MINOS {m['lower']:+.4g} / {m['upper']:+.4g}" if m else ""
    print(f"  {name:<24} {value:12.6g} +- {error:<10.4g}{minos}")

print("covariance:")
names = result.parameter_names
print(" " * 26 + "".join(f"{n[:11]:>12}" for n in names))
for name, row in zip(names, result.covariance):
    print(f"  {name:<24}" + "".join(f"{v:12.4g}" for v in row))

# The exact Hessian at the minimum, inverted over the free parameters, is the covariance (errordef 1/2).
free = ~model.fixed & (result.errors > 0)
h = model.hessian(result.values)[np.ix_(free, free)]
cov = result.covariance[np.ix_(free, free)]
assert np.allclose(np.linalg.inv(h), cov, rtol=1e-8, atol=1e-12 * np.abs(cov).max())
