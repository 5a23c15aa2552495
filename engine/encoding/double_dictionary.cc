#include "engine/encoding/double_dictionary.h"

#include <algorithm>
#include <bit>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/double_alp.h"
#include "engine/encoding/double_alp_rd.h"
#include "engine/encoding/double_plain.h"
#include "engine/encoding/packed_ints.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "double_dictionary";

// The codecs the entries may use. Not the dictionary itself, so decoding never recurses.
const Codec<double>* EntryCodec(CodecId id) {
  for (const Codec<double>* c : {&DoubleAlpCodec(), &DoubleAlpRdCodec(), &DoublePlainCodec()}) {
    if (c->id == id) return c;
  }
  return nullptr;
}

// A key whose unsigned order is the numeric order of the doubles (-0.0 before 0.0,
// NaNs by their bits at the ends), so sorted entries make small ALP differences.
inline uint64_t OrderKey(double v) {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}

absl::Status Encode(absl::Span<const double> values, std::string* out) {
  if (values.empty()) return absl::OkStatus();
  std::vector<uint64_t> keys(values.size());
  for (size_t i = 0; i < values.size(); ++i) keys[i] = OrderKey(values[i]);
  std::vector<uint64_t> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<double> entries(sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    const uint64_t k = sorted[i];
    entries[i] = std::bit_cast<double>((k >> 63) != 0 ? k & ~(uint64_t{1} << 63) : ~k);
  }
  std::string best;
  for (const Codec<double>* c : {&DoubleAlpCodec(), &DoubleAlpRdCodec(), &DoublePlainCodec()}) {
    std::string column(1, static_cast<char>(c->id));
    PutVarint64(&column, entries.size());
    if (!c->encode(entries, &column).ok()) continue;
    if (best.empty() || column.size() < best.size()) best = std::move(column);
  }
  std::vector<int64_t> codes(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    codes[i] = std::lower_bound(sorted.begin(), sorted.end(), keys[i]) - sorted.begin();
  }
  PutVarint64(out, best.size());
  out->append(best);
  EncodePackedInts(codes, out);
  return absl::OkStatus();
}

size_t Analyze(absl::Span<const double> values) {
  // Scaling a sample's size counts its distinct values as growing with the column, which
  // they at most do: an estimate that errs large, never picking a dictionary wrongly.
  return AnalyzeBySampleEncoding(values, Encode);
}

absl::Status Decode(absl::string_view payload, size_t count, std::vector<double>* out) {
  out->clear();
  if (count == 0) {
    if (!payload.empty()) return CorruptColumn(kName, "bytes in an empty column");
    return absl::OkStatus();
  }
  ByteReader in(payload);
  uint64_t entries_bytes;
  absl::string_view entries_column;
  if (!in.ReadVarint64(&entries_bytes) || !in.ReadBytes(entries_bytes, &entries_column)) {
    return CorruptColumn(kName, "truncated entries");
  }
  ByteReader header(entries_column);
  uint8_t id;
  uint64_t k;
  if (!header.ReadByte(&id) || !header.ReadVarint64(&k)) {
    return CorruptColumn(kName, "truncated entries header");
  }
  const Codec<double>* codec = EntryCodec(static_cast<CodecId>(id));
  if (codec == nullptr) {
    return CorruptColumn(kName, absl::StrCat("entries in codec 0x", absl::Hex(id)));
  }
  if (k == 0 || k > count) {
    return CorruptColumn(kName, absl::StrCat(k, " entries for ", count, " values"));
  }
  if (in.remaining() < MinPackedIntsBytes(count)) {
    return CorruptColumn(kName,
                         absl::StrCat(payload.size(), " bytes cannot hold ", count, " values"));
  }
  std::vector<double> entries;
  absl::Status status = codec->decode(header.rest(), k, &entries);
  if (!status.ok()) return status;
  if (entries.size() != k) return CorruptColumn(kName, "entries decoded to the wrong count");
  std::vector<int64_t> codes(count);
  status = DecodePackedInts(&in, absl::MakeSpan(codes), kName);
  if (!status.ok()) return status;
  if (!in.empty()) return CorruptColumn(kName, absl::StrCat(in.remaining(), " trailing bytes"));
  out->resize(count);
  for (size_t i = 0; i < count; ++i) {
    if (static_cast<uint64_t>(codes[i]) >= k) {
      out->clear();
      return CorruptColumn(
          kName, absl::StrCat("code ", codes[i], " of value ", i, " beyond ", k, " entries"));
    }
    (*out)[i] = entries[codes[i]];
  }
  return absl::OkStatus();
}

constexpr Codec<double> kCodec = {CodecId::kDoubleDictionary, "double_dictionary", Analyze, Encode,
                                  Decode};

}  // namespace

const Codec<double>& DoubleDictionaryCodec() { return kCodec; }

}  // namespace tsw::encoding
