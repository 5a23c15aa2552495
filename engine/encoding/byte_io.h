// Byte-level helpers shared by the column codecs: little-endian fixed integers, LEB128
// varints, zigzag, and ByteReader, a bounds-checked cursor over an encoded column.
//
// Every read through ByteReader checks the remaining length first; a short or malformed
// input makes the read return false and leaves no way to touch bytes past the end.
#ifndef TSW_ENGINE_ENCODING_BYTE_IO_H_
#define TSW_ENGINE_ENCODING_BYTE_IO_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace tsw::encoding {

inline void PutFixed64(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, 8);
}

inline uint64_t LoadFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

// The number of bytes PutVarint64 writes for `v` (1..10).
inline size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline void PutVarint64(std::string* out, uint64_t v) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

// Zigzag maps small magnitudes of either sign to small unsigned values:
// 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3, ..., INT64_MIN -> UINT64_MAX. A bijection.
inline uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigZagDecode(uint64_t u) { return static_cast<int64_t>((u >> 1) ^ (0 - (u & 1))); }

// The number of significant bits of `v`: 0 for 0, 64 for values >= 2^63.
inline int BitLength(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }

// A forward cursor over bytes it does not own. REQUIRES: the bytes outlive the reader.
class ByteReader {
 public:
  explicit ByteReader(absl::string_view data) : data_(data) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  const char* position() const { return data_.data(); }
  absl::string_view rest() const { return data_; }

  bool ReadByte(uint8_t* v) {
    if (data_.empty()) return false;
    *v = static_cast<uint8_t>(data_[0]);
    data_.remove_prefix(1);
    return true;
  }

  bool ReadFixed64(uint64_t* v) {
    if (data_.size() < 8) return false;
    *v = LoadFixed64(data_.data());
    data_.remove_prefix(8);
    return true;
  }

  // Fails on truncation and on encodings longer than 10 bytes or above 2^64 - 1.
  bool ReadVarint64(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (data_.empty()) return false;
      uint8_t byte = static_cast<uint8_t>(data_[0]);
      data_.remove_prefix(1);
      if (shift == 63 && byte > 1) return false;
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }

  bool ReadBytes(size_t n, absl::string_view* v) {
    if (data_.size() < n) return false;
    *v = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }

  bool Skip(size_t n) {
    if (data_.size() < n) return false;
    data_.remove_prefix(n);
    return true;
  }

 private:
  absl::string_view data_;
};

// The InternalServerException every decoder returns for malformed input:
// "corrupt <codec> column: <detail>".
absl::Status CorruptColumn(absl::string_view codec, absl::string_view detail);

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_BYTE_IO_H_
