// Request validation for the catalog operations: the bounds and patterns of the service
// model (timestream-write 2018-11-01) and the spec's naming rules, plus the choices tsw
// makes where Amazon documents nothing (each written down beside its check in
// validation.cc).
//
// Every Validate function returns OK or a ValidationException whose message names the
// member and the rule it broke; the NotFoundError functions build the catalog's
// ResourceNotFoundException messages. None of them looks at catalog state, so they are safe to call
// from any thread without locks.
#ifndef TSW_ENGINE_CATALOG_VALIDATION_H_
#define TSW_ENGINE_CATALOG_VALIDATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tsw/types.h"

namespace tsw::catalog {

// Name bounds of databases and tables (spec: 3 to 256 bytes of [a-zA-Z0-9_.-]).
inline constexpr size_t kMinNameBytes = 3;
inline constexpr size_t kMaxNameBytes = 256;
// Model: TagList and TagKeyList hold at most 200 members.
inline constexpr size_t kMaxTagsPerRequest = 200;
inline constexpr size_t kMaxTagKeyChars = 128;
inline constexpr size_t kMaxTagValueChars = 256;
// Model: StringValue2048 (KmsKeyId) and AmazonResourceName bounds.
inline constexpr size_t kMaxKmsKeyIdChars = 2048;
inline constexpr size_t kMaxArnChars = 1011;

// The ResourceNotFoundException of a missing database or table. Each message opens with
// the service's own sentence ("The database NAME does not exist.", "The table NAME does
// not exist."), exactly, so code that matches it against Timestream matches tsw too;
// tsw's detail (the database a table was looked for in, `detail` when not empty) follows.
absl::Status DatabaseNotFoundError(std::string_view database_name);
absl::Status TableNotFoundError(std::string_view database_name, std::string_view table_name,
                                std::string_view detail = "");

// A name given to CreateDatabase or CreateTable (the model's ResourceCreateAPIName).
// `member` names the request member in the message ("DatabaseName", "TableName").
absl::Status ValidateNewName(std::string_view member, std::string_view name);

// A name given to any other operation (the model's ResourceName, which carries no bound
// or pattern). Only an empty name is invalid; see the comment in validation.cc for why a
// name that could never have been created is ResourceNotFoundException, not
// ValidationException.
absl::Status ValidateExistingName(std::string_view member, std::string_view name);

// RetentionProperties bounds: hours 1..8766, days 1..73000.
absl::Status ValidateRetention(const RetentionProperties& retention);

// MagneticStoreWriteProperties, including the S3 location of rejected data.
absl::Status ValidateMagneticStoreWriteProperties(const MagneticStoreWriteProperties& props);

// KmsKeyId of CreateDatabase/UpdateDatabase: 1..2048 characters, and one of the four
// forms KMS accepts (key id, key ARN, alias name, alias ARN).
absl::Status ValidateKmsKeyId(std::string_view kms_key_id);

// A Tags list of CreateDatabase/CreateTable/TagResource: at most 200 entries, keys
// 1..128 and values 0..256 characters of valid UTF-8, no key twice in one request.
// (The per-resource quota is the caller's: it depends on the tags already present.)
absl::Status ValidateTags(const std::vector<Tag>& tags);

// A TagKeys list of UntagResource: at most 200 keys, each 1..128 characters.
absl::Status ValidateTagKeys(const std::vector<std::string>& keys);

// MaxResults of ListDatabases/ListTables: unset or 1..20.
absl::Status ValidateMaxResults(const std::optional<int32_t>& max_results);

// The number of Unicode code points in valid UTF-8 `s`, or nullopt when `s` is not
// valid UTF-8. The model's string lengths count characters, not bytes.
std::optional<size_t> Utf8Length(std::string_view s);

// A Timestream resource ARN taken apart:
//   arn:<partition>:timestream:<region>:<account>:database/<db>[/table/<table>]
struct ResourceArn {
  std::string partition;
  std::string region;
  std::string account_id;
  std::string database_name;
  std::optional<std::string> table_name;  // Set for a table ARN.
};

// Parses `arn`; ValidationException when it is not shaped like a Timestream database
// or table ARN (whether the resource exists is the caller's question).
absl::StatusOr<ResourceArn> ParseResourceArn(std::string_view arn);

// arn:aws:timestream:<region>:<account>:database/<db>
std::string DatabaseArn(std::string_view region, std::string_view account_id,
                        std::string_view database_name);
// arn:aws:timestream:<region>:<account>:database/<db>/table/<table>
std::string TableArn(std::string_view region, std::string_view account_id,
                     std::string_view database_name, std::string_view table_name);

// The ARN of the AWS-managed key (alias aws/timestream) that a database created
// without KmsKeyId records: arn:aws:kms:<region>:<account>:key/<id>, where <id> is a
// UUID-shaped id derived from the account and region alone, so it is the same on every
// run and every machine.
std::string DefaultKmsKeyArn(std::string_view region, std::string_view account_id);

}  // namespace tsw::catalog

#endif  // TSW_ENGINE_CATALOG_VALIDATION_H_
