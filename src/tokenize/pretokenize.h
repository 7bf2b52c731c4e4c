// Byte-level BPE pre-tokenization: the regexes that cut text into words before merges, selected by
// tokenizer.ggml.pre. A family may split in several steps (Hugging Face's Sequence of Split
// pre-tokenizers): each step splits every piece the previous one left, keeping matches and the
// text between them as pieces. Matching uses PCRE2 in UTF + UCP mode (so \p{L}, \p{N}, \s are
// Unicode-aware) and JIT when available. Invalid UTF-8 never matches; such bytes become words of
// their own, so the words always cover the whole input and byte-level BPE can still encode them. A
// compiled pattern is immutable: one PreTokenizer may be used from many threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tessera {

class PreTokenizer {
 public:
  // `pre` is a tokenizer.ggml.pre name; `source` names the file for the error of an unknown one.
  static Result<PreTokenizer> create(std::string_view pre, const std::string& source);
  // From an explicit PCRE2 pattern (tests and future pre-tokenizers).
  static Result<PreTokenizer> from_pattern(const std::string& pattern);
  // A Sequence of Split steps: each pattern splits every piece the previous one left.
  static Result<PreTokenizer> from_patterns(const std::vector<std::string>& patterns);

  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;
  ~PreTokenizer();

  // Appends the words of `text` to `words` (views into `text`, in order, covering all of it).
  void split(std::string_view text, std::vector<std::string_view>& words) const;

  // Whether a word that is itself a token skips the merges (llama3 vocabularies need this).
  bool ignore_merges() const { return ignore_merges_; }

 private:
  struct Compiled;
  PreTokenizer() = default;

  std::unique_ptr<Compiled> compiled_;
  bool ignore_merges_ = false;
};

// The names create() accepts, for messages and docs.
std::string supported_pre_tokenizers();

}  // namespace tessera
