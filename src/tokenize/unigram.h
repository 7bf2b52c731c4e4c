// SentencePiece unigram (tokenizer.ggml.model = "t5"; llama.cpp calls it UGM), used by T5 and by
// XLM-RoBERTa-style encoders (bge-m3, bge-reranker-v2-m3), with llama.cpp's semantics:
//   1. normalize each raw fragment (see unigram_normalizer.h);
//   2. pick the segmentation into pieces whose scores (tokenizer.ggml.scores, log probabilities)
//      sum highest - Viterbi over the lattice of pieces starting at each character. Normal,
//      user-defined and unused pieces take part; user-defined ones score 0 so they win over any
//      normal spelling. A character no piece covers by itself may become the unknown token, scored
//      kUnknownPenalty below the lowest normal piece; a run of unknowns becomes one unknown token.
//      Ties keep the segmentation found first (the earliest start of the last piece).
// Special tokens: BOS/EOS come from tokenizer.ggml.add_bos_token / add_eos_token, else llama.cpp's
// defaults for this model (no BOS, EOS yes); EOS defaults to id 1 and the unknown token to id 2
// when their keys are absent, as llama.cpp assumes for T5.
#pragma once

#include <memory>

#include "base/status.h"
#include "gguf/file.h"
#include "tokenize/tokenizer.h"
#include "tokenize/vocabulary.h"

namespace tessera {

// How far below the lowest normal piece's score an unknown character scores (SentencePiece's
// kUnkPenalty, which llama.cpp uses too).
inline constexpr float kUnknownPenalty = 10.0f;

// Reads tokenizer.ggml.{precompiled_charsmap, remove_extra_whitespaces} beside the vocabulary.
// Errors name the file and key: a malformed charsmap, or no unknown token.
Result<std::unique_ptr<Tokenizer>> make_unigram_tokenizer(const gguf::File& file, Vocabulary vocab);

}  // namespace tessera
