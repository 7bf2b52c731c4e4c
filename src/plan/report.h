// The plan as text (the decision-flow trace, placement, TCO, comparison), as JSON, and as a
// self-contained HTML page with inline SVG charts (report_html.cc).
#pragma once

#include <string>

#include "plan/planner.h"

namespace tessera::plan {

std::string render_text(const Plan& plan);
std::string render_json(const Plan& plan);
std::string render_html(const Plan& plan);

// "L4-12C" or "whole GPU" / "whole GPU (TP 2/4)".
std::string slot_label(const PlacedSlice& slice);

}  // namespace tessera::plan
