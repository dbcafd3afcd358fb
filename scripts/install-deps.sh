#!/usr/bin/env bash
# Installs every Debian 12 package dynfault needs to build, run and test, then
# the report's pinned vega packages (scripts/install-web.sh, npm ci into
# ${DYNFAULT_BUILD_DIR:-build}/web). Idempotent: packages already present are
# skipped, so a warm machine pays ~1 s.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake ninja-build pkg-config git
  libopenmpi-dev openmpi-bin
  libtorch-dev libopenblas0-pthread
  libhdf5-dev hdf5-tools
  libeigen3-dev
  libopencv-ml-dev libopencv-core-dev  # evaluate peers: cv::ml::RTrees (random forests), loaded only by that analysis
  libboost-serialization-dev
  libcli11-dev nlohmann-json3-dev
  libgtest-dev
  clang-14 libclang-rt-14-dev  # scripts/fuzz.sh (libFuzzer) and scripts/sanitize.sh (ASan, UBSan)
  slurm-wlm  # the local single-node Slurm of tests/slurm (no daemon starts on install)
  # tests and reference scripts only (golden files, h5py read-back)
  python3 python3-numpy python3-h5py python3-sklearn python3-statsmodels python3-pandas python3-torch
  chromium  # the report's browser test (headless)
)
# The report draws its SVGs with Node >= 18. An existing one is kept: some
# machines carry a Node (e.g. NodeSource's, with its own npm) whose package
# conflicts with Debian's npm, so Debian's nodejs + npm only when there is none.
node_ok() {
  command -v node >/dev/null && command -v npm >/dev/null &&
    [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 18 ]
}
node_ok || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
elif [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root or install them yourself" >&2
  exit 1
else
  echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done"
fi

bash "$root/scripts/install-web.sh" "${DYNFAULT_BUILD_DIR:-$root/build}"
