#!/usr/bin/env python3
"""Calls per request into the functions matching PATTERN, by direct caller, in two callgrind
dumps: which code makes the allocations (or any other calls) one request makes and another
does not.

    scripts/callgrind-callers.py DUMP_A REQUESTS_A DUMP_B REQUESTS_B PATTERN [ROWS]

The dumps are those scripts/secret-cost.sh and scripts/param-cost.sh leave with
SECRET_COST_DIR or PARAM_COST_DIR set (callgrind.out.PID.1 for the first series, .2 for the
second). PATTERN is a Python regular expression on the callee's name, for example
'^__rustc::__rust_alloc$|^__rustc::__rust_realloc$' for Rust's allocations, or a function's
name to see who calls it.
"""
import collections
import re
import sys


def load(path, requests, pattern):
    names = {}

    def name(text):
        # callgrind compresses names: "(id) name" the first time, "(id)" after.
        m = re.match(r"\((\d+)\)(?: (.*))?", text)
        if not m:
            return text
        if m.group(2):
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), m.group(1))

    calls = collections.Counter()
    caller = callee = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("fn="):
                caller = name(line[3:].strip())
            elif line.startswith("cfn="):
                callee = name(line[4:].strip())
            elif line.startswith("calls=") and callee and pattern.search(callee):
                calls[caller] += int(line[6:].split()[0])
    return {k: v / requests for k, v in calls.items()}


def main():
    pattern = re.compile(sys.argv[5])
    a = load(sys.argv[1], int(sys.argv[2]), pattern)
    b = load(sys.argv[3], int(sys.argv[4]), pattern)
    rows = int(sys.argv[6]) if len(sys.argv) > 6 else 40
    print(f"calls per request: {sum(a.values()):.1f} vs {sum(b.values()):.1f}")
    for k in sorted(set(a) | set(b), key=lambda k: -(b.get(k, 0) - a.get(k, 0)))[:rows]:
        x, y = a.get(k, 0), b.get(k, 0)
        print(f"{x:7.1f} {y:7.1f} {y - x:+7.1f}  {k[:130]}")


if __name__ == "__main__":
    main()
