#!/bin/sh
# The distributed loops of `hessfit toys` (toy ensembles) and `hessfit fit` (impact refits): under
# `mpirun -np N` (N = 2, 3) the outputs equal those of one process, shards 1/3..3/3 merged by
# `hessfit merge` equal the unsharded run, a missing or foreign shard is refused, and a work item
# that fails on one rank (injected: HESSFIT_TEST_FAIL_ITEM) stops every rank with its message.
# "Equal": every output file byte for byte, except the wall-clock times (timing entries,
# time_seconds, toys_per_second and "0.002 s" in messages) and the output folder results.json
# records with the options (output.directory = --out, fit.threads), which are masked first.
# Usage: mpi_loops_test.sh MPIEXEC HESSFIT SHARED_DATA_DIR TINY_CONFIG
set -eu
mpiexec=$1
hessfit=$2
ws=$3/histfactory/pyhf-histfactory-example/workspace.json
tiny=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/hessfit_mpi_loops_XXXXXX")
trap 'rm -rf "$work"' EXIT
mpirun() { "$mpiexec" --allow-run-as-root --oversubscribe "$@"; }
same() {  # same DIR_A DIR_B: the same files, equal once the times are masked
  python3 - "$1" "$2" <<'PY'
import json, os, re, sys
a, b = sys.argv[1], sys.argv[2]
def masked(path):
    text = open(path, "rb").read().decode()
    if not path.endswith(".json"):
        return text
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in ("timing", "time_seconds", "toys_per_second", "directory", "threads")}
        if isinstance(v, list):
            return [strip(x) for x in v]
        if isinstance(v, str):
            return re.sub(r"[0-9.]+ s\b", "<time> s", v)
        return v
    return json.dumps(strip(json.loads(text)), sort_keys=False)
fa = sorted(f for f in os.listdir(a) if f.endswith((".json", ".svg")))
fb = sorted(f for f in os.listdir(b) if f.endswith((".json", ".svg")))
if fa != fb or not fa:
    sys.exit(f"FAIL: {a} holds {fa}, {b} holds {fb}")
for f in fa:
    if masked(os.path.join(a, f)) != masked(os.path.join(b, f)):
        sys.exit(f"FAIL: {a}/{f} and {b}/{f} differ")
print(f"{len(fa)} files equal")
PY
}

toys="toys $ws --ntoys 24 --seed 5 --hypotest 1 --pulls --no-progress"
fit="fit $tiny -s uncertainties.minos=[] -s uncertainties.scans=[] -s uncertainties.contours=[] -s output.plots=[impacts] --no-progress"

"$hessfit" $toys --threads 1 --out "$work/toys1" > /dev/null
"$hessfit" $fit --threads 1 --out "$work/fit1" > /dev/null
for n in 2 3; do
  mpirun -np $n "$hessfit" $toys --out "$work/toys_np$n" > /dev/null
  same "$work/toys1" "$work/toys_np$n"
  mpirun -np $n "$hessfit" $fit --out "$work/fit_np$n" > "$work/fit_np$n.stdout"
  same "$work/fit1" "$work/fit_np$n"
  test "$(grep -c '^wrote ' "$work/fit_np$n.stdout")" = 1 || { echo "FAIL: rank 0 alone should print"; exit 1; }
  echo "mpirun -np $n: toys and impacts equal to one process"
done

for k in 1 2 3; do
  "$hessfit" $toys --shard $k/3 --out "$work/toys_parts" 2> /dev/null
  "$hessfit" $fit --shard $k/3 --out "$work/fit_parts" > /dev/null 2>&1
done
test ! -e "$work/toys_parts/toys.json" || { echo "FAIL: a shard wrote the whole run's output"; exit 1; }
"$hessfit" merge "$work"/toys_parts/toys.part-*-of-3.json --out "$work/toys_merged" > /dev/null
same "$work/toys1" "$work/toys_merged"
"$hessfit" merge "$work"/fit_parts/fit.part-*-of-3.json --out "$work/fit_merged" > /dev/null
same "$work/fit1" "$work/fit_merged"
echo "3 shards merged: toys and impacts equal to the unsharded run"

# refused: an incomplete set, a shard of another seed
if "$hessfit" merge "$work/toys_parts/toys.part-1-of-3.json" "$work/toys_parts/toys.part-3-of-3.json" --out "$work/refused" 2> "$work/refused.err"; then
  echo "FAIL: an incomplete set was merged"; exit 1
fi
grep -q "shard 2/3 missing" "$work/refused.err" || { echo "FAIL: message"; cat "$work/refused.err"; exit 1; }
"$hessfit" toys $ws --ntoys 24 --seed 6 --hypotest 1 --pulls --no-progress --shard 2/3 --out "$work/foreign" 2> /dev/null
if "$hessfit" merge "$work/toys_parts/toys.part-1-of-3.json" "$work/foreign/toys.part-2-of-3.json" "$work/toys_parts/toys.part-3-of-3.json" \
    --out "$work/refused" 2> "$work/refused.err"; then
  echo "FAIL: a foreign shard was merged"; exit 1
fi
grep -q "comes from other inputs or options" "$work/refused.err" || { echo "FAIL: message"; cat "$work/refused.err"; exit 1; }
test ! -e "$work/refused"
echo "missing and foreign shards refused"

# a toy that fails on rank 1 (work item 1: items go round-robin over the ranks): every rank stops
# (no rank left waiting in an exchange), exit 2, rank 0 names the item and the rank, nothing written
status=0
HESSFIT_TEST_FAIL_ITEM=1 timeout 120 "$mpiexec" --allow-run-as-root --oversubscribe -x HESSFIT_TEST_FAIL_ITEM -np 2 \
  "$hessfit" $toys --out "$work/failed" > /dev/null 2> "$work/failed.err" || status=$?
test "$status" = 2 || { echo "FAIL: exit $status (expected 2)"; cat "$work/failed.err"; exit 1; }
grep -q "work item 1 (item 1 of loop 1) failed on rank 1: injected failure" "$work/failed.err" || { echo "FAIL: message"; cat "$work/failed.err"; exit 1; }
test ! -e "$work/failed" || { echo "FAIL: a failed run wrote output"; exit 1; }
echo "a failure on one rank stops the run: exit 2, located, nothing written"
