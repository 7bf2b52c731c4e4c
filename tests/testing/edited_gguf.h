// Copies of a GGUF file with metadata keys changed, dropped or added and tensors dropped: how
// tests make the malformed or unusual files a loader must refuse or read.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "testing/temp_dir.h"

namespace tessera::testing {

struct GgufEdit {
  // May change `value`; returning false drops the key.
  std::function<bool(const std::string& key, gguf::Value& value)> edit_key = {};
  // Returning false drops the tensor.
  std::function<bool(const std::string& name)> keep_tensor = {};
  std::vector<std::pair<std::string, gguf::Value>> add_keys = {};
};

// The path of the edited copy ("edited.gguf" in `dir`, overwritten by the next call).
inline std::string edited_gguf(const TempDir& dir, const std::string& path, const GgufEdit& edit) {
  Result<gguf::File> file = gguf::File::open(path);
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  gguf::Writer writer;
  for (const auto& kv : file->metadata()) {
    gguf::Value value = kv.value;
    if (edit.edit_key && !edit.edit_key(kv.key, value)) continue;
    writer.set(kv.key, value);
  }
  for (const auto& [key, value] : edit.add_keys) writer.set(key, value);
  for (const auto& t : file->tensors()) {
    if (edit.keep_tensor && !edit.keep_tensor(t.name)) continue;
    EXPECT_TRUE(
        writer
            .add_tensor(t.name, t.dims, t.type, std::vector<uint8_t>(t.data, t.data + t.size_bytes))
            .ok());
  }
  const std::string out = dir.file("edited.gguf");
  EXPECT_TRUE(writer.write(out).ok());
  return out;
}

// A copy with one key's value replaced.
inline std::string with_metadata(const TempDir& dir, const std::string& path,
                                 const std::string& key, const gguf::Value& value) {
  return edited_gguf(dir, path, {.edit_key = [&](const std::string& k, gguf::Value& v) {
                       if (k == key) v = value;
                       return true;
                     }});
}

}  // namespace tessera::testing
