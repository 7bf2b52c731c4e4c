#include "models/requantize.h"

#include <filesystem>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "models/weight_policy.h"

namespace tessera {

Result<RequantizeReport> requantize_file(const std::string& input_path,
                                         const std::string& output_path,
                                         const RequantizeOptions& options,
                                         const std::function<void(size_t, size_t)>& progress) {
  std::error_code ec;
  if (std::filesystem::exists(output_path, ec) &&
      std::filesystem::equivalent(input_path, output_path, ec)) {
    return invalid_argument(output_path + ": output would overwrite the input file");
  }
  TESSERA_ASSIGN_OR_RETURN(gguf::File input, gguf::File::open(input_path));
  if (!options.allow_requantize) {
    for (const auto& t : input.tensors()) {
      if (is_weight_matrix(t.name, t.dims) && dtype_traits(t.type)->quantized) {
        return invalid_argument(input_path + ": tensor '" + t.name + "' is already " +
                                dtype_name(t.type) +
                                "; re-quantizing compounds the error (pass --allow-requantize)");
      }
    }
  }

  gguf::Writer writer(input.alignment());
  for (const auto& kv : input.metadata()) writer.set(kv.key, kv.value);
  writer.set("general.file_type", gguf::Value::u32(llama_file_type(options.type)));
  if (dtype_traits(options.type)->quantized) {
    constexpr uint32_t kGgmlQuantizationVersion = 2;
    writer.set("general.quantization_version", gguf::Value::u32(kGgmlQuantizationVersion));
  } else {
    writer.remove("general.quantization_version");
  }

  RequantizeReport report;
  report.input_bytes = input.file_size();
  for (const auto& t : input.tensors()) {
    DType target = t.type;
    if (is_weight_matrix(t.name, t.dims)) {
      target = storage_type_for_row(options.type, t.dims[0]);
      ++report.matrices;
      if (target != options.type) ++report.fallbacks;
    } else {
      // Norms and biases stay full precision whatever the input held.
      target = DType::kF32;
      ++report.kept;
    }
    const gguf::TensorInfo* source = &t;
    gguf::Writer::Producer producer = [source, target]() -> Result<std::vector<uint8_t>> {
      if (source->type == target) {
        return std::vector<uint8_t>(source->data, source->data + source->size_bytes);
      }
      const std::vector<float> values = gguf::dequantize(*source);
      const int64_t n = source->n_elements();
      std::vector<uint8_t> bytes(static_cast<size_t>(dtype_bytes(target, n)));
      dtype_traits(target)->from_float(values.data(), bytes.data(), n);
      return bytes;
    };
    TESSERA_RETURN_IF_ERROR(writer.add_tensor(t.name, t.dims, target, std::move(producer)));
  }
  // `input` must stay mapped while the writer pulls tensor data from it.
  TESSERA_RETURN_IF_ERROR(
      writer.write(output_path, [&](size_t done, size_t total, uint64_t, uint64_t) {
        if (progress) progress(done, total);
      }));
  std::error_code size_ec;
  report.output_bytes = std::filesystem::file_size(output_path, size_ec);
  return report;
}

}  // namespace tessera
