// JsonWriter: appends compact JSON text to a string, one token at a time. Shared by the
// HTTP endpoint's wire format (engine/wire), the CLI, and the engine's rejected-data
// reports (engine/table), so every JSON text tsw writes escapes strings the same way.
//
// The writer places commas itself; callers only nest Begin/End calls correctly and call
// Key() before each value inside an object. It never fails: strings are escaped per RFC
// 8259 (quote, backslash and control characters), bytes >= 0x80 pass through (the API's
// strings are UTF-8), and a non-finite double is written as null.
//
// Not thread-safe; one writer builds one document.
#ifndef TSW_ENGINE_COMMON_JSON_WRITER_H_
#define TSW_ENGINE_COMMON_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace tsw::json {

class JsonWriter {
 public:
  JsonWriter() = default;
  // Appends to `*out` instead of an internal buffer. `out` must outlive the writer.
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // REQUIRES: directly inside an object, and the previous call was not Key().
  void Key(absl::string_view key);

  void String(absl::string_view value);
  void Int(int64_t value);
  void Bool(bool value);
  void Null();
  // Shortest decimal text that reads back as the same double; null when not finite.
  void Double(double value);
  // Nanoseconds since the epoch as epoch seconds with up to 9 fraction digits
  // (1700000000.5), the API's timestamp format.
  void EpochSeconds(int64_t nanos);

  // Key() followed by the value.
  void Member(absl::string_view key, absl::string_view value) { Key(key), String(value); }
  void Member(absl::string_view key, const char* value) { Key(key), String(value); }
  void Member(absl::string_view key, const std::string& value) { Key(key), String(value); }
  void Member(absl::string_view key, int64_t value) { Key(key), Int(value); }
  void Member(absl::string_view key, int32_t value) { Key(key), Int(value); }
  void Member(absl::string_view key, bool value) { Key(key), Bool(value); }

  // The text written so far (only when writing to the internal buffer).
  const std::string& str() const { return buffer_; }
  std::string Release() { return std::move(buffer_); }

 private:
  void BeforeValue() {
    if (need_comma_) out_->push_back(',');
    need_comma_ = true;
  }

  std::string buffer_;
  std::string* out_ = &buffer_;
  // True when the next key or value follows a sibling and needs a comma first.
  bool need_comma_ = false;
};

// Appends `value` as a quoted, escaped JSON string.
void AppendJsonString(absl::string_view value, std::string* out);

// Shortest round-trip decimal text of a finite double ("0.1", "1e+300", "42", "-0",
// "5e-324"): parsing it (strtod, std::from_chars, Python's float) gives back the same
// bits. Every place tsw prints a double (the wire, the CLI's JSON, CSV and demo output,
// JsonWriter::Double) prints it with this, so what was written reads back identically.
std::string FormatDouble(double value);
void AppendDouble(double value, std::string* out);

}  // namespace tsw::json

#endif  // TSW_ENGINE_COMMON_JSON_WRITER_H_
