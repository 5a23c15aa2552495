// Fuzz target: the catalog's snapshot file and change log (engine/catalog/catalog_format).
//
// Input: one byte choosing what the rest is:
//   0: a whole snapshot file; 1: a snapshot body, given a correct header (length and
//      checksum), so the fuzzer reaches the record decoding behind the checksum;
//   2: a whole log file (log number 7); 3: log record bodies (each a u16 length, then the
//      bytes), each framed with correct checksums after a correct header, the file then
//      cut at a point the input chooses (a torn tail).
// Checks: what a decoder accepts re-encodes to the very bytes it read (the formats have
// one encoding per value; only the snapshot header's reserved field is not read), decodes again to
// the same, and a log's valid_bytes is the length of its header and whole records.
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/catalog/catalog_format.h"
#include "engine/common/coding.h"
#include "tests/fuzz/fuzz_util.h"

namespace tsw::catalog {
namespace {

constexpr uint64_t kLogNumber = 7;

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void CheckSnapshot(absl::string_view file) {
  absl::StatusOr<Snapshot> snapshot = DecodeSnapshot(file, "fuzz.snapshot");
  if (!snapshot.ok()) {
    TSW_FUZZ_CHECK(snapshot.status().code() == absl::StatusCode::kInternal,
                   absl::StrCat("unexpected error kind: ", snapshot.status().ToString()));
    return;
  }
  const std::string encoded = EncodeSnapshot(*snapshot);
  // The header's reserved u32 (bytes 12..15) is ignored on reading and written as 0.
  std::string expected(file);
  if (expected.size() >= 16) expected.replace(12, 4, 4, '\0');
  TSW_FUZZ_CHECK(encoded == expected, "an accepted snapshot does not re-encode to its bytes");
  absl::StatusOr<Snapshot> again = DecodeSnapshot(encoded, "fuzz.snapshot");
  TSW_FUZZ_CHECK(again.ok() && EncodeSnapshot(*again) == encoded,
                 "a re-encoded snapshot does not decode to the same");
}

std::string SnapshotFile(absl::string_view body) {
  std::string file = "TSWCATSN";
  PutU32(&file, kFormatVersion);
  PutU32(&file, 0);
  PutU64(&file, body.size());
  PutU64(&file, XXH3_64bits(body.data(), body.size()));
  file.append(body.data(), body.size());
  return file;
}

void CheckLog(absl::string_view file) {
  absl::StatusOr<LogContents> log = DecodeLog(file, kLogNumber, "fuzz.log");
  if (!log.ok()) {
    TSW_FUZZ_CHECK(log.status().code() == absl::StatusCode::kInternal,
                   absl::StrCat("unexpected error kind: ", log.status().ToString()));
    return;
  }
  TSW_FUZZ_CHECK(log->valid_bytes <= file.size(), "valid_bytes past the end of the file");
  TSW_FUZZ_CHECK(log->torn_tail == (log->valid_bytes < file.size()),
                 "torn_tail disagrees with valid_bytes");
  std::string encoded = EncodeLogHeader(kLogNumber);
  for (const LogRecord& record : log->records) encoded += EncodeLogRecord(record);
  TSW_FUZZ_CHECK(encoded == file.substr(0, log->valid_bytes),
                 "the accepted records do not re-encode to the file's valid bytes");
  absl::StatusOr<LogContents> again = DecodeLog(encoded, kLogNumber, "fuzz.log");
  TSW_FUZZ_CHECK(again.ok() && !again->torn_tail && again->valid_bytes == encoded.size() &&
                     again->records.size() == log->records.size(),
                 "re-encoded log records do not decode whole");
}

// Frames each body the way the catalog appends records; `cut` bytes are dropped from
// the end (a torn append).
std::string LogFile(fuzz::InputReader in) {
  const size_t cut = in.Byte() % 24;
  std::string file = EncodeLogHeader(kLogNumber);
  while (!in.empty()) {
    const size_t length = in.Byte() | (size_t{in.Byte()} << 8);
    const absl::string_view body = in.Bytes(length);
    std::string frame;
    PutU32(&frame, static_cast<uint32_t>(body.size()));
    PutU32(&frame, static_cast<uint32_t>(XXH3_64bits(frame.data(), 4)));
    PutU64(&frame, XXH3_64bits(body.data(), body.size()));
    file += frame;
    file.append(body.data(), body.size());
  }
  file.resize(file.size() - std::min(cut, file.size() - kLogHeaderBytes));
  return file;
}

}  // namespace
}  // namespace tsw::catalog

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tsw::catalog;
  tsw::fuzz::InputReader in(data, size);
  switch (in.Byte() % 4) {
    case 0:
      CheckSnapshot(in.rest());
      break;
    case 1:
      CheckSnapshot(SnapshotFile(in.rest()));
      break;
    case 2:
      CheckLog(in.rest());
      break;
    default:
      CheckLog(LogFile(in));
      break;
  }
  return 0;
}
