// QueryService over a fake query engine: paging (every row exactly once, pages bounded by
// MaxRows or by response size), NextToken checks, ClientToken idempotency, CancelQuery
// and the memory bounds.
#include "engine/query/query_service.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tsw/status.h"

namespace tsw::query {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kSecond = 1'000'000'000;

// A fake engine. "rows N [BATCH] [WIDTH]" answers N rows (id BIGINT, label VARCHAR of
// WIDTH characters, value DOUBLE, NULL on every third row) in batches of BATCH rows;
// "bad" fails as bad SQL does. Labels carry `generation`, which a test bumps to
// stand for writes made while a client pages.
class FakeEngine {
 public:
  QueryBackend Backend() {
    QueryBackend backend;
    backend.execute = [this](std::string_view query, const QueryLimits&,
                             const std::function<bool(const QueryBatch&)>& visitor,
                             int64_t* bytes_scanned) -> absl::Status {
      ++executions;
      if (query == "bad") return ValidationError("line 1:1: bad is not SQL");
      std::vector<std::string> words = absl::StrSplit(std::string(query), ' ');
      int64_t rows = 0, batch_rows = 100, width = 4;
      if (words.size() < 2 || words[0] != "rows" || !absl::SimpleAtoi(words[1], &rows)) {
        return ValidationError("the fake engine wants: rows N [BATCH] [WIDTH]");
      }
      if (words.size() > 2) {
        EXPECT_TRUE(absl::SimpleAtoi(words[2], &batch_rows));
      }
      if (words.size() > 3) {
        EXPECT_TRUE(absl::SimpleAtoi(words[3], &width));
      }
      if (bytes_scanned != nullptr) *bytes_scanned = rows * 24;
      for (int64_t start = 0; start < rows; start += batch_rows) {
        QueryBatch batch = EmptyBatch();
        for (int64_t i = start; i < std::min(rows, start + batch_rows); ++i) {
          batch.columns[0].ints.push_back(i);
          batch.columns[0].present.push_back(1);
          std::string label = absl::StrCat("g", generation.load(), "-", i);
          label.resize(std::max<size_t>(label.size(), static_cast<size_t>(width)), 'x');
          batch.columns[1].strings.push_back(label);
          batch.columns[1].present.push_back(1);
          batch.columns[2].doubles.push_back(i * 0.5);
          batch.columns[2].present.push_back(i % 3 == 0 ? 0 : 1);
          ++batch.num_rows;
        }
        if (!visitor(batch)) break;
      }
      return absl::OkStatus();
    };
    backend.prepare = [](std::string_view query) -> absl::StatusOr<std::vector<SelectColumn>> {
      if (query == "bad") return ValidationError("line 1:1: bad is not SQL");
      std::vector<SelectColumn> columns;
      for (const QueryColumn& c : EmptyBatch().columns) {
        columns.push_back(SelectColumn{c.name, ColumnType{c.type}, "db", "t", false});
      }
      return columns;
    };
    backend.format = [](const QueryColumn& c, size_t row) -> std::optional<std::string> {
      if (!c.present.empty() && c.present[row] == 0) return std::nullopt;
      switch (c.type) {
        case ScalarType::kBigint:
          return absl::StrCat(c.ints[row]);
        case ScalarType::kDouble:
          return absl::StrCat(c.doubles[row]);
        default:
          return c.strings[row];
      }
    };
    return backend;
  }

  static QueryBatch EmptyBatch() {
    QueryBatch batch;
    batch.columns.resize(3);
    batch.columns[0].name = "id";
    batch.columns[0].type = ScalarType::kBigint;
    batch.columns[1].name = "label";
    batch.columns[1].type = ScalarType::kVarchar;
    batch.columns[2].name = "value";
    batch.columns[2].type = ScalarType::kDouble;
    return batch;
  }

  std::atomic<int> executions{0};
  std::atomic<int> generation{0};
};

class QueryServiceTest : public ::testing::Test {
 protected:
  QueryServiceTest() : clock_(1'800'000'000 * kSecond) { Reset(QueryServiceOptions{}); }

  void Reset(QueryServiceOptions options) {
    options.clock = &clock_;
    service_ = std::make_unique<QueryService>(engine_.Backend(), options);
  }

  // Every row of `query` paged with `max_rows`, as the ids in order.
  std::vector<int64_t> PageAll(const std::string& query, std::optional<int32_t> max_rows,
                               int* pages = nullptr) {
    std::vector<int64_t> ids;
    QueryRequest request{.query_string = query, .max_rows = max_rows};
    std::string query_id;
    int count = 0;
    while (true) {
      absl::StatusOr<QueryResponse> page = service_->Query(request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      ++count;
      if (query_id.empty()) query_id = page->query_id;
      EXPECT_EQ(page->query_id, query_id);
      if (max_rows.has_value()) {
        EXPECT_LE(page->rows.size(), static_cast<size_t>(*max_rows));
      }
      for (const Row& row : page->rows) {
        int64_t id = -1;
        EXPECT_TRUE(absl::SimpleAtoi(*row.data[0].scalar_value, &id));
        ids.push_back(id);
      }
      if (!page->next_token.has_value()) break;
      request.next_token = page->next_token;
    }
    if (pages != nullptr) *pages = count;
    return ids;
  }

  static std::vector<int64_t> Iota(int64_t n) {
    std::vector<int64_t> v;
    for (int64_t i = 0; i < n; ++i) v.push_back(i);
    return v;
  }

  ManualClock clock_;
  FakeEngine engine_;
  std::unique_ptr<QueryService> service_;
};

TEST_F(QueryServiceTest, PagesEveryRowExactlyOnceInOrder) {
  for (std::optional<int32_t> max_rows :
       {std::optional<int32_t>(1), std::optional<int32_t>(7), std::optional<int32_t>(100),
        std::optional<int32_t>(1000), std::optional<int32_t>()}) {
    int pages = 0;
    EXPECT_EQ(PageAll("rows 2503 64", max_rows, &pages), Iota(2503));
    if (max_rows.has_value()) {
      EXPECT_EQ(pages, (2503 + *max_rows - 1) / *max_rows);
    }
    EXPECT_EQ(service_->HeldAnswers(), 0) << "the answer outlived its last page";
    EXPECT_EQ(service_->HeldBytes(), 0);
  }
  EXPECT_EQ(engine_.executions, 5);
}

TEST_F(QueryServiceTest, ReturnsColumnsNullsAndStatus) {
  absl::StatusOr<QueryResponse> page = service_->Query({.query_string = "rows 4"});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->column_info.size(), 3u);
  EXPECT_EQ(page->column_info[0].name, "id");
  EXPECT_EQ(page->column_info[0].type.scalar_type, ScalarType::kBigint);
  EXPECT_EQ(page->column_info[2].type.scalar_type, ScalarType::kDouble);
  ASSERT_EQ(page->rows.size(), 4u);
  EXPECT_TRUE(page->rows[0].data[2].null_value);
  EXPECT_FALSE(page->rows[0].data[2].scalar_value.has_value());
  EXPECT_EQ(page->rows[1].data[2].scalar_value, "0.5");
  EXPECT_FALSE(page->rows[1].data[2].null_value);
  EXPECT_FALSE(page->next_token.has_value());
  EXPECT_EQ(page->query_status.progress_percentage, 100);
  EXPECT_EQ(page->query_status.cumulative_bytes_scanned, 4 * 24);
  EXPECT_FALSE(page->query_id.empty());
  EXPECT_LE(page->query_id.size(), 64u);
  for (char c : page->query_id) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << c;
}

TEST_F(QueryServiceTest, AnEmptyAnswerStillHasItsColumns) {
  absl::StatusOr<QueryResponse> page = service_->Query({.query_string = "rows 0"});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->rows.empty());
  EXPECT_FALSE(page->next_token.has_value());
  ASSERT_EQ(page->column_info.size(), 3u);
  EXPECT_EQ(page->column_info[1].name, "label");
}

TEST_F(QueryServiceTest, TheAnswerIsFixedWhenTheQueryStarts) {
  absl::StatusOr<QueryResponse> first =
      service_->Query({.query_string = "rows 50", .max_rows = 10});
  ASSERT_TRUE(first.ok());
  engine_.generation = 7;  // Rows written while the client pages.
  QueryRequest next{.query_string = "rows 50", .next_token = first->next_token, .max_rows = 40};
  absl::StatusOr<QueryResponse> rest = service_->Query(next);
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_EQ(rest->rows.size(), 40u);
  EXPECT_EQ(rest->rows[0].data[1].scalar_value, "g0-10");
  EXPECT_FALSE(rest->next_token.has_value());
  EXPECT_EQ(engine_.executions, 1);
}

TEST_F(QueryServiceTest, MaxRowsOutsideOneToAThousandIsAValidationException) {
  for (int32_t bad : {0, -1, 1001}) {
    absl::StatusOr<QueryResponse> page =
        service_->Query({.query_string = "rows 3", .max_rows = bad});
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(KindOf(page.status()), ErrorKind::kValidation);
    EXPECT_THAT(page.status().message(), HasSubstr("MaxRows must be between 1 and 1000"));
  }
  EXPECT_EQ(engine_.executions, 0);
  EXPECT_TRUE(service_->Query({.query_string = "rows 3", .max_rows = 1}).ok());
  EXPECT_TRUE(service_->Query({.query_string = "rows 3", .max_rows = 1000}).ok());
}

TEST_F(QueryServiceTest, WithoutMaxRowsAPageHoldsAboutAMegabyte) {
  // 3000 rows of about 1 KB of JSON each: about three pages.
  int pages = 0;
  QueryRequest request{.query_string = "rows 3000 100 1000"};
  size_t rows = 0;
  while (true) {
    absl::StatusOr<QueryResponse> page = service_->Query(request);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    size_t bytes = 0;
    for (const Row& row : page->rows) {
      for (const Datum& d : row.data) bytes += d.scalar_value.value_or("").size();
    }
    EXPECT_LT(bytes, 1'000'000u);
    if (page->next_token) {
      EXPECT_GT(page->rows.size(), 900u);
    }
    rows += page->rows.size();
    if (!page->next_token) break;
    request.next_token = page->next_token;
  }
  EXPECT_EQ(rows, 3000u);
  EXPECT_EQ(pages, 4);
}

TEST_F(QueryServiceTest, ARowLargerThanAPageFailsWithTheServicesMessage) {
  QueryServiceOptions options;
  options.max_page_bytes = 2000;
  Reset(options);
  absl::StatusOr<QueryResponse> page = service_->Query({.query_string = "rows 3 10 5000"});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(KindOf(page.status()), ErrorKind::kValidation);
  EXPECT_THAT(page.status().message(),
              HasSubstr("max page response size has been exceeded by the output result row"));
}

TEST_F(QueryServiceTest, TheSameTokenTwiceReturnsTheSamePage) {
  absl::StatusOr<QueryResponse> first =
      service_->Query({.query_string = "rows 30", .max_rows = 10});
  ASSERT_TRUE(first.ok());
  QueryRequest next{.query_string = "rows 30", .next_token = first->next_token, .max_rows = 10};
  absl::StatusOr<QueryResponse> a = service_->Query(next);
  absl::StatusOr<QueryResponse> b = service_->Query(next);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->rows[0].data[0].scalar_value, "10");
  EXPECT_EQ(b->rows[0].data[0].scalar_value, "10");
  EXPECT_EQ(b->rows.size(), 10u);
}

TEST_F(QueryServiceTest, AnAlteredTokenIsInvalid) {
  absl::StatusOr<QueryResponse> first =
      service_->Query({.query_string = "rows 30", .max_rows = 10});
  ASSERT_TRUE(first.ok());
  const std::string token = *first->next_token;
  for (size_t i = 0; i < token.size(); ++i) {  // Every position, the last one too.
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    absl::StatusOr<QueryResponse> page =
        service_->Query({.query_string = "rows 30", .next_token = altered});
    ASSERT_FALSE(page.ok()) << "position " << i;
    EXPECT_EQ(KindOf(page.status()), ErrorKind::kValidation);
    EXPECT_THAT(page.status().message(), HasSubstr("Invalid pagination token"));
  }
  for (const std::string& garbage :
       {std::string("x"), std::string("!!!"), std::string(3000, 'A')}) {
    absl::StatusOr<QueryResponse> page =
        service_->Query({.query_string = "rows 30", .next_token = garbage});
    ASSERT_FALSE(page.ok());
    EXPECT_THAT(page.status().message(), HasSubstr("Invalid pagination token"));
  }
}

TEST_F(QueryServiceTest, ATokenOfAnotherQueryStringIsInvalid) {
  absl::StatusOr<QueryResponse> first =
      service_->Query({.query_string = "rows 30", .max_rows = 10});
  ASSERT_TRUE(first.ok());
  absl::StatusOr<QueryResponse> page =
      service_->Query({.query_string = "rows 31", .next_token = first->next_token});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(KindOf(page.status()), ErrorKind::kValidation);
  EXPECT_THAT(page.status().message(), HasSubstr("Invalid pagination token"));
  EXPECT_THAT(page.status().message(), HasSubstr("QueryString differs"));
}

TEST_F(QueryServiceTest, ATokenExpiresAfterAnHour) {
  absl::StatusOr<QueryResponse> first =
      service_->Query({.query_string = "rows 30", .max_rows = 10});
  ASSERT_TRUE(first.ok());
  clock_.Advance(3600 * kSecond + 1);
  absl::StatusOr<QueryResponse> page =
      service_->Query({.query_string = "rows 30", .next_token = first->next_token});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(KindOf(page.status()), ErrorKind::kValidation);
  EXPECT_THAT(page.status().message(), HasSubstr("expired"));
  EXPECT_EQ(service_->HeldAnswers(), 0) << "an hour unused drops the answer";
}

TEST_F(QueryServiceTest, TheAnswerIsDroppedAfterItsLastPage) {
  absl::StatusOr<QueryResponse> first =
      service_->Query({.query_string = "rows 20", .max_rows = 10});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(service_->HeldAnswers(), 1);
  QueryRequest next{.query_string = "rows 20", .next_token = first->next_token};
  ASSERT_TRUE(service_->Query(next).ok());
  EXPECT_EQ(service_->HeldAnswers(), 0);
  absl::StatusOr<QueryResponse> again = service_->Query(next);
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.status().message(), HasSubstr("no longer held"));
}

TEST_F(QueryServiceTest, AClientTokenMakesARepeatedQueryIdempotent) {
  const std::string client_token(36, 'c');
  QueryRequest request{.query_string = "rows 25", .client_token = client_token, .max_rows = 10};
  absl::StatusOr<QueryResponse> first = service_->Query(request);
  ASSERT_TRUE(first.ok());
  engine_.generation = 1;
  absl::StatusOr<QueryResponse> again = service_->Query(request);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->query_id, first->query_id);
  EXPECT_EQ(again->rows[3].data[1].scalar_value, "g0-3");
  EXPECT_EQ(engine_.executions, 1);

  // Still idempotent after the answer was read to its end...
  EXPECT_EQ(PageAll("rows 25", 25).size(), 25u);  // (another query; unrelated)
  QueryRequest whole{.query_string = "rows 25", .client_token = client_token, .max_rows = 1000};
  absl::StatusOr<QueryResponse> all = service_->Query(whole);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->rows.size(), 25u);
  EXPECT_FALSE(all->next_token.has_value());
  absl::StatusOr<QueryResponse> replay = service_->Query(whole);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->query_id, first->query_id);
  EXPECT_EQ(engine_.executions, 2);  // Only PageAll's query ran besides the first.

  // ...but not with another query string...
  absl::StatusOr<QueryResponse> other =
      service_->Query({.query_string = "rows 26", .client_token = client_token});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(KindOf(other.status()), ErrorKind::kValidation);
  EXPECT_THAT(other.status().message(), HasSubstr("ClientToken"));

  // ...and after five minutes it is a new request.
  clock_.Advance(301 * kSecond);
  absl::StatusOr<QueryResponse> later = service_->Query(request);
  ASSERT_TRUE(later.ok());
  EXPECT_NE(later->query_id, first->query_id);
  EXPECT_EQ(later->rows[3].data[1].scalar_value, "g1-3");
}

TEST_F(QueryServiceTest, AnAnswerWhoseClientTokenLapsedIsDroppedAfterItsLastPage) {
  QueryRequest request{
      .query_string = "rows 25", .client_token = std::string(40, 'c'), .max_rows = 10};
  absl::StatusOr<QueryResponse> page = service_->Query(request);
  ASSERT_TRUE(page.ok());
  clock_.Advance(301 * kSecond);  // The ClientToken's window ends; the NextToken lives on.
  request.client_token.reset();
  while (page->next_token.has_value()) {
    request.next_token = page->next_token;
    page = service_->Query(request);
    ASSERT_TRUE(page.ok()) << page.status();
  }
  EXPECT_EQ(service_->HeldAnswers(), 0);
}

TEST_F(QueryServiceTest, AClientTokenOutsideThirtyTwoToAHundredTwentyEightCharsIsInvalid) {
  for (size_t length : {size_t{1}, size_t{31}, size_t{129}}) {
    absl::StatusOr<QueryResponse> page =
        service_->Query({.query_string = "rows 1", .client_token = std::string(length, 'k')});
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(KindOf(page.status()), ErrorKind::kValidation);
  }
  EXPECT_TRUE(
      service_->Query({.query_string = "rows 1", .client_token = std::string(32, 'k')}).ok());
}

TEST_F(QueryServiceTest, CancelDropsTheAnswerAndItsTokensGetAConflict) {
  absl::StatusOr<QueryResponse> first =
      service_->Query({.query_string = "rows 30", .max_rows = 10});
  ASSERT_TRUE(first.ok());
  absl::StatusOr<CancelQueryResponse> cancelled = service_->CancelQuery({first->query_id});
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_FALSE(cancelled->cancellation_message.has_value());
  EXPECT_EQ(service_->HeldAnswers(), 0);

  absl::StatusOr<QueryResponse> page =
      service_->Query({.query_string = "rows 30", .next_token = first->next_token});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(KindOf(page.status()), ErrorKind::kConflict);
  EXPECT_THAT(page.status().message(), HasSubstr("cancelled"));

  absl::StatusOr<CancelQueryResponse> again = service_->CancelQuery({first->query_id});
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(again->cancellation_message.value_or(""), HasSubstr("already been cancelled"));
}

TEST_F(QueryServiceTest, CancellingAFinishedQueryOnlySaysSo) {
  absl::StatusOr<QueryResponse> done = service_->Query({.query_string = "rows 3"});
  ASSERT_TRUE(done.ok());
  absl::StatusOr<CancelQueryResponse> cancelled = service_->CancelQuery({done->query_id});
  ASSERT_TRUE(cancelled.ok());
  EXPECT_THAT(cancelled->cancellation_message.value_or(""), HasSubstr("already completed"));
}

TEST_F(QueryServiceTest, CancellingAnIdThisServiceNeverIssuedIsAValidationException) {
  absl::StatusOr<QueryResponse> done = service_->Query({.query_string = "rows 3"});
  ASSERT_TRUE(done.ok());
  std::string forged = done->query_id;
  forged[5] = forged[5] == 'A' ? 'B' : 'A';
  for (const std::string& id : {forged, std::string("AEDQCANN3ZSXEPWBMUMJUMOD4DVOYA"),
                                std::string(""), std::string("has-dash"), std::string(65, 'A')}) {
    absl::StatusOr<CancelQueryResponse> cancelled = service_->CancelQuery({id});
    ASSERT_FALSE(cancelled.ok()) << id;
    EXPECT_EQ(KindOf(cancelled.status()), ErrorKind::kValidation);
  }
}

TEST_F(QueryServiceTest, HeldAnswersAreEvictedLeastRecentlyUsedFirst) {
  // Room for about three answers of 200 rows.
  absl::StatusOr<QueryResponse> probe =
      service_->Query({.query_string = "rows 200", .max_rows = 1});
  ASSERT_TRUE(probe.ok());
  const int64_t one = service_->HeldBytes();
  ASSERT_GT(one, 0);
  QueryServiceOptions options;
  options.limits.memory_limit_bytes = one + one / 2;
  options.stored_answers_limit_bytes = 3 * one + one / 2;
  Reset(options);

  std::vector<QueryResponse> firsts;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<QueryResponse> page =
        service_->Query({.query_string = "rows 200", .max_rows = 1});
    ASSERT_TRUE(page.ok());
    firsts.push_back(*page);
  }
  EXPECT_EQ(service_->HeldAnswers(), 3);
  // Use the oldest, so the second becomes the least recently used.
  absl::StatusOr<QueryResponse> touched = service_->Query(
      {.query_string = "rows 200", .next_token = firsts[0].next_token, .max_rows = 1});
  ASSERT_TRUE(touched.ok());
  ASSERT_TRUE(service_->Query({.query_string = "rows 200", .max_rows = 1}).ok());
  EXPECT_EQ(service_->HeldAnswers(), 3);
  EXPECT_LE(service_->HeldBytes(), options.stored_answers_limit_bytes);

  absl::StatusOr<QueryResponse> evicted =
      service_->Query({.query_string = "rows 200", .next_token = firsts[1].next_token});
  ASSERT_FALSE(evicted.ok());
  EXPECT_THAT(evicted.status().message(), HasSubstr("evicted"));
  for (int kept : {0, 2}) {
    EXPECT_TRUE(
        service_->Query({.query_string = "rows 200", .next_token = firsts[kept].next_token}).ok())
        << kept;
  }
}

TEST_F(QueryServiceTest, AnAnswerOverTheMemoryLimitIsAValidationException) {
  QueryServiceOptions options;
  options.limits.memory_limit_bytes = 10'000;
  Reset(options);
  absl::StatusOr<QueryResponse> page = service_->Query({.query_string = "rows 100000"});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(KindOf(page.status()), ErrorKind::kValidation);
  EXPECT_THAT(page.status().message(), HasSubstr("query_memory_limit_bytes"));
  EXPECT_EQ(service_->HeldAnswers(), 0);
}

TEST_F(QueryServiceTest, BadSqlComesBackAsTheEnginesError) {
  absl::StatusOr<QueryResponse> page = service_->Query({.query_string = "bad"});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(KindOf(page.status()), ErrorKind::kValidation);
  EXPECT_THAT(page.status().message(), HasSubstr("1:1"));
  EXPECT_FALSE(service_->Query({.query_string = ""}).ok());
}

TEST_F(QueryServiceTest, PrepareQueryReturnsTheColumnsAndNoParameters) {
  absl::StatusOr<PrepareQueryResponse> prepared =
      service_->PrepareQuery({.query_string = "rows 5", .validate_only = true});
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_EQ(prepared->query_string, "rows 5");
  ASSERT_EQ(prepared->columns.size(), 3u);
  EXPECT_EQ(prepared->columns[0].name, "id");
  EXPECT_TRUE(prepared->parameters.empty());
  EXPECT_EQ(engine_.executions, 0);
  EXPECT_TRUE(service_->PrepareQuery({.query_string = "rows 5"}).ok());
  absl::StatusOr<PrepareQueryResponse> stored =
      service_->PrepareQuery({.query_string = "rows 5", .validate_only = false});
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(KindOf(stored.status()), ErrorKind::kValidation);
  absl::StatusOr<PrepareQueryResponse> bad = service_->PrepareQuery({.query_string = "bad"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(KindOf(bad.status()), ErrorKind::kValidation);
}

TEST_F(QueryServiceTest, ConcurrentClientsEachSeeEveryRowOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const int64_t n = 500 + t * 37;
      for (int round = 0; round < 5; ++round) {
        std::vector<int64_t> ids;
        QueryRequest request{.query_string = absl::StrCat("rows ", n, " 33"), .max_rows = 17 + t};
        while (true) {
          absl::StatusOr<QueryResponse> page = service_->Query(request);
          if (!page.ok()) {
            ++wrong;
            return;
          }
          for (const Row& row : page->rows) {
            int64_t id = -1;
            if (!absl::SimpleAtoi(*row.data[0].scalar_value, &id)) ++wrong;
            ids.push_back(id);
          }
          if (!page->next_token) break;
          request.next_token = page->next_token;
        }
        if (ids != Iota(n)) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(service_->HeldAnswers(), 0);
}

}  // namespace
}  // namespace tsw::query
