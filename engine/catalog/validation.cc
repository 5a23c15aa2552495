#include "engine/catalog/validation.h"

#include <xxhash.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tsw/status.h"

namespace tsw::catalog {
namespace {

absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// A value quoted for an error message, shortened so a 100 KB name does not make a
// 100 KB message.
std::string Quoted(std::string_view value) {
  constexpr size_t kMaxShown = 64;
  if (value.size() <= kMaxShown) return absl::StrCat("'", AsAbsl(value), "'");
  return absl::StrCat("'", AsAbsl(value.substr(0, kMaxShown)), "...' (", value.size(), " bytes)");
}

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsNameChar(char c) { return IsAsciiAlnum(c) || c == '_' || c == '.' || c == '-'; }

bool AllOf(std::string_view s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

// S3BucketName: [a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9], 3 to 63 characters.
bool IsBucketEdgeChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsBucketChar(char c) { return IsBucketEdgeChar(c) || c == '.' || c == '-'; }

// S3ObjectKeyPrefix: [a-zA-Z0-9|!\-_*'\(\)]([a-zA-Z0-9]|[!\-_*'\(\)\/.])+, 1 to 928.
// (The pattern needs two characters at least, so a one-character prefix fails it.)
bool IsPrefixFirstChar(char c) {
  return IsAsciiAlnum(c) || c == '|' || c == '!' || c == '-' || c == '_' || c == '*' || c == '\'' ||
         c == '(' || c == ')';
}
bool IsPrefixChar(char c) {
  return IsAsciiAlnum(c) || c == '!' || c == '-' || c == '_' || c == '*' || c == '\'' || c == '(' ||
         c == ')' || c == '/' || c == '.';
}
constexpr size_t kMaxObjectKeyPrefixChars = 928;

// KMS key ids ("1234abcd-12ab-...", "mrk-...") and alias names ("alias/Example_1").
bool IsKeyIdChar(char c) { return IsAsciiAlnum(c) || c == '-'; }
bool IsAliasChar(char c) { return IsAsciiAlnum(c) || c == '/' || c == '_' || c == '-'; }

absl::Status CheckLength(std::string_view member, std::string_view value, size_t min, size_t max) {
  std::optional<size_t> length = Utf8Length(value);
  if (!length.has_value()) {
    return ValidationError(absl::StrCat(AsAbsl(member), " is not valid UTF-8"));
  }
  if (*length < min || *length > max) {
    return ValidationError(absl::StrCat(AsAbsl(member), " ", Quoted(value), " must be ", min,
                                        " to ", max, " characters long"));
  }
  return absl::OkStatus();
}

absl::Status ValidateS3Configuration(const S3Configuration& s3) {
  // Amazon documents no rule for a location without a bucket; a rejected-data location
  // with nowhere to write is a mistake the caller wants to hear about.
  if (!s3.bucket_name.has_value()) {
    return ValidationError(
        "MagneticStoreRejectedDataLocation.S3Configuration.BucketName is required");
  }
  const std::string& bucket = *s3.bucket_name;
  if (bucket.size() < 3 || bucket.size() > 63 || !IsBucketEdgeChar(bucket.front()) ||
      !IsBucketEdgeChar(bucket.back()) || !AllOf(bucket, IsBucketChar)) {
    return ValidationError(absl::StrCat(
        "S3Configuration.BucketName ", Quoted(bucket),
        " must be 3 to 63 characters of [a-z0-9.-], starting and ending with [a-z0-9]"));
  }
  if (s3.object_key_prefix.has_value()) {
    const std::string& prefix = *s3.object_key_prefix;
    if (prefix.size() < 2 || prefix.size() > kMaxObjectKeyPrefixChars ||
        !IsPrefixFirstChar(prefix.front()) ||
        !AllOf(std::string_view(prefix).substr(1), IsPrefixChar)) {
      return ValidationError(absl::StrCat(
          "S3Configuration.ObjectKeyPrefix ", Quoted(prefix),
          " must match [a-zA-Z0-9|!\\-_*'\\(\\)]([a-zA-Z0-9]|[!\\-_*'\\(\\)\\/.])+ and be at "
          "most 928 characters long"));
    }
  }
  if (s3.kms_key_id.has_value()) {
    if (absl::Status s =
            CheckLength("S3Configuration.KmsKeyId", *s3.kms_key_id, 1, kMaxKmsKeyIdChars);
        !s.ok()) {
      return s;
    }
  }
  const bool sse_kms = s3.encryption_option == S3EncryptionOption::kSseKms;
  if (sse_kms && !s3.kms_key_id.has_value()) {
    return ValidationError("S3Configuration.KmsKeyId is required when EncryptionOption is SSE_KMS");
  }
  // Amazon is silent on a KmsKeyId without SSE_KMS. S3 would ignore the key, so the
  // caller almost certainly meant SSE_KMS; say so rather than store a key that does
  // nothing.
  if (!sse_kms && s3.kms_key_id.has_value()) {
    return ValidationError(
        "S3Configuration.KmsKeyId may only be given with EncryptionOption SSE_KMS");
  }
  return absl::OkStatus();
}

}  // namespace

// The service's sentences: "The table NAME does not exist." for DescribeTable of a missing
// table in an existing database (issue 11), and the database's of the same form.
absl::Status DatabaseNotFoundError(std::string_view database_name) {
  return NotFoundError(absl::StrCat("The database ", AsAbsl(database_name), " does not exist."));
}

absl::Status TableNotFoundError(std::string_view database_name, std::string_view table_name,
                                std::string_view detail) {
  return NotFoundError(absl::StrCat("The table ", AsAbsl(table_name), " does not exist. Database ",
                                    AsAbsl(database_name), " has no table of that name",
                                    detail.empty() ? "" : "; ", AsAbsl(detail), "."));
}

std::optional<size_t> Utf8Length(std::string_view s) {
  size_t count = 0;
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t extra;
    uint32_t cp;
    if (c < 0x80) {
      extra = 0;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + extra >= s.size()) return std::nullopt;  // Truncated sequence.
    for (size_t k = 1; k <= extra; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Reject overlong forms, surrogates and code points past U+10FFFF.
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return std::nullopt;
    }
    i += extra + 1;
    ++count;
  }
  return count;
}

absl::Status ValidateNewName(std::string_view member, std::string_view name) {
  if (name.size() < kMinNameBytes || name.size() > kMaxNameBytes) {
    return ValidationError(absl::StrCat(AsAbsl(member), " ", Quoted(name), " must be ",
                                        kMinNameBytes, " to ", kMaxNameBytes, " bytes long"));
  }
  if (!AllOf(name, IsNameChar)) {
    return ValidationError(absl::StrCat(AsAbsl(member), " ", Quoted(name),
                                        " may contain only a-z, A-Z, 0-9, '_', '.' and '-'"));
  }
  return absl::OkStatus();
}

// Describe, Update, Delete and List take the model's ResourceName, which (unlike
// ResourceCreateAPIName) has no pattern and no length bound: Amazon looks the name up,
// and a name that could never have been created is simply not there. So such a name is
// ResourceNotFoundException, as Amazon answers it; only a missing (empty) required name
// is ValidationException.
absl::Status ValidateExistingName(std::string_view member, std::string_view name) {
  if (name.empty()) return ValidationError(absl::StrCat(AsAbsl(member), " is required"));
  return absl::OkStatus();
}

absl::Status ValidateRetention(const RetentionProperties& retention) {
  if (retention.memory_store_retention_period_in_hours < 1 ||
      retention.memory_store_retention_period_in_hours > 8766) {
    return ValidationError(absl::StrCat("RetentionProperties.MemoryStoreRetentionPeriodInHours ",
                                        retention.memory_store_retention_period_in_hours,
                                        " must be 1 to 8766"));
  }
  if (retention.magnetic_store_retention_period_in_days < 1 ||
      retention.magnetic_store_retention_period_in_days > 73000) {
    return ValidationError(absl::StrCat("RetentionProperties.MagneticStoreRetentionPeriodInDays ",
                                        retention.magnetic_store_retention_period_in_days,
                                        " must be 1 to 73000"));
  }
  return absl::OkStatus();
}

absl::Status ValidateMagneticStoreWriteProperties(const MagneticStoreWriteProperties& props) {
  if (!props.magnetic_store_rejected_data_location.has_value()) return absl::OkStatus();
  const MagneticStoreRejectedDataLocation& location = *props.magnetic_store_rejected_data_location;
  // The model makes S3Configuration optional, but it is the location's only member: an
  // empty location is as much a mistake as a location without a bucket.
  if (!location.s3_configuration.has_value()) {
    return ValidationError("MagneticStoreRejectedDataLocation.S3Configuration is required");
  }
  return ValidateS3Configuration(*location.s3_configuration);
}

// Amazon checks a KmsKeyId with KMS, which tsw has not got. tsw checks the shape of the
// four forms the reference lists (key id, key ARN, alias name, alias ARN), stores the
// string as given, and compares keys as strings. Key ids are not required to be UUIDs
// (multi-region keys are "mrk-..."), only [A-Za-z0-9-]+.
absl::Status ValidateKmsKeyId(std::string_view kms_key_id) {
  if (absl::Status s = CheckLength("KmsKeyId", kms_key_id, 1, kMaxKmsKeyIdChars); !s.ok()) {
    return s;
  }
  auto bad = [&] {
    return ValidationError(absl::StrCat(
        "KmsKeyId ", Quoted(kms_key_id),
        " is not a key id, key ARN (arn:aws:kms:<region>:<account>:key/<id>), alias name "
        "(alias/<name>) or alias ARN (arn:aws:kms:<region>:<account>:alias/<name>)"));
  };
  auto valid_alias = [](std::string_view alias_name) {
    return !alias_name.empty() && AllOf(alias_name, IsAliasChar);
  };
  std::string_view rest = kms_key_id;
  if (rest.rfind("arn:", 0) == 0) {
    std::vector<absl::string_view> parts = absl::StrSplit(AsAbsl(rest), absl::MaxSplits(':', 5));
    if (parts.size() != 6 || parts[1].empty() || parts[2] != "kms" || parts[3].empty() ||
        parts[4].empty()) {
      return bad();
    }
    std::string_view resource(parts[5].data(), parts[5].size());
    if (resource.rfind("key/", 0) == 0) {
      std::string_view id = resource.substr(4);
      return !id.empty() && AllOf(id, IsKeyIdChar) ? absl::OkStatus() : bad();
    }
    if (resource.rfind("alias/", 0) == 0) {
      return valid_alias(resource.substr(6)) ? absl::OkStatus() : bad();
    }
    return bad();
  }
  if (rest.rfind("alias/", 0) == 0) {
    return valid_alias(rest.substr(6)) ? absl::OkStatus() : bad();
  }
  return AllOf(rest, IsKeyIdChar) ? absl::OkStatus() : bad();
}

absl::Status ValidateTags(const std::vector<Tag>& tags) {
  if (tags.size() > kMaxTagsPerRequest) {
    return ValidationError(absl::StrCat("Tags has ", tags.size(), " members; at most ",
                                        kMaxTagsPerRequest, " are allowed"));
  }
  absl::flat_hash_set<absl::string_view> keys;
  for (const Tag& tag : tags) {
    if (absl::Status s = CheckLength("Tag Key", tag.key, 1, kMaxTagKeyChars); !s.ok()) return s;
    if (absl::Status s = CheckLength("Tag Value", tag.value, 0, kMaxTagValueChars); !s.ok()) {
      return s;
    }
    // Amazon does not say which of two equal keys in one request wins; refusing the
    // request is the answer that cannot surprise.
    if (!keys.insert(tag.key).second) {
      return ValidationError(
          absl::StrCat("Tag Key ", Quoted(tag.key), " appears more than once in Tags"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTagKeys(const std::vector<std::string>& keys) {
  if (keys.size() > kMaxTagsPerRequest) {
    return ValidationError(absl::StrCat("TagKeys has ", keys.size(), " members; at most ",
                                        kMaxTagsPerRequest, " are allowed"));
  }
  for (const std::string& key : keys) {
    if (absl::Status s = CheckLength("TagKeys member", key, 1, kMaxTagKeyChars); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateMaxResults(const std::optional<int32_t>& max_results) {
  if (max_results.has_value() && (*max_results < 1 || *max_results > 20)) {
    return ValidationError(absl::StrCat("MaxResults ", *max_results, " must be 1 to 20"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ResourceArn> ParseResourceArn(std::string_view arn) {
  if (absl::Status s = CheckLength("ResourceARN", arn, 1, kMaxArnChars); !s.ok()) return s;
  auto bad = [&] {
    return ValidationError(absl::StrCat(
        "ResourceARN ", Quoted(arn),
        " is not a Timestream ARN (arn:aws:timestream:<region>:<account>:database/<name>"
        "[/table/<name>])"));
  };
  std::vector<absl::string_view> parts = absl::StrSplit(AsAbsl(arn), absl::MaxSplits(':', 5));
  if (parts.size() != 6 || parts[0] != "arn" || parts[1].empty() || parts[2] != "timestream" ||
      parts[3].empty() || parts[4].empty()) {
    return bad();
  }
  std::vector<absl::string_view> path = absl::StrSplit(parts[5], '/');
  ResourceArn out;
  if (path.size() == 2 && path[0] == "database" && !path[1].empty()) {
    out.database_name = std::string(path[1]);
  } else if (path.size() == 4 && path[0] == "database" && !path[1].empty() && path[2] == "table" &&
             !path[3].empty()) {
    out.database_name = std::string(path[1]);
    out.table_name = std::string(path[3]);
  } else {
    return bad();
  }
  out.partition = std::string(parts[1]);
  out.region = std::string(parts[3]);
  out.account_id = std::string(parts[4]);
  return out;
}

std::string DatabaseArn(std::string_view region, std::string_view account_id,
                        std::string_view database_name) {
  return absl::StrCat("arn:aws:timestream:", AsAbsl(region), ":", AsAbsl(account_id), ":database/",
                      AsAbsl(database_name));
}

std::string TableArn(std::string_view region, std::string_view account_id,
                     std::string_view database_name, std::string_view table_name) {
  return absl::StrCat(DatabaseArn(region, account_id, database_name), "/table/",
                      AsAbsl(table_name));
}

std::string DefaultKmsKeyArn(std::string_view region, std::string_view account_id) {
  // AWS-managed keys are per account and region; so is this id. The seed string is part
  // of the contract: changing it would change the key recorded for new databases.
  std::string seed = absl::StrCat("tsw/aws/timestream\n", AsAbsl(account_id), "\n", AsAbsl(region));
  XXH128_hash_t h = XXH3_128bits(seed.data(), seed.size());
  uint64_t hi = h.high64;
  uint64_t lo = h.low64;
  // Shape it as a version-4, variant-1 UUID, like real KMS key ids.
  hi = (hi & ~0xF000ULL) | 0x4000ULL;
  lo = (lo & ~(0xC000ULL << 48)) | (0x8000ULL << 48);
  std::string id = absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xFFFF,
                                   hi & 0xFFFF, lo >> 48, lo & 0xFFFFFFFFFFFFULL);
  return absl::StrCat("arn:aws:kms:", AsAbsl(region), ":", AsAbsl(account_id), ":key/", id);
}

}  // namespace tsw::catalog
