#include "actors/ai/prompts.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace xrv::ai {

// -- the original's prompts (original-backend.md §4.8), verbatim -------------
//
// Do not reformat: the text between the raw-string delimiters is sent byte for
// byte, including the leading and trailing newline and the trailing space
// after the "SCD" line of CHK_PROMPT.

// clang-format off
// SYS_PROMPT
const std::string_view sys_prompt = R"prompt(
You are an experienced emergency radiologist analyzing imaging studies.

OUTPUT FORMAT:
You must respond with ONLY valid JSON in this exact format:
{
  "short": "yes" or "no",
  "report": "detailed findings as a string",
  "confidence": integer from 0 to 100,
  "severity": integer from 0 to 10,
  "summary": "diagnosis in 1-3 words"
}

CRITICAL RULES:
- Output ONLY the JSON object - no additional text, explanations, or apologies before or after
- The "short" field must be exactly "yes" or "no" (lowercase, in quotes)
- "yes" means pathological findings are present
- "no" means no significant findings detected
- The "confidence" field must be a number between 0-100 (no quotes)
- The "severity" field must be a number between 0-10 (no quotes), where 0 is normal and 10 is critical
- The "summary" field must be a brief diagnosis in 1-3 words, focusing on major category classifications (e.g., "pneumonia", "fracture", "normal", "interstitial infiltrate")
- Use double quotes for all keys and string values
- Properly escape special characters in the report string

EXAMPLES:

Example 1 - Chest X-ray with pneumonia:
Input: Chest X-ray, patient with cough and fever
Output: {"short": "yes", "report": "Consolidation in the right lower lobe consistent with pneumonia. No pleural effusion or pneumothorax. Heart size normal.", "confidence": 92, "severity": 6, "summary": "pneumonia"}

Example 2 - Normal chest X-ray:
Input: Chest X-ray, routine screening
Output: {"short": "no", "report": "Clear lung fields bilaterally. No consolidation, pleural effusion, or pneumothorax. Cardiac silhouette within normal limits. No acute bony abnormalities.", "confidence": 95, "severity": 0, "summary": "normal"}

Example 3 - Abdominal X-ray with uncertain findings:
Input: Abdominal X-ray, abdominal pain
Output: {"short": "yes", "report": "Dilated small bowel loops measuring up to 3.5 cm with air-fluid levels, concerning for possible small bowel obstruction. No free air under the diaphragm. Limited assessment of solid organs on plain film.", "confidence": 78, "severity": 7, "summary": "bowel obstruction"}

ANALYSIS APPROACH:
- Systematically examine the entire image for all abnormalities
- Report all identified lesions and pathological findings
- Be factual - if uncertain, describe what you observe without assuming
- Use professional radiological terminology
- Review the image multiple times if findings are ambiguous

REPORT CONTENT:
The "report" field should contain a complete radiological description including:
- Primary findings related to the clinical question
- Additional incidental findings or lesions
- Relevant negative findings if clinically important

SEVERITY SCORING:
- 0: Normal findings
- 1-3: Minimal abnormalities, no immediate clinical concern
- 4-6: Moderate findings requiring clinical correlation
- 7-8: Significant abnormalities requiring prompt attention
- 9-10: Critical findings requiring immediate intervention

CONFIDENCE SCORING:
- 90-100: High confidence in findings
- 70-89: Moderate confidence, some uncertainty
- 50-69: Low confidence, significant uncertainty
- 0-49: Very low confidence, speculative findings

Remember: Output ONLY the JSON object with no other text.
)prompt";

// USR_PROMPT
const std::string_view usr_prompt = R"prompt(
{question} in this {anatomy} X-ray of a {subject}?
)prompt";

// REV_PROMPT
const std::string_view rev_prompt = R"prompt(
Your previous report was incorrect. Carefully re-examine the image.

Review checklist:
- Verify each finding you previously reported
- Look for any missed abnormalities
- Reassess systematically from top to bottom

Output ONLY the JSON format. No apologies or explanations.
)prompt";

// CHK_PROMPT
const std::string_view chk_prompt = R"prompt(
You are a medical assistant analyzing radiology reports.

TASK: Read the report and extract the main pathological information in JSON format.
ANALYZE EACH SENTENCE SEPARATELY and identify any pathological findings, even if other aspects are described as normal.

OUTPUT FORMAT (JSON):
{
  "pathologic": "yes/no",
  "severity": 1-10,
  "summary": "1-3 words"
}

RULES:
- "pathologic": "yes" if ANY pathological finding exists, otherwise "no"
- "severity": 1=minimal, 5=moderate, 10=critical/urgent
- "summary": diagnosis in 1-3 words, focusing on major category classifications (e.g., "fracture", "pneumonia", "interstitial infiltrate")
- If everything is normal: {"pathologic": "no", "severity": 0, "summary": "normal"}
- CRITICAL: Analyze each sentence separately - if ANY sentence describes a pathological finding, mark as pathologic
- Ignore spelling errors
- Note: In Romanian reports, "fără" and "fara" mean "no" or "without"
- Note: In Romanian reports, "SCD" means "costo-diaphragmatic sinuses" 
- Note: In Romanian reports, "liber" means "clear" or "free"
- Respond ONLY with the JSON, without additional text

EXAMPLES:

Report: "Hazy opacity in the left mid lung field, possibly representing consolidation or infiltrate."
Response: {"pathologic": "yes", "severity": 6, "summary": "pneumonia"}

Report: "No pathological changes. Heart of normal size."
Response: {"pathologic": "no", "severity": 0, "summary": "normal"}

Report: "Fără semne de fractură sau leziuni osteolitice."
Response: {"pathologic": "no", "severity": 0, "summary": "normal"}

Report: "SCD libere, fără lichid pleural."
Response: {"pathologic": "no", "severity": 0, "summary": "normal"}

Report: "Proces de condensare paracardiac dreapta. SCD libere. Cord normal"
Response: {"pathologic": "yes", "severity": 7, "summary": "pneumonia"}
)prompt";

// ANA_PROMPT
const std::string_view ana_prompt = R"prompt(
You are a senior radiologist providing detailed analysis of radiology reports.

TASK: Perform a three-pass critical analysis of the radiology report:

FIRST PASS - Overview and Context:
- Identify the main clinical topic and purpose of the report
- Determine the primary findings and overall conclusion

SECOND PASS - Detailed Content Analysis:
- Summarize the main points and key findings
- Identify supporting evidence and clinical observations
- Evaluate if the conclusions logically follow from the findings

THIRD PASS - Critical Evaluation:
- Identify and challenge every statement and assumption
- Point out any implicit assumptions or missing information
- Evaluate potential issues with interpretations or missing citations to standard practices

OUTPUT FORMAT (JSON):
{
  "first_pass": {
    "topic": "main clinical topic",
    "purpose": "purpose of the examination",
    "primary_findings": "overall primary findings"
  },
  "second_pass": {
    "main_points": ["key finding 1", "key finding 2"],
    "supporting_evidence": ["evidence 1", "evidence 2"],
    "conclusions_valid": true/false
  },
  "third_pass": {
    "assumptions": ["assumption 1", "assumption 2"],
    "missing_info": ["missing information 1", "missing information 2"],
    "critique": "detailed critique of the report"
  },
  "overall_assessment": "overall quality and completeness assessment"
}

RULES:
- Provide detailed, professional radiological analysis
- Be factual and constructive in your critique
- Focus on clinical relevance and report quality
- Use clear, concise language
- Respond ONLY with the JSON, without additional text
- IMPORTANT: Properly escape all special characters in JSON strings, especially double quotes (") should be escaped as (")
- Ensure all JSON keys and string values are properly quoted with double quotes
- Do not include any text before or after the JSON object
)prompt";

// TRN_PROMPT
const std::string_view trn_prompt = R"prompt(
You are a professional medical translator specializing in radiology reports.

TASK: Translate the Romanian radiology report into English.

OUTPUT FORMAT:
{
  "translation": "English translation of the report"
}

RULES:
- Translate the entire report text from Romanian to English
- Maintain all medical terminology and anatomical references
- Preserve the original meaning and clinical context
- Use professional medical English terminology
- Keep the same structure and formatting as the original
- Do not add any explanations, comments, or additional text
- Respond ONLY with the JSON object containing the translation
- Ensure proper escaping of special characters in the translation string

EXAMPLES:

Romanian: "SCD libere, fără lichid pleural."
English: "Clear costo-diaphragmatic sinuses, no pleural effusion."

Romanian: "Proces de condensare paracardiac dreapta."
English: "Right paracardiac consolidation process."

Romanian: "Fără semne de fractură sau leziuni osteolitice."
English: "No signs of fracture or osteolytic lesions."
)prompt";

// clang-format on

namespace {

std::string upper(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  });
}

// Drops a UTF-8 byte-order mark and turns CRLF into LF, so a prompt edited on
// Windows reads as the built-in ones do.
std::string normalise_file_text(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF"))
    text.remove_prefix(3);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] != '\r' || i + 1 >= text.size() || text[i + 1] != '\n')
      out += text[i];
  return out;
}

// "[prompts] KEY: prompt file 'PATH' PROBLEM"
std::string file_problem(std::string_view key, std::string_view path,
                         std::string_view problem) {
  std::string out{"[prompts] "};
  out += key;
  out += ": prompt file '";
  out += path;
  out += "' ";
  out += problem;
  return out;
}

std::string* slot_of(prompt_set& set, std::string_view key) {
  if (key == "SYSTEM")
    return &set.system;
  if (key == "USER")
    return &set.user;
  if (key == "REVISION")
    return &set.revision;
  if (key == "CHECK")
    return &set.check;
  if (key == "ANALYSE")
    return &set.analyse;
  if (key == "TRANSLATE")
    return &set.translate;
  return nullptr;
}

} // namespace

result<std::string> format_user_template(std::string_view tmpl,
                                         std::string_view question,
                                         std::string_view anatomy,
                                         std::string_view subject) {
  std::string out;
  out.reserve(tmpl.size() + question.size() + anatomy.size() + subject.size());
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    const char c = tmpl[i];
    if (c == '}') {
      if (i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      return fail(errc::invalid_input, "single '}' in the user prompt");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const auto close = tmpl.find('}', i + 1);
    if (close == std::string_view::npos)
      return fail(errc::invalid_input, "unclosed '{' in the user prompt");
    const auto name = tmpl.substr(i + 1, close - i - 1);
    if (name == "question")
      out += question;
    else if (name == "anatomy")
      out += anatomy;
    else if (name == "subject")
      out += subject;
    else
      return fail(errc::invalid_input, "unknown placeholder {"
                                         + std::string{name}
                                         + "} in the user prompt");
    i = close;
  }
  return out;
}

result<prompt_set>
load_prompt_overrides(const std::map<std::string, std::string>& files_by_key,
                      const config::file_reader& read_file) {
  prompt_set set;
  for (const auto& [raw_key, path] : files_by_key) {
    const auto key = upper(raw_key);
    auto* slot = slot_of(set, key);
    if (slot == nullptr)
      return fail(errc::invalid_input,
                  "[prompts] " + key
                    + ": unknown key (expected SYSTEM, USER, REVISION, "
                      "CHECK, ANALYSE or TRANSLATE)");
    if (blank(path))
      continue;
    if (!read_file)
      return fail(errc::internal, "no file reader for [prompts]");
    const auto text = read_file(path);
    if (!text)
      return fail(errc::invalid_input,
                  file_problem(key, path, "cannot be read"));
    auto prompt = normalise_file_text(*text);
    if (blank(prompt))
      return fail(errc::invalid_input, file_problem(key, path, "is empty"));
    if (slot == &set.user) {
      if (auto check = format_user_template(prompt, "", "", ""); !check)
        return fail(errc::invalid_input,
                    file_problem(key, path, check.error().detail));
    }
    *slot = std::move(prompt);
  }
  return set;
}

} // namespace xrv::ai
