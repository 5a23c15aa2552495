// An optional Zstd pass over an encoded column, as the segment writer stores it.
//
// The frame records whether the bytes are compressed or stored raw (Zstd level 0, or
// compression that did not make them smaller), and their exact length, so the reader
// allocates once and rejects any mismatch. Zstd frames carry Zstd's content checksum
// (4 bytes), so a damaged compressed column is an error rather than different bytes.
// FORMAT.md, "Zstd column frame", gives the bytes.
#ifndef TSW_ENGINE_ENCODING_ZSTD_COLUMN_H_
#define TSW_ENGINE_ENCODING_ZSTD_COLUMN_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tsw::encoding {

struct ZstdColumnOptions {
  // Zstd compression level: 1 (fastest) to 22, or negative for Zstd's fast modes; 0 stores
  // the bytes raw (tsw::Options::zstd_level has the same meaning). Default 3.
  int level = 3;
  // When Zstd's output is not smaller than the input, store the input raw instead. Raw
  // columns are read in place, without a decompression pass. Default true.
  bool store_raw_if_not_smaller = true;
};

// Frame kinds (first byte). Stored on disk: never renumber.
enum class ZstdFrameKind : uint8_t { kRaw = 0, kZstd = 1 };

// The most bytes a framed column may expand to (2 GiB).
inline constexpr uint64_t kMaxZstdColumnBytes = uint64_t{1} << 31;

// Appends the frame holding `encoded` to *out. Fails (InternalServerException) when
// `encoded` is larger than kMaxZstdColumnBytes or Zstd reports an error.
absl::Status EncodeColumnZstd(absl::string_view encoded, const ZstdColumnOptions& options,
                              std::string* out);

// Replaces *out with the bytes framed in exactly `framed`. Malformed frames (unknown kind,
// length mismatch, corrupt Zstd data, trailing bytes) yield InternalServerException.
absl::Status DecodeColumnZstd(absl::string_view framed, std::string* out);

// Whether decoding a Zstd frame checks its content checksum (Zstd's, over the output).
enum class ZstdContentChecksum {
  kVerify,  // A damaged frame is an error rather than different bytes.
  // Not checked, for a caller that verified a checksum over the framed bytes themselves
  // just before (a segment block's or dictionary's XXH3, engine/magnetic/FORMAT.md
  // "Reading"), which already rules out damaged bytes. Malformed frames are still
  // rejected, and the output still fills exactly the length the frame declares.
  kCheckedByCaller,
};

// DecodeColumnZstd without the copy of a raw frame: the encoded column, as a view into
// `framed` (a raw frame) or into *scratch (a Zstd frame, decompressed at its front). The
// view lives as long as both. *scratch never shrinks here, so a caller decoding many
// columns into one buffer zero-fills it only as it grows; its bytes past the view are
// left over from earlier columns. Errors as DecodeColumnZstd's (which verifies the
// content checksum), but for `checksum`.
absl::StatusOr<absl::string_view> DecodeColumnZstdView(
    absl::string_view framed, std::string* scratch,
    ZstdContentChecksum checksum = ZstdContentChecksum::kVerify);

// The frame kind of `framed`, for statistics; InternalServerException when empty or unknown.
absl::Status ZstdFrameKindOf(absl::string_view framed, ZstdFrameKind* kind);

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_ZSTD_COLUMN_H_
