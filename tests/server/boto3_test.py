"""`tsw serve` driven by the real AWS SDK for Python (boto3 / botocore).

Run through Bazel (`bazel test //tests/server:boto3_test`) or by hand:
    /usr/bin/python3 tests/server/boto3_test.py --tsw bazel-bin/tools/tsw/tsw

Each test class starts its own `tsw serve` on a free loopback port (--listen 127.0.0.1:0;
the port is read from the "listening on" line) over a fresh data directory, and stops it
with SIGTERM, checking that it exits 0.
"""

import argparse
import ctypes
import datetime
import http.client
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

try:
    import boto3
    import botocore
    from botocore.config import Config
except ImportError:  # Fail loudly: a skipped endpoint suite would hide a broken server.
    sys.stderr.write(
        "boto3_test: boto3/botocore are not installed for /usr/bin/python3; run "
        "tools/bootstrap.sh (it installs Debian's python3-boto3)\n")
    sys.exit(1)

TSW = None  # Path of the tsw binary; set in main().
# How every ASan/LSan/UBSan report begins ("==1234==ERROR: AddressSanitizer: ...").
SANITIZER_REPORT = "Sanitizer"
REGION = "us-east-1"
KEY_ID, SECRET = "AKIDTSWTEST", "tsw/test+secret"

# botocore ships no paginators for timestream-write; this definition (the obvious one for
# NextToken/MaxResults) lets get_paginator drive the server's paging.
PAGINATORS = {
    "pagination": {
        "ListDatabases": {"input_token": "NextToken", "output_token": "NextToken",
                          "limit_key": "MaxResults", "result_key": "Databases"},
        "ListTables": {"input_token": "NextToken", "output_token": "NextToken",
                       "limit_key": "MaxResults", "result_key": "Tables"},
    }
}


def temp_root():
    return os.environ.get("TEST_TMPDIR") or tempfile.gettempdir()


def now_ms():
    return int(time.time() * 1000)


def die_with_parent():
    """In the child: SIGKILL it if this test process dies (a Bazel timeout, say)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


RUNNING = []  # Servers not yet stopped; killed at exit if a test failed midway.


def kill_leftover_servers():
    for server in list(RUNNING):
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


class Server:
    """One `tsw serve` process."""

    def __init__(self, data_dir, credentials_file=None, extra_flags=()):
        self.data_dir = data_dir
        args = [TSW, "serve", "--data", data_dir, "--listen", "127.0.0.1:0", *extra_flags]
        if credentials_file:
            args += ["--credentials", credentials_file]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     preexec_fn=die_with_parent)
        RUNNING.append(self)
        self.output = []
        line = self._read_line(deadline=time.time() + 60)
        marker = "listening on "
        if marker not in line or "://" not in line:
            self.proc.kill()
            raise AssertionError("tsw serve did not start: %r, stderr %r" %
                                 (line, self.proc.stderr.read().decode()))
        self.endpoint = line.split(marker, 1)[1].split()[0]  # http://HOST:PORT or https://
        self.scheme, self.address = self.endpoint.split("://", 1)
        self.port = int(self.address.rsplit(":", 1)[1])

    def _read_line(self, deadline):
        while time.time() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line = self.proc.stdout.readline().decode()
                self.output.append(line)
                return line
            if self.proc.poll() is not None:
                return ""
        return ""

    def client(self, key_id=KEY_ID, secret=SECRET, attempts=1, session=None, verify=None,
               **config):
        session = session or boto3.session.Session()
        return session.client(
            "timestream-write", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=key_id, aws_secret_access_key=secret, verify=verify,
            config=Config(retries={"total_max_attempts": attempts}, **config))

    def query_client(self, key_id=KEY_ID, secret=SECRET, attempts=1, **config):
        """A boto3 `timestream-query` client of this server."""
        return boto3.session.Session().client(
            "timestream-query", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=key_id, aws_secret_access_key=secret,
            config=Config(retries={"total_max_attempts": attempts}, **config))

    def stop(self, test=None):
        """SIGTERM, then expects a clean exit (code 0, engine closed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError("tsw serve did not stop within 60 s of SIGTERM")
        if self in RUNNING:
            RUNNING.remove(self)
        text = "".join(self.output) + out.decode()
        err = err.decode(errors="replace")
        # Every stop checks the exit, the class fixtures' (no `test`) too: under
        # `bazel test --config=asan` a sanitizer report (an error, UB or a leak found at exit)
        # is printed on stderr and makes the exit code non-zero.
        if self.proc.returncode != 0 or SANITIZER_REPORT in err:
            raise AssertionError("tsw serve exited with code %d; stdout %r stderr %r" %
                                 (self.proc.returncode, text, err))
        if test is not None:
            test.assertIn("SIGTERM received", text)
            test.assertIn("stopped; engine closed", text)
        return text


def raw_call(server, target, body, headers=None):
    """POSTs `body` (bytes or str) with X-Amz-Target `target`; returns (status, json)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    all_headers = {"Content-Type": "application/x-amz-json-1.0"}
    if target is not None:
        all_headers["X-Amz-Target"] = target
    all_headers.update(headers or {})
    conn.request("POST", "/", body=body, headers=all_headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, json.loads(payload) if payload else None


def scalar_record(host, t_ms, value, measure="cpu", version=None):
    record = {"Dimensions": [{"Name": "host", "Value": host}], "MeasureName": measure,
              "MeasureValue": str(value), "MeasureValueType": "DOUBLE", "Time": str(t_ms)}
    if version is not None:
        record["Version"] = version
    return record


class CatalogTest(unittest.TestCase):
    """Databases, tables, tags, pagination, DescribeEndpoints and the error classes."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="catalog-", dir=temp_root())
        cls.server = Server(cls.dir)
        cls.ts = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_describe_endpoints_returns_the_servers_own_address(self):
        response = self.ts.describe_endpoints()
        self.assertEqual(response["Endpoints"],
                         [{"Address": self.server.address, "CachePeriodInMinutes": 1440}])

    def test_database_lifecycle_returns_each_success_shape(self):
        created = self.ts.create_database(
            DatabaseName="life", Tags=[{"Key": "owner", "Value": "ops"}])["Database"]
        self.assertEqual(created["DatabaseName"], "life")
        self.assertEqual(created["Arn"], "arn:aws:timestream:us-east-1:000000000000:database/life")
        self.assertEqual(created["TableCount"], 0)
        self.assertTrue(created["KmsKeyId"].startswith("arn:aws:kms:us-east-1:000000000000:key/"))
        self.assertIsInstance(created["CreationTime"], datetime.datetime)
        age = datetime.datetime.now(datetime.timezone.utc) - created["CreationTime"]
        self.assertLess(abs(age.total_seconds()), 300)

        described = self.ts.describe_database(DatabaseName="life")["Database"]
        self.assertEqual(described["Arn"], created["Arn"])
        self.assertEqual(described["CreationTime"], created["CreationTime"])

        updated = self.ts.update_database(DatabaseName="life", KmsKeyId="alias/my-key")["Database"]
        self.assertEqual(updated["KmsKeyId"], "alias/my-key")
        self.assertEqual(updated["CreationTime"], created["CreationTime"])
        self.assertGreaterEqual(updated["LastUpdatedTime"], created["LastUpdatedTime"])

        response = self.ts.delete_database(DatabaseName="life")
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        with self.assertRaises(self.ts.exceptions.ResourceNotFoundException) as raised:
            self.ts.describe_database(DatabaseName="life")
        self.assertIn("life", raised.exception.response["Error"]["Message"])
        self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_each_error_kind_raises_its_exception_class(self):
        self.ts.create_database(DatabaseName="errs")
        with self.assertRaises(self.ts.exceptions.ConflictException):
            self.ts.create_database(DatabaseName="errs")
        with self.assertRaises(self.ts.exceptions.ValidationException) as raised:
            self.ts.create_database(DatabaseName="bad name!")
        self.assertEqual(raised.exception.response["Error"]["Code"], "ValidationException")
        with self.assertRaises(self.ts.exceptions.ResourceNotFoundException):
            self.ts.describe_table(DatabaseName="errs", TableName="missing")
        with self.assertRaises(self.ts.exceptions.ResourceNotFoundException):
            self.ts.create_table(DatabaseName="no-such-db", TableName="tbl")
        self.ts.create_table(DatabaseName="errs", TableName="tbl")
        with self.assertRaises(self.ts.exceptions.ValidationException):  # Tables remain.
            self.ts.delete_database(DatabaseName="errs")
        with self.assertRaises(self.ts.exceptions.ValidationException):
            self.ts.update_table(DatabaseName="errs", TableName="tbl", RetentionProperties={
                "MemoryStoreRetentionPeriodInHours": 9000, "MagneticStoreRetentionPeriodInDays": 1})
        with self.assertRaises(self.ts.exceptions.ValidationException) as raised:
            self.ts.write_records(DatabaseName="errs", TableName="tbl", Records=[{
                "MeasureName": "m", "MeasureValue": "1", "MeasureValueType": "FLOAT",
                "Time": str(now_ms())}])
        self.assertIn("FLOAT", raised.exception.response["Error"]["Message"])
        with self.assertRaises(self.ts.exceptions.ResourceNotFoundException):
            self.ts.write_records(DatabaseName="errs", TableName="nope",
                                  Records=[scalar_record("h", now_ms(), 1)])

    def test_table_lifecycle_returns_each_success_shape(self):
        self.ts.create_database(DatabaseName="tables")
        table = self.ts.create_table(
            DatabaseName="tables", TableName="metrics",
            RetentionProperties={"MemoryStoreRetentionPeriodInHours": 12,
                                 "MagneticStoreRetentionPeriodInDays": 30},
            MagneticStoreWriteProperties={"EnableMagneticStoreWrites": True},
            Tags=[{"Key": "tier", "Value": "gold"}])["Table"]
        self.assertEqual(table["Arn"], "arn:aws:timestream:us-east-1:000000000000:"
                                       "database/tables/table/metrics")
        self.assertEqual(table["TableStatus"], "ACTIVE")
        self.assertEqual(table["RetentionProperties"],
                         {"MemoryStoreRetentionPeriodInHours": 12,
                          "MagneticStoreRetentionPeriodInDays": 30})
        self.assertTrue(table["MagneticStoreWriteProperties"]["EnableMagneticStoreWrites"])
        self.assertEqual(self.ts.describe_database(DatabaseName="tables")["Database"]["TableCount"], 1)

        updated = self.ts.update_table(
            DatabaseName="tables", TableName="metrics",
            RetentionProperties={"MemoryStoreRetentionPeriodInHours": 24,
                                 "MagneticStoreRetentionPeriodInDays": 365})["Table"]
        self.assertEqual(updated["RetentionProperties"]["MemoryStoreRetentionPeriodInHours"], 24)
        self.assertEqual(updated["CreationTime"], table["CreationTime"])
        described = self.ts.describe_table(DatabaseName="tables", TableName="metrics")["Table"]
        self.assertEqual(described["RetentionProperties"]["MagneticStoreRetentionPeriodInDays"], 365)

        listed = self.ts.list_tables(DatabaseName="tables")["Tables"]
        self.assertEqual([t["TableName"] for t in listed], ["metrics"])
        self.ts.delete_table(DatabaseName="tables", TableName="metrics")
        self.assertEqual(self.ts.list_tables(DatabaseName="tables")["Tables"], [])
        self.ts.delete_database(DatabaseName="tables")

    def test_tags_are_added_listed_and_removed(self):
        db_arn = self.ts.create_database(DatabaseName="tagged")["Database"]["Arn"]
        table_arn = self.ts.create_table(DatabaseName="tagged", TableName="tbl")["Table"]["Arn"]
        for arn in (db_arn, table_arn):
            self.assertEqual(self.ts.list_tags_for_resource(ResourceARN=arn)["Tags"], [])
            self.ts.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "1"},
                                                         {"Key": "b", "Value": ""}])
            tags = self.ts.list_tags_for_resource(ResourceARN=arn)["Tags"]
            self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags), [("a", "1"), ("b", "")])
            self.ts.untag_resource(ResourceARN=arn, TagKeys=["a"])
            self.assertEqual(self.ts.list_tags_for_resource(ResourceARN=arn)["Tags"],
                             [{"Key": "b", "Value": ""}])
        with self.assertRaises(self.ts.exceptions.ResourceNotFoundException):
            self.ts.list_tags_for_resource(
                ResourceARN="arn:aws:timestream:us-east-1:000000000000:database/absent")

    def test_list_operations_page_with_next_token(self):
        names = ["page-%02d" % i for i in range(23)]
        for name in names:
            self.ts.create_database(DatabaseName=name)
        for i in range(9):
            self.ts.create_table(DatabaseName="page-00", TableName="tbl%d" % i)

        # By hand, as a boto3 user without a paginator would.
        seen, token, pages = [], None, 0
        while True:
            kwargs = {"MaxResults": 5}
            if token:
                kwargs["NextToken"] = token
            page = self.ts.list_databases(**kwargs)
            self.assertLessEqual(len(page["Databases"]), 5)
            seen += [d["DatabaseName"] for d in page["Databases"]]
            pages += 1
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue(set(names) <= set(seen))
        self.assertGreaterEqual(pages, 5)

        # Through botocore's paginator machinery.
        data_path = tempfile.mkdtemp(prefix="botocore-data-", dir=temp_root())
        model_dir = os.path.join(data_path, "timestream-write", "2018-11-01")
        os.makedirs(model_dir)
        with open(os.path.join(model_dir, "paginators-1.json"), "w") as f:
            json.dump(PAGINATORS, f)
        session = botocore.session.get_session()
        session.set_config_variable("data_path", data_path)
        client = self.server.client(session=boto3.session.Session(botocore_session=session))
        pages = list(client.get_paginator("list_databases").paginate(
            PaginationConfig={"PageSize": 4}))
        self.assertGreaterEqual(len(pages), 6)
        paged = [d["DatabaseName"] for p in pages for d in p["Databases"]]
        self.assertEqual(sorted(paged), sorted(seen))
        tables = [t["TableName"] for p in client.get_paginator("list_tables").paginate(
            DatabaseName="page-00", PaginationConfig={"PageSize": 2}) for t in p["Tables"]]
        self.assertEqual(sorted(tables), ["tbl%d" % i for i in range(9)])
        with self.assertRaises(self.ts.exceptions.ValidationException):
            self.ts.list_databases(MaxResults=21)


class WriteRecordsTest(unittest.TestCase):
    """WriteRecords through the SDK: scalar and MULTI records, versions, rejections."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="write-", dir=temp_root())
        cls.server = Server(cls.dir)
        cls.ts = cls.server.client()
        cls.ts.create_database(DatabaseName="iot")
        cls.ts.create_table(DatabaseName="iot", TableName="readings")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def write(self, records, **kwargs):
        return self.ts.write_records(DatabaseName="iot", TableName="readings",
                                     Records=records, **kwargs)

    def test_writes_scalar_and_multi_records_with_common_attributes(self):
        t = now_ms() - 60000
        response = self.write(
            CommonAttributes={"Dimensions": [{"Name": "site", "Value": "berlin"}],
                              "TimeUnit": "MILLISECONDS"},
            records=[
                {"Dimensions": [{"Name": "device", "Value": "d1"}], "MeasureName": "temp",
                 "MeasureValue": "21.5", "MeasureValueType": "DOUBLE", "Time": str(t)},
                {"Dimensions": [{"Name": "device", "Value": "d1"}], "MeasureName": "env",
                 "MeasureValueType": "MULTI", "Time": str(t),
                 "MeasureValues": [{"Name": "humidity", "Value": "40", "Type": "BIGINT"},
                                   {"Name": "ok", "Value": "true", "Type": "BOOLEAN"},
                                   {"Name": "note", "Value": "fine", "Type": "VARCHAR"}]},
            ])
        self.assertEqual(response["RecordsIngested"],
                         {"Total": 2, "MemoryStore": 2, "MagneticStore": 0})

    def test_versions_upsert_and_conflicts_are_rejected_with_the_existing_version(self):
        t = now_ms() - 30000
        self.assertEqual(self.write([scalar_record("v", t, 1.0)])["RecordsIngested"]["Total"], 1)
        # The same value again, same version: succeeds, changes nothing.
        self.write([scalar_record("v", t, 1.0)])
        # A different value at the same version is rejected, naming the stored version.
        with self.assertRaises(self.ts.exceptions.RejectedRecordsException) as raised:
            self.write([scalar_record("v", t, 2.0)])
        rejected = raised.exception.response["RejectedRecords"]
        self.assertEqual(len(rejected), 1)
        self.assertEqual(rejected[0]["RecordIndex"], 0)
        self.assertEqual(rejected[0]["ExistingVersion"], 1)
        self.assertTrue(rejected[0]["Reason"])
        # A higher version updates; then version 2 is what blocks.
        self.write([scalar_record("v", t, 2.0, version=2)])
        with self.assertRaises(self.ts.exceptions.RejectedRecordsException) as raised:
            self.write([scalar_record("v", t, 3.0, version=2)])
        self.assertEqual(raised.exception.response["RejectedRecords"][0]["ExistingVersion"], 2)

    def test_a_version_below_one_is_a_validation_exception_and_nothing_is_stored(self):
        t = now_ms() - 25000
        # The API reference: "Version must be 1 or greater, or you will receive a
        # ValidationException error".
        with self.assertRaises(self.ts.exceptions.ValidationException) as raised:
            self.write([scalar_record("zero", t, 1.0), scalar_record("zero", t - 1, 2.0, version=0)])
        self.assertTrue(raised.exception.response["Error"]["Message"].startswith(
            "Version must be 1 or greater"), raised.exception.response["Error"]["Message"])
        # Record 0 was not stored: another value at its Version 1 is accepted.
        self.assertEqual(self.write([scalar_record("zero", t, 3.0)])["RecordsIngested"]["Total"], 1)

    def test_rejected_records_list_each_bad_record_and_the_rest_are_ingested(self):
        t = now_ms() - 20000
        self.write([scalar_record("r", t, 5.0)])
        records = [
            scalar_record("r", t + 1, 1.0),                  # 0: fine
            scalar_record("r", t, 6.0),                      # 1: conflicts with version 1
            scalar_record("r", now_ms() - 48 * 3600 * 1000, 1.0),  # 2: outside retention
            scalar_record("r", t + 2, 2.0),                  # 3: fine
        ]
        with self.assertRaises(self.ts.exceptions.RejectedRecordsException) as raised:
            self.write(records)
        error = raised.exception.response
        self.assertEqual(error["Error"]["Code"], "RejectedRecordsException")
        rejected = {r["RecordIndex"]: r for r in error["RejectedRecords"]}
        self.assertEqual(sorted(rejected), [1, 2])
        self.assertEqual(rejected[1]["ExistingVersion"], 1)
        self.assertNotIn("ExistingVersion", rejected[2])
        self.assertTrue(rejected[2]["Reason"])
        # Records 0 and 3 were stored: rewriting them with another value now conflicts.
        with self.assertRaises(self.ts.exceptions.RejectedRecordsException) as raised:
            self.write([scalar_record("r", t + 1, 9.0), scalar_record("r", t + 2, 9.0)])
        self.assertEqual(sorted(r["RecordIndex"] for r in raised.exception.response["RejectedRecords"]),
                         [0, 1])


class WireProtocolTest(unittest.TestCase):
    """What the SDK never sends: malformed bodies, unknown operations, oversized bodies."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="wire-", dir=temp_root())
        cls.server = Server(cls.dir, extra_flags=["--max-body-bytes", "100000"])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_malformed_json_is_a_validation_error(self):
        status, body = raw_call(self.server, "Timestream_20181101.CreateDatabase", '{"DatabaseName": ')
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "ValidationException")
        self.assertIn("not valid JSON", body["message"])

    def test_wrong_member_types_and_missing_members_are_named(self):
        status, body = raw_call(self.server, "Timestream_20181101.CreateDatabase",
                                '{"DatabaseName": 5}')
        self.assertEqual((status, body["__type"]), (400, "ValidationException"))
        self.assertIn("DatabaseName must be a string", body["message"])
        status, body = raw_call(self.server, "Timestream_20181101.CreateTable",
                                '{"DatabaseName": "d"}')
        self.assertIn("missing required member TableName", body["message"])

    def test_unknown_operations_and_missing_targets_are_rejected(self):
        status, body = raw_call(self.server, "Timestream_20181101.DropEverything", "{}")
        self.assertEqual((status, body["__type"]), (400, "ValidationException"))
        self.assertIn("unknown operation", body["message"])
        status, body = raw_call(self.server, None, "{}")
        self.assertEqual(status, 400)
        self.assertIn("X-Amz-Target", body["message"])

    def test_an_oversized_body_gets_413_and_the_server_keeps_serving(self):
        status, body = raw_call(self.server, "Timestream_20181101.WriteRecords",
                                b" " * 100001 + b"{}")
        self.assertEqual(status, 413)
        self.assertIn("larger than 100000 bytes", body["message"])
        status, body = raw_call(self.server, "Timestream_20181101.ListDatabases", "{}")
        self.assertEqual(status, 200)
        self.assertEqual(body, {"Databases": []})


class QueryTest(unittest.TestCase):
    """The timestream-query client: write with timestream-write, read back with Query."""

    HOSTS = ["h%d" % i for i in range(5)]
    POINTS = 50  # Per host: 250 rows.

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="query-", dir=temp_root())
        cls.server = Server(cls.dir)
        cls.ts = cls.server.client()
        cls.q = cls.server.query_client()
        cls.ts.create_database(DatabaseName="iot")
        cls.ts.create_table(DatabaseName="iot", TableName="cpu")
        cls.start_ms = now_ms() - 3_600_000
        records = [scalar_record(host, cls.start_ms + i * 1000, i + 0.5)
                   for host in cls.HOSTS for i in range(cls.POINTS)]
        for begin in range(0, len(records), 100):
            cls.ts.write_records(DatabaseName="iot", TableName="cpu",
                                 Records=records[begin:begin + 100])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    ALL_ROWS = 'SELECT host, time, measure_value::double AS cpu FROM "iot"."cpu"'

    def test_query_answers_with_typed_columns_and_rows(self):
        response = self.q.query(
            QueryString=self.ALL_ROWS + " WHERE host = 'h1' AND measure_value::double < 3")
        self.assertEqual(response["ColumnInfo"], [
            {"Name": "host", "Type": {"ScalarType": "VARCHAR"}},
            {"Name": "time", "Type": {"ScalarType": "TIMESTAMP"}},
            {"Name": "cpu", "Type": {"ScalarType": "DOUBLE"}}])
        values = sorted((r["Data"][0]["ScalarValue"], float(r["Data"][2]["ScalarValue"]))
                        for r in response["Rows"])
        self.assertEqual(values, [("h1", 0.5), ("h1", 1.5), ("h1", 2.5)])
        timestamp = response["Rows"][0]["Data"][1]["ScalarValue"]
        self.assertRegex(timestamp, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}$")
        self.assertNotIn("NextToken", response)
        self.assertTrue(response["QueryId"].isalnum())
        self.assertEqual(response["QueryStatus"]["ProgressPercentage"], 100.0)

    def test_a_null_comes_back_as_null_value(self):
        self.ts.create_table(DatabaseName="iot", TableName="mixed")
        t = str(now_ms() - 1000)
        self.ts.write_records(DatabaseName="iot", TableName="mixed", Records=[
            {"Dimensions": [{"Name": "host", "Value": "h1"}], "MeasureName": "state",
             "MeasureValue": "ok", "MeasureValueType": "VARCHAR", "Time": t},
            scalar_record("h1", int(t), 2.5)])
        response = self.q.query(QueryString='SELECT measure_name, measure_value::double AS v '
                                             'FROM "iot"."mixed" ORDER BY measure_name')
        self.assertEqual([r["Data"] for r in response["Rows"]], [
            [{"ScalarValue": "cpu"}, {"ScalarValue": "2.5"}],
            [{"ScalarValue": "state"}, {"NullValue": True}]])

    def test_the_paginator_walks_every_row_exactly_once(self):
        pages = list(self.q.get_paginator("query").paginate(
            QueryString=self.ALL_ROWS, PaginationConfig={"PageSize": 7}))
        rows = [tuple(d["ScalarValue"] for d in r["Data"]) for p in pages for r in p["Rows"]]
        self.assertEqual(len(rows), len(self.HOSTS) * self.POINTS)
        self.assertEqual(len(set(rows)), len(rows), "a row came twice")
        self.assertEqual(len(pages), -(-len(rows) // 7))
        self.assertTrue(all(len(p["Rows"]) <= 7 for p in pages))
        self.assertEqual(len({p["QueryId"] for p in pages}), 1)
        whole = self.q.query(QueryString=self.ALL_ROWS)  # One page: under 1 MB.
        self.assertNotIn("NextToken", whole)
        self.assertEqual(sorted(rows),
                         sorted(tuple(d["ScalarValue"] for d in r["Data"]) for r in whole["Rows"]))
        # build_full_result merges the pages as an SDK user would.
        merged = self.q.get_paginator("query").paginate(
            QueryString=self.ALL_ROWS, PaginationConfig={"PageSize": 100}).build_full_result()
        self.assertEqual(len(merged["Rows"]), len(rows))

    def test_rows_written_while_paging_do_not_change_the_answer(self):
        self.ts.create_table(DatabaseName="iot", TableName="moving")
        sql = 'SELECT host, time FROM "iot"."moving"'
        before = [scalar_record("h%d" % (i % 3), self.start_ms + i * 1000, i) for i in range(90)]
        self.ts.write_records(DatabaseName="iot", TableName="moving", Records=before)
        first = self.q.query(QueryString=sql, MaxRows=40)
        self.assertEqual(len(first["Rows"]), 40)
        during = [scalar_record("h9", self.start_ms + i * 1000, i) for i in range(60)]
        self.ts.write_records(DatabaseName="iot", TableName="moving", Records=during)
        seen, token = len(first["Rows"]), first["NextToken"]
        while token:
            page = self.q.query(QueryString=sql, NextToken=token, MaxRows=40)
            self.assertEqual(page["QueryId"], first["QueryId"])
            self.assertNotIn("h9", [r["Data"][0]["ScalarValue"] for r in page["Rows"]])
            seen += len(page["Rows"])
            token = page.get("NextToken")
        self.assertEqual(seen, 90)
        self.assertEqual(len(self.q.query(QueryString=sql)["Rows"]), 150)

    def test_a_token_for_another_query_string_is_refused(self):
        first = self.q.query(QueryString=self.ALL_ROWS, MaxRows=10)
        with self.assertRaises(self.q.exceptions.ValidationException) as raised:
            self.q.query(QueryString=self.ALL_ROWS + " WHERE host = 'h1'",
                         NextToken=first["NextToken"])
        self.assertIn("Invalid pagination token", raised.exception.response["Error"]["Message"])
        with self.assertRaises(self.q.exceptions.ValidationException):
            self.q.query(QueryString=self.ALL_ROWS, NextToken=first["NextToken"][:-4] + "AAAA")

    def test_a_client_token_makes_a_repeated_query_idempotent(self):
        token = "tsw-boto3-client-token-0123456789abcdef"
        a = self.q.query(QueryString=self.ALL_ROWS, ClientToken=token, MaxRows=5)
        b = self.q.query(QueryString=self.ALL_ROWS, ClientToken=token, MaxRows=5)
        self.assertEqual(a["QueryId"], b["QueryId"])
        self.assertEqual(a["Rows"], b["Rows"])

    def test_max_rows_over_a_thousand_is_a_validation_exception(self):
        with self.assertRaises(self.q.exceptions.ValidationException) as raised:
            self.q.query(QueryString=self.ALL_ROWS, MaxRows=1001)
        self.assertIn("MaxRows", raised.exception.response["Error"]["Message"])

    def test_bad_sql_raises_validation_exception(self):
        with self.assertRaises(self.q.exceptions.ValidationException) as raised:
            self.q.query(QueryString="SELEC host FROM \"iot\".\"cpu\"")
        self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        with self.assertRaises(botocore.exceptions.ClientError):
            self.q.query(QueryString='SELECT * FROM "iot"."no_such_table"')

    def test_prepare_query_returns_the_columns(self):
        response = self.q.prepare_query(
            QueryString="SELECT host AS h, measure_value::double FROM \"iot\".\"cpu\"",
            ValidateOnly=True)
        self.assertEqual([c["Name"] for c in response["Columns"]][0], "h")
        self.assertEqual(response["Columns"][0]["Type"], {"ScalarType": "VARCHAR"})
        self.assertTrue(response["Columns"][0]["Aliased"])
        self.assertEqual(response["Parameters"], [])
        with self.assertRaises(self.q.exceptions.ValidationException):
            self.q.prepare_query(QueryString="SELECT @p FROM \"iot\".\"cpu\"",
                                 ValidateOnly=True)

    def test_cancel_query_drops_the_answer_and_a_second_cancel_says_so(self):
        first = self.q.query(QueryString=self.ALL_ROWS, MaxRows=5)
        cancelled = self.q.cancel_query(QueryId=first["QueryId"])
        self.assertNotIn("CancellationMessage", cancelled)
        with self.assertRaises(self.q.exceptions.ConflictException):
            self.q.query(QueryString=self.ALL_ROWS, NextToken=first["NextToken"])
        again = self.q.cancel_query(QueryId=first["QueryId"])
        self.assertIn("already been cancelled", again["CancellationMessage"])
        with self.assertRaises(self.q.exceptions.ValidationException):
            self.q.cancel_query(QueryId="NoSuchQuery1")

    def test_scheduled_query_operations_raise_validation_exception(self):
        arn = "arn:aws:timestream:us-east-1:000000000000:scheduled-query/nightly"
        calls = [lambda: self.q.list_scheduled_queries(),
                 lambda: self.q.describe_scheduled_query(ScheduledQueryArn=arn),
                 lambda: self.q.delete_scheduled_query(ScheduledQueryArn=arn),
                 lambda: self.q.update_scheduled_query(ScheduledQueryArn=arn, State="DISABLED")]
        for call in calls:
            with self.assertRaises(self.q.exceptions.ValidationException) as raised:
                call()
            self.assertIn("tsw does not run scheduled queries",
                          raised.exception.response["Error"]["Message"])

    def test_describe_endpoints_and_tags_work_through_the_query_client(self):
        endpoints = self.q.describe_endpoints()["Endpoints"]
        self.assertEqual(endpoints[0]["Address"], self.server.address)
        arn = self.ts.describe_table(DatabaseName="iot", TableName="cpu")["Table"]["Arn"]
        self.q.tag_resource(ResourceARN=arn, Tags=[{"Key": "from", "Value": "query"}])
        self.assertIn({"Key": "from", "Value": "query"},
                      self.q.list_tags_for_resource(ResourceARN=arn)["Tags"])


class RestartTest(unittest.TestCase):
    """Data written through the endpoint is there after a SIGTERM and a restart."""

    def test_restart_on_the_same_directory_keeps_catalog_and_records(self):
        data = tempfile.mkdtemp(prefix="restart-", dir=temp_root())
        server = Server(data)
        ts = server.client()
        ts.create_database(DatabaseName="keep", Tags=[{"Key": "k", "Value": "v"}])
        ts.create_table(DatabaseName="keep", TableName="tbl")
        t = now_ms() - 10000
        ts.write_records(DatabaseName="keep", TableName="tbl",
                         Records=[scalar_record("h%d" % i, t, i) for i in range(50)])
        server.stop(self)

        server = Server(data)
        ts = server.client()
        db = ts.describe_database(DatabaseName="keep")["Database"]
        self.assertEqual(db["TableCount"], 1)
        self.assertEqual(ts.list_tags_for_resource(ResourceARN=db["Arn"])["Tags"],
                         [{"Key": "k", "Value": "v"}])
        # Every record is still stored: a different value at the same version conflicts.
        with self.assertRaises(ts.exceptions.RejectedRecordsException) as raised:
            ts.write_records(DatabaseName="keep", TableName="tbl",
                             Records=[scalar_record("h%d" % i, t, i + 0.5) for i in range(50)])
        rejected = raised.exception.response["RejectedRecords"]
        self.assertEqual(len(rejected), 50)
        self.assertTrue(all(r.get("ExistingVersion") == 1 for r in rejected))
        server.stop(self)
        shutil.rmtree(data, ignore_errors=True)

    def test_file_access_read_maps_no_data_file_and_keeps_every_record(self):
        """`--file-access read` (pread/pwrite, for devices whose read errors must not be a
        SIGBUS) serves the same data as the default mapped access, both ways round."""
        data = os.path.realpath(tempfile.mkdtemp(prefix="file-access-", dir=temp_root()))

        def mapped_data_files(server):
            with open("/proc/%d/maps" % server.proc.pid) as maps:
                return [line for line in maps if data in line]

        def count(server):
            rows = server.query_client().query(
                QueryString='SELECT count(*) FROM "keep"."tbl"')["Rows"]
            return int(rows[0]["Data"][0]["ScalarValue"])

        # A log synced now and then is the one tsw maps (given Linux 5.14's
        # MADV_POPULATE_WRITE); the default access shows the check can see a mapping.
        periodic = ("--durability", "periodic")
        kernel = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
        t = now_ms() - 10000
        server = Server(data, extra_flags=periodic)
        ts = server.client()
        ts.create_database(DatabaseName="keep")
        ts.create_table(DatabaseName="keep", TableName="tbl")
        ts.write_records(DatabaseName="keep", TableName="tbl",
                         Records=[scalar_record("h%d" % i, t, i) for i in range(50)])
        if kernel >= (5, 14):
            self.assertTrue(mapped_data_files(server), "the default access maps the log")
        server.stop(self)

        server = Server(data, extra_flags=periodic + ("--file-access", "read"))
        self.assertEqual(count(server), 50)
        server.client().write_records(
            DatabaseName="keep", TableName="tbl",
            Records=[scalar_record("h%d" % i, t + 1, i) for i in range(50)])
        self.assertEqual(count(server), 100)
        self.assertEqual(mapped_data_files(server), [])
        server.stop(self)

        server = Server(data)
        self.assertEqual(count(server), 100)
        server.stop(self)
        shutil.rmtree(data, ignore_errors=True)

    def test_sigterm_during_writes_loses_no_acknowledged_record(self):
        data = tempfile.mkdtemp(prefix="sigterm-", dir=temp_root())
        server = Server(data)
        setup = server.client()
        setup.create_database(DatabaseName="busy")
        setup.create_table(DatabaseName="busy", TableName="tbl")
        base = now_ms() - 3600 * 1000
        acknowledged = []  # (writer, batch) pairs the server answered 200 to.
        lock = threading.Lock()
        enough = threading.Event()

        def batch_records(writer, batch):
            return [scalar_record("w%d" % writer, base + batch * 100 + i, batch)
                    for i in range(100)]

        def writer(w):
            client = server.client(attempts=1)
            for batch in range(10000):
                try:
                    client.write_records(DatabaseName="busy", TableName="tbl",
                                         Records=batch_records(w, batch))
                except Exception:  # The server went away: stop writing.
                    return
                with lock:
                    acknowledged.append((w, batch))
                    if len(acknowledged) >= 40:
                        enough.set()

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        self.assertTrue(enough.wait(timeout=120), "writers made no progress")
        server.stop(self)  # SIGTERM while the writers are still sending.
        for thread in threads:
            thread.join(timeout=120)
        self.assertGreaterEqual(len(acknowledged), 40)

        server = Server(data)
        ts = server.client()
        for w, batch in acknowledged:
            with self.assertRaises(ts.exceptions.RejectedRecordsException) as raised:
                ts.write_records(DatabaseName="busy", TableName="tbl",
                                 Records=[dict(r, MeasureValue="-1")
                                          for r in batch_records(w, batch)])
            self.assertEqual(len(raised.exception.response["RejectedRecords"]), 100,
                             "acknowledged batch %d of writer %d was lost" % (batch, w))
        server.stop(self)
        shutil.rmtree(data, ignore_errors=True)


class SignatureTest(unittest.TestCase):
    """--credentials: SigV4 signatures are verified; refused requests touch nothing."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="auth-", dir=temp_root())
        cls.credentials = os.path.join(cls.dir, "credentials")
        with open(cls.credentials, "w") as f:
            f.write("# tsw serve credentials\n%s %s\nAKIDSECOND other-secret\n" % (KEY_ID, SECRET))
        cls.server = Server(os.path.join(cls.dir, "data"), credentials_file=cls.credentials)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_a_known_key_with_its_secret_is_served(self):
        for key, secret in ((KEY_ID, SECRET), ("AKIDSECOND", "other-secret")):
            ts = self.server.client(key_id=key, secret=secret)
            self.assertIn("Databases", ts.list_databases())

    def assert_refused(self, client, name):
        with self.assertRaises(client.exceptions.AccessDeniedException) as raised:
            client.create_database(DatabaseName=name)
        self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        good = self.server.client()
        names = [d["DatabaseName"] for d in good.list_databases()["Databases"]]
        self.assertNotIn(name, names)
        return raised.exception.response["Error"]["Message"]

    def test_a_wrong_secret_is_refused_without_touching_data(self):
        message = self.assert_refused(self.server.client(secret="not-the-secret"), "wrongsecret")
        self.assertIn("signature", message)

    def test_an_unknown_key_is_refused(self):
        message = self.assert_refused(self.server.client(key_id="AKIDUNKNOWN"), "unknownkey")
        self.assertIn("AKIDUNKNOWN", message)

    def test_an_unsigned_request_is_refused(self):
        client = self.server.client(signature_version=botocore.UNSIGNED)
        message = self.assert_refused(client, "unsigned")
        self.assertIn("not signed", message)

    def test_a_forged_body_is_refused(self):
        # A request signed for one body, sent with another.
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        signed_body = json.dumps({"DatabaseName": "harmless"})
        request = AWSRequest(method="POST", url=self.server.endpoint + "/", data=signed_body,
                             headers={"X-Amz-Target": "Timestream_20181101.CreateDatabase",
                                      "Content-Type": "application/x-amz-json-1.0"})
        SigV4Auth(Credentials(KEY_ID, SECRET), "timestream", REGION).add_auth(request)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-type"}
        status, body = raw_call(self.server, "Timestream_20181101.CreateDatabase",
                                json.dumps({"DatabaseName": "forged"}), headers)
        self.assertEqual((status, body["__type"]), (403, "AccessDeniedException"))
        names = [d["DatabaseName"] for d in self.server.client().list_databases()["Databases"]]
        self.assertNotIn("forged", names)
        self.assertNotIn("harmless", names)


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make_test_pki(directory):
    """A CA and a server certificate it signed for 127.0.0.1 and localhost, made now with
    the openssl command (so nothing expires in the repository and no key is committed).
    Returns the paths {"ca", "cert", "key", "other_key"}."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=tsw test CA", cwd=directory)
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost",
            cwd=directory)
    with open(os.path.join(directory, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "basicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.pem",
            cwd=directory)
    openssl("genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-out", "other.key", cwd=directory)
    return {name: os.path.join(directory, file) for name, file in
            (("ca", "ca.pem"), ("cert", "server.pem"), ("key", "server.key"),
             ("other_key", "other.key"))}


class TlsTest(unittest.TestCase):
    """`tsw serve --tls-cert/--tls-key`: the SDK over HTTPS with a test CA, a plain-HTTP
    client on the TLS port, and unusable certificate or key files."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="tls-", dir=temp_root())
        cls.pki = make_test_pki(cls.dir)
        cls.data = os.path.join(cls.dir, "data")
        cls.server = Server(cls.data, extra_flags=["--tls-cert", cls.pki["cert"],
                                                   "--tls-key", cls.pki["key"]])
        cls.ts = cls.server.client(verify=cls.pki["ca"])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_the_sdk_creates_describes_and_writes_over_https(self):
        self.assertEqual(self.server.scheme, "https")
        self.ts.create_database(DatabaseName="secure")
        self.assertEqual(self.ts.describe_database(DatabaseName="secure")["Database"]["DatabaseName"],
                         "secure")
        self.ts.create_table(DatabaseName="secure", TableName="tbl")
        table = self.ts.describe_table(DatabaseName="secure", TableName="tbl")["Table"]
        self.assertEqual(table["TableStatus"], "ACTIVE")
        t = now_ms() - 1000
        response = self.ts.write_records(
            DatabaseName="secure", TableName="tbl",
            Records=[scalar_record("h", t, 0.30000000000000004), scalar_record("h", t - 1, 2.5)])
        self.assertEqual(response["RecordsIngested"]["Total"], 2)
        with self.assertRaises(self.ts.exceptions.ResourceNotFoundException) as raised:
            self.ts.describe_table(DatabaseName="secure", TableName="absent")
        self.assertTrue(raised.exception.response["Error"]["Message"].startswith(
            "The table absent does not exist."))

    def test_a_client_that_does_not_trust_the_ca_is_refused(self):
        untrusting = self.server.client()  # The system's CAs only.
        with self.assertRaises(botocore.exceptions.SSLError):
            untrusting.list_databases()

    def test_plain_http_on_the_tls_port_fails_cleanly_and_the_server_goes_on(self):
        for _ in range(3):
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
            with self.assertRaises((http.client.HTTPException, ConnectionError)):
                conn.request("POST", "/", body="{}", headers={
                    "X-Amz-Target": "Timestream_20181101.ListDatabases"})
                conn.getresponse().read()
            conn.close()
        self.assertIsNone(self.server.proc.poll(), "the server exited")
        self.assertIn("Databases", self.ts.list_databases())

    def serve_fails(self, *tls_flags):
        """Runs tsw serve with `tls_flags`; returns (exit code, stderr) after checking that
        it exited on its own (no signal) and left the data directory uncreated."""
        data = os.path.join(self.dir, "never-created")
        result = subprocess.run([TSW, "serve", "--data", data, "--listen", "127.0.0.1:0",
                                 *tls_flags], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                timeout=60, preexec_fn=die_with_parent)
        self.assertGreater(result.returncode, 0, "killed by a signal, or exit 0")
        self.assertNotIn("listening on", result.stdout.decode())
        self.assertFalse(os.path.exists(data), "a failed start created the data directory")
        return result.returncode, result.stderr.decode()

    def test_unusable_certificate_or_key_files_are_named_and_exit_non_zero(self):
        garbage = os.path.join(self.dir, "garbage.pem")
        with open(garbage, "w") as f:
            f.write("not a certificate\n")
        missing = os.path.join(self.dir, "missing.pem")
        cert, key = self.pki["cert"], self.pki["key"]
        cases = [
            (("--tls-cert", missing, "--tls-key", key),
             "cannot read the TLS certificate file %s: No such file" % missing),
            (("--tls-cert", cert, "--tls-key", missing),
             "cannot read the TLS key file %s: No such file" % missing),
            (("--tls-cert", self.dir, "--tls-key", key),
             "cannot read the TLS certificate file %s: Is a directory" % self.dir),
            (("--tls-cert", garbage, "--tls-key", key),
             "the TLS certificate file %s holds no PEM certificate" % garbage),
            (("--tls-cert", cert, "--tls-key", garbage),
             "the TLS key file %s holds no unencrypted PEM private key" % garbage),
            (("--tls-cert", cert, "--tls-key", self.pki["other_key"]),
             "the TLS key in %s does not match the certificate in %s" %
             (self.pki["other_key"], cert)),
        ]
        for flags, message in cases:
            code, stderr = self.serve_fails(*flags)
            self.assertEqual(code, 1, stderr)
            self.assertIn('"__type":"ValidationException"', stderr)
            self.assertIn(message, stderr)
        code, stderr = self.serve_fails("--tls-cert", cert)
        self.assertEqual(code, 2, stderr)
        self.assertIn("--tls-cert and --tls-key go together", stderr)


def main():
    global TSW
    parser = argparse.ArgumentParser()
    parser.add_argument("--tsw", required=True, help="path of the tsw binary")
    args, rest = parser.parse_known_args()
    TSW = os.path.abspath(args.tsw)
    if not os.access(TSW, os.X_OK):
        sys.stderr.write("boto3_test: %s is not an executable tsw binary\n" % TSW)
        sys.exit(1)
    try:
        unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
    finally:
        kill_leftover_servers()


if __name__ == "__main__":
    main()
