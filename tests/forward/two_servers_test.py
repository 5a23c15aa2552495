"""Forwarding end to end (issue 15): two `tsw serve` processes on loopback.

The local server forwards every table to the remote one (--forward-to, signed with
--forward-credentials; the remote checks signatures with --credentials). Writers load the
local server through boto3 with scalar, MULTI and upsert (Version) traffic while the
remote is stopped and restarted and the local one is killed with SIGKILL at random moments
and restarted. At the end `tsw forward` (the same cursor, run on the stopped local
directory) waits until the local stats say nothing is pending, and the remote's rows must
equal the local table's rows exactly (`tsw scan` of both directories).

Usage: two_servers_test.py --tsw PATH. Bounded: about 10 s of chaos by default;
TSW_FORWARD_SOAK_SECONDS=N runs N seconds instead. TSW_FORWARD_SEED fixes the random
moments (the seed is printed either way).
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

import boto3
from botocore.config import Config

TSW = None
KEY_ID, SECRET, REGION = "AKIDFORWARDTEST", "forward-test-secret", "us-east-1"
DATABASE, TABLE = "fleet", "sensors"


def die_with_parent():
    # The servers must not outlive the test if it is killed.
    import ctypes
    ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Server:
    """One `tsw serve` process on a fixed loopback port (so a restart keeps its URL)."""

    def __init__(self, name, data_dir, port, flags):
        self.name, self.data_dir, self.port, self.flags = name, data_dir, port, flags
        self.log_path = data_dir + ".log"
        self.proc = None
        self.starts = 0

    def start(self):
        listen = "127.0.0.1:%d" % self.port
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [TSW, "serve", "--data", self.data_dir, "--listen", listen, *self.flags],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        log.close()
        self.starts += 1
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(self.log_path) as f:
                text = f.read()
            if text.count("listening on ") >= self.starts:
                if self.port == 0:
                    last = text.rsplit("listening on http://", 1)[1].split()[0]
                    self.port = int(last.rsplit(":", 1)[1])
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError("%s did not start: %s" % (self.name, open(self.log_path).read()))

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("%s did not stop within 60 s of SIGTERM" % self.name)
            if code != 0:
                raise AssertionError("%s exited %d: %s" % (self.name, code,
                                                            open(self.log_path).read()))

    def client(self):
        return boto3.session.Session().client(
            "timestream-write", endpoint_url=self.url, region_name=REGION,
            aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
            config=Config(retries={"total_max_attempts": 1}, connect_timeout=2,
                          read_timeout=10))


class Writer(threading.Thread):
    """Writes batches to the local server until told to stop, each batch retried until
    the server acknowledges it (the server may be down or restarting)."""

    def __init__(self, local, kind, seed):
        super().__init__(daemon=True)
        self.local, self.kind = local, kind
        self.rng = random.Random(seed)
        self.stop_flag = threading.Event()
        self.acknowledged = 0
        self.failures = 0
        self.error = None
        self.base_ms = int(time.time() * 1000) - 60_000
        self.counter = 0
        self.version = 0
        self.client = None

    def batch(self):
        records = []
        if self.kind == "scalar":
            for _ in range(100):
                self.counter += 1
                records.append({
                    "Dimensions": [{"Name": "device", "Value": "d%d" % (self.counter % 7)}],
                    "MeasureName": "temperature", "MeasureValueType": "DOUBLE",
                    "MeasureValue": "%.3f" % self.rng.uniform(-20, 40),
                    "Time": str(self.base_ms - self.counter)})
        elif self.kind == "multi":
            for _ in range(50):
                self.counter += 1
                records.append({
                    "Dimensions": [{"Name": "device", "Value": "m%d" % (self.counter % 5)},
                                   {"Name": "site", "Value": "s%d" % (self.counter % 2)}],
                    "MeasureName": "metrics", "MeasureValueType": "MULTI",
                    "MeasureValues": [
                        {"Name": "cpu", "Value": str(self.rng.randint(0, 100)),
                         "Type": "BIGINT"},
                        {"Name": "load", "Value": "%.2f" % self.rng.random(), "Type": "DOUBLE"},
                        {"Name": "state", "Value": self.rng.choice(["ok", "warn"]),
                         "Type": "VARCHAR"}],
                    "Time": str(self.base_ms - self.counter)})
        else:  # upsert: the same 40 keys again and again, each time at a higher Version.
            self.version += 1
            for key in self.rng.sample(range(40), 20):
                records.append({
                    "Dimensions": [{"Name": "device", "Value": "u%d" % (key % 4)}],
                    "MeasureName": "setpoint", "MeasureValueType": "BIGINT",
                    "MeasureValue": str(self.version * 1000 + key),
                    "Time": str(self.base_ms - key), "Version": self.version})
        return records

    def run(self):
        try:
            while not self.stop_flag.is_set():
                records = self.batch()
                deadline = time.time() + 60
                while True:
                    try:
                        self.client = self.client or self.local.client()
                        self.client.write_records(
                            DatabaseName=DATABASE, TableName=TABLE, Records=records)
                        self.acknowledged += len(records)
                        break
                    except Exception as e:  # Down, restarting, throttled: try again.
                        self.failures += 1
                        self.client = None  # A fresh connection once the server is back.
                        if time.time() > deadline:
                            raise AssertionError("%s writer: no write for 60 s: %r" %
                                                 (self.kind, e))
                        time.sleep(0.05)
        except BaseException as e:  # Reported by the main thread.
            self.error = e


def tsw(*args, check=True):
    result = subprocess.run([TSW, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=180)
    if check and result.returncode != 0:
        raise AssertionError("tsw %s exited %d: %s" % (" ".join(args), result.returncode,
                                                       result.stderr.decode()))
    return result


def scan(data_dir):
    out = tsw("scan", "--data", data_dir, "--database", DATABASE, "--table", TABLE,
              "--format", "jsonl").stdout.decode()
    return sorted(line for line in out.splitlines() if line)


def main():
    global TSW
    parser = argparse.ArgumentParser()
    parser.add_argument("--tsw", required=True)
    args = parser.parse_args()
    TSW = os.path.abspath(args.tsw)
    soak = float(os.environ.get("TSW_FORWARD_SOAK_SECONDS", "10"))
    seed = int(os.environ.get("TSW_FORWARD_SEED", str(int(time.time()))))
    print("two_servers_test: seed %d, %.0f s of chaos" % (seed, soak), flush=True)
    rng = random.Random(seed)

    root = tempfile.mkdtemp(prefix="forward-", dir=os.environ.get("TEST_TMPDIR"))
    creds = os.path.join(root, "credentials")
    with open(creds, "w") as f:
        f.write("# the remote's only key, which the forwarder signs with\n%s %s\n" %
                (KEY_ID, SECRET))
    remote = Server("remote", os.path.join(root, "remote"), 0, ["--credentials", creds])
    remote.start()
    remote.client().create_database(DatabaseName=DATABASE)
    remote.client().create_table(DatabaseName=DATABASE, TableName=TABLE)
    forward_flags = ["--forward-to", remote.url, "--forward-credentials", creds]
    local = Server("local", os.path.join(root, "local"), 0, forward_flags)
    local.start()
    local.client().create_database(DatabaseName=DATABASE)
    local.client().create_table(DatabaseName=DATABASE, TableName=TABLE)

    writers = [Writer(local, kind, seed + i) for i, kind in
               enumerate(("scalar", "multi", "upsert"))]
    for w in writers:
        w.start()
    kills = remote_restarts = 0
    try:
        end = time.time() + soak
        while time.time() < end:
            time.sleep(rng.uniform(0.3, 1.5))
            if rng.random() < 0.65:
                local.kill()  # At a random moment: mid-write, mid-forward, mid-sync.
                kills += 1
                time.sleep(rng.uniform(0, 0.3))
                local.start()
            else:
                remote.stop()
                remote_restarts += 1
                time.sleep(rng.uniform(0.2, 1.0))  # Forwarding retries meanwhile.
                remote.start()
        # At least one of each, whatever the dice said.
        if kills == 0:
            local.kill()
            kills += 1
            local.start()
        if remote_restarts == 0:
            remote.stop()
            remote_restarts += 1
            remote.start()
    finally:
        for w in writers:
            w.stop_flag.set()
        for w in writers:
            w.join(timeout=90)
    for w in writers:
        if w.error is not None:
            raise AssertionError("writer %s failed: %r" % (w.kind, w.error))
    local.kill()  # The last one, after the last acknowledged write.
    kills += 1

    # The local directory's backlog, forwarded until its stats say nothing is pending.
    drained = tsw("forward", "--data", local.data_dir, "--to", remote.url, "--credentials",
                  creds, "--timeout-seconds", "120")
    print(drained.stdout.decode().strip().splitlines()[-1], flush=True)
    # `tsw stats` with the same rule shows the table's forwarding state: nothing pending.
    stats = tsw("stats", "--data", local.data_dir, *forward_flags).stdout.decode()
    forwarding = json.loads(stats.splitlines()[0]).get("Forwarding")
    if not forwarding or forwarding[0]["PendingRecords"] != 0 or \
            forwarding[0]["Destination"].split("/")[2] != remote.url.split("/")[2]:
        raise AssertionError("tsw stats shows no drained forwarding: %s" % stats)
    remote.stop()

    local_rows, remote_rows = scan(local.data_dir), scan(remote.data_dir)
    acknowledged = sum(w.acknowledged for w in writers)
    print("two_servers_test: %d records acknowledged, %d local kills, %d remote restarts, "
          "%d rows local, %d remote" % (acknowledged, kills, remote_restarts,
                                        len(local_rows), len(remote_rows)), flush=True)
    if acknowledged == 0 or not local_rows:
        raise AssertionError("nothing was written; the test proved nothing")
    if local_rows != remote_rows:
        missing = sorted(set(local_rows) - set(remote_rows))
        extra = sorted(set(remote_rows) - set(local_rows))
        raise AssertionError(
            "the remote's rows differ from the local table's: %d missing, %d extra;\n"
            "first missing: %s\nfirst extra: %s\nlocal stats: %s" %
            (len(missing), len(extra), missing[:3], extra[:3], stats))
    print("two_servers_test: PASS, the remote equals the local table (seed %d)" % seed)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("two_servers_test: FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
