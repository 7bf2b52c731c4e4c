// Base64 (RFC 4648 §4, with '=' padding), for binary payloads inside JSON: OpenAI's
// `encoding_format: "base64"` embeddings are the little-endian float32 bytes encoded this way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tessera {

std::string base64_encode(const uint8_t* data, size_t size);

}  // namespace tessera
