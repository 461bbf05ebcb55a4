#pragma once

// Reading the model's answers (original-backend.md §4.4, §4.7) without the
// original's bugs (§9.4 items 22, 25): the first balanced JSON object is
// taken (braces inside strings are fine), and every field is checked for
// type and range, so an out-of-range answer is an unusable answer
// (errc::parse_error, HTTP 502) instead of a report lost in the database.
//
// Leniency, the same for every parser: `yes`/`no` are case-insensitive and
// trimmed; a score may be a JSON number (a fraction is rounded to the
// nearest integer after the range check) or a string holding only a decimal
// integer ("7", " 85 "); booleans, "7/10" or "high" are rejected. An answer
// wrapped in an array is read from its first object.

#include "actors/system/errors.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace xrv::ai {

/// What a chat-completion response carries that we use.
struct completion {
  std::string content; // choices[0].message.content, trimmed
  std::string model;   // the response's `model`; empty when absent
};

/// Reads an OpenAI chat-completion response body. An `{"error": ...}` body
/// (OpenAI object or Ollama string) is an error carrying its message; no
/// choice, no message or empty content is an error too (all parse_error).
/// Content given as a list of text parts is joined.
[[nodiscard]] result<completion>
extract_completion(std::string_view openai_response_body);

/// `extract_completion(...).content`.
[[nodiscard]] result<std::string>
extract_content(std::string_view openai_response_body);

/// The first balanced `{...}` of `text` that parses as a JSON object: code
/// fences and prose around it are ignored, braces and quotes inside strings
/// (with escapes) do not count. A brace group of the prose that is not JSON is
/// skipped; an object that never closes (a truncated answer) is an error.
[[nodiscard]] result<boost::json::object>
first_json_object(std::string_view text);

/// The image analysis answer (SYSTEM prompt).
struct ai_result {
  std::string short_answer; // "yes" or "no"
  std::string report;       // non-empty, trimmed
  int confidence = -1;      // 0..100; -1 when the model omitted it
  int severity = -1;        // 0..10; -1 when the model omitted it
  std::string summary;      // trimmed; empty when omitted
};

/// Parses an image-analysis answer: `short` (yes/no) and `report`
/// (non-empty string) are required; `confidence` (0..100), `severity`
/// (0..10) and `summary` (string) may be missing or null, as the original
/// allowed, but are rejected when present with a wrong type or out of range.
[[nodiscard]] result<ai_result> parse_analysis(std::string_view content);

/// The /api/check answer (CHECK prompt).
struct check_result {
  std::string pathologic; // "yes" or "no"
  int severity = 0;       // 0..10
  std::string summary;    // trimmed, case kept
};

/// Parses a CHECK answer: `pathologic` (yes/no), `severity` (0..10) and
/// `summary` (string) are all required.
[[nodiscard]] result<check_result> parse_check(std::string_view content);

/// The /api/analyse answer (ANALYSE prompt), spec/API.md §5.
struct analyse_result {
  struct first {
    std::string topic;
    std::string purpose;
    std::string primary_findings;
  };

  struct second {
    std::vector<std::string> main_points;
    std::vector<std::string> supporting_evidence;
    bool conclusions_valid = false;
  };

  struct third {
    std::vector<std::string> assumptions;
    std::vector<std::string> missing_info;
    std::string critique;
  };

  first first_pass;
  second second_pass;
  third third_pass;
  std::string overall_assessment;
};

/// Parses an ANALYSE answer: every field of the three passes and
/// `overall_assessment` required with its type; a single string where a list
/// is expected counts as a one-item list; `conclusions_valid` is a boolean
/// or the string "true"/"false".
[[nodiscard]] result<analyse_result> parse_analyse(std::string_view content);

/// Parses a TRANSLATE answer `{"translation": "..."}` into the trimmed,
/// non-empty translation.
[[nodiscard]] result<std::string> parse_translate(std::string_view content);

/// The /api/check response body.
[[nodiscard]] boost::json::object to_json(const check_result& r);

/// The /api/analyse response body.
[[nodiscard]] boost::json::object to_json(const analyse_result& r);

} // namespace xrv::ai
