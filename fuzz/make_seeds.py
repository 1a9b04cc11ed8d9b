#!/usr/bin/env python3
"""Seed corpora for the fuzz harnesses from the shared data: the small workspaces whole, the large
ones cut to one channel and its first samples, each seed at most 8 KiB (libFuzzer runs at
-max_len=65536 and may grow inputs to that; a 1.8 MB workspace takes 18 ms to load, and 64 KiB
seeds ran at 22 executions per second, which would make 10^6 executions take half a day), and
small patchsets made of the first operation of single patches. fuzz/seeds/ adds hand-written seeds
(a patchset aimed at the harness's background, typical --set lines).
Usage: make_seeds.py SHARED_HISTFACTORY_DIR OUT_DIR"""
import json
import os
import sys

MAX = 8192
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
            small["patches"] = [dict(patch, patch=patch["patch"][:1])]  # its first operation: a few KiB
            write("patchset", f"{entry}_patch{k}.json", small)
