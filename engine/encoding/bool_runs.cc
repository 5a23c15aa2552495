#include "engine/encoding/bool_runs.h"

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "runs";

// Calls emit(length) for each run of equal truth values.
template <typename Emit>
void ForEachRun(absl::Span<const uint8_t> values, Emit emit) {
  size_t start = 0;
  for (size_t i = 1; i <= values.size(); ++i) {
    if (i == values.size() || (values[i] != 0) != (values[start] != 0)) {
      emit(i - start);
      start = i;
    }
  }
}

size_t Analyze(absl::Span<const uint8_t> values) {
  if (values.empty()) return 0;
  size_t bytes = 1;
  ForEachRun(values, [&](size_t run) { bytes += VarintLength(run); });
  return bytes;
}

absl::Status Encode(absl::Span<const uint8_t> values, std::string* out) {
  if (values.empty()) return absl::OkStatus();
  out->push_back(values[0] != 0 ? 1 : 0);
  ForEachRun(values, [&](size_t run) { PutVarint64(out, run); });
  return absl::OkStatus();
}

absl::Status Decode(absl::string_view payload, size_t count, std::vector<uint8_t>* out) {
  out->clear();
  ByteReader in(payload);
  if (count == 0) {
    if (!in.empty()) return CorruptColumn(kName, "an empty column has a payload");
    return absl::OkStatus();
  }
  uint8_t value;
  if (!in.ReadByte(&value)) return CorruptColumn(kName, "truncated first value");
  if (value > 1) return CorruptColumn(kName, absl::StrCat("first value is ", value));
  // Check the runs before allocating: they must add up to exactly `count`.
  ByteReader check = in;
  uint64_t total = 0;
  while (total < count) {
    uint64_t run;
    if (!check.ReadVarint64(&run)) return CorruptColumn(kName, "truncated run length");
    if (run == 0 || run > count - total) {
      return CorruptColumn(kName, absl::StrCat("run of ", run, " after ", total, " of ", count));
    }
    total += run;
  }
  if (!check.empty()) {
    return CorruptColumn(kName, absl::StrCat(check.remaining(), " trailing bytes"));
  }
  out->reserve(count);
  while (out->size() < count) {
    uint64_t run = 0;
    in.ReadVarint64(&run);  // Checked above.
    out->insert(out->end(), run, value);
    value ^= 1;
  }
  return absl::OkStatus();
}

constexpr Codec<uint8_t> kCodec = {CodecId::kBoolRuns, "runs", Analyze, Encode, Decode};

}  // namespace

const Codec<uint8_t>& BoolRunsCodec() { return kCodec; }

}  // namespace tsw::encoding
