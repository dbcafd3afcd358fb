#include "mutate/registry.h"

#include <algorithm>
#include <stdexcept>

#include "core/error.h"

namespace dynfault::mutate {

std::string to_string(SearchKind kind) {
  switch (kind) {
    case SearchKind::Exhaustive: return "exhaustive";
    case SearchKind::Binary: return "binary";
    case SearchKind::Single: return "single";
  }
  return "?";
}

namespace {
int category_rank(FaultCategory c) {
  for (size_t i = 0; i < kAllCategories.size(); ++i)
    if (kAllCategories[i] == c) return static_cast<int>(i);
  return static_cast<int>(kAllCategories.size());
}
}  // namespace

void OperatorRegistry::add(std::unique_ptr<Operator> op, const std::string& file_stem) {
  // These are programming errors in an operator file, caught by test_mutate.
  if (!op) throw std::logic_error("mutate/operators/" + file_stem + ".cpp: factory returned null");
  const OperatorInfo& info = op->info();
  if (info.name != file_stem)
    throw std::logic_error("mutate/operators/" + file_stem + ".cpp registers '" + info.name +
                           "': the operator name must equal its file name");
  if (info.code.empty() || info.summary.empty() || info.values.empty())
    throw std::logic_error("operator '" + info.name + "' lacks a code, summary or value description");
  if (find(info.name)) throw std::logic_error("operator '" + info.name + "' registered twice");
  ordered_.push_back(op.get());
  owned_.push_back(std::move(op));
  std::sort(ordered_.begin(), ordered_.end(), [](const Operator* a, const Operator* b) {
    const int ra = category_rank(a->info().category), rb = category_rank(b->info().category);
    return ra != rb ? ra < rb : a->info().name < b->info().name;
  });
}

const Operator* OperatorRegistry::find(const std::string& name) const {
  for (const Operator* op : ordered_)
    if (op->info().name == name) return op;
  return nullptr;
}

const Operator& OperatorRegistry::get(const std::string& name) const {
  if (const Operator* op = find(name)) return *op;
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("mutate", "unknown operator '" + name + "' (known: " + known + ")");
}

std::vector<std::string> OperatorRegistry::names() const {
  std::vector<std::string> out;
  for (const Operator* op : ordered_) out.push_back(op->info().name);
  return out;
}

const OperatorRegistry& operators() {
  static const OperatorRegistry registry = [] {
    OperatorRegistry r;
    register_all_operators(r);
    return r;
  }();
  return registry;
}

}  // namespace dynfault::mutate
