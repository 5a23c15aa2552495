// Shared fixture for the catalog tests: a fresh directory under TEST_TMPDIR, a
// ManualClock, small quotas where a test asks for them, and reopen.
#ifndef TSW_TESTS_CATALOG_CATALOG_TEST_UTIL_H_
#define TSW_TESTS_CATALOG_CATALOG_TEST_UTIL_H_

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "engine/catalog/catalog.h"
#include "engine/common/file_util.h"
#include "gtest/gtest.h"
#include "tests/common/test_dir.h"
#include "tsw/clock.h"
#include "tsw/status.h"

namespace tsw::catalog::testing {

// Asserts `expr` (a Status or StatusOr) is OK, printing the status otherwise.
#define TSW_ASSERT_OK(expr)                                                  \
  do {                                                                       \
    const auto& tsw_assert_ok_value = (expr);                                \
    ASSERT_TRUE(::tsw::catalog::testing::StatusOf(tsw_assert_ok_value).ok()) \
        << ::tsw::catalog::testing::StatusOf(tsw_assert_ok_value);           \
  } while (0)

// Expects `expr` (a Status or StatusOr) to fail with ErrorKind `kind`.
#define TSW_EXPECT_KIND(expr, kind)                                                          \
  do {                                                                                       \
    const absl::Status tsw_status = ::tsw::catalog::testing::StatusOf((expr));               \
    EXPECT_FALSE(tsw_status.ok()) << "expected " << ::tsw::ExceptionName(kind);              \
    if (!tsw_status.ok()) {                                                                  \
      EXPECT_EQ(::tsw::ExceptionName(::tsw::KindOf(tsw_status)), ::tsw::ExceptionName(kind)) \
          << tsw_status;                                                                     \
    }                                                                                        \
  } while (0)

inline absl::Status StatusOf(const absl::Status& s) { return s; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

using ::tsw::testing::FreshTestDir;

inline int64_t Seconds(int64_t s) { return s * 1000000000LL; }

inline TimePoint AtNanos(int64_t nanos) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(nanos)));
}

inline int64_t NanosOf(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

inline std::string DumpTags(const Catalog& catalog, const std::string& arn) {
  std::string out;
  auto tags = catalog.ListTagsForResource({.resource_arn = arn});
  if (!tags.ok()) return "tags error: " + tags.status().ToString();
  for (const Tag& tag : tags->tags) out += " tag[" + tag.key + "=" + tag.value + "]";
  return out;
}

// Everything the catalog shows through its API (and table ids), one line per database
// and table, for comparing a catalog before and after a reopen.
inline std::string DumpCatalog(const Catalog& catalog) {
  std::string out;
  ListDatabasesRequest dbs_request{.max_results = 20};
  while (true) {
    auto page = catalog.ListDatabases(dbs_request);
    if (!page.ok()) return "list error: " + page.status().ToString();
    for (const Database& db : page->databases) {
      out += "db " + db.database_name + " arn=" + db.arn + " kms=" + db.kms_key_id +
             " tables=" + std::to_string(db.table_count) +
             " created=" + std::to_string(NanosOf(db.creation_time)) +
             " updated=" + std::to_string(NanosOf(db.last_updated_time)) +
             DumpTags(catalog, db.arn) + "\n";
    }
    if (!page->next_token) break;
    dbs_request.next_token = page->next_token;
  }
  for (const TableInfo& info : catalog.AllTables()) {
    const Table& t = info.table;
    const MagneticStoreWriteProperties& m = t.magnetic_store_write_properties;
    out +=
        "table " + t.database_name + "/" + t.table_name + " id=" + std::to_string(info.table_id) +
        " arn=" + t.arn + " status=" + std::string(ToString(t.table_status)) +
        " mem=" + std::to_string(t.retention_properties.memory_store_retention_period_in_hours) +
        " mag=" + std::to_string(t.retention_properties.magnetic_store_retention_period_in_days) +
        " created=" + std::to_string(NanosOf(t.creation_time)) +
        " updated=" + std::to_string(NanosOf(t.last_updated_time)) +
        " mswrites=" + std::to_string(m.enable_magnetic_store_writes);
    if (m.magnetic_store_rejected_data_location) {
      out += " location";
      if (const auto& s3 = m.magnetic_store_rejected_data_location->s3_configuration) {
        out += " bucket=" + s3->bucket_name.value_or("<unset>") +
               " prefix=" + s3->object_key_prefix.value_or("<unset>") + " enc=" +
               (s3->encryption_option ? std::string(ToString(*s3->encryption_option))
                                      : std::string("<unset>")) +
               " kms=" + s3->kms_key_id.value_or("<unset>");
      }
    }
    out += DumpTags(catalog, t.arn) + "\n";
  }
  return out;
}

class CatalogTest : public ::testing::Test {
 protected:
  static constexpr int64_t kStartNanos = 1700000000LL * 1000000000LL;

  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = FreshTestDir(std::string(info->test_suite_name()) + "." + info->name());
    options_.region = "eu-west-1";
    options_.account_id = "123456789012";
    options_.report = [this](std::string_view line) { log_.emplace_back(line); };
  }

  // Opens (or reopens, closing the current one first) the catalog in dir_.
  absl::Status Open() {
    catalog_.reset();
    absl::StatusOr<std::unique_ptr<Catalog>> c = Catalog::Open(dir_, options_, &clock_, tuning_);
    if (!c.ok()) return c.status();
    catalog_ = std::move(*c);
    return absl::OkStatus();
  }

  Catalog& catalog() { return *catalog_; }

  absl::Status MakeDatabase(const std::string& name) {
    return catalog_->CreateDatabase({.database_name = name}).status();
  }
  absl::Status MakeTable(const std::string& db, const std::string& table) {
    return catalog_->CreateTable({.database_name = db, .table_name = table}).status();
  }
  std::string DbArn(const std::string& db) const {
    return "arn:aws:timestream:eu-west-1:123456789012:database/" + db;
  }
  std::string TableArnOf(const std::string& db, const std::string& table) const {
    return DbArn(db) + "/table/" + table;
  }

  std::string dir_;
  Options options_;
  CatalogTuning tuning_;
  ManualClock clock_{kStartNanos};
  std::unique_ptr<Catalog> catalog_;
  std::vector<std::string> log_;
};

}  // namespace tsw::catalog::testing

#endif  // TSW_TESTS_CATALOG_CATALOG_TEST_UTIL_H_
