#include "actors/store/stats_json.hpp"

#include "actors/system/phi.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace xrv::store {

namespace {

namespace json = boost::json;
using namespace stats;

json::value number_or_null(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

// `name` (percentage or null) and `name_ci` ([lo, hi] or null).
void put_ratio(json::object& o, const char* name, std::uint64_t num,
               std::uint64_t den) {
  o[name] = number_or_null(percent(num, den));
  const auto ci = wilson(num, den);
  o[std::string{name} + "_ci"]
    = ci ? json::value(json::array{(*ci)[0], (*ci)[1]}) : json::value(nullptr);
}

// Counts and every ratio of a confusion matrix.
void put_confusion(json::object& o, const confusion& c) {
  o["tpos"] = c.tp;
  o["tneg"] = c.tn;
  o["fpos"] = c.fp;
  o["fneg"] = c.fn;
  put_ratio(o, "sensitivity", c.tp, c.tp + c.fn);
  put_ratio(o, "specificity", c.tn, c.tn + c.fp);
  put_ratio(o, "ppv", c.tp, c.tp + c.fp);
  put_ratio(o, "npv", c.tn, c.tn + c.fn);
  o["mcc"] = mcc(c);
}

// The window's keys ending at `last`, ascending.
std::vector<std::int64_t> window(std::int64_t last, int length) {
  std::vector<std::int64_t> keys;
  for (std::int64_t k = last - length + 1; k <= last; ++k)
    keys.push_back(k);
  return keys;
}

// One entry per key of the window, zeros where the group had no exams.
json::array trend(const std::vector<trend_point>& points,
                  const std::vector<std::int64_t>& keys, const char* label,
                  std::string (*text)(std::int64_t)) {
  json::array out;
  auto it = points.begin();
  for (auto k : keys) {
    std::uint64_t total = 0, positive = 0;
    if (it != points.end() && it->key == k) {
      total = it->total;
      positive = it->positive;
      ++it;
    }
    out.push_back(
      json::object{{label, text(k)}, {"total", total}, {"positive", positive}});
  }
  return out;
}

// Radiologists keyed as the caller may see them, merged by that key.
std::map<std::string, radiologist_figures> shown(const stats_snapshot& s,
                                                 bool anonymise) {
  std::map<std::string, radiologist_figures> out;
  for (const auto& r : s.radiologists) {
    auto key = anonymise ? radiologist_initials(r.name) : r.name;
    auto& merged = out[key];
    merged += r;
    merged.name = key;
  }
  return out;
}

// The `n` largest counts (ties by name).
json::object top(const std::map<std::string, std::uint64_t>& counts,
                 std::size_t n) {
  std::vector<std::pair<std::string, std::uint64_t>> v(counts.begin(),
                                                       counts.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  json::object out;
  for (std::size_t i = 0; i < v.size() && i < n; ++i)
    out[v[i].first] = v[i].second;
  return out;
}

json::value timestamp_or_null(const std::optional<std::int64_t>& s) {
  return s ? json::value(format_local_seconds(*s)) : json::value(nullptr);
}

} // namespace

json::object stats_json(const stats_snapshot& s) {
  json::object out;
  const auto& c = s.counts;
  out["total"] = c.total;
  out["reviewed"] = c.reviewed;
  out["positive"] = c.positive;
  out["correct"] = c.cm.agree();
  out["wrong"] = c.cm.compared() - c.cm.agree();
  out["mcc"] = mcc(c.cm);
  json::object regions, trends, monthly;
  const auto days = window(day_of(s.now), trend_days);
  const auto months = window(month_of(s.now), trend_months);
  for (const auto& r : s.regions) {
    const auto& rc = r.counts;
    json::object o{{"total", rc.total},
                   {"reviewed", rc.reviewed},
                   {"positive", rc.positive},
                   {"correct", rc.cm.agree()},
                   {"wrong", rc.cm.compared() - rc.cm.agree()}};
    put_confusion(o, rc.cm);
    regions[r.name] = std::move(o);
    if (!r.days.empty())
      trends[r.name] = trend(r.days, days, "date", day_text);
    if (!r.months.empty())
      monthly[r.name] = trend(r.months, months, "month", month_text);
  }
  out["region"] = std::move(regions);
  out["trends"] = std::move(trends);
  out["monthly_trends"] = std::move(monthly);
  out["avg_processing_time"]
    = average(s.recent_latency_sum, s.recent_latency_n, 2).value_or(0.0);
  out["throughput"] = round_to(
    static_cast<double>(s.recent_count) / static_cast<double>(recent_hours), 2);
  out["error_stats"] = json::object{{"error", s.error}, {"ignore", s.ignore}};
  return out;
}

json::object radiologist_stats_json(const stats_snapshot& s, bool anonymise) {
  json::object out;
  for (const auto& [name, r] : shown(s, anonymise)) {
    json::object o{{"reports", r.sums.reports},
                   {"reviewed", r.sums.reviewed},
                   {"agree_with_ai", r.sums.cm.agree()},
                   {"ai_compared", r.sums.cm.compared()}};
    put_ratio(o, "ai_accuracy", r.sums.cm.agree(), r.sums.cm.compared());
    o["avg_severity"]
      = number_or_null(average(r.sums.severity_sum, r.sums.severity_n, 1));
    o["top_diagnostics"] = top(r.diagnoses, 5);
    o["avg_report_latency"]
      = number_or_null(average(r.latency_sum, r.latency_n, 1));
    out[name] = std::move(o);
  }
  return out;
}

json::object radiologist_trends_json(const stats_snapshot& s, bool anonymise) {
  json::object out;
  const auto rads = shown(s, anonymise);
  for (auto m : window(month_of(s.now), trend_months)) {
    json::object month;
    for (const auto& [name, r] : rads)
      if (auto it = r.months.find(m); it != r.months.end())
        month[name] = it->second;
    out[month_text(m)] = std::move(month);
  }
  return out;
}

json::object diagnostic_stats_json(const stats_snapshot& s) {
  json::object out;
  for (const auto& d : s.diagnoses) {
    const auto& v = d.sums;
    json::object o{{"reports", v.reports},
                   {"avg_severity",
                    number_or_null(average(v.severity_sum, v.severity_n, 1))},
                   {"ai_compared", v.cm.compared()}};
    put_ratio(o, "ai_accuracy", v.cm.agree(), v.cm.compared());
    put_confusion(o, v.cm);
    json::object regions;
    for (const auto& [name, n] : d.top_regions)
      regions[name] = n;
    o["top_regions"] = std::move(regions);
    o["first_seen"] = timestamp_or_null(d.first_seen);
    o["last_seen"] = timestamp_or_null(d.last_seen);
    out[d.name] = std::move(o);
  }
  return out;
}

json::object diagnostic_trends_json(const stats_snapshot& s) {
  std::map<std::string, std::uint64_t> totals;
  for (const auto& d : s.diagnoses) {
    std::uint64_t n = 0;
    for (const auto& [m, c] : d.months)
      n += c;
    if (n > 0)
      totals[d.name] = n;
  }
  const auto chosen = top(totals, 10);
  json::object out;
  for (auto m : window(month_of(s.now), trend_months)) {
    json::object month;
    for (const auto& d : s.diagnoses) {
      if (!chosen.contains(d.name))
        continue;
      if (auto it = d.months.find(m); it != d.months.end())
        month[d.name] = it->second;
    }
    out[month_text(m)] = std::move(month);
  }
  return out;
}

json::object insights_json(const stats_snapshot& s, bool anonymise) {
  json::object ages;
  for (std::size_t i = 0; i < age_labels.size(); ++i) {
    const auto& a = s.ages[i];
    json::object o{{"total", a.total},
                   {"positive", a.positive},
                   {"reviewed", a.reviewed},
                   {"rad_positive", a.rad_positive}};
    put_ratio(o, "positive_rate", a.positive, a.total);
    ages[age_labels[i]] = std::move(o);
  }
  json::object times;
  for (const auto& r : s.regions) {
    const auto& l = r.latency;
    if (l.count == 0)
      continue;
    times[r.name] = json::object{{"avg", *average(l.sum, l.count, 2)},
                                 {"min", l.min},
                                 {"max", l.max},
                                 {"count", l.count}};
  }
  json::object rads;
  for (const auto& [name, r] : shown(s, anonymise))
    rads[name] = json::object{
      {"reports", r.sums.reports},
      {"avg_severity",
       number_or_null(average(r.sums.severity_sum, r.sums.severity_n, 1))},
      {"avg_latency", number_or_null(average(r.latency_sum, r.latency_n, 1))}};
  return json::object{{"age_distribution", std::move(ages)},
                      {"processing_times", std::move(times)},
                      {"radiologist_metrics", std::move(rads)}};
}

} // namespace xrv::store
