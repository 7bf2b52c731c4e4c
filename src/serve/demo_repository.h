// The bundled demo: what `tessera serve` serves with no --repository. A three-slice CPU device
// (chat, embed, rerank) and one small synthetic model in each — a llama decoder with a chat
// template, a BERT embedder and a BERT reranker — written with the same code as `tessera pack
// --synthetic`, so nothing is downloaded. The encoders take their WordPiece vocabulary from the
// shared test fixtures (a real bge vocabulary).
#pragma once

#include <string>

#include "base/status.h"

namespace tessera::serve {

// Where the demo lives unless told otherwise (inside the build tree).
std::string default_demo_dir();

// Writes the demo repository into `dir` unless a complete one is already there; returns `dir`.
Result<std::string> ensure_demo_repository(const std::string& dir);

}  // namespace tessera::serve
