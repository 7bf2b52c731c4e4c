// Total cost of ownership of a placement over N years (catalog `tco.years`, default 3):
// - hardware: GPU price × GPUs + the hosts' share: host price × GPUs / GPUs per host (a fleet
//   of one L4 pays a quarter of a 4-GPU server; the rest of it serves other work)
// - power: (GPU max power × gpu_power_fraction × GPUs + host baseline × host share) × PUE × hours
//   × $/kWh
// - licence: NVIDIA AI Enterprise per GPU-year, only for GPUs shared through vGPU profiles in
//   vGPU sharing mode
// - operations: per host-year × host share
// Cost per million tokens divides by the tokens the fleet serves in that time: each model's
// target rate (else its planned capacity) × average_load, generated tokens for decoders and
// encoded tokens for encoders. Every price is a catalog factor, overridable with --set.
#pragma once

#include <string>
#include <vector>

#include "plan/catalog.h"
#include "plan/placement.h"
#include "plan/sizing.h"
#include "plan/workload.h"

namespace tessera::plan {

struct Tco {
  double years = 0;
  int gpus = 0;
  int hosts = 0;
  double host_share = 0;  // GPUs / GPUs per host
  int licensed_gpus = 0;
  bool priced = false;  // the GPU has a catalog price
  double gpu_usd = 0;
  double host_usd = 0;
  double power_usd = 0;
  double licence_usd = 0;
  double operations_usd = 0;
  double average_power_w = 0;  // at the wall, PUE included
  double tokens = 0;           // served over the period
  double tokens_per_s = 0;

  double hardware_usd() const { return gpu_usd + host_usd; }
  double total_usd() const { return hardware_usd() + power_usd + licence_usd + operations_usd; }
  double usd_per_million_tokens() const { return tokens > 0 ? total_usd() / tokens * 1e6 : 0; }
};

Tco compute_tco(const Placement& placement, const std::vector<Sizing>& sizings,
                const std::vector<ModelRequest>& requests, const Catalog& catalog, Sharing sharing);

}  // namespace tessera::plan
