#!/usr/bin/env bash
# Load figures for the daemon: runs DaemonLoadIT (a real daemon on loopback; 16 clients fire 400
# submissions over 40 distinct requests, then 4,000 status and list reads) and prints its table:
# throughput, latency percentiles (p50/p90/p99/max), how many jobs the dedupe made, and the heap
# after a full GC before and after the load. Bounded in count and time; loopback only.
#
# Run from anywhere:   bench/daemon-load.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
echo "## oci2vm daemon load ($(nproc) cores, $(java -version 2>&1 | head -n 1), load $(cut -d' ' -f1-3 /proc/loadavg))"
timeout 1200 mvn -B -pl daemon -am verify -Dspotless.check.skip=true -Dtest=NONE \
  -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=DaemonLoadIT \
  -Dfailsafe.failIfNoSpecifiedTests=false -Dstyle.color=never 2>&1 |
  tee /tmp/oci2vm-daemon-load.log | grep -E '^\||^jobs created' || {
  echo "bench: the load test failed; its output is in /tmp/oci2vm-daemon-load.log" >&2
  exit 1
}
