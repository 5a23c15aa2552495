#include "engine/encoding/zstd_column.h"

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_d_forceIgnoreChecksum.
#include <zstd.h>

#include <memory>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"
#include "tsw/status.h"

namespace tsw::encoding {
namespace {

constexpr absl::string_view kName = "zstd";

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// One context per thread: creating one costs more than compressing a small column.
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}

absl::Status Internal(const std::string& message) {
  return tsw::InternalError(std::string_view(message));
}

void AppendRaw(absl::string_view encoded, std::string* out) {
  out->push_back(static_cast<char>(ZstdFrameKind::kRaw));
  PutVarint64(out, encoded.size());
  out->append(encoded.data(), encoded.size());
}

}  // namespace

absl::Status EncodeColumnZstd(absl::string_view encoded, const ZstdColumnOptions& options,
                              std::string* out) {
  if (encoded.size() > kMaxZstdColumnBytes) {
    return Internal(absl::StrCat("a column of ", encoded.size(), " bytes is above the limit of ",
                                 kMaxZstdColumnBytes));
  }
  if (options.level == 0) {
    AppendRaw(encoded, out);
    return absl::OkStatus();
  }
  const size_t start = out->size();
  out->push_back(static_cast<char>(ZstdFrameKind::kZstd));
  PutVarint64(out, encoded.size());
  const size_t header = out->size();
  const size_t bound = ZSTD_compressBound(encoded.size());
  out->resize(header + bound);
  ZSTD_CCtx* ctx = ThreadCCtx();
  if (ctx == nullptr) {
    out->resize(start);
    return Internal("zstd: cannot create a compression context");
  }
  ZSTD_CCtx_reset(ctx, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, options.level);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, 1);
  const size_t written =
      ZSTD_compress2(ctx, &(*out)[header], bound, encoded.data(), encoded.size());
  if (ZSTD_isError(written)) {
    out->resize(start);
    return Internal(absl::StrCat("zstd compression failed: ", ZSTD_getErrorName(written)));
  }
  if (options.store_raw_if_not_smaller && written >= encoded.size()) {
    out->resize(start);
    AppendRaw(encoded, out);
    return absl::OkStatus();
  }
  out->resize(header + written);
  return absl::OkStatus();
}

absl::Status ZstdFrameKindOf(absl::string_view framed, ZstdFrameKind* kind) {
  if (framed.empty()) return CorruptColumn(kName, "empty frame");
  const uint8_t byte = static_cast<uint8_t>(framed[0]);
  if (byte > static_cast<uint8_t>(ZstdFrameKind::kZstd)) {
    return CorruptColumn(kName, absl::StrCat("unknown frame kind ", byte));
  }
  *kind = static_cast<ZstdFrameKind>(byte);
  return absl::OkStatus();
}

absl::StatusOr<absl::string_view> DecodeColumnZstdView(absl::string_view framed,
                                                       std::string* scratch,
                                                       ZstdContentChecksum checksum) {
  ZstdFrameKind kind;
  absl::Status status = ZstdFrameKindOf(framed, &kind);
  if (!status.ok()) return status;
  ByteReader in(framed.substr(1));
  uint64_t size;
  if (!in.ReadVarint64(&size)) return CorruptColumn(kName, "truncated length");
  if (size > kMaxZstdColumnBytes) {
    return CorruptColumn(
        kName, absl::StrCat("length ", size, " is above the limit of ", kMaxZstdColumnBytes));
  }
  const absl::string_view body = in.rest();
  if (kind == ZstdFrameKind::kRaw) {
    if (body.size() != size) {
      return CorruptColumn(kName,
                           absl::StrCat("raw frame holds ", body.size(), " bytes, not ", size));
    }
    return body;
  }
  // The Zstd frame must declare the same size, so a corrupt length cannot make us
  // allocate more than the frame would produce.
  const unsigned long long declared = ZSTD_getFrameContentSize(body.data(), body.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN ||
      declared != size) {
    return CorruptColumn(kName, absl::StrCat("zstd frame does not declare ", size, " bytes"));
  }
  const size_t frame = ZSTD_findFrameCompressedSize(body.data(), body.size());
  if (ZSTD_isError(frame) || frame != body.size()) {
    return CorruptColumn(kName, "zstd frame length does not match the column");
  }
  ZSTD_DCtx* ctx = ThreadDCtx();
  if (ctx == nullptr) return Internal("zstd: cannot create a decompression context");
  // Set on every call: the context is the thread's, and the previous call may have asked
  // otherwise. A library that does not know the parameter refuses it and always verifies.
  ZSTD_DCtx_setParameter(ctx, ZSTD_d_forceIgnoreChecksum,
                         checksum == ZstdContentChecksum::kCheckedByCaller
                             ? ZSTD_d_ignoreChecksum
                             : ZSTD_d_validateChecksum);
  // The buffer only grows: a smaller column reuses its front, so bytes are zero-filled
  // only when it grows (resize's fill, which decompression then overwrites, cost as much
  // as a small column's decompression when column sizes alternate).
  if (scratch->size() < size) scratch->resize(size);
  const size_t got = ZSTD_decompressDCtx(ctx, scratch->data(), size, body.data(), body.size());
  if (ZSTD_isError(got) || got != size) {
    scratch->clear();
    return CorruptColumn(
        kName, absl::StrCat("zstd: ", ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short output"));
  }
  return absl::string_view(scratch->data(), size);
}

absl::Status DecodeColumnZstd(absl::string_view framed, std::string* out) {
  absl::StatusOr<absl::string_view> column = DecodeColumnZstdView(framed, out);
  if (!column.ok()) {
    out->clear();
    return column.status();
  }
  if (column->data() != out->data()) {
    out->assign(column->data(), column->size());
  } else {
    out->resize(column->size());  // Decompressed into *out, which may be longer.
  }
  return absl::OkStatus();
}

}  // namespace tsw::encoding
