// Fuzz target: WAL replay (engine/wal) and WAL batch payloads (engine/ingest/batch_codec).
//
// Input: one byte choosing the check, then:
//   0: a log file's bytes, opened as the only file of a log (Log::Open scans, replays and
//      cuts it); every replayed payload goes through BatchDecoder.
//   1: payloads (each a length byte, then the bytes) appended to a new log whose file
//      size limit the input picks (so it may rotate), then damage the input picks: one
//      byte of one file flipped, or a file cut short. Reopening must replay a prefix of the
//      payloads in order, byte for byte, or fail with InternalServerException when the
//      damage is in a file that others follow or in a file header.
//   In both, a log that opened must accept a new batch and replay exactly what it
//   replayed before plus that batch at the next Open (the tail cut left a clean end).
//   2: a batch payload: decoding fails cleanly or, when it decodes whole, re-encoding its
//      events with BatchEncoder gives a payload of the same meaning; and records derived
//      from the input, encoded row by row and as blocks, decode to themselves.
// The files live in a per-process directory on /dev/shm (fuzz_util.h).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/common/decimal_code.h"
#include "engine/ingest/batch_codec.h"
#include "engine/wal/log.h"
#include "tests/fuzz/fuzz_util.h"
#include "tsw/status.h"

namespace tsw {
namespace {

using fuzz::InputReader;
using ingest::BatchDecoder;
using ingest::BatchEncoder;

// ------------------------------------------------------------------ batch payloads

// What a payload says, one line per row, with slots resolved to keys and names. Sets *ok
// to whether it decodes whole (a failure must be an InternalServerException).
std::vector<std::string> Meaning(absl::string_view payload, bool* ok) {
  std::vector<std::string> lines, keys, measures, attributes;
  *ok = false;
  BatchDecoder decoder;
  BatchDecoder::Event e;
  if (!decoder.Reset(payload).ok()) return lines;
  for (;;) {
    const absl::Status status = decoder.Next(&e);
    if (!status.ok()) {
      TSW_FUZZ_CHECK(KindOf(status) == ErrorKind::kInternalServer,
                     absl::StrCat("batch decode failed with ", status.ToString()));
      return lines;
    }
    if (e.kind == BatchDecoder::Kind::kEnd) break;
    switch (e.kind) {
      case BatchDecoder::Kind::kSeries:
        keys.push_back(absl::CEscape(e.key));
        break;
      case BatchDecoder::Kind::kMeasure:
        measures.push_back(absl::StrCat(absl::CEscape(e.name), "/", static_cast<int>(e.type)));
        break;
      case BatchDecoder::Kind::kAttribute:
        attributes.push_back(absl::StrCat(absl::CEscape(e.name), "/", static_cast<int>(e.type)));
        break;
      default: {
        TSW_FUZZ_CHECK(e.series_slot < keys.size() && e.measure_slot < measures.size(),
                       "a decoded row names an undefined slot");
        std::string line = absl::StrCat(keys[e.series_slot], " ", measures[e.measure_slot],
                                        " t=", e.time_nanos, " v=", e.version);
        for (const ingest::DecodedValue& v : e.values) {
          TSW_FUZZ_CHECK(v.attribute_slot < attributes.size() || e.values.size() == 1,
                         "a decoded value names an undefined attribute");
          absl::StrAppend(
              &line, " [", v.attribute_slot < attributes.size() ? attributes[v.attribute_slot] : "",
              " ", static_cast<int>(v.type), " ", v.bits, " ", absl::CEscape(v.text), "]");
        }
        lines.push_back(std::move(line));
      }
    }
  }
  TSW_FUZZ_CHECK(lines.size() == decoder.record_count(), "record count differs from the rows");
  *ok = true;
  return lines;
}

// Re-encodes a payload that decodes whole, row by row.
std::string Reencode(absl::string_view payload) {
  BatchDecoder decoder;
  BatchDecoder::Event e;
  TSW_FUZZ_CHECK(decoder.Reset(payload).ok(), "payload decoded once, not twice");
  std::deque<std::string> keys;  // BatchEncoder keeps views of them until Finish.
  std::vector<std::pair<std::string, MeasureValueType>> measures, attributes;
  BatchEncoder encoder;
  encoder.Begin();
  while (decoder.Next(&e).ok() && e.kind != BatchDecoder::Kind::kEnd) {
    switch (e.kind) {
      case BatchDecoder::Kind::kSeries:
        keys.emplace_back(e.key);
        break;
      case BatchDecoder::Kind::kMeasure:
        measures.emplace_back(std::string(e.name), e.type);
        break;
      case BatchDecoder::Kind::kAttribute:
        attributes.emplace_back(std::string(e.name), e.type);
        break;
      default: {
        const auto& measure = measures[e.measure_slot];
        const uint32_t series = encoder.SeriesSlot(e.series_slot, keys[e.series_slot]);
        const uint32_t m = encoder.MeasureSlot(e.measure_slot, measure.second, measure.first);
        std::vector<uint32_t> slots;
        if (measure.second == MeasureValueType::kMulti) {
          for (const ingest::DecodedValue& v : e.values) {
            const auto& a = attributes[v.attribute_slot];
            slots.push_back(encoder.AttributeSlot(v.attribute_slot, a.second, a.first));
          }
        }
        encoder.Row(series, m, e.time_nanos, e.version);
        if (measure.second != MeasureValueType::kMulti) {
          encoder.Value(e.values[0].type, e.values[0].bits, e.values[0].text);
        } else {
          encoder.MultiCount(static_cast<uint32_t>(e.values.size()));
          for (size_t i = 0; i < e.values.size(); ++i) {
            encoder.Attribute(slots[i], e.values[i].type, e.values[i].bits, e.values[i].text);
          }
        }
      }
    }
  }
  return std::string(encoder.Finish());
}

void CheckPayload(absl::string_view payload) {
  bool ok = false;
  const std::vector<std::string> meaning = Meaning(payload, &ok);
  if (!ok) return;
  const std::string again = Reencode(payload);
  bool again_ok = false;
  const std::vector<std::string> again_meaning = Meaning(again, &again_ok);
  TSW_FUZZ_CHECK(again_ok, "a re-encoded payload does not decode");
  TSW_FUZZ_CHECK(again_meaning == meaning, "a re-encoded payload means something else");
}

struct Record {
  int64_t time_nanos = 0;
  int64_t version = 1;
};
struct Value {
  MeasureValueType type = MeasureValueType::kDouble;
  uint32_t decimal = kNoDecimal;
  uint64_t bits = 0;
  absl::string_view text;
};

// Records of one series and measure from the input, encoded as a block (no VARCHAR; of
// one series or of many) or row by row, must decode to the same rows.
void CheckEncodeRecords(InputReader in) {
  constexpr MeasureValueType kTypes[] = {MeasureValueType::kDouble, MeasureValueType::kBigint,
                                         MeasureValueType::kBoolean, MeasureValueType::kTimestamp,
                                         MeasureValueType::kVarchar};
  const bool multi = in.Bool();
  const size_t columns = multi ? 1 + in.Below(4) : 1;
  const bool block = in.Bool();
  std::vector<MeasureValueType> types;
  for (size_t j = 0; j < columns; ++j) types.push_back(kTypes[in.Below(block ? 4 : 5)]);
  const std::string key(in.ShortString(30));
  std::vector<Record> records;
  std::vector<Value> values;  // Row after row, `columns` each.
  int64_t time = in.I64();
  while (!in.empty() && records.size() < 200) {
    time = static_cast<int64_t>(static_cast<uint64_t>(time) + (in.U32() & 0xFFFFFF));
    records.push_back({time, 1 + static_cast<int64_t>(in.Byte() % 3)});
    for (size_t j = 0; j < columns; ++j) {
      Value v;
      v.type = types[j];
      switch (v.type) {
        case MeasureValueType::kDouble:
          if (in.Bool()) {  // A short decimal with its code, as the parser gives it.
            v.decimal =
                PackDecimal(in.U32() % (1u << 27), in.Below(kMaxDecimalFraction + 1), in.Bool());
            v.bits = DecimalBits(v.decimal);
          } else {
            v.bits = in.U64();
          }
          break;
        case MeasureValueType::kBoolean:
          v.bits = in.Byte() & 1;
          break;
        case MeasureValueType::kVarchar:
          v.text = in.ShortString(20);
          break;
        default:
          v.bits = in.U64();
      }
      values.push_back(v);
    }
  }
  if (records.empty()) return;

  BatchEncoder encoder;
  encoder.Begin();
  const uint32_t series = encoder.SeriesSlot(0, key);
  const uint32_t measure = encoder.MeasureSlot(0, multi ? MeasureValueType::kMulti : types[0], "m");
  std::vector<uint32_t> slots;
  for (size_t j = 0; j < columns && multi; ++j) {
    slots.push_back(
        encoder.AttributeSlot(static_cast<uint32_t>(j), types[j], absl::StrCat("a", j)));
  }
  if (block && (records[0].time_nanos & 1) != 0) {
    // A block of many series (version 4) whose rows all name the one series: the same rows.
    // (Picked by the first time's low bit, so the inputs of other checks keep their meaning.)
    const std::vector<uint32_t> row_series(records.size(), series);
    encoder.SeriesRows(row_series.data(), measure, records.data(), records.size(), values.data(),
                       columns, multi ? slots.data() : nullptr);
  } else if (block) {
    encoder.Rows(series, measure, records.data(), records.size(), values.data(), columns,
                 multi ? slots.data() : nullptr);
  } else {
    for (size_t i = 0; i < records.size(); ++i) {
      encoder.Row(series, measure, records[i].time_nanos, records[i].version);
      const Value* row = &values[i * columns];
      if (!multi) {
        encoder.Value(row->type, row->bits, row->text);
      } else {
        encoder.MultiValues(slots.data(), row, columns);
      }
    }
  }
  const absl::string_view payload = encoder.Finish();

  BatchDecoder decoder;
  BatchDecoder::Event e;
  TSW_FUZZ_CHECK(decoder.Reset(payload).ok(), "an encoded payload has a bad header");
  size_t row = 0;
  for (;;) {
    const absl::Status status = decoder.Next(&e);
    TSW_FUZZ_CHECK(status.ok(),
                   absl::StrCat("an encoded payload does not decode: ", status.message()));
    if (e.kind == BatchDecoder::Kind::kEnd) break;
    if (e.kind == BatchDecoder::Kind::kSeries) TSW_FUZZ_CHECK(e.key == key, "series key changed");
    if (e.kind != BatchDecoder::Kind::kRow) continue;
    TSW_FUZZ_CHECK(row < records.size(), "more rows decoded than encoded");
    TSW_FUZZ_CHECK(e.series_slot == series, absl::StrCat("row ", row, ": series changed"));
    TSW_FUZZ_CHECK(e.time_nanos == records[row].time_nanos && e.version == records[row].version,
                   absl::StrCat("row ", row, ": time or version changed"));
    TSW_FUZZ_CHECK(e.values.size() == columns, "value count changed");
    for (size_t j = 0; j < columns; ++j) {
      const Value& want = values[row * columns + j];
      const ingest::DecodedValue& got = e.values[j];
      TSW_FUZZ_CHECK(got.type == want.type && got.bits == want.bits && got.text == want.text &&
                         (!multi || got.attribute_slot == slots[j]),
                     absl::StrCat("row ", row, " value ", j, " changed"));
    }
    ++row;
  }
  TSW_FUZZ_CHECK(row == records.size(), "fewer rows decoded than encoded");
}

// ---------------------------------------------------------------------------- log files

struct Opened {
  absl::Status status;
  std::vector<std::string> replayed;
  std::unique_ptr<wal::Log> log;
};

Opened OpenLog(const std::string& dir, int64_t max_file_bytes) {
  Opened out;
  wal::LogOptions options;
  options.max_file_bytes = max_file_bytes;
  options.report = [](absl::string_view) {};
  absl::StatusOr<std::unique_ptr<wal::Log>> log =
      wal::Log::Open(dir, options, [&out](uint64_t, absl::string_view payload) {
        bool ignored;
        Meaning(payload, &ignored);  // Replayed payloads go to the batch decoder.
        out.replayed.emplace_back(payload);
        return absl::OkStatus();
      });
  out.status = log.status();
  if (log.ok()) out.log = std::move(*log);
  return out;
}

// A log that opened takes one more batch, and the next Open replays it after the others.
void CheckAppendAfterOpen(Opened opened, const std::string& dir) {
  const std::string batch = "appended after reopening";
  absl::StatusOr<uint64_t> sequence = opened.log->Append(batch);
  TSW_FUZZ_CHECK(sequence.ok(),
                 absl::StrCat("append after Open failed: ", sequence.status().message()));
  TSW_FUZZ_CHECK(opened.log->Close().ok(), "close failed");
  opened.log.reset();
  Opened again = OpenLog(dir, 1 << 20);
  TSW_FUZZ_CHECK(again.status.ok(),
                 absl::StrCat("the log does not reopen after an append: ", again.status.message()));
  std::vector<std::string> expected = opened.replayed;
  expected.push_back(batch);
  TSW_FUZZ_CHECK(
      again.replayed == expected,
      absl::StrCat("reopening replays ", again.replayed.size(), " batches; expected the ",
                   opened.replayed.size(), " replayed before and the one appended"));
}

void CheckLogFile(absl::string_view bytes) {
  fuzz::ClearScratchDir();
  const std::string dir = fuzz::ScratchDir() + "/wal";
  std::filesystem::create_directories(dir);
  fuzz::WriteScratchFile("wal/000001.log", bytes);
  Opened opened = OpenLog(dir, 1 << 20);
  if (!opened.status.ok()) {
    TSW_FUZZ_CHECK(KindOf(opened.status) == ErrorKind::kInternalServer,
                   absl::StrCat("Open failed with ", opened.status.ToString()));
    return;
  }
  CheckAppendAfterOpen(std::move(opened), dir);
}

void CheckDamagedLog(InputReader in) {
  fuzz::ClearScratchDir();
  const std::string dir = fuzz::ScratchDir() + "/wal";
  const int64_t max_file_bytes = 64 + in.Byte() * 16;
  const size_t file_pick = in.Byte();
  const uint32_t offset_pick = in.U32();
  const uint8_t flip = in.Byte();  // 0: cut the file at the offset instead.
  std::vector<std::string> payloads;
  while (!in.empty() && payloads.size() < 64) payloads.emplace_back(in.ShortString());

  {
    Opened fresh = OpenLog(dir, max_file_bytes);
    TSW_FUZZ_CHECK(fresh.status.ok() && fresh.replayed.empty(), "a new log does not open");
    for (const std::string& p : payloads) {
      TSW_FUZZ_CHECK(fresh.log->Append(p).ok(), "append failed");
    }
    TSW_FUZZ_CHECK(fresh.log->Close().ok(), "close failed");
  }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  TSW_FUZZ_CHECK(!files.empty(), "a log with no file");
  const std::string& victim = files[file_pick % files.size()];
  const bool last_file = victim == files.back();
  const uint64_t size = std::filesystem::file_size(victim);
  const uint64_t offset = size == 0 ? 0 : offset_pick % size;
  if (flip != 0 && size > 0) {
    std::string bytes(size, '\0');
    FILE* f = std::fopen(victim.c_str(), "r+b");
    TSW_FUZZ_CHECK(f != nullptr && std::fread(bytes.data(), 1, size, f) == size, "read failed");
    bytes[offset] = static_cast<char>(bytes[offset] ^ flip);
    std::fseek(f, 0, SEEK_SET);
    std::fwrite(bytes.data(), 1, size, f);
    std::fclose(f);
  } else {
    TSW_FUZZ_CHECK(::truncate(victim.c_str(), static_cast<off_t>(offset)) == 0, "cut failed");
  }

  Opened opened = OpenLog(dir, max_file_bytes);
  if (!opened.status.ok()) {
    // Refusing is right for damage in a file others follow, and for a damaged file header
    // (headers are renamed into place whole, so that is not a torn append); a torn tail of
    // the last file must be cut instead.
    constexpr uint64_t kFileHeaderBytes = 24;  // engine/wal/FORMAT.md
    TSW_FUZZ_CHECK((!last_file || offset < kFileHeaderBytes) &&
                       KindOf(opened.status) == ErrorKind::kInternalServer,
                   absl::StrCat("Open failed on damage in the last file's frames: ",
                                opened.status.ToString()));
    return;
  }
  TSW_FUZZ_CHECK(opened.replayed.size() <= payloads.size() &&
                     std::equal(opened.replayed.begin(), opened.replayed.end(), payloads.begin()),
                 absl::StrCat("replay is not a prefix of what was appended (",
                              opened.replayed.size(), " of ", payloads.size(), " batches)"));
  CheckAppendAfterOpen(std::move(opened), dir);
}

}  // namespace
}  // namespace tsw

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tsw::fuzz::InputReader in(data, size);
  switch (in.Byte() % 3) {
    case 0:
      tsw::CheckLogFile(in.rest());
      break;
    case 1:
      tsw::CheckDamagedLog(in);
      break;
    default:
      tsw::CheckPayload(in.rest());
      tsw::CheckEncodeRecords(in);
      break;
  }
  return 0;
}
