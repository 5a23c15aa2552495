#include "engine/wire/aws_credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tsw/status.h"

namespace tsw::bench {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ValidationError(absl::StrCat("cannot read credentials file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

absl::StatusOr<server::SigningCredentials> LoadCredentialsFileFirst(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (words.size() < 2 || words.size() > 3) {
      return ValidationError(absl::StrCat(
          path, ": expected \"ACCESS_KEY_ID SECRET_ACCESS_KEY [SESSION_TOKEN]\", got '", line,
          "'"));
    }
    return server::SigningCredentials{words[0], words[1], words.size() == 3 ? words[2] : ""};
  }
  return ValidationError(absl::StrCat(path, ": no credentials in the file"));
}

absl::StatusOr<server::SigningCredentials> ParseSharedCredentials(absl::string_view text,
                                                                  absl::string_view profile) {
  server::SigningCredentials found;
  bool in_profile = false, seen_profile = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      in_profile = absl::StripAsciiWhitespace(line.substr(1, line.size() - 2)) == profile;
      seen_profile |= in_profile;
      continue;
    }
    size_t eq = line.find('=');
    if (!in_profile || eq == absl::string_view::npos) continue;
    const absl::string_view key = absl::StripAsciiWhitespace(line.substr(0, eq));
    const std::string value(absl::StripAsciiWhitespace(line.substr(eq + 1)));
    if (key == "aws_access_key_id") found.access_key_id = value;
    if (key == "aws_secret_access_key") found.secret_access_key = value;
    if (key == "aws_session_token") found.session_token = value;
  }
  if (!seen_profile) return ValidationError(absl::StrCat("no profile [", profile, "]"));
  if (found.access_key_id.empty() || found.secret_access_key.empty()) {
    return ValidationError(
        absl::StrCat("profile [", profile, "] lacks aws_access_key_id or aws_secret_access_key"));
  }
  return found;
}

absl::StatusOr<server::SigningCredentials> DefaultCredentials() {
  if (!Env("AWS_ACCESS_KEY_ID").empty() && !Env("AWS_SECRET_ACCESS_KEY").empty()) {
    return server::SigningCredentials{Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"),
                                      Env("AWS_SESSION_TOKEN")};
  }
  std::string path = Env("AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty() && !Env("HOME").empty()) path = Env("HOME") + "/.aws/credentials";
  std::string profile = Env("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    return ValidationError(
        absl::StrCat("no credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are unset and ", path,
                     " cannot be read (or pass --credentials FILE)"));
  }
  absl::StatusOr<server::SigningCredentials> creds = ParseSharedCredentials(*text, profile);
  if (!creds.ok()) return ValidationError(absl::StrCat(path, ": ", creds.status().message()));
  return creds;
}

}  // namespace tsw::bench
