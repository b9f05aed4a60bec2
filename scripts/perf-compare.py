#!/usr/bin/env python3
"""Compares two rows sampled by scripts/perf-row.sh: the server's CPU per request, by thread and
by symbol, in microseconds, largest increase first.

    scripts/perf-compare.py A B [ROWS]

A and B are the OUT prefixes given to perf-row.sh (A.data and A.req, B.data and B.req). Each
sample stands for 1/4,999 s of one thread's CPU.
"""
import collections
import subprocess
import sys

HZ = 4999
SECONDS = 1e6


def load(prefix):
    with open(prefix + ".req") as f:
        requests = int(f.read())
    report = subprocess.run(
        ["perf", "report", "-i", prefix + ".data", "--no-children", "--sort", "comm,sym",
         "--stdio", "-F", "sample,comm,sym", "-t", "\t"],
        capture_output=True, text=True, check=True).stdout
    samples = collections.Counter()
    for line in report.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = [x.strip() for x in line.split("\t")]
        if len(fields) < 3 or not fields[0].isdigit():
            continue
        samples[(fields[1], fields[2])] += int(fields[0])
    return {k: n / HZ * SECONDS / requests for k, n in samples.items()}, requests


def main():
    (a, ra), (b, rb) = load(sys.argv[1]), load(sys.argv[2])
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    print(f"µs per request: {sum(a.values()):.1f} ({ra} requests) vs {sum(b.values()):.1f} ({rb} requests)")
    threads = collections.defaultdict(lambda: [0.0, 0.0])
    for (comm, _), us in a.items():
        threads[comm][0] += us
    for (comm, _), us in b.items():
        threads[comm][1] += us
    for comm, (x, y) in sorted(threads.items(), key=lambda kv: -kv[1][1]):
        if x + y >= 0.5:
            print(f"  {comm:16} {x:7.1f} {y:7.1f} {y - x:+7.1f}")
    keys = sorted(set(a) | set(b), key=lambda k: -(b.get(k, 0) - a.get(k, 0)))
    for k in keys[:rows]:
        x, y = a.get(k, 0), b.get(k, 0)
        print(f"{x:7.2f} {y:7.2f} {y - x:+7.2f}  {k[0]:15} {k[1][:100]}")


if __name__ == "__main__":
    main()
