#include "engine/forward/http1_connection.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>  // close(2) of the socket: not a file (tests/common/no_raw_file_io_test).

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tsw::forward {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxLineBytes = 4096;  // A chunk-size or trailer line.

absl::Status Broken(absl::string_view what) {
  return absl::UnavailableError(absl::StrCat("HTTP answer: ", what));
}

timeval TimevalOf(absl::Duration d) {
  const int64_t micros = std::max<int64_t>(1, absl::ToInt64Microseconds(d));
  return timeval{static_cast<time_t>(micros / 1000000), static_cast<suseconds_t>(micros % 1000000)};
}

// Splits "host", "host:port" or "[v6]:port" (port 80 by default).
absl::Status SplitHostPort(absl::string_view host_port, std::string* host, std::string* port) {
  absl::string_view h = host_port, p = "80";
  if (absl::StartsWith(h, "[")) {
    const size_t close = h.find(']');
    if (close == absl::string_view::npos) return absl::InvalidArgumentError("unclosed '['");
    absl::string_view rest = h.substr(close + 1);
    h = h.substr(1, close - 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return absl::InvalidArgumentError("junk after ']'");
      p = rest.substr(1);
    }
  } else if (const size_t colon = h.rfind(':'); colon != absl::string_view::npos) {
    p = h.substr(colon + 1);
    h = h.substr(0, colon);
  }
  int number = 0;
  if (h.empty() || !absl::SimpleAtoi(p, &number) || number <= 0 || number > 65535) {
    return absl::InvalidArgumentError("not host:port");
  }
  *host = std::string(h);
  *port = std::string(p);
  return absl::OkStatus();
}

// Connects `fd` (non-blocking) to `address` within `deadline`; 0 or an errno.
int ConnectBy(int fd, const addrinfo& address, absl::Time deadline) {
  if (connect(fd, address.ai_addr, address.ai_addrlen) == 0) return 0;
  if (errno != EINPROGRESS) return errno;
  while (true) {
    const int64_t millis = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (millis <= 0) return ETIMEDOUT;
    pollfd p{fd, POLLOUT, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::min<int64_t>(millis, 1 << 30)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return errno;
    if (ready == 0) return ETIMEDOUT;
    int error = 0;
    socklen_t size = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) return errno;
    return error;
  }
}

// Whether a header line's field name is `name` (field names are case-insensitive).
bool HeaderIs(absl::string_view field_name, absl::string_view name) {
  return absl::EqualsIgnoreCase(field_name, name);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Http1Connection>> Http1Connection::Connect(
    absl::string_view host_port, absl::Duration connect_timeout, absl::Duration io_timeout) {
  std::string host, port;
  if (absl::Status s = SplitHostPort(host_port, &host, &port); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("'", host_port, "': ", s.message()));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int e = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); e != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve '", host, "': ", gai_strerror(e)));
  }
  const absl::Time deadline = absl::Now() + connect_timeout;
  int error = ENOENT;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd =
        socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = errno;
      continue;
    }
    error = ConnectBy(fd, *a, deadline);
    int blocking = 0, one = 1;
    const timeval io = TimevalOf(io_timeout);
    // Blocking from here on: a receive waits in recv itself (up to SO_RCVTIMEO), one
    // system call where a poll and a read would be two.
    if (error == 0 && (ioctl(fd, FIONBIO, &blocking) != 0 ||
                       setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
                       setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &io, sizeof io) != 0 ||
                       setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &io, sizeof io) != 0)) {
      error = errno;
    }
    if (error == 0) {
      freeaddrinfo(found);
      return std::unique_ptr<Http1Connection>(new Http1Connection(fd, io_timeout));
    }
    ::close(fd);
  }
  freeaddrinfo(found);
  const std::string why = absl::StrCat("cannot connect to ", host_port, ": ", std::strerror(error));
  return error == ETIMEDOUT ? absl::DeadlineExceededError(why) : absl::UnavailableError(why);
}

Http1Connection::Http1Connection(int fd, absl::Duration io_timeout)
    : fd_(fd), io_timeout_(io_timeout) {}

Http1Connection::~Http1Connection() { ::close(fd_); }

absl::StatusOr<Http1Response> Http1Connection::Exchange(absl::string_view head,
                                                        absl::string_view body, bool* answered) {
  *answered = false;
  if (!reusable_) return absl::UnavailableError("the connection was closed");
  reusable_ = false;  // Until the answer is read whole.
  const absl::Time deadline = absl::Now() + io_timeout_;
  std::string out;
  out.reserve(head.size() + 32);
  absl::StrAppend(&out, head, "Content-Length: ", body.size(), "\r\n\r\n");
  iovec parts[2] = {{const_cast<char*>(out.data()), out.size()},
                    {const_cast<char*>(body.data()), body.size()}};
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = body.empty() ? 1 : 2;
  while (message.msg_iovlen > 0) {
    const ssize_t sent = sendmsg(fd_, &message, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return absl::DeadlineExceededError("sending the request timed out");
      }
      return absl::UnavailableError(absl::StrCat("sending the request: ", std::strerror(errno)));
    }
    size_t left = static_cast<size_t>(sent);
    while (message.msg_iovlen > 0 && left >= message.msg_iov->iov_len) {
      left -= message.msg_iov->iov_len;
      ++message.msg_iov;
      --message.msg_iovlen;
    }
    if (message.msg_iovlen > 0) {
      message.msg_iov->iov_base = static_cast<char*>(message.msg_iov->iov_base) + left;
      message.msg_iov->iov_len -= left;
    }
  }
  in_.clear();
  Http1Response response;
  if (absl::Status s = ReadAnswer(deadline, &response, answered); !s.ok()) return s;
  // Bytes beyond the answer are not an answer to anything this client asked.
  reusable_ = !close_ && in_.empty();
  return response;
}

absl::StatusOr<bool> Http1Connection::Receive(absl::Time deadline) {
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError(
        absl::StrCat("no whole answer within ", absl::FormatDuration(io_timeout_)));
  }
  char buffer[kReadChunk];
  while (true) {
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      in_.append(buffer, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return absl::DeadlineExceededError(
          absl::StrCat("no answer within ", absl::FormatDuration(io_timeout_)));
    }
    return absl::UnavailableError(absl::StrCat("reading the answer: ", std::strerror(errno)));
  }
}

absl::Status Http1Connection::ReadAnswer(absl::Time deadline, Http1Response* response,
                                         bool* answered) {
  while (true) {  // Once per interim (1xx) answer, then the final one.
    size_t end;
    size_t from = 0;
    while ((end = in_.find("\r\n\r\n", from)) == std::string::npos) {
      if (in_.size() > kMaxHeadBytes) return Broken("a head over 64 KiB");
      from = in_.size() < 3 ? 0 : in_.size() - 3;
      absl::StatusOr<bool> got = Receive(deadline);
      if (!got.ok()) return got.status();
      if (!*got) {
        return absl::UnavailableError(
            in_.empty() ? "the server closed the connection without answering"
                        : "the server closed the connection in the answer's head");
      }
      *answered = true;
    }
    if (end > kMaxHeadBytes) return Broken("a head over 64 KiB");
    std::vector<absl::string_view> lines =
        absl::StrSplit(absl::string_view(in_).substr(0, end), "\r\n");
    // "HTTP/1.x NNN[ reason]"
    const absl::string_view status_line = lines[0];
    if (status_line.size() < 12 || !absl::StartsWith(status_line, "HTTP/1.") ||
        (status_line[7] != '0' && status_line[7] != '1') || status_line[8] != ' ' ||
        !absl::ascii_isdigit(static_cast<unsigned char>(status_line[9])) ||
        !absl::ascii_isdigit(static_cast<unsigned char>(status_line[10])) ||
        !absl::ascii_isdigit(static_cast<unsigned char>(status_line[11])) ||
        (status_line.size() > 12 && status_line[12] != ' ')) {
      return Broken(absl::StrCat("not an HTTP/1.x status line: \"",
                                 absl::CHexEscape(status_line.substr(0, 80)), "\""));
    }
    const int status =
        (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
    content_length_ = -1;
    chunked_ = false;
    close_ = status_line[7] == '0';  // HTTP/1.0: no keep-alive asked for, none assumed.
    response->error_type.clear();
    for (size_t i = 1; i < lines.size(); ++i) {
      const absl::string_view line = lines[i];
      const size_t colon = line.find(':');
      if (colon == 0 || colon == absl::string_view::npos ||
          line.substr(0, colon).find_first_of(" \t") != absl::string_view::npos) {
        return Broken(
            absl::StrCat("a malformed header line \"", absl::CHexEscape(line.substr(0, 80)), "\""));
      }
      const absl::string_view name = line.substr(0, colon);
      const absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
      if (HeaderIs(name, "Content-Length")) {
        int64_t length = -1;
        if (!absl::SimpleAtoi(value, &length) || length < 0 ||
            value.find_first_not_of("0123456789") != absl::string_view::npos ||
            (content_length_ >= 0 && content_length_ != length)) {
          return Broken(absl::StrCat("a bad Content-Length \"", absl::CHexEscape(value), "\""));
        }
        content_length_ = length;
      } else if (HeaderIs(name, "Transfer-Encoding")) {
        if (!absl::EqualsIgnoreCase(value, "chunked")) {
          return Broken(
              absl::StrCat("an unsupported Transfer-Encoding \"", absl::CHexEscape(value), "\""));
        }
        chunked_ = true;
      } else if (HeaderIs(name, "Connection")) {
        for (absl::string_view token : absl::StrSplit(value, ',')) {
          if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(token), "close")) close_ = true;
        }
      } else if (HeaderIs(name, "x-amzn-ErrorType")) {
        response->error_type = std::string(value);
      }
    }
    if (status >= 100 && status < 200) {
      if (status == 101) return Broken("101 Switching Protocols, never asked for");
      in_.erase(0, end + 4);
      continue;
    }
    response->status = status;
    if (chunked_ && content_length_ >= 0) close_ = true;  // RFC 9112 6.3: chunked wins.
    return ReadBody(deadline, end + 4, response);
  }
}

absl::Status Http1Connection::ReadBody(absl::Time deadline, size_t body_start,
                                       Http1Response* response) {
  response->body.clear();
  // More bytes until in_ holds `n`; `what` names the part for the error.
  auto need = [&](size_t n, absl::string_view what) -> absl::Status {
    while (in_.size() < n) {
      absl::StatusOr<bool> got = Receive(deadline);
      if (!got.ok()) return got.status();
      if (!*got) {
        return absl::UnavailableError(
            absl::StrCat("the server closed the connection in the answer's ", what));
      }
    }
    return absl::OkStatus();
  };
  // The end of the line starting at `from` (the offset of its "\r\n").
  auto line_end = [&](size_t from, size_t* eol) -> absl::Status {
    while ((*eol = in_.find("\r\n", from)) == std::string::npos) {
      if (in_.size() - from > kMaxLineBytes) return Broken("a chunk line over 4 KiB");
      if (absl::Status s = need(in_.size() + 1, "chunks"); !s.ok()) return s;
    }
    if (*eol - from > kMaxLineBytes) return Broken("a chunk line over 4 KiB");
    return absl::OkStatus();
  };
  if (response->status == 204 || response->status == 304) {
    in_.erase(0, body_start);
    return absl::OkStatus();
  }
  if (chunked_) {
    size_t pos = body_start;
    while (true) {
      size_t eol;
      if (absl::Status s = line_end(pos, &eol); !s.ok()) return s;
      absl::string_view size_text = absl::string_view(in_).substr(pos, eol - pos);
      size_text = absl::StripAsciiWhitespace(size_text.substr(0, size_text.find(';')));
      uint64_t size = 0;
      if (size_text.empty() || size_text.size() > 16 || !absl::SimpleHexAtoi(size_text, &size) ||
          size_text.find_first_not_of("0123456789abcdefABCDEF") != absl::string_view::npos) {
        return Broken(absl::StrCat("a bad chunk size \"", absl::CHexEscape(size_text), "\""));
      }
      pos = eol + 2;
      if (size == 0) break;
      if (size > kMaxBodyBytes - response->body.size()) return Broken("a body over 64 MiB");
      if (absl::Status s = need(pos + size + 2, "chunks"); !s.ok()) return s;
      if (in_.compare(pos + size, 2, "\r\n") != 0) return Broken("a chunk without its CRLF");
      response->body.append(in_, pos, size);
      pos += size + 2;
    }
    // Trailer lines, up to an empty one.
    for (size_t trailers = 0;; ++trailers) {
      size_t eol;
      if (absl::Status s = line_end(pos, &eol); !s.ok()) return s;
      const bool last = eol == pos;
      pos = eol + 2;
      if (last) break;
      if (trailers > 100) return Broken("over 100 trailer lines");
    }
    in_.erase(0, pos);
    return absl::OkStatus();
  }
  if (content_length_ >= 0) {
    if (static_cast<uint64_t>(content_length_) > kMaxBodyBytes) return Broken("a body over 64 MiB");
    const size_t length = static_cast<size_t>(content_length_);
    if (absl::Status s = need(body_start + length, "body"); !s.ok()) return s;
    response->body.assign(in_, body_start, length);
    in_.erase(0, body_start + length);
    return absl::OkStatus();
  }
  // Neither: the body runs to the server's close.
  close_ = true;
  while (true) {
    if (in_.size() - body_start > kMaxBodyBytes) return Broken("a body over 64 MiB");
    absl::StatusOr<bool> got = Receive(deadline);
    if (!got.ok()) return got.status();
    if (!*got) break;
  }
  response->body.assign(in_, body_start);
  in_.clear();
  return absl::OkStatus();
}

}  // namespace tsw::forward
