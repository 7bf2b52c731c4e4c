// One loaded model of the repository: its config, the model charged to its slice (SliceModel for
// decoders, EncoderInstance for encoders), its engine, and its observer. Frontends only submit to
// the engine; nothing here knows about HTTP.
#pragma once

#include <memory>
#include <optional>

#include "base/status.h"
#include "runtime/encode_engine.h"
#include "runtime/encoder_instance.h"
#include "runtime/generate_engine.h"
#include "runtime/slice_model.h"
#include "runtime/step_runner.h"
#include "serve/device_runtime.h"
#include "serve/model_config.h"
#include "serve/serve_metrics.h"
#include "tokenize/chat_template.h"
#include "tokenize/tokenizer.h"

namespace tessera::serve {

class ModelInstance {
 public:
  // Loads into the config's slice: ResourceExhausted with the footprint explanation when it does
  // not fit, NotFound for an unknown slice, the reader's error for a bad file.
  static Result<std::unique_ptr<ModelInstance>> load(const ModelConfig& config,
                                                     DeviceRuntime& device, Metrics& metrics);
  ~ModelInstance();  // drains the engine before the model goes

  const ModelConfig& config() const { return config_; }
  ModelKind kind() const { return config_.kind; }
  ModelObserver& observer() { return observer_; }
  const ModelObserver& observer() const { return observer_; }
  uint64_t memory_bytes() const { return memory_bytes_; }

  // Every model's tokenizer (an encoder's is its Encoder's).
  const Tokenizer* tokenizer() const;
  // Generate models (nullptr otherwise).
  GenerateEngine* generator() { return generator_.get(); }
  const ChatTemplate* chat_template() const { return chat_template_ ? &*chat_template_ : nullptr; }
  // Embed and rerank models (nullptr otherwise).
  EncodeEngine* encoder() { return encoder_.get(); }
  int64_t embedding_dim() const;

  size_t queued() const;
  // Refuses new requests and finishes the queued and running ones.
  void drain();

 private:
  ModelInstance(const ModelConfig& config, DeviceRuntime& device, Metrics& metrics);

  ModelConfig config_;
  ModelObserver observer_;
  SchedulerStepRunner runner_;
  uint64_t memory_bytes_ = 0;
  std::unique_ptr<SliceModel> decoder_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::optional<ChatTemplate> chat_template_;
  std::unique_ptr<EncoderInstance> encoder_model_;
  // Engines last: destroyed (drained) first, while the models they run still exist.
  std::unique_ptr<GenerateEngine> generator_;
  std::unique_ptr<EncodeEngine> encoder_;
};

}  // namespace tessera::serve
