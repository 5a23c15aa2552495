#include "tools/server/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "tsw/status.h"

namespace tsw {
namespace server {
namespace {

// The oldest error on OpenSSL's queue of this thread, and the queue emptied (so the next
// call's error is its own). `*code` (when given) is set to the error's code.
std::string TakeOpenSslError(unsigned long* code = nullptr) {
  const unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (code != nullptr) *code = first;
  if (first == 0) return "no detail from OpenSSL";
  char text[256];
  ERR_error_string_n(first, text, sizeof(text));
  return text;
}

// Opening the file ourselves first gives the reason OpenSSL's loaders do not: ENOENT,
// EACCES, EISDIR.
absl::Status CheckReadable(const char* what, const std::string& path) {
  if (path.empty()) return ValidationError(absl::StrCat("the TLS ", what, " file is not named"));
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return ValidationError(
        absl::StrCat("cannot read the TLS ", what, " file ", path, ": ", std::strerror(errno)));
  }
  // fopen succeeds on a directory; the first read does not.
  const bool readable = std::fgetc(file) != EOF || !std::ferror(file);
  const int read_errno = errno;
  std::fclose(file);
  if (!readable) {
    return ValidationError(absl::StrCat("cannot read the TLS ", what, " file ", path, ": ",
                                        std::strerror(read_errno)));
  }
  return absl::OkStatus();
}

// An encrypted key would make OpenSSL ask for its passphrase on the terminal; a server
// has no one to ask, so the key fails to load instead.
int NoPassphrase(char*, int, int, void*) { return 0; }

}  // namespace

absl::Status ConfigureTls(SSL_CTX& ctx, const TlsFiles& files) {
  ERR_clear_error();
  if (absl::Status s = CheckReadable("certificate", files.cert_file); !s.ok()) return s;
  if (absl::Status s = CheckReadable("key", files.key_file); !s.ok()) return s;
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION) != 1) {
    return ValidationError(absl::StrCat("cannot require TLS 1.2: ", TakeOpenSslError()));
  }
  if (SSL_CTX_use_certificate_chain_file(&ctx, files.cert_file.c_str()) != 1) {
    return ValidationError(absl::StrCat("the TLS certificate file ", files.cert_file,
                                        " holds no PEM certificate that can be used (",
                                        TakeOpenSslError(), ")"));
  }
  SSL_CTX_set_default_passwd_cb(&ctx, NoPassphrase);
  if (SSL_CTX_use_PrivateKey_file(&ctx, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL 3 checks the key against the certificate here already.
    unsigned long code = 0;
    const std::string detail = TakeOpenSslError(&code);
    if (ERR_GET_LIB(code) == ERR_LIB_X509 && ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH) {
      return ValidationError(absl::StrCat("the TLS key in ", files.key_file,
                                          " does not match the certificate in ", files.cert_file,
                                          " (", detail, ")"));
    }
    return ValidationError(absl::StrCat("the TLS key file ", files.key_file,
                                        " holds no unencrypted PEM private key that can be used (",
                                        detail, ")"));
  }
  if (SSL_CTX_check_private_key(&ctx) != 1) {  // Where the loader does not check.
    return ValidationError(absl::StrCat("the TLS key in ", files.key_file,
                                        " does not match the certificate in ", files.cert_file,
                                        " (", TakeOpenSslError(), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckTlsFiles(const TlsFiles& files) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    return InternalError(absl::StrCat("cannot create a TLS context: ", TakeOpenSslError()));
  }
  absl::Status status = ConfigureTls(*ctx, files);
  SSL_CTX_free(ctx);
  return status;
}

}  // namespace server
}  // namespace tsw
