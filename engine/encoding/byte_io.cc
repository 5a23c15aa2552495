#include "engine/encoding/byte_io.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "tsw/status.h"

namespace tsw::encoding {

absl::Status CorruptColumn(absl::string_view codec, absl::string_view detail) {
  const std::string message = absl::StrCat("corrupt ", codec, " column: ", detail);
  return tsw::InternalError(std::string_view(message));
}

}  // namespace tsw::encoding
