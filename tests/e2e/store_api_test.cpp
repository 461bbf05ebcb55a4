// The exam and patient API of the real binary over a database imported from
// a SQLite file with the original program's schema. Expected answers are
// computed here from the source rows with the spec's definitions, not with
// the server's own filter code.

#include "tests/e2e/imported_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

namespace xrv::test {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int threshold = 5;

// One source exam, as the test wrote it into the original database.
struct source_exam {
  std::string uid, cnp, name, created, region, status, summary, radiologist;
  int ai_sev = -1, confidence = -1, rad_sev = -1, rad_review = -1;

  // The spec's definitions (API.md §3), applied to the source data: the
  // original's `positive` columns are not trusted, severity decides.
  [[nodiscard]] int ai_positive() const {
    return ai_sev < 0 ? -1 : (ai_sev >= threshold ? 1 : 0);
  }

  [[nodiscard]] int rad_positive() const {
    if (rad_sev >= 0)
      return rad_sev >= threshold ? 1 : 0;
    return rad_review;
  }

  [[nodiscard]] int correct() const {
    if (ai_positive() < 0 || rad_positive() < 0)
      return -1;
    return ai_positive() == rad_positive() ? 1 : 0;
  }
};

const char* names[]
  = {"POPESCU^ION",   "IONESCU^MARIA", "ȘTEFĂNESCU^ANA", "GEORGESCU^RADU",
     "POPA^ELENA",    "DUMITRU^MIHAI", "STAN^IOANA",     "POPESCU^ANDREI",
     "MOLDOVAN^ALEX", "LUPU^CRISTINA", "NEAGU^VLAD",     "ȚURCANU^OANA"};

std::vector<source_exam> make_dataset(int n) {
  const char* regions[] = {"chest", "abdomen", "skull", "hand"};
  const char* summaries[] = {"pneumonia", "fracture", "normal"};
  const char* rads[] = {"Dr. Ion Popescu", "Maria Ionescu"};
  std::vector<source_exam> out;
  for (int i = 0; i < n; ++i) {
    source_exam e;
    e.uid = "1.2.826.0.1.3680043.2." + std::to_string(i);
    const int k = i % 12;
    e.cnp = "50801" + std::to_string(10 + k) + "400" + std::to_string(100 + k);
    e.name = names[k];
    char created[32];
    std::snprintf(created, sizeof created, "2026-%02d-%02d 08:%02d:00",
                  1 + i % 9, 10 + i % 18, i % 60);
    e.created = created;
    e.region = regions[i % 4];
    e.status = i % 10 == 3 ? "error" : i % 10 == 7 ? "queued" : "done";
    if (i % 5 != 0) {
      e.ai_sev = (i * 7) % 11;
      e.confidence = (i * 13) % 101;
    }
    if (i % 3 == 0) {
      e.rad_sev = (i * 5) % 11;
      e.summary = summaries[i % 3 == 0 ? (i / 3) % 3 : 0];
      e.radiologist = rads[(i / 3) % 2];
    } else if (i % 7 == 1) {
      e.rad_review = 1; // a dashboard review in the original
      e.radiologist = "drhouse";
    }
    out.push_back(e);
  }
  return out;
}

std::vector<original_row> rows_of(const std::vector<source_exam>& src) {
  std::vector<original_row> rows;
  for (const auto& e : src) {
    original_row row;
    row.patient = original_patient{e.cnp, "", e.name, "2018-05-01", "F"};
    row.exam
      = original_exam{e.uid,    e.cnp, std::nullopt, e.created, "proto",
                      e.region, "CR",  e.status,     "1.2.3",   "1.2.3.4"};
    if (e.ai_sev >= 0) {
      original_ai_report ai;
      ai.text = "AI report for " + e.uid;
      ai.severity = e.ai_sev;
      ai.confidence = e.confidence;
      ai.positive = 1 - (e.ai_sev % 2); // unreliable on purpose
      ai.summary = "finding";
      ai.created = ai.updated = "2026-02-01 10:00:00";
      row.ai = ai;
    }
    if (e.rad_sev >= 0 || e.rad_review >= 0) {
      original_rad_report rad;
      rad.severity = e.rad_sev;
      rad.positive = e.rad_review >= 0 ? e.rad_review : -1;
      rad.summary
        = e.summary.empty() ? std::optional<std::string>{} : e.summary;
      rad.radiologist = e.radiologist;
      if (e.rad_sev >= 0)
        rad.text = "Raport radiologic " + e.uid;
      rad.created = rad.updated = "2026-02-02 10:00:00";
      row.rad = rad;
    }
    rows.push_back(row);
  }
  return rows;
}

// The imported server with the source exams it was made from.
class source_server : public imported_server {
public:
  explicit source_server(int exams) : source_server(make_dataset(exams)) {}

  [[nodiscard]] const std::vector<source_exam>& source() const {
    return source_;
  }

private:
  explicit source_server(std::vector<source_exam> src)
      : imported_server(rows_of(src)), source_(std::move(src)) {}

  std::vector<source_exam> source_;
};

// UIDs of the expected matches, newest first (created desc, then uid).
std::vector<std::string>
expected(const std::vector<source_exam>& src,
         const std::function<bool(const source_exam&)>& keep) {
  std::vector<const source_exam*> hits;
  for (const auto& e : src)
    if (keep(e))
      hits.push_back(&e);
  std::sort(hits.begin(), hits.end(), [](auto* a, auto* b) {
    return a->created != b->created ? a->created > b->created : a->uid < b->uid;
  });
  std::vector<std::string> out;
  for (auto* e : hits)
    out.push_back(e->uid);
  return out;
}

std::vector<std::string> uids_of(const json::value& page) {
  std::vector<std::string> out;
  for (const auto& e : page.at("exams").as_array())
    out.emplace_back(e.at("uid").as_string());
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return std::tolower(c);
  });
  return s;
}

class StoreApi : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    server_ = new source_server(60);
    started_ = server_->start();
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(started_) << server_->import_output() << server_->output();
  }

  static source_server* server_;
  static bool started_;
};

source_server* StoreApi::server_ = nullptr;
bool StoreApi::started_ = false;

} // namespace

TEST_F(StoreApi, ImportReportsWhatItImported) {
  const auto& out = server_->import_output();
  EXPECT_TRUE(std::regex_search(out, std::regex{R"(exams:\s+60 imported)"}))
    << out;
  EXPECT_TRUE(std::regex_search(out, std::regex{R"(unmappable:\s+0 rows)"}))
    << out;
}

TEST_F(StoreApi, EveryFilterMatchesIndependentExpectations) {
  const auto& src = server_->source();
  const std::vector<
    std::pair<std::string, std::function<bool(const source_exam&)>>>
    cases = {
      {"",
       [](const source_exam&) {
         return true;
       }},
      {"reviewed=yes",
       [](auto& e) {
         return e.rad_positive() >= 0;
       }},
      {"reviewed=no",
       [](auto& e) {
         return e.rad_positive() < 0;
       }},
      {"positive=yes",
       [](auto& e) {
         return e.ai_positive() == 1;
       }},
      {"positive=no",
       [](auto& e) {
         return e.ai_positive() == 0;
       }},
      {"correct=yes",
       [](auto& e) {
         return e.correct() == 1;
       }},
      {"correct=no",
       [](auto& e) {
         return e.correct() == 0;
       }},
      {"region=CHE",
       [](auto& e) {
         return e.region == "chest";
       }},
      {"status=done,error",
       [](auto& e) {
         return e.status == "done" || e.status == "error";
       }},
      {"status=queued",
       [](auto& e) {
         return e.status == "queued";
       }},
      {"search=popescu",
       [](auto& e) {
         return lower(e.name).find("popescu") != std::string::npos;
       }},
      {"search=%C8%99tef", // ștef, matching ȘTEFĂNESCU case-insensitively
       [](auto& e) {
         return e.name == names[2];
       }},
      {"search=3680043.2.1",
       [](auto& e) {
         return e.uid.find("3680043.2.1") != std::string::npos;
       }},
      {"search=5080110",
       [](auto& e) {
         return e.cnp.find("5080110") != std::string::npos;
       }},
      {"search=50%25",
       [](auto&) {
         return false;
       }}, // literal %, not a wildcard
      {"diagnostic=PNEUMONIA",
       [](auto& e) {
         return e.summary == "pneumonia";
       }},
      {"radiologist=maria+ionescu",
       [](auto& e) {
         return e.radiologist == "Maria Ionescu";
       }},
      {"severity=3-6&reviewed=yes",
       [](auto& e) {
         return e.rad_sev >= 3 && e.rad_sev <= 6;
       }},
      {"severity=-2",
       [](auto& e) {
         return e.rad_sev >= 0 && e.rad_sev <= 2;
       }},
      {"severity=7",
       [](auto& e) {
         return e.rad_sev == 7;
       }},
      {"ai_severity=5-",
       [](auto& e) {
         return e.ai_sev >= 5;
       }},
      {"confidence=50-",
       [](auto& e) {
         return e.confidence >= 50;
       }},
      {"region=chest&positive=yes",
       [](auto& e) {
         return e.region == "chest" && e.ai_positive() == 1;
       }},
    };
  for (const auto& [query, keep] : cases) {
    auto want = expected(src, keep);
    auto page = server_->get("/api/exams?limit=100&" + query);
    ASSERT_TRUE(page.is_object()) << query;
    EXPECT_EQ(page.at("total").as_int64(),
              static_cast<std::int64_t>(want.size()))
      << query;
    EXPECT_EQ(uids_of(page), want) << query;
    EXPECT_EQ(page.at("pages").as_int64(),
              static_cast<std::int64_t>((want.size() + 99) / 100))
      << query;
  }
}

TEST_F(StoreApi, PagesFollowThePageSize) {
  auto all = expected(server_->source(), [](auto&) {
    return true;
  });
  auto first = server_->get("/api/exams");
  EXPECT_EQ(first.at("total").as_int64(), 60);
  EXPECT_EQ(first.at("pages").as_int64(), 6); // PAGE_SIZE 10
  EXPECT_EQ(uids_of(first),
            std::vector<std::string>(all.begin(), all.begin() + 10));
  auto third = server_->get("/api/exams?page=3&limit=7");
  EXPECT_EQ(uids_of(third),
            std::vector<std::string>(all.begin() + 14, all.begin() + 21));
  EXPECT_EQ(third.at("pages").as_int64(), 9);
  EXPECT_TRUE(uids_of(server_->get("/api/exams?page=99")).empty());
  auto none = server_->get("/api/exams?search=nobody-has-this");
  EXPECT_EQ(none.at("total").as_int64(), 0);
  EXPECT_EQ(none.at("pages").as_int64(), 0);
}

TEST_F(StoreApi, InvalidFiltersAre400NamingTheField) {
  auto admin = basic_header("admin", "adm");
  const std::pair<const char*, const char*> bad[] = {
    {"page=0", "page"},
    {"page=x", "page"},
    {"severity=11", "severity"},
    {"severity=6-3", "severity"},
    {"confidence=a", "confidence"},
    {"status=bogus", "status"},
    {"reviewed=maybe", "reviewed"},
    {"limit=500", "limit"},
  };
  for (const auto& [query, field] : bad) {
    auto r = http_call("GET", server_->url(std::string{"/api/exams?"} + query),
                       {admin});
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_NE(r.body.find(field), std::string::npos) << query << r.body;
  }
}

TEST_F(StoreApi, ExamObjectHasEveryKeyAndDerivedValues) {
  const auto& e = server_->source()[9]; // AI 8/10 -> positive; rad 0 -> normal
  auto v = server_->get("/api/exams/" + e.uid);
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.at("uid").as_string(), e.uid);
  EXPECT_EQ(v.at("patient").at("name").as_string(), e.name);
  EXPECT_EQ(v.at("patient").at("cnp").as_string(), e.cnp);
  EXPECT_EQ(v.at("exam").at("created").as_string(), e.created);
  EXPECT_EQ(v.at("exam").at("region").as_string(), e.region);
  const auto& ai = v.at("report").at("ai");
  EXPECT_EQ(ai.at("severity").as_int64(), e.ai_sev);
  EXPECT_EQ(ai.at("positive").as_int64(), e.ai_positive());
  const auto& rad = v.at("report").at("rad");
  EXPECT_EQ(rad.at("positive").as_int64(), e.rad_positive());
  EXPECT_EQ(v.at("report").at("correct").as_int64(), e.correct());
  EXPECT_EQ(v.at("report").at("reviewed").as_int64(),
            e.rad_positive() >= 0 ? 1 : 0);
  for (const char* key : {"text", "summary", "created", "updated", "model",
                          "latency", "confidence"})
    EXPECT_TRUE(ai.as_object().contains(key)) << key;
  for (const char* key :
       {"text", "text_en", "severity", "summary", "id", "type", "radiologist",
        "justification", "model", "latency"})
    EXPECT_TRUE(rad.as_object().contains(key)) << key;
  auto missing = http_call("GET", server_->url("/api/exams/9.9.9"),
                           {basic_header("admin", "adm")});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"error":"Exam not found"})");
}

TEST_F(StoreApi, UserRoleSeesInitialsEverywhere) {
  const auto& e = server_->source()[0]; // POPESCU^ION, Dr. Ion Popescu
  auto v = server_->get("/api/exams/" + e.uid, false);
  EXPECT_EQ(v.at("patient").at("name").as_string(), "P.I.");
  EXPECT_EQ(v.at("patient").at("cnp").as_string(), e.cnp.substr(0, 7) + "...");
  EXPECT_EQ(v.at("report").at("rad").at("radiologist").as_string(), "Dr. I.P.");
  auto list = server_->get("/api/exams?limit=100", false);
  for (const auto& x : list.at("exams").as_array()) {
    std::string name{x.at("patient").at("name").as_string()};
    EXPECT_EQ(name.find('^'), std::string::npos) << name;
  }
  auto rads = server_->get("/api/radiologists", false);
  std::set<std::string> shown;
  for (const auto& r : rads.as_array())
    shown.emplace(r.as_string());
  EXPECT_EQ(shown, (std::set<std::string>{"Dr. I.P.", "Dr. M.I.", "Dr. D."}));
  // A user may filter by the initials they see.
  auto mine = server_->get("/api/exams?limit=100&radiologist=Dr.+M.I.", false);
  EXPECT_EQ(uids_of(mine), expected(server_->source(), [](auto& s) {
              return s.radiologist == "Maria Ionescu";
            }));
  auto patients = server_->get("/api/patients?limit=100", false);
  for (const auto& p : patients.at("patients").as_array())
    EXPECT_EQ(std::string{p.at("cnp").as_string()}.size(), 10u);
  auto admin_rads = server_->get("/api/radiologists");
  EXPECT_EQ(admin_rads.as_array().size(), 3u);
}

TEST_F(StoreApi, PatientsListAndDetail) {
  auto page = server_->get("/api/patients?limit=100");
  EXPECT_EQ(page.at("total").as_int64(), 12);
  std::vector<std::string> got;
  for (const auto& p : page.at("patients").as_array())
    got.emplace_back(p.at("name").as_string());
  auto sorted = got;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(got, sorted);
  auto found = server_->get("/api/patients?search=ionescu");
  EXPECT_EQ(found.at("total").as_int64(), 1);
  const auto& src = server_->source();
  auto detail = server_->get("/api/patients/" + src[0].cnp);
  EXPECT_EQ(detail.at("name").as_string(), src[0].name);
  std::vector<std::string> exams;
  for (const auto& u : detail.at("exams").as_array())
    exams.emplace_back(u.as_string());
  EXPECT_EQ(exams, expected(src, [&](auto& e) {
              return e.cnp == src[0].cnp;
            }));
  auto missing = http_call("GET", server_->url("/api/patients/000"),
                           {basic_header("admin", "adm")});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"error":"Patient not found"})");
}

TEST_F(StoreApi, AggregatesCountRadiologistVerdicts) {
  const auto& src = server_->source();
  auto sev = server_->get("/api/severity");
  for (int s = 0; s <= 10; ++s) {
    auto n = std::count_if(src.begin(), src.end(), [s](auto& e) {
      return e.rad_sev == s;
    });
    EXPECT_EQ(sev.at(std::to_string(s)).as_int64(), n) << s;
  }
  auto diag = server_->get("/api/diagnostics");
  for (const char* d : {"pneumonia", "fracture", "normal"}) {
    auto n = std::count_if(src.begin(), src.end(), [d](auto& e) {
      return e.summary == d;
    });
    EXPECT_EQ(diag.at(d).as_int64(), n) << d;
  }
}

TEST_F(StoreApi, ReviewAndRequeueRoundTrip) {
  auto admin = basic_header("admin", "adm");
  const auto& e = server_->source()[2]; // not reviewed
  auto r = http_call("POST", server_->url("/api/radreview"), {admin},
                     R"({"uid":")" + e.uid + R"(","normal":false})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"status":"success"})");
  auto v = server_->get("/api/exams/" + e.uid);
  EXPECT_EQ(v.at("report").at("rad").at("positive").as_int64(), 1);
  EXPECT_EQ(v.at("report").at("rad").at("radiologist").as_string(), "admin");
  EXPECT_EQ(v.at("report").at("reviewed").as_int64(), 1);

  auto q = http_call("POST", server_->url("/api/requeue"), {admin},
                     R"({"uid":")" + e.uid + R"("})");
  EXPECT_EQ(q.status, 200) << q.body;
  EXPECT_NE(q.body.find("re-queued"), std::string::npos);
  EXPECT_EQ(
    server_->get("/api/exams/" + e.uid).at("exam").at("status").as_string(),
    "requeue");

  const std::pair<std::string, std::string> bad[] = {
    {"{not json", "JSON"},
    {R"({"normal":true})", "uid"},
    {R"({"uid":"1.2","normal":"yes"})", "normal"},
    {R"({"uid":"1.2"})", "normal"},
    {R"({"uid":"../etc","normal":true})", "uid"},
  };
  for (const auto& [body, field] : bad) {
    auto b = http_call("POST", server_->url("/api/radreview"), {admin}, body);
    EXPECT_EQ(b.status, 400) << body;
    EXPECT_NE(b.body.find(field), std::string::npos) << b.body;
    EXPECT_NE(b.body.find(R"("status":"error")"), std::string::npos);
  }
  auto unknown = http_call("POST", server_->url("/api/requeue"), {admin},
                           R"({"uid":"9.9.9"})");
  EXPECT_EQ(unknown.status, 404);
}

TEST(StoreCrash, KillDuringBurstLosesNoAcknowledgedWrite) {
  source_server srv{200};
  ASSERT_TRUE(srv.start()) << srv.import_output() << srv.output();
  auto admin = basic_header("admin", "adm");
  // Each exam gets one write; the acknowledged ones are recorded.
  std::map<std::string, std::string>
    acked; // uid -> "normal"/"abnormal"/"requeue"
  std::atomic<int> count{0};
  std::mutex mtx;
  std::thread burst([&] {
    for (int i = 0; i < 200; ++i) {
      const auto& e = srv.source()[static_cast<std::size_t>(i)];
      std::string kind = i % 3 == 0   ? "requeue"
                         : i % 3 == 1 ? "normal"
                                      : "abnormal";
      http_result r;
      if (kind == "requeue")
        r = http_call("POST", srv.url("/api/requeue"), {admin},
                      R"({"uid":")" + e.uid + R"("})");
      else
        r = http_call("POST", srv.url("/api/radreview"), {admin},
                      R"({"uid":")" + e.uid + R"(","normal":)"
                        + (kind == "normal" ? "true" : "false") + "}");
      if (r.status == 200) {
        std::lock_guard g{mtx};
        acked[e.uid] = kind;
        ++count;
      } else if (r.status == 0) {
        return; // the server is gone
      }
    }
  });
  ASSERT_TRUE(wait_until(
    [&] {
      return count.load() >= 40;
    },
    30s));
  srv.stop(SIGKILL);
  burst.join();
  ASSERT_TRUE(srv.start()) << srv.output();
  std::lock_guard g{mtx};
  ASSERT_GE(acked.size(), 40u);
  for (const auto& [uid, kind] : acked) {
    auto v = srv.get("/api/exams/" + uid);
    if (kind == "requeue") {
      EXPECT_EQ(v.at("exam").at("status").as_string(), "requeue") << uid;
    } else {
      EXPECT_EQ(v.at("report").at("rad").at("positive").as_int64(),
                kind == "normal" ? 0 : 1)
        << uid;
    }
  }
  auto stuck = srv.get("/api/exams?status=processing");
  EXPECT_EQ(stuck.at("total").as_int64(), 0);
  EXPECT_EQ(srv.get("/api/exams").at("total").as_int64(), 200);
}

} // namespace xrv::test
