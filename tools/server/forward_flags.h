// The --forward-* flags of `tsw serve`, `tsw forward` and `tsw stats`: one forwarding
// rule (tsw::ForwardDestination, api/tsw/options.h) for every table of the data
// directory, read from the command line.
//
//   --forward-to URL|REGION       http(s)://host[:port], or a region such as eu-west-1
//                                 whose endpoint DescribeEndpoints finds
//   --forward-discovery URL       where DescribeEndpoints is called (default
//                                 https://ingest.timestream.<region>.amazonaws.com)
//   --forward-region R            signing region for a URL (default us-east-1)
//   --forward-credentials FILE    "ACCESS_KEY_ID SECRET [SESSION_TOKEN]" (default: the
//                                 AWS environment variables, then ~/.aws/credentials)
//   --forward-database D          destination database (default: the local name)
//   --forward-table T             destination table (default: the local name)
//   --forward-backlog-bytes N     unsent log bytes kept before the policy applies
//   --forward-policy throttle|drop
//   --forward-connections N       concurrent requests when the backlog grows
//   --forward-nice N              the forwarder's threads run N nicer (default 10)
#ifndef TSW_TOOLS_SERVER_FORWARD_FLAGS_H_
#define TSW_TOOLS_SERVER_FORWARD_FLAGS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tsw/options.h"

namespace tsw::server {

// The usage lines of the flags above, for --help texts.
extern const char kForwardFlagsUsage[];

class ForwardFlags {
 public:
  // Whether `name` (with its leading "--") is one of the flags above.
  static bool IsForwardFlag(const std::string& name);
  // Takes one flag's value. ValidationException naming the flag on a bad value.
  // REQUIRES: IsForwardFlag(name).
  absl::Status Set(const std::string& name, const std::string& value);
  // The rule the flags describe, or nullopt without --forward-to. ValidationException
  // when other --forward-* flags come without --forward-to, when the URL is not one, or
  // when no credentials are found (the file, or the standard AWS places).
  absl::StatusOr<std::optional<ForwardDestination>> Destination() const;

 private:
  ForwardDestination destination_;
  bool has_to_ = false;
  bool has_other_ = false;
};

}  // namespace tsw::server

#endif  // TSW_TOOLS_SERVER_FORWARD_FLAGS_H_
