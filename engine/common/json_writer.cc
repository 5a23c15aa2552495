#include "engine/common/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace tsw::json {

namespace {

// Whether any of the 8 bytes at `p` must be escaped (a control character, '"' or '\\').
// Exact as a yes/no (the classic "has a zero byte" bit tricks, Hacker's Delight 6-1);
// bytes of 0x80 and above (UTF-8) never count.
bool AnyToEscape(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  uint64_t x;
  std::memcpy(&x, p, sizeof x);
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const uint64_t below_space = (x - kOnes * 0x20) & ~x & kHigh;
  return (below_space | has_zero(x ^ (kOnes * '"')) | has_zero(x ^ (kOnes * '\\'))) != 0;
}

// Whether no byte of `value` must be escaped.
bool NothingToEscape(absl::string_view value) {
  size_t i = 0;
  for (; i + 8 <= value.size(); i += 8) {
    if (AnyToEscape(value.data() + i)) return false;
  }
  for (; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == '"' || c == '\\') return false;
  }
  return true;
}

// Names and most values are short and need no escape: such a string goes out in one
// append (`before`, the quoted text, `after`; a 0 is no character), not one per piece.
constexpr size_t kShortString = 64;
bool AppendShortClean(char before, absl::string_view value, char after, std::string* out) {
  if (value.size() > kShortString || !NothingToEscape(value)) return false;
  char buf[kShortString + 4];
  char* p = buf;
  if (before != 0) *p++ = before;
  *p++ = '"';
  std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '"';
  if (after != 0) *p++ = after;
  out->append(buf, static_cast<size_t>(p - buf));
  return true;
}

}  // namespace

void AppendJsonString(absl::string_view value, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (AppendShortClean(0, value, 0, out)) return;
  out->push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    // Most names and values need no escape: skip them 8 bytes a step.
    while (i + 8 <= value.size() && !AnyToEscape(value.data() + i)) i += 8;
    if (i >= value.size()) break;
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(value.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out->append(escaped, sizeof(escaped));
      }
    }
  }
  out->append(value.data() + run_start, value.size() - run_start);
  out->push_back('"');
}

void AppendDouble(double value, std::string* out) {
  // std::to_chars without a precision writes the shortest text that std::from_chars reads
  // back as the same double (C++17 [charconv.to.chars]); 24 characters at most.
  char buf[32];
  std::to_chars_result result = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, result.ptr);
}

std::string FormatDouble(double value) {
  std::string out;
  AppendDouble(value, &out);
  return out;
}

void JsonWriter::BeginObject() {
  BeforeValue();
  out_->push_back('{');
  need_comma_ = false;
}

void JsonWriter::EndObject() {
  out_->push_back('}');
  need_comma_ = true;
}

void JsonWriter::BeginArray() {
  BeforeValue();
  out_->push_back('[');
  need_comma_ = false;
}

void JsonWriter::EndArray() {
  out_->push_back(']');
  need_comma_ = true;
}

void JsonWriter::Key(absl::string_view key) {
  if (!AppendShortClean(need_comma_ ? ',' : 0, key, ':', out_)) {
    BeforeValue();
    AppendJsonString(key, out_);
    out_->push_back(':');
  }
  need_comma_ = false;
}

void JsonWriter::String(absl::string_view value) {
  if (AppendShortClean(need_comma_ ? ',' : 0, value, 0, out_)) {
    need_comma_ = true;
    return;
  }
  BeforeValue();
  AppendJsonString(value, out_);
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  absl::StrAppend(out_, value);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_->append(value ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  out_->append("null");
}

void JsonWriter::Double(double value) {
  if (!std::isfinite(value)) {
    Null();
    return;
  }
  BeforeValue();
  AppendDouble(value, out_);
}

void JsonWriter::EpochSeconds(int64_t nanos) {
  BeforeValue();
  // Sign and magnitude, so -0.5 s is "-0.5" (not "-1.5" from a floor split).
  const bool negative = nanos < 0;
  const uint64_t magnitude =
      negative ? uint64_t{0} - static_cast<uint64_t>(nanos) : static_cast<uint64_t>(nanos);
  const uint64_t seconds = magnitude / 1000000000;
  const uint64_t fraction = magnitude % 1000000000;
  if (negative) out_->push_back('-');
  absl::StrAppend(out_, seconds);
  if (fraction != 0) {
    char digits[10];
    std::snprintf(digits, sizeof(digits), "%09llu", static_cast<unsigned long long>(fraction));
    int length = 9;
    while (digits[length - 1] == '0') --length;
    out_->push_back('.');
    out_->append(digits, length);
  }
}

}  // namespace tsw::json
