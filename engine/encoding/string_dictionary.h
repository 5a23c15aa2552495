// StringDictionaryCodec: the distinct strings once, in order of first appearance, and
// each value as its index into them (a PackedInts stream, so a column of three statuses
// costs two bits a value, and a constant column almost nothing). The chooser prefers the
// plain codec once the dictionary stops paying for itself (high cardinality).
// Payload: varint k (distinct strings), EncodeStringList(the k entries), PackedInts(codes).
#ifndef TSW_ENGINE_ENCODING_STRING_DICTIONARY_H_
#define TSW_ENGINE_ENCODING_STRING_DICTIONARY_H_

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<absl::string_view>& StringDictionaryCodec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_STRING_DICTIONARY_H_
