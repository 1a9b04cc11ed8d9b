#!/usr/bin/env bash
# Installs the Debian 12 packages hessfit needs, only those missing. Idempotent; run as root.
set -euo pipefail
packages=(
  build-essential cmake git pkg-config
  libeigen3-dev          # Eigen 3.4
  libceres-dev           # Ceres 2.1 (quasi-Newton minimisers)
  libboost-math-dev      # Boost.Math 1.74 (digamma, trigamma, polygamma, chi-square quantiles)
  libgtest-dev libgmock-dev  # GoogleTest 1.12
  libyaml-cpp-dev        # yaml-cpp 0.7 (configs)
  nlohmann-json3-dev     # JSON workspaces, patchsets, JSON Patch
  libssl-dev             # sha256 digests of patchset workspaces (OpenSSL libcrypto)
  libcli11-dev           # command line
  libbenchmark-dev       # Google Benchmark
  libadolc-dev           # ADOL-C, benchmark peer only
  libfmt-dev             # fmt 9 (number formatting in common/, report tables)
  libopenmpi-dev openmpi-bin  # OpenMPI 4.1: `mpirun -np N hessfit grid` over ranks, and its tests
  pybind11-dev python3-dev python3-numpy  # the Python module `hessfit` (python/)
  python3-pytest         # its tests (run by ctest)
  python3-iminuit        # iminuit (Minuit2), peer of the Python comparison test
)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup.sh: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
