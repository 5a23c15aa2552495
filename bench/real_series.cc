#include "bench/real_series.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace tsw::bench {

std::string FindRealDoublesDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  std::filesystem::path dir =
      workspace != nullptr ? std::filesystem::path(workspace) : std::filesystem::current_path();
  for (int up = 0; up < 4 && !dir.empty(); ++up) {
    const std::filesystem::path candidate = dir.parent_path() / "shared/data/real-doubles";
    std::error_code ec;
    if (std::filesystem::is_directory(candidate, ec)) return candidate.string();
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return (std::filesystem::path(workspace != nullptr ? workspace : ".") /
          "../shared/data/real-doubles")
      .string();
}

bool ReadSeries(const std::string& path, std::vector<double>* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text == "\"\"") continue;
    double v;
    if (!absl::SimpleAtod(text, &v)) {
      std::fprintf(stderr, "%s: skipping unparsable line \"%s\"\n", path.c_str(), line.c_str());
      continue;
    }
    out->push_back(v);
  }
  return true;
}

}  // namespace tsw::bench
