#!/bin/sh
# `mpirun -np N hessfit grid` (N = 2, 3) writes the same bytes as one process, and shards run under
# mpirun and merged do too. Usage: mpi_test.sh MPIEXEC HESSFIT SHARED_DATA_DIR
set -eu
mpiexec=$1
hessfit=$2
data=$3/histfactory/atlas-susy-2018-06-3l-erjr
work=$(mktemp -d "${TMPDIR:-/tmp}/hessfit_mpi_XXXXXX")
trap 'rm -rf "$work"' EXIT
mpirun() { "$mpiexec" --allow-run-as-root --oversubscribe "$@"; }
set -f  # $grid holds a glob for hessfit, not for the shell
grid="grid $data/BkgOnly.json --patchset $data/patchset.json --patches ERJR_2* --limits"
same() {  # same DIR_A DIR_B: grid.json, grid.txt and exclusion.svg byte for byte
  for f in grid.json grid.txt exclusion.svg; do
    cmp "$1/$f" "$2/$f" || { echo "FAIL: $1/$f and $2/$f differ"; exit 1; }
  done
}

"$hessfit" $grid --threads 1 --out "$work/one" > /dev/null
for n in 2 3; do
  mpirun -np $n "$hessfit" $grid --out "$work/np$n" > "$work/np$n.stdout"
  same "$work/one" "$work/np$n"
  # rank 0 alone printed the table (once)
  test "$(grep -c '^ERJR_200p0_100p0 ' "$work/np$n.stdout")" = 1 || { echo "FAIL: table printed $(grep -c '^ERJR_200p0_100p0 ' "$work/np$n.stdout") times"; exit 1; }
  echo "mpirun -np $n: identical"
done
for k in 1 2 3; do mpirun -np 2 "$hessfit" $grid --shard $k/3 --out "$work/parts" 2> /dev/null; done
"$hessfit" merge "$work/parts/grid.part-1-of-3.json" "$work/parts/grid.part-2-of-3.json" "$work/parts/grid.part-3-of-3.json" --out "$work/merged" > /dev/null
same "$work/one" "$work/merged"
echo "3 shards on 2 ranks each, merged: identical"
if "$hessfit" merge "$work/parts/grid.part-1-of-3.json" "$work/parts/grid.part-2-of-3.json" --out "$work/refused" 2> "$work/refused.err"; then
  echo "FAIL: an incomplete set was merged"; exit 1
fi
grep -q "shard 3/3 missing" "$work/refused.err" || { echo "FAIL: message"; cat "$work/refused.err"; exit 1; }
test ! -e "$work/refused/grid.json"
echo "incomplete set refused"
