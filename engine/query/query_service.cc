#include "engine/query/query_service.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <list>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "engine/common/mutex.h"
#include "tsw/status.h"

namespace tsw::query {
namespace {

// The model's bounds.
constexpr size_t kMaxQueryStringBytes = 262144;
constexpr int kMaxRowsLimit = 1000;
constexpr size_t kMinClientTokenChars = 32;
constexpr size_t kMaxClientTokenChars = 128;
constexpr size_t kMaxNextTokenChars = 2048;
constexpr size_t kMaxQueryIdChars = 64;

// A QueryId: kIdRandomBytes random bytes and kIdMacBytes of their HMAC, in base32.
constexpr size_t kIdRandomBytes = 15;
constexpr size_t kIdMacBytes = 5;
// A NextToken: version, id, offset, query hash, issue time, then kTokenMacBytes of HMAC.
constexpr uint8_t kTokenVersion = 1;
constexpr size_t kQueryHashBytes = 8;
constexpr size_t kTokenMacBytes = 16;

// Cancelled ids remembered (for ConflictException and the repeated-cancel message).
constexpr size_t kRememberedCancellations = 4096;
// How often expired answers and client tokens are swept.
constexpr int64_t kSweepIntervalNanos = 1'000'000'000;

constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string Base32(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32[(buffer << (5 - bits)) & 31]);
  return out;
}

std::optional<std::string> FromBase32(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= '2' && c <= '7') v = c - '2' + 26;
    if (v < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

std::string QueryHash(std::string_view query_string) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(query_string.data()), query_string.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), kQueryHashBytes);
}

absl::Status InvalidToken(std::string_view why) {
  std::string message = "Invalid pagination token: ";
  message.append(why);
  return ValidationError(message);
}

// Bytes an answer batch holds in memory.
int64_t BatchBytes(const QueryBatch& batch) {
  int64_t bytes = sizeof(QueryBatch);
  for (const QueryColumn& c : batch.columns) {
    bytes += sizeof(QueryColumn) + static_cast<int64_t>(c.name.size());
    bytes += static_cast<int64_t>(c.doubles.size() * sizeof(double));
    bytes += static_cast<int64_t>(c.ints.size() * sizeof(int64_t));
    bytes += static_cast<int64_t>(c.present.size());
    bytes += static_cast<int64_t>(c.strings.size() * sizeof(uint32_t));
    bytes += static_cast<int64_t>(c.strings.values().size() * sizeof(std::string));
    for (const std::string& s : c.strings.values()) {
      if (s.size() >= sizeof(std::string)) bytes += static_cast<int64_t>(s.size()) + 1;
    }
  }
  return bytes;
}

// Bytes `text` takes as a JSON string's contents.
int64_t JsonStringBytes(std::string_view text) {
  int64_t bytes = static_cast<int64_t>(text.size());
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      bytes += 1;
    } else if (c < 0x20) {
      bytes += 5;  // \u00XX
    }
  }
  return bytes;
}

// One query's answer, immutable once built (pages are cut from it outside the lock).
struct Answer {
  std::string query_id;
  std::string query_hash;
  std::vector<ColumnInfo> columns;
  std::vector<QueryBatch> batches;     // Non-empty batches only.
  std::vector<int64_t> batch_offsets;  // Row offset of each batch in the answer.
  int64_t num_rows = 0;
  int64_t bytes = 0;
  int64_t bytes_scanned = 0;
};

}  // namespace

struct QueryService::State {
  QueryBackend backend;
  QueryServiceOptions options;
  const Clock* clock = nullptr;
  std::string secret;  // The HMAC key of ids and tokens; random per service.

  struct Entry {
    std::shared_ptr<const Answer> answer;
    std::list<std::string>::iterator lru_position;
    int64_t last_used_nanos = 0;
    std::optional<std::string> client_token;
    bool drained = false;  // Its last page was served; held only for its ClientToken.
  };
  struct ClientTokenUse {
    std::string query_id;
    std::string query_hash;
    int64_t first_used_nanos = 0;
  };

  mutable Mutex mu;
  absl::flat_hash_map<std::string, Entry> answers ABSL_GUARDED_BY(mu);
  // Ids of `answers`, most recently used first; drained ones at the back, so they go first.
  std::list<std::string> lru ABSL_GUARDED_BY(mu);
  int64_t held_bytes ABSL_GUARDED_BY(mu) = 0;
  absl::flat_hash_map<std::string, ClientTokenUse> client_tokens ABSL_GUARDED_BY(mu);
  absl::flat_hash_set<std::string> cancelled ABSL_GUARDED_BY(mu);
  std::deque<std::string> cancelled_order ABSL_GUARDED_BY(mu);
  int64_t last_sweep_nanos ABSL_GUARDED_BY(mu) = 0;

  std::string Mac(std::string_view domain, std::string_view data, size_t bytes) const {
    std::string input(domain);
    input.append(data);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest, &length);
    return std::string(reinterpret_cast<const char*>(digest), std::min<size_t>(bytes, length));
  }

  std::string NewQueryId() {
    std::random_device random;
    std::string bytes;
    while (bytes.size() < kIdRandomBytes) bytes.push_back(static_cast<char>(random() & 0xff));
    return Base32(absl::StrCat(bytes, Mac("id", bytes, kIdMacBytes)));
  }

  bool IssuedId(std::string_view query_id) const {
    std::optional<std::string> bytes = FromBase32(query_id);
    if (!bytes.has_value() || bytes->size() != kIdRandomBytes + kIdMacBytes) return false;
    std::string_view random = std::string_view(*bytes).substr(0, kIdRandomBytes);
    return Mac("id", random, kIdMacBytes) == bytes->substr(kIdRandomBytes);
  }

  std::string NewToken(const Answer& answer, int64_t offset) const {
    std::string body;
    body.push_back(static_cast<char>(kTokenVersion));
    body.push_back(static_cast<char>(answer.query_id.size()));
    body.append(answer.query_id);
    PutFixed64(&body, static_cast<uint64_t>(offset));
    body.append(answer.query_hash);
    PutFixed64(&body, static_cast<uint64_t>(clock->NowNanos()));
    body.append(Mac("token", body, kTokenMacBytes));
    return absl::WebSafeBase64Escape(body);
  }

  struct Token {
    std::string query_id;
    int64_t offset = 0;
    std::string query_hash;
    int64_t issued_nanos = 0;
  };

  absl::StatusOr<Token> ParseToken(std::string_view text) const {
    std::string body;
    if (text.empty() || text.size() > kMaxNextTokenChars ||
        !absl::WebSafeBase64Unescape(absl::string_view(text.data(), text.size()), &body)) {
      return InvalidToken("it is not a NextToken this service issued");
    }
    // Only the canonical spelling: base64's last character has spare bits that decoding
    // ignores, and an altered token must not pass for the original.
    if (absl::WebSafeBase64Escape(body) != absl::string_view(text.data(), text.size())) {
      return InvalidToken("it is not a NextToken this service issued");
    }
    if (body.size() < 2 + kTokenMacBytes || static_cast<uint8_t>(body[0]) != kTokenVersion ||
        body.size() !=
            2 + static_cast<uint8_t>(body[1]) + 8 + kQueryHashBytes + 8 + kTokenMacBytes) {
      return InvalidToken("it is not a NextToken this service issued");
    }
    std::string_view signed_part = std::string_view(body).substr(0, body.size() - kTokenMacBytes);
    if (Mac("token", signed_part, kTokenMacBytes) != body.substr(signed_part.size())) {
      return InvalidToken(
          "its checksum does not match: it was altered, or issued by another tsw process");
    }
    Token token;
    size_t pos = 2;
    const size_t id_length = static_cast<uint8_t>(body[1]);
    token.query_id = body.substr(pos, id_length);
    pos += id_length;
    token.offset = static_cast<int64_t>(DecodeFixed64(body.data() + pos));
    pos += 8;
    token.query_hash = body.substr(pos, kQueryHashBytes);
    pos += kQueryHashBytes;
    token.issued_nanos = static_cast<int64_t>(DecodeFixed64(body.data() + pos));
    return token;
  }

  // REQUIRES: mu held.
  void Erase(absl::flat_hash_map<std::string, Entry>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    held_bytes -= it->second.answer->bytes;
    lru.erase(it->second.lru_position);
    answers.erase(it);
  }

  // Drops expired answers and client tokens. REQUIRES: mu held.
  void SweepLocked(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (now - last_sweep_nanos < kSweepIntervalNanos && now >= last_sweep_nanos) return;
    last_sweep_nanos = now;
    for (auto it = answers.begin(); it != answers.end();) {
      auto next = std::next(it);
      if (now - it->second.last_used_nanos > options.token_lifetime_nanos) Erase(it);
      it = next;
    }
    for (auto it = client_tokens.begin(); it != client_tokens.end();) {
      auto next = std::next(it);
      if (now - it->second.first_used_nanos > options.client_token_window_nanos) {
        auto answer = answers.find(it->second.query_id);
        if (answer != answers.end()) {
          if (answer->second.drained) {
            Erase(answer);
          } else {
            answer->second.client_token.reset();  // Dropped after its last page, as usual.
          }
        }
        client_tokens.erase(it);
      }
      it = next;
    }
  }

  // Holds `answer` (evicting the least recently used others to fit), unless it was read
  // to its end and no ClientToken asks for it. REQUIRES: mu held.
  void HoldLocked(std::shared_ptr<const Answer> answer, bool drained,
                  const std::optional<std::string>& client_token, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (client_token.has_value()) {
      client_tokens[*client_token] = ClientTokenUse{answer->query_id, answer->query_hash, now};
    }
    if (drained && !client_token.has_value()) return;
    while (!lru.empty() && held_bytes + answer->bytes > options.stored_answers_limit_bytes) {
      Erase(answers.find(lru.back()));
    }
    Entry entry;
    entry.last_used_nanos = now;
    entry.client_token = client_token;
    entry.drained = drained;
    entry.lru_position = drained ? lru.insert(lru.end(), answer->query_id)
                                 : lru.insert(lru.begin(), answer->query_id);
    held_bytes += answer->bytes;
    entry.answer = std::move(answer);
    answers[entry.answer->query_id] = std::move(entry);
  }

  // After a page from `query_id`'s answer: moves it to the front, or, when the page was
  // its last, drops it (or moves it to the back if a ClientToken holds it). REQUIRES: mu.
  void TouchLocked(const std::string& query_id, bool last_page, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto it = answers.find(query_id);
    if (it == answers.end()) return;
    Entry& entry = it->second;
    entry.last_used_nanos = now;
    if (last_page && !entry.client_token.has_value()) {
      Erase(it);
      return;
    }
    if (last_page) entry.drained = true;
    lru.erase(entry.lru_position);
    entry.lru_position =
        entry.drained ? lru.insert(lru.end(), query_id) : lru.insert(lru.begin(), query_id);
  }

  void RememberCancelledLocked(const std::string& query_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (!cancelled.insert(query_id).second) return;
    cancelled_order.push_back(query_id);
    if (cancelled_order.size() > kRememberedCancellations) {
      cancelled.erase(cancelled_order.front());
      cancelled_order.pop_front();
    }
  }

  // Runs the query and collects its answer.
  absl::StatusOr<std::shared_ptr<Answer>> Run(std::string_view query_string) {
    auto answer = std::make_shared<Answer>();
    absl::Status over_limit;
    const int64_t limit = options.limits.memory_limit_bytes;
    absl::Status status = backend.execute(
        query_string, options.limits,
        [&](const QueryBatch& batch) {
          if (answer->columns.empty()) {
            for (const QueryColumn& c : batch.columns) {
              answer->columns.push_back(ColumnInfo{c.name, ColumnType{c.type}});
            }
          }
          if (batch.num_rows == 0) return true;
          answer->bytes += BatchBytes(batch);
          if (answer->bytes > limit) {
            over_limit = ValidationError(absl::StrCat(
                "the query's answer needs more than the ", limit,
                " bytes of memory a query may use (Options::query_memory_limit_bytes); narrow "
                "it with WHERE, aggregate it, or add a LIMIT"));
            return false;
          }
          answer->batch_offsets.push_back(answer->num_rows);
          answer->num_rows += batch.num_rows;
          answer->batches.push_back(batch);
          return true;
        },
        &answer->bytes_scanned);
    if (!over_limit.ok()) return over_limit;
    if (!status.ok()) return status;
    if (answer->columns.empty()) {
      absl::StatusOr<std::vector<SelectColumn>> columns = backend.prepare(query_string);
      if (!columns.ok()) return columns.status();
      for (const SelectColumn& c : *columns) answer->columns.push_back(ColumnInfo{c.name, c.type});
    }
    answer->bytes += static_cast<int64_t>(sizeof(Answer));
    answer->query_hash = QueryHash(query_string);
    answer->query_id = NewQueryId();
    return answer;
  }

  // The page of `answer` starting at row `offset`. Sets `*last_page` when it ends the
  // answer.
  absl::StatusOr<QueryResponse> Page(const Answer& answer, int64_t offset,
                                     std::optional<int32_t> max_rows, bool* last_page) const {
    QueryResponse response;
    response.query_id = answer.query_id;
    response.column_info = answer.columns;
    response.query_status.progress_percentage = 100;
    response.query_status.cumulative_bytes_scanned = answer.bytes_scanned;
    // The response around the rows: ids, token, column info.
    int64_t bytes = 400;
    for (const ColumnInfo& c : answer.columns) bytes += 60 + JsonStringBytes(c.name);
    const int64_t row_limit = max_rows.has_value() ? *max_rows : kMaxRowsLimit * int64_t{1000};
    size_t batch_index = static_cast<size_t>(
        std::upper_bound(answer.batch_offsets.begin(), answer.batch_offsets.end(), offset) -
        answer.batch_offsets.begin() - 1);
    int64_t row = offset;
    while (row < answer.num_rows && static_cast<int64_t>(response.rows.size()) < row_limit) {
      while (row >= answer.batch_offsets[batch_index] + answer.batches[batch_index].num_rows) {
        ++batch_index;
      }
      const QueryBatch& batch = answer.batches[batch_index];
      const size_t in_batch = static_cast<size_t>(row - answer.batch_offsets[batch_index]);
      Row out;
      out.data.reserve(batch.columns.size());
      int64_t row_bytes = 12;
      for (const QueryColumn& column : batch.columns) {
        Datum datum;
        datum.scalar_value = backend.format(column, in_batch);
        if (datum.scalar_value.has_value()) {
          row_bytes += 20 + JsonStringBytes(*datum.scalar_value);
        } else {
          datum.null_value = true;
          row_bytes += 20;
        }
        out.data.push_back(std::move(datum));
      }
      if (bytes + row_bytes > options.max_page_bytes) {
        if (response.rows.empty()) {
          return ValidationError(
              "Query aborted as max page response size has been exceeded by the output "
              "result row");
        }
        break;
      }
      bytes += row_bytes;
      response.rows.push_back(std::move(out));
      ++row;
    }
    *last_page = row >= answer.num_rows;
    if (!*last_page) response.next_token = NewToken(answer, row);
    return response;
  }
};

QueryService::QueryService(QueryBackend backend, QueryServiceOptions options)
    : state_(std::make_unique<State>()) {
  state_->backend = std::move(backend);
  state_->options = std::move(options);
  state_->clock = state_->options.clock != nullptr ? state_->options.clock : SystemClock::Default();
  std::random_device random;
  while (state_->secret.size() < 32) state_->secret.push_back(static_cast<char>(random() & 0xff));
}

QueryService::~QueryService() = default;

absl::StatusOr<QueryResponse> QueryService::Query(const QueryRequest& request) {
  State& s = *state_;
  if (request.query_string.empty() || request.query_string.size() > kMaxQueryStringBytes) {
    return ValidationError(absl::StrCat("QueryString must be 1 to ", kMaxQueryStringBytes,
                                        " bytes long; it is ", request.query_string.size()));
  }
  if (request.max_rows.has_value() &&
      (*request.max_rows < 1 || *request.max_rows > kMaxRowsLimit)) {
    return ValidationError(absl::StrCat("MaxRows must be between 1 and ", kMaxRowsLimit, "; it is ",
                                        *request.max_rows));
  }
  if (request.client_token.has_value() && (request.client_token->size() < kMinClientTokenChars ||
                                           request.client_token->size() > kMaxClientTokenChars)) {
    return ValidationError(absl::StrCat("ClientToken must be ", kMinClientTokenChars, " to ",
                                        kMaxClientTokenChars, " characters long; it is ",
                                        request.client_token->size()));
  }
  const std::string query_hash = QueryHash(request.query_string);
  {
    MutexLock lock(&s.mu);
    s.SweepLocked(s.clock->NowNanos());
  }

  if (request.next_token.has_value()) {
    absl::StatusOr<State::Token> token = s.ParseToken(*request.next_token);
    if (!token.ok()) return token.status();
    if (token->query_hash != query_hash) {
      return InvalidToken(absl::StrCat("it belongs to query ", token->query_id,
                                       ", whose QueryString differs from this request's"));
    }
    const int64_t now = s.clock->NowNanos();
    if (now - token->issued_nanos > s.options.token_lifetime_nanos) {
      return InvalidToken(absl::StrCat("it expired (a NextToken is valid for ",
                                       s.options.token_lifetime_nanos / 1'000'000'000,
                                       " seconds); run the query again"));
    }
    std::shared_ptr<const Answer> answer;
    {
      MutexLock lock(&s.mu);
      s.SweepLocked(now);
      if (s.cancelled.contains(token->query_id)) {
        return ConflictError(absl::StrCat("Unable to poll results for a cancelled query: query ",
                                          token->query_id, " was cancelled"));
      }
      auto it = s.answers.find(token->query_id);
      if (it == s.answers.end()) {
        return InvalidToken(absl::StrCat(
            "the answer of query ", token->query_id,
            " is no longer held (it was read to its end, went unused for too long, or was "
            "evicted to bound memory); run the query again"));
      }
      answer = it->second.answer;
    }
    if (token->offset <= 0 || token->offset >= answer->num_rows) {
      return InvalidToken("its row offset is outside the answer");
    }
    bool last_page = false;
    absl::StatusOr<QueryResponse> page =
        s.Page(*answer, token->offset, request.max_rows, &last_page);
    if (!page.ok()) return page;
    MutexLock lock(&s.mu);
    s.TouchLocked(answer->query_id, last_page, s.clock->NowNanos());
    return page;
  }

  if (request.client_token.has_value()) {
    std::shared_ptr<const Answer> answer;
    {
      MutexLock lock(&s.mu);
      const int64_t now = s.clock->NowNanos();
      s.SweepLocked(now);
      auto use = s.client_tokens.find(*request.client_token);
      if (use != s.client_tokens.end() &&
          now - use->second.first_used_nanos <= s.options.client_token_window_nanos) {
        if (use->second.query_hash != query_hash) {
          return ValidationError(absl::StrCat(
              "ClientToken was used with a different QueryString (query ", use->second.query_id,
              ") within the last ", s.options.client_token_window_nanos / 1'000'000'000,
              " seconds; a repeated request must repeat the query, or use a new ClientToken"));
        }
        auto it = s.answers.find(use->second.query_id);
        if (it != s.answers.end()) answer = it->second.answer;
      }
    }
    if (answer != nullptr) {
      bool last_page = false;
      absl::StatusOr<QueryResponse> page = s.Page(*answer, 0, request.max_rows, &last_page);
      if (!page.ok()) return page;
      MutexLock lock(&s.mu);
      s.TouchLocked(answer->query_id, last_page, s.clock->NowNanos());
      return page;
    }
  }

  absl::StatusOr<std::shared_ptr<Answer>> answer = s.Run(request.query_string);
  if (!answer.ok()) return answer.status();
  bool last_page = false;
  absl::StatusOr<QueryResponse> page = s.Page(**answer, 0, request.max_rows, &last_page);
  if (!page.ok()) return page;
  MutexLock lock(&s.mu);
  const int64_t now = s.clock->NowNanos();
  s.SweepLocked(now);
  s.HoldLocked(std::move(*answer), last_page, request.client_token, now);
  return page;
}

absl::StatusOr<PrepareQueryResponse> QueryService::PrepareQuery(
    const PrepareQueryRequest& request) {
  if (request.query_string.empty() || request.query_string.size() > kMaxQueryStringBytes) {
    return ValidationError(absl::StrCat("QueryString must be 1 to ", kMaxQueryStringBytes,
                                        " bytes long; it is ", request.query_string.size()));
  }
  if (request.validate_only.has_value() && !*request.validate_only) {
    return ValidationError(
        "PrepareQuery supports only ValidateOnly true: tsw stores no prepared queries (they "
        "serve scheduled queries, which tsw does not run)");
  }
  absl::StatusOr<std::vector<SelectColumn>> columns = state_->backend.prepare(request.query_string);
  if (!columns.ok()) return columns.status();
  PrepareQueryResponse response;
  response.query_string = request.query_string;
  response.columns = std::move(*columns);
  return response;
}

absl::StatusOr<CancelQueryResponse> QueryService::CancelQuery(const CancelQueryRequest& request) {
  State& s = *state_;
  const std::string& id = request.query_id;
  const bool well_formed =
      !id.empty() && id.size() <= kMaxQueryIdChars && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      });
  if (!well_formed) {
    return ValidationError(absl::StrCat("QueryId must be 1 to ", kMaxQueryIdChars,
                                        " letters and digits ([a-zA-Z0-9]+); it is \"", id, "\""));
  }
  if (!s.IssuedId(id)) {
    return ValidationError(absl::StrCat("Invalid query id ", id, ": no query has this id"));
  }
  CancelQueryResponse response;
  MutexLock lock(&s.mu);
  s.SweepLocked(s.clock->NowNanos());
  if (s.cancelled.contains(id)) {
    response.cancellation_message = absl::StrCat("Query ", id, " has already been cancelled.");
    return response;
  }
  auto it = s.answers.find(id);
  if (it == s.answers.end() || it->second.drained) {
    if (it != s.answers.end()) s.Erase(it);  // Held only for its ClientToken.
    response.cancellation_message =
        absl::StrCat("Query ", id, " has already completed; there is nothing to cancel.");
    return response;
  }
  s.Erase(it);
  s.RememberCancelledLocked(id);
  return response;
}

int64_t QueryService::HeldAnswers() const {
  MutexLock lock(&state_->mu);
  return static_cast<int64_t>(state_->answers.size());
}

int64_t QueryService::HeldBytes() const {
  MutexLock lock(&state_->mu);
  return state_->held_bytes;
}

}  // namespace tsw::query
