#include "tests/wal/wal_test_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/common/file_util.h"
#include "gtest/gtest.h"

namespace tsw::wal::testing {

std::string NewTestDir(absl::string_view name) {
  static std::atomic<int> counter{0};
  const char* root = std::getenv("TEST_TMPDIR");
  std::string dir = file::JoinPath(root != nullptr ? root : "/tmp",
                                   absl::StrCat("wal_", name, "_", getpid(), "_", counter++));
  EXPECT_TRUE(file::RemoveTree(*Env::Default(), dir).ok());
  EXPECT_TRUE(file::CreateDirs(*Env::Default(), dir).ok());
  return dir;
}

LogOptions TestOptions(std::vector<std::string>* reports, int64_t max_file_bytes) {
  LogOptions options;
  options.max_file_bytes = max_file_bytes;
  options.report = [reports](absl::string_view line) { reports->emplace_back(line); };
  return options;
}

absl::StatusOr<std::unique_ptr<Log>> OpenRecording(const std::string& dir,
                                                   const LogOptions& options, Replayed* out) {
  *out = Replayed();
  return Log::Open(dir, options, [out](uint64_t sequence, absl::string_view payload) {
    out->sequences.push_back(sequence);
    out->payloads.emplace_back(payload);
    return absl::OkStatus();
  });
}

std::string PayloadFor(uint64_t key, size_t size) {
  std::string payload(size, '\0');
  uint64_t x = key * 0x9E3779B97F4A7C15ULL + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    payload[i] = static_cast<char>(x);
  }
  return payload;
}

size_t SizeFor(uint64_t key, size_t max) {
  return static_cast<size_t>((key * 2654435761ULL) % max);
}

std::vector<std::string> LogFileNames(const std::string& dir) {
  std::vector<std::string> names;
  absl::StatusOr<std::vector<std::string>> all = file::ListDir(*Env::Default(), dir);
  EXPECT_TRUE(all.ok()) << all.status();
  if (!all.ok()) return names;
  for (const std::string& name : *all) {
    if (absl::EndsWith(name, ".log")) names.push_back(name);
  }
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return names;
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_size;
}

std::string ReadBytes(const std::string& path) {
  absl::StatusOr<std::string> bytes = file::ReadFile(*Env::Default(), path);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : std::string();
}

void WriteBytes(const std::string& path, absl::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

void TruncateFile(const std::string& path, int64_t size) {
  ASSERT_EQ(::truncate(path.c_str(), size), 0) << path;
}

void FlipByte(const std::string& path, int64_t offset) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0) << path;
  char c;
  ASSERT_EQ(::pread(fd, &c, 1, offset), 1);
  c = static_cast<char>(c ^ 0x20);
  ASSERT_EQ(::pwrite(fd, &c, 1, offset), 1);
  ::close(fd);
}

}  // namespace tsw::wal::testing
