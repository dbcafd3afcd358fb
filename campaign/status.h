#pragma once
// What `dynfault campaign status` prints: tasks done and crashed, mutants
// decided and killed, of a campaign directory or of every shard of a sharded root.
#include <string>

namespace dynfault::campaign {

std::string status_text(const std::string& dir);

}  // namespace dynfault::campaign
