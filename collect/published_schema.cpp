#include "collect/published_schema.h"

namespace dynfault::collect {

const std::vector<PublishedColumn>& published_columns() {
  using F = CellFormat;
  // Units: "1" dimensionless value, "count" number of items (epoch: index),
  // "flag" 0/1, "%" psutil percentages, "MB" GPU memory peak.
  static const std::vector<PublishedColumn> columns = {
      {"epoch", "epoch", "count", F::Integer, false},
      {"train_loss", "train_loss", "1", F::Real, false},
      {"train_acc", "train_acc", "1", F::Real, false},
      {"val_loss", "val_loss", "1", F::Real, false},
      {"val_acc", "val_acc", "1", F::Real, false},
      {"large_weight_count", "large_weight_count", "count", F::Integer, false},
      {"acc_gap_too_big", "acc_gap_too_big", "flag", F::Integer, true},
      {"loss_oscillation", "loss_oscillation", "flag", F::Integer, true},
      {"dying_relu", "dying_relu", "flag", F::Integer, true},
      {"gradient_vanish", "gradient_vanish", "flag", F::Integer, true},
      {"gradient_explode", "gradient_explode", "flag", F::Integer, true},
      // The four comparison "counts" are 0/1 in the callback (always 1 by a bug).
      {"decrease_acc_count", "decrease_acc_count", "flag", F::Integer, true},
      {"increase_loss_count", "increase_loss_count", "flag", F::Integer, true},
      {"cons_mean_weight_count", "cons_mean_weight_count", "flag", F::Integer, true},
      {"cons_std_weight_count", "cons_std_weight_count", "flag", F::Integer, true},
      {"nan_weight_count", "nan_weight_count", "count", F::Integer, false},
      {"nan_gradients_count", "nan_gradients_count", "count", F::Integer, false},
      {"saturated_activation", "saturated_activation", "flag", F::PythonBool, true},
      {"mean_gradient", "mean_gradient", "1", F::Real, false},
      {"gradient_std", "gradient_std", "1", F::Real, false},
      {"gradient_max", "gradient_max", "1", F::Real, false},
      {"gradient_min", "gradient_min", "1", F::Real, false},
      {"gradient_median", "gradient_median", "1", F::Real, false},
      // dynfault logs the lr each epoch trained with (V2 logged it after its x0.9 side effect, as
      // dynfault does under --of-compat v2).
      {"adjusted_lr", "adjusted_lr", "1", F::Real, false, "learning_rate"},
      {"mean_activation", "mean_activation", "1", F::Real, false},
      {"std_activation", "std_activation", "1", F::Real, false},
      {"mean_grad", "mean_grad", "1", F::Real, false},
      {"std_grad", "std_grad", "1", F::Real, false},
      // Hardware: describe the execution, not the result (core: sys_* channels).
      // dynfault's own process figures: CPU % of one core, resident MiB (not psutil's machine-wide %).
      {"cpu_utilization", "sys_cpu_utilization", "%", F::Real, false, "sys_cpu_percent"},
      {"gpu_memory_utilization", "sys_gpu_memory_utilization", "MB", F::Real, false, nullptr, true},
      {"memory_usage", "sys_memory_usage", "%", F::Real, false, "sys_rss_mb"},
  };
  return columns;
}

const std::string& published_header() {
  static const std::string header = [] {
    std::string h;
    for (const auto& c : published_columns()) {
      if (!h.empty()) h += ',';
      h += c.name;
    }
    return h;
  }();
  return header;
}

int published_column_of_channel(const std::string& channel) {
  const auto& columns = published_columns();
  for (size_t i = 0; i < columns.size(); ++i)
    if (channel == columns[i].channel) return static_cast<int>(i);
  return -1;
}

}  // namespace dynfault::collect
