// Where `tsw bench --endpoint` finds the credentials it signs requests with.
#ifndef TSW_ENGINE_WIRE_AWS_CREDENTIALS_H_
#define TSW_ENGINE_WIRE_AWS_CREDENTIALS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/wire/sigv4.h"

namespace tsw::bench {

// Reads a `tsw serve --credentials` file ("ACCESS_KEY_ID SECRET_ACCESS_KEY" per line, '#'
// comments) and returns its first entry, with an optional third word as session token.
absl::StatusOr<server::SigningCredentials> LoadCredentialsFileFirst(const std::string& path);

// Parses the text of an AWS shared credentials file (~/.aws/credentials, INI) and returns
// the aws_access_key_id, aws_secret_access_key and aws_session_token of `profile`.
// NotFound-like ValidationException when the profile or its keys are missing.
absl::StatusOr<server::SigningCredentials> ParseSharedCredentials(absl::string_view text,
                                                                  absl::string_view profile);

// The standard AWS sources, in the SDKs' order: the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials) at profile AWS_PROFILE or "default".
// Fails with ValidationException saying where it looked.
absl::StatusOr<server::SigningCredentials> DefaultCredentials();

}  // namespace tsw::bench

#endif  // TSW_ENGINE_WIRE_AWS_CREDENTIALS_H_
