// Scales: a spec with caps_for(scale) applied (programs/data/program_data.h).
#include <algorithm>
#include <functional>

#include "programs/data/program_data.h"
#include "programs/data/recipe.h"

namespace dynfault {

using namespace data;

ProgramSpec apply_scale(const ProgramSpec& spec, Scale scale) {
  if (scale == Scale::Full) return spec;
  const ScaleCaps caps = caps_for(scale);
  ProgramSpec out = spec;
  const Ctx ctx = make_ctx(spec);
  auto cap = [&](const char* key, long limit) {
    if (limit < 0 || !out.data.contains(key)) return;
    if (!out.data[key].is_number_integer()) fail(ctx, std::string("data.") + key, "must be an integer");
    out.data[key] = std::min<int64_t>(out.data[key].get<int64_t>(), limit);
  };
  cap("n_train", caps.max_train);
  cap("n_val", caps.max_val);
  if (caps.max_sequence > 0 && spec.sequence_axis >= 0 &&
      spec.sequence_axis < static_cast<int>(spec.input_shape.size()) &&
      spec.input_shape[spec.sequence_axis] > caps.max_sequence) {
    const int64_t old_len = spec.input_shape[spec.sequence_axis];
    const int64_t new_len = caps.max_sequence;
    out.input_shape[spec.sequence_axis] = new_len;
    std::function<void(Json&, const std::string&)> follow = [&](Json& cfg, const std::string& type) {
      if (type == "RepeatVector" && cfg.value("n", Json()) == Json(old_len)) cfg["n"] = new_len;
      if (type == "Reshape" && cfg.contains("target_shape") && cfg["target_shape"].is_array() &&
          static_cast<int>(cfg["target_shape"].size()) > spec.sequence_axis &&
          cfg["target_shape"][spec.sequence_axis] == Json(old_len))
        cfg["target_shape"][spec.sequence_axis] = new_len;
      if ((type == "TimeDistributed" || type == "Bidirectional") && cfg.contains("layer") && cfg["layer"].is_object()) {
        Json inner = cfg["layer"];
        const std::string inner_type = inner.value("type", "");
        follow(inner, inner_type);
        cfg["layer"] = inner;
      }
    };
    for (auto& layer : out.layers) follow(layer.config, layer.type);
    if (out.data.contains("windows") && out.data["windows"].is_object()) {
      Json& w = out.data["windows"];
      const int64_t sampling = w.value("sampling", int64_t{1});
      w["lookback"] = new_len * sampling;
    }
  }
  if (caps.max_epochs > 0) out.epochs = std::min(out.epochs, caps.max_epochs);
  return out;
}

}  // namespace dynfault
