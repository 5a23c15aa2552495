// TLS for `tsw serve --tls-cert FILE --tls-key FILE`: loads a PEM certificate chain and
// its private key into an OpenSSL context, with an error a person can act on for each way
// the files can be wrong (missing, unreadable, not PEM, key and certificate not a pair).
//
// Thread-safe: no shared state; each call works on the context it is given.
#ifndef TSW_TOOLS_SERVER_TLS_H_
#define TSW_TOOLS_SERVER_TLS_H_

#include <string>

#include "absl/status/status.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace tsw {
namespace server {

struct TlsFiles {
  std::string cert_file;  // PEM: the server's certificate, then any intermediates.
  std::string key_file;   // PEM: the certificate's private key, unencrypted.
};

// Sets up `ctx` for serving: TLS 1.2 or later, the certificate chain and key of `files`.
// Returns a ValidationException naming the file and the problem when a file cannot be
// read, holds no usable PEM certificate or key, or the key does not match the
// certificate. On error `ctx` is partly set up and must not be used.
absl::Status ConfigureTls(SSL_CTX& ctx, const TlsFiles& files);

// ConfigureTls on a scratch context: whether `files` would serve, before anything else
// is started.
absl::Status CheckTlsFiles(const TlsFiles& files);

}  // namespace server
}  // namespace tsw

#endif  // TSW_TOOLS_SERVER_TLS_H_
