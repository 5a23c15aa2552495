#include "engine/encoding/string_dictionary.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/packed_ints.h"
#include "engine/encoding/string_plain.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "dictionary";

// Fills *entries with the distinct strings in order of first appearance and *codes (if
// not null) with each value's entry index. Stops and returns false once the entries'
// bytes exceed `byte_budget`.
bool BuildDictionary(absl::Span<const absl::string_view> values, size_t byte_budget,
                     std::vector<absl::string_view>* entries, std::vector<int64_t>* codes) {
  absl::flat_hash_map<absl::string_view, int64_t> index;
  size_t bytes = 0;
  if (codes != nullptr) codes->resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    auto [it, inserted] = index.try_emplace(values[i], static_cast<int64_t>(entries->size()));
    if (inserted) {
      entries->push_back(values[i]);
      bytes += values[i].size();
      if (bytes > byte_budget) return false;
    }
    if (codes != nullptr) (*codes)[i] = it->second;
  }
  return true;
}

size_t Analyze(absl::Span<const absl::string_view> values) {
  if (values.empty()) return 0;
  size_t plain_bytes = 0;
  for (absl::string_view s : values) plain_bytes += s.size();
  std::vector<absl::string_view> entries;
  if (!BuildDictionary(values, plain_bytes, &entries, nullptr)) return kNotApplicable;
  size_t entry_bytes = 0;
  for (absl::string_view s : entries) entry_bytes += s.size() + 1;
  return VarintLength(entries.size()) + entry_bytes + MinPackedIntsBytes(values.size()) +
         (values.size() * BitLength(entries.size() - 1) + 7) / 8;
}

absl::Status Encode(absl::Span<const absl::string_view> values, std::string* out) {
  std::vector<absl::string_view> entries;
  std::vector<int64_t> codes;
  BuildDictionary(values, SIZE_MAX, &entries, &codes);
  PutVarint64(out, entries.size());
  EncodeStringList(entries, out);
  EncodePackedInts(codes, out);
  return absl::OkStatus();
}

absl::Status Decode(absl::string_view payload, size_t count, std::vector<std::string>* out) {
  out->clear();
  ByteReader in(payload);
  uint64_t k;
  if (!in.ReadVarint64(&k)) return CorruptColumn(kName, "truncated dictionary size");
  if (k > count || (k == 0) != (count == 0)) {
    return CorruptColumn(kName, absl::StrCat(k, " dictionary entries for ", count, " values"));
  }
  if (in.remaining() < MinPackedIntsBytes(k) + MinPackedIntsBytes(count)) {
    return CorruptColumn(kName,
                         absl::StrCat(payload.size(), " bytes cannot hold ", count, " values"));
  }
  std::vector<std::string> entries(k);
  absl::Status status = DecodeStringList(&in, k, entries.data(), kName);
  if (!status.ok()) return status;
  std::vector<int64_t> codes(count);
  status = DecodePackedInts(&in, absl::MakeSpan(codes), kName);
  if (!status.ok()) return status;
  if (!in.empty()) return CorruptColumn(kName, absl::StrCat(in.remaining(), " trailing bytes"));
  // A few bytes of codes can stand for many copies of a long entry: bound the total.
  uint64_t total = 0;
  for (size_t i = 0; i < count; ++i) {
    if (codes[i] < 0 || static_cast<uint64_t>(codes[i]) >= k) {
      return CorruptColumn(kName, absl::StrCat("value ", i, " has code ", codes[i], " of ", k));
    }
    total += entries[codes[i]].size();
  }
  if (total > kMaxColumnBytes) {
    return CorruptColumn(
        kName, absl::StrCat("the strings total ", total, " bytes, above ", kMaxColumnBytes));
  }
  out->reserve(count);
  for (size_t i = 0; i < count; ++i) out->push_back(entries[codes[i]]);
  return absl::OkStatus();
}

constexpr Codec<absl::string_view> kCodec = {CodecId::kStringDictionary, "dictionary", Analyze,
                                             Encode, Decode};

}  // namespace

const Codec<absl::string_view>& StringDictionaryCodec() { return kCodec; }

}  // namespace tsw::encoding
