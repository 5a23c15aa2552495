// The forwarder's record path (LogDecoder + WriteRequestJson) against the reference path
// (reference_request.h's BatchRecords + BuildRequest + apijson::ToJson) on random WAL batches: the
// same body, byte for byte, and the body parses back to the reference request.
#include "engine/forward/json_request.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "engine/common/decimal_code.h"
#include "engine/forward/record_builder.h"
#include "engine/ingest/batch_codec.h"
#include "engine/model/series_key.h"
#include "engine/wire/api_json.h"
#include "gtest/gtest.h"
#include "tests/forward/reference_request.h"

namespace tsw::forward {
namespace {

struct TestSeries {
  std::vector<Dimension> dimensions;  // Name order.
  std::string key;
};

std::string KeyOf(const std::vector<Dimension>& dims) {
  std::string key(1024, '\0');
  char* p = key.data();
  for (const Dimension& d : dims) {
    p = model::EncodeKeyPiece(p, d.name);
    p = model::EncodeKeyPiece(p, d.value);
  }
  key.resize(static_cast<size_t>(p - key.data()));
  return key;
}

std::vector<TestSeries> MakeSeries() {
  const std::vector<std::vector<Dimension>> sets = {
      {{"az", "us-east-1a"}, {"host", "h1"}, {"region", "us-east-1"}},
      {{"az", "us-east-1a"}, {"host", "h2"}, {"region", "us-east-1"}},
      {{"az", "us-east-1b"}, {"host", "h3"}, {"region", "us-east-1"}},
      {{"host", "h4"}, {"region", "us-east-1"}},
      {{"a\"b", "q\"uo\\te\n"}, {"host", "h\x01\x1f"}, {"region", "us-east-1"}},
      {{"host", "h\xc3\xa9\xe2\x82\xac"}, {"region", "eu\t"}},
      {{"region", "us-east-1"}},
      {},
  };
  std::vector<TestSeries> out;
  for (const auto& dims : sets) out.push_back(TestSeries{dims, KeyOf(dims)});
  return out;
}

struct TestMeasure {
  std::string name;
  MeasureValueType type;
};

const std::vector<TestMeasure>& Measures() {
  static const std::vector<TestMeasure> m = {
      {"cpu", MeasureValueType::kDouble},      {"mem", MeasureValueType::kBigint},
      {"up", MeasureValueType::kBoolean},      {"state", MeasureValueType::kVarchar},
      {"seen", MeasureValueType::kTimestamp},  {"metrics", MeasureValueType::kMulti},
      {"t\"e\\mp", MeasureValueType::kDouble},
  };
  return m;
}

const std::vector<TestMeasure>& Attributes() {
  static const std::vector<TestMeasure> a = {
      {"x", MeasureValueType::kDouble},   {"n", MeasureValueType::kBigint},
      {"s", MeasureValueType::kVarchar},  {"at", MeasureValueType::kTimestamp},
      {"ok", MeasureValueType::kBoolean}, {"q\"", MeasureValueType::kDouble},
  };
  return a;
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  uint64_t Value(MeasureValueType type, std::string* text) {
    text->clear();
    switch (type) {
      case MeasureValueType::kDouble: {
        static const double kDoubles[] = {-0.0,
                                          0.0,
                                          1e300,
                                          -1e-300,
                                          5e-324,
                                          12.34,
                                          0.1,
                                          100000.0,
                                          std::numeric_limits<double>::max(),
                                          std::numeric_limits<double>::min(),
                                          1.0 / 3};
        double d;
        if (Pick(3) == 0) {
          uint64_t bits;
          do bits = rng_();
          while ((bits & 0x7ff0000000000000ULL) == 0x7ff0000000000000ULL);
          return bits;
        }
        d = Pick(2) == 0 ? kDoubles[Pick(std::size(kDoubles))]
                         : static_cast<double>(static_cast<int64_t>(Pick(2000000)) - 1000000) / 100;
        uint64_t bits;
        std::memcpy(&bits, &d, sizeof d);
        return bits;
      }
      case MeasureValueType::kBigint: {
        static const int64_t kInts[] = {std::numeric_limits<int64_t>::min(),
                                        std::numeric_limits<int64_t>::max(), 0, -1, 42};
        return static_cast<uint64_t>(Pick(2) == 0 ? kInts[Pick(std::size(kInts))]
                                                  : static_cast<int64_t>(rng_()));
      }
      case MeasureValueType::kTimestamp:
        return static_cast<uint64_t>(Time());
      case MeasureValueType::kBoolean:
        return Pick(2);
      case MeasureValueType::kVarchar: {
        static const char* kTexts[] = {"ok",
                                       "",
                                       "with \"quotes\" and \\",
                                       "line\nbreak\x02",
                                       "\xe2\x9c\x93 unicode",
                                       "a longer value of some length"};
        *text = kTexts[Pick(std::size(kTexts))];
        return 0;
      }
      case MeasureValueType::kMulti:
        break;
    }
    return 0;
  }

  // Times of a few shared values and of every unit's granularity.
  int64_t Time() {
    static const int64_t kBase = 1700000000LL * 1000000000;
    static const int64_t kSteps[] = {1000000000, 1000000, 1000, 1};
    if (Pick(2) == 0) return kBase + static_cast<int64_t>(Pick(3)) * 1000000000;
    const int64_t step = kSteps[Pick(std::size(kSteps))];
    return kBase + static_cast<int64_t>(Pick(1000)) * step * (Pick(8) == 0 ? -1 : 1);
  }

  // One payload of up to `max_records` records.
  std::string Batch(const std::vector<TestSeries>& series, size_t max_records) {
    encoder_.Begin();
    const size_t n = 1 + Pick(max_records);
    std::string text;
    std::vector<std::string> texts;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t si = static_cast<uint32_t>(Pick(series.size()));
      const uint32_t mi = static_cast<uint32_t>(Pick(Measures().size()));
      const TestMeasure& m = Measures()[mi];
      const uint32_t s = encoder_.SeriesSlot(si, series[si].key);
      const uint32_t ms = encoder_.MeasureSlot(mi, m.type, m.name);
      const int64_t version = Pick(4) == 0 ? static_cast<int64_t>(1 + Pick(5)) : 1;
      if (m.type != MeasureValueType::kMulti) {
        encoder_.Row(s, ms, Time(), version);
        const uint64_t bits = Value(m.type, &text);
        encoder_.Value(m.type, bits, text);
        continue;
      }
      // MULTI: a random subset of the attributes (the others NULL; never all of them, which
      // ingest refuses), defined before the row.
      std::vector<uint32_t> ids, slots;
      const uint32_t always = static_cast<uint32_t>(Pick(Attributes().size()));
      for (uint32_t a = 0; a < Attributes().size(); ++a) {
        if (a != always && Pick(3) == 0) continue;
        ids.push_back(a);
        slots.push_back(encoder_.AttributeSlot(a, Attributes()[a].type, Attributes()[a].name));
      }
      encoder_.Row(s, ms, Time(), version);
      encoder_.MultiCount(static_cast<uint32_t>(ids.size()));
      for (size_t k = 0; k < ids.size(); ++k) {
        const MeasureValueType type = Attributes()[ids[k]].type;
        const uint64_t bits = Value(type, &text);
        encoder_.Attribute(slots[k], type, bits, text);
      }
    }
    const absl::string_view payload = encoder_.Finish();
    return std::string(payload.data(), payload.size());
  }

  uint64_t Pick(uint64_t n) { return rng_() % n; }

 private:
  std::mt19937_64 rng_;
  ingest::BatchEncoder encoder_;
};

// Decodes `payloads` both ways and compares the requests of random runs of records
// (as shards form them: a record's shard by its hash, runs of up to 100 per shard).
void ExpectSameRequests(const std::vector<std::string>& payloads, Generator* gen) {
  BatchRecords reference_decoder;
  LogDecoder decoder;
  std::vector<LoggedRecord> reference;
  std::vector<LogRecord> records;
  for (const std::string& p : payloads) {
    const absl::Status rs = reference_decoder.Decode(p, &reference);
    ASSERT_TRUE(rs.ok()) << rs;
    ASSERT_TRUE(decoder.Decode(p, &records).ok());
  }
  ASSERT_EQ(records.size(), reference.size());
  const size_t shards = 1 + gen->Pick(4);
  std::vector<std::vector<size_t>> queues(shards);
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_EQ(records[i].shard_hash, reference[i].shard_hash) << i;
    queues[records[i].shard_hash % shards].push_back(i);
  }
  const std::string prefix = RequestPrefix("db\"1", "table");
  std::string body;
  for (const std::vector<size_t>& queue : queues) {
    for (size_t start = 0; start < queue.size();) {
      const size_t n = std::min(queue.size() - start, 1 + gen->Pick(100));
      std::vector<const LogRecord*> run;
      std::vector<LoggedRecord*> reference_run;
      for (size_t k = start; k < start + n; ++k) {
        run.push_back(&records[queue[k]]);
        reference_run.push_back(&reference[queue[k]]);
      }
      start += n;
      WriteRequestJson(run, prefix, &body);
      const std::string expected = apijson::ToJson(BuildRequest(reference_run, "db\"1", "table"));
      ASSERT_EQ(body, expected);
      absl::StatusOr<WriteRecordsRequest> parsed = apijson::ParseWriteRecordsRequest(body);
      ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << body;
      ASSERT_EQ(parsed->records.size(), n);
      EXPECT_EQ(apijson::ToJson(*parsed), expected);
    }
  }
}

// A block's records and values as BatchEncoder::SeriesRows and Rows take them.
struct BlockRecord {
  int64_t time_nanos;
  int64_t version;
};
struct BlockValue {
  MeasureValueType type;
  uint64_t bits;
  uint32_t decimal;
};

TEST(JsonRequestTest, RandomBatchesGiveTheReferenceRequestsByteForByte) {
  const std::vector<TestSeries> series = MakeSeries();
  Generator gen(20261206);
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> payloads;
    const size_t batches = 1 + gen.Pick(5);
    for (size_t b = 0; b < batches; ++b) payloads.push_back(gen.Batch(series, 150));
    ExpectSameRequests(payloads, &gen);
    if (HasFatalFailure()) return;
  }
}

// DOUBLE columns logged as decimal codes (blocks of many series, as ingest writes a
// request's records of one measure): values from their codes' digits, the same text as the
// reference's from the doubles. Codes with trailing zeros, up to 14 fraction digits, zero
// and -0.0 among them; some blocks have a value without a code (8-byte columns).
TEST(JsonRequestTest, DecimalCodedDoublesGiveTheReferenceRequestsByteForByte) {
  const std::vector<TestSeries> series = MakeSeries();
  Generator gen(20261207);
  ingest::BatchEncoder encoder;
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> payloads;
    const size_t batches = 1 + gen.Pick(4);
    for (size_t b = 0; b < batches; ++b) {
      encoder.Begin();
      const uint32_t measure = gen.Pick(2) == 0 ? 0 : 6;  // cpu or t"e\mp, both DOUBLE.
      const uint32_t m =
          encoder.MeasureSlot(measure, MeasureValueType::kDouble, Measures()[measure].name);
      const size_t n = 1 + gen.Pick(120);
      std::vector<uint32_t> slots;
      std::vector<BlockRecord> records;
      std::vector<BlockValue> values;
      const bool uncoded = gen.Pick(5) == 0;
      for (size_t i = 0; i < n; ++i) {
        const uint32_t si = static_cast<uint32_t>(gen.Pick(series.size()));
        slots.push_back(encoder.SeriesSlot(si, series[si].key));
        records.push_back(
            {gen.Time(), gen.Pick(4) == 0 ? static_cast<int64_t>(1 + gen.Pick(5)) : 1});
        uint64_t mantissa = gen.Pick(4) == 0 ? gen.Pick(100) : gen.Pick(uint64_t{1} << 26);
        const uint32_t zeros = static_cast<uint32_t>(gen.Pick(4));
        for (uint32_t z = 0; z < zeros && mantissa * 10 < (uint64_t{1} << 26); ++z) mantissa *= 10;
        const uint32_t fraction = static_cast<uint32_t>(gen.Pick(kMaxDecimalFraction + 1));
        uint32_t code = PackDecimal(mantissa, fraction, gen.Pick(3) == 0);
        uint64_t bits = DecimalBits(code);
        if (uncoded && gen.Pick(10) == 0) {
          code = kNoDecimal;
          std::string unused;
          bits = gen.Value(MeasureValueType::kDouble, &unused);
        }
        values.push_back({MeasureValueType::kDouble, bits, code});
      }
      encoder.SeriesRows(slots.data(), m, records.data(), n, values.data(), 1, nullptr);
      const absl::string_view payload = encoder.Finish();
      payloads.emplace_back(payload.data(), payload.size());
    }
    ExpectSameRequests(payloads, &gen);
    if (HasFatalFailure()) return;
  }
}

// Ids compare strings as integers and stay exact across the table's clearing: a string
// seen again after it gets an id of the new generation, which SameString still matches by
// the bytes, while ids of one generation differ exactly when the strings do.
TEST(JsonRequestTest, StringIdsAreEqualExactlyForEqualStringsAcrossGenerations) {
  StringIds ids;
  const uint64_t a = ids.Id("region"), b = ids.Id("host");
  EXPECT_EQ(ids.Id("region"), a);
  EXPECT_NE(a, b);
  EXPECT_TRUE(SameString(a, ids.Id("region"), "region", "region"));
  EXPECT_FALSE(SameString(a, b, "region", "host"));
  for (size_t i = 0; i < StringIds::kMaxStrings; ++i) ids.Id(absl::StrCat("s", i));
  const uint64_t a2 = ids.Id("region"), b2 = ids.Id("host");
  EXPECT_NE(a2 >> 32, a >> 32);  // A new generation.
  EXPECT_NE(a2, b2);
  EXPECT_TRUE(SameString(a, a2, "region", "region"));
  EXPECT_TRUE(SameString(a2, a, "region", "region"));
  EXPECT_FALSE(SameString(a, b2, "region", "host"));
  EXPECT_FALSE(SameString(a2, b2, "region", "host"));
}

TEST(JsonRequestTest, OneSeriesOneMeasureGoesAllIntoCommonAttributes) {
  const std::vector<TestSeries> series = MakeSeries();
  ingest::BatchEncoder encoder;
  encoder.Begin();
  const uint32_t s = encoder.SeriesSlot(0, series[0].key);
  const uint32_t m = encoder.MeasureSlot(0, MeasureValueType::kDouble, "cpu");
  for (int i = 0; i < 3; ++i) {
    encoder.Row(s, m, int64_t{1700000000} * 1000000000 + i * 1000000000LL, 1);
    const double d = i == 0 ? -0.0 : 1.5 * i;
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof d);
    encoder.Value(MeasureValueType::kDouble, bits, "");
  }
  const absl::string_view payload = encoder.Finish();
  LogDecoder decoder;
  std::vector<LogRecord> records;
  ASSERT_TRUE(decoder.Decode(payload, &records).ok());
  std::vector<const LogRecord*> run;
  for (const LogRecord& r : records) run.push_back(&r);
  std::string body;
  WriteRequestJson(run, RequestPrefix("db", "t"), &body);
  EXPECT_EQ(body,
            "{\"DatabaseName\":\"db\",\"TableName\":\"t\",\"CommonAttributes\":{\"Dimensions\":["
            "{\"Name\":\"az\",\"Value\":\"us-east-1a\"},{\"Name\":\"host\",\"Value\":\"h1\"},"
            "{\"Name\":\"region\",\"Value\":\"us-east-1\"}],\"MeasureName\":\"cpu\","
            "\"MeasureValueType\":\"DOUBLE\",\"TimeUnit\":\"SECONDS\",\"Version\":1},"
            "\"Records\":[{\"MeasureValue\":\"-0\",\"Time\":\"1700000000\"},"
            "{\"MeasureValue\":\"1.5\",\"Time\":\"1700000001\"},"
            "{\"MeasureValue\":\"3\",\"Time\":\"1700000002\"}]}");
}

// Batches from writers taking turns, each with its series in its own order, decode to the
// right series and share their writer's list; batches that follow a list part way (one
// diverging, one shorter, one longer) get their own, with the right series in every slot.
TEST(JsonRequestTest, BatchesOfRecentSeriesListsShareThemAndDivergingOnesDoNot) {
  const std::vector<TestSeries> series = MakeSeries();
  const std::vector<std::vector<uint32_t>> orders = {
      {0, 1, 2, 3}, {4, 5, 6}, {7, 3, 1}, {0, 1, 5, 3}, {0, 1}, {4, 5, 6, 2}, {2}};
  auto batch = [&](const std::vector<uint32_t>& order) {
    ingest::BatchEncoder encoder;
    encoder.Begin();
    const uint32_t m = encoder.MeasureSlot(0, MeasureValueType::kDouble, "cpu");
    for (uint32_t si : order) {
      const uint32_t s = encoder.SeriesSlot(si, series[si].key);
      encoder.Row(s, m, int64_t{1700000000} * 1000000000, 1);
      encoder.Value(MeasureValueType::kDouble, 0, "");
    }
    return std::string(encoder.Finish());
  };
  LogDecoder decoder;
  std::vector<const SeriesList*> first_list(orders.size(), nullptr);
  // Writers 0-2 take turns three times, then the partial followers, then writer 1 again.
  const std::vector<size_t> sequence = {0, 1, 2, 0, 1, 2, 0, 1, 2, 3, 4, 5, 6, 1, 0};
  for (size_t w : sequence) {
    std::vector<LogRecord> records;
    ASSERT_TRUE(decoder.Decode(batch(orders[w]), &records).ok());
    ASSERT_EQ(records.size(), orders[w].size());
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ(records[i].series_json().key, series[orders[w][i]].key) << w << " " << i;
      EXPECT_EQ(records[i].series_json().dimensions.size(), series[orders[w][i]].dimensions.size());
    }
    const SeriesList* list = records[0].batch->series.get();
    EXPECT_EQ(list->size(), orders[w].size());
    if (first_list[w] == nullptr) {
      for (const SeriesList* other : first_list) EXPECT_NE(other, list) << w;
      first_list[w] = list;
    } else {
      EXPECT_EQ(list, first_list[w]) << w;  // Shared with the writer's earlier batches.
    }
  }
}

// Writers sending the same series batch after batch, as ingest logs them (each batch's
// series defined in one run, then a block of many series): a run whose bytes are a recent
// batch's takes that batch's series without rebuilding a key, and a block's rows are taken
// at once. Writers whose keys differ in one byte (same lengths), batches defining a prefix
// of a writer's series, blocks of one series, MULTI blocks, and batches defining one more
// series after their block (relative to the run's last key) are mixed in; every request is
// the reference's, byte for byte.
TEST(JsonRequestTest, RepeatedSeriesDefinitionsGiveTheReferenceRequestsByteForByte) {
  std::vector<TestSeries> series;
  for (int i = 0; i < 40; ++i) {
    std::vector<Dimension> dims = {{"host", absl::StrCat("h", 10 + i)}, {"region", "us-east-1"}};
    if (i % 3 == 0) dims.insert(dims.begin(), Dimension{"az", absl::StrCat("a", i % 7)});
    series.push_back(TestSeries{dims, KeyOf(dims)});
  }
  // Writer w's series: 8 of its own (w * 8 ...), in its own order.
  std::vector<std::vector<uint32_t>> writers(5);
  for (uint32_t w = 0; w < writers.size(); ++w) {
    for (uint32_t k = 0; k < 8; ++k) writers[w].push_back(w * 8 + (k * 3 + w) % 8);
  }
  Generator gen(20261208);
  ingest::BatchEncoder encoder;
  for (int round = 0; round < 100; ++round) {
    std::vector<std::string> payloads;
    const size_t batches = 1 + gen.Pick(12);
    for (size_t b = 0; b < batches; ++b) {
      const std::vector<uint32_t>& order = writers[gen.Pick(writers.size())];
      const size_t n = gen.Pick(5) == 0 ? 1 + gen.Pick(order.size()) : order.size();
      encoder.Begin();
      // A DOUBLE measure, or a MULTI one of three attributes (values column by column in
      // the block: a record's are `rows` apart).
      const bool multi = gen.Pick(3) == 0;
      const uint32_t measure = multi ? 5 : 0;
      const uint32_t m =
          encoder.MeasureSlot(measure, Measures()[measure].type, Measures()[measure].name);
      std::vector<uint32_t> attribute_slots;
      for (uint32_t a : {0u, 1u, 3u}) {
        if (multi) {
          attribute_slots.push_back(
              encoder.AttributeSlot(a, Attributes()[a].type, Attributes()[a].name));
        }
      }
      std::vector<uint32_t> slots;
      std::vector<BlockRecord> records;
      std::vector<BlockValue> values;
      for (size_t i = 0; i < n; ++i) {
        slots.push_back(encoder.SeriesSlot(order[i], series[order[i]].key));
        records.push_back({gen.Time(), gen.Pick(6) == 0 ? 3 : 1});
        const uint32_t code = PackDecimal(gen.Pick(100000), 2, false);
        values.push_back({MeasureValueType::kDouble, DecimalBits(code), code});
        if (multi) {
          values.push_back({MeasureValueType::kBigint, gen.Pick(1000), kNoDecimal});
          values.push_back(
              {MeasureValueType::kTimestamp, static_cast<uint64_t>(gen.Time()), kNoDecimal});
        }
      }
      const size_t columns = multi ? 3 : 1;
      const uint32_t* attributes = multi ? attribute_slots.data() : nullptr;
      if (gen.Pick(5) == 0) {
        // All of one series: a block of one series (its definition alone, one run).
        encoder.Rows(slots[0], m, records.data(), n, values.data(), columns, attributes);
      } else {
        encoder.SeriesRows(slots.data(), m, records.data(), n, values.data(), columns, attributes);
      }
      if (gen.Pick(4) == 0) {
        const uint32_t extra = static_cast<uint32_t>(gen.Pick(series.size()));
        const uint32_t cpu = encoder.MeasureSlot(0, MeasureValueType::kDouble, "cpu");
        encoder.Row(encoder.SeriesSlot(extra, series[extra].key), cpu, gen.Time(), 2);
        encoder.Value(MeasureValueType::kDouble, 0, "");
      }
      const absl::string_view payload = encoder.Finish();
      payloads.emplace_back(payload.data(), payload.size());
    }
    ExpectSameRequests(payloads, &gen);
    if (HasFatalFailure()) return;
  }
}

// The definitions a payload opens with as PeekDefinitions sees them (a measure's between
// series', as ingest writes them), and passing over their series leaves the decoder
// reading on as Next does after reading them: the measure's event, the rows, a series
// defined after them (its key rebuilt from the passed ones' last key).
TEST(JsonRequestTest, PeekedDefinitionsAreTheOpeningOnesAndPassingTheirSeriesReadsOn) {
  const std::vector<TestSeries> series = MakeSeries();
  ingest::BatchEncoder encoder;
  encoder.Begin();
  const uint32_t first = encoder.SeriesSlot(0, series[0].key);
  const uint32_t m = encoder.MeasureSlot(0, MeasureValueType::kDouble, "cpu");
  const uint32_t slots[] = {first, encoder.SeriesSlot(1, series[1].key),
                            encoder.SeriesSlot(2, series[2].key)};
  const BlockRecord records[] = {{1, 1}, {2, 1}, {3, 1}};
  const BlockValue values[] = {{MeasureValueType::kDouble, 0, kNoDecimal},
                               {MeasureValueType::kDouble, 0, kNoDecimal},
                               {MeasureValueType::kDouble, 0, kNoDecimal}};
  encoder.SeriesRows(slots, m, records, 3, values, 1, nullptr);
  encoder.Row(encoder.SeriesSlot(4, series[4].key), m, 4, 1);
  encoder.Value(MeasureValueType::kDouble, 0, "");
  const std::string payload(encoder.Finish());

  ingest::BatchDecoder decoder;
  ASSERT_TRUE(decoder.Reset(payload).ok());
  uint32_t count = 7;
  const absl::string_view definitions = decoder.PeekDefinitions(&count);
  EXPECT_EQ(count, 3u);
  // After the header (5 bytes), up to the block's tag.
  EXPECT_EQ(definitions.data(), payload.data() + 5);
  ASSERT_LT(definitions.size() + 5, payload.size());
  EXPECT_EQ(static_cast<uint8_t>(definitions.data()[definitions.size()]), ingest::kSeriesBlockTag);
  decoder.PassSeriesDefinitions(definitions, series[2].key);

  ingest::BatchDecoder reader;  // Reads every definition.
  ASSERT_TRUE(reader.Reset(payload).ok());
  std::vector<std::string> keys;
  std::vector<ingest::BatchDecoder::Event> passed, read;
  while (true) {
    ingest::BatchDecoder::Event e;
    ASSERT_TRUE(decoder.Next(&e).ok());
    passed.push_back(e);
    if (e.kind == ingest::BatchDecoder::Kind::kEnd) break;
  }
  while (true) {
    ingest::BatchDecoder::Event e;
    ASSERT_TRUE(reader.Next(&e).ok());
    if (e.kind == ingest::BatchDecoder::Kind::kSeries && keys.size() < 3) {
      keys.emplace_back(e.key);
      continue;
    }
    if (e.kind == ingest::BatchDecoder::Kind::kSeries) EXPECT_EQ(e.key, series[4].key);
    read.push_back(e);
    if (e.kind == ingest::BatchDecoder::Kind::kEnd) break;
  }
  EXPECT_EQ(keys, (std::vector<std::string>{series[0].key, series[1].key, series[2].key}));
  ASSERT_EQ(passed.size(), read.size());
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(passed[i].kind, read[i].kind) << i;
    if (read[i].kind == ingest::BatchDecoder::Kind::kSeries) {
      EXPECT_EQ(std::string(passed[i].key), std::string(read[i].key)) << i;
    }
    EXPECT_EQ(passed[i].name, read[i].name) << i;
    EXPECT_EQ(passed[i].series_slot, read[i].series_slot) << i;
    EXPECT_EQ(passed[i].time_nanos, read[i].time_nanos) << i;
  }
}

TEST(JsonRequestTest, MalformedPayloadIsAnInternalErrorAndAppendsNothing) {
  const std::vector<TestSeries> series = MakeSeries();
  Generator gen(5);
  const std::string good = gen.Batch(series, 20);
  LogDecoder decoder;
  std::vector<LogRecord> records;
  ASSERT_TRUE(decoder.Decode(good, &records).ok());
  const size_t before = records.size();
  for (size_t cut = 1; cut < good.size(); cut += 3) {
    const absl::Status s = decoder.Decode(absl::string_view(good).substr(0, cut), &records);
    ASSERT_FALSE(s.ok()) << cut;
    EXPECT_EQ(records.size(), before);
  }
}

}  // namespace
}  // namespace tsw::forward
