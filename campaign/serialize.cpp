#include "campaign/serialize.h"

#include <sstream>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <boost/serialization/version.hpp>

#include "core/error.h"
#include "core/probe_catalogue.h"

// Version 1 adds of_compat (RunIdentity, Trace) at the end, version 2 the probe settings and the
// recurrent path; older archives (batch files of a campaign begun by an older binary) still read,
// with the defaults for what they lack.
BOOST_CLASS_VERSION(dynfault::RunTask, 2)
BOOST_CLASS_VERSION(dynfault::Trace, 2)

namespace boost::serialization {

// One flag per catalogued probe, in catalogue order: for cf and of the same
// two bools as the former `bool cf, of`, so archives keep their bytes.
template <class Archive>
void save(Archive& ar, const dynfault::ProbeSet& p, const unsigned) {
  for (const auto& d : dynfault::probe_catalogue()) {
    const bool on = p.has(d.name);
    ar << on;
  }
}

template <class Archive>
void load(Archive& ar, dynfault::ProbeSet& p, const unsigned) {
  p.names.clear();
  for (const auto& d : dynfault::probe_catalogue()) {
    bool on = false;
    ar >> on;
    if (on) p.names.insert(d.name);
  }
}

template <class Archive>
void serialize(Archive& ar, dynfault::ProbeSet& p, const unsigned version) {
  split_free(ar, p, version);
}

// Architecture and category travel as their names, as before RunTask typed
// them, so archives keep their bytes.
template <class Archive>
void save(Archive& ar, const dynfault::RunTask& t, const unsigned) {
  const std::string architecture = dynfault::to_string(t.architecture), category = dynfault::category_text(t.category);
  ar << t.run_id << t.program << architecture << t.mutant_id << t.operator_name << category << t.parameters;
  ar << t.repeat << t.seed << t.probes;
  const int scale = static_cast<int>(t.scale);
  ar << scale << t.spec << t.expected_cost;
  ar << t.of_compat;  // class version 1
  ar << t.hvp_vectors << t.probe_batch << t.recurrent;  // class version 2
}

template <class Archive>
void load(Archive& ar, dynfault::RunTask& t, const unsigned version) {
  std::string architecture, category;
  ar >> t.run_id >> t.program >> architecture >> t.mutant_id >> t.operator_name >> category >> t.parameters;
  ar >> t.repeat >> t.seed >> t.probes;
  int scale = 0;
  ar >> scale >> t.spec >> t.expected_cost;
  if (version >= 1) ar >> t.of_compat;
  if (version >= 2) ar >> t.hvp_vectors >> t.probe_batch >> t.recurrent;
  const std::string where = "task " + t.run_id;
  t.architecture = dynfault::parse_architecture(architecture, where);
  t.category = dynfault::parse_optional_category(category, where);
  t.scale = static_cast<dynfault::Scale>(scale);
}

template <class Archive>
void serialize(Archive& ar, dynfault::RunTask& t, const unsigned version) {
  split_free(ar, t, version);
}

template <class Archive>
void serialize(Archive& ar, dynfault::LayerSeries& s, const unsigned) {
  ar& s.name& s.unit& s.layers& s.values;
}

template <class Archive>
void serialize(Archive& ar, dynfault::Trace& t, const unsigned version) {
  ar& t.run_id& t.program& t.architecture& t.mutant_id& t.operator_name& t.category& t.parameters;
  ar& t.repeat& t.seed& t.probes& t.scale& t.source;
  int status = static_cast<int>(t.status);
  ar& status;
  t.status = static_cast<dynfault::RunStatus>(status);
  ar& t.error& t.unstable& t.first_unstable_epoch& t.wall_seconds& t.triage_rule;
  ar& t.versions& t.at_init;
  ar& t.channel_names& t.channel_units& t.values& t.layer_series;
  if (version >= 1) ar& t.of_compat;  // batch files written before it (version 0) still read
  if (version >= 2) ar& t.hvp_vectors& t.probe_batch& t.recurrent;
}

template <class Archive>
void serialize(Archive& ar, dynfault::campaign::TaskResult& r, const unsigned) {
  ar& r.task_index;
  int outcome = static_cast<int>(r.outcome);
  ar& outcome;
  r.outcome = static_cast<dynfault::campaign::Outcome>(outcome);
  ar& r.message& r.trace& r.checksum& r.host& r.rank& r.start_unix& r.seconds;
}

}  // namespace boost::serialization

namespace dynfault::campaign {
namespace {

// no_header: both ends are the same binary; the header only costs bytes.
constexpr unsigned kFlags = boost::archive::no_header;

template <class T>
std::string to_bytes(const T& value) {
  std::ostringstream out(std::ios::binary);
  {
    boost::archive::binary_oarchive archive(out, kFlags);
    archive << value;
  }
  return std::move(out).str();
}

template <class T>
T from_bytes(const std::string& bytes, const char* what) {
  T value;
  try {
    std::istringstream in(bytes, std::ios::binary);
    boost::archive::binary_iarchive archive(in, kFlags);
    archive >> value;
  } catch (const std::exception& e) {
    throw Error(std::string("campaign message"), std::string("cannot decode ") + what + ": " + e.what());
  }
  return value;
}

}  // namespace

std::string to_string(Outcome o) {
  switch (o) {
    case Outcome::Done: return "done";
    case Outcome::Crashed: return "crashed";
    case Outcome::Stopped: return "stopped";
  }
  return "?";
}

std::string serialize_task(const RunTask& task) { return to_bytes(task); }
RunTask deserialize_task(const std::string& bytes) { return from_bytes<RunTask>(bytes, "task"); }
std::string serialize_trace(const Trace& trace) { return to_bytes(trace); }
Trace deserialize_trace(const std::string& bytes) { return from_bytes<Trace>(bytes, "trace"); }
std::string serialize_result(const TaskResult& result) { return to_bytes(result); }
TaskResult deserialize_result(const std::string& bytes) { return from_bytes<TaskResult>(bytes, "task result"); }

}  // namespace dynfault::campaign
