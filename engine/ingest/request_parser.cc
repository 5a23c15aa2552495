// ParseRequest: one Parser per request. The parser's paths are in parse_full.cc and
// parse_fast_path.cc, its internals in parser.h.
#include "engine/ingest/request_parser.h"

#include "engine/ingest/parser.h"
#include "engine/model/retention_window.h"

namespace tsw::ingest {
namespace internal {

Parser::Parser(const WriteRecordsRequest& request, const ParseContext& context, ParsedBatch* batch)
    : request_(request),
      common_(request.common_attributes ? &*request.common_attributes : nullptr),
      context_(context),
      quotas_(*context.quotas),
      batch_(batch) {}

void Parser::PrepareRules() {
  const int64_t now = context_.now_nanos;
  rules_.max_value_bytes = static_cast<size_t>(quotas_.max_measure_value_bytes);
  rules_.max_record_bytes = static_cast<size_t>(quotas_.max_record_bytes);
  rules_.max_series_bytes = static_cast<size_t>(quotas_.max_series_dimensions_bytes);
  rules_.memory_start = model::WindowStart(now, model::MemoryWindowNanos(context_.retention));
  rules_.magnetic_start = model::WindowStart(now, model::MagneticWindowNanos(context_.retention));
  rules_.future_limit = model::AddSaturating(now, quotas_.max_future_nanos);
}

void Parser::Reject(int32_t index, std::string reason) {
  batch_->rejected.push_back(RejectedRecord{index, std::move(reason), std::nullopt});
}

}  // namespace internal

void ParsedBatch::Clear() {
  request_records = 0;
  records.clear();
  values.clear();
  keys.clear();
  rejected.clear();
  common_dimensions.clear();
  common_encoded.clear();
  common_offsets.clear();
}

absl::Status ParseRequest(const WriteRecordsRequest& request, const ParseContext& context,
                          ParsedBatch* batch) {
  batch->Clear();
  return internal::Parser(request, context, batch).Run();
}

}  // namespace tsw::ingest
