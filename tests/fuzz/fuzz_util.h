// Helpers shared by the fuzz targets: a reader that turns the fuzzer's bytes into typed
// values, a check that aborts (so libFuzzer reports the input) with a message, and a
// per-process scratch directory for targets whose code under test reads files.
#ifndef TSW_TESTS_FUZZ_FUZZ_UTIL_H_
#define TSW_TESTS_FUZZ_FUZZ_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace tsw::fuzz {

// Reads typed values off the front of the input. Past the end every read gives zeros or
// an empty string, so a target never needs to check what is left before reading.
class InputReader {
 public:
  InputReader(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}
  explicit InputReader(absl::string_view bytes) : rest_(bytes) {}

  bool empty() const { return rest_.empty(); }
  size_t size() const { return rest_.size(); }
  absl::string_view rest() const { return rest_; }

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  bool Bool() { return (Byte() & 1) != 0; }
  // Little-endian, from up to 8 bytes.
  uint64_t U64() {
    uint64_t v = 0;
    const size_t n = rest_.size() < 8 ? rest_.size() : 8;
    std::memcpy(&v, rest_.data(), n);
    rest_.remove_prefix(n);
    return v;
  }
  int64_t I64() { return static_cast<int64_t>(U64()); }
  uint32_t U32() {
    uint32_t v = 0;
    const size_t n = rest_.size() < 4 ? rest_.size() : 4;
    std::memcpy(&v, rest_.data(), n);
    rest_.remove_prefix(n);
    return v;
  }
  // A value in [0, bound) (0 when bound is 0).
  size_t Below(size_t bound) { return bound == 0 ? 0 : Byte() % bound; }
  // The next `n` bytes (fewer at the end).
  absl::string_view Bytes(size_t n) {
    if (n > rest_.size()) n = rest_.size();
    absl::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }
  // A string of length given by one byte (at most `max_len`, bounded by what is left).
  absl::string_view ShortString(size_t max_len = 255) { return Bytes(Byte() % (max_len + 1)); }
  // The bytes up to the next `separator` (consumed) or the end.
  absl::string_view Until(char separator) {
    const size_t at = rest_.find(separator);
    if (at == absl::string_view::npos) return Bytes(rest_.size());
    absl::string_view out = rest_.substr(0, at);
    rest_.remove_prefix(at + 1);
    return out;
  }

 private:
  absl::string_view rest_;
};

// Prints "fuzz check failed: <what>" and aborts. A failed check is a finding, like a
// sanitizer report: libFuzzer saves the input.
[[noreturn]] void CheckFailed(const char* file, int line, const std::string& what);

#define TSW_FUZZ_CHECK(condition, what)                                     \
  do {                                                                      \
    if (!(condition)) ::tsw::fuzz::CheckFailed(__FILE__, __LINE__, (what)); \
  } while (false)

// A directory of this process's own under /dev/shm (or $TMPDIR when /dev/shm is missing),
// created on first use and removed at exit. Targets that must hand the code under test a
// file write the input there (WriteScratchFile), so a run costs no disk I/O.
const std::string& ScratchDir();
// Removes every file in ScratchDir() (not the directory).
void ClearScratchDir();
// Writes `bytes` to ScratchDir()/name, replacing it; returns the path. Aborts on failure.
std::string WriteScratchFile(const std::string& name, absl::string_view bytes);

}  // namespace tsw::fuzz

#endif  // TSW_TESTS_FUZZ_FUZZ_UTIL_H_
