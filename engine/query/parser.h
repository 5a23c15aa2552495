// Parses the query subset (engine/query/README.md) into a Select. Anything outside the
// grammar is a ValidationException "line L:C: ..." naming what was found there.
#ifndef TSW_ENGINE_QUERY_PARSER_H_
#define TSW_ENGINE_QUERY_PARSER_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/query/ast.h"

namespace tsw::query {

absl::StatusOr<std::unique_ptr<Select>> Parse(std::string_view sql);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_PARSER_H_
