// A model's configuration in the shape Triton's GET /v2/models/{m}/config returns (its
// model_config.proto as JSON), built from model.yaml and the model's signature, so that
// tritonclient's get_model_config, perf_analyzer and model_analyzer find what they read:
// max_batch_size, input/output with TYPE_* data types and dims, instance_group, the decoupled
// transaction policy of a streaming generate model, and the serving settings as `parameters`.
#pragma once

#include <nlohmann/json.hpp>

#include "serve/model_instance.h"

namespace tessera::serve {

// Every model batches inside its engine (continuous batching for generate, dynamic batching of
// texts for embed and rerank), so a request carries its own list: max_batch_size is 0 and the
// dims are the signature's shapes, -1 where a request chooses the size.
nlohmann::json triton_model_config(const ModelInstance& model);

}  // namespace tessera::serve
