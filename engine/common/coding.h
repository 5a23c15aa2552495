// Byte coding shared by every on-disk and in-WAL structure of the engine: little-endian
// fixed-width integers, LEB128 varints, zigzag, length-prefixed strings, and ByteReader, a
// bounds-checked cursor over encoded bytes. Header-only; depends on Abseil alone.
//
// The layouts below are part of every FORMAT.md that names them and must never change:
//   Fixed32/Fixed64    4 / 8 bytes, least significant byte first.
//   Varint64           LEB128: 7 bits per byte, least significant group first, high bit set
//                      on every byte but the last; 1..10 bytes. Encoders always write the
//                      shortest form.
//   ZigZag             0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3, ..., INT64_MIN -> UINT64_MAX.
//   LengthPrefixed     Varint64 byte count, then the bytes.
//
// Decoders never read past the end of their input and have no undefined behaviour on any
// input: a truncated or malformed encoding (a varint longer than 10 bytes or above
// 2^64 - 1, a length beyond the remaining bytes) makes them return false (or nullptr) and
// leaves the input where it was. Functions taking a raw `char*` destination or source
// REQUIRE the stated number of bytes to be addressable; callers check lengths first.
//
// Thread-safety: all functions are pure; a ByteReader is a value that one thread uses.
#ifndef TSW_ENGINE_COMMON_CODING_H_
#define TSW_ENGINE_COMMON_CODING_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace tsw {

// ---- Fixed width, little-endian -------------------------------------------------------

// Writes `v` to p[0..3] / p[0..7]. memcpy plus a byte swap on big-endian hosts compiles
// to a single store; there is no alignment requirement.
inline void EncodeFixed32(char* p, uint32_t v) {
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  std::memcpy(p, &v, sizeof(v));
}
inline void EncodeFixed64(char* p, uint64_t v) {
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  std::memcpy(p, &v, sizeof(v));
}

// Reads p[0..3] / p[0..7].
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

// Appends 4 / 8 bytes to `*out`.
inline void PutFixed32(std::string* out, uint32_t v) {
  char buf[sizeof(v)];
  EncodeFixed32(buf, v);
  out->append(buf, sizeof(buf));
}
inline void PutFixed64(std::string* out, uint64_t v) {
  char buf[sizeof(v)];
  EncodeFixed64(buf, v);
  out->append(buf, sizeof(buf));
}

// Reads from the front of `*in` and advances it. Returns false, changing nothing, when
// fewer than 4 / 8 bytes remain.
inline bool GetFixed32(absl::string_view* in, uint32_t* v) {
  if (in->size() < sizeof(*v)) return false;
  *v = DecodeFixed32(in->data());
  in->remove_prefix(sizeof(*v));
  return true;
}
inline bool GetFixed64(absl::string_view* in, uint64_t* v) {
  if (in->size() < sizeof(*v)) return false;
  *v = DecodeFixed64(in->data());
  in->remove_prefix(sizeof(*v));
  return true;
}

// ---- Varint (LEB128) ------------------------------------------------------------------

// The longest encoding of a 64-bit value.
inline constexpr size_t kMaxVarint64Length = 10;

// The number of bytes EncodeVarint64 / PutVarint64 write for `v` (1..10): ceil(bits / 7)
// with at least one bit, computed without a loop.
inline size_t VarintLength(uint64_t v) {
  const int bits = std::bit_width(v | 1);
  return static_cast<size_t>((bits * 9 + 64) / 64);
}

// Writes `v` at `dst` and returns the end. REQUIRES: VarintLength(v) bytes of room
// (kMaxVarint64Length always suffices).
inline char* EncodeVarint64(char* dst, uint64_t v) {
  while (v >= 0x80) {
    *dst++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *dst++ = static_cast<char>(v);
  return dst;
}

inline void PutVarint64(std::string* out, uint64_t v) {
  char buf[kMaxVarint64Length];
  out->append(buf, static_cast<size_t>(EncodeVarint64(buf, v) - buf));
}

// Decodes a varint from [p, limit). Returns the byte after it, or nullptr (leaving `*v`
// unchanged) when the input ends first, the encoding is longer than 10 bytes, its value
// exceeds 2^64 - 1 (a 10th byte above 1), or it is not the shortest form (a last byte of 0
// after others: EncodeVarint64 never writes one, so every accepted encoding is the one
// value's only encoding, and decoded structures re-encode to the bytes they came from).
inline const char* DecodeVarint64(const char* p, const char* limit, uint64_t* v) {
  if (p < limit && (static_cast<unsigned char>(*p) & 0x80) == 0) {  // One byte: most counts.
    *v = static_cast<unsigned char>(*p);
    return p + 1;
  }
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && p < limit; shift += 7) {
    const uint64_t byte = static_cast<unsigned char>(*p++);
    if (shift == 63 && byte > 1) return nullptr;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      if (byte == 0) return nullptr;  // Not the first byte here: a longer form than needed.
      *v = result;
      return p;
    }
  }
  return nullptr;
}

// Reads a varint from the front of `*in` and advances it; on failure (see
// DecodeVarint64) returns false and changes nothing.
inline bool GetVarint64(absl::string_view* in, uint64_t* v) {
  const char* end = DecodeVarint64(in->data(), in->data() + in->size(), v);
  if (end == nullptr) return false;
  in->remove_prefix(static_cast<size_t>(end - in->data()));
  return true;
}

// ---- ZigZag ---------------------------------------------------------------------------

// Maps small magnitudes of either sign to small unsigned values (a bijection), so signed
// deltas stay short as varints.
inline uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigZagDecode(uint64_t u) { return static_cast<int64_t>((u >> 1) ^ (0 - (u & 1))); }

// A zigzag-encoded varint; ByteReader::ReadSignedVarint64 reads it back.
inline void PutSignedVarint64(std::string* out, int64_t v) { PutVarint64(out, ZigZagEncode(v)); }

// ---- Length-prefixed bytes ------------------------------------------------------------

// The number of bytes EncodeLengthPrefixed / PutLengthPrefixed write for `s`.
inline size_t LengthPrefixedSize(absl::string_view s) { return VarintLength(s.size()) + s.size(); }

// Writes the length and the bytes of `s` at `dst` and returns the end.
// REQUIRES: LengthPrefixedSize(s) bytes of room.
inline char* EncodeLengthPrefixed(char* dst, absl::string_view s) {
  dst = EncodeVarint64(dst, s.size());
  if (!s.empty()) std::memcpy(dst, s.data(), s.size());
  return dst + s.size();
}

inline void PutLengthPrefixed(std::string* out, absl::string_view s) {
  PutVarint64(out, s.size());
  out->append(s.data(), s.size());
}

// Reads a length-prefixed string from the front of `*in` and advances it. `*s` views the
// bytes of `*in`. Returns false, changing nothing, on a bad length or too few bytes.
inline bool GetLengthPrefixed(absl::string_view* in, absl::string_view* s) {
  absl::string_view rest = *in;
  uint64_t n;
  if (!GetVarint64(&rest, &n) || n > rest.size()) return false;
  *s = rest.substr(0, static_cast<size_t>(n));
  rest.remove_prefix(static_cast<size_t>(n));
  *in = rest;
  return true;
}

// ---- ByteReader -----------------------------------------------------------------------

// A forward cursor over bytes it does not own; the decoders' way to walk a structure.
// Every read checks the remaining length first and returns false on truncation or a
// malformed encoding; a failed read may leave the cursor anywhere within the input, so a
// caller gives up on the input after the first failure.
// REQUIRES: the bytes outlive the reader.
class ByteReader {
 public:
  explicit ByteReader(absl::string_view data) : data_(data) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  const char* position() const { return data_.data(); }
  absl::string_view rest() const { return data_; }
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
  bool ReadFixed32(uint32_t* v) { return GetFixed32(&data_, v); }
  bool ReadFixed64(uint64_t* v) { return GetFixed64(&data_, v); }
  bool ReadVarint64(uint64_t* v) { return GetVarint64(&data_, v); }
  // A zigzag-encoded varint.
  bool ReadSignedVarint64(int64_t* v) {
    uint64_t u;
    if (!ReadVarint64(&u)) return false;
    *v = ZigZagDecode(u);
    return true;
  }
  // A varint no larger than `limit` (for counts, so a corrupt count cannot make a caller
  // reserve absurd amounts of memory).
  bool ReadCount(uint64_t limit, uint64_t* v) { return ReadVarint64(v) && *v <= limit; }

  bool ReadBytes(size_t n, absl::string_view* v) {
    if (data_.size() < n) return false;
    *v = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }
  bool ReadLengthPrefixed(absl::string_view* v) { return GetLengthPrefixed(&data_, v); }

  bool Skip(size_t n) {
    if (data_.size() < n) return false;
    data_.remove_prefix(n);
    return true;
  }

 private:
  absl::string_view data_;
};

}  // namespace tsw

#endif  // TSW_ENGINE_COMMON_CODING_H_
