// Http1Connection: one keep-alive HTTP/1.1 client connection over plain TCP, for the
// forwarder's requests to an http:// destination (HttpSender; https:// ones go through
// cpp-httplib and OpenSSL). It does the little those requests need, cheaply: a request
// is one sendmsg of its head and body; an answer is read with blocking recv calls (a
// receive timeout on the socket, no poll before each read) and parsed by hand (status
// line, headers, a body by Content-Length, chunked, or up to the server's close).
//
// Anything the server sends that is not such an answer (a garbled status line or header,
// a bad chunk size, a body over kMaxBodyBytes, a head over kMaxHeadBytes, a close before
// the answer is whole) is an error, and the connection is not used again.
//
// Thread-compatible: one thread at a time per connection (HttpSender's pool hands each
// connection to one request at a time).
#ifndef TSW_ENGINE_FORWARD_HTTP1_CONNECTION_H_
#define TSW_ENGINE_FORWARD_HTTP1_CONNECTION_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tsw::forward {

struct Http1Response {
  int status = 0;
  std::string body;
  std::string error_type;  // The x-amzn-ErrorType header ("" when absent).
};

class Http1Connection {
 public:
  static constexpr size_t kMaxHeadBytes = 64 * 1024;
  static constexpr size_t kMaxBodyBytes = 64 * 1024 * 1024;

  // Connects to `host_port` ("host", "host:port", "[v6]:port"; port 80 by default),
  // trying each address the name resolves to within `connect_timeout`. `io_timeout`
  // bounds each send and receive and each Exchange as a whole. Fails with Unavailable
  // (unresolvable, refused, unreachable) or DeadlineExceeded, naming the host.
  static absl::StatusOr<std::unique_ptr<Http1Connection>> Connect(absl::string_view host_port,
                                                                  absl::Duration connect_timeout,
                                                                  absl::Duration io_timeout);
  ~Http1Connection();
  Http1Connection(const Http1Connection&) = delete;
  Http1Connection& operator=(const Http1Connection&) = delete;

  // Sends `head` (request line and header lines, each ending "\r\n", without the blank
  // line: Content-Length and the blank line are added here) and `body`, then reads the
  // answer. Fails with Unavailable (the connection broke, or the server's bytes are not
  // an HTTP/1.1 answer; *answered says whether any byte of an answer had arrived) or
  // DeadlineExceeded. After a failure, or an answer that closes the connection, the
  // connection is not reusable().
  absl::StatusOr<Http1Response> Exchange(absl::string_view head, absl::string_view body,
                                         bool* answered);

  // Whether another Exchange may follow on this connection.
  bool reusable() const { return reusable_; }

 private:
  Http1Connection(int fd, absl::Duration io_timeout);
  // Appends what the socket has (waiting up to the receive timeout) to in_. False at the
  // server's close; an error on a failed read or the Exchange's deadline.
  absl::StatusOr<bool> Receive(absl::Time deadline);
  absl::Status ReadAnswer(absl::Time deadline, Http1Response* response, bool* answered);
  absl::Status ReadBody(absl::Time deadline, size_t body_start, Http1Response* response);

  int fd_;
  const absl::Duration io_timeout_;
  bool reusable_ = true;
  std::string in_;  // Bytes received and not yet consumed.
  // Parsed from the head of the answer being read.
  int64_t content_length_ = -1;
  bool chunked_ = false;
  bool close_ = false;
};

}  // namespace tsw::forward

#endif  // TSW_ENGINE_FORWARD_HTTP1_CONNECTION_H_
