#!/usr/bin/env bash
# Installs every Debian 12 package dynfault needs to build, run and test.
# Idempotent: packages already present are skipped, so a warm machine pays ~1 s.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libopenmpi-dev openmpi-bin
  libtorch-dev libopenblas0-pthread
  libhdf5-dev hdf5-tools
  libeigen3-dev
  libboost-serialization-dev
  libcli11-dev nlohmann-json3-dev
  libgtest-dev
  clang-14 libclang-rt-14-dev  # scripts/fuzz.sh (libFuzzer) and scripts/sanitize.sh (ASan, UBSan)
  slurm-wlm  # the local single-node Slurm of tests/slurm (no daemon starts on install)
  # tests and reference scripts only (golden files, h5py read-back)
  python3 python3-numpy python3-h5py python3-sklearn python3-statsmodels python3-pandas python3-torch
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root or install them yourself" >&2
  exit 1
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
