// Chat messages -> the prompt text a decoder reads: the model's own chat template
// (tokenizer.chat_template) when it has one, else a plain "role: content" transcript ending in
// "assistant:", so chat works with any decoder.
#pragma once

#include <string>

#include "base/status.h"
#include "serve/json_fields.h"
#include "serve/model_instance.h"

namespace tessera::serve {

// Reads body["messages"] (a non-empty list of {role, content} with string content); errors name
// the field ("messages[1].content: expected a string").
Result<std::string> render_chat_prompt(const ModelInstance& model, const Json& body);

}  // namespace tessera::serve
