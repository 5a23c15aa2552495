// A small command-line flag parser for the tsw subcommands: `--name value`,
// `--name=value`, repeatable flags, and boolean switches.
#ifndef TSW_TOOLS_TSW_FLAGS_H_
#define TSW_TOOLS_TSW_FLAGS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tsw::cli {

class Flags {
 public:
  // Parses `args` (the words after the subcommand). `switches` names the flags that take
  // no value; every other flag takes one. Words not starting with "--" are positional.
  static absl::StatusOr<Flags> Parse(const std::vector<std::string>& args,
                                     const std::set<std::string>& switches);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The last value of `name`, or nullopt.
  std::optional<std::string> Get(const std::string& name) const;
  // Every value of a repeatable flag, in order.
  std::vector<std::string> GetAll(const std::string& name) const;
  // The value, or a ValidationException "missing --name".
  absl::StatusOr<std::string> Require(const std::string& name) const;
  absl::StatusOr<std::optional<int64_t>> GetInt(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }
  // A ValidationException naming the first flag not in `known`, else OK.
  absl::Status CheckKnown(const std::set<std::string>& known) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

}  // namespace tsw::cli

#endif  // TSW_TOOLS_TSW_FLAGS_H_
