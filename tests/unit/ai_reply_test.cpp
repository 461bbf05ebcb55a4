#include "actors/ai/reply.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace xrv::ai;
using xrv::errc;

// Asserts that `r` failed as an unusable answer whose detail mentions `what`.
template <class T>
void expect_unusable(const xrv::result<T>& r, std::string_view what) {
  ASSERT_FALSE(r) << "accepted";
  EXPECT_EQ(r.error().code, errc::parse_error);
  EXPECT_NE(r.error().detail.find(what), std::string::npos) << r.error().detail;
}

constexpr std::string_view good_answer
  = R"({"short": "yes", "report": "Fracture of the left clavicle.", )"
    R"("confidence": 92, "severity": 6, "summary": "fracture"})";

// -- the OpenAI envelope -----------------------------------------------------

TEST(ExtractContent, ReadsTheFirstChoiceTrimmedAndTheModel) {
  const auto c = extract_completion(
    R"({"id": "x", "model": "medgemma-4b-it-q8", "choices": [{"index": 0, )"
    R"("message": {"role": "assistant", )"
    R"("content": "  {\"short\": \"no\"}\n"}, )"
    R"("finish_reason": "stop"}]})");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->content, R"({"short": "no"})");
  EXPECT_EQ(c->model, "medgemma-4b-it-q8");
  EXPECT_EQ(
    *extract_content(R"({"choices": [{"message": {"content": "hi"}}]})"), "hi");
}

TEST(ExtractContent, JoinsTextParts) {
  const auto c = extract_content(R"({"choices": [{"message": {"content": [)"
                                 R"({"type": "text", "text": "{\"a\""},)"
                                 R"( {"type": "text", "text": ": 1}"}]}}]})");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, R"({"a": 1})");
}

TEST(ExtractContent, OpenAiErrorObjectCarriesItsMessage) {
  expect_unusable(
    extract_content(R"({"error": {"message": "The model `x` does not exist", )"
                    R"("type": "invalid_request_error", "code": null}})"),
    "AI service error: The model `x` does not exist");
}

TEST(ExtractContent, OllamaErrorStringCarriesItsMessage) {
  expect_unusable(extract_content(R"({"error": "model 'llava' not found"})"),
                  "model 'llava' not found");
}

TEST(ExtractContent, EmptyOrMissingChoicesAreErrors) {
  expect_unusable(extract_content(R"({"choices": []})"), "no choices");
  expect_unusable(extract_content(R"({"id": "chatcmpl-1"})"), "no choices");
  expect_unusable(extract_content(R"({"choices": {}})"), "no choices");
}

TEST(ExtractContent, NullOrBlankContentIsAnError) {
  expect_unusable(extract_content(R"({"choices": [{"message": {"content": )"
                                  R"(null}, "finish_reason": "length"}]})"),
                  "no content (finish_reason length)");
  expect_unusable(
    extract_content(R"({"choices": [{"message": {"content": " \n "}}]})"),
    "no content");
  expect_unusable(extract_content(R"({"choices": [{"text": "legacy"}]})"),
                  "no content");
}

TEST(ExtractContent, NonJsonBodyIsAnError) {
  expect_unusable(extract_content("<html>502 Bad Gateway</html>"),
                  "not a JSON object");
  expect_unusable(extract_content(""), "not a JSON object");
  expect_unusable(extract_content("[1, 2]"), "not a JSON object");
}

// -- finding the JSON object -------------------------------------------------

TEST(FirstJsonObject, IgnoresBracesAndQuotesInsideStrings) {
  const auto o = first_json_object(
    "Sure:\n{\"a\": \"x } y { \\\" }\", \"b\": \"\\\\\"}\ntrailing }");
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_EQ(o->at("a").as_string(), "x } y { \" }");
  EXPECT_EQ(o->at("b").as_string(), "\\");
}

TEST(FirstJsonObject, ReturnsTheOuterObjectOfNestedOnes) {
  const auto o
    = first_json_object(R"({"a": {"b": {"c": 1}}, "d": 2} {"e": 3})");
  ASSERT_TRUE(o);
  EXPECT_EQ(boost::json::serialize(*o), R"({"a":{"b":{"c":1}},"d":2})");
}

TEST(FirstJsonObject, SkipsProseBraceGroupsButNeverEntersABrokenObject) {
  const auto o
    = first_json_object(R"(Use the {short, report} format: {"short": "no"})");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->at("short").as_string(), "no");
  // An object that never closes is not searched for inner objects.
  expect_unusable(
    first_json_object(R"({"x": {"short": "no", "report": "r"}, )"),
    "truncated");
}

TEST(FirstJsonObject, NothingToFind) {
  expect_unusable(first_json_object(""), "no JSON object");
  expect_unusable(first_json_object("no braces here"), "no JSON object");
  expect_unusable(first_json_object(R"({"a": "open)"), "truncated");
}

// -- the image analysis answer: a corpus -------------------------------------

struct good_case {
  std::string_view name;
  std::string_view content;
  std::string_view short_answer;
  std::string_view report;
  int confidence;
  int severity;
  std::string_view summary;
};

const std::vector<good_case> good_answers{
  {"plain JSON", good_answer, "yes", "Fracture of the left clavicle.", 92, 6,
   "fracture"},
  {"json fence",
   "```json\n{\"short\": \"no\", \"report\": \"Normal.\", "
   "\"confidence\": 95, \"severity\": 0, \"summary\": "
   "\"normal\"}\n```",
   "no", "Normal.", 95, 0, "normal"},
  {"bare fence", "```\n{\"short\": \"no\", \"report\": \"Normal.\"}\n```\n",
   "no", "Normal.", -1, -1, ""},
  {"JSON fence in capitals", R"(```JSON {"short":"no","report":"N."}```)", "no",
   "N.", -1, -1, ""},
  {"prose before and after",
   "Here is my analysis:\n{\"short\": \"yes\", \"report\": \"Consolidation.\", "
   "\"confidence\": 80, \"severity\": 6, \"summary\": \"pneumonia\"}\nLet me "
   "know if you need more.",
   "yes", "Consolidation.", 80, 6, "pneumonia"},
  // The original's `^[^{]*{` regex cut the later lines of this one.
  {"braces in strings, pretty-printed",
   "{\n  \"short\": \"yes\",\n  \"report\": \"Opacity {right base}; see "
   "\\\"{note}\\\".\",\n  \"confidence\": 70,\n  \"severity\": 5,\n  "
   "\"summary\": \"opacity {RLL}\"\n}",
   "yes", "Opacity {right base}; see \"{note}\".", 70, 5, "opacity {RLL}"},
  {"nested objects",
   R"({"short": "yes", "report": "Fracture.", "details": )"
   R"({"site": {"bone": "radius"}}, "confidence": 88})",
   "yes", "Fracture.", 88, -1, ""},
  {"two objects, first wins",
   R"({"short": "no", "report": "First."} )"
   R"({"short": "yes", "report": "Second."})",
   "no", "First.", -1, -1, ""},
  {"array-wrapped", R"([{"short": "no", "report": "Normal."}])", "no",
   "Normal.", -1, -1, ""},
  {"prose brace group first",
   R"(Format {short, report}: {"short": "no", "report": "Clear."})", "no",
   "Clear.", -1, -1, ""},
  {"upper-case short, padded text",
   R"({"short": " YES ", "report": "  Effusion.\n", "summary": " effusion "})",
   "yes", "Effusion.", -1, -1, "effusion"},
  {"numeric strings",
   R"({"short": "No", "report": "Normal.", )"
   R"("confidence": "85", "severity": " 0 "})",
   "no", "Normal.", 85, 0, ""},
  {"integral and fractional numbers",
   R"({"short": "yes", "report": "R.", "confidence": 92.5, "severity": 7.0})",
   "yes", "R.", 93, 7, ""},
  {"range limits",
   R"({"short": "yes", "report": "R.", "confidence": 100, )"
   R"("severity": 10, "summary": ""})",
   "yes", "R.", 100, 10, ""},
  {"nulls for optional fields",
   R"({"short": "no", "report": "R.", "confidence": null, "severity": null, )"
   R"("summary": null})",
   "no", "R.", -1, -1, ""},
  {"unicode escapes",
   R"({"short": "yes", "report": "Fractur\u0103 \u00een )"
   R"(1/3 medie.", "severity": 6})",
   "yes", "Fractură în 1/3 medie.", -1, 6, ""},
};

TEST(ParseAnalysis, AcceptsTheGoodAnswersOfTheCorpus) {
  for (const auto& c : good_answers) {
    SCOPED_TRACE(c.name);
    const auto r = parse_analysis(c.content);
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(r->short_answer, c.short_answer);
    EXPECT_EQ(r->report, c.report);
    EXPECT_EQ(r->confidence, c.confidence);
    EXPECT_EQ(r->severity, c.severity);
    EXPECT_EQ(r->summary, c.summary);
  }
}

struct bad_case {
  std::string_view name;
  std::string_view content;
  std::string_view reason; // a part of the error detail
};

const std::vector<bad_case> bad_answers{
  {"empty", "", "no JSON object"},
  {"not JSON at all", "I cannot analyze this image.", "no JSON object"},
  {"truncated", R"({"short": "yes", "report": "Fracture of the)", "truncated"},
  {"truncated nested", R"({"short": "yes", "details": {"a": 1}, "report": )",
   "truncated"},
  {"single quotes", R"({'short': 'yes', 'report': 'x'})", "no valid JSON"},
  {"trailing comma", R"({"short": "yes", "report": "x",})", "no valid JSON"},
  {"missing short", R"({"report": "Normal."})", "missing \"short\""},
  {"short not a string", R"({"short": true, "report": "x"})",
   "\"short\" is not a string"},
  {"short maybe", R"({"short": "maybe", "report": "x"})",
   R"("short" is "maybe", not yes or no)"},
  {"short positive", R"({"short": "positive", "report": "x"})",
   "not yes or no"},
  {"missing report", R"({"short": "yes", "confidence": 90})",
   "missing \"report\""},
  {"null report", R"({"short": "yes", "report": null})", "missing \"report\""},
  {"empty report", R"({"short": "no", "report": "   "})", "empty \"report\""},
  {"report not a string", R"({"short": "no", "report": ["a", "b"]})",
   "\"report\" is not a string"},
  {"confidence over 100",
   R"({"short": "no", "report": "x", "confidence": 150})",
   "\"confidence\" 150 is outside 0..100"},
  {"confidence negative", R"({"short": "no", "report": "x", "confidence": -5})",
   "\"confidence\" -5 is outside 0..100"},
  {"confidence fraction over 100",
   R"({"short": "no", "report": "x", "confidence": 100.4})", "outside 0..100"},
  {"confidence as ratio",
   R"({"short": "no", "report": "x", "confidence": "7/10"})",
   "\"confidence\" is not a number"},
  {"confidence as percent",
   R"({"short": "no", "report": "x", "confidence": "90%"})",
   "\"confidence\" is not a number"},
  {"severity 11", R"({"short": "yes", "report": "x", "severity": 11})",
   "\"severity\" 11 is outside 0..10"},
  {"severity float over 10",
   R"({"short": "yes", "report": "x", "severity": 10.5})",
   "\"severity\" 10.5 is outside 0..10"},
  {"severity string over 10",
   R"({"short": "yes", "report": "x", "severity": "12"})",
   "\"severity\" 12 is outside 0..10"},
  {"severity word", R"({"short": "yes", "report": "x", "severity": "high"})",
   "\"severity\" is not a number"},
  {"severity boolean", R"({"short": "yes", "report": "x", "severity": true})",
   "\"severity\" is not a number"},
  {"severity object",
   R"({"short": "yes", "report": "x", "severity": {"v": 3}})",
   "\"severity\" is not a number"},
  {"summary not a string",
   R"({"short": "yes", "report": "x", "summary": ["a"]})",
   "\"summary\" is not a string"},
  {"fenced but truncated",
   "```json\n{\"short\": \"no\", \"report\": \"x\"\n```", "truncated"},
};

TEST(ParseAnalysis, RejectsTheBadAnswersOfTheCorpusAsUnusable) {
  for (const auto& c : bad_answers) {
    SCOPED_TRACE(c.name);
    expect_unusable(parse_analysis(c.content), c.reason);
  }
}

TEST(ParseAnalysis, CorpusHasAtLeastTwentyFiveAnswers) {
  EXPECT_GE(good_answers.size() + bad_answers.size(), 25u);
}

// -- /api/check --------------------------------------------------------------

TEST(ParseCheck, ReadsTheThreeFields) {
  const auto r = parse_check(
    "```json\n{\"pathologic\": \"yes\", \"severity\": 7, \"summary\": "
    "\"Pneumonia\"}\n```");
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->pathologic, "yes");
  EXPECT_EQ(r->severity, 7);
  EXPECT_EQ(r->summary, "Pneumonia");
  EXPECT_EQ(boost::json::serialize(to_json(*r)),
            R"({"pathologic":"yes","severity":7,"summary":"Pneumonia"})");
  const auto normal = parse_check(
    R"({"pathologic": "No", "severity": 0, "summary": "normal", "extra": 1})");
  ASSERT_TRUE(normal);
  EXPECT_EQ(normal->pathologic, "no");
  EXPECT_EQ(normal->severity, 0);
}

TEST(ParseCheck, EveryFieldIsRequiredAndChecked) {
  expect_unusable(parse_check(R"({"severity": 3, "summary": "x"})"),
                  "missing \"pathologic\"");
  expect_unusable(
    parse_check(R"({"pathologic": "unsure", "severity": 3, "summary": "x"})"),
    "not yes or no");
  expect_unusable(parse_check(R"({"pathologic": "yes", "summary": "x"})"),
                  "missing \"severity\"");
  expect_unusable(
    parse_check(R"({"pathologic": "yes", "severity": 11, "summary": "x"})"),
    "outside 0..10");
  expect_unusable(parse_check(R"({"pathologic": "yes", "severity": 3})"),
                  "missing \"summary\"");
  expect_unusable(
    parse_check(R"({"pathologic": "yes", "severity": 3, "summary": 5})"),
    "\"summary\" is not a string");
  expect_unusable(parse_check("The report is normal."), "no JSON object");
}

// -- /api/analyse ------------------------------------------------------------

constexpr std::string_view good_analysis = R"({
  "first_pass": {"topic": "Chest X-ray", "purpose": "Cough",
                 "primary_findings": "Right basal consolidation"},
  "second_pass": {"main_points": ["Consolidation {RLL}", "No effusion"],
                  "supporting_evidence": ["Air bronchogram"],
                  "conclusions_valid": true},
  "third_pass": {"assumptions": [], "missing_info": ["Lateral view"],
                 "critique": "Concise."},
  "overall_assessment": "Adequate."
})";

TEST(ParseAnalyse, ReadsTheThreePasses) {
  const auto r = parse_analyse("Analysis:\n" + std::string{good_analysis});
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->first_pass.topic, "Chest X-ray");
  EXPECT_EQ(r->first_pass.primary_findings, "Right basal consolidation");
  EXPECT_EQ(r->second_pass.main_points,
            (std::vector<std::string>{"Consolidation {RLL}", "No effusion"}));
  EXPECT_TRUE(r->second_pass.conclusions_valid);
  EXPECT_TRUE(r->third_pass.assumptions.empty());
  EXPECT_EQ(r->third_pass.missing_info,
            (std::vector<std::string>{"Lateral view"}));
  EXPECT_EQ(r->overall_assessment, "Adequate.");
  const auto json = to_json(*r);
  EXPECT_EQ(boost::json::serialize(json.at("second_pass")),
            R"({"main_points":["Consolidation {RLL}","No effusion"],)"
            R"("supporting_evidence":["Air bronchogram"],)"
            R"("conclusions_valid":true})");
  EXPECT_EQ(json.at("overall_assessment").as_string(), "Adequate.");
}

TEST(ParseAnalyse, AcceptsAnArrayAnswerStringListsAndStringFlags) {
  std::string answer{good_analysis};
  const std::string list = R"(["Air bronchogram"])";
  answer.replace(answer.find(list), list.size(), R"("Air bronchogram")");
  answer.replace(answer.find("true"), 4, "\"False\"");
  const auto r = parse_analyse("[" + answer + "]");
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->second_pass.supporting_evidence,
            (std::vector<std::string>{"Air bronchogram"}));
  EXPECT_FALSE(r->second_pass.conclusions_valid);
}

TEST(ParseAnalyse, RejectsMissingPassesAndWrongTypes) {
  std::string no_third{good_analysis};
  no_third.replace(no_third.find("third_pass"), 10, "third_paSS");
  expect_unusable(parse_analyse(no_third), "missing \"third_pass\"");
  std::string number_item{good_analysis};
  number_item.replace(number_item.find("\"No effusion\""), 13, "42");
  expect_unusable(parse_analyse(number_item),
                  "\"main_points\" holds a non-string item");
  std::string bad_flag{good_analysis};
  bad_flag.replace(bad_flag.find("true"), 4, "\"maybe\"");
  expect_unusable(parse_analyse(bad_flag),
                  "\"conclusions_valid\" is not true or false");
  std::string no_overall{good_analysis};
  no_overall.replace(no_overall.find("\"Adequate.\""), 11, "null");
  expect_unusable(parse_analyse(no_overall), "missing \"overall_assessment\"");
  expect_unusable(parse_analyse(R"({"first_pass": "text"})"),
                  "\"first_pass\" is not an object");
}

// -- /api/translate ----------------------------------------------------------

TEST(ParseTranslate, ReturnsTheTrimmedTranslation) {
  const auto r = parse_translate(
    "```json\n{\"translation\": \" Clear costo-diaphragmatic sinuses, no "
    "pleural effusion. \"}\n```");
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, "Clear costo-diaphragmatic sinuses, no pleural effusion.");
}

TEST(ParseTranslate, RejectsMissingEmptyOrNonStringTranslations) {
  expect_unusable(parse_translate(R"({"english": "x"})"),
                  "missing \"translation\"");
  expect_unusable(parse_translate(R"({"translation": "  "})"),
                  "empty \"translation\"");
  expect_unusable(parse_translate(R"({"translation": ["x"]})"),
                  "\"translation\" is not a string");
  expect_unusable(parse_translate("English: Clear sinuses."), "no JSON object");
}

} // namespace
