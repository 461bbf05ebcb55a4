#include "actors/fhir/backoff.hpp"

#include <algorithm>
#include <unordered_set>

namespace xrv::fhir {

std::chrono::seconds delay_after(int misses, const backoff_policy& p) {
  auto d = p.first;
  for (int i = 1; i < misses && d < p.max; ++i)
    d *= 2;
  return std::min(d, p.max);
}

std::chrono::seconds record_miss(backoff_table& table, const std::string& uid,
                                 steady_time now, const backoff_policy& p) {
  auto& e = table[uid];
  ++e.misses;
  const auto d = delay_after(e.misses, p);
  e.next = now + d;
  return d;
}

std::optional<std::string> next_due(const std::vector<std::string>& candidates,
                                    const backoff_table& table,
                                    steady_time now) {
  for (const auto& uid : candidates) {
    auto it = table.find(uid);
    if (it == table.end() || it->second.next <= now)
      return uid;
  }
  return std::nullopt;
}

void keep_only(backoff_table& table,
               const std::vector<std::string>& candidates) {
  const std::unordered_set<std::string> keep(candidates.begin(),
                                             candidates.end());
  std::erase_if(table, [&keep](const auto& entry) {
    return !keep.contains(entry.first);
  });
}

} // namespace xrv::fhir
