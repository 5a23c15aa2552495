// NextToken of ListDatabases and ListTables: an opaque string that names the last item
// of the previous page, so the next page resumes strictly after it in sorted order.
// Because it names a key rather than a position, pages stay correct when items are
// created or deleted between calls: nothing is listed twice, and nothing that existed
// throughout the walk is skipped.
//
// Layout (before web-safe base64 without padding): version byte '1', kind byte, then
// u32 little-endian length of the database name, the database name, and the table name
// (the rest). FORMAT.md repeats it.
#ifndef TSW_ENGINE_CATALOG_PAGE_TOKEN_H_
#define TSW_ENGINE_CATALOG_PAGE_TOKEN_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tsw::catalog {

struct PageToken {
  enum class Kind : char {
    kDatabases = 'D',         // ListDatabases; `database` is the last one listed.
    kTablesOfDatabase = 'T',  // ListTables with DatabaseName; `database` is that name.
    kAllTables = 'A',         // ListTables without DatabaseName.
  };
  Kind kind = Kind::kDatabases;
  std::string database;
  std::string table;  // Empty for kDatabases.
};

std::string EncodePageToken(const PageToken& token);

// Parses a NextToken a client sent back. ValidationException when it is not one this
// catalog issued or was issued for a different kind of listing than `expected`.
absl::StatusOr<PageToken> DecodePageToken(std::string_view text, PageToken::Kind expected);

}  // namespace tsw::catalog

#endif  // TSW_ENGINE_CATALOG_PAGE_TOKEN_H_
