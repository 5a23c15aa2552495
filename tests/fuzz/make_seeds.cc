// Writes the binary seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) with
// the engine's own encoders, so each seed is a valid input that mutations start from:
//   bazel run //tests/fuzz:make_seeds -- "$PWD/tests/fuzz/corpus"
// Each seed starts with the byte its target reads to choose the check (see the targets'
// headers). Text corpora (api_json, sigv4, page_token, write_records) are written by hand.
// Deterministic: running it again rewrites the same bytes.
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/catalog/catalog_format.h"
#include "engine/common/coding.h"
#include "engine/common/decimal_code.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "engine/encoding/zstd_column.h"
#include "engine/ingest/batch_codec.h"
#include "engine/magnetic/block.h"
#include "engine/magnetic/manifest.h"
#include "engine/magnetic/segment_format.h"
#include "engine/magnetic/segment_writer.h"
#include "engine/wal/log.h"
#include "tsw/types.h"

namespace tsw {
namespace {

std::string out_dir;

void Die(absl::string_view what) {
  std::fprintf(stderr, "make_seeds: %.*s\n", static_cast<int>(what.size()), what.data());
  std::exit(1);
}
void Check(const absl::Status& status, absl::string_view what) {
  if (!status.ok()) Die(absl::StrCat(what, ": ", status.ToString()));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Writes corpus/<target>/<name>: the mode byte, then `bytes`.
void Seed(const std::string& target, const std::string& name, uint8_t mode,
          absl::string_view bytes) {
  const std::string dir = absl::StrCat(out_dir, "/", target);
  std::filesystem::create_directories(dir);
  std::ofstream out(absl::StrCat(dir, "/", name), std::ios::binary | std::ios::trunc);
  out.put(static_cast<char>(mode));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) Die(absl::StrCat("cannot write ", dir, "/", name));
}

// ------------------------------------------------------------------------------ codec

template <typename T, typename Encode>
void CodecSeeds(const std::string& kind, uint8_t mode, const std::vector<T>& values,
                Encode encode) {
  for (const encoding::RegisteredCodec<T>& r : encoding::RegisteredCodecs<T>()) {
    encoding::EncodeOptions options;
    options.codec = r.codec->id;
    std::string column;
    if (!encode(values, &column, options).ok()) continue;  // The constant codec, mostly.
    Seed("codec", absl::StrCat(kind, "_", r.codec->name), mode, column);
  }
}

void CodecCorpus() {
  std::vector<int64_t> ints = {1700000000000000000, 1700000001000000000, 1700000002000000000,
                               1700000003000000007, 1700000004000000000};
  for (int i = 0; i < 140; ++i) ints.push_back(ints.back() + 1000 + (i % 7));
  CodecSeeds<int64_t>("int64", 0, ints, [](const auto& v, std::string* out, const auto& o) {
    return encoding::EncodeInt64s(v, out, o);
  });
  CodecSeeds<int64_t>("int64_constant", 0, std::vector<int64_t>(9, -42),
                      [](const auto& v, std::string* out, const auto& o) {
                        return encoding::EncodeInt64s(v, out, o);
                      });
  std::vector<double> decimals, raw = {0.0, -0.0, 1.5, std::nan(""), 1e308, 4.9e-324, -2.25};
  for (int i = 0; i < 40; ++i) decimals.push_back((2000 + i * 37 % 500) / 100.0);
  CodecSeeds<double>("double_decimals", 1, decimals,
                     [](const auto& v, std::string* out, const auto& o) {
                       return encoding::EncodeDoubles(v, out, o);
                     });
  CodecSeeds<double>("double_raw", 1, raw, [](const auto& v, std::string* out, const auto& o) {
    return encoding::EncodeDoubles(v, out, o);
  });
  const std::vector<absl::string_view> strings = {"eu-west-1", "us-east-1",  "eu-west-1",
                                                  "",          "ap-south-1", "eu-west-1"};
  CodecSeeds<absl::string_view>("string", 2, strings,
                                [](const auto& v, std::string* out, const auto& o) {
                                  return encoding::EncodeStrings(v, out, o);
                                });
  std::vector<uint8_t> bools;
  for (int i = 0; i < 70; ++i) bools.push_back(i % 9 < 5);
  CodecSeeds<uint8_t>("bool", 3, bools, [](const auto& v, std::string* out, const auto& o) {
    return encoding::EncodeBools(v, out, o);
  });
  std::string mask;
  Check(encoding::EncodePresenceMask(std::vector<uint8_t>(30, 1), &mask), "mask");
  Seed("codec", "presence_all", 4, mask);
  std::string column, framed;
  Check(encoding::EncodeInt64s(ints, &column), "ints");
  Check(encoding::EncodeColumnZstd(column, encoding::ZstdColumnOptions{}, &framed), "zstd");
  Seed("codec", "zstd_frame", 5, framed);
  encoding::ZstdColumnOptions raw_frame;
  raw_frame.level = 0;
  framed.clear();
  Check(encoding::EncodeColumnZstd(column, raw_frame, &framed), "zstd raw");
  Seed("codec", "zstd_frame_raw", 5, framed);
}

// ---------------------------------------------------------------------------- catalog

catalog::Snapshot SampleSnapshot() {
  catalog::Snapshot s;
  s.log_number = 7;
  s.next_table_id = 3;
  const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  catalog::DatabaseRecord db;
  db.database.database_name = "sales";
  db.database.kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/1";
  db.database.creation_time = db.database.last_updated_time = t;
  db.tags = {{"team", "iot"}};
  s.databases.push_back(db);
  catalog::TableRecord table;
  table.table_id = 1;
  table.table.database_name = "sales";
  table.table.table_name = "orders";
  table.table.creation_time = table.table.last_updated_time = t;
  table.table.magnetic_store_write_properties.enable_magnetic_store_writes = true;
  MagneticStoreRejectedDataLocation location;
  S3Configuration s3;
  s3.bucket_name = "rejects";
  s3.encryption_option = S3EncryptionOption::kSseKms;
  s3.kms_key_id = "k";
  location.s3_configuration = s3;
  table.table.magnetic_store_write_properties.magnetic_store_rejected_data_location = location;
  s.tables.push_back(table);
  table.table_id = 2;
  table.table.table_name = "refunds";
  table.table.magnetic_store_write_properties = {};
  table.tags = {{"a", ""}};
  s.tables.push_back(table);
  return s;
}

void CatalogCorpus() {
  const catalog::Snapshot snapshot = SampleSnapshot();
  const std::string file = catalog::EncodeSnapshot(snapshot);
  Seed("catalog", "snapshot", 0, file);
  Seed("catalog", "snapshot_body", 1,
       absl::string_view(file).substr(catalog::kSnapshotHeaderBytes));
  Seed("catalog", "snapshot_empty", 0, catalog::EncodeSnapshot(catalog::Snapshot{}));

  std::vector<catalog::LogRecord> records;
  catalog::LogRecord put_db;
  put_db.type = catalog::LogRecord::Type::kPutDatabase;
  put_db.database = snapshot.databases[0];
  records.push_back(put_db);
  catalog::LogRecord put_table;
  put_table.type = catalog::LogRecord::Type::kPutTable;
  put_table.table = snapshot.tables[0];
  records.push_back(put_table);
  catalog::LogRecord delete_table;
  delete_table.type = catalog::LogRecord::Type::kDeleteTable;
  delete_table.database_name = "sales";
  delete_table.table_name = "orders";
  records.push_back(delete_table);
  catalog::LogRecord delete_db;
  delete_db.type = catalog::LogRecord::Type::kDeleteDatabase;
  delete_db.database_name = "sales";
  records.push_back(delete_db);

  std::string log = catalog::EncodeLogHeader(7);
  std::string bodies(1, '\0');  // No cut.
  for (const catalog::LogRecord& r : records) {
    const std::string framed = catalog::EncodeLogRecord(r);
    log += framed;
    const absl::string_view body = absl::string_view(framed).substr(catalog::kLogFrameBytes);
    bodies.push_back(static_cast<char>(body.size() & 0xFF));
    bodies.push_back(static_cast<char>(body.size() >> 8));
    bodies.append(body.data(), body.size());
  }
  Seed("catalog", "log", 2, log);
  Seed("catalog", "log_torn", 2, absl::string_view(log).substr(0, log.size() - 5));
  Seed("catalog", "log_bodies", 3, bodies);
}

// -------------------------------------------------------------------------------- wal

struct Row {
  int64_t time_nanos;
  int64_t version;
};
struct Val {
  MeasureValueType type;
  uint32_t decimal;
  uint64_t bits;
  absl::string_view text;
};

std::vector<std::string> SamplePayloads() {
  std::vector<std::string> payloads;
  ingest::BatchEncoder encoder;
  // Rows one by one: scalar DOUBLE and VARCHAR, and a MULTI record, two series.
  encoder.Begin();
  const std::string key_a = std::string("\x04host\x02h1", 8),
                    key_b = std::string("\x04host\x02h2", 8);
  uint32_t a = encoder.SeriesSlot(0, key_a);
  uint32_t cpu = encoder.MeasureSlot(0, MeasureValueType::kDouble, "cpu");
  for (int i = 0; i < 3; ++i) {
    encoder.Row(a, cpu, 1700000000000000000 + i * 1000000000LL, 1);
    encoder.Value(MeasureValueType::kDouble, std::bit_cast<uint64_t>(12.5 + i), "");
  }
  uint32_t b = encoder.SeriesSlot(1, key_b);
  uint32_t state = encoder.MeasureSlot(1, MeasureValueType::kVarchar, "state");
  encoder.Row(b, state, 1700000000000000000, 2);
  encoder.Value(MeasureValueType::kVarchar, 0, "running");
  uint32_t m = encoder.MeasureSlot(2, MeasureValueType::kMulti, "metrics");
  uint32_t x = encoder.AttributeSlot(0, MeasureValueType::kBigint, "x");
  uint32_t ok = encoder.AttributeSlot(1, MeasureValueType::kBoolean, "ok");
  encoder.Row(b, m, 1700000000000000005, 1);
  encoder.MultiCount(2);
  encoder.Attribute(x, MeasureValueType::kBigint, static_cast<uint64_t>(-7), "");
  encoder.Attribute(ok, MeasureValueType::kBoolean, 1, "");
  payloads.emplace_back(encoder.Finish());
  // A block with decimal-coded doubles and a MULTI block.
  encoder.Begin();
  a = encoder.SeriesSlot(0, key_a);
  cpu = encoder.MeasureSlot(0, MeasureValueType::kDouble, "cpu");
  std::vector<Row> rows;
  std::vector<Val> values;
  for (int i = 0; i < 6; ++i) {
    rows.push_back({1700000000000000000 + i * 1000000LL, 1});
    const uint32_t code = PackDecimal(52345 + i, 2, false);
    values.push_back({MeasureValueType::kDouble, code, DecimalBits(code), ""});
  }
  encoder.Rows(a, cpu, rows.data(), rows.size(), values.data(), 1, nullptr);
  m = encoder.MeasureSlot(2, MeasureValueType::kMulti, "metrics");
  const uint32_t slots[2] = {encoder.AttributeSlot(0, MeasureValueType::kBigint, "x"),
                             encoder.AttributeSlot(2, MeasureValueType::kDouble, "y")};
  values.clear();
  for (int i = 0; i < 6; ++i) {
    rows[i].version = 1 + i % 2;
    values.push_back({MeasureValueType::kBigint, kNoDecimal, static_cast<uint64_t>(i * 3), ""});
    values.push_back({MeasureValueType::kDouble, kNoDecimal, std::bit_cast<uint64_t>(i / 3.0), ""});
  }
  encoder.Rows(a, m, rows.data(), rows.size(), values.data(), 2, slots);
  payloads.emplace_back(encoder.Finish());
  // Blocks of many series (version 4): a DOUBLE one and a MULTI one, rows of two series.
  encoder.Begin();
  const uint32_t both[6] = {encoder.SeriesSlot(0, key_a), encoder.SeriesSlot(1, key_b), 0, 1, 1, 0};
  cpu = encoder.MeasureSlot(0, MeasureValueType::kDouble, "cpu");
  m = encoder.MeasureSlot(2, MeasureValueType::kMulti, "metrics");
  const uint32_t many_slots[2] = {encoder.AttributeSlot(0, MeasureValueType::kBigint, "x"),
                                  encoder.AttributeSlot(2, MeasureValueType::kDouble, "y")};
  std::vector<Val> doubles;
  for (int i = 0; i < 6; ++i) {
    const uint32_t code = PackDecimal(52345 + i, 2, false);
    doubles.push_back({MeasureValueType::kDouble, code, DecimalBits(code), ""});
  }
  encoder.SeriesRows(both, cpu, rows.data(), rows.size(), doubles.data(), 1, nullptr);
  encoder.SeriesRows(both, m, rows.data(), rows.size(), values.data(), 2, many_slots);
  payloads.emplace_back(encoder.Finish());
  return payloads;
}

void WalCorpus() {
  const std::vector<std::string> payloads = SamplePayloads();
  for (size_t i = 0; i < payloads.size(); ++i) {
    Seed("wal", absl::StrCat("payload_", i), 2, payloads[i]);
  }
  const std::string dir = std::filesystem::temp_directory_path() / "tsw-make-seeds-wal";
  std::filesystem::remove_all(dir);
  wal::LogOptions options;
  options.report = [](absl::string_view) {};
  {
    absl::StatusOr<std::unique_ptr<wal::Log>> log =
        wal::Log::Open(dir, options, [](uint64_t, absl::string_view) { return absl::OkStatus(); });
    Check(log.status(), "wal open");
    for (const std::string& p : payloads) Check((*log)->Append(p).status(), "wal append");
    Check((*log)->Append("not a batch").status(), "wal append");
    Check((*log)->Close(), "wal close");
  }
  Seed("wal", "log_file", 0, ReadFile(dir + "/000001.log"));
  std::filesystem::remove_all(dir);
  // Mode 1: file size limit, file pick, offset (u32), flip, then length-prefixed payloads.
  std::string damage = {'\x04', '\x00', '\x40', '\x00', '\x00', '\x00', '\x01'};
  for (const std::string& p : payloads) {
    if (p.size() > 255) continue;
    damage.push_back(static_cast<char>(p.size()));
    damage += p;
  }
  damage += std::string(
      "\x03"
      "abc"
      "\x00"
      "\x05"
      "hello",
      10);
  Seed("wal", "appended_then_damaged", 1, damage);
}

// --------------------------------------------------------------------------- magnetic

void MagneticCorpus() {
  const std::string dir = std::filesystem::temp_directory_path() / "tsw-make-seeds-seg";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/000001.seg";
  magnetic::SegmentWriterOptions options;
  options.max_rows_per_block = 4;
  options.block.filter_bits_per_key = 10;
  absl::StatusOr<std::unique_ptr<magnetic::SegmentWriter>> writer =
      magnetic::SegmentWriter::Create(path, options);
  Check(writer.status(), "segment create");
  const std::vector<Dimension> series = {{"host", "h1"}, {"region", "eu"}};
  RowBatch cpu;
  cpu.dimensions = series;
  cpu.measure_name = "cpu";
  RowColumn column;
  column.name = "cpu";
  column.type = MeasureValueType::kDouble;
  for (int i = 0; i < 6; ++i) {
    cpu.time_nanos.push_back(1700000000000000000 + i * 1000000000LL);
    cpu.versions.push_back(1);
    column.doubles.push_back(20.5 + i);
    column.present.push_back(1);
  }
  cpu.columns.push_back(column);
  Check((*writer)->BeginStream(series, "cpu", MeasureValueType::kDouble,
                               {{"cpu", MeasureValueType::kDouble}}),
        "begin");
  Check((*writer)->AddRows(cpu, 0, 6), "rows");
  RowBatch multi;
  multi.dimensions = series;
  multi.measure_name = "m";
  multi.measure_value_type = MeasureValueType::kMulti;
  RowColumn s, n;
  s.name = "s";
  s.type = MeasureValueType::kVarchar;
  n.name = "n";
  n.type = MeasureValueType::kBigint;
  for (int i = 0; i < 3; ++i) {
    multi.time_nanos.push_back(1700000000000000000 + i);
    multi.versions.push_back(2);
    s.strings.push_back(i == 1 ? "" : "ok");
    s.present.push_back(i != 1);
    n.ints.push_back(i * 100);
    n.present.push_back(1);
  }
  multi.columns = {n, s};
  Check(
      (*writer)->BeginStream(series, "m", MeasureValueType::kMulti,
                             {{"n", MeasureValueType::kBigint}, {"s", MeasureValueType::kVarchar}}),
      "begin multi");
  Check((*writer)->AddRows(multi, 0, 3), "rows multi");
  absl::StatusOr<magnetic::SegmentSummary> summary = (*writer)->Finish();
  Check(summary.status(), "finish");
  const std::string file = ReadFile(path);
  Seed("magnetic", "segment", 0, file);

  // The footer, after the bounds CheckFooter reads: u32 blocks_end - 16, u32 unused.
  const char* trailer = file.data() + file.size() - magnetic::kSegmentTrailerSize;
  const uint64_t footer_offset = DecodeFixed64(trailer), footer_length = DecodeFixed64(trailer + 8);
  std::string footer;
  PutFixed32(&footer, static_cast<uint32_t>(footer_offset - magnetic::kSegmentHeaderSize));
  PutFixed32(&footer, 0);
  footer.append(file, footer_offset, footer_length);
  Seed("magnetic", "footer", 4, footer);

  // A block of 4 DOUBLE rows: columns 1 (byte 0), type DOUBLE (0), rows - 1.
  std::string block;
  magnetic::ByteKindCounts counts{};
  magnetic::BlockEncodeOptions block_options;
  block_options.filter_bits_per_key = 10;
  Check(magnetic::EncodeBlock(cpu, 0, 4, 0, block_options, &block, &counts), "block");
  Seed("magnetic", "block_double", 5, std::string("\x00\x00\x03", 3) + block);

  magnetic::Manifest manifest;
  manifest.next_file_id = 3;
  manifest.next_seq = 3;
  manifest.retention_cutoff = 1600000000000000000;
  manifest.note = "wal 42";
  magnetic::ManifestSegment segment;
  segment.file_id = 1;
  segment.seq_lo = 1;
  segment.seq_hi = 2;
  segment.summary = *summary;
  manifest.segments.push_back(segment);
  const std::string manifest_bytes = magnetic::EncodeManifest(manifest);
  Seed("magnetic", "manifest", 2, manifest_bytes);
  Seed("magnetic", "manifest_body", 3,
       absl::string_view(manifest_bytes).substr(0, manifest_bytes.size() - 8));
  Seed("magnetic", "manifest_empty", 2, magnetic::EncodeManifest(magnetic::Manifest{}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tsw

int main(int argc, char** argv) {
  if (argc != 2) tsw::Die("usage: make_seeds CORPUS_DIR");
  tsw::out_dir = argv[1];
  tsw::CodecCorpus();
  tsw::CatalogCorpus();
  tsw::WalCorpus();
  tsw::MagneticCorpus();
  std::printf("make_seeds: wrote the codec, catalog, wal and magnetic seeds under %s\n", argv[1]);
  return 0;
}
