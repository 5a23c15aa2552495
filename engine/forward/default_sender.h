// The transport the engine uses for a ForwardDestination without its own `sender`.
#ifndef TSW_ENGINE_FORWARD_DEFAULT_SENDER_H_
#define TSW_ENGINE_FORWARD_DEFAULT_SENDER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "engine/forward/sender.h"
#include "tsw/options.h"

namespace tsw::forward {

// The HTTP sender (engine/forward/http_sender.h) for `destination`.
absl::StatusOr<std::shared_ptr<Sender>> MakeDefaultSender(const ForwardDestination& destination);

}  // namespace tsw::forward

#endif  // TSW_ENGINE_FORWARD_DEFAULT_SENDER_H_
