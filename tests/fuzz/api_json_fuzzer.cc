// Fuzz target: the HTTP endpoint's request decoding, for every operation (engine/wire).
//
// Input: one byte choosing the operation (its value modulo 15, in the order of kOperations
// below), then the JSON body as the server receives it. Checks: a body the parser accepts
// writes back (ToJson) to JSON that parses again and writes back to exactly the same text
// (nothing the parser kept is lost or changed on the way); a rejected body gets a
// ValidationException whose error response renders. Reads past the body are ASan's.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/wire/api_json.h"
#include "tests/fuzz/fuzz_util.h"
#include "tsw/status.h"

namespace tsw::apijson {
namespace {

using CheckFn = void (*)(absl::string_view body);

template <typename Request, absl::StatusOr<Request> (*Parse)(absl::string_view)>
void Check(absl::string_view body) {
  absl::StatusOr<Request> request = Parse(body);
  if (!request.ok()) {
    TSW_FUZZ_CHECK(KindOf(request.status()) == ErrorKind::kValidation,
                   absl::StrCat("rejected with ", request.status().ToString()));
    TSW_FUZZ_CHECK(!ErrorToJson(request.status()).empty(), "empty error body");
    return;
  }
  const std::string json = ToJson(*request);
  absl::StatusOr<Request> again = Parse(json);
  TSW_FUZZ_CHECK(again.ok(), absl::StrCat("written JSON does not parse: ", again.status().message(),
                                          "\n", json));
  const std::string json_again = ToJson(*again);
  TSW_FUZZ_CHECK(json_again == json,
                 absl::StrCat("JSON changes on a round trip:\n", json, "\n", json_again));
}

constexpr CheckFn kOperations[] = {
    Check<CreateDatabaseRequest, ParseCreateDatabaseRequest>,
    Check<CreateTableRequest, ParseCreateTableRequest>,
    Check<DeleteDatabaseRequest, ParseDeleteDatabaseRequest>,
    Check<DeleteTableRequest, ParseDeleteTableRequest>,
    Check<DescribeDatabaseRequest, ParseDescribeDatabaseRequest>,
    Check<DescribeEndpointsRequest, ParseDescribeEndpointsRequest>,
    Check<DescribeTableRequest, ParseDescribeTableRequest>,
    Check<ListDatabasesRequest, ParseListDatabasesRequest>,
    Check<ListTablesRequest, ParseListTablesRequest>,
    Check<ListTagsForResourceRequest, ParseListTagsForResourceRequest>,
    Check<TagResourceRequest, ParseTagResourceRequest>,
    Check<UntagResourceRequest, ParseUntagResourceRequest>,
    Check<UpdateDatabaseRequest, ParseUpdateDatabaseRequest>,
    Check<UpdateTableRequest, ParseUpdateTableRequest>,
    Check<WriteRecordsRequest, ParseWriteRecordsRequest>,
};
constexpr size_t kNumOperations = sizeof(kOperations) / sizeof(kOperations[0]);

}  // namespace
}  // namespace tsw::apijson

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tsw::apijson;
  tsw::fuzz::InputReader in(data, size);
  const uint8_t operation = in.Byte();
  kOperations[operation % kNumOperations](in.rest());
  return 0;
}
