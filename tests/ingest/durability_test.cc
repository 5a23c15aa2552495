// What survives reopening a table store: every row, version and series (WAL replay), the
// learned schema (also from the schema file alone), and what a damaged file does.
#include <algorithm>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "engine/common/file_util.h"
#include "engine/ingest/batch_codec.h"
#include "gtest/gtest.h"
#include "tests/table/table_test_util.h"

namespace tsw::testing {
namespace {

class DurabilityTest : public TableFixture {
 protected:
  void WriteMixedData() {
    std::vector<Record> records;
    for (int s = 0; s < 30; ++s) {
      for (int i = 0; i < 3; ++i) {
        records.push_back(Rec({Dim("host", absl::StrCat("h", s)), Dim("dc", "x")}, "cpu",
                              absl::StrCat(s, ".", i), kNowMillis - i));
      }
    }
    for (size_t i = 0; i < records.size(); i += 45) {
      ASSERT_TRUE(Write(std::vector<Record>(records.begin() + i, records.begin() + i + 45)).ok());
    }
    ASSERT_TRUE(
        Write({Rec({Dim("host", "h0")}, "s", "text", kNowMillis, MeasureValueType::kVarchar),
               Rec({Dim("host", "h0")}, "b", "9223372036854775807", kNowMillis,
                   MeasureValueType::kBigint),
               Rec({Dim("host", "h0")}, "f", "true", kNowMillis, MeasureValueType::kBoolean),
               MultiRec({Dim("host", "h0")}, "mm",
                        {Attr("x", "-0.5"), Attr("t", "5", MeasureValueType::kTimestamp)})})
            .ok());
    // Upserts and an out-of-order insert.
    ASSERT_TRUE(
        Write({Rec({Dim("host", "h1"), Dim("dc", "x")}, "cpu", "99", kNowMillis, std::nullopt, 3),
               Rec({Dim("host", "h1"), Dim("dc", "x")}, "cpu", "1.1", kNowMillis - 100)})
            .ok());
  }
};

TEST_F(DurabilityTest, ReopeningReplaysEveryRowVersionAndSeries) {
  WriteMixedData();
  const Contents before = Scan();
  const TableStats stats = store_->Stats();
  ASSERT_EQ(before.size(), 30u * 3 + 4 + 1);
  ReopenStore();
  EXPECT_EQ(Scan(), before);
  EXPECT_EQ(store_->Stats().series, stats.series);
  EXPECT_EQ(store_->Stats().memory_points, stats.memory_points);
  EXPECT_GT(store_->Stats().wal_bytes, 0);
  // And the replayed state resolves versions like the original did.
  EXPECT_EQ(OnlyRejection(WriteOne(Rec({Dim("dc", "x"), Dim("host", "h1")}, "cpu", "5", kNowMillis,
                                       std::nullopt, 3)))
                .existing_version,
            3);
  ReopenStore();
  EXPECT_EQ(Scan(), before);
}

TEST_F(DurabilityTest, KeepsTheSchemaInItsOwnFileWhenTheLogIsGone) {
  ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "m", "1")).ok());
  ASSERT_TRUE(WriteOne(MultiRec({Dim("host", "a")}, "mm", {Attr("a", "1")})).ok());
  store_.reset();
  // What the tiers issue will do after moving data out: the log's files go away.
  ASSERT_TRUE(file::RemoveTree(*Env::Default(), file::JoinPath(dir_, "wal")).ok());
  ReopenStore();
  EXPECT_TRUE(Scan().empty());
  EXPECT_NE(OnlyRejection(
                WriteOne(Rec({Dim("host", "a")}, "m", "x", kNowMillis, MeasureValueType::kVarchar)))
                .reason.find("DOUBLE"),
            std::string::npos);
  EXPECT_EQ(OnlyRejection(WriteOne(MultiRec({Dim("host", "a")}, "mm2",
                                            {Attr("a", "x", MeasureValueType::kVarchar)})))
                .record_index,
            0);
}

TEST_F(DurabilityTest, RewritesAMissingSchemaFileFromTheLog) {
  ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "m", "1")).ok());
  store_.reset();
  ASSERT_TRUE(file::RemoveFile(*Env::Default(), file::JoinPath(dir_, "SCHEMA")).ok());
  ReopenStore();
  EXPECT_TRUE(Env::Default()->Exists(file::JoinPath(dir_, "SCHEMA")));
  store_.reset();
  ASSERT_TRUE(file::RemoveTree(*Env::Default(), file::JoinPath(dir_, "wal")).ok());
  ReopenStore();
  EXPECT_EQ(OnlyRejection(
                WriteOne(Rec({Dim("host", "a")}, "m", "1", kNowMillis, MeasureValueType::kBigint)))
                .record_index,
            0);
}

TEST_F(DurabilityTest, RefusesToOpenWithADamagedSchemaFileNamingIt) {
  ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "m", "1")).ok());
  store_.reset();
  const std::string path = file::JoinPath(dir_, "SCHEMA");
  absl::StatusOr<std::string> bytes = file::ReadFile(*Env::Default(), path);
  ASSERT_TRUE(bytes.ok());
  (*bytes)[bytes->size() / 2] ^= 0x40;
  ASSERT_TRUE(file::WriteFileAtomically(*Env::Default(), path, *bytes).ok());
  table::TableStoreOptions o;
  o.options = &options_;
  o.clock = &clock_;
  o.report = [](absl::string_view) {};
  absl::StatusOr<std::unique_ptr<table::TableStore>> s = table::TableStore::Open(dir_, o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(KindOf(s.status()), ErrorKind::kInternalServer);
  EXPECT_NE(s.status().message().find("SCHEMA"), absl::string_view::npos) << s.status();
}

TEST_F(DurabilityTest, KeepsASecondStoreOffTheDirectory) {
  table::TableStoreOptions o;
  o.options = &options_;
  o.clock = &clock_;
  o.report = [](absl::string_view) {};
  absl::StatusOr<std::unique_ptr<table::TableStore>> second = table::TableStore::Open(dir_, o);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(KindOf(second.status()), ErrorKind::kAccessDenied);
}

TEST_F(DurabilityTest, RefusesCallsAfterCloseWhichIsIdempotent) {
  ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "m", "1")).ok());
  EXPECT_TRUE(store_->Close().ok());
  EXPECT_TRUE(store_->Close().ok());
  EXPECT_EQ(KindOf(WriteOne(Rec({Dim("host", "a")}, "m", "2", kNowMillis - 1))),
            ErrorKind::kValidation);
  EXPECT_EQ(KindOf(store_->Scan(ScanRequest(), [](const ScanBatch&) { return true; })),
            ErrorKind::kValidation);
  ReopenStore();
  EXPECT_EQ(Scan().size(), 1u);
}

// Encodes key i as series i with rows_of(i) BIGINT rows holding i, decodes the payload,
// and checks that the keys come back in order and each row with its series.
template <typename RowsOf>
void ExpectKeysRoundTrip(const std::vector<std::string>& keys, RowsOf rows_of) {
  ingest::BatchEncoder encoder;
  encoder.Begin();
  const uint32_t m = encoder.MeasureSlot(0, MeasureValueType::kBigint, "m");
  for (size_t i = 0; i < keys.size(); ++i) {
    const uint32_t s = encoder.SeriesSlot(static_cast<uint32_t>(i), keys[i]);
    for (size_t r = 0; r < rows_of(i); ++r) {
      encoder.Row(s, m, static_cast<int64_t>(r), 1);
      encoder.Value(MeasureValueType::kBigint, i, "");
    }
  }
  const std::string payload(encoder.Finish());
  ingest::BatchDecoder decoder;
  ingest::BatchDecoder::Event e;
  ASSERT_TRUE(decoder.Reset(payload).ok());
  std::vector<std::string> decoded;
  std::vector<uint64_t> rows_of_series(keys.size(), 0);
  while (true) {
    ASSERT_TRUE(decoder.Next(&e).ok());
    if (e.kind == ingest::BatchDecoder::Kind::kEnd) break;
    if (e.kind == ingest::BatchDecoder::Kind::kSeries) decoded.emplace_back(e.key);
    if (e.kind == ingest::BatchDecoder::Kind::kRow) {
      EXPECT_EQ(e.values.at(0).bits, e.series_slot);
      ++rows_of_series[e.series_slot];
    }
  }
  EXPECT_EQ(decoded, keys);
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(rows_of_series[i], rows_of(i));
}

TEST(BatchDecoderTest, RoundTripsSeriesKeysWrittenRelativeToEachOther) {
  const std::vector<std::string> keys = {"abc-1-xyz", "abc-22-xyz", "abc-22-xyz!", "",
                                         "q",         "abc-1-xyz",  "zzzz"};
  // Runs of one, two and three rows.
  ExpectKeysRoundTrip(keys, [](size_t i) { return i % 3 + 1; });
}

TEST(BatchDecoderTest, RoundTripsLongKeysDifferingAnywhere) {
  // Keys longer than the 8-byte words the encoder compares, differing at every position
  // and in length, so shared ends stop inside, at and across word boundaries.
  const std::string base =
      "\x02"
      "az\x0a"
      "us-east-1a\x04"
      "host\x09"
      "host-1234\x06"
      "region";
  std::vector<std::string> keys;
  for (size_t at = 0; at < base.size(); ++at) {
    for (size_t len : {size_t{1}, size_t{3}, size_t{9}}) {
      std::string k = base;
      for (size_t j = at; j < std::min(base.size(), at + len); ++j) k[j] ^= 0x20;
      keys.push_back(k);
      keys.push_back(base);
      keys.push_back(k.substr(0, at) + k.substr(std::min(k.size(), at + len)));
    }
  }
  // Two letters: ends that could be shared past each other (a shared back reaching into
  // the shared front) are common.
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string k(rng() % 41, 'a');
    for (char& c : k) c = static_cast<char>('a' + rng() % 2);
    keys.push_back(k);
  }
  ExpectKeysRoundTrip(keys, [](size_t) { return size_t{1}; });
}

TEST(BatchDecoderTest, ReportsEveryTruncationOrDamageAsAnErrorNeverACrash) {
  ingest::BatchEncoder encoder;
  encoder.Begin();
  const std::string key(
      "\x04host\x01"
      "a",
      7);
  const uint32_t s = encoder.SeriesSlot(5, key);
  const uint32_t m = encoder.MeasureSlot(2, MeasureValueType::kMulti, "mm");
  const uint32_t a = encoder.AttributeSlot(0, MeasureValueType::kVarchar, "a");
  for (int i = 0; i < 3; ++i) {
    encoder.Row(s, m, 1000 - i, 1 + i);
    encoder.MultiCount(1);
    encoder.Attribute(a, MeasureValueType::kVarchar, 0, "text");
  }
  const std::string payload(encoder.Finish());
  ASSERT_EQ(encoder.records(), 3u);
  ingest::BatchDecoder decoder;
  ingest::BatchDecoder::Event e;
  ASSERT_TRUE(decoder.Reset(payload).ok());
  int rows = 0;
  while (true) {
    ASSERT_TRUE(decoder.Next(&e).ok());
    if (e.kind == ingest::BatchDecoder::Kind::kEnd) break;
    if (e.kind == ingest::BatchDecoder::Kind::kRow) {
      EXPECT_EQ(e.time_nanos, 1000 - rows);
      EXPECT_EQ(e.version, 1 + rows);
      EXPECT_EQ(e.values.at(0).text, "text");
      ++rows;
    }
  }
  EXPECT_EQ(rows, 3);
  for (size_t cut = 0; cut < payload.size(); ++cut) {
    absl::Status status = decoder.Reset(absl::string_view(payload.data(), cut));
    while (status.ok()) {
      status = decoder.Next(&e);
      if (status.ok() && e.kind == ingest::BatchDecoder::Kind::kEnd) break;
    }
    EXPECT_FALSE(status.ok()) << "cut at " << cut;
  }
}

// A record type and a value type for BatchEncoder::Rows.
struct BlockRecord {
  int64_t time_nanos;
  int64_t version;
};
struct BlockValue {
  MeasureValueType type;
  uint64_t bits;
  uint32_t decimal = model::kNoDecimal;  // DOUBLE: its decimal code, if it has one.
};

// Every row the decoder gives for `payload`: "time version bits..." (MULTI: slot:bits).
std::vector<std::string> DecodedRows(absl::string_view payload, absl::Status* status) {
  std::vector<std::string> rows;
  ingest::BatchDecoder decoder;
  ingest::BatchDecoder::Event e;
  *status = decoder.Reset(payload);
  while (status->ok()) {
    *status = decoder.Next(&e);
    if (!status->ok() || e.kind == ingest::BatchDecoder::Kind::kEnd) break;
    if (e.kind != ingest::BatchDecoder::Kind::kRow) continue;
    std::string row =
        absl::StrCat(e.series_slot, "/", e.measure_slot, " ", e.time_nanos, " ", e.version);
    for (const ingest::DecodedValue& v : e.values) {
      absl::StrAppend(&row, " ", v.attribute_slot, ":", v.bits);
    }
    rows.push_back(row);
  }
  return rows;
}

// Every truncation of `payload` is an error, never a crash or a wrong row count; a flipped
// byte is an error or other rows, never a crash (the WAL checksum is what catches damage;
// the decoder must only stay within the payload).
void ExpectCutsFailAndFlipsDoNotCrash(const std::string& payload) {
  absl::Status status;
  for (size_t cut = 0; cut < payload.size(); ++cut) {
    DecodedRows(absl::string_view(payload.data(), cut), &status);
    EXPECT_FALSE(status.ok()) << "cut at " << cut;
  }
  for (size_t at = 5; at < payload.size(); ++at) {
    std::string damaged = payload;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    DecodedRows(damaged, &status);
  }
}

TEST(BatchDecoderTest, ReadsBlocksAsTheRowsTheyHold) {
  ingest::BatchEncoder encoder;
  encoder.Begin();
  const uint32_t s = encoder.SeriesSlot(0, "\x04host\x01a");
  const uint32_t scalar = encoder.MeasureSlot(0, MeasureValueType::kBigint, "count");
  const uint32_t multi = encoder.MeasureSlot(1, MeasureValueType::kMulti, "metrics");
  const uint32_t slots[] = {encoder.AttributeSlot(0, MeasureValueType::kDouble, "x"),
                            encoder.AttributeSlot(1, MeasureValueType::kBoolean, "ok"),
                            encoder.AttributeSlot(2, MeasureValueType::kTimestamp, "at")};
  // Times that go backwards and wrap, a version that changes, negative integers.
  const BlockRecord records[] = {{INT64_MAX, 1}, {INT64_MIN, 1}, {-5, 3}, {7, 1}};
  const BlockValue scalars[] = {{MeasureValueType::kBigint, static_cast<uint64_t>(-1)},
                                {MeasureValueType::kBigint, 0},
                                {MeasureValueType::kBigint, 1u << 31},
                                {MeasureValueType::kBigint, 42}};
  std::vector<BlockValue> values;
  for (int i = 0; i < 4; ++i) {
    values.push_back({MeasureValueType::kDouble, 0x3ff0000000000000u + i});
    values.push_back({MeasureValueType::kBoolean, static_cast<uint64_t>(i % 2)});
    values.push_back({MeasureValueType::kTimestamp, static_cast<uint64_t>(-1000 * i)});
  }
  encoder.Rows(s, scalar, records, 4, scalars, 1, nullptr);
  encoder.Rows(s, multi, records + 1, 3, values.data(), 3, slots);  // Versions 1, 3, 1.
  encoder.Rows(s, multi, records + 3, 1, values.data(), 3, slots);  // One row, one version.
  encoder.Row(s, scalar, 9, 2);                                     // A run after blocks.
  encoder.Value(MeasureValueType::kBigint, 5, "");
  const std::string payload(encoder.Finish());
  ASSERT_EQ(encoder.records(), 9u);
  absl::Status status;
  const std::vector<std::string> rows = DecodedRows(payload, &status);
  ASSERT_TRUE(status.ok()) << status;
  const std::vector<std::string> expected = {
      "0/0 9223372036854775807 1 0:18446744073709551615",
      "0/0 -9223372036854775808 1 0:0",
      "0/0 -5 3 0:2147483648",
      "0/0 7 1 0:42",
      "0/1 -9223372036854775808 1 0:4607182418800017408 1:0 2:0",
      "0/1 -5 3 0:4607182418800017409 1:1 2:18446744073709550616",
      "0/1 7 1 0:4607182418800017410 1:0 2:18446744073709549616",
      "0/1 7 1 0:4607182418800017408 1:0 2:0",
      "0/0 9 2 0:5"};
  EXPECT_EQ(rows, expected);
  ExpectCutsFailAndFlipsDoNotCrash(payload);
}

TEST(BatchDecoderTest, ReadsVersionOnePayloadsAndNoBlockInThem) {
  // The example of engine/ingest/FORMAT.md, as a version 1 build wrote it.
  std::string v1("\x01\x02\x00\x00\x00", 5);
  v1 += std::string(
      "\x01\x00\x00\x07\x04host\x01"
      "a",
      11);
  v1 += std::string(
      "\x02\x00\x03"
      "cpu",
      6);
  v1 += std::string("\x04\x00\x00\x02\x00\x00\x00", 7);
  v1 += std::string("\xd0\x0f\x01\x00\x00\x00\x00\x00\x00\xf0\x3f", 11);
  v1 += std::string("\xd0\x0f\x01\x00\x00\x00\x00\x00\x00\x00\x40", 11);
  absl::Status status;
  const std::vector<std::string> rows = DecodedRows(v1, &status);
  ASSERT_TRUE(status.ok()) << status;
  const std::vector<std::string> expected = {"0/0 1000 1 0:4607182418800017408",
                                             "0/0 2000 1 0:4611686018427387904"};
  EXPECT_EQ(rows, expected);
  // A block tag is version 2's: in a version 1 payload it is damage.
  std::string with_block = v1.substr(0, 22) + "\x06" + v1.substr(23);
  DecodedRows(with_block, &status);
  EXPECT_FALSE(status.ok());
  std::string v6 = v1;
  v6[0] = 6;
  DecodedRows(v6, &status);
  EXPECT_FALSE(status.ok());
}

TEST(BatchDecoderTest, ReadsBlocksOfManySeriesAsTheirRowsEachOfItsSeries) {
  ingest::BatchEncoder encoder;
  encoder.Begin();
  const uint32_t series[] = {encoder.SeriesSlot(7, "\x04host\x01a"),
                             encoder.SeriesSlot(3, "\x04host\x01b"),
                             encoder.SeriesSlot(9,
                                                "\x04host\x02"
                                                "cc")};
  const uint32_t scalar = encoder.MeasureSlot(0, MeasureValueType::kDouble, "cpu");
  const uint32_t multi = encoder.MeasureSlot(1, MeasureValueType::kMulti, "metrics");
  const uint32_t slots[] = {encoder.AttributeSlot(0, MeasureValueType::kDouble, "x"),
                            encoder.AttributeSlot(1, MeasureValueType::kBigint, "n")};
  // Times that go backwards and wrap, versions that differ, series in no order.
  const BlockRecord records[] = {{INT64_MAX, 1}, {INT64_MIN, 2}, {-5, 1}, {7, 1}};
  const uint32_t row_series[] = {series[2], series[0], series[2], series[1]};
  // DOUBLEs with decimal codes (1.0 and 2.0), so the column is logged as codes.
  const BlockValue scalars[] = {{MeasureValueType::kDouble, 0x3ff0000000000000u, 1u << 5},
                                {MeasureValueType::kDouble, 0x4000000000000000u, 2u << 5},
                                {MeasureValueType::kDouble, 0x3ff0000000000000u, 1u << 5},
                                {MeasureValueType::kDouble, 0x4000000000000000u, 2u << 5}};
  std::vector<BlockValue> values;
  for (int i = 0; i < 3; ++i) {
    values.push_back({MeasureValueType::kDouble, 0x3ff0000000000000u + i});  // No code.
    values.push_back({MeasureValueType::kBigint, static_cast<uint64_t>(-1000 * i)});
  }
  encoder.SeriesRows(row_series, scalar, records, 4, scalars, 1, nullptr);
  encoder.SeriesRows(row_series + 1, multi, records + 1, 3, values.data(), 2, slots);
  encoder.Row(series[1], scalar, 9, 2);  // A run after blocks.
  encoder.Value(MeasureValueType::kDouble, 0x4000000000000000u, "");
  const std::string payload(encoder.Finish());
  ASSERT_EQ(payload[0], 5);
  ASSERT_EQ(encoder.records(), 8u);
  absl::Status status;
  const std::vector<std::string> rows = DecodedRows(payload, &status);
  ASSERT_TRUE(status.ok()) << status;
  const std::vector<std::string> expected = {
      "2/0 9223372036854775807 1 0:4607182418800017408",
      "0/0 -9223372036854775808 2 0:4611686018427387904",
      "2/0 -5 1 0:4607182418800017408",
      "1/0 7 1 0:4611686018427387904",
      "0/1 -9223372036854775808 2 0:4607182418800017408 1:0",
      "2/1 -5 1 0:4607182418800017409 1:18446744073709550616",
      "1/1 7 1 0:4607182418800017410 1:18446744073709549616",
      "1/0 9 2 0:4611686018427387904"};
  EXPECT_EQ(rows, expected);
  ExpectCutsFailAndFlipsDoNotCrash(payload);
  // The same bytes labelled version 3, which has no blocks of many series: damage.
  std::string v3 = payload;
  v3[0] = 3;
  DecodedRows(v3, &status);
  EXPECT_FALSE(status.ok());
  // A row naming a series slot not defined (3 of 0..2): damage.
  encoder.Begin();
  encoder.SeriesSlot(7, "\x04host\x01a");
  encoder.SeriesSlot(3, "\x04host\x01b");
  encoder.SeriesSlot(9,
                     "\x04host\x02"
                     "cc");
  encoder.MeasureSlot(0, MeasureValueType::kDouble, "cpu");
  const uint32_t undefined[] = {0, 3};
  encoder.SeriesRows(undefined, 0, records, 2, scalars, 1, nullptr);
  DecodedRows(std::string(encoder.Finish()), &status);
  EXPECT_FALSE(status.ok());
}

TEST(BatchDecoderTest, ReadsDoubleBlocksOfVersionTwoRawAndOfVersionThreeAsCodes) {
  // FORMAT.md's example rows as one block: version 2 logs the doubles' 8 bytes, version 3
  // a width byte and then decimal codes (1 -> 1 << 5, 2 -> 2 << 5: one byte each).
  const std::string definitions =
      std::string("\x01\x00\x00\x07\x04host\x01a", 11) + std::string(
                                                             "\x02\x00\x03"
                                                             "cpu",
                                                             6);
  const std::string block_head("\x06\x00\x00\x02\xd0\x0f\xd0\x0f\x00\x01", 10);
  const std::string v2 =
      std::string("\x02\x02\x00\x00\x00", 5) + definitions + block_head +
      std::string("\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\x40", 16);
  const std::string v3 = std::string("\x03\x02\x00\x00\x00", 5) + definitions + block_head +
                         std::string("\x01\x20\x40", 3);
  const std::string v3_raw = std::string("\x03\x02\x00\x00\x00", 5) + definitions + block_head +
                             std::string(1, '\0') + v2.substr(v2.size() - 16);
  const std::vector<std::string> expected = {"0/0 1000 1 0:4607182418800017408",
                                             "0/0 2000 1 0:4611686018427387904"};
  for (const std::string& payload : {v2, v3, v3_raw}) {
    absl::Status status;
    EXPECT_EQ(DecodedRows(payload, &status), expected);
    EXPECT_TRUE(status.ok()) << status;
  }
  // A width above 4, a code with 15 fraction digits, or a column cut short is damage.
  for (const std::string& bad :
       {v3.substr(0, v3.size() - 3) + "\x05\x20\x40", v3.substr(0, v3.size() - 2) + "\x1e\x40",
        v3.substr(0, v3.size() - 1)}) {
    absl::Status status;
    DecodedRows(bad, &status);
    EXPECT_FALSE(status.ok());
  }
}

// The bytes of a block's times as version 5 logs them: the shape byte, then zigzag varints.
std::string TimesBytes(uint8_t shape, std::initializer_list<int64_t> logged) {
  std::string out(1, static_cast<char>(shape));
  for (int64_t v : logged) PutVarint64(&out, ZigZagEncode(v));
  return out;
}

// One block of `times` (Version 1, a BIGINT column holding the row's index) through the
// encoder and back: the rows must come back exactly. Returns the payload.
std::string ExpectBlockTimesRoundTrip(const std::vector<int64_t>& times, bool many_series) {
  ingest::BatchEncoder encoder;
  encoder.Begin();
  const uint32_t s[] = {encoder.SeriesSlot(0,
                                           "\x04host\x01"
                                           "a"),
                        encoder.SeriesSlot(1, "\x04host\x01b")};
  const uint32_t m = encoder.MeasureSlot(0, MeasureValueType::kBigint, "n");
  std::vector<BlockRecord> records;
  std::vector<BlockValue> values;
  std::vector<uint32_t> row_series;
  std::vector<std::string> expected;
  for (size_t i = 0; i < times.size(); ++i) {
    records.push_back({times[i], 1});
    values.push_back({MeasureValueType::kBigint, i});
    row_series.push_back(s[many_series ? i % 2 : 0]);
    expected.push_back(absl::StrCat(row_series.back(), "/0 ", times[i], " 1 0:", i));
  }
  if (many_series) {
    encoder.SeriesRows(row_series.data(), m, records.data(), records.size(), values.data(), 1,
                       nullptr);
  } else {
    encoder.Rows(s[0], m, records.data(), records.size(), values.data(), 1, nullptr);
  }
  std::string payload(encoder.Finish());
  absl::Status status;
  EXPECT_EQ(DecodedRows(payload, &status), expected);
  EXPECT_TRUE(status.ok()) << status;
  return payload;
}

TEST(BatchDecoderTest, LogsBlockTimesEvenlySpacedOrInWholeMillisecondsInFewBytes) {
  constexpr int64_t kT = 1700000000000000000;  // A whole millisecond, in nanoseconds.
  std::vector<int64_t> times;
  // A series appended every millisecond: the shape (even, scale 6), the first time and
  // the step in milliseconds, whatever the row count.
  for (int i = 0; i < 90; ++i) times.push_back(kT + i * 1000000);
  std::string payload = ExpectBlockTimesRoundTrip(times, false);
  EXPECT_NE(payload.find(TimesBytes(0x86, {kT / 1000000, 1})), std::string::npos);
  // Rows of many series at one time: step 0.
  times.assign(100, kT);
  payload = ExpectBlockTimesRoundTrip(times, true);
  EXPECT_NE(payload.find(TimesBytes(0x86, {kT / 1000000, 0})), std::string::npos);
  // Evenly spaced but not whole milliseconds: nanoseconds, still two numbers.
  times = {kT + 1, kT + 1001, kT + 2001, kT + 3001};
  payload = ExpectBlockTimesRoundTrip(times, false);
  EXPECT_NE(payload.find(TimesBytes(0x80, {kT + 1, 1000})), std::string::npos);
  // Upserts of earlier points, going back and forth in whole milliseconds: a delta a row.
  times = {kT + 9000000, kT, kT + 18000000, kT + 81000000, kT - 5000000};
  payload = ExpectBlockTimesRoundTrip(times, false);
  EXPECT_NE(payload.find(TimesBytes(0x06, {kT / 1000000 + 9, -9, 18, 63, -86})), std::string::npos);
  // One time finer than a millisecond makes every delta nanoseconds.
  times = {kT, kT + 2000000, kT + 2000001, kT + 5000000};
  payload = ExpectBlockTimesRoundTrip(times, true);
  EXPECT_NE(payload.find(TimesBytes(0x00, {kT, 2000000, 1, 2999999})), std::string::npos);
  // One row, and two: deltas (two rows are always even).
  payload = ExpectBlockTimesRoundTrip({kT}, false);
  EXPECT_NE(payload.find(TimesBytes(0x06, {kT / 1000000})), std::string::npos);
  payload = ExpectBlockTimesRoundTrip({kT, kT - 3000000}, false);
  EXPECT_NE(payload.find(TimesBytes(0x86, {kT / 1000000, -3})), std::string::npos);
  ExpectCutsFailAndFlipsDoNotCrash(payload);
  // The ends of int64, deltas that wrap, whole milliseconds near the ends.
  const int64_t big = INT64_MAX / 1000000 * 1000000;
  for (const std::vector<int64_t>& edge :
       std::vector<std::vector<int64_t>>{{INT64_MAX, INT64_MIN, -5, 7},
                                         {big, -big, big, 0},
                                         {-big, big, -big + 1000000},
                                         {INT64_MIN, INT64_MIN, INT64_MIN},
                                         {big, big - 1000000, big - 2000000},
                                         {INT64_MIN + 1, 1, INT64_MIN + 1}}) {
    ExpectBlockTimesRoundTrip(edge, false);
    ExpectBlockTimesRoundTrip(edge, true);
  }
  // Random blocks: times from a few shapes, mixed, every one back exactly.
  std::mt19937_64 rng(7);
  for (int round = 0; round < 3000; ++round) {
    const size_t n = 1 + rng() % 12;
    const int64_t step = (rng() % 3 == 0 ? 1 : 1000000) * static_cast<int64_t>(rng() % 2000 - 1000);
    times.clear();
    int64_t t = kT + static_cast<int64_t>(rng() % 1000000) * (rng() % 2 == 0 ? 1000000 : 1);
    for (size_t i = 0; i < n; ++i) {
      times.push_back(t);
      const uint64_t next = rng() % 8 == 0 ? rng()
                                           : static_cast<uint64_t>(t) +
                                                 (rng() % 8 == 0 ? 1 : static_cast<uint64_t>(step));
      t = static_cast<int64_t>(next);  // Wrapping: any int64 may come next.
      if (rng() % 8 == 0) t = t / 1000000 * 1000000;
    }
    ExpectBlockTimesRoundTrip(times, round % 2 == 1);
  }
}

TEST(BatchDecoderTest, ReadsVersionFourBlockTimesAsNanosecondsAndRefusesBadShapes) {
  const std::string definitions = std::string(
                                      "\x01\x00\x00\x07\x04host\x01"
                                      "a",
                                      11) +
                                  std::string(
                                      "\x02\x00\x03"
                                      "cpu",
                                      6);
  const std::string head("\x06\x00\x00\x02", 4);      // Block: series 0, measure 0, 2 rows.
  const std::string tail("\x00\x01\x01\x20\x40", 5);  // Version 1; codes of 1.0 and 2.0.
  auto payload = [&](char version, const std::string& times) {
    return std::string(1, version) + std::string("\x02\x00\x00\x00", 4) + definitions + head +
           times + tail;
  };
  const std::vector<std::string> expected = {"0/0 1000 1 0:4607182418800017408",
                                             "0/0 2000 1 0:4611686018427387904"};
  const std::vector<std::string> expected_ms = {"0/0 1000000 1 0:4607182418800017408",
                                                "0/0 2000000 1 0:4611686018427387904"};
  absl::Status status;
  // Version 4: a delta per row, nanoseconds, no shape byte (FORMAT.md's example).
  EXPECT_EQ(DecodedRows(payload(4, "\xd0\x0f\xd0\x0f"), &status), expected);
  EXPECT_TRUE(status.ok()) << status;
  // Version 5: even in nanoseconds, even in milliseconds, deltas in milliseconds.
  EXPECT_EQ(DecodedRows(payload(5, "\x80\xd0\x0f\xd0\x0f"), &status), expected);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(DecodedRows(payload(5, "\x86\x02\x02"), &status), expected_ms);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(DecodedRows(payload(5, "\x06\x02\x02"), &status), expected_ms);
  EXPECT_TRUE(status.ok()) << status;
  // Scale 3 (microseconds) is read too, though this build writes 0 and 6 only.
  EXPECT_EQ(DecodedRows(payload(5, std::string("\x83\xd0\x0f\xd0\x0f", 5)), &status), expected_ms);
  EXPECT_TRUE(status.ok()) << status;
  // The encoder writes what FORMAT.md says for those rows.
  ingest::BatchEncoder encoder;
  encoder.Begin();
  encoder.SeriesSlot(0,
                     "\x04host\x01"
                     "a");
  encoder.MeasureSlot(0, MeasureValueType::kDouble, "cpu");
  const BlockRecord records[] = {{1000000, 1}, {2000000, 1}};
  const BlockValue values[] = {{MeasureValueType::kDouble, 0x3ff0000000000000u, 1u << 5},
                               {MeasureValueType::kDouble, 0x4000000000000000u, 2u << 5}};
  encoder.Rows(0, 0, records, 2, values, 1, nullptr);
  EXPECT_EQ(std::string(encoder.Finish()), payload(5, "\x86\x02\x02"));
  // A scale over 18, a reserved bit, a cut after the shape byte: damage, not a guess.
  for (const std::string& bad : {std::string("\x93\x02\x02"), std::string("\xa6\x02\x02"),
                                 std::string("\x46\x02\x02"), std::string("\x86\x02")}) {
    DecodedRows(payload(5, bad), &status);
    EXPECT_FALSE(status.ok()) << absl::CEscape(bad);
  }
  // Version 5 times read as version 4 give other times or fail: never the same rows.
  EXPECT_NE(DecodedRows(payload(4, "\x86\x02\x02"), &status), expected_ms);
}

}  // namespace
}  // namespace tsw::testing
