#!/usr/bin/python3
"""Inclusive instructions per call of functions in a callgrind output file.

  callgrind_per_call.py FILE PATTERN...

For each PATTERN (a substring of a function's name), sums the calls to every function
whose name contains it and the instructions those calls cost (inclusive), and prints
"calls=N per_call=I" on one line, in the order given. The file must be written with
--compress-strings=no; --dump-instr=yes and --dump-line=no are read too (the cost
lines' position columns are counted from the file's "positions:" line).
"""
import collections
import sys


def main():
    path, patterns = sys.argv[1], sys.argv[2:]
    calls = collections.Counter()
    cost = collections.Counter()
    callee = None
    positions = 1  # "positions: line" unless the file says otherwise.
    with open(path, errors="replace") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("positions:"):
            positions = len(line.split()[1:])
        elif line.startswith("cfn="):
            callee = line[4:]
        elif line.startswith("calls=") and callee is not None:
            n = int(line.split("=", 1)[1].split()[0])
            fields = lines[i + 1].split()
            ir = int(fields[positions]) if len(fields) > positions else 0
            for p in patterns:
                if p in callee:
                    calls[p] += n
                    cost[p] += ir
    print(" ".join("%s calls=%d per_call=%.0f" % (p, calls[p], cost[p] / max(1, calls[p]))
                   for p in patterns))


if __name__ == "__main__":
    main()
