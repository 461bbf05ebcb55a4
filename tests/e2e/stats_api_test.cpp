// The six statistics endpoints of the real binary over a database imported
// from the original's SQLite schema, dated relative to now. Expected figures
// are computed here from the source rows with the spec's definitions; the
// `user` role must see radiologists as initials only.

#include "tests/e2e/imported_server.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <ctime>
#include <map>
#include <regex>
#include <set>

namespace xrv::test {

namespace {

namespace json = boost::json;
constexpr int threshold = 5;
const char* const rad_names[]
  = {"Dr. Ion Popescu", "Ioana Pop", "Maria Ionescu"};

std::string format(std::time_t t, bool utc, const char* fmt) {
  std::tm tm{};
  if (utc)
    gmtime_r(&t, &tm);
  else
    localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

struct source {
  std::string uid, cnp, created, region, status, summary, radiologist;
  std::string birthdate;
  int ai_sev = -1, latency = -1, rad_sev = -1;
  bool recent = false; // AI report from an hour ago (else 30 h ago)

  [[nodiscard]] bool done() const {
    return status == "done";
  }

  [[nodiscard]] int ai() const {
    return ai_sev < 0 ? -1 : ai_sev >= threshold;
  }

  [[nodiscard]] int rad() const {
    return rad_sev < 0 ? -1 : rad_sev >= threshold;
  }
};

std::vector<source> make_sources(std::time_t now) {
  const char* regions[] = {"chest", "hand", "skull"};
  const char* summaries[] = {"pneumonia", "fracture", "normal"};
  const char* statuses[]
    = {"done", "done", "done", "done", "done", "error", "ignore", "queued"};
  const char* births[] = {"", "1950-01-01", "2019-06-15", "2024-02-29"};
  std::vector<source> out;
  for (int i = 0; i < 48; ++i) {
    source e;
    e.uid = "1.2.826.0.1.3680043.9." + std::to_string(i);
    e.cnp = "5080110400" + std::to_string(100 + i % 4);
    e.birthdate = births[i % 4];
    e.created = format(now - (i % 20) * 86'400 - 3600, false, "%F %T");
    e.region = regions[i % 3];
    e.status = statuses[i % 8];
    if (i % 4 != 3) {
      e.ai_sev = (i * 7) % 11;
      e.latency = 5 + i % 13;
      e.recent = i % 2 == 0;
    }
    if (i % 3 != 2) {
      e.rad_sev = (i * 5) % 11;
      e.summary = summaries[(i / 3) % 3];
      e.radiologist = rad_names[(i / 2) % 3];
    }
    out.push_back(e);
  }
  return out;
}

std::vector<original_row> rows_of(const std::vector<source>& src,
                                  std::time_t now) {
  std::vector<original_row> rows;
  for (const auto& e : src) {
    original_row row;
    row.patient = original_patient{e.cnp, "", "POPESCU^ION", e.birthdate, "M"};
    row.exam
      = original_exam{e.uid,    e.cnp, std::nullopt, e.created, "proto",
                      e.region, "CR",  e.status,     "1.2.3",   "1.2.3.4"};
    if (e.ai_sev >= 0) {
      original_ai_report ai;
      ai.text = "AI report";
      ai.severity = e.ai_sev;
      ai.latency = e.latency;
      // The original stored report times in UTC.
      ai.created = ai.updated
        = format(now - (e.recent ? 3600 : 30 * 3600), true, "%F %T");
      row.ai = ai;
    }
    if (e.rad_sev >= 0) {
      original_rad_report rad;
      rad.severity = e.rad_sev;
      rad.summary = e.summary;
      rad.radiologist = e.radiologist;
      rad.text = "Raport radiologic";
      rad.latency = 40;
      row.rad = rad;
    }
    rows.push_back(row);
  }
  return rows;
}

json::value pct(std::uint64_t n, std::uint64_t d) {
  if (d == 0)
    return nullptr;
  return std::round(1000.0 * static_cast<double>(n) / static_cast<double>(d))
         / 10.0;
}

struct matrix {
  std::uint64_t tp = 0, tn = 0, fp = 0, fn = 0;

  void add(const source& e) {
    if (!e.done() || e.ai() < 0 || e.rad() < 0)
      return;
    (e.ai() ? (e.rad() ? tp : fp) : (e.rad() ? fn : tn))++;
  }
};

class StatsApi : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    now_ = std::time(nullptr);
    source_ = make_sources(now_);
    server_ = new imported_server(rows_of(source_, now_));
    started_ = server_->start();
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(started_) << server_->import_output() << server_->output();
  }

  static std::time_t now_;
  static std::vector<source> source_;
  static imported_server* server_;
  static bool started_;
};

std::time_t StatsApi::now_ = 0;
std::vector<source> StatsApi::source_;
imported_server* StatsApi::server_ = nullptr;
bool StatsApi::started_ = false;

} // namespace

TEST_F(StatsApi, OverviewCountsAndConfusionPerRegion) {
  const auto o = server_->get("/api/stats").as_object();
  std::uint64_t total = 0, reviewed = 0, positive = 0, errors = 0, ignored = 0;
  std::uint64_t recent = 0, latency = 0;
  matrix all;
  std::map<std::string, matrix> per_region;
  std::map<std::string, std::uint64_t> region_total;
  for (const auto& e : source_) {
    errors += e.status == "error";
    ignored += e.status == "ignore";
    if (!e.done())
      continue;
    ++total;
    reviewed += e.rad() >= 0;
    positive += e.ai() == 1;
    all.add(e);
    per_region[e.region].add(e);
    ++region_total[e.region];
    if (e.ai() >= 0 && e.recent) {
      ++recent;
      latency += static_cast<std::uint64_t>(e.latency);
    }
  }
  EXPECT_EQ(o.at("total"), total);
  EXPECT_EQ(o.at("reviewed"), reviewed);
  EXPECT_EQ(o.at("positive"), positive);
  EXPECT_GT(positive, 0u);
  EXPECT_EQ(o.at("correct"), all.tp + all.tn);
  EXPECT_EQ(o.at("wrong"), all.fp + all.fn);
  for (const auto& [name, m] : per_region) {
    const auto& r = o.at("region").at(name).as_object();
    EXPECT_EQ(r.at("total"), region_total[name]) << name;
    EXPECT_EQ(r.at("tpos"), m.tp) << name;
    EXPECT_EQ(r.at("tneg"), m.tn) << name;
    EXPECT_EQ(r.at("fpos"), m.fp) << name;
    EXPECT_EQ(r.at("fneg"), m.fn) << name;
    EXPECT_EQ(r.at("sensitivity"), pct(m.tp, m.tp + m.fn)) << name;
    EXPECT_EQ(r.at("specificity"), pct(m.tn, m.tn + m.fp)) << name;
    EXPECT_EQ(r.at("ppv"), pct(m.tp, m.tp + m.fp)) << name;
    EXPECT_EQ(r.at("npv"), pct(m.tn, m.tn + m.fn)) << name;
    EXPECT_TRUE(r.at("mcc").is_number());
    EXPECT_TRUE(r.at("sensitivity_ci").is_array() || m.tp + m.fn == 0);
    // Trends: every day of the last 30 and month of the last 12, ending
    // today (local time); all exams are within them.
    const auto& days = o.at("trends").at(name).as_array();
    ASSERT_EQ(days.size(), 30u);
    EXPECT_EQ(days.back().at("date"), json::value(format(now_, false, "%F")));
    const auto& months = o.at("monthly_trends").at(name).as_array();
    ASSERT_EQ(months.size(), 12u);
    EXPECT_EQ(months.back().at("month"),
              json::value(format(now_, false, "%Y-%m")));
    std::uint64_t in_days = 0, in_months = 0;
    for (const auto& d : days)
      in_days += d.at("total").to_number<std::uint64_t>();
    for (const auto& d : months)
      in_months += d.at("total").to_number<std::uint64_t>();
    EXPECT_EQ(in_days, region_total[name]) << name;
    EXPECT_EQ(in_months, region_total[name]) << name;
  }
  EXPECT_EQ(o.at("avg_processing_time"),
            std::round(100.0 * static_cast<double>(latency)
                       / static_cast<double>(recent))
              / 100.0);
  EXPECT_EQ(o.at("throughput"),
            std::round(100.0 * static_cast<double>(recent) / 24.0) / 100.0);
  EXPECT_EQ(json::serialize(o.at("error_stats")),
            R"({"error":)" + std::to_string(errors) + R"(,"ignore":)"
              + std::to_string(ignored) + "}");
  // No radiologist in this one: the same for both roles.
  EXPECT_EQ(json::serialize(server_->get("/api/stats", false)),
            json::serialize(o));
}

TEST_F(StatsApi, RadiologistsAreInitialsForUsers) {
  const auto admin = server_->get("/api/stats/radiologists").as_object();
  const auto user = server_->get("/api/stats/radiologists", false).as_object();
  std::map<std::string, std::uint64_t> reports;
  for (const auto& e : source_)
    if (!e.radiologist.empty())
      ++reports[e.radiologist];
  ASSERT_EQ(admin.size(), 3u) << json::serialize(admin);
  for (const auto& [name, n] : reports) {
    const auto& r = admin.at(name).as_object();
    EXPECT_EQ(r.at("reports"), n);
    for (const char* key :
         {"reviewed", "agree_with_ai", "ai_accuracy", "avg_severity",
          "top_diagnostics", "avg_report_latency"})
      EXPECT_TRUE(r.contains(key)) << key;
    EXPECT_EQ(r.at("avg_report_latency"), 40.0);
  }
  // "Dr. Ion Popescu" and "Ioana Pop" share initials: one merged entry.
  ASSERT_EQ(user.size(), 2u) << json::serialize(user);
  EXPECT_EQ(user.at("Dr. I.P.").at("reports"),
            reports["Dr. Ion Popescu"] + reports["Ioana Pop"]);
  EXPECT_EQ(user.at("Dr. M.I.").at("reports"), reports["Maria Ionescu"]);

  const auto trends
    = server_->get("/api/stats/radiologists/monthly_trends", false).as_object();
  EXPECT_EQ(trends.size(), 12u);
  std::uint64_t counted = 0;
  for (const auto& [month, per] : trends) {
    EXPECT_TRUE(
      std::regex_match(std::string{month}, std::regex{R"(\d{4}-\d{2})"}));
    for (const auto& [name, n] : per.as_object()) {
      EXPECT_TRUE(name == "Dr. I.P." || name == "Dr. M.I.") << name;
      counted += n.to_number<std::uint64_t>();
    }
  }
  std::uint64_t all = 0;
  for (const auto& [name, n] : reports)
    all += n;
  EXPECT_EQ(counted, all);
  const auto admin_trends
    = server_->get("/api/stats/radiologists/monthly_trends").as_object();
  EXPECT_TRUE(admin_trends.at(format(now_, false, "%Y-%m"))
                .as_object()
                .contains("Maria Ionescu"));

  const auto insights = server_->get("/api/stats/insights", false);
  const auto& metrics = insights.at("radiologist_metrics").as_object();
  EXPECT_EQ(metrics.size(), 2u);
  EXPECT_TRUE(metrics.contains("Dr. I.P."));
  const auto body = json::serialize(user) + json::serialize(trends)
                    + json::serialize(insights);
  for (const char* name : {"Popescu", "Ioana", "Maria", "Ionescu"})
    EXPECT_EQ(body.find(name), std::string::npos) << name;
}

TEST_F(StatsApi, DiagnosticsAndTheirTrends) {
  const auto d = server_->get("/api/stats/diagnostics").as_object();
  std::map<std::string, std::uint64_t> reports;
  std::map<std::string, matrix> per;
  for (const auto& e : source_)
    if (!e.summary.empty()) {
      ++reports[e.summary];
      per[e.summary].add(e);
    }
  ASSERT_EQ(d.size(), reports.size()) << json::serialize(d);
  const std::regex stamp{R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})"};
  for (const auto& [name, n] : reports) {
    const auto& o = d.at(name).as_object();
    const auto& m = per[name];
    EXPECT_EQ(o.at("reports"), n);
    EXPECT_EQ(o.at("ai_compared"), m.tp + m.tn + m.fp + m.fn);
    EXPECT_EQ(o.at("ai_accuracy"), pct(m.tp + m.tn, m.tp + m.tn + m.fp + m.fn));
    EXPECT_EQ(o.at("sensitivity"), pct(m.tp, m.tp + m.fn));
    EXPECT_EQ(o.at("ppv"), pct(m.tp, m.tp + m.fp));
    EXPECT_TRUE(o.at("top_regions").is_object());
    EXPECT_TRUE(o.at("avg_severity").is_number());
    EXPECT_TRUE(
      std::regex_match(std::string{o.at("first_seen").as_string()}, stamp));
    EXPECT_LE(o.at("first_seen").as_string(), o.at("last_seen").as_string());
  }
  const auto trends
    = server_->get("/api/diagnostics/monthly_trends").as_object();
  EXPECT_EQ(trends.size(), 12u);
  std::map<std::string, std::uint64_t> counted;
  for (const auto& [month, per_month] : trends)
    for (const auto& [name, n] : per_month.as_object())
      counted[name] += n.to_number<std::uint64_t>();
  EXPECT_EQ(counted, reports);
}

TEST_F(StatsApi, InsightsAgesAndProcessingTimes) {
  const auto o = server_->get("/api/stats/insights").as_object();
  const auto& ages = o.at("age_distribution").as_object();
  EXPECT_EQ(ages.size(), 12u);
  std::uint64_t done = 0, unknown = 0, adults = 0;
  std::map<std::string, std::uint64_t> timed;
  for (const auto& e : source_) {
    if (!e.done())
      continue;
    ++done;
    unknown += e.birthdate.empty();
    adults += e.birthdate == "1950-01-01";
    if (e.latency >= 0)
      ++timed[e.region];
  }
  std::uint64_t total = 0;
  for (const auto& [bucket, v] : ages)
    total += v.at("total").to_number<std::uint64_t>();
  EXPECT_EQ(total, done);
  EXPECT_EQ(ages.at("unknown").at("total"), unknown);
  EXPECT_EQ(ages.at(">18").at("total"), adults);
  const auto& times = o.at("processing_times").as_object();
  for (const auto& [region, n] : timed) {
    const auto& t = times.at(region).as_object();
    EXPECT_EQ(t.at("count"), n) << region;
    EXPECT_LE(t.at("min").to_number<double>(), t.at("avg").to_number<double>());
    EXPECT_LE(t.at("avg").to_number<double>(), t.at("max").to_number<double>());
  }
  EXPECT_EQ(o.at("radiologist_metrics").as_object().size(), 3u);
}

TEST_F(StatsApi, AReviewShowsAtOnce) {
  const source* target = nullptr;
  for (const auto& e : source_)
    if (e.done() && e.rad_sev < 0 && e.ai() >= 0)
      target = &e;
  ASSERT_NE(target, nullptr);
  const auto before = server_->get("/api/stats").as_object();
  auto r = http_call("POST", server_->url("/api/radreview"),
                     {basic_header("admin", "adm")},
                     R"({"uid":")" + target->uid + R"(","normal":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto after = server_->get("/api/stats").as_object();
  EXPECT_EQ(after.at("reviewed").to_number<int>(),
            before.at("reviewed").to_number<int>() + 1);
  EXPECT_EQ(after.at("correct").to_number<int>()
              + after.at("wrong").to_number<int>(),
            before.at("correct").to_number<int>()
              + before.at("wrong").to_number<int>() + 1);
  const auto rads = server_->get("/api/stats/radiologists").as_object();
  EXPECT_EQ(rads.at("admin").at("reports"), 1); // the reviewer's login
}

} // namespace xrv::test
