// CF probe: curvature of the training loss on a fixed probe batch, by
// Hessian-vector products with fresh Rademacher vectors at every epoch end
// (trace-metrics.md, "Recommended HVP estimator"; docs/trace-format.md).
#include <cmath>
#include <random>

#include "core/hvp_profile.h"
#include "core/seed.h"
#include "runner/probe.h"
#include "runner/trainer.h"

namespace dynfault::runner {

std::vector<torch::Tensor> rademacher_like(const std::vector<torch::Tensor>& params, std::mt19937_64& bits) {
  int64_t total = 0;
  for (const auto& p : params) total += p.numel();
  const auto dtype = params.empty() ? torch::kFloat32 : params.front().scalar_type();
  torch::Tensor flat = torch::empty({total}, torch::TensorOptions().dtype(torch::kFloat64));
  double* out = flat.data_ptr<double>();
  uint64_t word = 0;
  for (int64_t i = 0; i < total; ++i) {
    if (i % 64 == 0) word = bits();
    out[i] = (word >> (i % 64)) & 1 ? 1.0 : -1.0;
  }
  if (dtype != torch::kFloat64) flat = flat.to(dtype);
  std::vector<torch::Tensor> v;
  v.reserve(params.size());
  int64_t offset = 0;
  for (const auto& p : params) {
    v.push_back(flat.slice(0, offset, offset + p.numel()).view(p.sizes()));
    offset += p.numel();
  }
  return v;
}

std::vector<std::vector<torch::Tensor>> hessian_vector_products(const torch::Tensor& loss,
                                                                const std::vector<torch::Tensor>& params,
                                                                const std::vector<std::vector<torch::Tensor>>& vectors,
                                                                std::vector<torch::Tensor>* gradient) {
  torch::AutoGradMode grad_mode(true);
  const size_t n = params.size();
  auto zero_filled = [&](std::vector<torch::Tensor> ts) {
    for (size_t i = 0; i < n; ++i)
      if (!ts[i].defined()) ts[i] = torch::zeros_like(params[i]);
    return ts;
  };
  std::vector<std::vector<torch::Tensor>> out;
  if (!loss.requires_grad()) {  // no parameter reaches the loss: H = 0
    if (gradient) *gradient = zero_filled(std::vector<torch::Tensor>(n));
    for (size_t k = 0; k < vectors.size(); ++k) out.push_back(zero_filled(std::vector<torch::Tensor>(n)));
    return out;
  }
  // torch::autograd::grad, never backward(create_graph): graph-carrying .grad
  // fields would leak (toolchain.md §4) and would touch the training state.
  const std::vector<torch::Tensor> g = torch::autograd::grad({loss}, params, {}, /*retain_graph=*/true,
                                                             /*create_graph=*/true, /*allow_unused=*/true);
  // ⟨g, v⟩ as one dot product of the flattened tensors (few ops per vector).
  std::vector<size_t> used;
  std::vector<torch::Tensor> g_parts;
  for (size_t i = 0; i < n; ++i)
    if (g[i].defined()) {
      used.push_back(i);
      g_parts.push_back(g[i].reshape({-1}));
    }
  const torch::Tensor g_flat = g_parts.empty() ? torch::Tensor() : torch::cat(g_parts);
  for (size_t k = 0; k < vectors.size(); ++k) {
    std::vector<torch::Tensor> hv(n);
    if (g_flat.defined() && g_flat.requires_grad()) {
      std::vector<torch::Tensor> v_parts;
      for (size_t i : used) v_parts.push_back(vectors[k][i].reshape({-1}));
      const torch::Tensor s = torch::dot(g_flat, torch::cat(v_parts));
      hv = torch::autograd::grad({s}, params, {}, /*retain_graph=*/k + 1 < vectors.size(), /*create_graph=*/false,
                                 /*allow_unused=*/true);
    }
    out.push_back(zero_filled(std::move(hv)));
  }
  if (gradient) {
    std::vector<torch::Tensor> detached(n);
    for (size_t i = 0; i < n; ++i)
      if (g[i].defined()) detached[i] = g[i].detach();
    *gradient = zero_filled(std::move(detached));
  }
  return out;
}

CurvatureMeasurement measure_curvature(ProbeContext& ctx, uint64_t vector_seed) {
  EvalModeGuard eval(ctx.model);
  torch::AutoGradMode grad_mode(true);
  // The training objective: mean loss plus the weight penalties.
  torch::Tensor loss = forward_loss(ctx.model, ctx.spec.loss, ctx.probe_x, ctx.probe_y).loss;
  const torch::Tensor reg = ctx.model.regularization_loss();
  if (reg.defined() && reg.requires_grad()) loss = loss + reg;

  std::mt19937_64 bits(vector_seed);
  const int k_vectors = std::max(1, ctx.hvp_vectors);
  std::vector<std::vector<torch::Tensor>> vectors;
  for (int k = 0; k < k_vectors; ++k) vectors.push_back(rademacher_like(ctx.params, bits));
  std::vector<torch::Tensor> gradient;
  const auto hvs = hessian_vector_products(loss, ctx.params, vectors, &gradient);

  const size_t n_groups = ctx.groups.size();
  CurvatureMeasurement m;
  m.layer_hvp_norm.assign(n_groups, 0.0);
  m.layer_hutchinson_trace.assign(n_groups, 0.0);
  std::vector<double> norms;
  for (int k = 0; k < k_vectors; ++k) {
    std::vector<double> layer_sq(n_groups, 0.0), layer_trace(n_groups, 0.0);
    for (size_t i = 0; i < ctx.params.size(); ++i) {
      double sq = 0, trace = 0;
      for_each_pair(hvs[k][i], vectors[k][i], [&](double hv, double v) {
        sq += hv * hv;
        trace += v * hv;
      });
      layer_sq[ctx.param_group[i]] += sq;
      layer_trace[ctx.param_group[i]] += trace;
    }
    double total_sq = 0, trace = 0;
    for (size_t l = 0; l < n_groups; ++l) {
      total_sq += layer_sq[l];
      trace += layer_trace[l];
      m.layer_hvp_norm[l] += std::sqrt(layer_sq[l]) / k_vectors;
      m.layer_hutchinson_trace[l] += layer_trace[l] / k_vectors;
    }
    norms.push_back(std::sqrt(total_sq));
    m.hutchinson_trace += trace / k_vectors;
  }
  double sum = 0;
  for (double v : norms) sum += v;
  m.hvp_norm = sum / k_vectors;
  if (k_vectors > 1) {
    double ss = 0;
    for (double v : norms) ss += (v - m.hvp_norm) * (v - m.hvp_norm);
    m.hvp_norm_spread = std::sqrt(ss / (k_vectors - 1));
  } else {
    m.hvp_norm_spread = std::nan("");
  }
  // Population std of all gradient elements, two passes.
  double count = 0, g_sum = 0, g_sq = 0;
  for (const auto& g : gradient) for_each_value(g, [&](double x) { g_sum += x; count += 1; });
  const double g_mean = count > 0 ? g_sum / count : 0.0;
  for (const auto& g : gradient) for_each_value(g, [&](double x) { g_sq += (x - g_mean) * (x - g_mean); });
  m.grad_std = count > 0 ? std::sqrt(g_sq / count) : std::nan("");
  return m;
}

namespace {

// Schema-2 channels: the whole-model norm and its estimator spread, the trace
// and gradient std, then the cross-layer profile (core/hvp_profile.h) that the
// paper's muHVP/sigmaHVP read.
std::vector<double> curvature_row(const CurvatureMeasurement& m) {
  std::vector<double> row = {m.hvp_norm, m.hvp_norm_spread, m.hutchinson_trace, m.grad_std};
  const std::vector<double> profile = values_of(hvp_layer_profile(m.layer_hvp_norm));
  row.insert(row.end(), profile.begin(), profile.end());
  return row;
}

class CurvatureProbe : public Probe {
 public:
  std::vector<ChannelDef> channels(const ProbeContext&) const override {
    std::vector<ChannelDef> out = {{"cf_hvp_norm", "loss/param^2"},
                                   {"cf_hvp_norm_spread", "loss/param^2"},
                                   {"cf_hutchinson_trace", "loss/param^2"},
                                   {"cf_grad_std", "loss/param"}};
    for (const auto& name : hvp_layer_profile_channels())
      out.push_back({name, name == "cf_hvp_layer_log_slope" ? "log10/depth" : "loss/param^2"});
    return out;
  }

  std::vector<LayerSeriesDef> layer_series(const ProbeContext& ctx) const override {
    std::vector<std::string> layers;
    for (const auto& g : ctx.groups) layers.push_back(g.layer);
    return {{"hvp_norm", "loss/param^2", layers}, {"hutchinson_trace", "loss/param^2", layers}};
  }

  std::map<std::string, double> at_init(ProbeContext& ctx) override {
    const CurvatureMeasurement m = measure_curvature(ctx, derive_seed(ctx.seed, "cf/init"));
    std::map<std::string, double> out;
    const auto defs = channels(ctx);
    const std::vector<double> row = curvature_row(m);
    for (size_t i = 0; i < defs.size(); ++i) out[defs[i].name] = row[i];
    for (size_t l = 0; l < ctx.groups.size(); ++l) {
      out["hvp_norm/" + ctx.groups[l].layer] = m.layer_hvp_norm[l];
      out["hutchinson_trace/" + ctx.groups[l].layer] = m.layer_hutchinson_trace[l];
    }
    return out;
  }

  ProbeRow on_epoch_end(ProbeContext& ctx, const EpochPerformance& perf) override {
    const CurvatureMeasurement m =
        measure_curvature(ctx, derive_seed(ctx.seed, "cf/epoch=" + std::to_string(perf.epoch)));
    return {curvature_row(m), {m.layer_hvp_norm, m.layer_hutchinson_trace}};
  }
};

}  // namespace

// mean_hvp, hvp_std: the published V1 columns of the same measurement.
DYNFAULT_PROBE_CHANNELS(cf, "cf_*,mean_hvp,hvp_std")
DYNFAULT_PROBE(cf, "curvature: HVP norm and its spread, Hutchinson trace, gradient std, per-layer HVP norms and their cross-layer profile (muHVP, sigmaHVP) on a fixed probe batch") {
  return std::make_unique<CurvatureProbe>();
}

}  // namespace dynfault::runner
