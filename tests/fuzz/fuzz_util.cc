#include "tests/fuzz/fuzz_util.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace tsw::fuzz {

void CheckFailed(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what.c_str());
  std::fflush(stderr);
  std::abort();
}

namespace {

std::string* scratch_dir = nullptr;

void RemoveScratchDir() {
  if (scratch_dir == nullptr) return;
  std::error_code ignored;
  std::filesystem::remove_all(*scratch_dir, ignored);
}

}  // namespace

const std::string& ScratchDir() {
  if (scratch_dir != nullptr) return *scratch_dir;
  std::error_code error;
  std::string base = "/dev/shm";
  if (!std::filesystem::is_directory(base, error)) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp != nullptr ? tmp : "/tmp";
  }
  scratch_dir = new std::string(absl::StrCat(base, "/tsw-fuzz-", ::getpid()));
  std::filesystem::remove_all(*scratch_dir, error);
  if (!std::filesystem::create_directories(*scratch_dir, error)) {
    CheckFailed(__FILE__, __LINE__, absl::StrCat("cannot create ", *scratch_dir));
  }
  std::atexit(RemoveScratchDir);
  return *scratch_dir;
}

void ClearScratchDir() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(ScratchDir(), error)) {
    std::filesystem::remove_all(entry.path(), error);
  }
}

std::string WriteScratchFile(const std::string& name, absl::string_view bytes) {
  const std::string path = absl::StrCat(ScratchDir(), "/", name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) CheckFailed(__FILE__, __LINE__, absl::StrCat("cannot write ", path));
  return path;
}

}  // namespace tsw::fuzz
