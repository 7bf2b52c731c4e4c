// SentencePiece BPE (tokenizer.ggml.model = "llama"), with llama.cpp's semantics: spaces become
// U+2581 "▁", a space prefix is added at the start and after each special token (add_space_prefix,
// default on), then adjacent symbols are merged greedily, always the pair whose merged piece has
// the highest score (ties: leftmost), until no adjacent pair forms a piece. Characters left without
// a piece fall back to <0xXX> byte tokens. Only normal and user-defined pieces take part in merges:
// control, unknown, unused and byte pieces are never spelled out of plain text (as in SentencePiece
// itself).
#pragma once

#include <memory>

#include "base/status.h"
#include "tokenize/tokenizer.h"
#include "tokenize/vocabulary.h"

namespace tessera {

Result<std::unique_ptr<Tokenizer>> make_spm_tokenizer(Vocabulary vocab);

}  // namespace tessera
