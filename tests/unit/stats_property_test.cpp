// Property: after a random (seeded) sequence of ingests, analyses, reviews,
// re-queues, purges and birth-date changes, every statistic the index keeps
// incrementally equals a brute-force recomputation over all exams, written
// here straight from the definitions (stats.hpp), and equals a fresh index
// bulk-loaded with the same exams.

#include "actors/store/exam_filter.hpp"
#include "actors/store/exam_index.hpp"
#include "actors/store/stats_json.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace xrv::store {

namespace {

namespace json = boost::json;
using namespace stats;
constexpr int threshold = 5;

struct model {
  std::map<std::string, exam_record> exams;
  std::map<std::string, patient_record> patients;
};

std::string stamp_before(std::mt19937& rng, std::int64_t now, int max_days) {
  std::uniform_int_distribution<std::int64_t> d(0, max_days * 86'400LL);
  return format_local_seconds(now - d(rng));
}

latency_figures latencies(const std::vector<int>& v) {
  latency_figures f;
  for (int x : v)
    f.sum += x;
  f.count = v.size();
  if (!v.empty()) {
    f.min = *std::min_element(v.begin(), v.end());
    f.max = *std::max_element(v.begin(), v.end());
  }
  return f;
}

bool in_window(std::optional<std::int64_t> key, std::int64_t last, int n) {
  return key && *key > last - n && *key <= last;
}

void count_matrix(confusion& c, int ai, int rad) {
  if (ai < 0 || rad < 0)
    return;
  if (ai == 1 && rad == 1)
    ++c.tp;
  else if (ai == 0 && rad == 0)
    ++c.tn;
  else if (ai == 1)
    ++c.fp;
  else
    ++c.fn;
}

void count_verdict(verdict_sums& v, const exam_record& e, bool done) {
  ++v.reports;
  v.reviewed += e.rad.positive != -1;
  if (done)
    count_matrix(v.cm, ai_positive(e.ai, threshold), e.rad.positive);
  if (e.rad.severity >= 0) {
    v.severity_sum += e.rad.severity;
    ++v.severity_n;
  }
}

// Every statistic straight from the exams.
stats_snapshot brute_force(const model& m, std::int64_t now) {
  stats_snapshot s;
  s.now = now;
  const auto today = day_of(now), month = month_of(now), hour = hour_of(now);
  std::map<std::string, region_figures> regions;
  std::map<std::string, std::map<std::int64_t, trend_point>> days, months;
  std::map<std::string, std::vector<int>> region_latencies;
  std::vector<int> recent;
  std::map<std::string, diagnosis_figures> diagnoses;
  std::map<std::string, std::map<std::string, std::uint64_t>> diag_regions;
  std::map<std::string, radiologist_figures> rads;
  for (const auto& [uid, e] : m.exams) {
    const int ai = ai_positive(e.ai, threshold);
    const int rad = e.rad.positive;
    const auto created = local_seconds(e.created);
    const auto region = e.region.empty() ? "unknown" : fold_case(e.region);
    const auto pit = m.patients.find(e.cnp);
    const int age
      = age_at(pit == m.patients.end() ? "" : pit->second.birthdate, e.created);
    s.error += e.status == exam_status::error;
    s.ignore += e.status == exam_status::ignore;
    const bool done = e.status == exam_status::done;
    if (done) {
      for (auto* c : {&s.counts, &regions[region].counts}) {
        ++c->total;
        c->reviewed += rad != -1;
        c->positive += ai == 1;
        count_matrix(c->cm, ai, rad);
      }
      regions[region].name = region;
      if (created && in_window(day_of(*created), today, trend_days)) {
        auto& p = days[region][day_of(*created)];
        p.key = day_of(*created);
        ++p.total;
        p.positive += ai == 1;
      }
      if (created && in_window(month_of(*created), month, trend_months)) {
        auto& p = months[region][month_of(*created)];
        p.key = month_of(*created);
        ++p.total;
        p.positive += ai == 1;
      }
      if (e.ai.latency >= 0)
        region_latencies[region].push_back(e.ai.latency);
      const auto updated = local_seconds(e.ai.updated);
      if (ai != -1 && updated
          && in_window(hour_of(*updated), hour, recent_hours)) {
        ++s.recent_count;
        if (e.ai.latency >= 0)
          recent.push_back(e.ai.latency);
      }
      const auto ai_created = local_seconds(e.ai.created);
      if (ai_created && in_window(hour_of(*ai_created), hour, success_hours))
        ++s.success_7d;
      auto& a = s.ages[age_bucket(age)];
      ++a.total;
      a.positive += ai == 1;
      a.reviewed += rad != -1;
      a.rad_positive += rad == 1;
    }
    if (!e.rad.summary.empty()) {
      const auto name = fold_case(e.rad.summary);
      auto& d = diagnoses[name];
      d.name = name;
      count_verdict(d.sums, e, done);
      ++diag_regions[name][region];
      if (created) {
        d.first_seen = std::min(d.first_seen.value_or(*created), *created);
        d.last_seen = std::max(d.last_seen.value_or(*created), *created);
        if (in_window(month_of(*created), month, trend_months))
          ++d.months[month_of(*created)];
      }
    }
    if (!e.rad.radiologist.empty()) {
      const auto name = fold_case(e.rad.radiologist);
      auto& r = rads[name];
      r.name = name;
      count_verdict(r.sums, e, done);
      if (e.rad.latency >= 0) {
        r.latency_sum += e.rad.latency;
        ++r.latency_n;
      }
      if (!e.rad.summary.empty())
        ++r.diagnoses[fold_case(e.rad.summary)];
      if (created && in_window(month_of(*created), month, trend_months))
        ++r.months[month_of(*created)];
    }
  }
  for (auto& [name, r] : regions) {
    for (auto& [k, p] : days[name])
      r.days.push_back(p);
    for (auto& [k, p] : months[name])
      r.months.push_back(p);
    r.latency = latencies(region_latencies[name]);
    s.regions.push_back(r);
  }
  s.recent_latency_n = recent.size();
  for (int x : recent)
    s.recent_latency_sum += x;
  for (auto& [name, d] : diagnoses) {
    for (auto& [reg, n] : diag_regions[name])
      d.top_regions.emplace_back(reg, n);
    std::stable_sort(d.top_regions.begin(), d.top_regions.end(),
                     [](const auto& a, const auto& b) {
                       return a.second > b.second;
                     });
    if (d.top_regions.size() > 5)
      d.top_regions.resize(5);
    s.diagnoses.push_back(d);
  }
  for (auto& [name, r] : rads)
    s.radiologists.push_back(r);
  return s;
}

// Radiologists are shown as first seen, which depends on history: compare
// them case-folded.
stats_snapshot folded(stats_snapshot s) {
  for (auto& r : s.radiologists)
    r.name = fold_case(r.name);
  std::sort(s.radiologists.begin(), s.radiologists.end(),
            [](const auto& a, const auto& b) {
              return a.name < b.name;
            });
  return s;
}

std::string all_json(const stats_snapshot& s) {
  return json::serialize(stats_json(s)) + "\n"
         + json::serialize(radiologist_stats_json(s, false)) + "\n"
         + json::serialize(radiologist_trends_json(s, true)) + "\n"
         + json::serialize(diagnostic_stats_json(s)) + "\n"
         + json::serialize(diagnostic_trends_json(s)) + "\n"
         + json::serialize(insights_json(s, true));
}

void expect_same(const stats_snapshot& got, const stats_snapshot& want,
                 const std::string& when) {
  const auto g = folded(got), w = folded(want);
  EXPECT_TRUE(g == w) << when << "\nindex:\n"
                      << all_json(g) << "\nbrute force:\n"
                      << all_json(w);
}

const exam_record* pick(std::mt19937& rng, const model& m,
                        std::initializer_list<exam_status> statuses) {
  std::vector<const exam_record*> v;
  for (const auto& [uid, e] : m.exams)
    if (statuses.size() == 0
        || std::find(statuses.begin(), statuses.end(), e.status)
             != statuses.end())
      v.push_back(&e);
  if (v.empty())
    return nullptr;
  return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
}

} // namespace

TEST(StatsProperty, IncrementalAggregatesEqualBruteForce) {
  const char* regions[] = {"chest", "Chest", "hand", "", "skull", "knee"};
  const char* summaries[] = {"pneumonia", "Pneumonia", "fracture", "normal",
                             "effusion",  "Normal",    "",         "mass"};
  const char* rads[]
    = {"Dr. Ion Popescu", "dr. ion popescu", "Ioana Pop", "Maria Ionescu", ""};
  const char* births[]
    = {"", "2020-03-16", "2012-02-29", "2000-01-01", "2024-12-31", "bad"};
  for (unsigned seed : {1u, 2u, 3u, 42u}) {
    std::mt19937 rng(seed);
    auto roll = [&rng](int n) {
      return std::uniform_int_distribution<int>(0, n - 1)(rng);
    };
    const auto now = *local_seconds("2026-03-15 12:30:00");
    model m;
    exam_index ix(threshold);
    int next = 0;
    for (int step = 0; step < 1500; ++step) {
      const int op = roll(100);
      if (op < 30) { // ingest
        exam_record e;
        e.uid = "1.2." + std::to_string(++next);
        e.cnp = "p" + std::to_string(roll(12));
        e.created = roll(20) == 0 ? "" : stamp_before(rng, now, 420);
        e.region = regions[roll(6)];
        e.status = roll(10) == 0 ? exam_status::error : exam_status::queued;
        auto& p = m.patients[e.cnp];
        if (p.cnp.empty()) {
          p = {e.cnp, "", "NAME^" + e.cnp, births[roll(6)], "F", -1};
          ix.upsert_patient(p);
        }
        m.exams[e.uid] = e;
        ix.upsert(e);
      } else if (op < 55) { // analysis ends
        const auto* found
          = pick(rng, m, {exam_status::queued, exam_status::requeue});
        if (found == nullptr)
          continue;
        auto e = *found;
        const int outcome = roll(10);
        e.status = outcome < 8   ? exam_status::done
                   : outcome < 9 ? exam_status::error
                                 : exam_status::ignore;
        if (e.status == exam_status::done) {
          e.ai.severity = roll(11);
          e.ai.positive = roll(3) - 1; // -1: no `short`, severity decides
          e.ai.confidence = roll(101);
          e.ai.latency = roll(5) == 0 ? -1 : roll(120);
          e.ai.updated = stamp_before(rng, now, 9);
          if (e.ai.created.empty())
            e.ai.created = e.ai.updated;
        }
        m.exams[e.uid] = e;
        ix.upsert(e);
      } else if (op < 75) { // radiologist verdict (review or FHIR report)
        const auto* found = pick(rng, m, {});
        if (found == nullptr)
          continue;
        auto e = *found;
        e.rad.positive = roll(2);
        e.rad.radiologist = rads[roll(5)];
        e.rad.summary = summaries[roll(8)];
        e.rad.severity = roll(12) - 1;
        e.rad.latency = roll(4) == 0 ? -1 : roll(600);
        if (roll(4) == 0)
          e.status = exam_status::check;
        m.exams[e.uid] = e;
        ix.upsert(e);
      } else if (op < 85) { // re-queue
        const auto* found = pick(rng, m,
                                 {exam_status::done, exam_status::error,
                                  exam_status::ignore, exam_status::check});
        if (found == nullptr)
          continue;
        auto e = *found;
        e.status = exam_status::requeue;
        m.exams[e.uid] = e;
        ix.upsert(e);
      } else if (op < 93) { // purge
        const auto* found
          = roll(3) == 0
              ? pick(rng, m, {})
              : pick(rng, m, {exam_status::error, exam_status::ignore});
        if (found == nullptr)
          continue;
        const auto uid = found->uid;
        m.exams.erase(uid);
        ix.erase(uid);
      } else { // a birth date from FHIR
        if (m.patients.empty())
          continue;
        auto it = m.patients.begin();
        std::advance(it, roll(static_cast<int>(m.patients.size())));
        it->second.birthdate = births[roll(6)];
        ix.upsert_patient(it->second);
      }
      if (step % 100 == 99) {
        const auto when
          = "seed " + std::to_string(seed) + " step " + std::to_string(step);
        expect_same(ix.statistics(now), brute_force(m, now), when);
        EXPECT_EQ(ix.success_7d(now), brute_force(m, now).success_7d) << when;
        // The window moves with the clock alone.
        const auto later = now + 86'400 * 3 + 3600 * 5;
        expect_same(ix.statistics(later), brute_force(m, later), when + " +3d");
        if (::testing::Test::HasFailure())
          return;
      }
    }
    // A fresh index bulk-loaded with the same exams agrees too.
    exam_index fresh(threshold);
    for (const auto& [cnp, p] : m.patients)
      fresh.upsert_patient(p);
    fresh.begin_bulk(m.exams.size());
    for (const auto& [uid, e] : m.exams)
      fresh.upsert(e);
    fresh.end_bulk();
    expect_same(fresh.statistics(now), ix.statistics(now),
                "fresh, seed " + std::to_string(seed));
    EXPECT_GT(ix.statistics(now).counts.total, 50u)
      << "the sequence exercised little";
  }
}

} // namespace xrv::store
