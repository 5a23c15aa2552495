// ErrnoOf and EnvError: how an Env error carries its errno (an absl payload).

#include "tsw/env.h"

#include <string.h>

#include <cerrno>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tsw/status.h"

namespace tsw {
namespace {

constexpr absl::string_view kErrnoPayload = "type.tsw/Errno";

}  // namespace

int ErrnoOf(const absl::Status& status) {
  auto payload = status.GetPayload(kErrnoPayload);
  if (!payload) return 0;
  int err = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &err)) return 0;
  return err;
}

absl::Status EnvError(absl::string_view what, absl::string_view path, int err) {
  // strerror_r's GNU form returns the text (maybe not in buf); the XSI form an int.
  char buf[128] = {0};
  const auto text = [&](auto result) -> const char* {
    if constexpr (std::is_same_v<decltype(result), char*>) {
      return result;
    } else {
      return result == 0 ? buf : "unknown error";
    }
  };
  const std::string message =
      absl::StrCat(what, " ", path, ": ", text(strerror_r(err, buf, sizeof(buf))));
  absl::Status status = err == ENOENT   ? absl::NotFoundError(message)
                        : err == EEXIST ? absl::AlreadyExistsError(message)
                                        : tsw::InternalError(message);
  return WithErrno(std::move(status), err);
}

absl::Status WithErrno(absl::Status status, int err) {
  status.SetPayload(kErrnoPayload, absl::Cord(absl::StrCat(err)));
  return status;
}

}  // namespace tsw
