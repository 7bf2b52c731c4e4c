#include "serve/model_instance.h"

namespace tessera::serve {

ModelInstance::ModelInstance(const ModelConfig& config, DeviceRuntime& device, Metrics& metrics)
    : config_(config),
      observer_(metrics, config.name),
      runner_(device.scheduler(), device.slice_index(config.slice), device.backend()) {}

ModelInstance::~ModelInstance() { drain(); }

Result<std::unique_ptr<ModelInstance>> ModelInstance::load(const ModelConfig& config,
                                                           DeviceRuntime& device,
                                                           Metrics& metrics) {
  Slice* slice = device.slice(config.slice);
  if (slice == nullptr) {
    std::string names;
    for (const auto& s : device.slices()) names += (names.empty() ? "" : ", ") + s->name();
    return not_found("slice '" + config.slice + "' is not in " + device.config().source +
                     " (slices: " + names + ")");
  }
  const std::vector<CapacityOption> larger = larger_capacities(device.config(), slice->spec());
  std::unique_ptr<ModelInstance> m(new ModelInstance(config, device, metrics));
  if (config.kind == ModelKind::kGenerate) {
    SliceModelOptions options;
    options.context = config.context;
    options.sequences = config.max_sequences;
    options.batch_tokens = config.max_batch_tokens;
    TESSERA_ASSIGN_OR_RETURN(m->decoder_, SliceModel::load(config.file, *slice, options, larger));
    m->memory_bytes_ = m->decoder_->footprint().total_bytes();
    TESSERA_ASSIGN_OR_RETURN(m->tokenizer_, make_tokenizer(m->decoder_->model().file()));
    const gguf::Value* source = m->decoder_->model().file().find("tokenizer.chat_template");
    if (source != nullptr && source->is_string()) {
      Result<ChatTemplate> parsed = ChatTemplate::parse(source->as_string());
      if (!parsed.ok()) {
        return invalid_argument(config.file +
                                ": tokenizer.chat_template: " + parsed.status().message());
      }
      m->chat_template_ = std::move(*parsed);
    }
    GenerateEngineOptions options_engine;
    options_engine.max_sequences = config.max_sequences;
    options_engine.max_queued = static_cast<size_t>(config.max_queue);
    options_engine.prefill_chunk_tokens = config.prefill_chunk_tokens;
    m->generator_ = std::make_unique<GenerateEngine>(*m->decoder_, *m->tokenizer_, m->runner_,
                                                     options_engine, &m->observer_);
    return m;
  }
  TESSERA_ASSIGN_OR_RETURN(
      m->encoder_model_,
      EncoderInstance::load(config.file, *slice, config.max_batch_tokens, larger));
  m->memory_bytes_ = m->encoder_model_->footprint().total_bytes();
  if (m->encoder_model_->kind() != config.kind) {
    return invalid_argument(config.file + " is a " + model_kind_name(m->encoder_model_->kind()) +
                            " model but model.yaml says kind: " + model_kind_name(config.kind));
  }
  EncodeEngineOptions options;
  options.max_batch = config.max_batch;
  options.max_queue_delay_us = config.max_queue_delay_us;
  options.preferred_batch_sizes = config.preferred_batch_sizes;
  options.default_timeout_us = config.timeout_us;
  options.max_queue_size = static_cast<size_t>(config.max_queue);
  options.encode.max_batch_tokens = config.max_batch_tokens;
  if (config.kind == ModelKind::kEmbed) {
    TESSERA_RETURN_IF_ERROR(m->encoder_model_->encoder().embed_pooling(options.encode).status());
  }
  m->encoder_ = std::make_unique<EncodeEngine>(m->encoder_model_->encoder(),
                                               config.kind == ModelKind::kRerank, m->runner_,
                                               options, &m->observer_);
  return m;
}

const Tokenizer* ModelInstance::tokenizer() const {
  if (tokenizer_) return tokenizer_.get();
  return encoder_model_ ? &encoder_model_->encoder().tokenizer() : nullptr;
}

int64_t ModelInstance::embedding_dim() const {
  return encoder_model_ ? encoder_model_->encoder().model().config().dim : 0;
}

size_t ModelInstance::queued() const {
  if (generator_) return generator_->queued();
  if (encoder_) return encoder_->queued();
  return 0;
}

void ModelInstance::drain() {
  if (generator_) generator_->drain();
  if (encoder_) encoder_->drain();
}

}  // namespace tessera::serve
