#!/usr/bin/python3
"""Runs tsw and its peers on the same requests, repeatedly and in alternating order, and
prints each peer ratio with its spread.

Used by bench/run_peers.sh (which builds the benchmark first); see bench/RESULTS.md.
Each benchmark of the binary is named BM_<Op>/<peer>/<workload>; every workload is run
once per round for every peer, the peers' order rotating from round to round, so a drift
of the machine's speed during the run hits every peer alike. A ratio is tsw's records/s
over the peer's within one round; the spread is over rounds.
"""
import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys


def list_benchmarks(binary, pattern):
    out = subprocess.run([binary, "--benchmark_list_tests=true"], check=True,
                         capture_output=True, text=True).stdout.split()
    rx = re.compile(pattern)
    # Only the peer comparisons (BM_WriteRecords/<peer>/<workload>), not the binary's
    # other benchmarks (BM_LogAppendTrimmed).
    return [name for name in out if name.startswith("BM_WriteRecords/") and rx.search(name)]


def run_one(binary, name, min_time):
    out = subprocess.run([binary, "--benchmark_filter=^%s$" % re.escape(name),
                          "--benchmark_min_time=%s" % min_time, "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    bench = json.loads(out)["benchmarks"][0]
    if bench.get("error_occurred"):
        sys.exit("%s failed: %s" % (name, bench.get("error_message")))
    per_cpu = bench["items_per_second"]
    # items_per_second is per second of (process) CPU time; the same items over real time:
    per_real = per_cpu * bench["cpu_time"] / bench["real_time"]
    return per_cpu, per_real


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def spread(values):
    return "%.1fx [%.1f-%.1f]" % (statistics.median(values), min(values), max(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--min-time", default="1")
    parser.add_argument("--filter", default=".", help="regex over benchmark names")
    parser.add_argument("--json", help="write every measurement to this file")
    args = parser.parse_args()

    workloads = collections.OrderedDict()
    for name in list_benchmarks(args.binary, args.filter):
        _, peer, workload = name.split("/", 2)
        workload = re.sub(r"/(process_time|real_time)$", "", workload)
        workloads.setdefault(workload, []).append((peer, name))
    if not workloads:
        sys.exit("no benchmark matches %r" % args.filter)
    print("cpu: %s, %d cores; load average at start: %s" %
          (cpu_model(), os.cpu_count(), " ".join("%.1f" % x for x in os.getloadavg())))
    print("rounds: %d, --benchmark_min_time=%s" % (args.rounds, args.min_time), flush=True)

    # results[workload][peer] = [(per_cpu, per_real), ...] one per round.
    results = collections.defaultdict(lambda: collections.defaultdict(list))
    for r in range(args.rounds):
        for workload, peers in workloads.items():
            order = peers[r % len(peers):] + peers[:r % len(peers)]
            for peer, name in order:
                results[workload][peer].append(run_one(args.binary, name, args.min_time))
                # Each run as it ends, so a run cut short still leaves its figures.
                print("round %d %s %s: %.0f records/s (CPU), %.0f (real)" %
                      ((r + 1, workload, peer) + results[workload][peer][-1]),
                      file=sys.stderr, flush=True)
        print("round %d of %d done (load %.1f)" % (r + 1, args.rounds, os.getloadavg()[0]),
              file=sys.stderr)

    print()
    print("| workload | peer | records/s (CPU) | tsw ratio by CPU time | tsw ratio by real time |")
    print("|---|---|---|---|---|")
    for workload, by_peer in results.items():
        tsw = by_peer.get("tsw")
        for peer, runs in by_peer.items():
            median_cpu = statistics.median(x[0] for x in runs)
            if peer == "tsw" or tsw is None:
                print("| %s | %s | %.0f | | |" % (workload, peer, median_cpu))
                continue
            by_cpu = [t[0] / p[0] for t, p in zip(tsw, runs)]
            by_real = [t[1] / p[1] for t, p in zip(tsw, runs)]
            print("| %s | %s | %.0f | %s | %s |" %
                  (workload, peer, median_cpu, spread(by_cpu), spread(by_real)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({w: dict(p) for w, p in results.items()}, f, indent=1)


if __name__ == "__main__":
    main()
