// The parser's fast path for records shaped like the previous one must give exactly what
// the full path gives: the same accepted records (every field, every value) and the same
// rejections with the same reasons, on requests that mix such runs with every kind of
// deviation the fast path hands back.
#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/ingest/batch_applier.h"
#include "engine/ingest/batch_codec.h"
#include "engine/ingest/request_parser.h"
#include "engine/memstore/mem_store.h"
#include "engine/model/table_schema.h"
#include "gtest/gtest.h"
#include "tests/ingest/store_rows.h"
#include "tsw/options.h"
#include "tsw/types.h"

namespace tsw::ingest {
namespace {

constexpr int64_t kNowMillis = 1700000000000;

std::string Describe(const ParsedBatch& b, const absl::Status& status) {
  std::string out = absl::StrCat("status=", status.ToString(), "\n");
  for (const ParsedRecord& r : b.records) {
    absl::StrAppend(&out, "record ", r.index, " type=", static_cast<int>(r.type),
                    " magnetic=", r.magnetic, " hash=", r.series_hash, " key=", b.key(r),
                    " measure=", r.measure_name, " time=", r.time_nanos, " version=", r.version,
                    "\n");
    for (const ParsedValue& v : b.values_of(r)) {
      absl::StrAppend(&out, "  value name=", v.name, " type=", static_cast<int>(v.type),
                      " bits=", v.bits, " text=", v.text, "\n");
    }
  }
  for (const RejectedRecord& r : b.rejected) {
    absl::StrAppend(&out, "rejected ", r.record_index, ": ", r.reason, "\n");
  }
  return out;
}

// A request of runs of one shape with random deviations.
WriteRecordsRequest RandomRequest(std::mt19937_64& rng, bool multi) {
  auto pick = [&rng](int n) { return static_cast<int>(rng() % n); };
  WriteRecordsRequest req;
  req.database_name = "database";
  req.table_name = "table";
  Record common;
  common.dimensions = {{"region", "eu-west-1"}};
  common.measure_name = multi ? "metrics" : "cpu";
  const MeasureValueType scalar_types[] = {MeasureValueType::kDouble, MeasureValueType::kBigint,
                                           MeasureValueType::kVarchar, MeasureValueType::kBoolean};
  const MeasureValueType common_type = multi ? MeasureValueType::kMulti : scalar_types[pick(4)];
  common.measure_value_type = common_type;
  if (pick(4) == 0) common.version = 1 + pick(3);
  req.common_attributes = common;
  auto value_of = [&](MeasureValueType type) -> std::string {
    switch (pick(60)) {  // Mostly valid, sometimes not.
      case 0:
        return "";
      case 1:
        return "abc";
      case 2:
        return "1e400";
      case 3:
        return std::string(2100, '7');
      default:
        break;
    }
    switch (type) {
      case MeasureValueType::kDouble:
        return absl::StrCat(static_cast<double>(pick(100000)) / 100.0 - 300);
      case MeasureValueType::kBigint:
        return absl::StrCat(static_cast<int64_t>(rng()) >> pick(64));
      case MeasureValueType::kVarchar:
        return absl::StrCat("text-", pick(5));
      case MeasureValueType::kBoolean:
        return pick(2) ? "true" : "FALSE";
      default:
        return "1";
    }
  };
  // MULTI: "idle" is VARCHAR in half the requests (strings take other paths than
  // numbers), and some requests list the attributes in reverse (so attributes and a
  // column's slots are in different orders).
  const MeasureValueType idle_type =
      pick(2) == 0 ? MeasureValueType::kVarchar : MeasureValueType::kDouble;
  const bool reversed = pick(8) == 0;
  // Names and dimension values of each size class the parser's run loop compares in its
  // own way: all 4 to 8 bytes (in half the requests), all 8 to 16, or mixed.
  static const char* const kNameSets[3][6] = {
      {"host", "host-", "user", "system", "idle", "procs"},
      {"hostname", "host-name-", "user_seconds", "system_seconds", "idle_fraction", "processes"},
      {"h", "host-name-", "u", "system_seconds_total", "idle", "procs"}};
  const char* const* const names = kNameSets[std::max(0, pick(4) - 1)];
  const int n = 1 + pick(100);
  int host = pick(3);
  // A third of the requests hold many series, another host in most records (the parser's
  // run loop of many series), now and then the one before again.
  const bool many_series = pick(3) == 0;
  int64_t time = kNowMillis - 3600 * 1000 + pick(1000);
  for (int i = 0; i < n; ++i) {
    Record r;
    if (many_series ? pick(8) != 0 : pick(10) == 0) host = pick(many_series ? 1000 : 3);
    r.dimensions = {{names[0], absl::StrCat(names[1], host)}};
    // The same sizes, another value or name.
    if (pick(60) == 0) r.dimensions[0].value[0] = 'X';
    if (pick(100) == 0) r.dimensions[0].name.back() = 'X';
    if (pick(30) == 0) r.dimensions.push_back({"rack", "r1"});
    if (pick(3000) == 0) r.dimensions.push_back({"region", "overlap"});  // A request error.
    if (pick(3000) == 0) r.version = 0;                                  // A request error too.
    time += pick(3);
    r.time = absl::StrCat(time);
    switch (pick(60)) {
      case 0:
        r.time = "12x";
        break;
      case 1:
        r.time = absl::StrCat(kNowMillis - 400LL * 24 * 3600 * 1000);  // Outside the window.
        break;
      case 2:
        r.time = absl::StrCat(kNowMillis + 3600 * 1000);  // Too far ahead.
        break;
      case 3:
        r.time_unit = TimeUnit::kSeconds;
        r.time = absl::StrCat(time / 1000);
        break;
      case 4:
        r.time = std::nullopt;
        break;
      case 5:
        r.time = "99999999999999999999";
        break;
      case 6:  // A valid integer, but longer than Time may be.
        r.time = std::string(300 - r.time->size(), '0') + *r.time;
        break;
      default:
        break;
    }
    switch (pick(30)) {
      case 0:
        r.version = 1;
        break;
      case 1:
      case 2:
        r.version = 2 + pick(3);
        break;
      case 3:
        r.measure_name = "other";
        break;
      case 4:
        r.measure_value_type = multi ? MeasureValueType::kDouble : MeasureValueType::kMulti;
        break;
      default:
        break;
    }
    if (multi) {
      const MeasureValueType kTypes[] = {MeasureValueType::kDouble, MeasureValueType::kDouble,
                                         idle_type, MeasureValueType::kBigint};
      for (int k = 0; k < 4; ++k) {
        const int a = reversed ? 3 - k : k;
        MeasureValueType type = kTypes[a];
        if (pick(50) == 0) type = scalar_types[pick(4)];
        if (pick(200) == 0) type = MeasureValueType::kMulti;
        if (pick(200) == 0) type = MeasureValueType::kTimestamp;
        r.measure_values.push_back({names[2 + a], value_of(type), type});
      }
      if (pick(40) == 0) r.measure_values.pop_back();
      if (pick(40) == 0) r.measure_values[0].name = "renamed";
      if (pick(60) == 0) r.measure_values[1].name = names[2];  // A duplicate name.
      if (pick(60) == 0) {  // A name of the same size, differing in its first or last byte.
        std::string& name = r.measure_values[pick(3)].name;
        (pick(2) ? name.front() : name.back()) = 'X';
      }
      if (pick(60) == 0) r.measure_value = "1";
    } else {
      if (pick(40) != 0) r.measure_value = value_of(common_type);
      if (pick(60) == 0) r.measure_values.push_back({"x", "1", MeasureValueType::kDouble});
    }
    req.records.push_back(std::move(r));
  }
  return req;
}

TEST(ParseFastPathTest, GivesExactlyWhatTheFullPathGives) {
  Quotas quotas;
  ParseContext context;
  context.quotas = &quotas;
  context.now_nanos = kNowMillis * 1000000;
  context.retention.memory_store_retention_period_in_hours = 24;
  context.retention.magnetic_store_retention_period_in_days = 30;
  std::mt19937_64 rng(7);
  ParsedBatch fast, full;
  int accepted = 0, total = 0;
  for (int round = 0; round < 3000; ++round) {
    const bool multi = round % 2 == 1;
    context.magnetic_store_writes = round % 3 == 0;
    // Some rounds with a memory window of a century, which takes a time read in the wrong
    // TimeUnit too.
    context.retention.memory_store_retention_period_in_hours = round % 5 == 0 ? 24 * 36525 : 24;
    // Half the rounds with a record size limit that typical records straddle.
    quotas.max_record_bytes = round % 4 < 2 ? 2048 : 30 + static_cast<int>(rng() % 60);
    const WriteRecordsRequest req = RandomRequest(rng, multi);
    context.shape_fast_path = true;
    const absl::Status fast_status = ParseRequest(req, context, &fast);
    context.shape_fast_path = false;
    const absl::Status full_status = ParseRequest(req, context, &full);
    ASSERT_EQ(Describe(fast, fast_status), Describe(full, full_status)) << "round " << round;
    accepted += static_cast<int>(fast.records.size());
    total += static_cast<int>(req.records.size());
  }
  // Most records are valid and in runs of one shape, so the fast path did most of them.
  EXPECT_GT(accepted, total / 2);
}

// The run loop loads the blocks of records ahead of the one it parses (a fixed distance
// ahead, and each Record twice that far): every request length around those distances,
// records of one series and of many, MULTI and DOUBLE, with a run that ends early (a
// record of another shape), must give what the full path gives. The records' array is
// exactly as long as the request (shrink_to_fit), so that under --config=asan a look past
// its last record is a heap-buffer-overflow.
TEST(ParseFastPathTest, RunsOfEveryLengthAroundThePrefetchDistanceGiveTheFullPathsRecords) {
  Quotas quotas;
  ParseContext context;
  context.quotas = &quotas;
  context.now_nanos = kNowMillis * 1000000;
  context.retention.memory_store_retention_period_in_hours = 24;
  context.retention.magnetic_store_retention_period_in_days = 30;
  ParsedBatch fast, full;
  for (const bool multi : {false, true}) {
    for (const bool many_series : {false, true}) {
      for (int n = 1; n <= 40; ++n) {
        for (const int odd_one : {-1, n / 2}) {  // The record of another shape, if any.
          WriteRecordsRequest req;
          req.database_name = "database";
          req.table_name = "table";
          Record common;
          common.dimensions = {{"region", "eu-west-1"}};
          common.measure_name = multi ? "metrics" : "cpu";
          common.measure_value_type = multi ? MeasureValueType::kMulti : MeasureValueType::kDouble;
          req.common_attributes = common;
          for (int i = 0; i < n; ++i) {
            Record r;
            r.dimensions = {{"host", absl::StrCat("host-", many_series ? i : 7)}};
            r.time = absl::StrCat(kNowMillis - 1000 * (n - i));
            const std::string value = absl::StrCat(i * 1.25);
            if (multi) {
              r.measure_values = {{"user", value, MeasureValueType::kDouble},
                                  {"system", absl::StrCat(i), MeasureValueType::kBigint},
                                  {"idle", value, MeasureValueType::kDouble}};
              r.measure_values.shrink_to_fit();
            } else {
              r.measure_value = value;
            }
            if (i == odd_one) r.dimensions.push_back({"rack", "r1"});
            r.dimensions.shrink_to_fit();
            req.records.push_back(std::move(r));
          }
          req.records.shrink_to_fit();
          context.shape_fast_path = true;
          const absl::Status fast_status = ParseRequest(req, context, &fast);
          context.shape_fast_path = false;
          const absl::Status full_status = ParseRequest(req, context, &full);
          ASSERT_TRUE(fast_status.ok()) << fast_status;
          ASSERT_EQ(fast.records.size(), static_cast<size_t>(n));
          ASSERT_EQ(Describe(fast, fast_status), Describe(full, full_status))
              << "multi " << multi << " many_series " << many_series << " n " << n << " odd_one "
              << odd_one;
        }
      }
    }
  }
}

// The run loop compares a run's names and dimension values with a copy of its first
// record's, taken once per run, when there are at most 16 of each (else with that record's
// strings): records of 1 to 40 attributes and 1 to 40 dimensions (names and values of 4 to
// 8 bytes), one series and many, where one record's attribute or dimension name differs from
// the others' in its last byte (at each position in turn), must give what the full path
// gives. Under --config=asan, a copy too small for the run is a stack-buffer-overflow.
TEST(ParseFastPathTest, RunsOfManyAttributesAndDimensionsCompareEveryName) {
  Quotas quotas;
  ParseContext context;
  context.quotas = &quotas;
  context.now_nanos = kNowMillis * 1000000;
  context.retention.memory_store_retention_period_in_hours = 24;
  context.retention.magnetic_store_retention_period_in_days = 30;
  ParsedBatch fast, full;
  const std::pair<int, int> kCounts[] = {{1, 1},  {16, 16}, {17, 17}, {1, 17},
                                         {17, 1}, {2, 40},  {40, 2}};
  for (const auto& [attributes, dimensions] : kCounts) {
    for (const bool many_series : {false, true}) {
      // Attribute odd, or dimension odd - attributes.
      for (int odd = -1; odd < attributes + dimensions; ++odd) {
        WriteRecordsRequest req;
        req.database_name = "database";
        req.table_name = "table";
        Record common;
        common.measure_name = "metrics";
        common.measure_value_type = MeasureValueType::kMulti;
        req.common_attributes = common;
        constexpr int kRecords = 12;
        for (int i = 0; i < kRecords; ++i) {
          Record r;
          for (int k = 0; k < dimensions; ++k) {
            r.dimensions.push_back(
                {absl::StrCat("dim", 10 + k), absl::StrCat("val-", many_series ? i : 7)});
          }
          for (int k = 0; k < attributes; ++k) {
            r.measure_values.push_back({absl::StrCat("attr", 10 + k), absl::StrCat(i * k + 0.5),
                                        MeasureValueType::kDouble});
          }
          r.time = absl::StrCat(kNowMillis - 1000 * (kRecords - i));
          if (i == kRecords / 2 && odd >= 0) {
            std::string& name =
                odd < attributes ? r.measure_values[odd].name : r.dimensions[odd - attributes].name;
            name.back() = 'X';
          }
          req.records.push_back(std::move(r));
        }
        context.shape_fast_path = true;
        const absl::Status fast_status = ParseRequest(req, context, &fast);
        context.shape_fast_path = false;
        const absl::Status full_status = ParseRequest(req, context, &full);
        ASSERT_TRUE(fast_status.ok()) << fast_status;
        ASSERT_EQ(fast.records.size(), static_cast<size_t>(kRecords));
        ASSERT_EQ(Describe(fast, fast_status), Describe(full, full_status))
            << "attributes " << attributes << " dimensions " << dimensions << " many_series "
            << many_series << " odd " << odd;
      }
    }
  }
}

// What a payload says, one line per definition or row, with slots resolved to names and
// keys: payloads that mean the same read the same, however their rows are laid out.
std::vector<std::string> Meaning(absl::string_view payload) {
  std::vector<std::string> lines, keys, measures, attributes;
  if (payload.empty()) return lines;
  BatchDecoder decoder;
  BatchDecoder::Event e;
  EXPECT_TRUE(decoder.Reset(payload).ok());
  while (true) {
    const absl::Status status = decoder.Next(&e);
    EXPECT_TRUE(status.ok()) << status;
    if (!status.ok() || e.kind == BatchDecoder::Kind::kEnd) break;
    switch (e.kind) {
      case BatchDecoder::Kind::kSeries:
        keys.emplace_back(e.key);
        break;
      case BatchDecoder::Kind::kMeasure:
        measures.push_back(absl::StrCat(e.name, "/", static_cast<int>(e.type)));
        break;
      case BatchDecoder::Kind::kAttribute:
        attributes.push_back(absl::StrCat(e.name, "/", static_cast<int>(e.type)));
        break;
      case BatchDecoder::Kind::kRow: {
        std::string line = absl::StrCat(keys.at(e.series_slot), " ", measures.at(e.measure_slot),
                                        " t=", e.time_nanos, " v=", e.version);
        for (const DecodedValue& v : e.values) {
          absl::StrAppend(
              &line, " ",
              measures.at(e.measure_slot).back() == '5' ? attributes.at(v.attribute_slot) : "", "=",
              v.bits, ":", v.text);
        }
        lines.push_back(std::move(line));
        break;
      }
      case BatchDecoder::Kind::kEnd:
        break;
    }
  }
  return lines;
}

// The applier's fast paths for like_previous and same_shape records must store and log
// exactly what the full path does: the same rows in the store, payloads that replay to the same
// rows, the same rejections and counts, request after request on a growing table (so rows already
// stored, Version upserts, type conflicts and out-of-order times all occur).
TEST(ApplyFastPathTest, LogsAndRejectsExactlyWhatTheFullPathDoes) {
  Quotas quotas;
  quotas.max_measure_names_per_table = 3;  // Some records meet the per-table quota.
  ParseContext context;
  context.quotas = &quotas;
  context.now_nanos = kNowMillis * 1000000;
  context.retention.memory_store_retention_period_in_hours = 24;
  context.retention.magnetic_store_retention_period_in_days = 30;
  context.magnetic_store_writes = true;
  model::TableSchema schema_fast, schema_full, schema_replayed;
  memstore::MemStore store_fast, store_full, store_replayed;
  BatchApplier fast(&schema_fast, &store_fast), full(&schema_full, &store_full);
  BatchApplier replayer(&schema_replayed, &store_replayed);  // Replays the fast payloads.
  std::mt19937_64 rng(11);
  ParsedBatch batch;
  int like_previous = 0, same_shape = 0, stored = 0;
  for (int round = 0; round < 2000; ++round) {
    // One table takes scalar and MULTI requests: "metrics" is MULTI, "cpu" scalar.
    const WriteRecordsRequest req = RandomRequest(rng, round % 2 == 1);
    if (!ParseRequest(req, context, &batch).ok()) continue;
    for (const ParsedRecord& r : batch.records) {
      like_previous += r.like_previous;
      same_shape += r.same_shape && !r.like_previous;
    }
    std::vector<RejectedRecord> rejected_fast, rejected_full;
    absl::string_view payload;
    ApplyResult result_fast, result_full;
    fast.Apply(batch, quotas, round + 1, &rejected_fast, &payload, &result_fast);
    const std::string payload_fast(payload);
    for (ParsedRecord& r : batch.records) r.like_previous = r.same_shape = false;
    full.Apply(batch, quotas, round + 1, &rejected_full, &payload, &result_full);
    // The same rows, definitions and values, whatever the layout (the fast path writes
    // blocks).
    ASSERT_EQ(Meaning(payload_fast), Meaning(payload)) << "round " << round;
    if (!payload_fast.empty()) {
      ASSERT_TRUE(replayer.Replay(payload_fast, round + 1).ok());
    }
    ASSERT_EQ(rejected_fast.size(), rejected_full.size()) << "round " << round;
    for (size_t i = 0; i < rejected_fast.size(); ++i) {
      EXPECT_EQ(rejected_fast[i].record_index, rejected_full[i].record_index);
      EXPECT_EQ(rejected_fast[i].reason, rejected_full[i].reason);
      EXPECT_EQ(rejected_fast[i].existing_version, rejected_full[i].existing_version);
    }
    EXPECT_EQ(result_fast.memory_store, result_full.memory_store);
    EXPECT_EQ(result_fast.magnetic_store, result_full.magnetic_store);
    EXPECT_EQ(result_fast.logged, result_full.logged);
    EXPECT_EQ(result_fast.schema_grew, result_full.schema_grew);
    stored += static_cast<int>(result_fast.logged);
    if (round % 100 == 99) {
      ASSERT_EQ(testing::StoreRows(store_fast), testing::StoreRows(store_full))
          << "round " << round;
      ASSERT_EQ(testing::StoreRows(store_replayed), testing::StoreRows(store_fast))
          << "round " << round;
    }
  }
  EXPECT_GT(like_previous, 20000);
  EXPECT_GT(same_shape, 2000);  // Records of another series than the one before.
  EXPECT_GT(stored, 8000);
}

}  // namespace
}  // namespace tsw::ingest
