// The index's answers for the FHIR fetcher and the report checks.

#include "actors/store/exam_index.hpp"

#include <algorithm>

namespace xrv::store {

std::vector<std::string> exam_index::awaiting_report(std::int64_t since,
                                                     std::size_t max) const {
  // `order_` is newest first: walk it until the exams get too old.
  std::vector<std::uint32_t> found;
  for (auto slot : order_) {
    const auto& s = slots_[slot];
    if (s.created < since)
      break;
    if (s.status == exam_status::done && !s.rad_text)
      found.push_back(slot);
  }
  std::vector<std::string> out;
  const auto n = std::min(found.size(), max);
  out.reserve(n);
  for (auto it = found.rbegin(); it != found.rbegin() + static_cast<long>(n);
       ++it)
    out.push_back(uids_[*it]);
  return out;
}

std::optional<std::string>
exam_index::next_check(const std::set<std::string>& leased) const {
  for (const auto& [created, slot] : checks_)
    if (!leased.contains(uids_[slot]))
      return uids_[slot];
  return std::nullopt;
}

} // namespace xrv::store
