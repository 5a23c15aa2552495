// Writers for the shapes that both requests and responses contain. Internal to
// //engine/wire.
#ifndef TSW_ENGINE_WIRE_SHAPE_WRITERS_H_
#define TSW_ENGINE_WIRE_SHAPE_WRITERS_H_

#include <string_view>

#include "absl/strings/string_view.h"
#include "engine/common/json_writer.h"
#include "tsw/types.h"

namespace tsw {
namespace apijson {

// The JSON writer is engine/common's, shared with the engine's rejected-data reports.
using json::FormatDouble;
using json::JsonWriter;

inline absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

void WriteRetentionProperties(const RetentionProperties& retention, JsonWriter* w);
void WriteMagneticStoreWriteProperties(const MagneticStoreWriteProperties& properties,
                                       JsonWriter* w);
void WriteTags(const std::vector<Tag>& tags, JsonWriter* w);

}  // namespace apijson
}  // namespace tsw

#endif  // TSW_ENGINE_WIRE_SHAPE_WRITERS_H_
