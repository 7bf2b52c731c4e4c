// Writes a synthetic model (models/synthetic.h) into a test's scratch directory.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "models/synthetic.h"
#include "testing/temp_dir.h"

namespace tessera::testing {

// The path of `name` in `dir`, holding the model `spec` describes; a failure fails the test.
inline std::string write_synthetic(const TempDir& dir, const SyntheticSpec& spec,
                                   const std::string& name) {
  const std::string path = dir.file(name);
  Result<gguf::Writer> writer = build_synthetic_model(spec);
  EXPECT_TRUE(writer.ok()) << writer.status().to_string();
  if (writer.ok()) {
    const Status written = writer->write(path);
    EXPECT_TRUE(written.ok()) << written.to_string();
  }
  return path;
}

}  // namespace tessera::testing
