#include "engine/model/table_schema.h"

#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "tsw/status.h"
#include "xxhash.h"

namespace tsw::model {
namespace {

constexpr absl::string_view kMagic = "TSWSCHEM";
constexpr uint32_t kFormatVersion = 1;

void EncodeTable(const NameTable& table, uint64_t up_to_sequence, std::string* out) {
  uint64_t count = 0;
  for (size_t i = 0; i < table.size(); ++i) {
    count += table.at(static_cast<int32_t>(i)).added_sequence <= up_to_sequence;
  }
  PutVarint64(out, count);
  for (size_t i = 0; i < table.size(); ++i) {
    const NameTable::Entry& e = table.at(static_cast<int32_t>(i));
    if (e.added_sequence > up_to_sequence) continue;
    out->push_back(static_cast<char>(e.type));
    PutLengthPrefixed(out, e.name);
  }
}

bool DecodeTable(absl::string_view* in, NameTable* table) {
  uint64_t count;
  if (!GetVarint64(in, &count)) return false;
  for (uint64_t i = 0; i < count; ++i) {
    absl::string_view name;
    if (in->empty()) return false;
    const uint8_t type = static_cast<uint8_t>((*in)[0]);
    in->remove_prefix(1);
    if (type > static_cast<uint8_t>(MeasureValueType::kMulti) || !GetLengthPrefixed(in, &name)) {
      return false;
    }
    if (table->Find(name) != NameTable::kAbsent) return false;
    table->Add(name, static_cast<MeasureValueType>(type), 0);
  }
  return true;
}

}  // namespace

int32_t NameTable::Add(absl::string_view name, MeasureValueType type, uint64_t sequence) {
  const int32_t id = static_cast<int32_t>(entries_.size());
  entries_.push_back(Entry{std::string(name.data(), name.size()), type, sequence});
  index_.emplace(absl::string_view(entries_.back().name), id);
  return id;
}

std::string TableSchema::Encode(uint64_t up_to_sequence) const {
  std::string out(kMagic.data(), kMagic.size());
  PutFixed32(&out, kFormatVersion);
  EncodeTable(measures, up_to_sequence, &out);
  EncodeTable(attributes, up_to_sequence, &out);
  EncodeTable(dimensions, up_to_sequence, &out);
  PutFixed64(&out, XXH3_64bits(out.data(), out.size()));
  return out;
}

absl::Status TableSchema::Decode(absl::string_view data) {
  if (data.size() < kMagic.size() + 4 + 8 || data.substr(0, kMagic.size()) != kMagic) {
    return InternalError("not a tsw schema file (bad magic or too short)");
  }
  absl::string_view checksum_bytes = data.substr(data.size() - 8);
  uint64_t checksum;
  GetFixed64(&checksum_bytes, &checksum);
  absl::string_view body = data.substr(0, data.size() - 8);
  if (XXH3_64bits(body.data(), body.size()) != checksum) {
    return InternalError("schema file checksum mismatch (the file is corrupt)");
  }
  body.remove_prefix(kMagic.size());
  uint32_t version;
  GetFixed32(&body, &version);
  if (version != kFormatVersion) {
    return InternalError(absl::StrCat("schema file format version ", version,
                                      " is not supported (this build reads ", kFormatVersion, ")"));
  }
  if (!DecodeTable(&body, &measures) || !DecodeTable(&body, &attributes) ||
      !DecodeTable(&body, &dimensions) || !body.empty()) {
    return InternalError("schema file is malformed despite a valid checksum");
  }
  return absl::OkStatus();
}

absl::flat_hash_set<uint32_t> MeasureIds(const TableSchema& schema,
                                         const std::vector<std::string>& names) {
  absl::flat_hash_set<uint32_t> ids;
  for (const std::string& name : names) {
    const int32_t id = schema.measures.Find(name);
    if (id != NameTable::kAbsent) ids.insert(static_cast<uint32_t>(id));
  }
  return ids;
}

}  // namespace tsw::model
