// MakeDefaultSender: a destination without its own ForwardDestination::sender is served by
// the HTTP transport (engine/forward/http_sender.h).
#include "engine/forward/default_sender.h"

#include <memory>

#include "engine/forward/http_sender.h"

namespace tsw::forward {

absl::StatusOr<std::shared_ptr<Sender>> MakeDefaultSender(const ForwardDestination& destination) {
  absl::StatusOr<std::unique_ptr<Sender>> sender = NewHttpSender(destination);
  if (!sender.ok()) return sender.status();
  return std::shared_ptr<Sender>(std::move(*sender));
}

}  // namespace tsw::forward
