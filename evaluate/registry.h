#pragma once
// A table of named factories: classifiers, clusterers and feature extractors
// are chosen by name (analyses come from the generated table in analysis.h).
// Entries are added explicitly in one function per kind, so nothing depends on
// static-initialisation order or on the linker keeping an object file.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace dynfault::evaluate {

template <class T>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<T>()>;
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}
  Registry& add(std::string name, std::string summary, Factory make) {
    entries_.push_back({std::move(name), std::move(summary), std::move(make)});
    return *this;
  }
  std::unique_ptr<T> make(const std::string& name) const {
    for (const auto& e : entries_)
      if (e.name == name) return e.make();
    std::string known;
    for (const auto& e : entries_) known += (known.empty() ? "" : ", ") + e.name;
    throw Error(kind_, "unknown " + kind_ + " '" + name + "' (known: " + known + ")");
  }
  std::vector<std::pair<std::string, std::string>> list() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : entries_) out.emplace_back(e.name, e.summary);
    return out;
  }

 private:
  struct Entry {
    std::string name, summary;
    Factory make;
  };
  std::string kind_;
  std::vector<Entry> entries_;
};

}  // namespace dynfault::evaluate
