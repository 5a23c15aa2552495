// MakeDefaultSender until the HTTP transport (engine/forward/http_sender.*) is linked in:
// a destination without its own ForwardDestination::sender cannot be served, and
// Engine::Open says so rather than starting a forwarder that could never deliver.
#include "absl/strings/str_cat.h"
#include "engine/forward/default_sender.h"
#include "tsw/status.h"

namespace tsw::forward {

absl::StatusOr<std::shared_ptr<Sender>> MakeDefaultSender(const ForwardDestination& destination) {
  return ValidationError(absl::StrCat(
      "forwarding to ", destination.endpoint.empty() ? destination.region : destination.endpoint,
      " needs the HTTP transport, which this build of tsw lacks; give the destination a sender"));
}

}  // namespace tsw::forward
