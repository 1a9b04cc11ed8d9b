#!/usr/bin/env python3
"""Seed corpora for the fuzz harnesses from the shared data: the small workspaces whole, the large
ones cut to one channel (libFuzzer runs at -max_len=65536; a 1.8 MB workspace takes 18 ms to load,
which would make 10^6 executions take hours), and small patchsets made of single patches.
Usage: make_seeds.py SHARED_HISTFACTORY_DIR OUT_DIR"""
import json
import os
import sys

MAX = 65536
shared, out = sys.argv[1], sys.argv[2]


def write(kind, name, doc):
    text = json.dumps(doc, separators=(",", ":"))
    if len(text) <= MAX:
        with open(os.path.join(out, kind, name), "w") as f:
            f.write(text)
        return True
    return False


def one_channel(ws, k):
    ch = ws["channels"][k]
    obs = [o for o in ws["observations"] if o["name"] == ch["name"]]
    meas = ws["measurements"][:1]
    return {"channels": [ch], "observations": obs, "measurements": meas, "version": ws.get("version", "1.0.0")}


for entry in sorted(os.listdir(shared)):
    folder = os.path.join(shared, entry)
    for fname in ("workspace.json", "BkgOnly.json"):
        path = os.path.join(folder, fname)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            ws = json.load(f)
        if write("workspace", f"{entry}_{fname}", ws):
            continue
        for k in range(min(len(ws["channels"]), 3)):
            doc = one_channel(ws, k)
            # long channels: keep the first samples
            while not write("workspace", f"{entry}_{fname}_channel{k}", doc) and len(doc["channels"][0]["samples"]) > 1:
                doc["channels"][0]["samples"] = doc["channels"][0]["samples"][: len(doc["channels"][0]["samples"]) // 2]
    path = os.path.join(folder, "patchset.json")
    if os.path.exists(path):
        with open(path) as f:
            ps = json.load(f)
        for k, patch in enumerate(ps["patches"][:8]):
            small = dict(ps)
            small["patches"] = [patch]
            write("patchset", f"{entry}_patch{k}.json", small)
        # the same operations aimed at the harness's one-channel background
        ops = [{"op": "add", "path": "/channels/0/samples/-", "value": {"name": "sig", "data": [1.0, 2.0],
                "modifiers": [{"name": "mu_SIG", "type": "normfactor", "data": None}]}},
               {"op": "replace", "path": "/measurements/0/config/poi", "value": "mu_SIG"},
               {"op": "copy", "from": "/channels/0/samples/0", "path": "/channels/0/samples/-"},
               {"op": "move", "from": "/channels/0/samples/1", "path": "/channels/0/samples/-"},
               {"op": "test", "path": "/version", "value": "1.0.0"},
               {"op": "remove", "path": "/channels/0/samples/0/modifiers/0"}]
        small = dict(ps)
        small["patches"] = [{"metadata": {"name": "aimed", "values": [1, 2]}, "patch": ops}]
        write("patchset", "aimed.json", small)

sets = ["fit.minimizer=newton", "uncertainties.minos=[mu, jes]", "parameters.mu.bounds=[0, 5]",
        "uncertainties.scans=[{parameter: mu, range: [0, 2], points: 5}]", "output.plots=none",
        "inference.limit={cl: 0.9, scan: {range: [0, 3], points: 4}}", "fit.threads=2\nfit.tolerance=1e-6",
        "uncertainties.contours=[{parameters: [mu, jes], cl: [0.68]}]", "model.poi=mu", "title=&a x"]
for k, s in enumerate(sets):
    with open(os.path.join(out, "set", f"set{k}.txt"), "w") as f:
        f.write(s + "\n")
