// BitWriter and BitReader: a stream of variable-width fields, least significant bit first.
//
// Bit i of the stream is bit (i % 8) of byte i / 8; a field of n bits is written low bit
// first, so fields never need to be byte aligned. The last byte is padded with zero bits.
// Used by the XOR codecs (Gorilla, Chimp), whose fields change width value by value.
//
// BitReader never reads past its input: a read beyond the end returns 0 and sets
// overrun(), which decoders check before trusting what they read.
#ifndef TSW_ENGINE_ENCODING_BIT_STREAM_H_
#define TSW_ENGINE_ENCODING_BIT_STREAM_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace tsw::encoding {

static_assert(std::endian::native == std::endian::little,
              "the codecs load little-endian words with memcpy");

class BitWriter {
 public:
  // Appends to *out, which must outlive the writer; Finish() must be called last.
  explicit BitWriter(std::string* out) : out_(out) {}

  // Appends the low `n` bits of `v`. REQUIRES: 0 <= n <= 64, v < 2^n.
  void Write(uint64_t v, int n) {
    if (n == 0) return;
    acc_ |= v << fill_;
    int total = fill_ + n;
    if (total >= 64) {
      char buf[8];
      for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(acc_ >> (8 * i));
      out_->append(buf, 8);
      total -= 64;
      acc_ = total == 0 ? 0 : v >> (n - total);
    }
    fill_ = total;
    bits_ += n;
  }

  // Flushes the partial last byte. The writer must not be used afterwards.
  void Finish() {
    for (int i = 0; i < fill_; i += 8) out_->push_back(static_cast<char>(acc_ >> i));
    acc_ = 0;
    fill_ = 0;
  }

  uint64_t bits_written() const { return bits_; }

 private:
  std::string* out_;
  uint64_t acc_ = 0;  // Pending bits, the oldest in bit 0.
  int fill_ = 0;      // Number of pending bits in acc_, always < 64.
  uint64_t bits_ = 0;
};

class BitReader {
 public:
  // Reads the bits of `data`, which must outlive the reader.
  explicit BitReader(absl::string_view data)
      : data_(reinterpret_cast<const uint8_t*>(data.data())),
        size_(data.size()),
        bits_(static_cast<uint64_t>(data.size()) * 8) {}

  // The next `n` bits (0 <= n <= 64), or 0 and overrun() when fewer than n remain.
  uint64_t Read(int n) {
    if (n == 0) return 0;
    if (n > 64 || bits_ - pos_ < static_cast<uint64_t>(n)) {
      overrun_ = true;
      pos_ = bits_;
      return 0;
    }
    size_t byte = pos_ >> 3;
    int shift = static_cast<int>(pos_ & 7);
    uint64_t v = Load(byte) >> shift;
    if (shift + n > 64) v |= static_cast<uint64_t>(data_[byte + 8]) << (64 - shift);
    pos_ += n;
    return n == 64 ? v : v & ((uint64_t{1} << n) - 1);
  }

  uint64_t ReadBit() { return Read(1); }

  // Moves to bit `bit` of the stream (a decoder that read a prefix by other means hands
  // the rest to the reader). REQUIRES: bit <= the stream's bit count.
  void Seek(uint64_t bit) { pos_ = bit; }

  bool overrun() const { return overrun_; }
  uint64_t bits_remaining() const { return bits_ - pos_; }
  // True when only zero padding (fewer than 8 bits) is left.
  bool AtPaddedEnd() const {
    if (bits_ - pos_ >= 8) return false;
    if (pos_ == bits_) return true;
    return (data_[pos_ >> 3] >> (pos_ & 7)) == 0;
  }

 private:
  // Up to 8 bytes from `byte`, zero-filled past the end.
  uint64_t Load(size_t byte) const {
    uint64_t v = 0;
    if (byte + 8 <= size_) {
      std::memcpy(&v, data_ + byte, 8);
      return v;
    }
    for (size_t i = 0; byte + i < size_; ++i)
      v |= static_cast<uint64_t>(data_[byte + i]) << (8 * i);
    return v;
  }

  const uint8_t* data_;
  size_t size_;
  uint64_t bits_;
  uint64_t pos_ = 0;
  bool overrun_ = false;
};

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_BIT_STREAM_H_
