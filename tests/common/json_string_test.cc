// AppendJsonString: RFC 8259 escaping, whatever the position of the character to escape
// (its fast path skips 8 bytes at a time that need none).
#include <string>

#include "engine/common/json_writer.h"
#include "gtest/gtest.h"

namespace tsw::json {
namespace {

// The escaping spelled out one byte at a time, as the reference.
std::string Reference(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\b') {
      out += "\\b";
    } else if (c == '\f') {
      out += "\\f";
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string Escaped(const std::string& s) {
  std::string out = "prefix:";
  AppendJsonString(s, &out);
  return out.substr(7);
}

TEST(AppendJsonStringTest, PlainTextIsQuotedAsIs) {
  EXPECT_EQ(Escaped(""), "\"\"");
  EXPECT_EQ(Escaped("host_0042"), "\"host_0042\"");
  EXPECT_EQ(Escaped("a somewhat longer dimension value, 40 bytes"),
            "\"a somewhat longer dimension value, 40 bytes\"");
}

TEST(AppendJsonStringTest, EscapesEveryKindOfCharacterAtEveryPosition) {
  // Bytes next to the ones that need escaping (0x1f/0x20, '!'/'"'/'#', '['/'\\'/']', DEL,
  // UTF-8 lead and continuation bytes) must be told apart in every lane of a word.
  const std::string specials[] = {"\"",   "\\",  "\n", "\r", "\t", "\b", "\f", std::string(1, '\0'),
                                  "\x01", "\x1f"};
  const std::string neighbours[] = {" ",    "!",    "#",    "[",    "]",       "\x7f",
                                    "\x80", "\xa2", "\xdc", "\xff", "\xc3\xa9"};
  for (size_t length = 0; length <= 33; ++length) {
    for (size_t at = 0; at < length; ++at) {
      for (const std::string& special : specials) {
        std::string s(length, 'x');
        s.replace(at, 1, special);
        ASSERT_EQ(Escaped(s), Reference(s)) << "length " << length << " at " << at;
        s.append("tail-after-the-special");
        ASSERT_EQ(Escaped(s), Reference(s)) << "length " << length << " at " << at;
      }
      for (const std::string& neighbour : neighbours) {
        std::string s(length, 'y');
        s.replace(at, 1, neighbour);
        ASSERT_EQ(Escaped(s), Reference(s)) << "length " << length << " at " << at;
      }
    }
  }
}

TEST(AppendJsonStringTest, EscapesRunsOfSpecialCharacters) {
  const std::string s =
      "\"\"\"\"\\\\\\\\\n\n\n\n\x01\x02\x03\x04"
      "ab\"cdefgh\\ijklmnop\x1f";
  EXPECT_EQ(Escaped(s), Reference(s));
}

}  // namespace
}  // namespace tsw::json
