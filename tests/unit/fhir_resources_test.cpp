// FHIR R4 mapping: Bundles, OperationOutcome, times, Patient,
// ServiceRequest and DiagnosticReport fields, HTML reduction, choices.

#include "actors/fhir/resources.hpp"
#include "actors/net/encoding.hpp"
#include "actors/store/definitions.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace {

using namespace xrv::fhir;
namespace json = boost::json;

json::object obj(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(FhirBundle, KeepsOnlyEntriesOfTheAskedTypeAndTheNextLink) {
  auto page = read_bundle(R"({"resourceType":"Bundle","type":"searchset",
    "link":[{"relation":"self","url":"http://h/fhir/Patient?a=1"},
            {"relation":"next","url":"http://h/fhir/Patient?a=2"}],
    "entry":[{"resource":{"resourceType":"Patient","id":"p1"}},
             {"resource":{"resourceType":"OperationOutcome"}},
             {"resource":{"resourceType":"Patient","id":"p2"}}]})",
                          "Patient");
  ASSERT_TRUE(page) << page.error().detail;
  ASSERT_EQ(page->resources.size(), 2U);
  EXPECT_EQ(page->resources[1].at("id").as_string(), "p2");
  EXPECT_EQ(page->next, "http://h/fhir/Patient?a=2");
}

TEST(FhirBundle, WithoutEntryIsAnEmptyLastPage) {
  auto page = read_bundle(R"({"resourceType":"Bundle","total":0})", "Patient");
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->resources.empty());
  EXPECT_TRUE(page->next.empty());
}

TEST(FhirBundle, TruncatedJsonAndOtherResourcesAreErrors) {
  auto cut
    = read_bundle(R"({"resourceType":"Bundle","entry":[{"reso)", "Patient");
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, xrv::errc::parse_error);
  auto other = read_bundle(R"({"resourceType":"Patient","id":"1"})", "Patient");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().detail.find("Patient, not a Bundle"),
            std::string::npos);
}

TEST(FhirBundle, OperationOutcomeIsAnErrorWithItsCodesOnly) {
  auto r = read_bundle(
    R"({"resourceType":"OperationOutcome","issue":[
      {"severity":"error","code":"invalid","diagnostics":"no 1900101400004"},
      {"severity":"warning","code":"too-costly","details":{"text":"slow"}},
      {"severity":"information"}]})",
    "Patient");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find(
              "error: invalid; warning: too-costly; information: no code"),
            std::string::npos)
    << r.error().detail;
  // Free text that may echo the searched CNP never reaches the log.
  EXPECT_EQ(r.error().detail.find("1900101400004"), std::string::npos);
}

TEST(FhirTime, OffsetsAreExactAndZonelessTimesAreLocal) {
  const auto utc = parse_fhir_time("2026-01-10T08:10:10Z");
  const auto plus2 = parse_fhir_time("2026-01-10T10:10:10+02:00");
  const auto frac = parse_fhir_time("2026-01-10T10:10:10.123+02:00");
  ASSERT_TRUE(utc && plus2 && frac);
  EXPECT_EQ(*utc, *plus2);
  EXPECT_EQ(*frac, *plus2);
  EXPECT_EQ(*utc, 1768032610);
  EXPECT_EQ(parse_fhir_time("2026-01-10T10:10:10"),
            xrv::store::to_epoch_seconds("2026-01-10 10:10:10"));
  EXPECT_EQ(parse_fhir_time("2026-01-10"),
            xrv::store::to_epoch_seconds("2026-01-10 00:00:00"));
  EXPECT_EQ(parse_fhir_time("2026"), parse_fhir_time("2026-01-01"));
  EXPECT_FALSE(parse_fhir_time("2026-02-30"));
  EXPECT_FALSE(parse_fhir_time("2026-01-10T25:00:00Z"));
  EXPECT_FALSE(parse_fhir_time("2026-01-10T10:00:00+2"));
  EXPECT_FALSE(parse_fhir_time(""));
}

TEST(FhirPatient, BirthDateOnlyWhenComplete) {
  auto p = patient_of(obj(R"({"id":"7","birthDate":"2019-05-04"})"));
  EXPECT_EQ(p.id, "7");
  EXPECT_EQ(p.birthdate, "2019-05-04");
  EXPECT_EQ(patient_of(obj(R"({"id":"7","birthDate":"2019-05"})")).birthdate,
            "");
}

TEST(FhirServiceRequest, TimeAndJustificationFallbacks) {
  auto r = request_of(obj(R"({"id":"sr1","status":"active",
    "authoredOn":"2026-01-10T09:00:00Z",
    "reasonCode":[{"text":"Tuse"},{"coding":[{"display":"Febra"}]}],
    "supportingInfo":[{"display":"ignored"}]})"));
  EXPECT_EQ(r.id, "sr1");
  EXPECT_EQ(r.time, parse_fhir_time("2026-01-10T09:00:00Z"));
  EXPECT_EQ(r.justification, "Tuse; Febra");
  auto s = request_of(obj(R"({"id":"sr2",
    "occurrencePeriod":{"start":"2026-01-11T09:00:00Z"},
    "supportingInfo":[{"reference":"x"},{"display":"Control"}]})"));
  EXPECT_EQ(s.time, parse_fhir_time("2026-01-11T09:00:00Z"));
  EXPECT_EQ(s.justification, "Control");
}

TEST(FhirReport, PlainTextFormWinsOverHtmlAndConclusion) {
  const auto plain = xrv::net::base64_encode("Fără  leziuni.\r\nSCD libere.");
  const auto html = xrv::net::base64_encode("<p>HTML</p>");
  auto r = report_of(obj(R"({"id":"dr1","status":"final",
    "conclusion":"scurt",
    "presentedForm":[{"contentType":"text/html","data":")"
                         + html + R"("},
                     {"contentType":"text/plain; charset=utf-8","data":")"
                         + plain + R"("}],
    "resultsInterpreter":[{"reference":"Practitioner/1"},
                          {"display":"Dr. Ion Popescu"}],
    "performer":[{"display":"Clinic"}],
    "basedOn":[{"reference":"ServiceRequest/sr1"}],
    "effectiveDateTime":"2026-01-10T10:00:00Z",
    "issued":"2026-01-10T12:00:00Z"})"));
  EXPECT_EQ(r.text, "Fără leziuni.\nSCD libere.");
  EXPECT_EQ(r.radiologist, "Dr. Ion Popescu");
  ASSERT_EQ(r.based_on.size(), 1U);
  EXPECT_EQ(r.based_on[0], "ServiceRequest/sr1");
  EXPECT_TRUE(is_signed(r));
}

TEST(FhirReport, HtmlFormIsReducedAndLatin1IsConverted) {
  const auto html = xrv::net::base64_encode(
    "<html><head><style>p{}</style></head><body><p>Opacitate&nbsp;"
    "bazal&#259; dreapt&#x103;</p><p>Cord &lt;normal&gt;<br>SCD "
    "libere</p><script>x()</script></body></html>");
  auto r = report_of(obj(R"({"status":"final","presentedForm":[
    {"contentType":"application/pdf","data":"JVBERg=="},
    {"contentType":"text/html","data":")"
                         + html + R"("}],"performer":[{"display":"Dr. B"}]})"));
  EXPECT_EQ(r.text, "Opacitate bazală dreaptă\nCord <normal>\nSCD libere");
  EXPECT_EQ(r.radiologist, "Dr. B");
  const auto latin = xrv::net::base64_encode("F\xE3r\xE3");
  auto l = report_of(obj(R"({"presentedForm":[{"contentType":
    "text/plain; charset=ISO-8859-2","data":")"
                         + latin + R"("}]})"));
  EXPECT_EQ(l.text, "F\xC3\xA3r\xC3\xA3"); // bytes read as Latin-1
}

TEST(FhirReport, ConclusionWhenNoReadableForm) {
  auto r = report_of(obj(R"({"status":"preliminary","conclusion":" Normal. ",
    "presentedForm":[{"contentType":"application/pdf","data":"JVBERg=="}]})"));
  EXPECT_EQ(r.text, "Normal.");
  EXPECT_FALSE(is_signed(r));
}

TEST(FhirChoice, NearestRequestWithinTheWindow) {
  std::vector<request_fields> rs(4);
  rs[0] = {"a", "active", 1000, ""};
  rs[1] = {"b", "active", 5000, ""};
  rs[2] = {"c", "entered-in-error", 2000, ""};
  rs[3] = {"d", "completed", std::nullopt, ""};
  EXPECT_EQ(nearest_request(rs, 2100, 3600)->id, "a");
  EXPECT_EQ(nearest_request(rs, 4000, 3600)->id, "b");
  EXPECT_FALSE(nearest_request(rs, 20000, 3600));
}

TEST(FhirChoice, TwoReportsOfOneRequestTheNewestSignedWins) {
  report_fields first{"r1", "final", 100, 200, {}, "Prima", "Dr. A"};
  report_fields corrected{"r2", "corrected", 100, 900, {}, "Corectat", "Dr. A"};
  report_fields draft{"r3", "preliminary", 100, 2000, {}, "Ciorna", "Dr. A"};
  report_fields blank{"r4", "final", 100, 3000, {}, "", "Dr. A"};
  auto pick = newest_signed({first, corrected, draft, blank});
  ASSERT_TRUE(pick);
  EXPECT_EQ(pick->id, "r2");
  EXPECT_FALSE(newest_signed({draft, blank}));
}

TEST(FhirChoice, ByDateSkipsOtherRequestsAndFarReports) {
  report_fields mine{"r1", "final", 1000, 1100, {"ServiceRequest/s1"}, "A", ""};
  report_fields other{"r2", "final", 1000, 1200, {"ServiceRequest/s2"},
                      "B",  ""};
  report_fields unlinked{"r3", "final", 1500, 1600, {}, "C", ""};
  report_fields far{"r4", "final", 99999, 99999, {}, "D", ""};
  EXPECT_EQ(nearest_signed({mine, other, unlinked, far}, 1000, 3600, "s1")->id,
            "r1");
  EXPECT_EQ(nearest_signed({other, unlinked, far}, 1000, 3600, "s1")->id, "r3");
  EXPECT_EQ(nearest_signed({other, far}, 1000, 3600, "")->id, "r2");
  EXPECT_FALSE(nearest_signed({far}, 1000, 3600, ""));
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  const std::vector<std::string> samples{
    "", "a", "ab", "abc", "abcd", std::string{"\xff\x00\x10", 3}};
  for (const auto& s : samples)
    EXPECT_EQ(xrv::net::base64_decode(xrv::net::base64_encode(s)), s);
  EXPECT_EQ(xrv::net::base64_decode("YWJj\r\nZA=="), "abcd");
  EXPECT_EQ(xrv::net::base64_decode("YWJjZA"), "abcd");
  EXPECT_FALSE(xrv::net::base64_decode("YW*j"));
  EXPECT_FALSE(xrv::net::base64_decode("YQ==YQ=="));
  EXPECT_FALSE(xrv::net::base64_decode("Y"));
}

} // namespace
