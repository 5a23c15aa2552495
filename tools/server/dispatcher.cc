#include "tools/server/dispatcher.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/wire/api_json.h"
#include "tsw/status.h"

namespace tsw {
namespace server {
namespace {

using Handler = absl::StatusOr<std::string> (*)(Engine&, absl::string_view, const DispatchContext&);

// Parse the request, run `method`, write the response: the shape of every operation
// with a response struct.
template <typename Request, typename Response>
absl::StatusOr<std::string> Call(absl::StatusOr<Request> (*parse)(absl::string_view),
                                 absl::StatusOr<Response> (Engine::*method)(const Request&),
                                 Engine& engine, absl::string_view body) {
  absl::StatusOr<Request> request = parse(body);
  if (!request.ok()) return request.status();
  absl::StatusOr<Response> response = (engine.*method)(*request);
  if (!response.ok()) return response.status();
  return apijson::ToJson(*response);
}

// The same for the operations without a response shape (DeleteDatabase, DeleteTable).
template <typename Request>
absl::StatusOr<std::string> CallNoResponse(absl::StatusOr<Request> (*parse)(absl::string_view),
                                           absl::Status (Engine::*method)(const Request&),
                                           Engine& engine, absl::string_view body) {
  absl::StatusOr<Request> request = parse(body);
  if (!request.ok()) return request.status();
  absl::Status status = (engine.*method)(*request);
  if (!status.ok()) return status;
  return apijson::EmptyJson();
}

struct Operation {
  absl::string_view name;
  Handler handler;
};

// The scheduled-query operations of the Query API: tsw has no scheduler, so each answers
// with a ValidationException the SDK raises, naming the operation.
absl::StatusOr<std::string> ScheduledQueryUnsupported(absl::string_view operation) {
  return ValidationError(absl::StrCat(
      operation,
      ": tsw does not run scheduled queries (CreateScheduledQuery, DeleteScheduledQuery, "
      "DescribeScheduledQuery, ExecuteScheduledQuery, ListScheduledQueries and "
      "UpdateScheduledQuery are not supported); run the query with Query instead"));
}

#define TSW_SCHEDULED_QUERY_OPERATION(name)                        \
  {                                                                \
    name, [](Engine&, absl::string_view, const DispatchContext&) { \
      return ScheduledQueryUnsupported(name);                      \
    }                                                              \
  }

// Sorted by name: the Write API's operations and the Query API's (both clients send the
// same target prefix; ListTagsForResource, TagResource, UntagResource and
// DescribeEndpoints belong to both).
const Operation kOperations[] = {
    {"CancelQuery",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseCancelQueryRequest, &Engine::CancelQuery, e, b);
     }},
    {"CreateDatabase",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseCreateDatabaseRequest, &Engine::CreateDatabase, e, b);
     }},
    TSW_SCHEDULED_QUERY_OPERATION("CreateScheduledQuery"),
    {"CreateTable",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseCreateTableRequest, &Engine::CreateTable, e, b);
     }},
    {"DeleteDatabase",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return CallNoResponse(apijson::ParseDeleteDatabaseRequest, &Engine::DeleteDatabase, e, b);
     }},
    TSW_SCHEDULED_QUERY_OPERATION("DeleteScheduledQuery"),
    {"DeleteTable",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return CallNoResponse(apijson::ParseDeleteTableRequest, &Engine::DeleteTable, e, b);
     }},
    {"DescribeDatabase",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseDescribeDatabaseRequest, &Engine::DescribeDatabase, e, b);
     }},
    {"DescribeEndpoints",
     [](Engine&, absl::string_view b,
        const DispatchContext& context) -> absl::StatusOr<std::string> {
       // The engine knows no address; the server is the endpoint.
       absl::StatusOr<DescribeEndpointsRequest> request = apijson::ParseDescribeEndpointsRequest(b);
       if (!request.ok()) return request.status();
       DescribeEndpointsResponse response;
       response.endpoints.push_back({context.endpoint_address, kEndpointCachePeriodMinutes});
       return apijson::ToJson(response);
     }},
    TSW_SCHEDULED_QUERY_OPERATION("DescribeScheduledQuery"),
    {"DescribeTable",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseDescribeTableRequest, &Engine::DescribeTable, e, b);
     }},
    TSW_SCHEDULED_QUERY_OPERATION("ExecuteScheduledQuery"),
    {"ListDatabases",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseListDatabasesRequest, &Engine::ListDatabases, e, b);
     }},
    TSW_SCHEDULED_QUERY_OPERATION("ListScheduledQueries"),
    {"ListTables",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseListTablesRequest, &Engine::ListTables, e, b);
     }},
    {"ListTagsForResource",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseListTagsForResourceRequest, &Engine::ListTagsForResource, e, b);
     }},
    {"PrepareQuery",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParsePrepareQueryRequest, &Engine::PrepareQuery, e, b);
     }},
    {"Query",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseQueryRequest, &Engine::Query, e, b);
     }},
    {"TagResource",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseTagResourceRequest, &Engine::TagResource, e, b);
     }},
    {"UntagResource",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseUntagResourceRequest, &Engine::UntagResource, e, b);
     }},
    {"UpdateDatabase",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseUpdateDatabaseRequest, &Engine::UpdateDatabase, e, b);
     }},
    TSW_SCHEDULED_QUERY_OPERATION("UpdateScheduledQuery"),
    {"UpdateTable",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseUpdateTableRequest, &Engine::UpdateTable, e, b);
     }},
    {"WriteRecords",
     [](Engine& e, absl::string_view b, const DispatchContext&) {
       return Call(apijson::ParseWriteRecordsRequest, &Engine::WriteRecords, e, b);
     }},
};

#undef TSW_SCHEDULED_QUERY_OPERATION

}  // namespace

const std::vector<absl::string_view>& OperationNames() {
  static const std::vector<absl::string_view>* names = [] {
    auto* v = new std::vector<absl::string_view>();
    for (const Operation& op : kOperations) v->push_back(op.name);
    return v;
  }();
  return *names;
}

absl::StatusOr<std::string> Dispatch(Engine& engine, absl::string_view operation,
                                     absl::string_view body, const DispatchContext& context) {
  const Operation* end = std::end(kOperations);
  const Operation* op =
      std::lower_bound(std::begin(kOperations), end, operation,
                       [](const Operation& o, absl::string_view name) { return o.name < name; });
  if (op == end || op->name != operation) {
    return ValidationError(absl::StrCat("unknown operation \"", operation, "\"; tsw answers ",
                                        absl::StrJoin(OperationNames(), ", ")));
  }
  return op->handler(engine, body, context);
}

}  // namespace server
}  // namespace tsw
