#include "tokenize/pretokenize.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>

namespace tessera {

namespace {

// GPT-2 (openai/gpt-2 encoder.py).
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Llama 3 (its tokenizer.json Split pre-tokenizer). The published form starts with
// (?i:'s|'t|...); the case-insensitive group is spelled out with ASCII classes, as llama.cpp does,
// so that Unicode case folding cannot widen it (e.g. 's' also matching U+017F LATIN SMALL LETTER
// LONG S).
constexpr std::string_view kLlama3Pattern =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Qwen2 (its tokenizer.json): as Llama 3 but digits are split one by one.
constexpr std::string_view kQwen2Pattern =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

struct PreTokenizerSpec {
  std::string_view name;
  std::string_view pattern;
  bool ignore_merges;
};

// "default" follows GPT-2 here; llama.cpp names the GPT-2 regex "gpt-2" in the files it writes.
constexpr std::array<PreTokenizerSpec, 7> kSpecs = {{
    {"default", kGpt2Pattern, false},
    {"gpt2", kGpt2Pattern, false},
    {"gpt-2", kGpt2Pattern, false},
    {"llama3", kLlama3Pattern, true},
    {"llama-bpe", kLlama3Pattern, true},
    {"llama-v3", kLlama3Pattern, true},
    {"qwen2", kQwen2Pattern, false},
}};

}  // namespace

struct PreTokenizer::Compiled {
  pcre2_code* code = nullptr;
  ~Compiled() { pcre2_code_free(code); }
};

PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;
PreTokenizer::~PreTokenizer() = default;

std::string supported_pre_tokenizers() {
  std::string names;
  for (const PreTokenizerSpec& spec : kSpecs) {
    if (!names.empty()) names += ", ";
    names += spec.name;
  }
  return names;
}

Result<PreTokenizer> PreTokenizer::create(std::string_view pre, const std::string& source) {
  for (const PreTokenizerSpec& spec : kSpecs) {
    if (spec.name != pre) continue;
    TESSERA_ASSIGN_OR_RETURN(PreTokenizer tokenizer, from_pattern(std::string(spec.pattern)));
    tokenizer.ignore_merges_ = spec.ignore_merges;
    return tokenizer;
  }
  return unimplemented(
      source + ": metadata key 'tokenizer.ggml.pre' = \"" + std::string(pre) +
      "\" is not a supported pre-tokenizer (supported: " + supported_pre_tokenizers() + ")");
}

Result<PreTokenizer> PreTokenizer::from_pattern(const std::string& pattern) {
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error,
                                   &error_offset, nullptr);
  if (code == nullptr) {
    std::array<PCRE2_UCHAR, 256> message{};
    pcre2_get_error_message(error, message.data(), message.size());
    return invalid_argument("pre-tokenizer pattern does not compile at offset " +
                            std::to_string(error_offset) + ": " +
                            reinterpret_cast<const char*>(message.data()));
  }
  // JIT is an optimisation only: without it pcre2_match interprets the same pattern.
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  PreTokenizer tokenizer;
  tokenizer.compiled_ = std::make_unique<Compiled>();
  tokenizer.compiled_->code = code;
  return tokenizer;
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& words) const {
  // Per call, so concurrent callers never share match state.
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(compiled_->code, nullptr), &pcre2_match_data_free);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = 0;
  while (pos < text.size()) {
    const int rc = match == nullptr ? PCRE2_ERROR_NOMEMORY
                                    : pcre2_match(compiled_->code, subject, text.size(), pos, 0,
                                                  match.get(), nullptr);
    if (rc < 0) {
      // No further match (only invalid UTF-8 left) or a resource limit hit: the rest is one word,
      // which byte-level BPE still encodes exactly.
      words.push_back(text.substr(pos));
      return;
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    const size_t start = ovector[0];
    const size_t end = ovector[1];
    if (start > pos) words.push_back(text.substr(pos, start - pos));  // bytes no match covers
    if (end == start) {
      // Every alternative consumes at least one character; guard against a pattern that does not.
      words.push_back(text.substr(start, 1));
      pos = start + 1;
      continue;
    }
    words.push_back(text.substr(start, end - start));
    pos = end;
  }
}

}  // namespace tessera
