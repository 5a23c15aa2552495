// Helpers shared by the write-ahead log tests: scratch directories under TEST_TMPDIR,
// replay into memory, deterministic payloads, and raw file access for damaging logs.
#ifndef TSW_TESTS_WAL_WAL_TEST_UTIL_H_
#define TSW_TESTS_WAL_WAL_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/wal/log.h"

namespace tsw::wal::testing {

// A fresh, empty directory under TEST_TMPDIR, unique within the test binary.
std::string NewTestDir(absl::string_view name);

// Options with small files, whose reports are appended to `*reports`.
LogOptions TestOptions(std::vector<std::string>* reports, int64_t max_file_bytes = 4096);

// What a replay delivered, in order.
struct Replayed {
  std::vector<uint64_t> sequences;
  std::vector<std::string> payloads;
};

// Log::Open with a replay that records into `*out` (cleared first).
absl::StatusOr<std::unique_ptr<Log>> OpenRecording(const std::string& dir,
                                                   const LogOptions& options, Replayed* out);

// A payload that is a function of `key` alone, `size` bytes long (no two keys alike).
std::string PayloadFor(uint64_t key, size_t size);
// A size in [0, max) that is a function of `key`.
size_t SizeFor(uint64_t key, size_t max);

// Names of the `*.log` files in `dir`, in number order.
std::vector<std::string> LogFileNames(const std::string& dir);
int64_t FileSize(const std::string& path);
std::string ReadBytes(const std::string& path);
void WriteBytes(const std::string& path, absl::string_view bytes);
void TruncateFile(const std::string& path, int64_t size);
void FlipByte(const std::string& path, int64_t offset);

}  // namespace tsw::wal::testing

#endif  // TSW_TESTS_WAL_WAL_TEST_UTIL_H_
