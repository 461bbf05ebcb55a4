// The hipocrate dialect end to end against a facade that answers as the
// original's HIS did (tests/support/hipocrate_facade.js): the original's
// requests exactly (paths, `q`, `dt` with `+` for the space, type, region;
// Basic auth except on Metadata), the form chosen by type and region, the
// patient enrichment, then the AI check.

#include "tests/e2e/fhir_fixture.hpp"

namespace xrv::test {
namespace {

class FhirHipocrate : public FhirServer {
protected:
  node_peer facade_{dir_.path(),
                    "hipocrate_facade.js",
                    {{"FHIR_BASIC", "hipocrate:hipocrate"}}};
  fake_llm llm_{dir_.path()};
};

TEST_F(FhirHipocrate, OriginalRequestsAndFields) {
  ASSERT_TRUE(facade_.ready());
  ASSERT_TRUE(llm_.ready());
  const auto day = today(false);
  facade_.control("/__data", R"({
    "patients": [{"cnp": "1900101400004", "name": "X", "id": "12345",
                  "birthDate": "1990-01-01"}],
    "requests": [{"id": "777", "patient": "12345", "day": ")"
                               + day + R"(", "type": "radio",
                  "region": "chest", "info": "Suspiciune pneumonie"}],
    "reports": {"777": {"radiologist": "Dr. Maria Ionescu", "forms": [
      {"type": "eco", "region": "chest", "data": "Alt examen"},
      {"type": "RADIO", "region": "chest", "data": "  Cord normal. SCD libere. "}
    ]}}})");
  start_with_fhir(llm_, "FHIR_URL = " + facade_.url("")
                          + "\nFHIR_DIALECT = hipocrate\nFHIR_USERNAME = "
                            "hipocrate\nFHIR_PASSWORD = hipocrate\n");
  llm_.control(
    "/__script",
    "[{\"content\":" + quoted(answer("no", "Normal.", 0)) + "},{\"content\":"
      + quoted(R"({"translation":"Normal heart. Clear sinuses."})")
      + "},{\"content\":"
      + quoted(R"({"pathologic":"no","severity":0,"summary":"Normal"})")
      + "}]");
  const auto uid = send_image("Torace AP", "1900101400004", today(true));
  ASSERT_TRUE(wait_classified(uid)) << output();
  auto e = exam(uid);
  const auto& rad = e.at("report").at("rad");
  EXPECT_EQ(rad.at("text").as_string(), "Cord normal. SCD libere.");
  EXPECT_EQ(rad.at("radiologist").as_string(), "Dr. Maria Ionescu");
  EXPECT_EQ(rad.at("justification").as_string(), "Suspiciune pneumonie");
  EXPECT_EQ(rad.at("id").as_string(), "777");
  EXPECT_EQ(rad.at("type").as_string(), "radio");
  EXPECT_EQ(rad.at("text_en").as_string(), "Normal heart. Clear sinuses.");
  EXPECT_EQ(e.at("report").at("correct").as_int64(), 1);
  EXPECT_EQ(e.at("patient").at("id").as_string(), "12345");
  const std::string created{e.at("exam").at("created").as_string()};
  // The original's requests, in its order, each once.
  std::vector<std::string> urls;
  for (const auto& r : facade_.requests()) {
    const std::string url{r.at("url").as_string()};
    if (url == "/fhir/Metadata") {
      EXPECT_TRUE(r.at("authorization").is_null());
      continue;
    }
    EXPECT_EQ(r.at("authorization").as_string(),
              basic_header("hipocrate", "hipocrate").substr(15));
    urls.push_back(url);
  }
  auto dt = created;
  dt[10] = '+';
  const std::vector<std::string> expected{
    "/fhir/Patient?q=1900101400004",
    "/fhir/ServiceRequest?patient=12345&dt=" + dt + "&type=radio&region=chest",
    "/fhir/DiagnosticReport/777"};
  EXPECT_EQ(urls, expected);
}

using FhirAbsent = AiServer;

TEST_F(FhirAbsent, GetradWithoutFhirUrlIs503) {
  start("OPENAI_URL_PRIMARY =\nOPENAI_URL_SECONDARY =\n");
  auto r = post("/api/getrad", R"({"uid":"1.2.3"})");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("FHIR_URL"), std::string::npos) << r.body;
  EXPECT_EQ(post("/api/getrad", R"({"uid":7})").status, 400);
}

} // namespace
} // namespace xrv::test
