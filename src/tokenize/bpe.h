// Byte-level BPE (tokenizer.ggml.model = "gpt2"): the pre-tokenizer named by tokenizer.ggml.pre
// cuts text into words; each word's bytes are mapped to GPT-2's printable code points, then
// adjacent symbols are merged, always the pair whose merge comes first in tokenizer.ggml.merges
// ("left right" per entry), until no adjacent pair has a merge. Merges are resolved to token ids
// once, so a merge step is a hash lookup on two ids and a word costs O(n log n).
#pragma once

#include <memory>

#include "base/status.h"
#include "gguf/file.h"
#include "tokenize/tokenizer.h"
#include "tokenize/vocabulary.h"

namespace tessera {

// Reads tokenizer.ggml.merges from `file`; `vocab` must come from the same file.
Result<std::unique_ptr<Tokenizer>> make_bpe_tokenizer(const gguf::File& file, Vocabulary vocab);

}  // namespace tessera
