// The exam index's aggregates: the diagnosis and radiologist counts, and the
// statistics, one stats_row per slot kept in step with every upsert, erase
// and birth-date change (stats_index.hpp).

#include "actors/store/definitions.hpp"
#include "actors/store/exam_index.hpp"

namespace xrv::store {

void exam_index::set_stats_row(std::uint32_t slot, const exam_record& e) {
  // A region-less exam is shown as "unknown", the region rules' fallback.
  const auto region
    = region_ids_.intern(e.region.empty() ? "unknown" : fold_case(e.region));
  const auto& s = slots_[slot];
  auto row = make_stats_row(e, threshold_, region, s.diagnostic, s.radiologist,
                            age_at(patients_[s.patient].birthdate, e.created));
  stats_.add(stats_rows_[slot], -1); // a new or freed slot's row counts nothing
  stats_rows_[slot] = row;
  stats_.add(row, +1);
}

void exam_index::reage_patient(std::uint32_t patient) {
  if (patient >= by_patient_.size())
    return;
  const auto& birthdate = patients_[patient].birthdate;
  for (const auto& [created, slot] : by_patient_[patient]) {
    auto& row = stats_rows_[slot];
    const int age
      = row.has_created()
          ? age_at(birthdate, stats::format_local_seconds(row.created))
          : -1;
    const auto bucket = static_cast<std::uint8_t>(stats::age_bucket(age));
    if (bucket == row.age_bucket)
      continue;
    stats_.add(row, -1);
    row.age_bucket = bucket;
    stats_.add(row, +1);
  }
}

stats_snapshot exam_index::statistics(std::int64_t now) const {
  return stats_.snapshot(
    now,
    [this](std::uint32_t id) {
      return region_ids_.name(id);
    },
    [this](std::uint32_t id) {
      return diag_ids_.name(id);
    },
    [this](std::uint32_t id) {
      return rad_display_[id];
    });
}

std::map<std::string, std::size_t> exam_index::diagnostics() const {
  std::map<std::string, std::size_t> out;
  for (std::uint32_t id = 1; id < diag_ids_.size(); ++id)
    if (diag_counts_[id] > 0)
      out.emplace(diag_ids_.name(id), diag_counts_[id]);
  return out;
}

std::map<std::string, std::size_t> exam_index::radiologists() const {
  std::map<std::string, std::size_t> out;
  for (std::uint32_t id = 1; id < rad_ids_.size(); ++id)
    if (rad_counts_[id] > 0)
      out.emplace(rad_display_[id], rad_counts_[id]);
  return out;
}

} // namespace xrv::store
