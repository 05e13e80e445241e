#!/usr/bin/env bash
# Install what tinyperf needs on a fresh Debian 12 machine: the cross compilers and QEMU from Debian, then a
# virtual environment ($VENV, default .venv/ in this checkout) holding tinyperf (editable) and the Python
# packages pyproject.toml declares, from PyPI. Idempotent: what is present is not reinstalled.
set -euo pipefail
cd "$(dirname "$0")/.."

# gcc-arc-linux-gnu and gcc-arm-none-eabi build tinyperf's freestanding firmware with -nostdinc: they need no libc
# headers. The TFLM engines are C++ and need each toolchain's C++ library headers: g++ (host),
# libstdc++-arm-none-eabi-newlib (Cortex-M, with newlib-nano's libm) and g++-arc-linux-gnu (Himax).
# clang and libclang-rt-14-dev: libFuzzer with ASan and UBSan for the fuzz harnesses (tests/fuzz).
# slurm-wlm, slurmdbd, munge and mariadb-server-core: the test suite starts a one-node SLURM on localhost to run the
# workflow through profiles/slurm (tests/cluster/localslurm.py); nothing of them runs outside that test.
APT_PACKAGES=(gcc g++ make python3-venv gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
              gcc-arc-linux-gnu g++-arc-linux-gnu qemu-system-arm chromium
              slurm-wlm slurmdbd munge mariadb-server-core mariadb-client-core
              clang libclang-rt-14-dev)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    echo "creating the virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test]'
