// Chimp128's decoder reads most of a column with unchecked 64-bit loads and its last bytes
// through the bounds-checked BitReader. Both must decode exactly what the plain BitReader
// loop decodes (the reference below, the codec's format spelled field by field) and reject
// exactly what it rejects, wherever a column is damaged.
#include "engine/encoding/double_chimp128.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/encoding/bit_stream.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "gtest/gtest.h"
#include "tests/encoding/codec_test_util.h"
#include "tsw/status.h"

namespace tsw::encoding {
namespace {

// The format (FORMAT.md, "0x12 Double Chimp128"), read one field at a time: true and the
// values when the payload holds exactly `count` values, false otherwise.
// With `prefix` < count: the first `prefix` values, the bits after them unread.
bool ReferenceDecode(absl::string_view payload, size_t count, std::vector<double>* out,
                     size_t prefix = SIZE_MAX) {
  constexpr int kLeadSteps[8] = {0, 8, 12, 16, 18, 20, 22, 24};
  prefix = std::min(prefix, count);
  out->clear();
  if (count == 0) return payload.empty();
  if (payload.size() < 8 || count - 1 > (payload.size() - 8) * 4) return false;
  if (prefix == 0) return true;
  uint64_t ring[128];
  BitReader r(payload);
  ring[0] = r.Read(64);
  out->push_back(std::bit_cast<double>(ring[0]));
  int stored_lead = -1;
  for (uint64_t i = 1; i < prefix; ++i) {
    const uint64_t control = r.Read(2);
    uint64_t v;
    if (control <= 1) {
      const uint64_t slot = r.Read(7);
      if (i <= slot) return false;
      v = ring[slot];
      if (control == 1) {
        const int lead = kLeadSteps[r.Read(3)];
        const int significant = static_cast<int>(r.Read(6));
        if (significant == 0 || lead + significant > 64) return false;
        v ^= r.Read(significant) << (64 - lead - significant);
      }
      stored_lead = -1;
    } else {
      if (control == 3) {
        stored_lead = kLeadSteps[r.Read(3)];
      } else if (stored_lead < 0) {
        return false;
      }
      v = ring[(i - 1) % 128] ^ r.Read(64 - stored_lead);
    }
    if (r.overrun()) return false;
    ring[i % 128] = v;
    out->push_back(std::bit_cast<double>(v));
  }
  return prefix < count || r.AtPaddedEnd();
}

// A Chimp128 column of `values` and the offset of its payload.
std::string Encode(const std::vector<double>& values, size_t* payload_offset) {
  std::string column;
  EncodeOptions options;
  options.codec = CodecId::kDoubleChimp128;
  EXPECT_TRUE(EncodeDoubles(values, &column, options).ok());
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  EXPECT_TRUE(header.ok());
  *payload_offset = header->header_bytes;
  return column;
}

// Decodes `column` with the codec and with the reference; both must agree.
void ExpectSameAsReference(const std::string& column, size_t payload_offset, size_t count,
                           const std::string& label) {
  std::vector<double> mine, reference;
  const absl::Status status = DecodeDoubles(column, &mine);
  const bool ok =
      ReferenceDecode(absl::string_view(column).substr(payload_offset), count, &reference);
  ASSERT_EQ(status.ok(), ok) << label << ": " << status;
  if (ok) {
    EXPECT_EQ(testing::Bits(mine), testing::Bits(reference)) << label;
  }
}

// Random walks with the step sizes of the query benchmark's fields: every control code
// (repeats, indexed references, reused and new leads) and long columns.
std::vector<double> Walk(std::mt19937_64& rng, size_t n) {
  std::normal_distribution<double> step(0, 1);
  std::vector<double> v;
  double x = 50;
  for (size_t i = 0; i < n; ++i) {
    if (rng() % 7 == 0 && !v.empty()) {
      v.push_back(v[rng() % v.size()]);  // A repeat of some earlier value.
      continue;
    }
    x = std::clamp(x + step(rng), 0.0, 100.0);
    v.push_back(rng() % 5 == 0 ? std::round(x) : x);
  }
  return v;
}

TEST(DoubleChimp128, DecodesEveryLengthLikeTheReference) {
  std::mt19937_64 rng(5);
  for (size_t n : testing::InterestingLengths()) {
    const std::vector<double> values = Walk(rng, n);
    size_t offset = 0;
    const std::string column = Encode(values, &offset);
    std::vector<double> decoded;
    ASSERT_TRUE(DecodeDoubles(column, &decoded).ok()) << n;
    EXPECT_EQ(testing::Bits(decoded), testing::Bits(values)) << n;
    ExpectSameAsReference(column, offset, n, absl::StrCat("n ", n));
  }
}

TEST(DoubleChimp128, EveryFlippedBitDecodesOrFailsLikeTheReference) {
  std::mt19937_64 rng(6);
  const std::vector<double> values = Walk(rng, 300);
  size_t offset = 0;
  const std::string column = Encode(values, &offset);
  for (size_t bit = offset * 8; bit < column.size() * 8; ++bit) {
    std::string damaged = column;
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    ExpectSameAsReference(damaged, offset, values.size(), absl::StrCat("bit ", bit));
    if (HasFailure()) return;
  }
}

TEST(DoubleChimp128, EveryTruncationFailsLikeTheReference) {
  std::mt19937_64 rng(7);
  const std::vector<double> values = Walk(rng, 200);
  size_t offset = 0;
  const std::string column = Encode(values, &offset);
  for (size_t size = offset; size < column.size(); ++size) {
    ExpectSameAsReference(column.substr(0, size), offset, values.size(),
                          absl::StrCat("size ", size));
    if (HasFailure()) return;
  }
}

// A prefix decode (a filtered segment read that needs rows up to its last kept row only)
// gives exactly the first values of a whole decode, whatever the codec; Chimp128 through
// its own decoder, which stops there.
TEST(DoubleChimp128, EveryPrefixIsTheStartOfTheWholeColumn) {
  std::mt19937_64 rng(11);
  for (size_t n : {size_t{1}, size_t{2}, size_t{17}, size_t{130}, size_t{1000}}) {
    const std::vector<double> values = Walk(rng, n);
    for (CodecId codec : {CodecId::kDoubleChimp128, CodecId::kDoubleGorilla, CodecId::kDoubleAlpRd,
                          CodecId::kDoublePlain}) {
      std::string column;
      EncodeOptions options;
      options.codec = codec;
      ASSERT_TRUE(EncodeDoubles(values, &column, options).ok());
      absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
      ASSERT_TRUE(header.ok());
      for (size_t prefix = 0; prefix <= n; prefix += (prefix < 140 ? 1 : 97)) {
        std::vector<double> got;
        ASSERT_TRUE(DecodeDoublesPrefix(column, nullptr, prefix, &got).ok()) << n << " " << prefix;
        const std::vector<double> want(values.begin(), values.begin() + prefix);
        EXPECT_EQ(testing::Bits(got), testing::Bits(want)) << n << " " << prefix;
        if (codec != CodecId::kDoubleChimp128) continue;
        std::vector<double> direct;
        ASSERT_TRUE(DecodeChimp128Prefix(absl::string_view(column).substr(header->header_bytes), n,
                                         prefix, &direct)
                        .ok());
        EXPECT_EQ(testing::Bits(direct), testing::Bits(want)) << n << " " << prefix;
      }
      std::vector<double> got = {1.0};
      EXPECT_FALSE(DecodeDoublesPrefix(column, nullptr, n + 1, &got).ok()) << n;
      EXPECT_TRUE(got.empty());
    }
  }
}

// A prefix decode checks the values it decodes as a whole decode does: a column damaged
// inside the prefix fails, and the whole decode still rejects damage after it.
TEST(DoubleChimp128, APrefixDecodeRejectsDamageInsideThePrefix) {
  std::mt19937_64 rng(13);
  const std::vector<double> values = Walk(rng, 600);
  size_t offset = 0;
  const std::string column = Encode(values, &offset);
  const absl::string_view payload = absl::string_view(column).substr(offset);
  // The payload cut to a sixth (about 100 values' bits, still enough bytes for 600 values
  // by the size check): decoding 500 values runs into the cut and fails; 10 decode.
  const std::string cut(payload.substr(0, payload.size() / 6));
  std::vector<double> out;
  EXPECT_FALSE(DecodeChimp128Prefix(cut, 600, 500, &out).ok());
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(DecodeChimp128Prefix(cut, 600, 10, &out).ok());
  EXPECT_EQ(testing::Bits(out),
            testing::Bits(std::vector<double>(values.begin(), values.begin() + 10)));
  // Too few bytes for the column's count fails whatever the prefix.
  EXPECT_FALSE(DecodeChimp128Prefix(payload.substr(0, 8), 600, 1, &out).ok());
  std::vector<double> whole;
  EXPECT_TRUE(DecodeChimp128Prefix(payload, 600, 600, &whole).ok());
  EXPECT_EQ(testing::Bits(whole), testing::Bits(values));
  const std::string padded = std::string(payload) + std::string(1, '\xff');
  EXPECT_FALSE(DecodeChimp128Prefix(padded, 600, 600, &whole).ok()) << "trailing bytes";
  EXPECT_TRUE(DecodeChimp128Prefix(padded, 600, 599, &whole).ok()) << "not read by a prefix";
}

// DecodeChimp128Prefix on a heap copy of exactly the payload's size, so that under ASan
// (`bazel test --config=asan`) a load one byte past the payload fails the test.
absl::Status DecodeExact(absl::string_view payload, size_t count, size_t prefix,
                         std::vector<double>* out) {
  std::unique_ptr<char[]> copy(new char[payload.size()]);
  if (!payload.empty()) std::memcpy(copy.get(), payload.data(), payload.size());
  return DecodeChimp128Prefix(absl::string_view(copy.get(), payload.size()), count, prefix, out);
}

// The decoder and the reference agree on `payload` holding `count` values, whole and at
// the prefixes 0, 1, 2, ... up to 140 then every 37th: the same values, or both fail (and
// the decoder with InternalServerException and an empty *out). Returns the most values a
// decode that succeeded gave.
size_t ExpectPayloadLikeReference(absl::string_view payload, size_t count,
                                  const std::string& label) {
  size_t most = 0;
  for (size_t prefix = 0; prefix <= count; prefix += (prefix < 140 ? 1 : 37)) {
    std::vector<double> mine = {7.0}, reference;
    const absl::Status status = DecodeExact(payload, count, prefix, &mine);
    const bool ok = ReferenceDecode(payload, count, &reference, prefix);
    EXPECT_EQ(status.ok(), ok) << label << " prefix " << prefix << ": " << status;
    if (status.ok() != ok) return most;
    if (ok) {
      EXPECT_EQ(testing::Bits(mine), testing::Bits(reference)) << label << " prefix " << prefix;
      most = prefix;
    } else {
      EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer) << label << ": " << status;
      EXPECT_TRUE(mine.empty()) << label;
    }
  }
  std::vector<double> mine, reference;
  const absl::Status status = DecodeExact(payload, count, count, &mine);
  EXPECT_EQ(status.ok(), ReferenceDecode(payload, count, &reference)) << label << ": " << status;
  if (!status.ok()) return most;
  EXPECT_EQ(testing::Bits(mine), testing::Bits(reference)) << label;
  return count;
}

// A payload written field by field from FORMAT.md's table, and the values it holds by that
// table's rules (not by a decoder): for control codes at chosen bit offsets, and for
// streams the encoder never writes.
class PayloadBuilder {
 public:
  explicit PayloadBuilder(uint64_t first) : writer_(&bytes_) {
    writer_.Write(first, 64);
    values_.push_back(first);
  }

  void Same(uint64_t slot) {
    Control(0);
    writer_.Write(slot, 7);
    values_.push_back(Slot(slot));
  }
  // XOR with `slot`'s value of `significant` bits (< 2^significant, significant < 64)
  // under `lead_code`. A window the format forbids (0 bits, past bit 63) is written as
  // given; its value is then 0 (no decoder may return it).
  void Indexed(uint64_t slot, int lead_code, int significant, uint64_t bits) {
    Control(1);
    writer_.Write(slot, 7);
    writer_.Write(static_cast<uint64_t>(lead_code), 3);
    writer_.Write(static_cast<uint64_t>(significant), 6);
    writer_.Write(bits, significant);
    const int up = 64 - kLeadSteps[lead_code] - significant;
    values_.push_back(significant == 0 || up < 0 ? 0 : Slot(slot) ^ (bits << up));
  }
  // XOR with the previous value under the stored lead: x < 2^(64 - lead).
  void Reuse(uint64_t x, int lead) {
    Control(2);
    writer_.Write(x, 64 - lead);
    values_.push_back(values_.back() ^ x);
  }
  void NewLead(int lead_code, uint64_t x) {
    Control(3);
    writer_.Write(static_cast<uint64_t>(lead_code), 3);
    writer_.Write(x, 64 - kLeadSteps[lead_code]);
    values_.push_back(values_.back() ^ x);
  }
  // kSame values referring to slot 0 until the next field starts at bit `offset` of a byte.
  void AlignTo(int offset) {
    while (static_cast<int>(writer_.bits_written() % 8) != offset) Same(0);
  }

  size_t count() const { return values_.size(); }
  std::vector<double> values() const {
    std::vector<double> v;
    for (uint64_t bits : values_) v.push_back(std::bit_cast<double>(bits));
    return v;
  }
  std::string Finish() {
    writer_.Finish();
    return bytes_;
  }

  static constexpr int kLeadSteps[8] = {0, 8, 12, 16, 18, 20, 22, 24};

 private:
  void Control(uint64_t code) { writer_.Write(code, 2); }
  // The latest value in ring slot `slot`; 0 for a slot not yet written (which the format
  // forbids naming: no decoder may return it).
  uint64_t Slot(uint64_t slot) const {
    const size_t i = values_.size();  // The value being written.
    if (slot >= i) return 0;
    return values_[(i - 1) - ((i - 1 - slot) % 128)];
  }

  std::string bytes_;
  BitWriter writer_;
  std::vector<uint64_t> values_;
};

// Every control code, every lead code and the widest and narrowest windows, starting at each
// bit offset of a byte, with 0 to 24 values after (so each is read both by the unchecked
// 16-byte loads and by the bounds-checked tail, and its fields cross every 64-bit word
// boundary the loads have): the values FORMAT.md gives, and what the reference decodes.
TEST(DoubleChimp128, EveryControlCaseAtEveryBitOffsetDecodes) {
  std::mt19937_64 rng(17);
  struct Case {
    const char* name;
    std::function<void(PayloadBuilder&)> write;
  };
  std::vector<Case> cases;
  cases.push_back({"same", [](PayloadBuilder& b) { b.Same(1); }});
  for (int code = 0; code < 8; ++code) {
    const int lead = PayloadBuilder::kLeadSteps[code];
    // The 6-bit S field holds 1..63: the widest window is 63 bits (lead 0) or 64 - lead.
    for (int significant : {1, 17, std::min(63, 64 - lead)}) {
      cases.push_back({"indexed", [code, significant, &rng](PayloadBuilder& b) {
                         const uint64_t bits = rng() >> (64 - significant) | 1;
                         b.Indexed(2, code, significant, bits);
                       }});
    }
    cases.push_back(
        {"new lead", [code, lead, &rng](PayloadBuilder& b) { b.NewLead(code, rng() >> lead); }});
    // The reused lead's value starts 69 - lead bits after the case: every offset too.
    cases.push_back({"reuse lead", [code, lead, &rng](PayloadBuilder& b) {
                       b.NewLead(code, rng() >> lead);
                       b.Reuse(rng() >> lead, lead);
                     }});
  }
  for (size_t c = 0; c < cases.size(); ++c) {
    for (int offset = 0; offset < 8; ++offset) {
      for (int after = 0; after <= 24; ++after) {
        PayloadBuilder b(rng());
        b.Same(0);
        b.NewLead(1, rng() >> 8);
        b.AlignTo(offset);
        cases[c].write(b);
        for (int k = 0; k < after; ++k) b.Same(static_cast<uint64_t>(k % 2));
        const std::string payload = b.Finish();
        const std::string label =
            absl::StrCat(cases[c].name, " case ", c, " offset ", offset, " after ", after);
        std::vector<double> decoded;
        ASSERT_TRUE(DecodeExact(payload, b.count(), b.count(), &decoded).ok()) << label;
        ASSERT_EQ(testing::Bits(decoded), testing::Bits(b.values())) << label;
        ExpectPayloadLikeReference(payload, b.count(), label);
        if (HasFailure()) return;
      }
    }
  }
}

// A reused lead needs a stored one: none at the start, and kSame and kIndexed clear it;
// a slot must have been written. Wherever the value falls (fast loop or tail).
TEST(DoubleChimp128, AReusedLeadWithoutOneAndAnUnwrittenSlotFail) {
  for (int after = 0; after <= 24; ++after) {
    for (int clear = 0; clear < 3; ++clear) {
      PayloadBuilder b(0x4059000000000000);
      if (clear == 1) b.Same(0);
      if (clear == 2) {
        b.NewLead(2, 0x12345);
        b.Indexed(0, 3, 5, 0x11);
      }
      b.Reuse(0xabcdef, 12);  // Control 2 and the 52 bits a stored lead of 12 would take.
      for (int k = 0; k < after; ++k) b.Same(0);
      const std::string payload = b.Finish();
      const std::string label = absl::StrCat("clear ", clear, " after ", after);
      std::vector<double> out = {1.0};
      const absl::Status status = DecodeExact(payload, b.count(), b.count(), &out);
      EXPECT_FALSE(status.ok()) << label;
      EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer) << label << ": " << status;
      EXPECT_TRUE(out.empty()) << label;
      ExpectPayloadLikeReference(payload, b.count(), label);
    }
    PayloadBuilder b(1);
    for (int k = 0; k < 6 + 2 * after; ++k) b.Same(0);
    std::string payload = b.Finish();
    // Value 1's slot field starts at bit 66, bit 2 of byte 8: from slot 0 to slot 1, which
    // value 1 cannot name.
    payload[8] = static_cast<char>(payload[8] | (1 << 2));
    std::vector<double> out;
    EXPECT_FALSE(DecodeExact(payload, b.count(), b.count(), &out).ok()) << after;
    ExpectPayloadLikeReference(payload, b.count(), absl::StrCat("slot, after ", after));
  }
}

// Random columns that mix every control code (repeats near and far, slowly and fully
// changing values, special doubles) at the lengths around the ring's 128: the round trip
// is exact, and every prefix, truncation and flipped byte decodes or fails as the
// reference does.
TEST(DoubleChimp128, RandomColumnsDecodeLikeTheReference) {
  std::mt19937_64 rng(19);
  const std::vector<double> specials = testing::SpecialDoubles();
  for (int round = 0; round < 40; ++round) {
    const size_t lengths[] = {0, 1, 2, 127, 128, 129, 255, 256, 257};
    const size_t n = round < 9 ? lengths[round] : rng() % 3000;
    std::vector<double> values = Walk(rng, n);
    for (double& v : values) {
      switch (rng() % 8) {
        case 0:
          v = std::bit_cast<double>(rng());  // Lead 0: 64 value bits.
          break;
        case 1:
          v = specials[rng() % specials.size()];
          break;
        default:
          break;
      }
    }
    size_t offset = 0;
    const std::string column = Encode(values, &offset);
    const std::string payload = column.substr(offset);
    std::vector<double> decoded;
    ASSERT_TRUE(DecodeExact(payload, n, n, &decoded).ok()) << n;
    ASSERT_EQ(testing::Bits(decoded), testing::Bits(values)) << n;
    ExpectPayloadLikeReference(payload, n, absl::StrCat("n ", n));
    for (int k = 0; k < 8 && !payload.empty(); ++k) {
      const size_t cut = rng() % payload.size();
      ExpectPayloadLikeReference(payload.substr(0, cut), n, absl::StrCat("n ", n, " cut ", cut));
      std::string damaged = payload;
      damaged[cut] = static_cast<char>(rng());
      ExpectPayloadLikeReference(damaged, n, absl::StrCat("n ", n, " byte ", cut));
    }
    if (HasFailure()) return;
  }
}

// A stream of random fields, now and then one the format forbids (a slot not yet written,
// a window of 0 bits or past bit 63, a reused lead where none is stored), cut short or
// followed by random bytes now and then: runs of valid values before the damage.
std::string RandomFields(std::mt19937_64& rng, size_t* count) {
  PayloadBuilder b(rng());
  const size_t n = 1 + rng() % 300;
  int lead = -1;  // The stored lead.
  for (size_t i = 1; i < n; ++i) {
    const bool bad = rng() % 200 == 0;
    const uint64_t r = rng() % 100;
    if (r < 5) {
      b.Same(bad ? rng() % 128 : rng() % std::min<size_t>(i, 128));
      lead = -1;
    } else if (r < 15) {
      const int code = static_cast<int>(rng() % 8);
      const int most = std::min(63, 64 - PayloadBuilder::kLeadSteps[code]);
      const int significant =
          bad ? static_cast<int>(rng() % 64) : 1 + static_cast<int>(rng() % most);
      b.Indexed(rng() % std::min<size_t>(i, 128), code, significant,
                significant == 0 ? 0 : rng() >> (64 - significant));
      lead = -1;
    } else if (r < 55 || (lead < 0 && !bad)) {
      const int code = static_cast<int>(rng() % 8);
      lead = PayloadBuilder::kLeadSteps[code];
      b.NewLead(code, rng() >> lead);
    } else {
      const int width_lead = lead < 0 ? PayloadBuilder::kLeadSteps[rng() % 8] : lead;
      b.Reuse(rng() >> width_lead, width_lead);
    }
  }
  std::string payload = b.Finish();
  *count = b.count();
  switch (rng() % 4) {
    case 0:
      payload.resize(rng() % (payload.size() + 1));
      break;
    case 1:
      for (uint64_t k = rng() % 4; k > 0; --k) payload.push_back(static_cast<char>(rng()));
      break;
    case 2:
      *count += rng() % 3;
      break;
    default:
      break;
  }
  return payload;
}

// Random bytes as a payload, with counts up to what its size allows, and random fields:
// a typed error or the reference's values, never a read outside the payload (ASan) or a
// crash.
TEST(DoubleChimp128, GarbagePayloadsFailOrDecodeLikeTheReference) {
  std::mt19937_64 rng(23);
  size_t decoded = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string payload;
    size_t count = 0;
    if (round % 2 == 0) {
      payload.resize(rng() % 200);
      for (char& c : payload) c = static_cast<char>(rng());
      const size_t most = payload.size() < 8 ? 2 : (payload.size() - 8) * 4 + 2;
      count = rng() % (most + 1);
    } else {
      payload = RandomFields(rng, &count);
    }
    decoded += ExpectPayloadLikeReference(payload, count, absl::StrCat("round ", round));
    if (HasFailure()) return;
  }
  EXPECT_GT(decoded, 100000) << "too few values decoded from garbage to compare";
}

// The bytes the encoder writes (FORMAT.md "0x12 Double Chimp128") for one value of each
// control code, as main's encoder wrote them before the decoder changed: a change to the
// format or the encoder's choices shows here.
TEST(DoubleChimp128, WritesTheDocumentedBytes) {
  // 1.0; 1.0 again (control 0, slot 0); 1.5 (XOR with 1.0 is bit 51 alone, more than 13
  // trailing zeros: control 1, slot 1, lead 12, 1 significant bit); 1.0 + 2^-52 (XOR with
  // 1.5 has 12 leading zeros and none trailing: control 3, lead code 2, 52 bits); then
  // 1.5 + 2^-51 (XOR 0x0008000000000003, lead 12 again: control 2, 52 bits).
  const std::vector<double> values = {1.0, 1.0, 1.5, std::bit_cast<double>(0x3ff0000000000001),
                                      std::bit_cast<double>(0x3ff8000000000002)};
  size_t offset = 0;
  const std::string column = Encode(values, &offset);
  std::string hex;
  for (char c : column.substr(offset)) {
    absl::StrAppend(&hex, absl::Hex(static_cast<uint8_t>(c), absl::kZeroPad2));
  }
  EXPECT_EQ(hex, "000000000000f03f000a28b8020000000000d001000000000004");
}

}  // namespace
}  // namespace tsw::encoding
