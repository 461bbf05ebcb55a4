#include "actors/store/stats_index.hpp"

#include "actors/store/definitions.hpp"

#include <algorithm>

namespace xrv::store {

static_assert(sizeof(stats_row) <= 48, "one row per exam: keep it small");

namespace {

void step(std::uint64_t& n, int sign) {
  n = sign > 0 ? n + 1 : n - 1;
}

// Adds `sign` to a keyed counter, dropping it at zero (maps stay small).
template <class Map, class Key>
void bump(Map& m, const Key& key, int sign) {
  auto& n = m[key];
  step(n, sign);
  if (n == 0)
    m.erase(key);
}

template <class Vec>
auto& grow(Vec& v, std::uint32_t id) {
  if (v.size() <= id)
    v.resize(id + 1);
  return v[id];
}

// Latencies of a seconds -> exams histogram.
latency_figures latency_of(const std::map<std::int32_t, std::uint64_t>& h) {
  latency_figures out;
  for (const auto& [seconds, n] : h) {
    out.count += n;
    out.sum += static_cast<double>(seconds) * static_cast<double>(n);
  }
  if (!h.empty()) {
    out.min = h.begin()->first;
    out.max = h.rbegin()->first;
  }
  return out;
}

// Sorts figures by name.
template <class Vec>
void by_name(Vec& v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.name < b.name;
  });
}

// The entries of `m` with keys in [from, to].
template <class Map>
auto range(const Map& m, std::int64_t from, std::int64_t to) {
  return std::make_pair(m.lower_bound(from), m.upper_bound(to));
}

} // namespace

stats_row make_stats_row(const exam_record& e, int threshold,
                         std::uint32_t region, std::uint32_t diagnostic,
                         std::uint32_t radiologist, int age_years) {
  stats_row r;
  r.status = e.status;
  r.region = region;
  r.diagnostic = diagnostic;
  r.radiologist = radiologist;
  r.ai_positive = static_cast<std::int8_t>(ai_positive(e.ai, threshold));
  r.rad_positive = static_cast<std::int8_t>(
    e.rad.positive == 0 || e.rad.positive == 1 ? e.rad.positive : -1);
  r.rad_severity = static_cast<std::int8_t>(
    e.rad.severity >= 0 && e.rad.severity <= 10 ? e.rad.severity : -1);
  r.age_bucket = static_cast<std::uint8_t>(stats::age_bucket(age_years));
  r.ai_latency = e.ai.latency >= 0 ? e.ai.latency : -1;
  r.rad_latency = e.rad.latency >= 0 ? e.rad.latency : -1;
  r.created = stats::local_seconds(e.created).value_or(stats_row::no_time);
  auto hour = [](const std::string& stamp) {
    const auto s = stats::local_seconds(stamp);
    return s ? static_cast<std::int32_t>(stats::hour_of(*s))
             : stats_row::no_hour;
  };
  r.ai_updated_hour = hour(e.ai.updated);
  r.ai_created_hour = hour(e.ai.created);
  return r;
}

void done_counts::add(const stats_row& row, int sign) {
  step(total, sign);
  if (row.rad_positive != -1)
    step(reviewed, sign);
  if (row.ai_positive == 1)
    step(positive, sign);
  cm.add(row.ai_positive, row.rad_positive, sign);
}

void verdict_sums::add(const stats_row& row, int sign) {
  step(reports, sign);
  if (row.rad_positive != -1)
    step(reviewed, sign);
  if (row.status == exam_status::done)
    cm.add(row.ai_positive, row.rad_positive, sign);
  if (row.rad_severity >= 0) {
    severity_sum += sign * row.rad_severity;
    step(severity_n, sign);
  }
}

verdict_sums& verdict_sums::operator+=(const verdict_sums& o) {
  reports += o.reports;
  reviewed += o.reviewed;
  cm += o.cm;
  severity_sum += o.severity_sum;
  severity_n += o.severity_n;
  return *this;
}

radiologist_figures&
radiologist_figures::operator+=(const radiologist_figures& o) {
  sums += o.sums;
  latency_sum += o.latency_sum;
  latency_n += o.latency_n;
  for (const auto& [k, n] : o.diagnoses)
    diagnoses[k] += n;
  for (const auto& [k, n] : o.months)
    months[k] += n;
  return *this;
}

void stats_index::add(const stats_row& row, int sign) {
  if (row.status == exam_status::error)
    step(error_, sign);
  if (row.status == exam_status::ignore)
    step(ignore_, sign);
  if (row.status == exam_status::done)
    add_done(row, sign);
  if (row.diagnostic != 0)
    add_diagnosis(row, sign);
  if (row.radiologist != 0)
    add_radiologist(row, sign);
}

void stats_index::add_done(const stats_row& row, int sign) {
  const bool positive = row.ai_positive == 1;
  done_.add(row, sign);
  auto& reg = grow(regions_, row.region);
  reg.counts.add(row, sign);
  if (row.has_created()) {
    for (auto [map, key] :
         {std::pair{&reg.days, stats::day_of(row.created)},
          std::pair{&reg.months, stats::month_of(row.created)}}) {
      auto& c = (*map)[key];
      step(c.total, sign);
      if (positive)
        step(c.positive, sign);
      if (c.total == 0)
        map->erase(key);
    }
  }
  if (row.ai_latency >= 0)
    bump(reg.latencies, row.ai_latency, sign);

  if (row.ai_updated_hour != stats_row::no_hour && row.ai_positive != -1) {
    const std::int64_t hour = row.ai_updated_hour;
    auto& h = analysed_[hour];
    step(h.count, sign);
    if (row.ai_latency >= 0) {
      step(h.latency_n, sign);
      h.latency_sum += sign * row.ai_latency;
    }
    if (h.count == 0)
      analysed_.erase(hour);
  }
  if (row.ai_created_hour != stats_row::no_hour)
    bump(succeeded_, std::int64_t{row.ai_created_hour}, sign);

  auto& age = ages_[row.age_bucket];
  step(age.total, sign);
  if (positive)
    step(age.positive, sign);
  if (row.rad_positive != -1)
    step(age.reviewed, sign);
  if (row.rad_positive == 1)
    step(age.rad_positive, sign);
}

void stats_index::add_diagnosis(const stats_row& row, int sign) {
  auto& d = grow(diagnoses_, row.diagnostic);
  d.sums.add(row, sign);
  bump(d.regions, row.region, sign);
  if (row.has_created()) {
    if (sign > 0 && bulk_) {
      d.seen.push_back(row.created);
    } else if (sign > 0) {
      d.seen.insert(std::upper_bound(d.seen.begin(), d.seen.end(), row.created),
                    row.created);
    } else {
      auto it = std::lower_bound(d.seen.begin(), d.seen.end(), row.created);
      if (it != d.seen.end() && *it == row.created)
        d.seen.erase(it);
    }
    bump(d.months, stats::month_of(row.created), sign);
  }
}

void stats_index::add_radiologist(const stats_row& row, int sign) {
  auto& r = grow(radiologists_, row.radiologist);
  r.sums.add(row, sign);
  if (row.rad_latency >= 0) {
    r.latency_sum += sign * row.rad_latency;
    step(r.latency_n, sign);
  }
  if (row.diagnostic != 0)
    bump(r.diagnoses, row.diagnostic, sign);
  if (row.has_created())
    bump(r.months, stats::month_of(row.created), sign);
}

void stats_index::end_bulk() {
  bulk_ = false;
  for (auto& d : diagnoses_)
    std::sort(d.seen.begin(), d.seen.end());
}

std::uint64_t stats_index::success_7d(std::int64_t now) const {
  const auto hour = stats::hour_of(now);
  std::uint64_t n = 0;
  auto [from, to] = range(succeeded_, hour - stats::success_hours + 1, hour);
  for (auto it = from; it != to; ++it)
    n += it->second;
  return n;
}

stats_snapshot stats_index::snapshot(std::int64_t now, const name_of& region,
                                     const name_of& diagnosis,
                                     const name_of& radiologist) const {
  stats_snapshot s;
  s.now = now;
  s.counts = done_;
  s.error = error_;
  s.ignore = ignore_;
  s.ages = ages_;
  s.success_7d = success_7d(now);
  const auto today = stats::day_of(now);
  const auto month = stats::month_of(now);
  const auto hour = stats::hour_of(now);
  const auto first_month = month - stats::trend_months + 1;

  for (std::uint32_t id = 0; id < regions_.size(); ++id) {
    const auto& acc = regions_[id];
    if (acc.counts.total == 0)
      continue;
    region_figures f;
    f.name = region(id);
    f.counts = acc.counts;
    auto points = [](auto from, auto to) {
      std::vector<trend_point> out;
      for (auto it = from; it != to; ++it)
        out.push_back({it->first, it->second.total, it->second.positive});
      return out;
    };
    auto [d0, d1] = range(acc.days, today - stats::trend_days + 1, today);
    f.days = points(d0, d1);
    auto [m0, m1] = range(acc.months, first_month, month);
    f.months = points(m0, m1);
    f.latency = latency_of(acc.latencies);
    s.regions.push_back(std::move(f));
  }
  by_name(s.regions);

  auto [h0, h1] = range(analysed_, hour - stats::recent_hours + 1, hour);
  for (auto it = h0; it != h1; ++it) {
    s.recent_count += it->second.count;
    s.recent_latency_n += it->second.latency_n;
    s.recent_latency_sum += static_cast<double>(it->second.latency_sum);
  }

  for (std::uint32_t id = 1; id < diagnoses_.size(); ++id) {
    const auto& acc = diagnoses_[id];
    if (acc.sums.reports == 0)
      continue;
    diagnosis_figures f;
    f.name = diagnosis(id);
    f.sums = acc.sums;
    for (const auto& [reg, n] : acc.regions)
      f.top_regions.emplace_back(region(reg), n);
    std::sort(f.top_regions.begin(), f.top_regions.end(),
              [](const auto& a, const auto& b) {
                return a.second != b.second ? a.second > b.second
                                            : a.first < b.first;
              });
    if (f.top_regions.size() > 5)
      f.top_regions.resize(5);
    if (!acc.seen.empty()) {
      f.first_seen = acc.seen.front();
      f.last_seen = acc.seen.back();
    }
    auto [m0, m1] = range(acc.months, first_month, month);
    f.months.insert(m0, m1);
    s.diagnoses.push_back(std::move(f));
  }
  by_name(s.diagnoses);

  for (std::uint32_t id = 1; id < radiologists_.size(); ++id) {
    const auto& acc = radiologists_[id];
    if (acc.sums.reports == 0)
      continue;
    radiologist_figures f;
    f.name = radiologist(id);
    f.sums = acc.sums;
    f.latency_sum = acc.latency_sum;
    f.latency_n = acc.latency_n;
    for (const auto& [diag, n] : acc.diagnoses)
      f.diagnoses[diagnosis(diag)] += n;
    auto [m0, m1] = range(acc.months, first_month, month);
    f.months.insert(m0, m1);
    s.radiologists.push_back(std::move(f));
  }
  by_name(s.radiologists);
  return s;
}

} // namespace xrv::store
