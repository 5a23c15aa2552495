#include "engine/catalog/catalog_format.h"

#include <xxhash.h>

#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "tsw/status.h"

namespace tsw::catalog {
namespace {

constexpr char kSnapshotMagic[8] = {'T', 'S', 'W', 'C', 'A', 'T', 'S', 'N'};
constexpr char kLogMagic[8] = {'T', 'S', 'W', 'C', 'A', 'T', 'L', 'G'};

uint64_t Hash(absl::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

int64_t ToNanos(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
TimePoint FromNanos(int64_t nanos) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(nanos)));
}

// Little-endian fixed-width integers and length-prefixed strings.
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void U32(uint32_t v) {
    char buf[4];
    for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
    out_->append(buf, 4);
  }
  void U64(uint64_t v) {
    char buf[8];
    for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
    out_->append(buf, 8);
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Str(absl::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_->append(s.data(), s.size());
  }
  void OptStr(const std::optional<std::string>& s) {
    U8(s.has_value() ? 1 : 0);
    if (s.has_value()) Str(*s);
  }
  void Bytes(absl::string_view s) { out_->append(s.data(), s.size()); }

 private:
  std::string* out_;
};

// Bounds-checked reads. Once a read fails every later read fails, so a decoder may
// check ok() once at the end of a group of reads.
class Reader {
 public:
  explicit Reader(absl::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool empty() const { return in_.empty(); }
  uint8_t U8() {
    if (!Need(1)) return 0;
    uint8_t v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  uint32_t U32() {
    if (!Need(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(4);
    return v;
  }
  uint64_t U64() {
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(8);
    return v;
  }
  int64_t I64() { return static_cast<int64_t>(U64()); }
  bool Bool() {
    uint8_t v = U8();
    if (v > 1) ok_ = false;
    return v == 1;
  }
  std::string Str() {
    uint32_t n = U32();
    if (!Need(n)) return std::string();
    std::string s(in_.data(), n);
    in_.remove_prefix(n);
    return s;
  }
  std::optional<std::string> OptStr() {
    if (!Bool()) return std::nullopt;
    return Str();
  }
  void Fail() { ok_ = false; }

 private:
  bool Need(size_t n) {
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  absl::string_view in_;
  bool ok_ = true;
};

absl::Status Corrupt(absl::string_view path, absl::string_view what) {
  return InternalError(absl::StrCat("catalog file ", path, " is corrupt: ", what));
}

void PutTags(Writer& w, const std::vector<Tag>& tags) {
  w.U32(static_cast<uint32_t>(tags.size()));
  for (const Tag& tag : tags) {
    w.Str(tag.key);
    w.Str(tag.value);
  }
}

std::vector<Tag> GetTags(Reader& r) {
  std::vector<Tag> tags;
  uint32_t n = r.U32();
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    Tag tag;
    tag.key = r.Str();
    tag.value = r.Str();
    tags.push_back(std::move(tag));
  }
  return tags;
}

void PutDatabase(Writer& w, const DatabaseRecord& rec) {
  w.Str(rec.database.database_name);
  w.Str(rec.database.kms_key_id);
  w.I64(ToNanos(rec.database.creation_time));
  w.I64(ToNanos(rec.database.last_updated_time));
  PutTags(w, rec.tags);
}

DatabaseRecord GetDatabase(Reader& r) {
  DatabaseRecord rec;
  rec.database.database_name = r.Str();
  rec.database.kms_key_id = r.Str();
  rec.database.creation_time = FromNanos(r.I64());
  rec.database.last_updated_time = FromNanos(r.I64());
  rec.tags = GetTags(r);
  return rec;
}

// S3 encryption option: 0 unset, 1 SSE_S3, 2 SSE_KMS.
void PutTable(Writer& w, const TableRecord& rec) {
  const Table& t = rec.table;
  w.U64(rec.table_id);
  w.Str(t.database_name);
  w.Str(t.table_name);
  w.U8(static_cast<uint8_t>(t.table_status));
  w.I64(t.retention_properties.memory_store_retention_period_in_hours);
  w.I64(t.retention_properties.magnetic_store_retention_period_in_days);
  w.I64(ToNanos(t.creation_time));
  w.I64(ToNanos(t.last_updated_time));
  const MagneticStoreWriteProperties& m = t.magnetic_store_write_properties;
  w.U8(m.enable_magnetic_store_writes ? 1 : 0);
  w.U8(m.magnetic_store_rejected_data_location.has_value() ? 1 : 0);
  if (m.magnetic_store_rejected_data_location.has_value()) {
    const std::optional<S3Configuration>& s3 =
        m.magnetic_store_rejected_data_location->s3_configuration;
    w.U8(s3.has_value() ? 1 : 0);
    if (s3.has_value()) {
      w.OptStr(s3->bucket_name);
      w.OptStr(s3->object_key_prefix);
      w.U8(s3->encryption_option.has_value() ? static_cast<uint8_t>(*s3->encryption_option) + 1
                                             : 0);
      w.OptStr(s3->kms_key_id);
    }
  }
  PutTags(w, rec.tags);
}

TableRecord GetTable(Reader& r) {
  TableRecord rec;
  Table& t = rec.table;
  rec.table_id = r.U64();
  t.database_name = r.Str();
  t.table_name = r.Str();
  uint8_t status = r.U8();
  if (status > static_cast<uint8_t>(TableStatus::kDeleting)) r.Fail();
  t.table_status = static_cast<TableStatus>(status);
  t.retention_properties.memory_store_retention_period_in_hours = r.I64();
  t.retention_properties.magnetic_store_retention_period_in_days = r.I64();
  t.creation_time = FromNanos(r.I64());
  t.last_updated_time = FromNanos(r.I64());
  MagneticStoreWriteProperties& m = t.magnetic_store_write_properties;
  m.enable_magnetic_store_writes = r.Bool();
  if (r.Bool()) {
    MagneticStoreRejectedDataLocation location;
    if (r.Bool()) {
      S3Configuration s3;
      s3.bucket_name = r.OptStr();
      s3.object_key_prefix = r.OptStr();
      uint8_t option = r.U8();
      if (option > 2) r.Fail();
      if (option != 0) s3.encryption_option = static_cast<S3EncryptionOption>(option - 1);
      s3.kms_key_id = r.OptStr();
      location.s3_configuration = std::move(s3);
    }
    m.magnetic_store_rejected_data_location = std::move(location);
  }
  rec.tags = GetTags(r);
  return rec;
}

void PutRecordBody(Writer& w, const LogRecord& record) {
  w.U8(static_cast<uint8_t>(record.type));
  switch (record.type) {
    case LogRecord::Type::kPutDatabase:
      PutDatabase(w, record.database);
      break;
    case LogRecord::Type::kDeleteDatabase:
      w.Str(record.database_name);
      break;
    case LogRecord::Type::kPutTable:
      PutTable(w, record.table);
      break;
    case LogRecord::Type::kDeleteTable:
      w.Str(record.database_name);
      w.Str(record.table_name);
      break;
  }
}

// Parses a record body (type byte and payload) whose checksum has been verified.
bool GetRecordBody(absl::string_view body, LogRecord* record) {
  Reader r(body);
  uint8_t type = r.U8();
  switch (type) {
    case static_cast<uint8_t>(LogRecord::Type::kPutDatabase):
      record->database = GetDatabase(r);
      break;
    case static_cast<uint8_t>(LogRecord::Type::kDeleteDatabase):
      record->database_name = r.Str();
      break;
    case static_cast<uint8_t>(LogRecord::Type::kPutTable):
      record->table = GetTable(r);
      break;
    case static_cast<uint8_t>(LogRecord::Type::kDeleteTable):
      record->database_name = r.Str();
      record->table_name = r.Str();
      break;
    default:
      return false;
  }
  record->type = static_cast<LogRecord::Type>(type);
  return r.ok() && r.empty();
}

uint32_t FrameCheck(absl::string_view length_bytes) {
  return static_cast<uint32_t>(Hash(length_bytes));
}

bool AllZero(absl::string_view bytes) {
  for (char c : bytes) {
    if (c != 0) return false;
  }
  return true;
}

}  // namespace

std::string EncodeSnapshot(const Snapshot& snapshot) {
  std::string body;
  Writer b(&body);
  b.U64(snapshot.log_number);
  b.U64(snapshot.next_table_id);
  b.U32(static_cast<uint32_t>(snapshot.databases.size()));
  for (const DatabaseRecord& db : snapshot.databases) PutDatabase(b, db);
  b.U32(static_cast<uint32_t>(snapshot.tables.size()));
  for (const TableRecord& table : snapshot.tables) PutTable(b, table);

  std::string out;
  out.reserve(kSnapshotHeaderBytes + body.size());
  Writer w(&out);
  w.Bytes(absl::string_view(kSnapshotMagic, 8));
  w.U32(kFormatVersion);
  w.U32(0);
  w.U64(body.size());
  w.U64(Hash(body));
  w.Bytes(body);
  return out;
}

absl::StatusOr<Snapshot> DecodeSnapshot(absl::string_view contents, absl::string_view path) {
  if (contents.size() < kSnapshotHeaderBytes) {
    return Corrupt(path, absl::StrCat("truncated header (", contents.size(), " bytes)"));
  }
  if (std::memcmp(contents.data(), kSnapshotMagic, 8) != 0) {
    return Corrupt(path, "bad magic (not a tsw catalog snapshot)");
  }
  Reader h(contents.substr(8, kSnapshotHeaderBytes - 8));
  uint32_t version = h.U32();
  h.U32();  // Reserved.
  uint64_t body_length = h.U64();
  uint64_t checksum = h.U64();
  if (version != kFormatVersion) {
    return Corrupt(path, absl::StrCat("unknown format version ", version, " (this build reads ",
                                      kFormatVersion, ")"));
  }
  absl::string_view body = contents.substr(kSnapshotHeaderBytes);
  if (body.size() != body_length) {
    return Corrupt(path,
                   absl::StrCat("body is ", body.size(), " bytes; header says ", body_length));
  }
  if (Hash(body) != checksum) return Corrupt(path, "checksum mismatch");

  Snapshot snapshot;
  Reader r(body);
  snapshot.log_number = r.U64();
  snapshot.next_table_id = r.U64();
  uint32_t databases = r.U32();
  for (uint32_t i = 0; i < databases && r.ok(); ++i) snapshot.databases.push_back(GetDatabase(r));
  uint32_t tables = r.ok() ? r.U32() : 0;
  for (uint32_t i = 0; i < tables && r.ok(); ++i) snapshot.tables.push_back(GetTable(r));
  if (!r.ok() || !r.empty()) return Corrupt(path, "malformed body");
  return snapshot;
}

std::string EncodeLogHeader(uint64_t log_number) {
  std::string out;
  Writer w(&out);
  w.Bytes(absl::string_view(kLogMagic, 8));
  w.U32(kFormatVersion);
  w.U32(0);
  w.U64(log_number);
  w.U64(Hash(out));
  return out;
}

std::string EncodeLogRecord(const LogRecord& record) {
  std::string body;
  Writer b(&body);
  PutRecordBody(b, record);

  std::string out;
  out.reserve(kLogFrameBytes + body.size());
  Writer w(&out);
  w.U32(static_cast<uint32_t>(body.size()));
  w.U32(FrameCheck(absl::string_view(out.data(), 4)));
  w.U64(Hash(body));
  w.Bytes(body);
  return out;
}

absl::StatusOr<LogContents> DecodeLog(absl::string_view contents, uint64_t log_number,
                                      absl::string_view path) {
  // The header is written whole (by an atomic rename) before the log is ever named by a
  // snapshot, so a bad header is corruption, never a torn write.
  if (contents.size() < kLogHeaderBytes) {
    return Corrupt(path, absl::StrCat("truncated header (", contents.size(), " bytes)"));
  }
  if (std::memcmp(contents.data(), kLogMagic, 8) != 0) {
    return Corrupt(path, "bad magic (not a tsw catalog log)");
  }
  Reader h(contents.substr(8, kLogHeaderBytes - 8));
  uint32_t version = h.U32();
  h.U32();  // Reserved.
  uint64_t number = h.U64();
  uint64_t checksum = h.U64();
  if (Hash(contents.substr(0, 24)) != checksum) return Corrupt(path, "header checksum mismatch");
  if (version != kFormatVersion) {
    return Corrupt(path, absl::StrCat("unknown format version ", version));
  }
  if (number != log_number) {
    return Corrupt(path, absl::StrCat("holds log number ", number, ", expected ", log_number));
  }

  LogContents out;
  size_t pos = kLogHeaderBytes;
  while (pos < contents.size()) {
    absl::string_view rest = contents.substr(pos);
    // A record cut short by the end of the file, or an all-zero remainder (a file
    // extended but not yet written when the machine stopped), is the torn tail of an
    // append that never returned.
    if (rest.size() < kLogFrameBytes || AllZero(rest)) {
      out.torn_tail = true;
      break;
    }
    Reader f(rest.substr(0, kLogFrameBytes));
    uint32_t length = f.U32();
    uint32_t frame_check = f.U32();
    uint64_t body_checksum = f.U64();
    if (FrameCheck(rest.substr(0, 4)) != frame_check || length == 0) {
      return Corrupt(path, absl::StrCat("bad record frame at offset ", pos));
    }
    if (rest.size() - kLogFrameBytes < length) {
      out.torn_tail = true;
      break;
    }
    absl::string_view body = rest.substr(kLogFrameBytes, length);
    const bool last = rest.size() == kLogFrameBytes + length;
    if (Hash(body) != body_checksum) {
      // Only the final record can have been in flight when the process stopped.
      if (last) {
        out.torn_tail = true;
        break;
      }
      return Corrupt(path, absl::StrCat("record checksum mismatch at offset ", pos));
    }
    LogRecord record;
    if (!GetRecordBody(body, &record)) {
      return Corrupt(path, absl::StrCat("malformed record at offset ", pos));
    }
    out.records.push_back(std::move(record));
    pos += kLogFrameBytes + length;
  }
  out.valid_bytes = pos;
  return out;
}

}  // namespace tsw::catalog
