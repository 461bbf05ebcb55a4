// The report lookup of both dialects against scripted answers: the
// requests made (URLs, escaping, auth), the choices, and the faults.

#include "actors/fhir/backoff.hpp"
#include "actors/fhir/hipocrate.hpp"
#include "actors/fhir/lookup.hpp"
#include "actors/fhir/request.hpp"
#include "actors/net/encoding.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace {

using namespace xrv::fhir;
using xrv::net::http_request;
using xrv::net::http_response;

// A server of canned answers by exact URL; unknown URLs answer 404.
struct scripted {
  std::map<std::string, xrv::result<http_response>> answers;
  std::vector<http_request> seen;

  transport fn() {
    return [this](const http_request& req) -> xrv::result<http_response> {
      seen.push_back(req);
      auto it = answers.find(req.url);
      if (it == answers.end())
        return http_response{404, R"({"resourceType":"OperationOutcome"})", ""};
      return it->second;
    };
  }

  void on(const std::string& url, std::string body, long status = 200) {
    answers[url]
      = http_response{status, std::move(body), "application/fhir+json"};
  }
};

std::string bundle(const std::string& entries, const std::string& next = {}) {
  std::string links
    = next.empty() ? ""
                   : R"(,"link":[{"relation":"next","url":")" + next + R"("}])";
  return R"({"resourceType":"Bundle","type":"searchset")" + links
         + (entries.empty() ? "" : R"(,"entry":[)" + entries + "]") + "}";
}

std::string entry(const std::string& resource) {
  return R"({"resource":)" + resource + "}";
}

settings r4() {
  settings s;
  s.base_url = "http://h:8080/fhir";
  s.username = "xrv";
  s.password = "secret";
  s.identifier_system = "urn:oid:1.2.3";
  s.page_size = 2;
  return s;
}

exam_input exam() {
  exam_input e;
  e.uid = "1.2.3";
  e.cnp = "1900101400004";
  e.patient_name = "POPESCU^ION";
  e.created = "2026-01-10 10:10:10";
  e.modality = "CR";
  e.region = "chest";
  return e;
}

const std::string patient_url
  = "http://h:8080/fhir/Patient?identifier=urn:oid:1.2.3%7C1900101400004";
const std::string sr_url = "http://h:8080/fhir/ServiceRequest?subject=Patient/"
                           "p1&_sort=-authored&_count=2";
const std::string dr_url
  = "http://h:8080/fhir/DiagnosticReport?based-on=ServiceRequest/sr2&_count=2";

const std::string patient
  = R"({"resourceType":"Patient","id":"p1","birthDate":"1990-01-01"})";
const std::string report_r1
  = R"({"resourceType":"DiagnosticReport","id":"r1","status":"final",
    "basedOn":[{"reference":"ServiceRequest/sr2"}],
    "conclusion":"Proces de condensare.","resultsInterpreter":[{"display":"Dr. X"}]})";

std::string request_at(const std::string& id, const std::string& when) {
  return R"({"resourceType":"ServiceRequest","id":")" + id
         + R"(","status":"active","authoredOn":")" + when
         + R"(","reasonCode":[{"text":"Tuse"}]})";
}

TEST(FhirLookupR4, PatientRequestAndReportFollowingNextLinks) {
  scripted srv;
  srv.on(patient_url, bundle(entry(patient)));
  // The near request is on the second page.
  srv.on(sr_url, bundle(entry(request_at("sr1", "2025-06-01T10:00:00")) + ","
                          + entry(request_at("sr0", "2025-05-01T10:00:00")),
                        "http://h:8080/fhir/ServiceRequest?page=2"));
  srv.on("http://h:8080/fhir/ServiceRequest?page=2",
         bundle(entry(request_at("sr2", "2026-01-10T09:55:00"))));
  srv.on(dr_url, bundle(entry(report_r1)));
  auto out = find_report(r4(), exam(), srv.fn());
  ASSERT_EQ(out.status, lookup_status::found) << out.detail;
  EXPECT_EQ(out.report.text, "Proces de condensare.");
  EXPECT_EQ(out.report.radiologist, "Dr. X");
  EXPECT_EQ(out.report.justification, "Tuse");
  EXPECT_EQ(out.report.id, "sr2");
  EXPECT_EQ(out.report.type, "radio");
  EXPECT_EQ(out.patient.id, "p1");
  EXPECT_EQ(out.patient.birthdate, "1990-01-01");
  ASSERT_EQ(srv.seen.size(), 4U);
  EXPECT_EQ(out.requests, 4);
  const auto basic = "Basic " + xrv::net::base64_encode("xrv:secret");
  for (const auto& req : srv.seen) {
    ASSERT_FALSE(req.headers.empty());
    EXPECT_EQ(req.headers[0].second, basic);
    EXPECT_EQ(req.timeout, std::chrono::seconds(30));
  }
}

TEST(FhirLookupR4, KnownPatientSkipsTheSearchAndBearerWins) {
  scripted srv;
  srv.on(sr_url, bundle(entry(request_at("sr2", "2026-01-10T11:00:00"))));
  srv.on(dr_url, bundle(entry(report_r1)));
  auto s = r4();
  s.token = "tok";
  auto e = exam();
  e.patient_id = "p1";
  e.birthdate = "1990-01-01";
  auto out = find_report(s, e, srv.fn());
  ASSERT_EQ(out.status, lookup_status::found) << out.detail;
  ASSERT_EQ(srv.seen.size(), 2U);
  EXPECT_EQ(srv.seen[0].url, sr_url);
  EXPECT_EQ(srv.seen[0].headers[0].second, "Bearer tok");
  EXPECT_TRUE(out.patient.id.empty()); // nothing learnt, nothing to store
}

TEST(FhirLookupR4, WithoutRequestTheReportIsFoundBySubjectAndDate) {
  scripted srv;
  srv.on(patient_url, bundle(entry(patient)));
  srv.on(sr_url, bundle(""));
  srv.on("http://h:8080/fhir/DiagnosticReport?subject=Patient/p1&date="
         "ge2026-01-08&date=le2026-01-12&_count=2",
         bundle(entry(R"({"resourceType":"DiagnosticReport","id":"r9",
           "status":"final","effectiveDateTime":"2026-01-10T10:00:00",
           "conclusion":"Normal","performer":[{"display":"Dr. Y"}]})")));
  auto out = find_report(r4(), exam(), srv.fn());
  ASSERT_EQ(out.status, lookup_status::found) << out.detail;
  EXPECT_EQ(out.report.id, "r9");
  EXPECT_EQ(out.report.radiologist, "Dr. Y");
  EXPECT_EQ(out.report.justification, "");
}

TEST(FhirLookupR4, NotFoundYetWhenTheReportIsMissingOrUnsigned) {
  scripted srv;
  srv.on(patient_url, bundle(entry(patient)));
  srv.on(sr_url, bundle(entry(request_at("sr2", "2026-01-10T10:00:00"))));
  srv.on(dr_url, bundle(entry(R"({"resourceType":"DiagnosticReport","id":"r1",
    "status":"preliminary","conclusion":"draft"})")));
  srv.on("http://h:8080/fhir/DiagnosticReport?subject=Patient/p1&date="
         "ge2026-01-08&date=le2026-01-12&_count=2",
         bundle(""));
  auto out = find_report(r4(), exam(), srv.fn());
  EXPECT_EQ(out.status, lookup_status::not_found);
  EXPECT_FALSE(out.server_fault);
  EXPECT_EQ(out.patient.id, "p1"); // still worth storing
}

TEST(FhirLookupR4, UnknownPatientIsNotFound) {
  scripted srv;
  srv.on(patient_url, R"({"resourceType":"Bundle","total":0})");
  auto out = find_report(r4(), exam(), srv.fn());
  EXPECT_EQ(out.status, lookup_status::not_found);
  EXPECT_EQ(srv.seen.size(), 1U);
}

TEST(FhirLookupR4, ServerFaultsAndBadAnswers) {
  for (long status : {401L, 403L, 500L, 503L}) {
    scripted srv;
    srv.on(patient_url, "{}", status);
    auto out = find_report(r4(), exam(), srv.fn());
    EXPECT_EQ(out.status, lookup_status::failed) << status;
    EXPECT_TRUE(out.server_fault) << status;
    EXPECT_NE(out.detail.find(std::to_string(status)), std::string::npos);
  }
  scripted timeout;
  timeout.answers[patient_url]
    = tl::unexpected(xrv::error{xrv::errc::timeout, "Operation timed out"});
  auto t = find_report(r4(), exam(), timeout.fn());
  EXPECT_EQ(t.status, lookup_status::failed);
  EXPECT_TRUE(t.server_fault);
  scripted truncated;
  truncated.on(patient_url, R"({"resourceType":"Bundle","entry":[{"res)");
  auto c = find_report(r4(), exam(), truncated.fn());
  EXPECT_EQ(c.status, lookup_status::failed);
  EXPECT_FALSE(c.server_fault);
}

TEST(FhirLookupR4, NextLinksToAnotherHostAreNotFollowed) {
  scripted srv;
  srv.on(patient_url, bundle(entry(patient), "http://evil:1/fhir/Patient?x"));
  srv.on(sr_url, bundle(""));
  srv.on("http://h:8080/fhir/DiagnosticReport?subject=Patient/p1&date="
         "ge2026-01-08&date=le2026-01-12&_count=2",
         bundle(""));
  auto out = find_report(r4(), exam(), srv.fn());
  EXPECT_EQ(out.status, lookup_status::not_found);
  for (const auto& req : srv.seen)
    EXPECT_EQ(req.url.find("evil"), std::string::npos);
  EXPECT_EQ(follow_link(r4(), "/fhir/Patient?p=2"),
            "http://h:8080/fhir/Patient?p=2");
  EXPECT_EQ(follow_link(r4(), "HTTP://H:8080/fhir/x"), "HTTP://H:8080/fhir/x");
}

settings hip() {
  settings s;
  s.kind = dialect::hipocrate;
  s.base_url = "http://h:44660";
  s.username = "hipocrate";
  s.password = "hipocrate";
  return s;
}

const std::string hip_sr
  = "http://h:44660/fhir/ServiceRequest?patient=9&dt=2026-01-10+10:10:10"
    "&type=radio&region=chest";

TEST(FhirLookupHipocrate, OriginalRequestsAndFieldsExactly) {
  scripted srv;
  srv.on("http://h:44660/fhir/Patient?q=1900101400004",
         bundle(entry(R"({"resourceType":"Patient","id":"10"})") + ","
                + entry(R"({"resourceType":"Patient","id":"9",
                    "birthDate":"1990-01-01"})")));
  srv.on(hip_sr, bundle(entry(R"({"resourceType":"ServiceRequest","id":77,
    "reason":[{"display":"Tuse"}]})")));
  srv.on("http://h:44660/fhir/DiagnosticReport/77",
         R"({"resourceType":"DiagnosticReport","presentedForm":[
           {"type":"CT","region":"chest","data":"wrong"},
           {"type":"RADIO","region":"Chest","data":"  Cord normal.  "}],
           "resultsInterpreter":[{"display":"Dr. Z"}]})");
  auto out = find_report(hip(), exam(), srv.fn());
  ASSERT_EQ(out.status, lookup_status::found) << out.detail;
  // "9" > "10" as strings: the original's choice.
  EXPECT_EQ(out.patient.id, "9");
  EXPECT_EQ(out.patient.birthdate, "1990-01-01");
  EXPECT_EQ(out.report.text, "Cord normal.");
  EXPECT_EQ(out.report.radiologist, "Dr. Z");
  EXPECT_EQ(out.report.justification, "Tuse");
  EXPECT_EQ(out.report.id, "77");
  EXPECT_EQ(out.report.type, "radio");
  ASSERT_EQ(srv.seen.size(), 3U);
  EXPECT_EQ(srv.seen[1].url, hip_sr);
}

TEST(FhirLookupHipocrate, NameSearchAfterAnEmptyCnpAnswerAndStoredRequestId) {
  scripted srv;
  srv.on("http://h:44660/fhir/Patient?q=1900101400004",
         R"({"resourceType":"Bundle"})");
  srv.on("http://h:44660/fhir/Patient?q=POPESCU+ION",
         R"({"resourceType":"Patient","id":"9"})");
  srv.on("http://h:44660/fhir/DiagnosticReport/55",
         R"({"resourceType":"DiagnosticReport","presentedForm":[
           {"data":"Text"}]})");
  auto e = exam();
  e.request_id = "55";
  auto out = find_report(hip(), e, srv.fn());
  ASSERT_EQ(out.status, lookup_status::found) << out.detail;
  EXPECT_EQ(out.report.id, "55");
  EXPECT_EQ(out.report.justification, "");
  EXPECT_EQ(srv.seen.size(), 3U);
}

TEST(FhirLookupHipocrate, TwoServiceRequestsOrNoneAreNotFound) {
  scripted srv;
  auto e = exam();
  e.patient_id = "9";
  e.birthdate = "1990-01-01";
  srv.on(hip_sr,
         bundle(entry(R"({"resourceType":"ServiceRequest","id":"1"})") + ","
                + entry(R"({"resourceType":"ServiceRequest","id":"2"})")));
  auto out = find_report(hip(), e, srv.fn());
  EXPECT_EQ(out.status, lookup_status::not_found);
  EXPECT_EQ(srv.seen.size(), 1U);
}

TEST(FhirHipocrate, PatientChoiceRules) {
  using hipocrate::patient_step;
  const auto two = bundle(entry(R"({"resourceType":"Patient","id":"1"})") + ","
                          + entry(R"({"resourceType":"Patient","id":"2"})"));
  EXPECT_EQ(hipocrate::by_cnp(200, two, false).step, patient_step::stop);
  EXPECT_EQ(hipocrate::by_cnp(200, two, true).patient.id, "2");
  EXPECT_EQ(hipocrate::by_cnp(500, "", true).step, patient_step::try_name);
  EXPECT_EQ(hipocrate::by_cnp(200,
                              R"({"resourceType":"OperationOutcome","issue":[
    {"severity":"information"}]})",
                              true)
              .step,
            patient_step::try_name);
  EXPECT_EQ(hipocrate::by_cnp(200,
                              R"({"resourceType":"OperationOutcome","issue":[
    {"severity":"error"}]})",
                              true)
              .step,
            patient_step::stop);
  EXPECT_EQ(hipocrate::by_name(200, two).step, patient_step::stop);
  EXPECT_EQ(hipocrate::search_name("POPESCU^^X"), "POPESCU  X");
  EXPECT_EQ(hipocrate::search_name(" POPESCU ^ ION ^MIHAI"),
            "POPESCU ION MIHAI");
  EXPECT_EQ(hipocrate::search_name("  Ion  "), "Ion");
  EXPECT_EQ(hipocrate::exam_type("mr"), "irm");
  EXPECT_EQ(hipocrate::exam_type("XA"), "radio");
  EXPECT_TRUE(hipocrate::reusable_request_id("12"));
  EXPECT_FALSE(hipocrate::reusable_request_id("-1"));
  EXPECT_FALSE(hipocrate::reusable_request_id("sr1"));
}

TEST(FhirRequest, MetadataProbePerDialect) {
  auto r = metadata_request(r4());
  EXPECT_EQ(r.url, "http://h:8080/fhir/metadata");
  EXPECT_EQ(r.timeout, std::chrono::seconds(10));
  EXPECT_FALSE(r.headers.empty());
  auto h = metadata_request(hip());
  EXPECT_EQ(h.url, "http://h:44660/fhir/Metadata");
  EXPECT_TRUE(h.headers.empty()); // the original probed without credentials
  EXPECT_TRUE(probe_ok(http_response{200, "{}", ""}));
  EXPECT_FALSE(probe_ok(http_response{401, "{}", ""}));
}

TEST(FhirRequest, UrlEscaping) {
  auto s = r4();
  s.base_url += "/";
  EXPECT_EQ(make_url(s, "/Patient", {{"identifier", "a b|c&d=e"}}),
            "http://h:8080/fhir/Patient?identifier=a%20b%7Cc%26d%3De");
  EXPECT_EQ(make_url(hip(), "/fhir/Patient", {{"q", "Ș a"}}),
            "http://h:44660/fhir/Patient?q=%C8%98+a");
  EXPECT_EQ(parse_dialect("HIPOCRATE"), dialect::hipocrate);
  EXPECT_FALSE(parse_dialect("dstu2"));
}

TEST(FhirBackoff, DoublesUpToTheCapAndPicksTheOldestDue) {
  backoff_policy p{std::chrono::seconds(60), std::chrono::seconds(300)};
  EXPECT_EQ(delay_after(1, p), std::chrono::seconds(60));
  EXPECT_EQ(delay_after(3, p), std::chrono::seconds(240));
  EXPECT_EQ(delay_after(9, p), std::chrono::seconds(300));
  backoff_table t;
  const steady_time t0{};
  const std::vector<std::string> oldest_first{"a", "b", "c"};
  EXPECT_EQ(next_due(oldest_first, t, t0), "a");
  record_miss(t, "a", t0, p);
  EXPECT_EQ(next_due(oldest_first, t, t0), "b");
  record_miss(t, "b", t0, p);
  record_miss(t, "c", t0, p);
  EXPECT_FALSE(next_due(oldest_first, t, t0 + std::chrono::seconds(59)));
  EXPECT_EQ(next_due(oldest_first, t, t0 + std::chrono::seconds(60)), "a");
  EXPECT_EQ(record_miss(t, "a", t0, p), std::chrono::seconds(120));
  keep_only(t, {"b"});
  EXPECT_EQ(t.size(), 1U);
  EXPECT_TRUE(t.contains("b"));
}

} // namespace
