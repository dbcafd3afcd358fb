#include "runner/trainer.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "core/error.h"
#include "core/seed.h"
#include "runner/layers.h"
#include "runner/probe.h"
#include "triage/rule.h"

namespace dynfault::runner {

const std::map<std::string, std::unique_ptr<Probe> (*)()>& probe_factories();  // generated: probe_table.cpp

std::unique_ptr<Probe> make_probe(const std::string& name) {
  const auto& factories = probe_factories();
  const auto it = factories.find(name);
  if (it == factories.end()) throw Error("probes", "unknown probe '" + name + "'");
  return it->second();
}

std::vector<std::string> linked_probes() {
  std::vector<std::string> names;
  for (const auto& [name, make] : probe_factories()) names.push_back(name);
  return names;
}

torch::Tensor to_torch(const Tensor& t) {
  const int64_t expected = std::accumulate(t.shape.begin(), t.shape.end(), int64_t{1}, std::multiplies<int64_t>());
  if (t.shape.empty() || expected != static_cast<int64_t>(t.values.size()))
    throw Error("data", "tensor shape does not match its " + std::to_string(t.values.size()) + " values");
  return torch::from_blob(const_cast<float*>(t.values.data()), t.shape, torch::kFloat32).clone();
}

PreparedRun prepare_run(const RunRequest& request) {
  detail::set_fused_recurrent(request.recurrent != "cell");  // a process trains one run at a time
  PreparedRun run;
  run.spec = apply_scale(request.spec, request.scale);
  const ProgramData data = generate_data(run.spec, derive_seed(request.seed, "data"));
  run.train_x = to_torch(data.train.x);
  run.train_y = to_torch(data.train.y);
  run.val_x = to_torch(data.val.x);
  run.val_y = to_torch(data.val.y);
  if (run.train_x.size(0) == 0) throw Error(run.spec.source, "the data recipe gives no training samples");

  at::Generator init = at::detail::createCPUGenerator(derive_seed(request.seed, "init"));
  run.model = build_model(run.spec, run.spec.input_shape, init);
  if (run.model->needs_adapt()) run.model->adapt(run.train_x);  // Keras Normalization.adapt(x_train) before fit
  const std::vector<int64_t> out_shape = output_shape(*run.model, run.spec.input_shape);
  const auto y_sizes = run.train_y.sizes();
  const std::vector<int64_t> target_shape(y_sizes.begin() + 1, y_sizes.end());
  run.accuracy_kind = resolve_accuracy(run.spec, out_shape, target_shape);

  std::vector<torch::Tensor> params;
  for (auto& group : run.model->param_groups())
    for (auto& p : group.params) params.push_back(p);
  run.optimizer = make_optimizer(run.spec.optimizer, params);
  return run;
}

void record_failure(Trace& trace, const std::string& message) {
  if (trace.epochs() == 0) {
    // Crashed: metadata and the error only.
    trace.status = RunStatus::Crashed;
    trace.channel_names.clear();
    trace.channel_units.clear();
    trace.values.clear();
    trace.layer_series.clear();
    trace.at_init.clear();
  } else {
    trace.status = RunStatus::Failed;
  }
  trace.error = message.empty() ? "unknown error" : message;
}

BatchLoss forward_loss(KerasModelImpl& model, const LossSpec& loss, const torch::Tensor& x, const torch::Tensor& y) {
  BatchLoss out;
  out.prediction = model.forward(x);
  out.loss = keras_loss(loss, out.prediction, y, model.output_logits());
  return out;
}

SplitScore evaluate_split(KerasModelImpl& model, const ProgramSpec& spec, AccuracyKind kind, const torch::Tensor& x,
                          const torch::Tensor& y) {
  constexpr int64_t kChunk = 1024;
  const int64_t n = x.size(0);
  if (n == 0) return {std::nan(""), std::nan("")};
  torch::NoGradGuard no_grad;
  EvalModeGuard eval(model);
  double loss_sum = 0, acc_sum = 0;
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t end = std::min(n, start + kChunk);
    const torch::Tensor xb = x.slice(0, start, end), yb = y.slice(0, start, end);
    const BatchLoss b = forward_loss(model, spec.loss, xb, yb);
    const double rows = static_cast<double>(end - start);
    loss_sum += b.loss.item<double>() * rows;
    acc_sum += accuracy(kind, b.prediction, yb) * rows;
  }
  // Keras adds the weight penalties to every logged loss, validation included.
  const torch::Tensor reg = model.regularization_loss();
  const double penalty = reg.defined() ? reg.item<double>() : 0.0;
  return {loss_sum / static_cast<double>(n) + penalty, acc_sum / static_cast<double>(n)};
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Keras EarlyStopping(monitor='val_loss', min_delta=0, mode='min').
class EarlyStopping {
 public:
  explicit EarlyStopping(int patience) : patience_(patience) {}
  bool should_stop(int64_t epoch, double val_loss) {
    if (patience_ < 0) return false;
    ++wait_;
    if (val_loss < best_) {  // NaN never improves
      best_ = val_loss;
      wait_ = 0;
      return false;
    }
    return wait_ >= patience_ && epoch > 0;
  }

 private:
  int patience_;
  int wait_ = 0;
  double best_ = std::numeric_limits<double>::infinity();
};

struct ProbeSlot {
  std::unique_ptr<Probe> probe;
  size_t first_series = 0;  // index of its first series in trace.layer_series
  size_t n_channels = 0, n_series = 0;
};

}  // namespace

ProbeContext probe_context(PreparedRun& run, const RunRequest& request) {
  ProbeContext ctx(run.spec, *run.model, *run.optimizer);
  ctx.groups = run.model->param_groups();
  for (size_t g = 0; g < ctx.groups.size(); ++g)
    for (auto& p : ctx.groups[g].params) {
      ctx.params.push_back(p);
      ctx.param_group.push_back(g);
    }
  const int64_t n = run.train_x.size(0);
  const int64_t probe_rows = std::min<int64_t>(std::max(1, request.probe_batch), n);
  ctx.probe_x = run.train_x.slice(0, 0, probe_rows);
  ctx.probe_y = run.train_y.slice(0, 0, probe_rows);
  if (run.train_y.numel() > 0) {
    const torch::Tensor y = run.train_y.to(torch::kFloat64);
    ctx.label_min = y.min().item<double>();
    ctx.label_max = y.max().item<double>();
  }
  ctx.seed = request.seed;
  ctx.hvp_vectors = std::max(1, request.hvp_vectors);
  return ctx;
}

void train(PreparedRun& run, const RunRequest& request, Trace& trace, TrainTiming* timing) {
  KerasModelImpl& model = *run.model;
  const ProgramSpec& spec = run.spec;
  const int64_t n = run.train_x.size(0);
  const int64_t batch = spec.batch_size;
  if (batch <= 0) throw Error(spec.source, "batch_size must be positive");
  const int64_t steps = (n + batch - 1) / batch;

  ProbeContext ctx = probe_context(run, request);

  std::vector<ProbeSlot> probes;
  // In the set's (name) order, which fixes the order of the trace's channels.
  for (const auto& name : request.probes.names) probes.push_back({make_probe(name)});

  std::vector<std::string> names = {"train_loss", "train_acc", "val_loss", "val_acc", "sys_wall_seconds"};
  std::vector<std::string> units = {"loss", "fraction", "loss", "fraction", "s"};
  for (auto& slot : probes) {
    const auto channels = slot.probe->channels(ctx);
    slot.n_channels = channels.size();
    for (const auto& c : channels) {
      names.push_back(c.name);
      units.push_back(c.unit);
    }
    slot.first_series = trace.layer_series.size();
    for (auto& s : slot.probe->layer_series(ctx)) {
      trace.layer_series.push_back({s.name, s.unit, s.layers, {}});
      ++slot.n_series;
    }
  }
  if (std::set<std::string>(names.begin(), names.end()).size() != names.size())
    throw Error("probes", "two probes declare the same channel");
  trace.set_channels(names, units);

  const auto init_start = Clock::now();
  for (auto& slot : probes)
    for (const auto& [k, v] : slot.probe->at_init(ctx)) trace.at_init[k] = v;
  if (timing) timing->init_probes = seconds_since(init_start);

  // Triage (docs/triage.md). A run the rule lets pass is bit-identical to one
  // trained without it; a stopped one keeps its epochs and names the rule.
  const triage::Rule* rule = request.triage.get();
  if (rule) {
    std::vector<std::string> logged = names;  // the probe rows' channels, or the at_init keys
    if (rule->epoch == "at_init") {
      logged.clear();
      for (const auto& kv : trace.at_init) logged.push_back(kv.first);
    }
    const std::string missing = triage::missing_channels(*rule, logged);
    if (!missing.empty()) throw Error("--triage", missing);
  }
  auto terminate = [&](const std::function<double(const std::string&)>& value) {
    if (!triage::decide(*rule, value).terminate) return false;
    trace.status = RunStatus::Terminated;
    trace.triage_rule = triage::checksum(*rule);
    return true;
  };
  if (rule && rule->epoch == "at_init" &&
      terminate([&](const std::string& c) { return trace.at_init.count(c) ? trace.at_init.at(c) : std::nan(""); }))
    return;

  // Dropout masks draw from their own stream; shuffling has its own per epoch
  // and probes use theirs, so probes never move the training streams. The
  // default generator is seeded too, for any op that falls back to it.
  model.set_dropout_generator(at::detail::createCPUGenerator(derive_seed(request.seed, "dropout")));
  torch::manual_seed(derive_seed(request.seed, "default"));

  EarlyStopping early_stopping(spec.early_stopping_patience);
  model.train();
  for (int64_t epoch = 0; epoch < spec.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    for (auto& slot : probes) slot.probe->on_epoch_begin(ctx, epoch);

    at::Generator shuffle = at::detail::createCPUGenerator(
        derive_seed(request.seed, "shuffle/epoch=" + std::to_string(epoch)));
    const torch::Tensor order = torch::randperm(n, shuffle, torch::kLong);
    double loss_sum = 0, acc_sum = 0;
    for (int64_t step = 0; step < steps; ++step) {
      const int64_t start = step * batch, end = std::min(n, start + batch);
      const torch::Tensor idx = order.slice(0, start, end);
      const torch::Tensor xb = run.train_x.index_select(0, idx);
      const torch::Tensor yb = run.train_y.index_select(0, idx);
      run.optimizer->zero_grad();
      const BatchLoss b = forward_loss(model, spec.loss, xb, yb);
      torch::Tensor loss = b.loss;
      const torch::Tensor reg = model.regularization_loss();
      if (reg.defined() && reg.requires_grad()) loss = loss + reg;  // a penalty-free model returns a constant 0
      loss.backward();
      for (auto& slot : probes) slot.probe->on_step(ctx, step, step == steps - 1);
      run.optimizer->step();
      const double rows = static_cast<double>(end - start);
      loss_sum += loss.item<double>() * rows;
      acc_sum += accuracy(run.accuracy_kind, b.prediction.detach(), yb) * rows;
    }

    const auto validation_start = Clock::now();
    EpochPerformance perf;
    perf.epoch = epoch;
    perf.train_loss = loss_sum / static_cast<double>(n);
    perf.train_acc = acc_sum / static_cast<double>(n);
    const SplitScore val = evaluate_split(model, spec, run.accuracy_kind, run.val_x, run.val_y);
    perf.val_loss = val.loss;
    perf.val_acc = val.accuracy;

    const auto probes_start = Clock::now();
    // --of-compat v2: the published OF callback multiplied the learning rate by 0.9 at every epoch
    // end and logged the new value (adjusted_lr), so the rescale comes before the probes measure.
    if (request.of_compat == "v2") run.optimizer->set_learning_rate(run.optimizer->learning_rate() * 0.9);
    std::vector<double> row = {perf.train_loss, perf.train_acc, perf.val_loss, perf.val_acc, 0.0};
    std::vector<std::vector<double>> series_rows(trace.layer_series.size());
    for (auto& slot : probes) {
      ProbeRow pr = slot.probe->on_epoch_end(ctx, perf);
      if (pr.channels.size() != slot.n_channels || pr.series.size() != slot.n_series)
        throw Error("probes", "a probe returned a row that does not match its declared channels");
      row.insert(row.end(), pr.channels.begin(), pr.channels.end());
      for (size_t s = 0; s < slot.n_series; ++s) {
        if (pr.series[s].size() != trace.layer_series[slot.first_series + s].layers.size())
          throw Error("probes", "layer series '" + trace.layer_series[slot.first_series + s].name +
                                    "' returned the wrong number of layers");
        series_rows[slot.first_series + s] = std::move(pr.series[s]);
      }
    }
    row[4] = seconds_since(epoch_start);
    if (timing) {
      const auto d = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
      timing->epochs.push_back({d(epoch_start, validation_start), d(validation_start, probes_start),
                                d(probes_start, Clock::now())});
    }
    trace.append_epoch(row);
    for (size_t s = 0; s < series_rows.size(); ++s) {
      auto& values = trace.layer_series[s].values;
      values.insert(values.end(), series_rows[s].begin(), series_rows[s].end());
    }

    // Divergence: a validation split may be empty (NaN by construction).
    const bool has_val = run.val_x.size(0) > 0;
    const bool non_finite = !std::isfinite(perf.train_loss) || (has_val && !std::isfinite(perf.val_loss));
    const bool too_large = perf.train_loss > kUnstableLoss || (has_val && perf.val_loss > kUnstableLoss);
    if ((non_finite || too_large) && !trace.unstable) {
      trace.unstable = true;
      trace.first_unstable_epoch = epoch;
    }
    if (rule && rule->epoch == "after_epoch_0" && epoch == 0 &&
        terminate([&](const std::string& c) { return trace.value(0, *trace.channel_index(c)); }))
      break;
    if (non_finite) break;  // every later epoch would be NaN as well
    if (has_val && early_stopping.should_stop(epoch, perf.val_loss)) break;
  }
}

}  // namespace dynfault::runner
