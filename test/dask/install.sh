#!/usr/bin/env bash
# What the dask test stage needs: Debian's python3-distributed (the dask-scheduler and dask-worker commands,
# distributed.Client for python/wsindy_dask.py). Does nothing when they are already there.
set -euo pipefail
if command -v dask-scheduler >/dev/null 2>&1 && command -v dask-worker >/dev/null 2>&1 && /usr/bin/python3 -c 'import distributed' >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q python3-distributed
