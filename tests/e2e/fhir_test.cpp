// The radiologist report pipeline end to end against Medplum's FHIR router
// (tests/support/fhir_server.js): an exam analysed by the fake LLM, its
// report found on the FHIR server (identifier search, paging through `next`
// links, two reports of one request), translated and classified by the fake
// LLM, and listed as a disagreement; faults the server shows once are
// retried; a wrong password or an unusable check never leaves an exam stuck.

#include "tests/e2e/fhir_fixture.hpp"
#include "tests/support/ws_client.hpp"

namespace xrv::test {
namespace {

const std::string cnp = "1900101400004";
const std::string report_text
  = "Proces de condensare paracardiac dreapta. SCD libere.";

std::string uuid(int n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "urn:uuid:00000000-0000-4000-8000-%012d", n);
  return buf;
}

json::object post_entry(const std::string& type, json::object resource, int n) {
  resource["resourceType"] = type;
  return json::object{{"fullUrl", uuid(n)},
                      {"resource", std::move(resource)},
                      {"request", {{"method", "POST"}, {"url", type}}}};
}

std::string base64(const std::string& s) {
  return run_command("base64 -w0", s);
}

// A patient with 55 requests authored in 2030 (the first page of a
// `_sort=-authored` search), the exam's request today, and two reports of
// it: a final one and its amendment.
std::string seed() {
  const auto day = today(false);
  json::array entries;
  entries.push_back(post_entry(
    "Patient",
    {{"identifier", json::array{{{"system", "urn:oid:1.2.3"}, {"value", cnp}}}},
     {"birthDate", "1990-01-01"}},
    1));
  const json::object subject{{"reference", uuid(1)}};
  for (int i = 0; i < 55; ++i)
    entries.push_back(post_entry(
      "ServiceRequest",
      {{"status", "active"},
       {"intent", "order"},
       {"subject", subject},
       {"authoredOn", "2030-01-" + std::string(i % 28 < 9 ? "0" : "")
                        + std::to_string(i % 28 + 1) + "T08:00:00Z"}},
      100 + i));
  entries.push_back(
    post_entry("ServiceRequest",
               {{"status", "active"},
                {"intent", "order"},
                {"subject", subject},
                {"authoredOn", day + "T10:05:00"},
                {"reasonCode", json::array{{{"text", "Tuse persistentă"}}}}},
               2));
  const json::array based_on{{{"reference", uuid(2)}}};
  entries.push_back(post_entry("DiagnosticReport",
                               {{"status", "final"},
                                {"code", {{"text", "Rx torace"}}},
                                {"subject", subject},
                                {"basedOn", based_on},
                                {"effectiveDateTime", day + "T10:10:00"},
                                {"issued", day + "T10:30:00"},
                                {"conclusion", "Prima varianta"}},
                               3));
  entries.push_back(post_entry(
    "DiagnosticReport",
    {{"status", "amended"},
     {"code", {{"text", "Rx torace"}}},
     {"subject", subject},
     {"basedOn", based_on},
     {"effectiveDateTime", day + "T10:10:00"},
     {"issued", day + "T11:00:00"},
     {"presentedForm",
      json::array{{{"contentType", "text/plain; charset=utf-8"},
                   {"data", base64(report_text)}}}},
     {"resultsInterpreter", json::array{{{"display", "Dr. Ion Popescu"}}}}},
    4));
  return json::serialize(json::object{{"resourceType", "Bundle"},
                                      {"type", "transaction"},
                                      {"entry", std::move(entries)}});
}

class FhirR4 : public FhirServer {
protected:
  void SetUp() override {
    FhirServer::SetUp();
    ASSERT_TRUE(fhir_.ready());
    ASSERT_TRUE(llm_.ready());
    auto r = http_call(
      "POST", fhir_.url("/fhir"),
      {basic_header("xrv", "secret"), "Content-Type: application/fhir+json"},
      seed());
    ASSERT_EQ(r.status, 200) << r.body;
  }

  void start_r4(const std::string& password = "secret") {
    start_with_fhir(llm_,
                    "FHIR_URL = " + fhir_.url("/fhir")
                      + "\nFHIR_USERNAME = xrv\nFHIR_PASSWORD = " + password
                      + "\nIDENTIFIER_SYSTEM = urn:oid:1.2.3\n");
  }

  /// The analysis (positive), the translation and the check (normal).
  void script_disagreement(const std::string& check = {}) {
    const auto verdict
      = check.empty() ? R"({"pathologic":"no","severity":0,"summary":"Normal"})"
                      : check;
    llm_.control(
      "/__script",
      "[{\"content\":" + quoted(answer("yes", "Consolidation.", 7))
        + "},{\"content\":"
        + quoted(
          R"({"translation":"Right paracardiac consolidation. Clear sinuses."})")
        + "},{\"content\":" + quoted(verdict) + "}]");
  }

  std::size_t count_requests(const std::string& needle) const {
    std::size_t n = 0;
    for (const auto& r : fhir_.requests())
      if (std::string_view{r.at("url").as_string()}.find(needle)
          != std::string_view::npos)
        ++n;
    return n;
  }

  node_peer fhir_{
    dir_.path(), "fhir_server.js", {{"FHIR_BASIC", "xrv:secret"}}};
  fake_llm llm_{dir_.path()};
};

TEST_F(FhirR4, ReportFetchedCheckedAndListedAsDisagreement) {
  start_r4();
  script_disagreement();
  const auto uid = send_image("Torace AP", cnp, today(true));
  ASSERT_FALSE(uid.empty());
  ASSERT_TRUE(wait_classified(uid)) << output();
  ASSERT_TRUE(wait_status(uid, "done"));
  auto e = exam(uid);
  const auto& rad = e.at("report").at("rad");
  // The amended report wins over the first one; its text was base64.
  EXPECT_EQ(rad.at("text").as_string(), report_text);
  EXPECT_EQ(rad.at("radiologist").as_string(), "Dr. Ion Popescu");
  EXPECT_EQ(rad.at("justification").as_string(), "Tuse persistentă");
  EXPECT_EQ(rad.at("type").as_string(), "radio");
  EXPECT_EQ(rad.at("text_en").as_string(),
            "Right paracardiac consolidation. Clear sinuses.");
  EXPECT_EQ(rad.at("positive").as_int64(), 0);
  EXPECT_EQ(rad.at("severity").as_int64(), 0);
  EXPECT_EQ(rad.at("summary").as_string(), "normal");
  EXPECT_FALSE(rad.at("model").as_string().empty());
  EXPECT_GE(rad.at("latency").as_int64(), 0);
  EXPECT_EQ(e.at("report").at("correct").as_int64(), 0);
  // The request id is the ServiceRequest's, as the server named it.
  const std::string request_id{rad.at("id").as_string()};
  EXPECT_EQ(count_requests("based-on=ServiceRequest/" + request_id), 1U);
  // Enrichment: the FHIR patient id.
  const std::string patient_id{e.at("patient").at("id").as_string()};
  // Two pages of requests (the front's `next` link escapes the slash).
  EXPECT_EQ(
    count_requests("ServiceRequest?subject=Patient/" + patient_id)
      + count_requests("ServiceRequest?subject=Patient%2F" + patient_id),
    2U);
  EXPECT_EQ(count_requests("_offset=50"), 1U); // the `next` link followed
  for (const auto& r : fhir_.requests())
    EXPECT_EQ(r.at("authorization").as_string(),
              basic_header("xrv", "secret").substr(15)); // "Basic ..."
  // The disagreement list has it.
  auto list = json::parse(get("/api/exams?reviewed=yes&correct=no").body);
  ASSERT_EQ(list.at("total").as_int64(), 1);
  EXPECT_EQ(list.at("exams").at(0).at("uid").as_string(), uid);
  EXPECT_EQ(json::parse(get("/api/exams?reviewed=yes&correct=yes").body)
              .at("total")
              .as_int64(),
            0);
  // The LLM translated, then classified the Romanian text.
  auto reqs = llm_.requests();
  ASSERT_EQ(reqs.size(), 3U);
  const auto prompt = [&](std::size_t i, std::size_t m) {
    return std::string{reqs[i]
                         .at("body")
                         .at("messages")
                         .at(m)
                         .at("content")
                         .at(0)
                         .at("text")
                         .as_string()};
  };
  EXPECT_NE(prompt(1, 0).find("medical translator"), std::string::npos);
  EXPECT_NE(prompt(2, 0).find("analyzing radiology reports"),
            std::string::npos);
  EXPECT_NE(prompt(2, 1).find("paracardiac dreapta"), std::string::npos);
}

// The dashboard hears of the report and of its check (spec §6 events).
TEST_F(FhirR4, DashboardGetsRadreportThenRadcheck) {
  start_r4();
  script_disagreement();
  int status = 0;
  const auto auth = basic_header("admin", "adm");
  auto ws = ws_client::connect(
    http_port_, {{"Authorization", auth.substr(auth.find(':') + 2)}}, status);
  ASSERT_TRUE(ws) << status;
  const auto uid = send_image("Torace AP", cnp, today(true));
  std::vector<json::object> events;
  bool fhir_up = false; // the frames' `fhir` extension key
  ASSERT_TRUE(wait_until(
    [&] {
      auto text = ws->next(100ms);
      if (!text)
        return false;
      auto f = json::parse(*text).as_object();
      if (const auto* fh = f.if_contains("fhir"))
        fhir_up = fh->at("enabled").as_bool() && fh->at("health").as_bool();
      if (const auto* e = f.if_contains("event");
          e && e->at("payload").as_object().contains("uid")
          && e->at("payload").at("uid").as_string() == uid
          && (e->at("name") == "radreport" || e->at("name") == "radcheck"))
        events.push_back(e->as_object());
      return events.size() == 2;
    },
    40s))
    << output();
  EXPECT_TRUE(fhir_up) << "the dashboard frames did not show FHIR as up";
  EXPECT_EQ(events[0].at("name").as_string(), "radreport");
  const auto& rep = events[0].at("payload").at("rad_report");
  EXPECT_EQ(rep.at("text").as_string(), report_text);
  EXPECT_EQ(rep.at("radiologist").as_string(), "Dr. Ion Popescu");
  EXPECT_EQ(events[1].at("name").as_string(), "radcheck");
  const auto& chk = events[1].at("payload");
  EXPECT_EQ(chk.at("positive").as_bool(), false);
  EXPECT_EQ(chk.at("summary").as_string(), "normal");
}

class FhirR4Faults : public FhirR4,
                     public ::testing::WithParamInterface<const char*> {};

// A fault the server shows once on the patient search: the lookup fails,
// backs off, and the next one finds the report.
TEST_P(FhirR4Faults, RetriedUntilTheReportIsFound) {
  fhir_.control("/__fault", GetParam());
  start_r4();
  script_disagreement();
  const auto uid = send_image("Torace AP", cnp, today(true));
  ASSERT_TRUE(wait_classified(uid, 60s)) << output();
  EXPECT_EQ(exam(uid).at("report").at("rad").at("text").as_string(),
            report_text);
  EXPECT_GE(count_requests("/Patient?identifier="), 2U);
}

INSTANTIATE_TEST_SUITE_P(
  Once, FhirR4Faults,
  ::testing::Values(R"({"match":"Patient?","status":500})",
                    R"({"match":"Patient?","status":401})",
                    R"({"match":"Patient?","delay_ms":3000})",
                    R"({"match":"Patient?","truncate":true})",
                    R"({"match":"Patient?","no_entry":true})"));

TEST_F(FhirR4, WrongPasswordStoresNothingAndGetradStillAnswers) {
  start_r4("wrong");
  llm_.control("/__script",
               "[{\"content\":" + quoted(answer("yes", "Consolidation.", 7))
                 + "}]");
  const auto uid = send_image("Torace AP", cnp, today(true));
  ASSERT_TRUE(wait_status(uid, "done")) << output();
  auto r = post("/api/getrad", R"({"uid":")" + uid + R"("})");
  EXPECT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(wait_until(
    [&] {
      return count_requests("/Patient?identifier=") >= 1;
    },
    20s));
  auto e = exam(uid);
  EXPECT_TRUE(e.at("report").at("rad").at("text").is_null());
  EXPECT_EQ(e.at("exam").at("status").as_string(), "done");
  EXPECT_EQ(llm_.requests().size(), 1U); // no check without a report
}

TEST_F(FhirR4, UnusableChecksEndDoneUnclassified) {
  start_r4();
  llm_.control("/__default", R"({"content":"not json"})");
  script_disagreement("still not json");
  const auto uid = send_image("Torace AP", cnp, today(true));
  ASSERT_TRUE(wait_until(
    [&] {
      auto e = exam(uid);
      return e.is_object() && !e.at("report").at("rad").at("text").is_null()
             && e.at("exam").at("status").as_string() == "done";
    },
    40s))
    << output();
  // analysis + translation + 3 check attempts (MAX_RETRIES)
  ASSERT_TRUE(wait_until(
    [&] {
      return llm_.requests().size() >= 5U;
    },
    10s));
  auto e = exam(uid);
  EXPECT_EQ(e.at("report").at("rad").at("positive").as_int64(), -1);
  EXPECT_EQ(e.at("exam").at("status").as_string(), "done");
}

TEST_F(FhirR4, GetradValidatesAndFetchesInTheBackground) {
  start_r4();
  script_disagreement();
  EXPECT_EQ(post("/api/getrad", "{}").status, 400);
  EXPECT_EQ(post("/api/getrad", R"({"uid":"x"})").status, 400);
  EXPECT_EQ(post("/api/getrad", R"({"uid":"1.2.999"})").status, 404);
  const auto uid = send_image("Torace AP", cnp, today(true));
  ASSERT_TRUE(wait_classified(uid)) << output();
  // Fetching again replaces the report and checks it again.
  llm_.control(
    "/__script",
    "[{\"content\":" + quoted(R"({"translation":"again"})") + "},{\"content\":"
      + quoted(R"({"pathologic":"yes","severity":6,"summary":"Pneumonia"})")
      + "}]");
  auto r = post("/api/getrad", R"({"uid":")" + uid + R"("})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body).at("status").as_string(), "success");
  ASSERT_TRUE(wait_until(
    [&] {
      auto e = exam(uid);
      return e.at("report").at("rad").at("summary") == "pneumonia";
    },
    30s))
    << output();
  EXPECT_EQ(exam(uid).at("report").at("correct").as_int64(), 1);
}

} // namespace
} // namespace xrv::test
