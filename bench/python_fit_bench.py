"""hessfit's Python module beside iminuit (Minuit2) on the same NLL: whole fits and single calls.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_fit_bench.py [--repetitions 5] [WORKSPACE ...]

For each workspace (default: three of ../shared/data/histfactory), the median wall time of
  - hessfit.fit(model, threads=1): minimum (exact-Hessian Newton) and covariance, from the inits;
  - iminuit: Minuit(model.nll, init, grad=model.gradient) with pyhf's bounds and fixed flags,
    strategy 1, migrad() then hesse() -- the NLL and its exact gradient are hessfit's, called from
    Python, so the difference is the algorithm plus the Python round trips Minuit makes;
  - one call of model.nll, model.gradient and model.hessian at the inits (the binding's overhead
    is in these numbers: NumPy conversion, the GIL released and taken back);
and the NLLs both fits reach. Prints one JSON object (and a table on stderr). Not a test: figures
go to bench/README.md with the machine load.
"""
import argparse
import json
import os
import pathlib
import statistics
import sys
import time

import numpy as np

import hessfit

HERE = pathlib.Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data" / "histfactory"
DEFAULT = ["pyhf-tutorial-1lbb-cr", "atlas-sbottom-multib-RegionA-bkgonly", "atlas-ttbar-ljets-xsec"]


def median_time(fn, repetitions):
    times, value = [], None
    for _ in range(repetitions):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), value


def per_call(fn, seconds=0.2):
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
        n += 1
    return (time.perf_counter() - t0) / n


def iminuit_fit(model):
    import iminuit

    m = iminuit.Minuit(model.nll, model.init, grad=model.gradient, name=model.parameter_names)
    m.errordef = iminuit.Minuit.LIKELIHOOD
    m.limits = [tuple(b) for b in model.bounds]
    m.fixed = list(model.fixed)
    m.strategy = 1
    m.migrad()
    m.hesse()
    return m


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspaces", nargs="*", default=DEFAULT)
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    try:
        import iminuit  # noqa: F401
        have_iminuit = True
    except ImportError:
        have_iminuit = False

    rows = []
    for name in args.workspaces:
        path = pathlib.Path(name)
        if not path.exists():
            path = SHARED / name / "workspace.json"
        model = hessfit.Workspace.load(path).model()
        x = model.init
        row = {
            "workspace": name,
            "parameters": len(model),
            "nll_call_us": 1e6 * per_call(lambda: model.nll(x)),
            "gradient_call_us": 1e6 * per_call(lambda: model.gradient(x)),
            "hessian_call_us": 1e6 * per_call(lambda: model.hessian(x)),
        }
        t, r = median_time(lambda: hessfit.fit(model, threads=1), args.repetitions)
        row.update(hessfit_fit_s=t, hessfit_nll=r.nll, hessfit_ok=r.ok)
        if have_iminuit:
            t, m = median_time(lambda: iminuit_fit(model), args.repetitions)
            row.update(iminuit_fit_s=t, iminuit_nll=m.fval, iminuit_valid=m.valid, iminuit_nfcn=m.nfcn, iminuit_ngrad=m.ngrad,
                       speedup=t / row["hessfit_fit_s"])
        rows.append(row)
        print(f"{name:<40} n={row['parameters']:<4} nll {row['nll_call_us']:8.1f} us  grad {row['gradient_call_us']:8.1f} us  "
              f"hess {row['hessian_call_us']:9.1f} us  hessfit.fit {row['hessfit_fit_s'] * 1e3:8.1f} ms"
              + (f"  iminuit {row['iminuit_fit_s'] * 1e3:8.1f} ms ({row['speedup']:.1f}x, dNLL {row['iminuit_nll'] - row['hessfit_nll']:.2e})"
                 if have_iminuit else ""), file=sys.stderr)
    json.dump({"load_average": os.getloadavg(), "hessfit_version": hessfit.__version__, "results": rows}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
