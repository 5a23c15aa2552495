// DispatchContext: what an API call knows about how the client reached the server.
#ifndef TSW_TOOLS_SERVER_DISPATCH_CONTEXT_H_
#define TSW_TOOLS_SERVER_DISPATCH_CONTEXT_H_

#include <string>

namespace tsw {
namespace server {

struct DispatchContext {
  // "host:port" the client should use; DescribeEndpoints answers with it.
  std::string endpoint_address;
};

}  // namespace server
}  // namespace tsw

#endif  // TSW_TOOLS_SERVER_DISPATCH_CONTEXT_H_
