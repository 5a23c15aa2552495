#include "engine/wal/log_format.h"

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "engine/common/coding.h"
#include "xxhash.h"

namespace tsw::wal::format {
namespace {

// Checksum of a frame: XXH3 of its first 12 header bytes, seeded with the payload's hash.
uint64_t FrameChecksum(const char* frame_header, uint64_t payload_hash) {
  return XXH3_64bits_withSeed(frame_header, 12, payload_hash);
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string LogFileName(uint64_t number) { return absl::StrFormat("%06u.log", number); }

std::string TempLogFileName(uint64_t number) { return absl::StrFormat("%06u.log.tmp", number); }

bool ParseLogFileName(absl::string_view name, uint64_t* number) {
  constexpr absl::string_view kSuffix = ".log";
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  absl::string_view digits = name.substr(0, name.size() - kSuffix.size());
  if (!AllDigits(digits) || digits.size() > 19) return false;
  uint64_t v = 0;
  for (char c : digits) v = v * 10 + static_cast<uint64_t>(c - '0');
  // Only the spelling LogFileName gives, so no two names mean the same file number.
  if (name != LogFileName(v)) return false;
  *number = v;
  return true;
}

bool IsTempLogFileName(absl::string_view name) {
  constexpr absl::string_view kSuffix = ".log.tmp";
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  return AllDigits(name.substr(0, name.size() - kSuffix.size()));
}

std::string FreeLogFileName(uint64_t number) { return absl::StrFormat("%06u.log.free", number); }

bool ParseFreeLogFileName(absl::string_view name, uint64_t* number) {
  constexpr absl::string_view kSuffix = ".free";
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  return ParseLogFileName(name.substr(0, name.size() - kSuffix.size()), number);
}

void EncodeFileHeader(uint64_t first_sequence, char out[kFileHeaderSize], uint32_t version) {
  std::memcpy(out, kMagic, 4);
  EncodeFixed32(out + 4, version);
  EncodeFixed64(out + 8, first_sequence);
  EncodeFixed64(out + 16, XXH3_64bits(out, 16));
}

FileHeader DecodeFileHeader(absl::string_view bytes) {
  FileHeader header;
  if (bytes.size() < kFileHeaderSize) {
    header.problem = "torn file header";
    return header;
  }
  const char* p = bytes.data();
  if (DecodeFixed64(p + 16) != XXH3_64bits(p, 16)) {
    header.problem = "file header checksum mismatch";
    return header;
  }
  if (std::memcmp(p, kMagic, 4) != 0) {
    header.problem = "not a tsw log file (bad magic)";
    return header;
  }
  header.intact = true;
  header.version = DecodeFixed32(p + 4);
  header.first_sequence = DecodeFixed64(p + 8);
  if (header.version != kFormatVersion && header.version != kRecycledFormatVersion) {
    header.problem = "unsupported log format version";
  } else if (header.first_sequence == 0) {
    header.problem = "file header names sequence 0";
  }
  return header;
}

uint64_t PayloadHash(absl::string_view payload) {
  return XXH3_64bits(payload.data(), payload.size());
}

void EncodeFrameHeader(uint32_t length, uint64_t sequence, uint64_t payload_hash,
                       char out[kFrameHeaderSize]) {
  EncodeFixed32(out, length);
  EncodeFixed64(out + 4, sequence);
  EncodeFixed64(out + 12, FrameChecksum(out, payload_hash));
}

FrameHeader DecodeFrameHeader(const char* p) {
  FrameHeader header;
  header.length = DecodeFixed32(p);
  header.sequence = DecodeFixed64(p + 4);
  header.checksum = DecodeFixed64(p + 12);
  return header;
}

bool FrameChecksumMatches(const char* frame_header, absl::string_view payload) {
  return DecodeFixed64(frame_header + 12) == FrameChecksum(frame_header, PayloadHash(payload));
}

}  // namespace tsw::wal::format
