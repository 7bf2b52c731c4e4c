// libFuzzer target for the GGUF reader: any byte string must parse or fail with a Status, never
// crash, hang or over-allocate. When it parses, every tensor is dequantized so the data pointers
// and sizes the reader computed are exercised too (ASan checks they stay inside the input).
#include <cstddef>
#include <cstdint>
#include <span>

#include "gguf/describe.h"
#include "gguf/file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  Result<gguf::File> file = gguf::File::parse(std::span<const uint8_t>(data, size), "fuzz-input");
  if (!file.ok()) return 0;
  (void)gguf::describe_text(*file, {});
  constexpr int64_t kMaxElementsToDecode = int64_t{1} << 22;
  for (const auto& tensor : file->tensors()) {
    if (tensor.n_elements() <= kMaxElementsToDecode) (void)gguf::dequantize(tensor);
  }
  return 0;
}
