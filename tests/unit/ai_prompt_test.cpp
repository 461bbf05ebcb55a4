#include "actors/ai/prompts.hpp"
#include "actors/ai/request.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace xrv::ai;
using xrv::errc;
using xrv::store::exam_record;

// -- expected bodies ---------------------------------------------------------
//
// Generated with Python 3.11 by re-running the original's code paths on the
// §4.8 prompts: `USR_PROMPT.format(...)` plus the §4.3 appendices, then
// `json.dumps(data)` as aiohttp's `json=` does. Example inputs of §4.3
// (clavicle A.P., 5-year-old boy, indication "tuse", one prior); the
// document leaves out the protocol, the dates, the PNG and the model, so they
// are reconstructed: protocol "CLAVICULA A.P.", born 2020-03-14, exam
// 2025-11-20 08:15:00, a 1x1 grey PNG, MODEL_NAME's default.

// clang-format off
const std::string expected_example_body =
  R"js({"model": "medgemma-4b-it", "timings_per_token": true, "min_p": 0.05)js"
  R"js(, "top_k": 40, "top_p": 0.95, "temperature": 0.6, "cache_prompt": tr)js"
  R"js(ue, "stream": false, "keep_alive": 1800, "messages": [{"role": "syst)js"
  R"js(em", "content": [{"type": "text", "text": "\nYou are an experienced )js"
  R"js(emergency radiologist analyzing imaging studies.\n\nOUTPUT FORMAT:\n)js"
  R"js(You must respond with ONLY valid JSON in this exact format:\n{\n  \")js"
  R"js(short\": \"yes\" or \"no\",\n  \"report\": \"detailed findings as a )js"
  R"js(string\",\n  \"confidence\": integer from 0 to 100,\n  \"severity\":)js"
  R"js( integer from 0 to 10,\n  \"summary\": \"diagnosis in 1-3 words\"\n})js"
  R"js(\n\nCRITICAL RULES:\n- Output ONLY the JSON object - no additional t)js"
  R"js(ext, explanations, or apologies before or after\n- The \"short\" fie)js"
  R"js(ld must be exactly \"yes\" or \"no\" (lowercase, in quotes)\n- \"yes)js"
  R"js(\" means pathological findings are present\n- \"no\" means no signif)js"
  R"js(icant findings detected\n- The \"confidence\" field must be a number)js"
  R"js( between 0-100 (no quotes)\n- The \"severity\" field must be a numbe)js"
  R"js(r between 0-10 (no quotes), where 0 is normal and 10 is critical\n- )js"
  R"js(The \"summary\" field must be a brief diagnosis in 1-3 words, focusi)js"
  R"js(ng on major category classifications (e.g., \"pneumonia\", \"fractur)js"
  R"js(e\", \"normal\", \"interstitial infiltrate\")\n- Use double quotes f)js"
  R"js(or all keys and string values\n- Properly escape special characters )js"
  R"js(in the report string\n\nEXAMPLES:\n\nExample 1 - Chest X-ray with pn)js"
  R"js(eumonia:\nInput: Chest X-ray, patient with cough and fever\nOutput: )js"
  R"js({\"short\": \"yes\", \"report\": \"Consolidation in the right lower )js"
  R"js(lobe consistent with pneumonia. No pleural effusion or pneumothorax.)js"
  R"js( Heart size normal.\", \"confidence\": 92, \"severity\": 6, \"summar)js"
  R"js(y\": \"pneumonia\"}\n\nExample 2 - Normal chest X-ray:\nInput: Chest)js"
  R"js( X-ray, routine screening\nOutput: {\"short\": \"no\", \"report\": \)js"
  R"js("Clear lung fields bilaterally. No consolidation, pleural effusion, )js"
  R"js(or pneumothorax. Cardiac silhouette within normal limits. No acute b)js"
  R"js(ony abnormalities.\", \"confidence\": 95, \"severity\": 0, \"summary)js"
  R"js(\": \"normal\"}\n\nExample 3 - Abdominal X-ray with uncertain findin)js"
  R"js(gs:\nInput: Abdominal X-ray, abdominal pain\nOutput: {\"short\": \"y)js"
  R"js(es\", \"report\": \"Dilated small bowel loops measuring up to 3.5 cm)js"
  R"js( with air-fluid levels, concerning for possible small bowel obstruct)js"
  R"js(ion. No free air under the diaphragm. Limited assessment of solid or)js"
  R"js(gans on plain film.\", \"confidence\": 78, \"severity\": 7, \"summar)js"
  R"js(y\": \"bowel obstruction\"}\n\nANALYSIS APPROACH:\n- Systematically )js"
  R"js(examine the entire image for all abnormalities\n- Report all identif)js"
  R"js(ied lesions and pathological findings\n- Be factual - if uncertain, )js"
  R"js(describe what you observe without assuming\n- Use professional radio)js"
  R"js(logical terminology\n- Review the image multiple times if findings a)js"
  R"js(re ambiguous\n\nREPORT CONTENT:\nThe \"report\" field should contain)js"
  R"js( a complete radiological description including:\n- Primary findings )js"
  R"js(related to the clinical question\n- Additional incidental findings o)js"
  R"js(r lesions\n- Relevant negative findings if clinically important\n\nS)js"
  R"js(EVERITY SCORING:\n- 0: Normal findings\n- 1-3: Minimal abnormalities)js"
  R"js(, no immediate clinical concern\n- 4-6: Moderate findings requiring )js"
  R"js(clinical correlation\n- 7-8: Significant abnormalities requiring pro)js"
  R"js(mpt attention\n- 9-10: Critical findings requiring immediate interve)js"
  R"js(ntion\n\nCONFIDENCE SCORING:\n- 90-100: High confidence in findings\)js"
  R"js(n- 70-89: Moderate confidence, some uncertainty\n- 50-69: Low confid)js"
  R"js(ence, significant uncertainty\n- 0-49: Very low confidence, speculat)js"
  R"js(ive findings\n\nRemember: Output ONLY the JSON object with no other )js"
  R"js(text.\n"}]}, {"role": "user", "content": [{"type": "text", "text": ")js"
  R"js(\nAre there any fractures in this frontal clavicle X-ray of a 5 year)js"
  R"js(s old boy?\n\n\nCLINICAL INFORMATION: tuse\n\nPRIOR STUDIES:\n\n[202)js"
  R"js(5-11-01 10:00:00] Old report.\n\nCompare to prior studies. Note any )js"
  R"js(new, stable, resolved, or progressive findings with dates.\n\nIMPORT)js"
  R"js(ANT: Also identify any other lesions or abnormalities beyond the pri)js"
  R"js(mary clinical question. Output JSON only."}, {"type": "image_url", ")js"
  R"js(image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAA)js"
  R"js(AEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg==")js"
  R"js(}}]}]})js";

// The revision body: size, hash and its text after the system prompt.
constexpr std::size_t expected_revision_size = 4584;
constexpr std::uint64_t expected_revision_fnv = 0x41c662c5902f74aaULL;
const std::string expected_revision_tail =
  R"js({"role": "user", "content": [{"type": "text", "text": "\nAre there a)js"
  R"js(ny lung consolidations, infitrates, opacities, pleural effusion, pne)js"
  R"js(umothorax or pneumoperitoneum in this  chest X-ray of a 1 year old g)js"
  R"js(irl?\n\n\nIMPORTANT: Also identify any other lesions or abnormalitie)js"
  R"js(s beyond the primary clinical question. Output JSON only."}, {"type")js"
  R"js(: "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KG)js"
  R"js(goAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAA)js"
  R"js(ABJRU5ErkJggg=="}}]}, {"role": "assistant", "content": "{\"short\": )js"
  R"js(\"yes\", \"report\": \"Opacitate \\u00een baza dreapt\\u0103, \\\"su)js"
  R"js(spect\\u0103\\\"\\n{pneumonie}.\"}"}, {"role": "user", "content": "\)js"
  R"js(nYour previous report was incorrect. Carefully re-examine the image.)js"
  R"js(\n\nReview checklist:\n- Verify each finding you previously reported)js"
  R"js(\n- Look for any missed abnormalities\n- Reassess systematically fro)js"
  R"js(m top to bottom\n\nOutput ONLY the JSON format. No apologies or expl)js"
  R"js(anations.\n"}]})js";

// The /api/check body: size, hash and its user message.
constexpr std::size_t expected_check_size = 2249;
constexpr std::uint64_t expected_check_fnv = 0x4cccef983a4ee2a6ULL;
const std::string expected_check_tail =
  R"js({"role": "user", "content": [{"type": "text", "text": "F\u0103r\u010)js"
  R"js(3 modific\u0103ri. SCD libere."}]}]})js";
// clang-format on

constexpr std::string_view tiny_png
  = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81yt"
    "gAAAABJRU5ErkJggg==";

const std::string example_prompt
  = "\nAre there any fractures in this frontal clavicle X-ray of a 5 years old "
    "boy?\n\n\nCLINICAL INFORMATION: tuse\n\nPRIOR STUDIES:\n\n[2025-11-01 "
    "10:00:00] Old report.\n\nCompare to prior studies. Note any new, stable, "
    "resolved, or progressive findings with dates.\n\nIMPORTANT: Also identify "
    "any other lesions or abnormalities beyond the primary clinical question. "
    "Output JSON only.";

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s)
    h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

analysis_input example_input() {
  analysis_input in;
  in.exam.uid = "1.2.3.4";
  in.exam.cnp = "5200314400011";
  in.exam.created = "2025-11-20 08:15:00";
  in.exam.protocol = "CLAVICULA A.P.";
  in.exam.region = "clavicle";
  in.exam.study = "1.2.3";
  in.exam.rad.justification = "tuse";
  in.patient.cnp = in.exam.cnp;
  in.patient.birthdate = "2020-03-14";
  in.patient.sex = "M";
  in.question = "Are there any fractures";
  in.priors = {{"1.2.0.9", "2025-11-01 10:00:00", "Old report."}};
  in.png_base64 = std::string{tiny_png};
  return in;
}

exam_record earlier(std::string uid, std::string created, std::string text,
                    std::string region = "chest") {
  exam_record e;
  e.uid = std::move(uid);
  e.cnp = "5200314400011";
  e.created = std::move(created);
  e.region = std::move(region);
  e.study = "study-" + e.uid;
  e.ai.text = std::move(text);
  return e;
}

exam_record chest_exam() {
  auto e = earlier("now", "2025-11-20 08:15:00", "");
  e.study = "study-now";
  return e;
}

std::vector<std::string> uids(const std::vector<prior_report>& priors) {
  std::vector<std::string> out;
  out.reserve(priors.size());
  for (const auto& p : priors)
    out.push_back(p.uid);
  return out;
}

// -- the built-in prompts ----------------------------------------------------

TEST(Prompts, MatchTheOriginalByteForByte) {
  // Sizes and FNV-1a hashes of the §4.8 texts with their leading and trailing
  // newline, computed from the reference document.
  EXPECT_EQ(sys_prompt.size(), 3207u);
  EXPECT_EQ(fnv1a(sys_prompt), 0xe136785ed5edc529ULL);
  EXPECT_EQ(usr_prompt,
            "\n{question} in this {anatomy} X-ray of a {subject}?\n");
  EXPECT_EQ(fnv1a(usr_prompt), 0x39d8871afebdfbcdULL);
  EXPECT_EQ(rev_prompt.size(), 275u);
  EXPECT_EQ(fnv1a(rev_prompt), 0x66dba650171b358cULL);
  EXPECT_EQ(chk_prompt.size(), 1821u);
  EXPECT_EQ(fnv1a(chk_prompt), 0x745881e73f5d2f8eULL);
  EXPECT_EQ(ana_prompt.size(), 1882u);
  EXPECT_EQ(fnv1a(ana_prompt), 0x228d8cc1ff57969eULL);
  EXPECT_EQ(trn_prompt.size(), 1046u);
  EXPECT_EQ(fnv1a(trn_prompt), 0xfa82547c0877cf08ULL);
}

TEST(Prompts, CheckPromptKeepsTheTrailingSpaceAfterScd) {
  EXPECT_NE(chk_prompt.find("\"costo-diaphragmatic sinuses\" \n"),
            std::string_view::npos);
}

TEST(Prompts, DefaultSetUsesTheBuiltInPrompts) {
  const prompt_set p;
  EXPECT_EQ(p.system, sys_prompt);
  EXPECT_EQ(p.user, usr_prompt);
  EXPECT_EQ(p.revision, rev_prompt);
  EXPECT_EQ(p.check, chk_prompt);
  EXPECT_EQ(p.analyse, ana_prompt);
  EXPECT_EQ(p.translate, trn_prompt);
}

// -- prompt overrides --------------------------------------------------------

struct fake_files {
  std::map<std::string, std::string> files;

  xrv::config::file_reader reader() const {
    return [this](const std::string& path) -> std::optional<std::string> {
      const auto it = files.find(path);
      if (it == files.end())
        return std::nullopt;
      return it->second;
    };
  }
};

TEST(PromptOverrides, ReplaceTheNamedPromptsOnly) {
  fake_files fs{{{"p/sys.txt", "You are terse."}, {"p/chk.txt", "Classify."}}};
  const auto set = load_prompt_overrides(
    {{"system", "p/sys.txt"}, {"Check", "p/chk.txt"}}, fs.reader());
  ASSERT_TRUE(set) << set.error().detail;
  EXPECT_EQ(set->system, "You are terse.");
  EXPECT_EQ(set->check, "Classify.");
  EXPECT_EQ(set->user, usr_prompt);
  EXPECT_EQ(set->translate, trn_prompt);
}

TEST(PromptOverrides, MissingFileIsAnErrorNamingKeyAndFile) {
  fake_files fs;
  const auto set
    = load_prompt_overrides({{"REVISION", "gone.txt"}}, fs.reader());
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, errc::invalid_input);
  EXPECT_NE(set.error().detail.find("REVISION"), std::string::npos);
  EXPECT_NE(set.error().detail.find("gone.txt"), std::string::npos);
}

TEST(PromptOverrides, UnknownKeyAndBlankFileAreErrors) {
  fake_files fs{{{"blank.txt", " \n\t"}, {"a.txt", "x"}}};
  const auto unknown = load_prompt_overrides({{"SYS", "a.txt"}}, fs.reader());
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().detail.find("SYS"), std::string::npos);
  const auto blank
    = load_prompt_overrides({{"CHECK", "blank.txt"}}, fs.reader());
  ASSERT_FALSE(blank);
  EXPECT_NE(blank.error().detail.find("blank.txt"), std::string::npos);
}

TEST(PromptOverrides, EmptyPathKeepsTheBuiltInPrompt) {
  fake_files fs;
  const auto set = load_prompt_overrides({{"ANALYSE", "  "}}, fs.reader());
  ASSERT_TRUE(set);
  EXPECT_EQ(set->analyse, ana_prompt);
}

TEST(PromptOverrides, UserTemplateWithUnknownPlaceholderIsRejected) {
  fake_files fs{{{"u.txt", "{question} on {modality}?"}}};
  const auto set = load_prompt_overrides({{"USER", "u.txt"}}, fs.reader());
  ASSERT_FALSE(set);
  EXPECT_NE(set.error().detail.find("{modality}"), std::string::npos);
  EXPECT_NE(set.error().detail.find("u.txt"), std::string::npos);
}

TEST(PromptOverrides, DropsByteOrderMarkAndCrlf) {
  fake_files fs{{{"r.txt", "\xEF\xBB\xBFLook again.\r\nJSON only.\r\n"}}};
  const auto set = load_prompt_overrides({{"REVISION", "r.txt"}}, fs.reader());
  ASSERT_TRUE(set);
  EXPECT_EQ(set->revision, "Look again.\nJSON only.\n");
}

TEST(FormatUserTemplate, FillsFieldsAndKeepsDoubledBraces) {
  const auto s
    = format_user_template("{{{question}}} {anatomy}/{subject}", "Q", "A", "S");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, "{Q} A/S");
  EXPECT_FALSE(format_user_template("{question", "Q", "", ""));
  EXPECT_FALSE(format_user_template("question}", "Q", "", ""));
}

// -- the user prompt ---------------------------------------------------------

TEST(UserPrompt, ReproducesTheOriginalExample) {
  EXPECT_EQ(build_user_prompt(example_input(), {}, "2025-11-20"),
            example_prompt);
}

TEST(UserPrompt, EmptyPartsLeaveTheOriginalsDoubleSpace) {
  auto in = example_input();
  in.exam.protocol = "CLAVICULA";
  in.patient.birthdate = "";
  in.patient.sex = "";
  in.exam.rad.justification = "";
  in.priors.clear();
  EXPECT_EQ(build_user_prompt(in, {}, "2025-11-20"),
            "\nAre there any fractures in this  clavicle X-ray of a  child?\n"
            "\n\nIMPORTANT: Also identify any other lesions or abnormalities "
            "beyond the primary clinical question. Output JSON only.");
}

TEST(UserPrompt, AgeIsTakenAtTheExamDate) {
  auto in = example_input();
  in.patient.birthdate = "2021-01-10";
  in.exam.created = "2025-01-09 23:00:00";
  const auto p = build_user_prompt(in, {}, "2027-06-01");
  EXPECT_NE(p.find("of a 3 years old boy?"), std::string::npos) << p;
  in.patient.birthdate = "2024-06-01";
  in.patient.sex = "F";
  EXPECT_NE(build_user_prompt(in, {}, "2027-06-01").find("of a newborn girl?"),
            std::string::npos);
  in.patient.birthdate = "2023-12-01";
  EXPECT_NE(
    build_user_prompt(in, {}, "2027-06-01").find("of a 1 year old girl?"),
    std::string::npos);
}

TEST(UserPrompt, MalformedExamTimeFallsBackToToday) {
  auto in = example_input();
  in.exam.created = "";
  EXPECT_NE(
    build_user_prompt(in, {}, "2027-03-14").find("of a 7 years old boy?"),
    std::string::npos);
}

TEST(UserPrompt, DefaultQuestionWhenTheRegionHasNone) {
  auto in = example_input();
  in.question.clear();
  EXPECT_TRUE(build_user_prompt(in, {}, "2025-11-20")
                .starts_with("\nIs there anything abnormal in this frontal"));
}

TEST(UserPrompt, QuotesAtMostThreePriorsAndNeverTheExamItself) {
  auto in = example_input();
  in.priors = {{"1.2.3.4", "2025-11-19 10:00:00", "Own report."},
               {"a", "2025-11-10 10:00:00", "A."},
               {"b", "2025-11-05 10:00:00", "B."},
               {"c", "2025-11-02 10:00:00", "C."},
               {"d", "2025-11-01 10:00:00", "D."}};
  const auto p = build_user_prompt(in, {}, "2025-11-20");
  EXPECT_EQ(p.find("Own report."), std::string::npos);
  EXPECT_NE(p.find("[2025-11-10 10:00:00] A.\n\n[2025-11-05 10:00:00] B.\n\n"
                   "[2025-11-02 10:00:00] C.\n\nCompare"),
            std::string::npos);
  EXPECT_EQ(p.find("D."), std::string::npos);
}

TEST(UserPrompt, UsesAnOverriddenTemplate) {
  prompt_set p;
  p.user = "{subject}: {question}, {anatomy}.";
  auto in = example_input();
  in.priors.clear();
  in.exam.rad.justification.clear();
  EXPECT_TRUE(build_user_prompt(in, p, "2025-11-20")
                .starts_with("5 years old boy: Are there any fractures, "
                             "frontal clavicle.\n\nIMPORTANT"));
}

// -- request bodies ----------------------------------------------------------

TEST(AnalysisRequest, ReproducesTheOriginalBodyByteForByte) {
  EXPECT_EQ(build_analysis_request(example_input(), {}, "medgemma-4b-it", {},
                                   "2025-11-20"),
            expected_example_body);
}

TEST(AnalysisRequest, RevisionAppendsThePreviousAnswerAndTheRevisionPrompt) {
  analysis_input in;
  in.exam.uid = "9.9";
  in.exam.cnp = "6240101400010";
  in.exam.created = "2025-03-01 12:00:00";
  in.exam.protocol = "TORACE";
  in.exam.region = "chest";
  in.patient.birthdate = "2024-01-01";
  in.patient.sex = "F";
  in.question = "Are there any lung consolidations, infitrates, opacities, "
                "pleural effusion, pneumothorax or pneumoperitoneum";
  in.png_base64 = std::string{tiny_png};
  xrv::store::ai_report previous;
  previous.positive = 1;
  previous.text = "Opacitate în baza dreaptă, \"suspectă\"\n{pneumonie}.";
  in.previous = previous;
  const auto body
    = build_analysis_request(in, {}, "medgemma-4b-it", {}, "2025-03-01");
  EXPECT_EQ(body.size(), expected_revision_size);
  EXPECT_EQ(fnv1a(body), expected_revision_fnv);
  EXPECT_TRUE(body.ends_with(expected_revision_tail)) << body;
}

TEST(AnalysisRequest, NoRevisionMessagesWithoutPreviousText) {
  auto in = example_input();
  in.previous = xrv::store::ai_report{};
  const auto body = build_analysis_request(in, {}, "m", {}, "2025-11-20");
  EXPECT_EQ(body.find("\"assistant\""), std::string::npos);
  in.previous->text = "Normal.";
  in.previous->positive = 0;
  EXPECT_NE(build_analysis_request(in, {}, "m", {}, "2025-11-20")
              .find(R"({"role": "assistant", "content": "{\"short\": \"no\", )"
                    R"(\"report\": \"Normal.\"}"})"),
            std::string::npos);
}

TEST(AnalysisRequest, LeavesOutUnsetSamplingFields) {
  sampling s;
  s.timings_per_token.reset();
  s.min_p.reset();
  s.top_k.reset();
  s.cache_prompt.reset();
  s.keep_alive.reset();
  s.temperature = 0.2;
  const auto body
    = build_analysis_request(example_input(), {}, "gpt-4o", s, "2025-11-20");
  EXPECT_TRUE(body.starts_with(R"({"model": "gpt-4o", "top_p": 0.95, )"
                               R"("temperature": 0.2, "stream": false, )"
                               R"("messages": [{"role": "system")"))
    << body.substr(0, 200);
}

TEST(TextRequests, CheckBodyMatchesTheOriginal) {
  const auto body = build_check_request("Fără modificări.SCD libere.", {},
                                        "medgemma-4b-it", {});
  ASSERT_TRUE(body);
  EXPECT_EQ(body->size(), expected_check_size);
  EXPECT_EQ(fnv1a(*body), expected_check_fnv);
  EXPECT_TRUE(body->ends_with(expected_check_tail)) << *body;
}

TEST(TextRequests, UseTheirOwnPromptsAndKeepTranslationText) {
  const auto ana = build_analyse_request("A.B", {}, "m", {});
  ASSERT_TRUE(ana);
  EXPECT_NE(ana->find("You are a senior radiologist"), std::string::npos);
  EXPECT_NE(ana->find(R"("text": "A. B"}]})"), std::string::npos);
  const auto trn = build_translate_request("A.B", {}, "m", {});
  ASSERT_TRUE(trn);
  EXPECT_NE(trn->find("professional medical translator"), std::string::npos);
  EXPECT_NE(trn->find(R"("text": "A.B"}]})"), std::string::npos);
}

TEST(TextRequests, EmptyReportIsInvalidInput) {
  for (const auto* text : {"", "  \n"}) {
    EXPECT_EQ(build_check_request(text, {}, "m", {}).error().code,
              errc::invalid_input);
    EXPECT_EQ(build_analyse_request(text, {}, "m", {}).error().code,
              errc::invalid_input);
    EXPECT_EQ(build_translate_request(text, {}, "m", {}).error().code,
              errc::invalid_input);
  }
}

TEST(SeparateSentences, SpacesSentencesButNotDecimalsOrPunctuationRuns) {
  EXPECT_EQ(separate_sentences("Normal.SCD libere!Cord?Da"),
            "Normal. SCD libere! Cord? Da");
  EXPECT_EQ(separate_sentences("Nodul 3.5 cm.Stabil."),
            "Nodul 3.5 cm. Stabil.");
  EXPECT_EQ(separate_sentences("Wait...\"ok\".) Yes."), "Wait...\"ok\".) Yes.");
}

// -- Python json.dumps compatibility -----------------------------------------

TEST(PythonJson, EscapesStringsLikeJsonDumps) {
  EXPECT_EQ(python_json_string("a\x01\x7f\t\xC3\xA9\xF0\x9F\x98\x80\"\\"),
            R"("a\u0001\u007f\t\u00e9\ud83d\ude00\"\\")");
  EXPECT_EQ(python_json_string("\b\f\r\n/"), R"("\b\f\r\n/")");
  EXPECT_EQ(python_json_string("bad\xFFutf8\xC3"), R"("bad\ufffdutf8\ufffd")");
}

TEST(PythonJson, FormatsFloatsLikeRepr) {
  EXPECT_EQ(python_float(0.05), "0.05");
  EXPECT_EQ(python_float(1.0), "1.0");
  EXPECT_EQ(python_float(0.0), "0.0");
  EXPECT_EQ(python_float(-0.6), "-0.6");
  EXPECT_EQ(python_float(1e-05), "1e-05");
  EXPECT_EQ(python_float(2.5e-7), "2.5e-07");
  EXPECT_EQ(python_float(0.0001), "0.0001");
  EXPECT_EQ(python_float(123.456), "123.456");
  EXPECT_EQ(python_float(1e15), "1000000000000000.0");
  EXPECT_EQ(python_float(1e16), "1e+16");
  EXPECT_EQ(python_float(1.5e300), "1.5e+300");
  EXPECT_EQ(python_float(0.1 + 0.2), "0.30000000000000004");
}

// -- prior studies -----------------------------------------------------------

TEST(SelectPriors, SamePatientAndRegionWithinNinetyDaysNewestFirst) {
  auto other_patient = earlier("x", "2025-11-10 10:00:00", "X.");
  other_patient.cnp = "1900101400004";
  const std::vector<exam_record> all{
    earlier("old", "2025-08-21 08:14:59", "Too old."),
    earlier("edge", "2025-08-22 08:15:00", "Exactly 90 days."),
    earlier("mid", "2025-10-01 09:00:00", "Mid."),
    earlier("hand", "2025-11-01 09:00:00", "Hand.", "hand"),
    other_patient,
    earlier("new", "2025-11-19 09:00:00", "New."),
  };
  const auto priors = select_priors(chest_exam(), all, "2025-11-20");
  EXPECT_EQ(uids(priors), (std::vector<std::string>{"new", "mid", "edge"}));
  EXPECT_EQ(priors[0].date, "2025-11-19 09:00:00");
  EXPECT_EQ(priors[0].text, "New.");
}

TEST(SelectPriors, AtMostThree) {
  const std::vector<exam_record> all{earlier("a", "2025-11-01 00:00:00", "A."),
                                     earlier("b", "2025-11-02 00:00:00", "B."),
                                     earlier("c", "2025-11-03 00:00:00", "C."),
                                     earlier("d", "2025-11-04 00:00:00", "D.")};
  EXPECT_EQ(uids(select_priors(chest_exam(), all, "2025-11-20")),
            (std::vector<std::string>{"d", "c", "b"}));
}

TEST(SelectPriors, NeverTheExamsOwnReportWhenRequeued) {
  auto own = chest_exam();
  own.ai.text = "My previous report.";
  own.created = "2025-11-19 08:15:00"; // even if the copy looks older
  const auto requeued = chest_exam();
  EXPECT_TRUE(select_priors(requeued, {own}, "2025-11-20").empty());
}

TEST(SelectPriors, SkipsLaterExamsSameStudyAndEmptyReports) {
  auto same_study = earlier("lat", "2025-11-20 08:10:00", "Lateral view.");
  same_study.study = "study-now";
  const std::vector<exam_record> all{
    earlier("later", "2025-11-21 08:00:00", "Later."), same_study,
    earlier("blank", "2025-11-15 08:00:00", "  "),
    earlier("ok", "2025-11-15 08:00:00", "Ok.")};
  EXPECT_EQ(uids(select_priors(chest_exam(), all, "2025-11-30")),
            (std::vector<std::string>{"ok"}));
}

TEST(SelectPriors, NoneForUnknownRegionOrPatient) {
  const std::vector<exam_record> all{
    earlier("u", "2025-11-15 08:00:00", "U.", "unknown")};
  auto unknown = chest_exam();
  unknown.region = "unknown";
  EXPECT_TRUE(select_priors(unknown, all, "2025-11-20").empty());
  auto anonymous = chest_exam();
  anonymous.cnp.clear();
  auto blank = earlier("b", "2025-11-15 08:00:00", "B.");
  blank.cnp.clear();
  EXPECT_TRUE(select_priors(anonymous, {blank}, "2025-11-20").empty());
}

TEST(SelectPriors, MalformedExamTimeUsesNow) {
  auto exam = chest_exam();
  exam.created = "garbage";
  const std::vector<exam_record> all{earlier("a", "2025-11-20 23:00:00", "A."),
                                     earlier("b", "2025-08-01 00:00:00", "B.")};
  EXPECT_EQ(uids(select_priors(exam, all, "2025-11-20")),
            (std::vector<std::string>{"a"}));
}

} // namespace
