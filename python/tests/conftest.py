"""Shared fixtures of the Python tests: the module, the shared workspaces and the `hessfit` command.

ctest sets PYTHONPATH (the module in the build tree), HESSFIT_EXE, HESSFIT_SHARED_DATA_DIR and
HESSFIT_SOURCE_DIR. The tests compare the module with the command on the same inputs: the same
code runs behind both, so the numbers must be identical, not merely close.
"""
import json
import os
import pathlib
import subprocess


import pytest

import hessfit

SHARED = pathlib.Path(os.environ.get("HESSFIT_SHARED_DATA_DIR", pathlib.Path(__file__).parents[3] / "shared" / "data"))
SOURCE = pathlib.Path(os.environ.get("HESSFIT_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
HISTFACTORY = SHARED / "histfactory"


def workspace_path(name):
    return str((HISTFACTORY / name / "workspace.json").resolve())


def reference(name):
    with open(HISTFACTORY / name / "reference.json") as f:
        return json.load(f)


def run_cli(*args, expect=0):
    """Runs `hessfit ARGS`, returns (stdout, stderr); checks the exit code."""
    exe = os.environ.get("HESSFIT_EXE")
    if not exe:
        pytest.skip("HESSFIT_EXE is not set (run the tests through ctest)")
    p = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
    assert p.returncode == expect, f"hessfit {' '.join(map(str, args))}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p.stdout, p.stderr


def cli_json(*args, expect=0):
    out, _ = run_cli(*args, "--json", expect=expect)
    return json.loads(out)


def without_times(value, drop=("time_seconds", "timing")):
    """The value with every wall-time entry removed (they differ between any two runs)."""
    if isinstance(value, dict):
        return {k: without_times(v, drop) for k, v in value.items() if k not in drop}
    if isinstance(value, list):
        return [without_times(v, drop) for v in value]
    return value


@pytest.fixture
def example_model():
    """pyhf's histfactory example: 7 parameters (2 fixed), one channel of 2 bins."""
    return hessfit.Workspace.load(workspace_path("pyhf-histfactory-example")).model()
