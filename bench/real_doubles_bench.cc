// Double codecs on real data: the five public series of ../shared/data/real-doubles
// (README there), bits per value of every double codec, the chooser, the chooser followed
// by the segment writer's Zstd pass, and Zstd level 3 over the raw doubles, beside the
// figures the ALP paper published for the full data sets.
//
//   bazel run -c opt //bench:real_doubles_bench -- [--data_dir=DIR] [--rows=N] [--reps=N]
//
// Columns are cut as the segment writer cuts them: --rows values per column (default
// 4096, Options::max_rows_per_block), each column then framed by EncodeColumnZstd at
// level 3 for the "+zstd3" figures. --rows=0 encodes each series as one column. Missing
// readings (empty lines, "") are absent rows and not counted. A missing data directory or
// file is skipped with a message: the exit code is 0 whatever the data.
//
// "auto+zstd3" tells the chooser about the Zstd pass (EncodeOptions::zstd_level = 3);
// "auto,zstd3" does not (the chooser ranks raw sizes), then frames the column the same way.
//
// Output: one Markdown table of bits per value (the size of every column and frame,
// headers included, times 8, over the values), one of the codec the chooser picked per
// column, and one of decode speed (million values/s, best of --reps runs).
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "bench/real_series.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "engine/encoding/zstd_column.h"
#include "engine/magnetic/segment_reader.h"
#include "engine/magnetic/segment_writer.h"

namespace tsw::encoding {
namespace {

struct Series {
  const char* file;
  // Published bits per value (ALP paper, full data sets): ALP (ALP_rd for POI-lat),
  // Chimp128, Gorilla, Zstd-3.
  double alp, chimp128, gorilla, zstd3;
};

constexpr Series kSeries[] = {
    {"City-temp.csv", 10.74, 22.96, 58.82, 16.77},  {"Air-pressure.csv", 16.43, 19.24, 24.48, 9.39},
    {"Basel-wind.csv", 29.81, 38.35, 62.20, 14.66}, {"Stocks-DE.csv", 11.01, 13.63, 46.18, 10.54},
    {"POI-lat.csv", 55.74, 57.49, 65.95, 59.34},
};

std::vector<absl::Span<const double>> Columns(const std::vector<double>& v, size_t rows) {
  std::vector<absl::Span<const double>> columns;
  if (rows == 0) rows = v.size();
  for (size_t start = 0; start < v.size(); start += rows) {
    columns.push_back(absl::MakeConstSpan(v).subspan(start, rows));
  }
  return columns;
}

// One way of storing a column: returns its bytes, or false.
struct Method {
  std::string name;
  std::optional<CodecId> codec;  // Unset: the chooser.
  bool zstd_pass = false;
  bool raw_zstd = false;
  bool tell_chooser = true;  // With zstd_pass: EncodeOptions::zstd_level is set.
};

struct Stored {
  std::vector<std::string> columns;
  size_t bytes = 0;
  std::map<std::string, size_t> chosen;  // Codec name -> columns.
};

bool Store(const Method& m, const std::vector<absl::Span<const double>>& columns, Stored* s) {
  for (absl::Span<const double> c : columns) {
    std::string bytes;
    if (m.raw_zstd) {
      bytes.resize(ZSTD_compressBound(c.size() * 8));
      const size_t n = ZSTD_compress(bytes.data(), bytes.size(), c.data(), c.size() * 8, 3);
      if (ZSTD_isError(n)) return false;
      bytes.resize(n);
    } else {
      std::string encoded;
      EncodeOptions options;
      options.codec = m.codec;
      if (m.zstd_pass && m.tell_chooser) options.zstd_level = 3;
      if (!EncodeDoubles(c, &encoded, options).ok()) return false;
      absl::StatusOr<ColumnHeader> header = ReadColumnHeader(encoded);
      if (header.ok()) ++s->chosen[std::string(CodecName(header->codec))];
      if (m.zstd_pass) {
        if (!EncodeColumnZstd(encoded, ZstdColumnOptions{}, &bytes).ok()) return false;
      } else {
        bytes = std::move(encoded);
      }
    }
    s->bytes += bytes.size();
    s->columns.push_back(std::move(bytes));
  }
  return true;
}

// The bytes of DOUBLE values (value chunks and group dictionaries) in a segment that
// holds the series as one stream, as the engine writes it (blocks of `rows`, default
// options otherwise; `group_blocks` 1 turns group dictionaries off). Checks every value
// read back; returns 0 on any failure.
size_t SegmentBytes(const std::vector<double>& values, size_t rows, int group_blocks) {
  const std::string path = "/tmp/real_doubles_bench.seg";
  std::filesystem::remove(path);
  magnetic::SegmentWriterOptions options;
  options.max_rows_per_block = static_cast<int32_t>(rows == 0 ? values.size() : rows);
  options.dictionary_group_blocks = group_blocks;
  auto writer = magnetic::SegmentWriter::Create(path, options);
  if (!writer.ok()) return 0;
  RowBatch batch;
  batch.columns.push_back({.name = "v", .type = MeasureValueType::kDouble});
  batch.columns[0].doubles = values;
  for (size_t i = 0; i < values.size(); ++i) {
    batch.time_nanos.push_back(static_cast<int64_t>(i));
    batch.versions.push_back(1);
  }
  if (!(*writer)
           ->BeginStream({{"s", "1"}}, "v", MeasureValueType::kDouble,
                         {{"v", MeasureValueType::kDouble}})
           .ok() ||
      !(*writer)->AddRows(batch, 0, values.size()).ok()) {
    return 0;
  }
  absl::StatusOr<magnetic::SegmentSummary> summary = (*writer)->Finish();
  if (!summary.ok()) return 0;
  auto reader = magnetic::SegmentReader::Open(*Env::Default(), path, *summary, nullptr);
  if (!reader.ok()) return 0;
  const magnetic::StreamEntry& stream = (*reader)->index().streams[0];
  size_t row = 0;
  for (size_t b = 0; b < stream.blocks.size(); ++b) {
    RowBatch block;
    if (!(*reader)->DecodeBlock(0, b, &block).ok()) return 0;
    for (double v : block.columns[0].doubles) {
      if (std::bit_cast<uint64_t>(v) != std::bit_cast<uint64_t>(values[row++])) return 0;
    }
  }
  std::filesystem::remove(path);
  return static_cast<size_t>(
      (*reader)->index().bytes_by_kind[static_cast<size_t>(magnetic::ByteKind::kDouble)]);
}

// Decodes every column, checks the bits, and returns million values per second (best run).
double DecodeSpeed(const Method& m, const Stored& s,
                   const std::vector<absl::Span<const double>>& columns, int reps) {
  double best = 0;
  std::vector<double> values;
  std::string unframed;
  for (int r = 0; r < reps; ++r) {
    size_t n = 0;
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < columns.size(); ++i) {
      const std::string& bytes = s.columns[i];
      if (m.raw_zstd) {
        values.resize(columns[i].size());
        const size_t got =
            ZSTD_decompress(values.data(), values.size() * 8, bytes.data(), bytes.size());
        if (ZSTD_isError(got) || got != values.size() * 8) return -1;
      } else if (m.zstd_pass) {
        if (!DecodeColumnZstd(bytes, &unframed).ok()) return -1;
        if (!DecodeDoubles(unframed, &values).ok()) return -1;
      } else if (!DecodeDoubles(bytes, &values).ok()) {
        return -1;
      }
      if (r == 0) {
        if (values.size() != columns[i].size()) return -1;
        for (size_t k = 0; k < values.size(); ++k) {
          if (std::bit_cast<uint64_t>(values[k]) != std::bit_cast<uint64_t>(columns[i][k])) {
            return -1;
          }
        }
      }
      n += values.size();
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, n / seconds / 1e6);
  }
  return best;
}

int Main(int argc, char** argv) {
  std::string data_flag;
  size_t rows = 4096;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--data_dir=")) {
      data_flag = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "--rows=")) {
      if (!absl::SimpleAtoi(arg, &rows)) return std::fprintf(stderr, "bad --rows\n"), 2;
    } else if (absl::ConsumePrefix(&arg, "--reps=")) {
      if (!absl::SimpleAtoi(arg, &reps) || reps < 1) return std::fprintf(stderr, "bad --reps\n"), 2;
    } else {
      std::fprintf(stderr, "usage: %s [--data_dir=DIR] [--rows=N] [--reps=N]\n", argv[0]);
      return 2;
    }
  }
  const std::string dir = tsw::bench::FindRealDoublesDir(data_flag);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    std::printf("real_doubles_bench: no data directory %s; skipping (pass --data_dir)\n",
                dir.c_str());
    return 0;
  }

  std::vector<Method> methods = {{"auto", std::nullopt},
                                 {"auto+zstd3", std::nullopt, true},
                                 {"auto,zstd3", std::nullopt, true, false, false}};
  for (const RegisteredCodec<double>& r : RegisteredCodecs<double>()) {
    methods.push_back({r.codec->name, r.codec->id});
  }
  methods.push_back({"zstd3_raw", std::nullopt, false, true});

  std::printf(
      "data: %s, %s\n\n", dir.c_str(),
      rows == 0 ? "one column per series" : absl::StrCat(rows, " values per column").c_str());
  std::string header = "| series | values |", rule = "|---|---|";
  for (const Method& m : methods) {
    absl::StrAppend(&header, " ", m.name, " |");
    rule += "---|";
  }
  std::printf("bits per value (published, full data sets: ALP / Chimp128 / Gorilla / Zstd-3)\n\n");
  std::printf("%s segment (groups of 1 / 16) | published |\n%s---|---|\n", header.c_str(),
              rule.c_str());
  std::string chosen_table, speed_table = header + "\n" + rule + "\n";
  for (const Series& series : kSeries) {
    const std::string path = (std::filesystem::path(dir) / series.file).string();
    std::vector<double> values;
    if (!tsw::bench::ReadSeries(path, &values)) {
      std::printf("| %s | missing: skipped |\n", series.file);
      continue;
    }
    const auto columns = Columns(values, rows);
    std::string line = absl::StrCat("| ", series.file, " | ", values.size(), " |");
    std::string speeds = absl::StrCat("| ", series.file, " | ", values.size(), " |");
    for (const Method& m : methods) {
      Stored s;
      if (!Store(m, columns, &s)) {
        absl::StrAppend(&line, " n/a |");
        absl::StrAppend(&speeds, " n/a |");
        continue;
      }
      absl::StrAppend(&line, absl::StrFormat(" %.2f |", 8.0 * s.bytes / values.size()));
      const double speed = DecodeSpeed(m, s, columns, reps);
      absl::StrAppend(&speeds, speed < 0 ? " MISMATCH |" : absl::StrFormat(" %.0f |", speed));
      if (m.name == "auto") {
        absl::StrAppend(&chosen_table, "| ", series.file, " |");
        for (const auto& [name, count] : s.chosen)
          absl::StrAppend(&chosen_table, " ", name, " ×", count);
        chosen_table += " |\n";
      }
    }
    const size_t alone = SegmentBytes(values, rows, 1), grouped = SegmentBytes(values, rows, 16);
    std::printf("%s %.2f / %.2f | %.2f / %.2f / %.2f / %.2f |\n", line.c_str(),
                8.0 * alone / values.size(), 8.0 * grouped / values.size(), series.alp,
                series.chimp128, series.gorilla, series.zstd3);
    speed_table += speeds + "\n";
  }
  std::printf("\ncodecs the chooser picked (columns)\n\n| series | auto |\n|---|---|\n%s",
              chosen_table.c_str());
  std::printf("\ndecode speed, million values/s (best of %d; shared machine: indicative)\n\n%s",
              reps, speed_table.c_str());
  return 0;
}

}  // namespace
}  // namespace tsw::encoding

int main(int argc, char** argv) { return tsw::encoding::Main(argc, argv); }
