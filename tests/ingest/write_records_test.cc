// WriteRecords through TableStore: request-level validation, CommonAttributes, defaults,
// times, value types, quotas, naming rules, the learned schema and the time window.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/table/table_test_util.h"

namespace tsw::testing {
namespace {

class WriteRecordsTest : public TableFixture {};

const std::vector<Dimension> kHost = {Dim("host", "a")};

// The value stored for (host=a, measure, kNowMillis).
std::string StoredValue(const Contents& c, const std::string& measure = "m",
                        int64_t nanos = kNowNanos, const std::string& series = "host=a") {
  auto it = c.find(RowKey(series, measure, nanos));
  return it == c.end() ? "<absent>" : it->second.value;
}

// ---------------------------------------------------------------- request level

TEST_F(WriteRecordsTest, RejectsARequestWithoutRecordsAsValidationException) {
  absl::Status s = Write(std::vector<Record>{}).status();
  EXPECT_EQ(KindOf(s), ErrorKind::kValidation) << s;
}

TEST_F(WriteRecordsTest, RejectsMoreRecordsThanTheQuotaAsValidationExceptionIngestingNothing) {
  std::vector<Record> records;
  for (int i = 0; i < 101; ++i) records.push_back(Rec(kHost, "m", "1", kNowMillis - i));
  absl::Status s = Write(records).status();
  EXPECT_EQ(KindOf(s), ErrorKind::kValidation) << s;
  EXPECT_TRUE(Scan().empty());
  records.pop_back();
  EXPECT_TRUE(Write(records).ok());
  EXPECT_EQ(Scan().size(), 100u);
}

TEST_F(WriteRecordsTest, RejectsADimensionInBothCommonAttributesAndARecordAsValidationException) {
  Record common;
  common.dimensions = {Dim("region", "eu")};
  absl::Status s =
      Write({Rec(kHost, "m", "1"), Rec({Dim("region", "us")}, "m", "2")}, common).status();
  EXPECT_EQ(KindOf(s), ErrorKind::kValidation) << s;
  EXPECT_NE(s.message().find("region"), absl::string_view::npos) << s;
  EXPECT_TRUE(Scan().empty()) << "the valid first record must not be ingested either";
}

TEST_F(WriteRecordsTest, RejectsInvalidCommonAttributesAsValidationException) {
  Record bad_dimension;
  bad_dimension.dimensions = {Dim("time", "x")};
  Record bad_version;
  bad_version.version = 0;
  Record both_values;
  both_values.measure_value = "1";
  both_values.measure_values = {Attr("a", "1")};
  Record duplicate_dimension;
  duplicate_dimension.dimensions = {Dim("a", "1"), Dim("a", "2")};
  for (const Record& common : {bad_dimension, bad_version, both_values, duplicate_dimension}) {
    absl::Status s = Write({Rec(kHost, "m", "1")}, common).status();
    EXPECT_EQ(KindOf(s), ErrorKind::kValidation) << s;
  }
  EXPECT_TRUE(Scan().empty());
}

// ---------------------------------------------------------------- merge and defaults

TEST_F(WriteRecordsTest, MergesCommonAttributesIntoEveryRecordWithTheRecordsOwnFieldsWinning) {
  Record common;
  common.dimensions = {Dim("region", "eu")};
  common.measure_name = "cpu";
  common.measure_value_type = MeasureValueType::kBigint;
  common.time = absl::StrCat(kNowNanos / 1000000000);
  common.time_unit = TimeUnit::kSeconds;
  common.version = 7;
  Record own_everything;
  own_everything.dimensions = {Dim("host", "b")};
  own_everything.measure_name = "mem";
  own_everything.measure_value = "x";
  own_everything.measure_value_type = MeasureValueType::kVarchar;
  own_everything.time = absl::StrCat(kNowMillis - 1);
  own_everything.time_unit = TimeUnit::kMilliseconds;
  own_everything.version = 2;
  Record inherits;
  inherits.dimensions = {Dim("host", "a")};
  inherits.measure_value = "42";
  absl::StatusOr<WriteRecordsResponse> r = Write({inherits, own_everything}, common);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->records_ingested.total, 2);
  Contents c = Scan();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c.at(RowKey("host=a,region=eu", "cpu", kNowNanos)),
            (Row{7, MeasureValueType::kBigint, "42"}));
  EXPECT_EQ(c.at(RowKey("host=b,region=eu", "mem", kNowNanos - 1000000)),
            (Row{2, MeasureValueType::kVarchar, "x"}));
}

TEST_F(WriteRecordsTest, DefaultsToDoubleMillisecondsAndVersionOne) {
  Record r;
  r.dimensions = kHost;
  r.measure_name = "m";
  r.measure_value = "1.5";
  r.time = absl::StrCat(kNowMillis);
  ASSERT_TRUE(WriteOne(r).ok());
  EXPECT_EQ(Scan().at(RowKey("host=a", "m", kNowNanos)),
            (Row{1, MeasureValueType::kDouble, "1.5"}));
}

TEST_F(WriteRecordsTest, TreatsDimensionOrderAsIrrelevantToTheSeries) {
  ASSERT_TRUE(WriteOne(Rec({Dim("a", "1"), Dim("b", "2")}, "m", "1")).ok());
  ASSERT_TRUE(WriteOne(Rec({Dim("b", "2"), Dim("a", "1")}, "m", "1", kNowMillis - 1)).ok());
  EXPECT_EQ(store_->Stats().series, 1);
  EXPECT_EQ(Scan().size(), 2u);
}

TEST_F(WriteRecordsTest, RejectsVersionBelowOneAsValidationExceptionIngestingNothing) {
  // The API reference: "Version must be 1 or greater, or you will receive a
  // ValidationException error". The valid records around it are not ingested either, on
  // the full path (record 0) and after records the parser's fast path took (record 2).
  for (int bad : {0, 2}) {
    std::vector<Record> records;
    for (int i = 0; i < 4; ++i) {
      records.push_back(
          Rec(kHost, "m", "1", kNowMillis - i, std::nullopt, i == bad ? (bad ? -3 : 0) : 1));
    }
    absl::Status s = Write(records).status();
    EXPECT_EQ(KindOf(s), ErrorKind::kValidation) << s;
    EXPECT_EQ(s.message(), absl::StrCat("Version must be 1 or greater. Record ", bad,
                                        " has Version ", bad ? -3 : 0, "."));
    EXPECT_TRUE(Scan().empty()) << s;
  }
  Record common;
  common.version = 0;
  absl::Status s = Write({Rec(kHost, "m", "1", kNowMillis, std::nullopt, 2)}, common).status();
  EXPECT_EQ(KindOf(s), ErrorKind::kValidation) << s;
  EXPECT_EQ(s.message(), "Version must be 1 or greater. CommonAttributes has Version 0.");
  EXPECT_TRUE(Scan().empty());
}

TEST_F(WriteRecordsTest, RejectsRecordsWithoutMeasureNameTimeOrValue) {
  Record no_name = Rec(kHost, "m", "1");
  no_name.measure_name.reset();
  Record no_time = Rec(kHost, "m", "1");
  no_time.time.reset();
  Record no_value = Rec(kHost, "m", "1");
  no_value.measure_value.reset();
  absl::Status s = Write({no_name, no_time, no_value}).status();
  EXPECT_EQ(RejectedRecordsOf(s).size(), 3u) << s;
}

// ---------------------------------------------------------------- time

TEST_F(WriteRecordsTest, ReadsEveryTimeUnitExactlyToTheNanosecond) {
  const int64_t ns = kNowNanos + 123456789;  // Not representable exactly as a double.
  struct Case {
    TimeUnit unit;
    int64_t value;
    int64_t expected_nanos;
  } cases[] = {
      {TimeUnit::kSeconds, kNowNanos / 1000000000, kNowNanos},
      {TimeUnit::kMilliseconds, ns / 1000000, ns / 1000000 * 1000000},
      {TimeUnit::kMicroseconds, ns / 1000, ns / 1000 * 1000},
      {TimeUnit::kNanoseconds, ns, ns},
  };
  int i = 0;
  for (const Case& c : cases) {
    Record r = Rec(kHost, absl::StrCat("m", i++), "1");
    r.time = absl::StrCat(c.value);
    r.time_unit = c.unit;
    ASSERT_TRUE(WriteOne(r).ok()) << ToString(c.unit);
    EXPECT_EQ(Scan().count(RowKey("host=a", *r.measure_name, c.expected_nanos)), 1u)
        << ToString(c.unit);
  }
}

TEST_F(WriteRecordsTest, RejectsTimesThatAreNotIntegersOrOverflowNanoseconds) {
  for (const char* time : {"12.5", "1e3", " 12", "12 ", "", "+", "abc", "0x10"}) {
    Record r = Rec(kHost, "m", "1");
    r.time = time;
    EXPECT_EQ(OnlyRejection(WriteOne(r)).record_index, 0) << time;
  }
  Record r = Rec(kHost, "m", "1");
  r.time = "9223372037";  // Seconds: past INT64_MAX nanoseconds.
  r.time_unit = TimeUnit::kSeconds;
  EXPECT_NE(OnlyRejection(WriteOne(r)).reason.find("range"), std::string::npos);
  r.time = "99999999999999999999999";
  r.time_unit = TimeUnit::kNanoseconds;
  EXPECT_NE(OnlyRejection(WriteOne(r)).reason.find("range"), std::string::npos);
  EXPECT_TRUE(Scan().empty());
}

TEST_F(WriteRecordsTest, RejectsRecordsOutsideTheMemoryStoreWindow) {
  table_.retention_properties.memory_store_retention_period_in_hours = 1;
  const int64_t hour_ms = 3600 * 1000;
  EXPECT_TRUE(WriteOne(Rec(kHost, "m", "1", kNowMillis - hour_ms)).ok()) << "the oldest allowed";
  EXPECT_NE(OnlyRejection(WriteOne(Rec(kHost, "m", "1", kNowMillis - hour_ms - 1)))
                .reason.find("retention"),
            std::string::npos);
  EXPECT_TRUE(WriteOne(Rec(kHost, "m", "1", kNowMillis + 15 * 60 * 1000)).ok())
      << "15 minutes ahead is allowed";
  EXPECT_NE(OnlyRejection(WriteOne(Rec(kHost, "m", "1", kNowMillis + 15 * 60 * 1000 + 1)))
                .reason.find("ahead"),
            std::string::npos);
  EXPECT_EQ(Scan().size(), 2u);
}

TEST_F(WriteRecordsTest, AcceptsOlderRecordsAsMagneticWhenMagneticWritesAreEnabled) {
  table_.retention_properties.memory_store_retention_period_in_hours = 1;
  table_.retention_properties.magnetic_store_retention_period_in_days = 2;
  table_.magnetic_store_write_properties.enable_magnetic_store_writes = true;
  const int64_t day_ms = 24 * 3600 * 1000;
  absl::StatusOr<WriteRecordsResponse> r =
      Write({Rec(kHost, "m", "1"), Rec(kHost, "m", "2", kNowMillis - day_ms),
             Rec(kHost, "m", "3", kNowMillis - 2 * day_ms - 1)});
  RejectedRecord rej = OnlyRejection(r.status());
  EXPECT_EQ(rej.record_index, 2);
  EXPECT_NE(rej.reason.find("magnetic"), std::string::npos);
  // Counts of a fully accepted request.
  r = Write({Rec(kHost, "m", "4", kNowMillis - 1), Rec(kHost, "m", "5", kNowMillis - day_ms - 1),
             Rec(kHost, "m", "6", kNowMillis - day_ms - 2)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->records_ingested.memory_store, 1);
  EXPECT_EQ(r->records_ingested.magnetic_store, 2);
  EXPECT_EQ(r->records_ingested.total, 3);
  EXPECT_EQ(StoredValue(Scan(), "m", (kNowMillis - day_ms) * 1000000), "2");
}

// ---------------------------------------------------------------- value types

TEST_F(WriteRecordsTest, AcceptsFiniteDecimalDoublesOnly) {
  int64_t t = kNowMillis;
  for (const char* ok : {"1.5", "-2", "+3", "1e3", "1E-3", ".5", "5.", "0", "-0.0", "007"}) {
    EXPECT_TRUE(WriteOne(Rec(kHost, "m", ok, t--)).ok()) << ok;
  }
  EXPECT_EQ(StoredValue(Scan(), "m", (kNowMillis - 3) * 1000000), "1000");
  for (const char* bad : {"NaN", "nan", "inf", "-Infinity", "1.2.3", "abc", "1e400", "1e-400", " 1",
                          "1 ", "0x1p3", "1e", "e5", ".", "-"}) {
    RejectedRecord r = OnlyRejection(WriteOne(Rec(kHost, "m", bad, t--)));
    EXPECT_NE(r.reason.find("DOUBLE"), std::string::npos) << bad << ": " << r.reason;
  }
}

TEST_F(WriteRecordsTest, AcceptsSigned64BitBigintsAndRejectsOverflow) {
  const auto bigint = MeasureValueType::kBigint;
  ASSERT_TRUE(WriteOne(Rec(kHost, "b", "9223372036854775807", kNowMillis, bigint)).ok());
  ASSERT_TRUE(WriteOne(Rec(kHost, "b", "-9223372036854775808", kNowMillis - 1, bigint)).ok());
  Contents c = Scan();
  EXPECT_EQ(StoredValue(c, "b"), "9223372036854775807");
  EXPECT_EQ(StoredValue(c, "b", kNowNanos - 1000000), "-9223372036854775808");
  for (const char* bad : {"9223372036854775808", "-9223372036854775809", "1.0", "1e3", "x"}) {
    EXPECT_EQ(OnlyRejection(WriteOne(Rec(kHost, "b", bad, kNowMillis - 5, bigint))).record_index, 0)
        << bad;
  }
}

TEST_F(WriteRecordsTest, AcceptsTrueAndFalseInAnyCaseAsBooleans) {
  const auto boolean = MeasureValueType::kBoolean;
  int64_t t = kNowMillis;
  for (const char* ok : {"true", "FALSE", "True", "fAlSe"}) {
    EXPECT_TRUE(WriteOne(Rec(kHost, "flag", ok, t--, boolean)).ok()) << ok;
  }
  EXPECT_EQ(StoredValue(Scan(), "flag"), "true");
  EXPECT_EQ(StoredValue(Scan(), "flag", kNowNanos - 1000000), "false");
  for (const char* bad : {"yes", "1", "0", "t", "truee", ""}) {
    EXPECT_EQ(OnlyRejection(WriteOne(Rec(kHost, "flag", bad, t--, boolean))).record_index, 0)
        << bad;
  }
}

TEST_F(WriteRecordsTest, ReadsTimestampValuesInTheRecordsTimeUnit) {
  Record r = Rec(kHost, "ts", "1700000000123", kNowMillis, MeasureValueType::kTimestamp);
  ASSERT_TRUE(WriteOne(r).ok());
  EXPECT_EQ(StoredValue(Scan(), "ts"), "1700000000123000000");
  r.measure_value = "12.5";
  EXPECT_EQ(OnlyRejection(WriteOne(r)).record_index, 0);
}

TEST_F(WriteRecordsTest, StoresVarcharValuesAsGiven) {
  ASSERT_TRUE(
      WriteOne(Rec(kHost, "s", "hello, wörld: 1e3", kNowMillis, MeasureValueType::kVarchar)).ok());
  EXPECT_EQ(StoredValue(Scan(), "s"), "hello, wörld: 1e3");
}

TEST_F(WriteRecordsTest, StoresMultiMeasureRecordsWithTypedAttributes) {
  ASSERT_TRUE(WriteOne(MultiRec(kHost, "metrics",
                                {Attr("cpu", "0.5"), Attr("n", "3", MeasureValueType::kBigint),
                                 Attr("state", "ok", MeasureValueType::kVarchar),
                                 Attr("up", "true", MeasureValueType::kBoolean)}))
                  .ok());
  ASSERT_TRUE(WriteOne(MultiRec(kHost, "metrics", {Attr("cpu", "0.25")}, kNowMillis - 1)).ok());
  Contents c = Scan();
  EXPECT_EQ(StoredValue(c, "metrics"), "cpu=0.5;n=3;state=ok;up=true");
  EXPECT_EQ(StoredValue(c, "metrics", kNowNanos - 1000000), "cpu=0.25")
      << "absent attributes are not present";
}

TEST_F(WriteRecordsTest, RejectsMalformedMultiMeasureRecords) {
  Record value_with_multi = MultiRec(kHost, "mm", {Attr("a", "1")});
  value_with_multi.measure_value = "1";
  Record values_with_scalar = Rec(kHost, "mm", "1");
  values_with_scalar.measure_value.reset();
  values_with_scalar.measure_values = {Attr("a", "1")};
  Record empty_multi = MultiRec(kHost, "mm", {});
  Record duplicate_names = MultiRec(kHost, "mm", {Attr("a", "1"), Attr("a", "2")});
  Record nested_multi = MultiRec(kHost, "mm", {Attr("a", "1", MeasureValueType::kMulti)});
  Record bad_value = MultiRec(kHost, "mm", {Attr("a", "1"), Attr("b", "x")});
  Record reserved = MultiRec(kHost, "mm", {Attr("measure_value::a", "1")});
  absl::Status s = Write({value_with_multi, values_with_scalar, empty_multi, duplicate_names,
                          nested_multi, bad_value, reserved})
                       .status();
  EXPECT_EQ(RejectedRecordsOf(s).size(), 7u) << s;
  options_.quotas.max_measures_per_multi_record = 2;
  EXPECT_EQ(OnlyRejection(
                WriteOne(MultiRec(kHost, "mm", {Attr("a", "1"), Attr("b", "2"), Attr("c", "3")})))
                .record_index,
            0);
  EXPECT_TRUE(WriteOne(MultiRec(kHost, "mm", {Attr("a", "1"), Attr("b", "2")})).ok());
}

// ---------------------------------------------------------------- names and quotas

TEST_F(WriteRecordsTest, RejectsReservedAndMalformedNames) {
  for (const char* name :
       {"time", "measure_name", "measure_value", "measure_value::x", "ts_x", "a:b", ""}) {
    EXPECT_EQ(OnlyRejection(WriteOne(Rec({Dim(name, "v")}, "m", "1"))).record_index, 0)
        << "dimension " << name;
    EXPECT_EQ(OnlyRejection(WriteOne(Rec(kHost, name, "1"))).record_index, 0) << "measure " << name;
    EXPECT_EQ(OnlyRejection(WriteOne(MultiRec(kHost, "mm", {Attr(name, "1")}))).record_index, 0)
        << "attribute " << name;
  }
  EXPECT_TRUE(WriteOne(Rec({Dim("Time", "v"), Dim("xts_", "v")}, "timer", "1")).ok())
      << "rules are case-sensitive and about prefixes only";
}

TEST_F(WriteRecordsTest, EnforcesPerRecordQuotas) {
  Quotas& q = options_.quotas;
  q.max_dimensions_per_record = 2;
  q.max_dimension_name_bytes = 4;
  q.max_measure_name_bytes = 4;
  q.max_series_dimensions_bytes = 12;
  q.max_record_bytes = 20;
  q.max_measure_value_bytes = 5;
  const auto varchar = MeasureValueType::kVarchar;
  EXPECT_TRUE(WriteOne(Rec({Dim("a", "1"), Dim("b", "2")}, "m", "1")).ok());
  // Each of these breaks exactly one quota.
  std::vector<Record> bad = {
      Rec({Dim("a", "1"), Dim("b", "2"), Dim("c", "3")}, "m", "1"),  // dimensions per record
      Rec({Dim("abcde", "1")}, "m", "1"),                            // dimension name bytes
      Rec({Dim("a", "1")}, "mmmmm", "1"),                            // measure name bytes
      Rec({Dim("a", "1234567890ab")}, "m", "1"),                     // series bytes (13)
      Rec({Dim("a", "12345678901")}, "mmmm", "xxxxx", kNowMillis, varchar),  // record bytes (21)
      Rec({Dim("a", "1")}, "s", "xxxxxx", kNowMillis, varchar),              // value bytes
  };
  absl::Status s = Write(bad).status();
  std::vector<RejectedRecord> rejected = RejectedRecordsOf(s);
  ASSERT_EQ(rejected.size(), bad.size()) << s;
  for (size_t i = 0; i < rejected.size(); ++i) {
    EXPECT_EQ(rejected[i].record_index, static_cast<int32_t>(i));
    EXPECT_FALSE(rejected[i].reason.empty());
  }
}

TEST_F(WriteRecordsTest, EnforcesMeasureNamesAndDimensionNamesPerTable) {
  options_.quotas.max_measure_names_per_table = 2;
  options_.quotas.max_dimensions_per_table = 2;
  ASSERT_TRUE(Write({Rec({Dim("a", "1")}, "m1", "1"), Rec({Dim("b", "1")}, "m2", "1")}).ok());
  EXPECT_NE(OnlyRejection(WriteOne(Rec({Dim("a", "1")}, "m3", "1"))).reason.find("measure"),
            std::string::npos);
  EXPECT_NE(OnlyRejection(WriteOne(Rec({Dim("c", "1")}, "m1", "1", kNowMillis - 1)))
                .reason.find("dimension"),
            std::string::npos);
  EXPECT_TRUE(WriteOne(Rec({Dim("a", "2"), Dim("b", "2")}, "m2", "1")).ok())
      << "known names do not count again";
}

// ---------------------------------------------------------------- schema

TEST_F(WriteRecordsTest, RejectsAMeasureWrittenWithAnotherTypeThanItsFirst) {
  ASSERT_TRUE(WriteOne(Rec(kHost, "m", "1.5")).ok());
  RejectedRecord r =
      OnlyRejection(WriteOne(Rec(kHost, "m", "2", kNowMillis - 1, MeasureValueType::kBigint)));
  EXPECT_NE(r.reason.find("DOUBLE"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("BIGINT"), std::string::npos) << r.reason;
  EXPECT_FALSE(r.existing_version.has_value());
  // Within one request too: the first record teaches the type.
  absl::Status s = Write({Rec(kHost, "n", "x", kNowMillis, MeasureValueType::kVarchar),
                          Rec(kHost, "n", "1", kNowMillis - 1)})
                       .status();
  EXPECT_EQ(OnlyRejection(s).record_index, 1);
  EXPECT_EQ(OnlyRejection(WriteOne(MultiRec(kHost, "m", {Attr("a", "1")}))).record_index, 0)
      << "scalar DOUBLE measure written as MULTI";
}

TEST_F(WriteRecordsTest, RejectsAMultiAttributeWrittenWithAnotherType) {
  ASSERT_TRUE(WriteOne(MultiRec(kHost, "mm", {Attr("a", "1")})).ok());
  RejectedRecord r = OnlyRejection(WriteOne(
      MultiRec({Dim("host", "b")}, "other", {Attr("a", "x", MeasureValueType::kVarchar)})));
  EXPECT_NE(r.reason.find("'a'"), std::string::npos) << r.reason;
}

TEST_F(WriteRecordsTest, ChecksEveryRecordOfARequestThatRepeatsNamesAndDimensions) {
  // Consecutive records share dimensions and attribute names; each is still checked.
  absl::Status s =
      Write({MultiRec(kHost, "mm", {Attr("a", "1"), Attr("b", "2")}),
             MultiRec(kHost, "mm", {Attr("a", "x", MeasureValueType::kVarchar), Attr("b", "2")},
                      kNowMillis - 1),
             MultiRec(kHost, "mm", {Attr("a", "3"), Attr("b", "oops")}, kNowMillis - 2),
             MultiRec({Dim("host", "b")}, "mm", {Attr("a", "4"), Attr("b", "5")}),
             MultiRec(kHost, "mm", {Attr("a", "6"), Attr("b", "7")}, kNowMillis - 3)})
          .status();
  std::vector<RejectedRecord> rejected = RejectedRecordsOf(s);
  ASSERT_EQ(rejected.size(), 2u) << s;
  EXPECT_EQ(rejected[0].record_index, 1);  // 'a' is DOUBLE in this table.
  EXPECT_EQ(rejected[1].record_index, 2);  // 'oops' is no DOUBLE.
  Contents c = Scan();
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(StoredValue(c, "mm", kNowNanos, "host=b"), "a=4;b=5");
  EXPECT_EQ(StoredValue(c, "mm", kNowNanos - 3000000), "a=6;b=7");
}

TEST_F(WriteRecordsTest, ReturnsEveryRejectionInIndexOrderAndIngestsTheRest) {
  absl::StatusOr<WriteRecordsResponse> r =
      Write({Rec(kHost, "m", "1"), Rec(kHost, "m", "NaN", kNowMillis - 1),
             Rec(kHost, "m", "3", kNowMillis - 2), Rec({Dim("time", "x")}, "m", "4")});
  ASSERT_EQ(KindOf(r.status()), ErrorKind::kRejectedRecords) << r.status();
  std::vector<RejectedRecord> rejected = RejectedRecordsOf(r.status());
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].record_index, 1);
  EXPECT_EQ(rejected[1].record_index, 3);
  EXPECT_EQ(Scan().size(), 2u);
}

}  // namespace
}  // namespace tsw::testing
