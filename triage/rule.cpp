#include "triage/rule.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_fields.h"
#include "core/probe_catalogue.h"
#include "core/sha256.h"

namespace dynfault::triage {
namespace {

constexpr const char* kFormat = "dynfault-triage-rule";
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// JSON has no NaN: undefined precision/recall are written as null.
nlohmann::json number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }
double number_from(const nlohmann::json& j, const char* key, const std::string& where) {
  const nlohmann::json& v = required(j, key, where);
  if (v.is_null()) return kNaN;
  if (!v.is_number()) throw wrong_type(v, key, where);
  return v.get<double>();
}

nlohmann::json counts_json(const Counts& c) {
  return {{"runs", c.runs}, {"tp", c.tp},         {"fp", c.fp},         {"fn", c.fn},
          {"tn", c.tn},     {"precision", number(c.precision)}, {"recall", number(c.recall)}, {"f1", number(c.f1)}};
}
Counts counts_from(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where, "is not an object");
  Counts c;
  c.runs = field<size_t>(j, "runs", where);
  c.tp = field<size_t>(j, "tp", where);
  c.fp = field<size_t>(j, "fp", where);
  c.fn = field<size_t>(j, "fn", where);
  c.tn = field<size_t>(j, "tn", where);
  c.precision = number_from(j, "precision", where);
  c.recall = number_from(j, "recall", where);
  c.f1 = number_from(j, "f1", where);
  return c;
}

nlohmann::json body(const Rule& r) {
  nlohmann::json features = nlohmann::json::array();
  for (const Feature& f : r.features)
    features.push_back({{"name", f.name},
                        {"channel", f.channel},
                        {"transform", f.transform},
                        {"impute", f.impute},
                        {"mean", f.mean},
                        {"scale", f.scale}});
  return {{"format", kFormat},
          {"version", Rule::kFormatVersion},
          {"K", r.K()},
          {"features", features},
          {"centroids", r.centroids},
          {"terminate_cluster", r.terminate_cluster},
          {"epoch", r.epoch},
          {"probe", r.probe},
          {"hvp_vectors", r.hvp_vectors},
          {"probe_batch", r.probe_batch},
          {"instability_threshold", r.instability_threshold},
          {"fit",
           {{"corpus", r.corpus},
            {"corpus_sha256", r.corpus_sha256},
            {"runs", r.fit_runs},
            {"programs", r.fit_programs},
            {"unstable", r.fit_unstable},
            {"seed", r.seed},
            {"restarts", r.restarts}}},
          {"validation", {{"lopo", counts_json(r.lopo)}, {"in_sample", counts_json(r.in_sample)}}}};
}

bool finite_all(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

}  // namespace

Counts with_ratios(Counts c) {
  auto ratio = [](double a, double b) { return b > 0 ? a / b : kNaN; };
  c.precision = ratio(double(c.tp), double(c.tp + c.fp));
  c.recall = ratio(double(c.tp), double(c.tp + c.fn));
  c.f1 = std::isnan(c.precision) || std::isnan(c.recall) || c.precision + c.recall == 0
             ? kNaN
             : 2 * c.precision * c.recall / (c.precision + c.recall);
  return c;
}

double log10_clamped(double x) {
  if (std::isnan(x)) return kNaN;
  return std::log10(std::min(std::max(x, 1e-12), 1e12));
}

std::vector<std::string> Rule::channels() const {
  std::vector<std::string> out;
  for (const Feature& f : features)
    if (std::find(out.begin(), out.end(), f.channel) == out.end()) out.push_back(f.channel);
  return out;
}

std::string checksum(const Rule& rule) { return sha256_hex(body(rule).dump()); }

std::string to_json_text(const Rule& rule) {
  nlohmann::json j = body(rule);
  j["checksum"] = sha256_hex(j.dump());
  return j.dump(2) + "\n";
}

void write_rule(const std::string& path, const Rule& rule) { write_file_atomically(path, to_json_text(rule)); }

Rule read_rule(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, "cannot open the triage rule");
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::exception&) {
    throw Error(path, "is not a triage rule (not JSON)");
  }
  if (!j.is_object() || optional_field<std::string>(j, "format", "", path) != kFormat)
    throw Error(path, std::string("is not a triage rule (no \"format\": \"") + kFormat + "\")");
  const int version = field<int>(j, "version", path);
  if (version != Rule::kFormatVersion)
    throw Error(path, "triage rule format version " + std::to_string(version) + " (this dynfault reads " +
                          std::to_string(Rule::kFormatVersion) + ")");
  Rule r;
  for (const auto& f : field<nlohmann::json>(j, "features", path)) {
    const std::string where = path + ": features";
    Feature x;
    x.name = field<std::string>(f, "name", where);
    x.channel = field<std::string>(f, "channel", where);
    x.transform = field<std::string>(f, "transform", where);
    if (x.transform != "log10_clamped" && x.transform != "identity")
      throw Error(where, "feature '" + x.name + "' has unknown transform '" + x.transform + "'");
    x.impute = field<double>(f, "impute", where);
    x.mean = field<double>(f, "mean", where);
    x.scale = field<double>(f, "scale", where);
    if (!std::isfinite(x.impute) || !std::isfinite(x.mean) || !(x.scale > 0) || !std::isfinite(x.scale))
      throw Error(where, "feature '" + x.name + "' has a non-finite statistic or a scale <= 0");
    r.features.push_back(std::move(x));
  }
  if (r.features.empty()) throw Error(path, "triage rule has no features");
  r.centroids = field<std::vector<std::vector<double>>>(j, "centroids", path);
  const int K = field<int>(j, "K", path);
  if (K < 2 || static_cast<size_t>(K) != r.centroids.size())
    throw Error(path, "K=" + std::to_string(K) + " but " + std::to_string(r.centroids.size()) + " centroids");
  for (const auto& c : r.centroids)
    if (c.size() != r.features.size() || !finite_all(c))
      throw Error(path, "a centroid does not have one finite value per feature (" + std::to_string(r.features.size()) + ")");
  r.terminate_cluster = field<int>(j, "terminate_cluster", path);
  if (r.terminate_cluster < 0 || r.terminate_cluster >= K)
    throw Error(path, "terminate_cluster " + std::to_string(r.terminate_cluster) + " is not one of the K=" +
                          std::to_string(K) + " clusters");
  r.epoch = field<std::string>(j, "epoch", path);
  if (r.epoch != "after_epoch_0" && r.epoch != "at_init")
    throw Error(path, "epoch '" + r.epoch + "' is neither after_epoch_0 nor at_init");
  r.probe = field<std::string>(j, "probe", path);
  r.hvp_vectors = field<int>(j, "hvp_vectors", path);
  r.probe_batch = field<int>(j, "probe_batch", path);
  if (r.hvp_vectors < 1 || r.probe_batch < 1) throw Error(path, "hvp_vectors and probe_batch must be positive");
  r.instability_threshold = field<double>(j, "instability_threshold", path);
  const nlohmann::json& fit = required(j, "fit", path);
  const std::string fw = path + ": fit";
  r.corpus = field<std::string>(fit, "corpus", fw);
  r.corpus_sha256 = field<std::string>(fit, "corpus_sha256", fw);
  r.fit_runs = field<size_t>(fit, "runs", fw);
  r.fit_programs = field<size_t>(fit, "programs", fw);
  r.fit_unstable = field<size_t>(fit, "unstable", fw);
  r.seed = field<uint32_t>(fit, "seed", fw);
  r.restarts = field<int>(fit, "restarts", fw);
  const nlohmann::json& validation = required(j, "validation", path);
  r.lopo = counts_from(required(validation, "lopo", path + ": validation"), path + ": validation.lopo");
  r.in_sample = counts_from(required(validation, "in_sample", path + ": validation"), path + ": validation.in_sample");
  const std::string stored = field<std::string>(j, "checksum", path);
  if (stored != checksum(r))
    throw Error(path, "triage rule checksum does not match its contents (edited or corrupted; fit it again)");
  return r;
}

Decision decide(const Rule& rule, const std::function<double(const std::string&)>& value) {
  std::vector<double> z(rule.features.size());
  for (size_t i = 0; i < rule.features.size(); ++i) {
    const Feature& f = rule.features[i];
    double x = value(f.channel);
    if (f.transform == "log10_clamped") x = log10_clamped(x);
    if (std::isnan(x)) x = f.impute;
    z[i] = (x - f.mean) / f.scale;
  }
  Decision d;
  double best = std::numeric_limits<double>::infinity();
  for (size_t c = 0; c < rule.centroids.size(); ++c) {
    double s = 0;
    for (size_t i = 0; i < z.size(); ++i) s += (z[i] - rule.centroids[c][i]) * (z[i] - rule.centroids[c][i]);
    if (s < best) {  // ties go to the lower cluster index
      best = s;
      d.cluster = static_cast<int>(c);
    }
  }
  d.terminate = d.cluster == rule.terminate_cluster;
  return d;
}

std::string mismatch(const Rule& rule, const std::vector<std::string>& probes, int hvp_vectors, int probe_batch) {
  if (std::find(probes.begin(), probes.end(), rule.probe) == probes.end())
    return "the rule reads the '" + rule.probe + "' probe, which this run does not use (--probes)";
  if (hvp_vectors != rule.hvp_vectors)
    return "the rule was fitted with --hvp-vectors " + std::to_string(rule.hvp_vectors) + ", this run uses " +
           std::to_string(hvp_vectors);
  if (probe_batch != rule.probe_batch)
    return "the rule was fitted with --probe-batch " + std::to_string(rule.probe_batch) + ", this run uses " +
           std::to_string(probe_batch);
  return "";
}

std::string mismatch_before_training(const Rule& rule, const std::vector<std::string>& probes, int hvp_vectors,
                                     int probe_batch) {
  std::string why = mismatch(rule, probes, hvp_vectors, probe_batch);
  const ProbeDeclaration* probe = find_probe(rule.probe);
  for (const std::string& c : rule.channels())
    if (why.empty() && (!probe || !probe->claims(c)))
      why = "the rule reads channel '" + c + "', which the '" + rule.probe + "' probe does not log";
  return why;
}

std::string missing_channels(const Rule& rule, const std::vector<std::string>& channels) {
  const std::set<std::string> have(channels.begin(), channels.end());
  std::string missing;
  for (const std::string& c : rule.channels())
    if (!have.count(c)) missing += (missing.empty() ? "" : ", ") + c;
  return missing.empty() ? "" : "the run does not log the rule's channel(s) " + missing;
}

}  // namespace dynfault::triage
