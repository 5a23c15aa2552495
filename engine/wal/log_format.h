// The byte layout of write-ahead log files (engine/wal/FORMAT.md), as code: constants,
// file names, and the encoders and decoders of the file header and the frame header.
//
// Everything here is a pure function of its arguments; thread-safe. Internal to //engine/wal.
#ifndef TSW_ENGINE_WAL_LOG_FORMAT_H_
#define TSW_ENGINE_WAL_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace tsw::wal::format {

// File header: magic "TSWL", version (u32), first sequence (u64), XXH3 of bytes 0..15 (u64).
inline constexpr char kMagic[4] = {'T', 'S', 'W', 'L'};
inline constexpr uint32_t kFormatVersion = 1;
// The same layout in a recycled file (FORMAT.md, "Recycled files"): the bytes after the
// last intact frame may be frames of the file's earlier use, not damage.
inline constexpr uint32_t kRecycledFormatVersion = 2;
inline constexpr size_t kFileHeaderSize = 24;

// Frame header: payload length (u32), sequence (u64), checksum (u64); then the payload.
inline constexpr size_t kFrameHeaderSize = 20;
// The largest payload a frame may carry. A length field above it is damage, not data.
inline constexpr size_t kMaxPayloadBytes = size_t{64} << 20;

// "000042.log" for 42 (at least six digits; more once numbers outgrow them).
std::string LogFileName(uint64_t number);
// The temporary a new log file is written under before it is renamed into place.
std::string TempLogFileName(uint64_t number);
// True, with *number set, for exactly the names LogFileName produces ("000042.log", not
// "42.log").
bool ParseLogFileName(absl::string_view name, uint64_t* number);
// True for names TempLogFileName produces ("<digits>.log.tmp").
bool IsTempLogFileName(absl::string_view name);
// "000042.log.free": log file 42 once trimmed, kept for reuse instead of deleted.
std::string FreeLogFileName(uint64_t number);
// True, with *number set, for exactly the names FreeLogFileName produces.
bool ParseFreeLogFileName(absl::string_view name, uint64_t* number);

// `version`: kFormatVersion for a new file, kRecycledFormatVersion for a reused one.
void EncodeFileHeader(uint64_t first_sequence, char out[kFileHeaderSize],
                      uint32_t version = kFormatVersion);

struct FileHeader {
  // nullptr when the header is intact and of a version this code reads; else the problem.
  const char* problem = nullptr;
  // Set when the header is intact (checksum and magic match) even if `problem` is set, so
  // an unsupported version can be told apart from damage.
  bool intact = false;
  uint32_t version = 0;
  uint64_t first_sequence = 0;
};
// Decodes the first kFileHeaderSize bytes of `bytes`; a shorter input is a torn header.
FileHeader DecodeFileHeader(absl::string_view bytes);

// XXH3_64bits of the payload. Computed before the sequence is known, outside any lock.
uint64_t PayloadHash(absl::string_view payload);
// Fills the frame header of a payload of `length` bytes whose PayloadHash is
// `payload_hash`. The checksum covers length, sequence and payload (FORMAT.md).
void EncodeFrameHeader(uint32_t length, uint64_t sequence, uint64_t payload_hash,
                       char out[kFrameHeaderSize]);

struct FrameHeader {
  uint32_t length = 0;
  uint64_t sequence = 0;
  uint64_t checksum = 0;
};
// REQUIRES: `p` points at kFrameHeaderSize readable bytes.
FrameHeader DecodeFrameHeader(const char* p);
// True iff `payload` (header.length bytes) matches the header's checksum.
bool FrameChecksumMatches(const char* frame_header, absl::string_view payload);

}  // namespace tsw::wal::format

#endif  // TSW_ENGINE_WAL_LOG_FORMAT_H_
