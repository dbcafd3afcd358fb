#pragma once
// Waiting for an event in a test: poll its condition with a generous upper bound
// instead of sleeping a fixed time, which races under machine load.
#include <chrono>
#include <functional>
#include <thread>

namespace dynfault_test {

// True as soon as `ready()` holds; false if `seconds` pass first.
inline bool wait_until(const std::function<bool()>& ready, double seconds = 60) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!ready()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace dynfault_test
