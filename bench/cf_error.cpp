// The CF probe's estimator error against its cost, to choose the defaults of
// --hvp-vectors (K) and --probe-batch (P) by measurement (docs/run.md#choosing-k-and-p).
// Every program's model is re-probed before the first update, after epoch 0 and
// after its last epoch (runner/curvature_study.h): each setting of the grid
// K x P several times with independent Rademacher vectors, and once with the
// reference (K=64 on the largest P of the grid). For muHVP and sigmaHVP (the
// cross-layer mean and std of the per-layer norms ||(Hv)_l||), the per-layer
// norms and the whole-model ||Hv||, the table gives the relative error
// |x - ref| / |ref| pooled over programs, moments and replicates (median and
// 90th percentile), the estimator's noise on the scale the analyses use (mean
// squared log10 error of muHVP over the variance of log10 muHVP between the
// reference readings), and the measurement's cost relative to the current
// default setting, measured in the same process on the same models. The last
// line names the cheapest setting whose median errors are all within --bound.
// --csv keeps every reading; --from-csv re-reads such a file instead of
// measuring. Uses only the torch-free runner API.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/atomic_file.h"
#include "core/csv.h"
#include "core/error.h"
#include "core/program_spec.h"
#include "runner/curvature_study.h"

using namespace dynfault;

namespace {

// One reading of one program (a row of the --csv file).
struct Row {
  std::string program, architecture;
  runner::CurvatureReading reading;
};

const char* const kCsvHeader =
    "program,architecture,moment,epoch,hvp_vectors,probe_batch,replicate,seconds,hvp_norm,mean_hvp,hvp_std,"
    "layer_hvp_norm";

std::string to_csv(const std::vector<Row>& rows) {
  std::ostringstream csv;
  csv << kCsvHeader << "\n";
  for (const auto& row : rows) {
    const runner::CurvatureReading& x = row.reading;
    std::string layers;
    for (size_t l = 0; l < x.layer_hvp_norm.size(); ++l)
      layers += (l ? ";" : "") + format_python_float(x.layer_hvp_norm[l]);
    csv << row.program << "," << row.architecture << "," << x.moment << "," << x.epoch << "," << x.setting.hvp_vectors
        << "," << x.setting.probe_batch << "," << x.replicate << "," << format_python_float(x.seconds) << ","
        << format_python_float(x.hvp_norm) << "," << format_python_float(x.mean_hvp) << ","
        << format_python_float(x.hvp_std) << "," << layers << "\n";
  }
  return csv.str();
}

std::vector<Row> from_csv(const std::string& path) {
  const std::vector<CsvRecord> records = parse_csv(read_text_file(path), path);
  if (records.empty() || records[0].fields.size() != 12)
    throw Error(path, std::string("not a cf_error readings file (expected the header ") + kCsvHeader + ")");
  std::vector<Row> rows;
  for (size_t i = 1; i < records.size(); ++i) {
    const auto& f = records[i].fields;
    const std::string where = path + ":" + std::to_string(records[i].line);
    if (f.size() != 12) throw Error(where, "expected 12 fields, got " + std::to_string(f.size()));
    double v[7];
    for (int k = 0; k < 7; ++k)
      if (!parse_number(f[static_cast<size_t>(3 + k)], v[k])) throw Error(where, "not a number: '" + f[3 + k] + "'");
    Row row{f[0], f[1], {}};
    runner::CurvatureReading& x = row.reading;
    x.moment = f[2];
    x.epoch = static_cast<int64_t>(v[0]);
    x.setting = {static_cast<int>(v[1]), static_cast<int>(v[2])};
    x.replicate = static_cast<int>(v[3]);
    x.seconds = v[4];
    x.hvp_norm = v[5];
    x.mean_hvp = v[6];
    double std_value = 0;
    if (!parse_number(f[10], std_value)) throw Error(where, "not a number: '" + f[10] + "'");
    x.hvp_std = std_value;
    std::stringstream layers(f[11]);
    for (std::string item; std::getline(layers, item, ';');) {
      double norm = 0;
      if (!parse_number(item, norm)) throw Error(where, "not a number in layer_hvp_norm: '" + item + "'");
      x.layer_hvp_norm.push_back(norm);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos)), hi = static_cast<size_t>(std::ceil(pos));
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// Relative error, or nothing when the reference is zero or either value is not finite
// (a diverged model, a layer the loss does not reach): those are counted, not pooled.
bool relative_error(double x, double ref, double* out) {
  if (!std::isfinite(x) || !std::isfinite(ref) || ref == 0) return false;
  *out = std::fabs(x - ref) / std::fabs(ref);
  return true;
}

struct Cell {
  std::vector<double> mean_hvp, hvp_std, layer, hvp_norm;
  std::vector<double> log_sq;  // squared log10 error of muHVP
  std::vector<double> cost;    // seconds / mean seconds of the default setting, same model and moment
  size_t skipped = 0;
};

std::string key(int k, int p) { return std::to_string(p) + "/" + std::to_string(k); }

std::vector<Row> measure(const std::vector<std::string>& ids, const ProgramZoo& zoo, Scale scale, int max_epochs,
                         uint64_t seed, const std::vector<runner::CurvatureSetting>& grid,
                         const runner::CurvatureSetting& reference, int replicates) {
  std::vector<Row> rows;
  for (const auto& id : ids) {
    ProgramSpec spec = zoo.load(id);
    if (max_epochs > 0) spec.epochs = std::min(spec.epochs, max_epochs);
    runner::RunRequest r;
    r.spec = spec;
    r.program = spec.id;
    r.architecture = spec.architecture;
    r.run_id = spec.id + "-cf-error";
    r.seed = seed;
    r.scale = scale;
    r.threads = 1;
    const runner::CurvatureStudy study = runner::study_curvature(r, grid, reference, replicates);
    if (!study.error.empty()) throw Error(id, "cannot be studied: " + study.error);
    for (const auto& x : study.readings) rows.push_back({id, to_string(spec.architecture), x});
    std::cerr << "cf_error: " << id << " (" << to_string(spec.architecture) << ", " << study.layers.size()
              << " layers) done\n";
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"CF estimator error vs cost over --hvp-vectors x --probe-batch"};
  // Three architectures: FFNNs of 1-5 hidden layers, LSTM/SimpleRNN stacks, CNNs (1-3 convolutions).
  std::vector<std::string> ids = {"31556268", "48385830", "64151679", "66840108", "52782432",
                                  "73148058", "77416892", "50079585", "76132850", "37624102"};
  std::vector<int> k_grid = {1, 2, 4, 8}, p_grid = {16, 32, 64};
  std::string scale_name = "full", csv_path, from_csv_path, zoo_dir;
  int replicates = 5, reference_k = 64, max_epochs = 0, default_k = runner::RunRequest{}.hvp_vectors,
      default_p = runner::RunRequest{}.probe_batch;
  double bound = 0.10;
  uint64_t seed = 3;
  app.add_option("--programs", ids, "Program ids (comma-separated)")->delimiter(',');
  app.add_option("--k", k_grid, "Numbers of Rademacher vectors to test (comma-separated)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  app.add_option("--p", p_grid, "Probe batch sizes to test, the largest is the reference's (comma-separated)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  app.add_option("--reference-k", reference_k, "Vectors of the reference measurement")->check(CLI::PositiveNumber);
  app.add_option("--replicates", replicates, "Independent vector draws per setting")->check(CLI::PositiveNumber);
  app.add_option("--scale", scale_name, "Scale of the runs (default full)");
  app.add_option("--max-epochs", max_epochs, "Train at most this many epochs (0: the program's)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", seed, "Run seed");
  app.add_option("--bound", bound, "Error bound for the choice: median relative error of muHVP, sigmaHVP and the "
                                   "per-layer norms")
      ->check(CLI::PositiveNumber);
  app.add_option("--csv", csv_path, "Also write every reading to this CSV file (atomically)");
  app.add_option("--from-csv", from_csv_path, "Read the readings from a --csv file instead of measuring");
  app.add_option("--zoo", zoo_dir, "Program zoo (default: the built-in programs/)");
  CLI11_PARSE(app, argc, argv);

  try {
    std::vector<Row> rows;
    std::string reference_text;
    int n_replicates = replicates;
    if (!from_csv_path.empty()) {
      rows = from_csv(from_csv_path);
      if (rows.empty()) throw Error(from_csv_path, "holds no readings");
      n_replicates = 0;
      for (const auto& r : rows) {
        n_replicates = std::max(n_replicates, r.reading.replicate + 1);
        if (r.reading.replicate < 0)
          reference_text = "K=" + std::to_string(r.reading.setting.hvp_vectors) +
                           " on P=" + std::to_string(r.reading.setting.probe_batch);
      }
    } else {
      const ProgramZoo zoo = zoo_dir.empty() ? ProgramZoo::open_default() : ProgramZoo(zoo_dir);
      const Scale scale = parse_scale(scale_name, "--scale");
      std::vector<runner::CurvatureSetting> grid;
      for (int p : p_grid)
        for (int k : k_grid) grid.push_back({k, p});
      if (std::none_of(grid.begin(), grid.end(),
                       [&](const auto& s) { return s.hvp_vectors == default_k && s.probe_batch == default_p; }))
        grid.push_back({default_k, default_p});  // the cost baseline
      const runner::CurvatureSetting reference{reference_k, *std::max_element(p_grid.begin(), p_grid.end())};
      reference_text = "K=" + std::to_string(reference.hvp_vectors) + " on P=" + std::to_string(reference.probe_batch);
      std::cerr << "cf_error: " << grid.size() << " settings x " << replicates << " replicates + reference "
                << reference_text << ", 3 moments, scale " << scale_name << ", " << ids.size() << " programs\n";
      rows = measure(ids, zoo, scale, max_epochs, seed, grid, reference, replicates);
      if (!csv_path.empty()) write_file_atomically(csv_path, to_csv(rows));
    }

    // Index each (program, moment)'s reference and the default setting's seconds.
    std::map<std::string, const runner::CurvatureReading*> ref;
    std::map<std::string, std::vector<double>> default_seconds;
    std::set<int> ks, ps;  // the settings the readings hold
    for (const auto& row : rows) {
      const auto& x = row.reading;
      const std::string at = row.program + "/" + x.moment;
      if (x.replicate < 0) {
        ref[at] = &x;
        continue;
      }
      ks.insert(x.setting.hvp_vectors);
      ps.insert(x.setting.probe_batch);
      if (x.setting.hvp_vectors == default_k && x.setting.probe_batch == default_p) default_seconds[at].push_back(x.seconds);
    }
    // The analyses' scale: log10 muHVP varies between runs by decades; its variance over the reference readings.
    std::vector<double> log_ref;
    for (const auto& [at, x] : ref)
      if (x->mean_hvp > 0 && std::isfinite(x->mean_hvp)) log_ref.push_back(std::log10(x->mean_hvp));
    double mean_log = 0, var_log = 0;
    for (double v : log_ref) mean_log += v / static_cast<double>(log_ref.size());
    for (double v : log_ref) var_log += (v - mean_log) * (v - mean_log) / static_cast<double>(log_ref.size() - 1);

    std::map<std::string, Cell> cells;
    std::map<std::string, std::map<std::string, std::vector<double>>> per_arch;  // arch -> setting -> muHVP errors
    for (const auto& row : rows) {
      const auto& x = row.reading;
      if (x.replicate < 0) continue;
      const std::string at = row.program + "/" + x.moment;
      const auto rf_it = ref.find(at);
      if (rf_it == ref.end()) throw Error(row.program, "no reference reading at " + x.moment);
      const runner::CurvatureReading& rf = *rf_it->second;
      Cell& c = cells[key(x.setting.hvp_vectors, x.setting.probe_batch)];
      double e = 0;
      if (relative_error(x.mean_hvp, rf.mean_hvp, &e)) {
        c.mean_hvp.push_back(e);
        per_arch[row.architecture][key(x.setting.hvp_vectors, x.setting.probe_batch)].push_back(e);
        if (x.mean_hvp > 0 && rf.mean_hvp > 0) c.log_sq.push_back(std::pow(std::log10(x.mean_hvp / rf.mean_hvp), 2));
      } else {
        ++c.skipped;
      }
      if (relative_error(x.hvp_std, rf.hvp_std, &e)) c.hvp_std.push_back(e);
      if (relative_error(x.hvp_norm, rf.hvp_norm, &e)) c.hvp_norm.push_back(e);
      for (size_t l = 0; l < x.layer_hvp_norm.size() && l < rf.layer_hvp_norm.size(); ++l)
        if (relative_error(x.layer_hvp_norm[l], rf.layer_hvp_norm[l], &e)) c.layer.push_back(e);
      const auto base = default_seconds.find(at);
      if (base != default_seconds.end()) {
        double mean = 0;
        for (double sec : base->second) mean += sec / static_cast<double>(base->second.size());
        c.cost.push_back(x.seconds / mean);
      }
    }

    std::cout << "CF estimator error: relative error against " << reference_text << ", pooled over "
              << ref.size() << " program-moments x " << n_replicates << " draws (median / p90); noise = mean squared"
              << " log10 error of muHVP / variance of log10 muHVP between the references (" << std::fixed
              << std::setprecision(2) << std::sqrt(var_log) << " decades sd); cost = measurement seconds / those of K="
              << default_k << " P=" << default_p << " (median)\n";
    std::cout << std::right << std::setw(4) << "P" << std::setw(4) << "K" << std::setw(16) << "muHVP" << std::setw(16)
              << "sigmaHVP" << std::setw(16) << "layer norms" << std::setw(16) << "||Hv||" << std::setw(9) << "noise"
              << std::setw(8) << "cost" << "\n";
    const auto pair = [](const std::vector<double>& v) {
      std::ostringstream o;
      o << std::fixed << std::setprecision(3) << quantile(v, 0.5) << " / " << quantile(v, 0.9);
      return o.str();
    };
    std::string choice;
    double choice_cost = 0;
    for (int p : ps)
      for (int k : ks) {
        const auto it = cells.find(key(k, p));
        if (it == cells.end()) continue;
        const Cell& c = it->second;
        double noise = 0;
        for (double v : c.log_sq) noise += v / static_cast<double>(c.log_sq.size());
        const double cost = quantile(c.cost, 0.5);
        std::cout << std::setw(4) << p << std::setw(4) << k << std::setw(16) << pair(c.mean_hvp) << std::setw(16)
                  << pair(c.hvp_std) << std::setw(16) << pair(c.layer) << std::setw(16) << pair(c.hvp_norm)
                  << std::setw(9) << std::setprecision(4) << noise / var_log << std::setw(7) << std::setprecision(2)
                  << cost << "x" << (c.skipped ? "  (" + std::to_string(c.skipped) + " readings not comparable)" : "")
                  << "\n";
        const bool within = quantile(c.mean_hvp, 0.5) <= bound && quantile(c.hvp_std, 0.5) <= bound &&
                            quantile(c.layer, 0.5) <= bound;
        if (within && (choice.empty() || cost < choice_cost)) {
          choice = "K=" + std::to_string(k) + " P=" + std::to_string(p);
          choice_cost = cost;
        }
      }
    std::cout << "muHVP relative error per architecture, median / p90:\n" << std::setw(8) << "P/K";
    for (const auto& [arch, m] : per_arch) std::cout << std::setw(16) << arch;
    std::cout << "\n";
    for (int p : ps)
      for (int k : ks) {
        std::cout << std::setw(8) << key(k, p);
        for (const auto& [arch, m] : per_arch) {
          const auto it = m.find(key(k, p));
          std::cout << std::setw(16) << (it == m.end() ? std::string("-") : pair(it->second));
        }
        std::cout << "\n";
      }
    std::ostringstream cost_text;
    cost_text << std::fixed << std::setprecision(2) << choice_cost;
    std::cout << "cheapest setting with median muHVP, sigmaHVP and per-layer errors <= " << bound << ": "
              << (choice.empty() ? std::string("none") : choice + " (cost " + cost_text.str() + "x)") << "\n";
  } catch (const Error& e) {
    std::cerr << "cf_error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
