#include "engine/encoding/double_alp_rd.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <numeric>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/encoding/bit_packing.h"
#include "engine/encoding/byte_io.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "alp_rd";

constexpr size_t kVector = 1024;
constexpr int kMaxLeftWidth = 16;      // Left parts and exceptions are uint16.
constexpr size_t kMaxDictionary = 8;   // Codes take at most 3 bits.
constexpr size_t kSplitSample = 2048;  // Values scored per candidate cut.
constexpr size_t kExceptionBits = 32;  // Position (16) and left part (16).

inline uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

struct Split {
  int right_width = 64 - kMaxLeftWidth;
  std::vector<uint16_t> dictionary;  // Most frequent left parts first.
};

// The left parts of `values` (every `stride`-th) counted, most frequent first.
std::vector<std::pair<uint32_t, uint16_t>> LeftFrequencies(absl::Span<const double> values,
                                                           size_t stride, int right_width) {
  const size_t parts = size_t{1} << (64 - right_width);
  const size_t counted = (values.size() + stride - 1) / stride;
  std::vector<std::pair<uint32_t, uint16_t>> frequent;
  if (counted * 8 < parts) {
    // Few values against many possible parts: sorting them is cheaper than a table.
    std::vector<uint16_t> lefts;
    lefts.reserve(counted);
    for (size_t i = 0; i < values.size(); i += stride) {
      lefts.push_back(static_cast<uint16_t>(Bits(values[i]) >> right_width));
    }
    std::sort(lefts.begin(), lefts.end());
    for (size_t i = 0; i < lefts.size();) {
      size_t j = i;
      while (j < lefts.size() && lefts[j] == lefts[i]) ++j;
      frequent.emplace_back(static_cast<uint32_t>(j - i), lefts[i]);
      i = j;
    }
  } else {
    std::vector<uint32_t> counts(parts, 0);
    for (size_t i = 0; i < values.size(); i += stride) ++counts[Bits(values[i]) >> right_width];
    for (size_t left = 0; left < parts; ++left) {
      if (counts[left] != 0) frequent.emplace_back(counts[left], static_cast<uint16_t>(left));
    }
  }
  // Ties go to the smaller left part, so the choice does not depend on the sort.
  std::sort(frequent.begin(), frequent.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  return frequent;
}

// Bits per sampled value of cut `right_width` with the best dictionary size, and that size.
double ScoreCut(const std::vector<std::pair<uint32_t, uint16_t>>& frequent, size_t sampled,
                int right_width, size_t* dictionary_size) {
  double best = 1e300;
  for (size_t k = 1; k <= kMaxDictionary; k *= 2) {
    size_t covered = 0;
    for (size_t i = 0; i < std::min(k, frequent.size()); ++i) covered += frequent[i].first;
    const double bits = static_cast<double>(sampled) * (right_width + BitLength(k - 1)) +
                        static_cast<double>(sampled - covered) * kExceptionBits;
    if (bits < best) {
      best = bits;
      *dictionary_size = std::min(k, frequent.size());
    }
    if (k >= frequent.size()) break;
  }
  return best / static_cast<double>(sampled);
}

// The cut with the fewest bits on a sample, and its dictionary from the whole column.
Split ChooseSplit(absl::Span<const double> values) {
  const size_t stride = std::max<size_t>(1, values.size() / kSplitSample);
  const size_t sampled = (values.size() + stride - 1) / stride;
  Split split;
  double best = 1e300;
  for (int left = 1; left <= kMaxLeftWidth; ++left) {
    size_t k = 1;
    const double bits =
        ScoreCut(LeftFrequencies(values, stride, 64 - left), sampled, 64 - left, &k);
    if (bits < best) {
      best = bits;
      split.right_width = 64 - left;
      split.dictionary.assign(k, 0);
    }
  }
  const auto frequent = LeftFrequencies(values, 1, split.right_width);
  split.dictionary.resize(std::min(split.dictionary.size(), frequent.size()));
  for (size_t i = 0; i < split.dictionary.size(); ++i) split.dictionary[i] = frequent[i].second;
  return split;
}

void EncodeVector(const double* v, size_t n, const Split& split, std::string* out) {
  const int r = split.right_width;
  const uint64_t right_mask = (uint64_t{1} << r) - 1;
  const int code_width = BitLength(split.dictionary.size() - 1);
  uint64_t codes[kVector], rights[kVector];
  uint16_t positions[kVector], lefts[kVector];
  size_t exceptions = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t bits = Bits(v[i]);
    const uint16_t left = static_cast<uint16_t>(bits >> r);
    rights[i] = bits & right_mask;
    const auto it = std::find(split.dictionary.begin(), split.dictionary.end(), left);
    if (it == split.dictionary.end()) {
      codes[i] = 0;
      positions[exceptions] = static_cast<uint16_t>(i);
      lefts[exceptions++] = left;
    } else {
      codes[i] = static_cast<uint64_t>(it - split.dictionary.begin());
    }
  }
  PutVarint64(out, exceptions);
  for (size_t k = 0; k < exceptions; ++k) {
    out->push_back(static_cast<char>(positions[k] & 0xff));
    out->push_back(static_cast<char>(positions[k] >> 8));
  }
  for (size_t k = 0; k < exceptions; ++k) {
    out->push_back(static_cast<char>(lefts[k] & 0xff));
    out->push_back(static_cast<char>(lefts[k] >> 8));
  }
  PackBits(codes, n, code_width, out);
  PackBits(rights, n, r, out);
}

absl::Status Encode(absl::Span<const double> values, std::string* out) {
  if (values.empty()) return absl::OkStatus();
  const Split split = ChooseSplit(values);
  out->push_back(static_cast<char>(split.right_width));
  out->push_back(static_cast<char>(split.dictionary.size()));
  for (uint16_t left : split.dictionary) {
    out->push_back(static_cast<char>(left & 0xff));
    out->push_back(static_cast<char>(left >> 8));
  }
  for (size_t start = 0; start < values.size(); start += kVector) {
    EncodeVector(values.data() + start, std::min(kVector, values.size() - start), split, out);
  }
  return absl::OkStatus();
}

size_t Analyze(absl::Span<const double> values) { return AnalyzeBySampleEncoding(values, Encode); }

inline uint16_t Uint16At(absl::string_view bytes, size_t i) {
  return static_cast<uint16_t>(static_cast<uint8_t>(bytes[2 * i]) |
                               (static_cast<uint8_t>(bytes[2 * i + 1]) << 8));
}

// A payload's header: the cut, the dictionary of left parts and the codes' width.
struct Header {
  int r = 0;
  size_t k = 0;
  uint16_t dict[kMaxDictionary] = {};
  int code_width = 0;
};

// Reads and checks the header of a payload of `count` > 0 values, and that the bytes after
// it can hold every vector's exception count, codes and right parts.
absl::Status ReadHeader(ByteReader* in, size_t payload_size, size_t count, Header* h) {
  uint8_t right_width, k;
  absl::string_view dictionary;
  if (!in->ReadByte(&right_width) || !in->ReadByte(&k)) {
    return CorruptColumn(kName, "truncated header");
  }
  h->r = right_width;
  if (h->r < 64 - kMaxLeftWidth || h->r > 63) {
    return CorruptColumn(kName, absl::StrCat("right width ", h->r, " outside 48..63"));
  }
  if (k == 0 || k > kMaxDictionary) {
    return CorruptColumn(kName, absl::StrCat("dictionary of ", k, " entries, not 1..8"));
  }
  h->k = k;
  if (!in->ReadBytes(2 * size_t{k}, &dictionary)) {
    return CorruptColumn(kName, "truncated dictionary");
  }
  const int left_width = 64 - h->r;
  for (size_t i = 0; i < k; ++i) {
    h->dict[i] = Uint16At(dictionary, i);
    if (h->dict[i] >> left_width != 0) {
      return CorruptColumn(kName, absl::StrCat("dictionary entry ", h->dict[i], " wider than ",
                                               left_width, " bits"));
    }
  }
  h->code_width = BitLength(k - 1);
  // Each vector holds at least its exception count and packed codes and right parts.
  const size_t full = count / kVector, last = count % kVector;
  const size_t least =
      full * (1 + PackedBytes(kVector, h->code_width) + PackedBytes(kVector, h->r)) +
      (last == 0 ? 0 : 1 + PackedBytes(last, h->code_width) + PackedBytes(last, h->r));
  if (in->remaining() < least) {
    return CorruptColumn(kName,
                         absl::StrCat(payload_size, " bytes cannot hold ", count, " values"));
  }
  return absl::OkStatus();
}

// One vector's parts, as views into the payload.
struct Vector {
  size_t n = 0;
  uint64_t exceptions = 0;
  absl::string_view positions, lefts, codes, rights;
};

absl::Status CorruptVector(size_t vector, absl::string_view what) {
  return CorruptColumn(kName, absl::StrCat("vector ", vector, ": ", what));
}

// Reads the parts of vector `index` (n values) without unpacking them.
absl::Status ReadVector(ByteReader* in, const Header& h, size_t n, size_t index, Vector* v) {
  v->n = n;
  if (!in->ReadVarint64(&v->exceptions)) return CorruptVector(index, "truncated exception count");
  if (v->exceptions > n) {
    return CorruptVector(index, absl::StrCat(v->exceptions, " exceptions in ", n, " values"));
  }
  if (!in->ReadBytes(v->exceptions * 2, &v->positions) ||
      !in->ReadBytes(v->exceptions * 2, &v->lefts) ||
      !in->ReadBytes(PackedBytes(n, h.code_width), &v->codes) ||
      !in->ReadBytes(PackedBytes(n, h.r), &v->rights)) {
    return CorruptVector(index, "truncated");
  }
  return absl::OkStatus();
}

// Checks a vector's exceptions: positions strictly increasing inside it, left parts in width.
absl::Status CheckExceptions(const Header& h, const Vector& v, size_t index) {
  size_t previous = 0;
  for (size_t e = 0; e < v.exceptions; ++e) {
    const size_t pos = Uint16At(v.positions, e);
    const uint16_t left = Uint16At(v.lefts, e);
    if (pos >= v.n || (e > 0 && pos <= previous)) {
      return CorruptVector(index,
                           absl::StrCat("exception position ", pos, " out of order or range"));
    }
    if (left >> (64 - h.r) != 0) {
      return CorruptVector(
          index, absl::StrCat("exception left part ", left, " wider than ", 64 - h.r, " bits"));
    }
    previous = pos;
  }
  return absl::OkStatus();
}

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Values [0, n) of a vector whose right parts take R bits and codes CW bits: lefts[code]
// (a left part already shifted into place) ORed with the right part. Both are unpacked in
// groups of 8 values, which take exactly R and CW bytes, so within a group every value's
// byte offset and shift are constants (bit_packing.cc's UnpackFixed), and neither the
// codes nor the right parts go through an array of their own. Returns the largest code.
// Reads no byte past either part (a group is taken while its last 9-byte load of right
// parts stays inside; the rest goes value by value through UnpackOne).
template <int R, int CW>
uint64_t CombineVector(const uint8_t* codes, const uint8_t* rights, size_t n, const uint64_t* lefts,
                       double* values) {
  constexpr uint64_t kRightMask = (uint64_t{1} << R) - 1;
  constexpr uint32_t kCodeMask = (uint32_t{1} << CW) - 1;
  constexpr size_t kLastLoad = ((7 * R) >> 3) + 9;
  const size_t right_bytes = PackedBytes(n, R);
  uint64_t largest = 0;
  size_t i = 0;
  for (; i + 8 <= n && (i / 8) * R + kLastLoad <= right_bytes; i += 8) {
    const uint8_t* group = rights + (i / 8) * R;
    uint32_t code_bits = 0;
    if constexpr (CW > 0) std::memcpy(&code_bits, codes + (i / 8) * CW, CW);
    [&]<int... J>(std::integer_sequence<int, J...>) {
      (
          [&] {
            constexpr int kBit = J * R;
            uint64_t right = Load64(group + (kBit >> 3)) >> (kBit & 7);
            if constexpr ((kBit & 7) + R > 64) {
              right |= static_cast<uint64_t>(group[(kBit >> 3) + 8]) << (64 - (kBit & 7));
            }
            const uint32_t code = (code_bits >> (J * CW)) & kCodeMask;
            largest = std::max<uint64_t>(largest, code);
            values[i + J] = std::bit_cast<double>(lefts[code] | (right & kRightMask));
          }(),
          ...);
    }
    (std::make_integer_sequence<int, 8>{});
  }
  for (; i < n; ++i) {
    const uint64_t code = CW == 0 ? 0 : UnpackOne(codes, n, CW, i);
    largest = std::max(largest, code);
    values[i] =
        std::bit_cast<double>(lefts[code & (kMaxDictionary - 1)] | UnpackOne(rights, n, R, i));
  }
  return largest;
}

using CombineFn = uint64_t (*)(const uint8_t*, const uint8_t*, size_t, const uint64_t*, double*);

// CombineVector for right widths 48..63 and code widths 0..3, at [(R - 48) * 4 + CW].
template <int... I>
constexpr std::array<CombineFn, sizeof...(I)> MakeCombineTable(std::integer_sequence<int, I...>) {
  return {&CombineVector<48 + I / 4, I % 4>...};
}
constexpr auto kCombine = MakeCombineTable(std::make_integer_sequence<int, 16 * 4>{});
static_assert(kMaxLeftWidth == 16 && kMaxDictionary == 8, "the table's right and code widths");

// Unpacks all n values of a vector into values[0..n).
absl::Status UnpackVector(const Header& h, const Vector& v, size_t index, double* values) {
  if (absl::Status s = CheckExceptions(h, v, index); !s.ok()) return s;
  // Zero past k: a code past the dictionary reads 0 here and is caught after the unpack.
  uint64_t lefts[kMaxDictionary] = {};
  for (size_t c = 0; c < h.k; ++c) lefts[c] = uint64_t{h.dict[c]} << h.r;
  const uint64_t largest = kCombine[(h.r - 48) * 4 + h.code_width](
      reinterpret_cast<const uint8_t*>(v.codes.data()),
      reinterpret_cast<const uint8_t*>(v.rights.data()), v.n, lefts, values);
  if (largest >= h.k) {
    return CorruptVector(index, absl::StrCat("code ", largest, " beyond the dictionary"));
  }
  const uint64_t right_mask = (uint64_t{1} << h.r) - 1;
  for (size_t e = 0; e < v.exceptions; ++e) {
    const size_t pos = Uint16At(v.positions, e);
    values[pos] = std::bit_cast<double>((uint64_t{Uint16At(v.lefts, e)} << h.r) |
                                        (std::bit_cast<uint64_t>(values[pos]) & right_mask));
  }
  return absl::OkStatus();
}

// The values at vector positions rows[0..m) (ascending) into out[0..m), each unpacked
// alone: the bits of the other values are not read.
absl::Status UnpackRows(const Header& h, const Vector& v, size_t index, const uint32_t* rows,
                        size_t m, size_t start, double* out) {
  if (absl::Status s = CheckExceptions(h, v, index); !s.ok()) return s;
  const auto* codes = reinterpret_cast<const uint8_t*>(v.codes.data());
  const auto* rights = reinterpret_cast<const uint8_t*>(v.rights.data());
  size_t e = 0;
  for (size_t j = 0; j < m; ++j) {
    const size_t i = rows[j] - start;
    const uint64_t code = UnpackOne(codes, v.n, h.code_width, i);
    if (code >= h.k) {
      return CorruptVector(index, absl::StrCat("code ", code, " beyond the dictionary"));
    }
    uint64_t left = h.dict[code];
    while (e < v.exceptions && Uint16At(v.positions, e) < i) ++e;
    if (e < v.exceptions && Uint16At(v.positions, e) == i) left = Uint16At(v.lefts, e);
    out[j] = std::bit_cast<double>((left << h.r) | UnpackOne(rights, v.n, h.r, i));
  }
  return absl::OkStatus();
}

absl::Status Decode(absl::string_view payload, size_t count, std::vector<double>* out) {
  out->clear();
  if (count == 0) {
    if (!payload.empty()) return CorruptColumn(kName, "bytes in an empty column");
    return absl::OkStatus();
  }
  ByteReader in(payload);
  Header h;
  if (absl::Status s = ReadHeader(&in, payload.size(), count, &h); !s.ok()) return s;
  out->resize(count);
  for (size_t start = 0, vector = 0; start < count; start += kVector, ++vector) {
    Vector v;
    absl::Status s = ReadVector(&in, h, std::min(kVector, count - start), vector, &v);
    if (s.ok()) s = UnpackVector(h, v, vector, out->data() + start);
    if (!s.ok()) {
      out->clear();
      return s;
    }
  }
  if (!in.empty()) {
    out->clear();
    return CorruptColumn(kName, absl::StrCat(in.remaining(), " trailing bytes"));
  }
  return absl::OkStatus();
}

// DecodeAlpRdAt, but *out may hold values on failure.
absl::Status DecodeAt(absl::string_view payload, size_t count, absl::Span<const uint32_t> rows,
                      std::vector<double>* out) {
  out->clear();
  if (!rows.empty() && rows.back() >= count) {
    return CorruptColumn(kName, absl::StrCat("row ", rows.back(), " of ", count, " values"));
  }
  if (count == 0) return Decode(payload, count, out);
  ByteReader in(payload);
  Header h;
  if (absl::Status s = ReadHeader(&in, payload.size(), count, &h); !s.ok()) return s;
  out->resize(rows.size());
  // Rows [first, first + rows.size()) together (a filter's column over a time range): the
  // vectors they cover whole are unpacked straight into *out.
  const size_t first = rows.empty() ? 0 : rows.front();
  const bool contiguous = !rows.empty() && rows.back() - first + 1 == rows.size();
  double values[kVector];
  size_t next = 0;
  for (size_t start = 0, vector = 0; start < count && next < rows.size();
       start += kVector, ++vector) {
    Vector v;
    if (absl::Status s = ReadVector(&in, h, std::min(kVector, count - start), vector, &v);
        !s.ok()) {
      return s;
    }
    if (contiguous) {
      if (start + v.n <= first) continue;  // Before the rows: stepped over, not unpacked.
      const size_t end = std::min(rows.size(), start + v.n - first);
      if (start >= first && end - next == v.n) {
        if (absl::Status s = UnpackVector(h, v, vector, out->data() + next); !s.ok()) return s;
      } else {
        if (absl::Status s = UnpackVector(h, v, vector, values); !s.ok()) return s;
        std::copy(values + (first + next - start), values + (first + end - start),
                  out->data() + next);
      }
      next = end;
      continue;
    }
    size_t end = next;
    while (end < rows.size() && rows[end] < start + v.n) ++end;
    if (end == next) continue;  // No wanted row here: stepped over, not unpacked.
    if ((end - next) * 4 < v.n) {
      absl::Status s =
          UnpackRows(h, v, vector, rows.data() + next, end - next, start, out->data() + next);
      if (!s.ok()) return s;
    } else {
      if (absl::Status s = UnpackVector(h, v, vector, values); !s.ok()) return s;
      for (size_t j = next; j < end; ++j) (*out)[j] = values[rows[j] - start];
    }
    next = end;
  }
  return absl::OkStatus();
}

constexpr Codec<double> kCodec = {CodecId::kDoubleAlpRd, "alp_rd", Analyze, Encode, Decode};

}  // namespace

const Codec<double>& DoubleAlpRdCodec() { return kCodec; }

absl::Status DecodeAlpRdAt(absl::string_view payload, size_t count, absl::Span<const uint32_t> rows,
                           std::vector<double>* out) {
  absl::Status s = DecodeAt(payload, count, rows, out);
  if (!s.ok()) out->clear();
  return s;
}

}  // namespace tsw::encoding
