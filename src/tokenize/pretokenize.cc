#include "tokenize/pretokenize.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace tessera {

namespace {

// The patterns are those of each model family's tokenizer.json (Hugging Face `tokenizers`
// pre_tokenizer), as the GGUF converter names them in tokenizer.ggml.pre. A family with a
// Sequence of Split steps lists one pattern per step.

// GPT-2 (openai/gpt-2 encoder.py).
constexpr std::string_view kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Llama 3 (its tokenizer.json Split pre-tokenizer). The published form starts with
// (?i:'s|'t|...); the case-insensitive group is spelled out with ASCII classes so that Unicode
// case folding cannot widen it (e.g. 's' also matching U+017F LATIN SMALL LETTER LONG S).
constexpr std::string_view kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Qwen2: as Llama 3 but digits one by one.
constexpr std::string_view kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Mistral's Tekken: words keep their case runs apart ("HelloWorld" -> "Hello", "World").
constexpr std::string_view kTekken =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// One newline or carriage return on its own, and the CJK/Hangul runs: DeepSeek's first and fifth
// Split steps.
constexpr std::string_view kLineBreak = R"([\r\n])";
constexpr std::string_view kCjkRun = R"([\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+)";

// DeepSeek LLM: an optional space, then a run of cased letters (the explicit ranges of its
// tokenizer.json, not \p{L}: CJK is split apart later), ...
constexpr std::string_view kDeepseekLetters =
    R"(\s?[)"
    R"(A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293})"
    R"(\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A})"
    R"(\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556})"
    R"(\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF})"
    R"(\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D})"
    R"(\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D})"
    R"(\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4})"
    R"(\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4})"
    R"(\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124})"
    R"(\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F})"
    R"(\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4})"
    R"(\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F})"
    R"(\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17})"
    R"(\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3})"
    R"(\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF})"
    R"(\x{1E900}-\x{1E943})"
    R"(]+)";
// ... an optional space and a run of ASCII/full-width punctuation and quotes, trailing spaces.
constexpr std::string_view kDeepseekPunct =
    R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)";
constexpr std::string_view kTrailingSpace = R"(\s+$)";

// DeepSeek V3: digits in threes, kana/CJK runs, then a Llama-3-like rule on punctuation classes.
constexpr std::string_view kDeepseekV3Rest =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Falcon: punctuation runs (Unicode P plus the ASCII symbols Rust's is_ascii_punctuation counts),
// then GPT-2, then digit runs in threes.
constexpr std::string_view kFalconPunct = R"([\p{P}\$\+<=>\^~\|`]+)";
constexpr std::string_view kThreeDigits = R"([0-9][0-9][0-9])";

// Poro, BLOOM, GPT-3 Finnish: everything up to whitespace or sentence punctuation.
constexpr std::string_view kUpToPunct =
    R"( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+)";

constexpr std::string_view kDigit = R"(\p{N})";
constexpr std::string_view kDigitRun = R"(\p{N}+)";
constexpr std::string_view kDigitsInThrees = R"(\p{N}{1,3})";

struct PreTokenizerSpec {
  std::vector<std::string_view> names;
  std::vector<std::string_view> patterns;  // Split steps, applied in order to each piece
  bool ignore_merges;
};

// "default" follows GPT-2 here, as llama.cpp does for a BPE vocabulary.
const std::vector<PreTokenizerSpec>& specs() {
  static const std::vector<PreTokenizerSpec> kSpecs = {
      {{"default", "gpt2", "gpt-2", "phi-2", "mpt", "olmo", "jais", "roberta-bpe", "gigachat",
        "jina-es", "jina-de", "jina-v1-en", "jina-v2-es", "jina-v2-de", "jina-v2-code"},
       {kGpt2},
       false},
      {{"llama3", "llama-bpe", "llama-v3", "falcon3", "dbrx", "smaug-bpe"}, {kLlama3}, true},
      {{"chatglm-bpe"}, {kLlama3}, false},
      {{"qwen2", "deepseek-r1-qwen", "stablelm2", "megrez"}, {kQwen2}, false},
      {{"tekken"}, {kTekken}, true},
      {{"deepseek-llm"},
       {kLineBreak, kDeepseekLetters, kDeepseekPunct, kTrailingSpace, kCjkRun, kDigitRun},
       false},
      {{"deepseek-coder"}, {kLineBreak, R"(\s?\p{L}+)", R"(\s?\p{P}+)", kCjkRun, kDigit}, false},
      {{"deepseek-v3"},
       {kDigitsInThrees, R"([\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)",
        kDeepseekV3Rest},
       false},
      {{"falcon"}, {kFalconPunct, kGpt2, kThreeDigits}, false},
      {{"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"},
       {kDigit, kGpt2},
       false},
      {{"poro-chat", "bloom", "gpt3-finnish"}, {kUpToPunct}, false},
      {{"viking"}, {kUpToPunct, kDigit}, false},
      {{"chameleon"},
       {R"(<sentinel:[0-9]+>)", R"((IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z)", R"(([\t\n]|    |  ))",
        kDigit, R"([\p{P}!-/:-@\[-`{-~])", kGpt2},
       false},
  };
  return kSpecs;
}

}  // namespace

struct PreTokenizer::Compiled {
  std::vector<pcre2_code*> steps;
  ~Compiled() {
    for (pcre2_code* code : steps) pcre2_code_free(code);
  }
};

PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;
PreTokenizer::~PreTokenizer() = default;

std::string supported_pre_tokenizers() {
  std::string names;
  for (const PreTokenizerSpec& spec : specs()) {
    for (std::string_view name : spec.names) {
      if (!names.empty()) names += ", ";
      names += name;
    }
  }
  return names;
}

Result<PreTokenizer> PreTokenizer::create(std::string_view pre, const std::string& source) {
  for (const PreTokenizerSpec& spec : specs()) {
    if (std::find(spec.names.begin(), spec.names.end(), pre) == spec.names.end()) continue;
    TESSERA_ASSIGN_OR_RETURN(
        PreTokenizer tokenizer,
        from_patterns(std::vector<std::string>(spec.patterns.begin(), spec.patterns.end())));
    tokenizer.ignore_merges_ = spec.ignore_merges;
    return tokenizer;
  }
  return unimplemented(
      source + ": metadata key 'tokenizer.ggml.pre' = \"" + std::string(pre) +
      "\" is not a supported pre-tokenizer (supported: " + supported_pre_tokenizers() + ")");
}

Result<PreTokenizer> PreTokenizer::from_pattern(const std::string& pattern) {
  return from_patterns({pattern});
}

Result<PreTokenizer> PreTokenizer::from_patterns(const std::vector<std::string>& patterns) {
  if (patterns.empty()) return invalid_argument("a pre-tokenizer needs at least one pattern");
  PreTokenizer tokenizer;
  tokenizer.compiled_ = std::make_unique<Compiled>();
  for (size_t i = 0; i < patterns.size(); ++i) {
    const std::string& pattern = patterns[i];
    int error = 0;
    PCRE2_SIZE error_offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error,
                                     &error_offset, nullptr);
    if (code == nullptr) {
      std::array<PCRE2_UCHAR, 256> message{};
      pcre2_get_error_message(error, message.data(), message.size());
      return invalid_argument("pre-tokenizer pattern " + std::to_string(i + 1) +
                              " does not compile at offset " + std::to_string(error_offset) + ": " +
                              reinterpret_cast<const char*>(message.data()));
    }
    // JIT is an optimisation only: without it pcre2_match interprets the same pattern.
    (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    tokenizer.compiled_->steps.push_back(code);
  }
  return tokenizer;
}

namespace {

// One Split step with Hugging Face's "isolated" behaviour: every match is a piece, and so is every
// run of text between matches. Matching sees only `piece`, so anchors and lookarounds stop at its
// edges, as they do when `tokenizers` splits each piece as a string of its own.
void split_step(const pcre2_code* code, pcre2_match_data* match, std::string_view piece,
                std::vector<std::string_view>& words) {
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(piece.data());
  size_t gap = 0;     // start of the text no match has covered yet
  size_t search = 0;  // where the next match may start
  while (search < piece.size() && match != nullptr) {
    // A failed match (the rest matches no rule, or is invalid UTF-8) or a resource limit leaves the
    // rest as one piece, which byte-level BPE still encodes exactly.
    if (pcre2_match(code, subject, piece.size(), search, 0, match, nullptr) < 0) break;
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match);
    const size_t start = ovector[0];
    const size_t end = ovector[1];
    if (end == start) {
      // An empty match cuts nothing: search again from the next character.
      search = start + 1;
      while (search < piece.size() && (static_cast<unsigned char>(piece[search]) & 0xC0) == 0x80)
        ++search;
      continue;
    }
    if (start > gap) words.push_back(piece.substr(gap, start - gap));
    words.push_back(piece.substr(start, end - start));
    gap = search = end;
  }
  if (gap < piece.size()) words.push_back(piece.substr(gap));
}

}  // namespace

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& words) const {
  const std::vector<pcre2_code*>& steps = compiled_->steps;
  // Per call, so concurrent callers never share match state; sized for the step with the most
  // capture groups.
  uint32_t most_pairs = 1;
  for (const pcre2_code* code : steps) {
    uint32_t captures = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &captures);
    most_pairs = std::max(most_pairs, captures + 1);
  }
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create(most_pairs, nullptr), &pcre2_match_data_free);
  if (text.empty()) return;
  const size_t first = words.size();
  split_step(steps[0], match.get(), text, words);
  std::vector<std::string_view> pieces;
  for (size_t step = 1; step < steps.size(); ++step) {
    pieces.assign(words.begin() + static_cast<std::ptrdiff_t>(first), words.end());
    words.resize(first);
    for (std::string_view piece : pieces) split_step(steps[step], match.get(), piece, words);
  }
}

}  // namespace tessera
