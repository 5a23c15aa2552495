#include "tools/tsw/flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tsw/status.h"

namespace tsw::cli {

absl::StatusOr<Flags> Flags::Parse(const std::vector<std::string>& args,
                                   const std::set<std::string>& switches) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word.size() < 3 || word.compare(0, 2, "--") != 0) {
      flags.positional_.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::string value;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (switches.count(name) > 0) {
      value = "true";
    } else {
      if (i + 1 >= args.size()) {
        return ValidationError(absl::StrCat("flag --", name, " needs a value"));
      }
      value = args[++i];
    }
    flags.values_[name].push_back(value);
  }
  return flags;
}

std::optional<std::string> Flags::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Flags::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return {};
  return it->second;
}

absl::StatusOr<std::string> Flags::Require(const std::string& name) const {
  std::optional<std::string> value = Get(name);
  if (!value) return ValidationError(absl::StrCat("missing --", name));
  return *value;
}

absl::StatusOr<std::optional<int64_t>> Flags::GetInt(const std::string& name) const {
  std::optional<std::string> value = Get(name);
  if (!value) return std::optional<int64_t>();
  int64_t n = 0;
  if (!absl::SimpleAtoi(*value, &n)) {
    return ValidationError(absl::StrCat("--", name, " must be an integer, not '", *value, "'"));
  }
  return std::optional<int64_t>(n);
}

absl::Status Flags::CheckKnown(const std::set<std::string>& known) const {
  for (const auto& [name, values] : values_) {
    if (known.count(name) == 0) {
      return ValidationError(absl::StrCat("unknown flag --", name, " (see tsw --help)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace tsw::cli
