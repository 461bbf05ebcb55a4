// The in-memory index against the reference semantics: after random
// operations every query equals a brute-force scan with `matches`.

#include "actors/store/exam_index.hpp"

#include "actors/store/definitions.hpp"
#include "actors/store/exam_filter.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace xrv::store {

namespace {

constexpr int threshold = 5;

struct model {
  std::map<std::string, exam_record> exams;
  std::map<std::string, patient_record> patients;

  // The reference answer: filter with `matches`, order newest first.
  index_page query(const exam_filter& f, bool user_role) const {
    std::vector<const exam_record*> hits;
    for (const auto& [uid, e] : exams) {
      auto p = patients.count(e.cnp)
                 ? patients.at(e.cnp)
                 : patient_record{e.cnp, {}, {}, {}, {}, -1};
      if (matches(f, e, p, threshold, user_role))
        hits.push_back(&e);
    }
    std::sort(hits.begin(), hits.end(), [](auto* a, auto* b) {
      auto ta = to_epoch_seconds(a->created);
      auto tb = to_epoch_seconds(b->created);
      return ta != tb ? ta > tb : a->uid < b->uid;
    });
    index_page page;
    page.total = hits.size();
    auto offset = static_cast<std::size_t>(f.page - 1) * f.limit;
    for (auto i = offset; i < hits.size() && i < offset + f.limit; ++i)
      page.uids.push_back(hits[i]->uid);
    return page;
  }
};

exam_record random_exam(std::mt19937& rng, int n) {
  static const char* regions[]
    = {"chest", "abdomen", "skull", "unknown", "hand"};
  static const char* summaries[] = {"", "pneumonia", "Fracture", "normal"};
  static const char* rads[]
    = {"", "Dr. Ion Popescu", "Maria Ionescu", "dr. ion popescu"};
  std::uniform_int_distribution<int> d(0, 1000);
  exam_record e;
  e.uid = "1.2.840." + std::to_string(n);
  e.cnp = "19001014000" + std::to_string(d(rng) % 20);
  e.created = "2026-0" + std::to_string(1 + d(rng) % 9) + "-1"
              + std::to_string(d(rng) % 10) + " 1" + std::to_string(d(rng) % 10)
              + ":00:00";
  e.region = regions[d(rng) % 5];
  e.status = static_cast<exam_status>(d(rng) % 8);
  if (d(rng) % 3 != 0) {
    e.ai.severity = d(rng) % 11;
    e.ai.confidence = d(rng) % 101;
    e.ai.positive = d(rng) % 3 - 1;
  }
  if (d(rng) % 2 == 0) {
    e.rad.positive = d(rng) % 2;
    e.rad.severity = d(rng) % 12 - 1;
    e.rad.summary = summaries[d(rng) % 4];
    e.rad.radiologist = rads[d(rng) % 4];
  }
  return e;
}

std::vector<exam_filter> sample_filters() {
  std::vector<std::string> queries = {
    "",
    "reviewed=yes",
    "reviewed=no",
    "positive=yes",
    "positive=no",
    "correct=yes",
    "correct=no",
    "region=che",
    "region=CHEST",
    "status=queued,done",
    "status=error",
    "search=popescu",
    "search=1.2.840.1",
    "search=4000",
    "diagnostic=FRACTURE",
    "radiologist=dr.%20ion%20popescu",
    "radiologist=Dr.%20I.P.",
    "severity=3-6&reviewed=yes",
    "severity=-4",
    "ai_severity=5-",
    "confidence=50-100&positive=yes",
    "region=chest&positive=yes&page=2",
    "page=3&limit=7",
  };
  std::vector<exam_filter> out;
  for (const auto& q : queries) {
    auto f = parse_exam_filter(q, 10);
    EXPECT_TRUE(f.has_value()) << q;
    if (f)
      out.push_back(*f);
  }
  return out;
}

} // namespace

TEST(ExamIndex, EqualsBruteForceAfterRandomOperations) {
  std::mt19937 rng{42};
  exam_index index{threshold};
  model ref;
  for (int i = 0; i < 20; ++i) {
    patient_record p{"19001014000" + std::to_string(i),
                     "H" + std::to_string(i),
                     i % 2 ? "POPESCU^ION" : "IONESCU^MARIA",
                     "",
                     "M",
                     -1};
    ref.patients[p.cnp] = p;
    index.upsert_patient(p);
  }
  const auto filters = sample_filters();
  std::uniform_int_distribution<int> op(0, 9);
  for (int step = 0; step < 1500; ++step) {
    const int o = op(rng);
    if (o < 6 || ref.exams.empty()) {
      auto e = random_exam(rng, step % 400); // re-uses uids: replacements
      ref.exams[e.uid] = e;
      index.upsert(e);
    } else if (o < 8) {
      auto it = std::next(ref.exams.begin(),
                          static_cast<long>(rng() % ref.exams.size()));
      auto e = random_exam(rng, 0);
      e.uid = it->first;
      it->second = e;
      index.upsert(e);
    } else {
      auto it = std::next(ref.exams.begin(),
                          static_cast<long>(rng() % ref.exams.size()));
      index.erase(it->first);
      ref.exams.erase(it);
    }
    if (step % 100 == 99) {
      for (const auto& f : filters) {
        for (bool user : {false, true}) {
          auto got = index.query(f, user);
          auto want = ref.query(f, user);
          ASSERT_EQ(got.total, want.total)
            << "step " << step << " filter "
            << boost::json::serialize(filters_json(f));
          ASSERT_EQ(got.uids, want.uids) << "step " << step;
        }
      }
      ASSERT_EQ(index.size(), ref.exams.size());
      std::array<std::size_t, 8> counts{};
      std::array<std::size_t, 11> severity{};
      for (const auto& [uid, e] : ref.exams) {
        ++counts[static_cast<std::size_t>(e.status)];
        if (e.rad.severity >= 0)
          ++severity[static_cast<std::size_t>(e.rad.severity)];
      }
      for (std::size_t s = 0; s < counts.size(); ++s)
        ASSERT_EQ(index.count(static_cast<exam_status>(s)), counts[s]);
      ASSERT_EQ(index.rad_severity_histogram(), severity);
    }
  }
}

TEST(ExamIndex, BulkLoadThenUpdatesEqualsBruteForce) {
  std::mt19937 rng{7};
  exam_index index{threshold};
  model ref;
  for (int i = 0; i < 20; ++i) {
    patient_record p{"19001014000" + std::to_string(i),
                     "H" + std::to_string(i),
                     i % 3 ? "POPESCU^ION" : "ȘTEFAN^ANA",
                     "",
                     "F",
                     -1};
    ref.patients[p.cnp] = p;
    index.upsert_patient(p);
  }
  index.begin_bulk(500);
  for (int i = 0; i < 500; ++i) {
    auto e = random_exam(rng, i);
    ref.exams[e.uid] = e;
    index.upsert(e);
  }
  index.end_bulk();
  const auto filters = sample_filters();
  auto compare = [&](const char* when) {
    for (const auto& f : filters)
      for (bool user : {false, true}) {
        auto got = index.query(f, user);
        auto want = ref.query(f, user);
        ASSERT_EQ(got.total, want.total) << when;
        ASSERT_EQ(got.uids, want.uids) << when;
      }
    ASSERT_EQ(index.next_work(false).has_value(),
              std::any_of(ref.exams.begin(), ref.exams.end(), [](auto& kv) {
                return kv.second.status == exam_status::queued
                       || kv.second.status == exam_status::requeue;
              }));
  };
  compare("after the bulk load");
  compare("answered from the cache");
  for (int step = 0; step < 300; ++step) {
    auto e = random_exam(rng, 400 + step % 200); // new and replaced exams
    ref.exams[e.uid] = e;
    index.upsert(e);
    if (step % 7 == 0) {
      auto it = std::next(ref.exams.begin(),
                          static_cast<long>(rng() % ref.exams.size()));
      index.erase(it->first);
      ref.exams.erase(it);
    }
  }
  compare("after updates");
}

TEST(ExamIndex, NextWorkTakesRequeuedFirstThenNewestQueued) {
  exam_index index{threshold};
  auto make = [](std::string uid, std::string created, exam_status s) {
    exam_record e;
    e.uid = std::move(uid);
    e.cnp = "1";
    e.created = std::move(created);
    e.status = s;
    return e;
  };
  index.upsert(make("1.1", "2026-01-01 10:00:00", exam_status::queued));
  index.upsert(make("1.2", "2026-01-02 10:00:00", exam_status::queued));
  index.upsert(make("1.3", "2026-01-03 10:00:00", exam_status::done));
  EXPECT_EQ(index.next_work(false), "1.2");
  EXPECT_EQ(index.next_work(true), "1.1");
  index.upsert(make("1.3", "2026-01-03 10:00:00", exam_status::requeue));
  EXPECT_EQ(index.next_work(false), "1.3");
  index.upsert(make("1.3", "2026-01-03 10:00:00", exam_status::processing));
  index.upsert(make("1.2", "2026-01-02 10:00:00", exam_status::processing));
  index.upsert(make("1.1", "2026-01-01 10:00:00", exam_status::processing));
  EXPECT_FALSE(index.next_work(false).has_value());
}

TEST(ExamIndex, PatientsSortByNameAndSearchNameOrCnp) {
  exam_index index{threshold};
  index.upsert_patient({"2", "H2", "ZETA^ANA", "", "F", -1});
  index.upsert_patient({"1", "H1", "ALFA^ION", "", "M", -1});
  index.upsert_patient({"3", "X99", "ȘTEFAN^ION", "", "M", -1});
  patient_filter all;
  auto page = index.query_patients(all);
  EXPECT_EQ(page.total, 3u);
  EXPECT_EQ(page.cnps, (std::vector<std::string>{"1", "2", "3"}));
  patient_filter f;
  f.search = fold_case("ștefan");
  EXPECT_EQ(index.query_patients(f).cnps, std::vector<std::string>{"3"});
  f.search = "x99"; // the HIS id is not a patient search field
  EXPECT_EQ(index.query_patients(f).total, 0u);
}

TEST(ExamIndex, AggregatesFollowReplacementsAndErasures) {
  exam_index index{threshold};
  exam_record e;
  e.uid = "1.9";
  e.cnp = "1";
  e.created = "2026-01-01 10:00:00";
  e.rad.positive = 1;
  e.rad.severity = 7;
  e.rad.summary = "Pneumonia";
  e.rad.radiologist = "Dr. Ion Popescu";
  index.upsert(e);
  EXPECT_EQ(index.diagnostics(),
            (std::map<std::string, std::size_t>{{"pneumonia", 1}}));
  EXPECT_EQ(index.radiologists().at("Dr. Ion Popescu"), 1u);
  EXPECT_EQ(index.rad_severity_histogram()[7], 1u);
  e.rad.severity = 2;
  e.rad.summary = "normal";
  index.upsert(e);
  EXPECT_EQ(index.rad_severity_histogram()[7], 0u);
  EXPECT_EQ(index.rad_severity_histogram()[2], 1u);
  EXPECT_EQ(index.diagnostics().count("pneumonia"), 0u);
  index.erase("1.9");
  EXPECT_TRUE(index.diagnostics().empty());
  EXPECT_TRUE(index.radiologists().empty());
  EXPECT_EQ(index.size(), 0u);
}

} // namespace xrv::store
