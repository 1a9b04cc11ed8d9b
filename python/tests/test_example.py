"""apps/examples/python/fit_workspace.py replays configs/examples/tiny.yaml's fit: same numbers as the command."""
import json
import os
import subprocess
import sys

from conftest import SOURCE, run_cli


def test_the_example_prints_the_commands_fit(tmp_path):
    example = SOURCE / "apps" / "examples" / "python" / "fit_workspace.py"
    p = subprocess.run([sys.executable, str(example)], capture_output=True, text=True, env=os.environ.copy())
    assert p.returncode == 0, p.stderr
    out = tmp_path / "tiny"
    run_cli("fit", SOURCE / "configs" / "examples" / "tiny.yaml", "--out", out, "--quiet", "--no-progress",
            "--set", "uncertainties.scans=[]", "--set", "uncertainties.contours=[]", "--set", "uncertainties.impacts=false")
    with open(out / "results.json") as f:
        cli = json.load(f)
    lines = p.stdout.splitlines()
    assert lines[0] == f"fit: converged, covariance accurate, NLL {cli['nll']:.10g}"
    for par in cli["parameters"]:
        row = next(l for l in lines if l.startswith(f"  {par['name']:<24} "))
        assert f"{par['value']:12.6g} +- {par['error']:<10.4g}" in row
        if "minos" in par:
            assert f"MINOS {par['minos']['lower']:+.4g} / {par['minos']['upper']:+.4g}" in row
    start = lines.index("covariance:")
    names = cli["covariance"]["names"]
    for k, (name, row) in enumerate(zip(names, cli["covariance"]["matrix"])):
        assert lines[start + 2 + k] == f"  {name:<24}" + "".join(f"{v:12.4g}" for v in row)
