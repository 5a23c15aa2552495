#include "tools/server/forward_flags.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/forward/http_sender.h"
#include "tsw/status.h"

namespace tsw::server {

const char kForwardFlagsUsage[] =
    "  --forward-to URL|REGION    forward every table's accepted records to a Timestream\n"
    "                             Write endpoint: http(s)://host[:port], or a region name\n"
    "                             (eu-west-1) whose endpoint DescribeEndpoints finds\n"
    "  --forward-discovery URL    where DescribeEndpoints is called (default\n"
    "                             https://ingest.timestream.<region>.amazonaws.com)\n"
    "  --forward-region R         signing region for a URL destination (default us-east-1)\n"
    "  --forward-credentials FILE \"ACCESS_KEY_ID SECRET_ACCESS_KEY [SESSION_TOKEN]\";\n"
    "                             default: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/\n"
    "                             AWS_SESSION_TOKEN, then ~/.aws/credentials [AWS_PROFILE]\n"
    "  --forward-database D       destination database (default: the local one's name)\n"
    "  --forward-table T          destination table (default: the local one's name)\n"
    "  --forward-backlog-bytes N  unsent log bytes kept per table (default 1 GiB), then\n"
    "  --forward-policy P         throttle: local writes get ThrottlingException (default);\n"
    "                             drop: the oldest unsent records are given up, counted\n"
    "  --forward-connections N    concurrent requests when the backlog grows (default 4)\n"
    "  --forward-nice N           the forwarder's threads run N nicer than the server's\n"
    "                             (0-19; default 10: local writes first)\n";

bool ForwardFlags::IsForwardFlag(const std::string& name) {
  static const std::set<std::string>* names = new std::set<std::string>{"--forward-to",
                                                                        "--forward-discovery",
                                                                        "--forward-region",
                                                                        "--forward-credentials",
                                                                        "--forward-database",
                                                                        "--forward-table",
                                                                        "--forward-backlog-bytes",
                                                                        "--forward-policy",
                                                                        "--forward-connections",
                                                                        "--forward-nice"};
  return names->count(name) > 0;
}

absl::Status ForwardFlags::Set(const std::string& name, const std::string& value) {
  if (value.empty()) return ValidationError(absl::StrCat(name, " needs a value"));
  has_other_ |= name != "--forward-to";
  if (name == "--forward-to") {
    has_to_ = true;
    if (absl::StrContains(value, "://")) {
      destination_.endpoint = value;
    } else {
      // A region: its endpoint is discovered (and it signs requests).
      destination_.endpoint.clear();
      destination_.region = value;
    }
  } else if (name == "--forward-discovery") {
    destination_.discovery_endpoint = value;
  } else if (name == "--forward-region") {
    destination_.region = value;
  } else if (name == "--forward-credentials") {
    destination_.credentials_file = value;
  } else if (name == "--forward-database") {
    destination_.database = value;
  } else if (name == "--forward-table") {
    destination_.table = value;
  } else if (name == "--forward-backlog-bytes") {
    if (!absl::SimpleAtoi(value, &destination_.backlog_limit_bytes) ||
        destination_.backlog_limit_bytes <= 0) {
      return ValidationError(absl::StrCat(name, " wants a positive number, not '", value, "'"));
    }
  } else if (name == "--forward-policy") {
    if (value == "throttle") {
      destination_.backlog_policy = ForwardBacklogPolicy::kThrottleWrites;
    } else if (value == "drop") {
      destination_.backlog_policy = ForwardBacklogPolicy::kDropOldest;
    } else {
      return ValidationError(absl::StrCat(name, " is throttle or drop, not '", value, "'"));
    }
  } else if (name == "--forward-connections") {
    if (!absl::SimpleAtoi(value, &destination_.max_connections) ||
        destination_.max_connections <= 0) {
      return ValidationError(absl::StrCat(name, " wants a positive number, not '", value, "'"));
    }
  } else if (name == "--forward-nice") {
    if (!absl::SimpleAtoi(value, &destination_.thread_nice) || destination_.thread_nice < 0 ||
        destination_.thread_nice > 19) {
      return ValidationError(absl::StrCat(name, " wants a number from 0 to 19, not '", value, "'"));
    }
  } else {
    return ValidationError(absl::StrCat("unknown flag ", name));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ForwardDestination>> ForwardFlags::Destination() const {
  if (!has_to_) {
    if (has_other_) return ValidationError("the --forward-* flags need --forward-to URL|REGION");
    return std::nullopt;
  }
  // Checked now, so that a wrong URL or missing credentials stop the command before the
  // data directory is opened, with the flag's problem as the message.
  absl::StatusOr<forward::HttpSenderOptions> options = forward::HttpSenderOptionsFor(destination_);
  if (!options.ok()) return options.status();
  absl::StatusOr<std::unique_ptr<forward::HttpSender>> sender =
      forward::HttpSender::Create(std::move(*options));
  if (!sender.ok()) return sender.status();
  return destination_;
}

}  // namespace tsw::server
