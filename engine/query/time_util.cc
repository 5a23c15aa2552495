#include "engine/query/time_util.h"

#include <cctype>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace tsw::query {

std::optional<int64_t> IntervalNanos(absl::string_view digits, absl::string_view unit) {
  int64_t scale = 0;
  if (unit == "ns") scale = 1;
  if (unit == "us") scale = 1000;
  if (unit == "ms") scale = 1000000;
  if (unit == "s") scale = 1000000000;
  if (unit == "m") scale = int64_t{60} * 1000000000;
  if (unit == "h") scale = int64_t{3600} * 1000000000;
  if (unit == "d") scale = int64_t{86400} * 1000000000;
  if (scale == 0 || digits.empty()) return std::nullopt;
  int64_t value = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    if (__builtin_mul_overflow(value, 10, &value) ||
        __builtin_add_overflow(value, c - '0', &value)) {
      return std::nullopt;
    }
  }
  if (__builtin_mul_overflow(value, scale, &value)) return std::nullopt;
  return value;
}

namespace {

// Reads exactly `n` digits at `*pos`.
bool Digits(absl::string_view text, size_t* pos, size_t n, int64_t* out) {
  if (*pos + n > text.size()) return false;
  int64_t v = 0;
  for (size_t k = 0; k < n; ++k) {
    const char c = text[*pos + k];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Accept(absl::string_view text, size_t* pos, char c) {
  if (*pos < text.size() && text[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

// The date and time of `text` from `*pos`, separated by `sep` (or 'T' too if iso).
std::optional<int64_t> ParseDateTime(absl::string_view text, size_t* pos, bool iso) {
  int64_t year, month, day, hour = 0, minute = 0, second = 0, nanos = 0;
  if (!Digits(text, pos, 4, &year) || !Accept(text, pos, '-') || !Digits(text, pos, 2, &month) ||
      !Accept(text, pos, '-') || !Digits(text, pos, 2, &day)) {
    return std::nullopt;
  }
  if (Accept(text, pos, ' ') || (iso && Accept(text, pos, 'T'))) {
    if (!Digits(text, pos, 2, &hour) || !Accept(text, pos, ':') || !Digits(text, pos, 2, &minute)) {
      return std::nullopt;
    }
    if (Accept(text, pos, ':')) {
      if (!Digits(text, pos, 2, &second)) return std::nullopt;
      if (Accept(text, pos, '.')) {
        int digits = 0;
        while (*pos < text.size() && std::isdigit(static_cast<unsigned char>(text[*pos]))) {
          if (digits++ >= 9) return std::nullopt;
          nanos = nanos * 10 + (text[(*pos)++] - '0');
        }
        if (digits == 0) return std::nullopt;
        for (int k = digits; k < 9; ++k) nanos *= 10;
      }
    }
  }
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  if (civil.day() != day || civil.month() != month) return std::nullopt;  // 2026-02-30.
  const int64_t seconds = absl::ToUnixSeconds(absl::FromCivil(civil, absl::UTCTimeZone()));
  int64_t result;
  if (__builtin_mul_overflow(seconds, 1000000000, &result) ||
      __builtin_add_overflow(result, nanos, &result)) {
    return std::nullopt;
  }
  return result;
}

}  // namespace

std::optional<int64_t> ParseTimestampText(absl::string_view text) {
  size_t pos = 0;
  auto t = ParseDateTime(text, &pos, /*iso=*/false);
  if (!t || pos != text.size()) return std::nullopt;
  return t;
}

std::optional<int64_t> ParseIso8601(absl::string_view text) {
  size_t pos = 0;
  auto t = ParseDateTime(text, &pos, /*iso=*/true);
  if (!t) return std::nullopt;
  if (pos == text.size() || (Accept(text, &pos, 'Z') && pos == text.size())) return t;
  const bool negative = text[pos] == '-';
  if (!Accept(text, &pos, '+') && !Accept(text, &pos, '-')) return std::nullopt;
  int64_t hours, minutes = 0;
  if (!Digits(text, &pos, 2, &hours)) return std::nullopt;
  if (Accept(text, &pos, ':') && !Digits(text, &pos, 2, &minutes)) return std::nullopt;
  if (pos != text.size() || hours > 23 || minutes > 59) return std::nullopt;
  const int64_t offset = (hours * 60 + minutes) * 60 * 1000000000;
  int64_t result;
  if (__builtin_sub_overflow(*t, negative ? -offset : offset, &result)) return std::nullopt;
  return result;
}

std::string FormatTimestamp(int64_t nanos) {
  const int64_t seconds = FloorDiv(nanos, 1000000000);
  const int64_t frac = nanos - seconds * 1000000000;
  const absl::CivilSecond c =
      absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  return absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d.%09d", c.year(), c.month(), c.day(),
                         c.hour(), c.minute(), c.second(), frac);
}

std::string FormatInterval(int64_t nanos) {
  const bool negative = nanos < 0;
  const uint64_t n = negative ? 0 - static_cast<uint64_t>(nanos) : static_cast<uint64_t>(nanos);
  const uint64_t frac = n % 1000000000, total_seconds = n / 1000000000;
  return absl::StrFormat("%s%d %02d:%02d:%02d.%09d", negative ? "-" : "", total_seconds / 86400,
                         total_seconds / 3600 % 24, total_seconds / 60 % 60, total_seconds % 60,
                         frac);
}

}  // namespace tsw::query
