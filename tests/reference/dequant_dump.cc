// dequant_dump: writes what the C++ reader and dequantizers make of every tensor in a GGUF file, so
// the NumPy oracle (tests/reference/test_oracle.py) can compare it with its own independent
// reading.
//
// Usage: dequant_dump FILE.gguf OUTDIR
//   OUTDIR/<index>.f32  raw little-endian float32 of tensor <index> (ggml order, dims[0] fastest)
//   OUTDIR/index.json   [{"index", "name", "type", "dims"}] in file order
// Exit status 0 on success, 1 on any error (the Status or I/O failure is printed to stderr).
#include <bit>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gguf/file.h"
#include "tensor/dtype.h"

namespace {

static_assert(std::endian::native == std::endian::little,
              "the .f32 dumps are written in host order");

bool write_file(const std::filesystem::path& path, const void* data, size_t size_bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size_bytes));
  out.close();
  if (!out) {
    std::cerr << "dequant_dump: cannot write " << path.string() << "\n";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: dequant_dump FILE.gguf OUTDIR\n";
    return 1;
  }
  const std::string path = argv[1];
  const std::filesystem::path out_dir = argv[2];

  auto file = tessera::gguf::File::open(path);
  if (!file.ok()) {
    std::cerr << file.status().to_string() << "\n";
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    std::cerr << "dequant_dump: cannot create " << out_dir.string() << ": " << ec.message() << "\n";
    return 1;
  }

  nlohmann::json index = nlohmann::json::array();
  const auto& tensors = file->tensors();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const tessera::gguf::TensorInfo& tensor = tensors[i];
    const std::vector<float> values = tessera::gguf::dequantize(tensor);
    if (static_cast<int64_t>(values.size()) != tensor.n_elements()) {
      std::cerr << "dequant_dump: " << path << ": tensor " << tensor.name
                << ": dequantize returned " << values.size() << " values for "
                << tensor.n_elements() << " elements\n";
      return 1;
    }
    if (!write_file(out_dir / (std::to_string(i) + ".f32"), values.data(),
                    values.size() * sizeof(float))) {
      return 1;
    }
    index.push_back({{"index", i},
                     {"name", tensor.name},
                     {"type", tessera::dtype_name(tensor.type)},
                     {"dims", tensor.dims}});
  }
  // Names that are not valid UTF-8 are replaced rather than aborting: the oracle then reports them.
  const std::string text = index.dump(1, ' ', false, nlohmann::json::error_handler_t::replace);
  return write_file(out_dir / "index.json", text.data(), text.size()) ? 0 : 1;
}
