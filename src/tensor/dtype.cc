// The traits table: one row per supported element type, the single place that knows which codec
// implements which type (see dtype.h). Lookups by ggml id and by name also live here.
#include "tensor/dtype.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>

#include "tensor/codecs.h"

namespace tessera {
namespace {

using namespace codecs;  // NOLINT: the table below names every codec

constexpr int64_t kF32Bytes = 4;
constexpr int64_t kHalfBytes = 2;

// clang-format off
constexpr DTypeTraits kTraits[] = {
  // type          name    block elements         block bytes      quantized
  {DType::kF32,  "f32",  1,                     kF32Bytes,       false,
   f32_to_float, f32_from_float, f32_dot_ref},
  {DType::kF16,  "f16",  1,                     kHalfBytes,      false,
   f16_to_float, f16_from_float, f16_dot_ref},
  {DType::kBF16, "bf16", 1,                     kHalfBytes,      false,
   bf16_to_float, bf16_from_float, bf16_dot_ref},
  {DType::kQ8_0, "q8_0", kLegacyBlockElements,  kQ8_0BlockBytes, true,
   q8_0_to_float, q8_0_from_float, q8_0_dot_ref},
  {DType::kQ4_0, "q4_0", kLegacyBlockElements,  kQ4_0BlockBytes, true,
   q4_0_to_float, q4_0_from_float, q4_0_dot_ref},
  {DType::kQ4_K, "q4_k", kSuperBlockElements,   kQ4_KBlockBytes, true,
   q4_k_to_float, q4_k_from_float, q4_k_dot_ref},
  {DType::kQ6_K, "q6_k", kSuperBlockElements,   kQ6_KBlockBytes, true,
   q6_k_to_float, q6_k_from_float, q6_k_dot_ref},
};
// clang-format on

// Names of every ggml type id, including those Tessera cannot decode, so errors can say "q5_k"
// rather than "type 13". Ids ggml retired (4, 5, 31-33, 36-38) have no name. Source: the
// ggml_type enum in ggml/include/ggml.h.
constexpr const char* kGgmlTypeNames[] = {
    "f32",     "f16",   "q4_0",   "q4_1",  "",      "",       "q5_0", "q5_1",    "q8_0",
    "q8_1",    "q2_k",  "q3_k",   "q4_k",  "q5_k",  "q6_k",   "q8_k", "iq2_xxs", "iq2_xs",
    "iq3_xxs", "iq1_s", "iq4_nl", "iq3_s", "iq2_s", "iq4_xs", "i8",   "i16",     "i32",
    "i64",     "f64",   "iq1_m",  "bf16",  "",      "",       "",     "tq1_0",   "tq2_0",
    "",        "",      "",       "mxfp4", "nvfp4", "q1_0",
};

// nullptr for ids ggml never assigned or has retired.
const char* known_ggml_name(uint32_t id) {
  if (id >= std::size(kGgmlTypeNames) || kGgmlTypeNames[id][0] == '\0') return nullptr;
  return kGgmlTypeNames[id];
}

std::string supported_names() {
  std::string names;
  for (const DTypeTraits& t : kTraits) {
    if (!names.empty()) names += ", ";
    names += t.name;
  }
  return names;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

const DTypeTraits* dtype_traits(DType type) {
  for (const DTypeTraits& t : kTraits) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

Result<DType> dtype_from_ggml_id(uint32_t id) {
  if (const DTypeTraits* t = dtype_traits(static_cast<DType>(id))) return t->type;
  const char* name = known_ggml_name(id);
  if (name == nullptr) {
    return unimplemented("unknown ggml tensor type id " + std::to_string(id) +
                         " (supported: " + supported_names() + ")");
  }
  return unimplemented("ggml tensor type id " + std::to_string(id) + " (" + std::string(name) +
                       ") is not supported (supported: " + supported_names() + ")");
}

Result<DType> dtype_from_name(std::string_view name) {
  for (const DTypeTraits& t : kTraits) {
    if (equals_ignore_case(name, t.name)) return t.type;
  }
  return invalid_argument("unknown tensor type \"" + std::string(name) +
                          "\" (supported: " + supported_names() + ")");
}

std::string ggml_type_name(uint32_t id) {
  const char* name = known_ggml_name(id);
  return name != nullptr ? name : "unknown(" + std::to_string(id) + ")";
}

const char* dtype_name(DType type) {
  const DTypeTraits* t = dtype_traits(type);
  return t != nullptr ? t->name : "unknown";
}

int64_t dtype_bytes(DType type, int64_t n_elements) {
  const DTypeTraits* t = dtype_traits(type);
  if (t == nullptr) return 0;
  // Rounds a partial block up, so a misuse over-allocates rather than overruns.
  return (n_elements + t->block_elements - 1) / t->block_elements * t->block_bytes;
}

bool dtype_fits_row(DType type, int64_t row_elements) {
  const DTypeTraits* t = dtype_traits(type);
  return t != nullptr && row_elements > 0 && row_elements % t->block_elements == 0;
}

}  // namespace tessera
