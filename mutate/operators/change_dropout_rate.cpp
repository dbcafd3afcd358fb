// RCD: DeepCrime's change_dropout_rate, per Dropout layer. Values {0.125, 0.25,
// 0.75}: DeepCrime's list {0.125, 0.25, 0.75, 1.0} without 1.0, which Keras
// 2.15 rejects at the first training step (tf.nn.dropout needs rate < 1) and
// the spec format rejects too. Explicit values: any rate in [0, 1).
#include "core/error.h"
#include "mutate/layer_operator.h"

namespace dynfault::mutate {

DYNFAULT_OPERATOR(change_dropout_rate) {
  LayerRule r;
  r.info = {"change_dropout_rate", "RCD", FaultCategory::Regularization, SearchKind::Exhaustive,
            "rate of one Dropout layer", "0.125, 0.25, 0.75 (DeepCrime's list without 1.0)"};
  r.value_key = "rate";
  r.no_target_reason = "the program has no Dropout layer";
  r.not_target = [](const ProgramSpec& s, size_t i) -> std::string {
    return s.layers[i].type == "Dropout" ? "" : "it is not a Dropout layer";
  };
  r.current = [](const ProgramSpec& s, size_t i) { return Json(s.layers[i].config.value("rate", 0.0)); };
  r.catalogue = [](const ProgramSpec&, size_t) { return std::vector<Json>{0.125, 0.25, 0.75}; };
  r.read_value = [](const Params& p, const ProgramSpec&, size_t) {
    const double rate = p.number("rate");
    if (!(rate >= 0 && rate < 1))
      throw Error(p.where(), "parameter 'rate' = " + format_number(rate) + " is out of range [0, 1)");
    return Json(rate);
  };
  r.write = [](ProgramSpec& s, size_t i, const Json& v) { s.layers[i].config["rate"] = v; };
  return std::make_unique<LayerOperator>(std::move(r));
}

}  // namespace dynfault::mutate
