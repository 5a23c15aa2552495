// Byte helpers for the magnetic tier's own structures (segment footer, chunk headers,
// manifest): little-endian fixed integers, LEB128 varints, zigzag, length-prefixed strings
// and FieldReader, a bounds-checked cursor. The column codecs live in engine/encoding;
// these only frame what they produce.
//
// FieldReader never reads past its input: every read checks the remaining length first
// and returns false on truncation or a malformed varint.
#ifndef TSW_ENGINE_MAGNETIC_CODING_H_
#define TSW_ENGINE_MAGNETIC_CODING_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace tsw::magnetic {

inline void PutFixed32(std::string* out, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, 4);
}

inline void PutFixed64(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, 8);
}

inline uint32_t LoadFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

inline uint64_t LoadFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
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

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t u) { return static_cast<int64_t>((u >> 1) ^ (0 - (u & 1))); }

inline void PutSignedVarint64(std::string* out, int64_t v) { PutVarint64(out, ZigZag(v)); }

// Varint length, then the bytes.
inline void PutString(std::string* out, absl::string_view s) {
  PutVarint64(out, s.size());
  out->append(s.data(), s.size());
}

// A forward cursor over bytes it does not own. REQUIRES: the bytes outlive the reader.
class FieldReader {
 public:
  explicit FieldReader(absl::string_view data) : data_(data) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  // Bytes consumed so far relative to `base`, the view the reader started from.
  size_t offset_in(absl::string_view base) const {
    return static_cast<size_t>(data_.data() - base.data());
  }

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

  bool ReadSignedVarint64(int64_t* v) {
    uint64_t u;
    if (!ReadVarint64(&u)) return false;
    *v = UnZigZag(u);
    return true;
  }

  // A varint no larger than `limit` (used for counts, so a corrupt count cannot make a
  // caller reserve absurd amounts of memory).
  bool ReadCount(uint64_t limit, uint64_t* v) { return ReadVarint64(v) && *v <= limit; }

  bool ReadBytes(size_t n, absl::string_view* v) {
    if (data_.size() < n) return false;
    *v = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }

  bool ReadString(absl::string_view* v) {
    uint64_t n;
    return ReadVarint64(&n) && n <= data_.size() && ReadBytes(static_cast<size_t>(n), v);
  }

 private:
  absl::string_view data_;
};

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_CODING_H_
