#include "core/trace_io.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/run_identity.h"

namespace dynfault {
namespace {
constexpr const char* kTraceKind = "dynfault-trace";
}

void write_trace(h5::Group& g, const Trace& t) {
  g.set_attr("kind", kTraceKind);
  g.set_attr("schema_version", Trace::kSchemaVersion);
  g.set_attr("run_id", t.run_id);
  g.set_attr("program", t.program);
  g.set_attr("architecture", t.architecture);
  g.set_attr("mutant_id", t.mutant_id);
  g.set_attr("operator", t.operator_name);
  g.set_attr("category", t.category);
  g.set_attr("parameters", t.parameters);
  g.set_attr("repeat", t.repeat);
  // Seeds are full 64-bit: stored as text so h5py users see the exact value.
  g.set_attr("seed", std::to_string(t.seed));
  g.set_attr("probes", t.probes);
  g.set_attr("scale", t.scale);
  g.set_attr("source", t.source);
  g.set_attr("status", to_string(t.status));
  g.set_attr("error", t.error);
  g.set_attr("unstable", static_cast<int64_t>(t.unstable));
  g.set_attr("first_unstable_epoch", t.first_unstable_epoch);
  g.set_attr("wall_seconds", t.wall_seconds);
  if (!t.triage_rule.empty()) g.set_attr("triage_rule", t.triage_rule);  // additive within schema 2
  if (!t.of_compat.empty()) g.set_attr("of_compat", t.of_compat);        // likewise
  if (t.hvp_vectors != kDefaultHvpVectors) g.set_attr("hvp_vectors", t.hvp_vectors);      // likewise: only when not the default
  if (t.probe_batch != kDefaultProbeBatch) g.set_attr("probe_batch", t.probe_batch);
  if (!t.recurrent.empty()) g.set_attr("recurrent", t.recurrent);
  g.set_attr("epochs", static_cast<int64_t>(t.epochs()));
  std::vector<std::string> versions;
  for (const auto& [k, v] : t.versions) versions.push_back(k + "=" + v);
  g.set_attr("versions", versions);

  h5::Matrix m{t.epochs(), t.channel_names.size(), t.values};
  g.write_matrix("channels", m);
  g.set_dataset_attr("channels", "names", t.channel_names);
  g.set_dataset_attr("channels", "units", t.channel_units);

  std::vector<std::string> init_names;
  std::vector<double> init_values;
  for (const auto& [k, v] : t.at_init) {
    init_names.push_back(k);
    init_values.push_back(v);
  }
  g.write_doubles("at_init", init_values);
  g.set_dataset_attr("at_init", "names", init_names);

  h5::Group layers = g.create_group("layers");
  // HDF5 lists a group's members by name; the order attribute keeps the trace's own
  // series order so a trace read back equals (and checksums like) the one written.
  std::vector<std::string> order;
  for (const auto& s : t.layer_series) order.push_back(s.name);
  layers.set_attr("order", order);
  for (const auto& s : t.layer_series) {
    const size_t cols = s.layers.size();
    h5::Matrix lm{cols == 0 ? 0 : s.values.size() / cols, cols, s.values};
    layers.write_matrix(s.name, lm);
    layers.set_dataset_attr(s.name, "layers", s.layers);
    layers.set_dataset_attr(s.name, "unit", s.unit);
  }
}

namespace {

// The identity and outcome attributes (TraceParts::All).
void read_identity(const h5::Group& g, const std::string& where, Trace& t) {
  t.run_id = g.attr_string("run_id");
  t.program = g.attr_string("program");
  t.architecture = g.attr_string("architecture");
  t.mutant_id = g.attr_string("mutant_id");
  t.operator_name = g.attr_string("operator");
  t.category = g.attr_string("category");
  t.parameters = g.attr_string("parameters");
  t.repeat = g.attr_int("repeat");
  try {
    t.seed = std::stoull(g.attr_string("seed"));
  } catch (const std::exception&) {
    throw Error(where, "attribute 'seed' is not an unsigned integer");
  }
  t.probes = g.attr_string("probes");
  t.scale = g.attr_string("scale");
  t.source = g.attr_string("source");
  t.status = parse_run_status(g.attr_string("status"), where);
  t.error = g.attr_string("error");
  t.unstable = g.attr_int("unstable") != 0;
  t.first_unstable_epoch = g.attr_int("first_unstable_epoch");
  t.wall_seconds = g.attr_double("wall_seconds");
  if (g.has_attr("triage_rule")) t.triage_rule = g.attr_string("triage_rule");
  if (g.has_attr("of_compat")) t.of_compat = g.attr_string("of_compat");
  if (g.has_attr("hvp_vectors")) t.hvp_vectors = g.attr_int("hvp_vectors");
  if (g.has_attr("probe_batch")) t.probe_batch = g.attr_int("probe_batch");
  if (g.has_attr("recurrent")) t.recurrent = g.attr_string("recurrent");
  check_run_settings(t.hvp_vectors, t.probe_batch, t.recurrent, where);
  for (const auto& kv : g.attr_strings("versions")) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos) t.versions[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
}

}  // namespace

Trace read_trace(const h5::Group& g, TraceParts parts) {
  const std::string where = g.file() + ":" + g.path();
  if (!g.has_attr("kind") || g.attr_string("kind") != kTraceKind) throw Error(where, "not a dynfault trace");
  const int64_t version = g.attr_int("schema_version");
  check_trace_schema(version, where);  // a newer version fails before anything is read
  Trace t;
  if (parts == TraceParts::All) read_identity(g, where, t);

  h5::Matrix m = g.read_matrix("channels");
  t.channel_names = g.dataset_attr_strings("channels", "names");
  if (parts == TraceParts::All) t.channel_units = g.dataset_attr_strings("channels", "units");
  if (t.channel_names.size() != m.cols || (parts == TraceParts::All && t.channel_units.size() != m.cols))
    throw Error(where, "channel names/units do not match the channels matrix");
  t.values = std::move(m.values);
  if (t.channel_names.empty() && !t.values.empty()) throw Error(where, "values without channels");

  const auto init_values = g.read_doubles("at_init");
  const auto init_names = g.dataset_attr_strings("at_init", "names");
  if (init_values.size() != init_names.size()) throw Error(where, "at_init names do not match values");
  for (size_t i = 0; i < init_names.size(); ++i) t.at_init[init_names[i]] = init_values[i];

  const h5::Group layers = g.open_group("layers");
  const std::vector<std::string> order = layers.has_attr("order") ? layers.attr_strings("order") : layers.children();
  if (order.size() != layers.children().size()) throw Error(where, "layer series order does not match layers/");
  for (const auto& name : order) {
    LayerSeries s;
    s.name = name;
    h5::Matrix lm = layers.read_matrix(name);
    s.layers = layers.dataset_attr_strings(name, "layers");
    if (parts == TraceParts::All) s.unit = layers.dataset_attr_string(name, "unit");
    if (s.layers.size() != lm.cols) throw Error(where, "layer series '" + name + "' has mismatched layer names");
    if (lm.rows != t.epochs()) throw Error(where, "layer series '" + name + "' has a different epoch count");
    s.values = std::move(lm.values);
    t.layer_series.push_back(std::move(s));
  }
  upgrade_trace(t, version, where);
  return t;
}

void save_trace_file(const std::string& path, const Trace& trace) {
  AtomicFile out(path);
  {
    h5::File f(out.temp_path(), h5::File::Mode::Truncate);
    write_trace(f, trace);
    f.flush();
  }
  out.commit();
}

Trace load_trace_file(const std::string& path) {
  h5::File f(path, h5::File::Mode::ReadOnly);
  return read_trace(f);
}

}  // namespace dynfault
