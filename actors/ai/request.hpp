#pragma once

// The chat-completion request bodies of the original backend
// (original-backend.md §4.3, §4.7), byte for byte: the original posted
// `json.dumps(data)` (separators ", " and ": ", non-ASCII escaped as \uXXXX),
// and so do these builders. Pure: the date and the config are parameters.

#include "actors/ai/prompts.hpp"
#include "actors/store/exam.hpp"
#include "actors/system/errors.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xrv::ai {

/// An earlier AI report of the same patient and region, quoted in the prompt.
struct prior_report {
  std::string uid;  // the earlier exam, never the analysed one
  std::string date; // YYYY-MM-DD HH:MM:SS, the earlier exam's time
  std::string text; // the AI's report text
};

/// Everything the image-analysis request says about one exam.
struct analysis_input {
  // `exam.region` is the region used for the prompt (recompute it with the
  // current rules first, as the original did); `exam.protocol` gives the
  // projection, `exam.created` the age at the exam, `exam.rad.justification`
  // the clinical information.
  store::exam_record exam;
  store::patient_record patient;
  /// `[questions]` entry of the region; empty means `default_question`.
  std::string question;
  /// From `select_priors`: newest first; at most 3 are used.
  std::vector<prior_report> priors;
  /// A re-queued exam's previous AI report (`positive` 1 sends "yes", else
  /// "no"; resolve it with `store::ai_positive` first): adds the revision
  /// messages when its text is not empty.
  std::optional<store::ai_report> previous;
  /// The PNG file, standard base64 with padding.
  std::string png_base64;
};

/// The llama.cpp-server / Ollama extensions the original sends with the image
/// analysis, with its values; a field left empty is not sent (for a strict
/// OpenAI endpoint). `keep_alive` is also sent with the text-only requests.
struct sampling {
  std::optional<bool> timings_per_token = true; // llama.cpp
  std::optional<double> min_p = 0.05;           // llama.cpp
  std::optional<int> top_k = 40;                // llama.cpp
  std::optional<double> top_p = 0.95;
  std::optional<double> temperature = 0.6;
  std::optional<bool> cache_prompt = true; // llama.cpp
  std::optional<int> keep_alive = 1800;    // Ollama, seconds
};

/// The prompt's age: "N years old", "1 year old", "newborn" (0), or empty
/// when unknown (negative).
[[nodiscard]] std::string describe_age(int years);

/// The earlier exams to quote as prior studies (§3.4, without §9.4 item 24):
/// same patient (non-empty `cnp`), same known region, another study, an AI
/// report text, acquired before the exam and at most `max_days` days earlier;
/// newest first, at most `max_count`. Never the exam itself. The exam's
/// `created` is the reference time; when it is malformed, `now`
/// (`YYYY-MM-DD HH:MM:SS`, or `YYYY-MM-DD` meaning the end of that day).
[[nodiscard]] std::vector<prior_report>
select_priors(const store::exam_record& exam,
              const std::vector<store::exam_record>& candidates,
              std::string_view now, int max_days = 90,
              std::size_t max_count = 3);

/// The user text of the image analysis (`create_ai_prompt`): the USER
/// template filled with the question, "<projection> <region>" and "<age>
/// <boy|girl|child>" (an empty part leaves a double space, as in the
/// original), then the clinical information, the priors and the closing
/// instruction. The age is taken at the exam's date, or at `today`
/// (`YYYY-MM-DD`) when the exam's time is malformed.
[[nodiscard]] std::string build_user_prompt(const analysis_input& input,
                                            const prompt_set& prompts,
                                            std::string_view today);

/// The image-analysis request body: model, sampling fields, the system and
/// user messages (text + PNG data URL) and, for a re-queued exam, the
/// previous answer and the REVISION prompt.
[[nodiscard]] std::string build_analysis_request(const analysis_input& input,
                                                 const prompt_set& prompts,
                                                 const std::string& model,
                                                 const sampling& params,
                                                 std::string_view today);

/// The original's punctuation fix for report text (§4.7): a space after `.`,
/// `!` or `?` directly followed by a word, but not inside numbers ("3.5"),
/// not before more punctuation, brackets or quotes (§9.4 item 25).
[[nodiscard]] std::string separate_sentences(std::string_view text);

/// A text-only request body: model, `stream`, `keep_alive` and the
/// system + user messages (no sampling fields, as the original).
[[nodiscard]] std::string build_text_request(std::string_view system_prompt,
                                             std::string_view user_text,
                                             const std::string& model,
                                             const sampling& params);

/// The /api/check request (CHECK prompt, sentences separated); an empty or
/// blank report is invalid_input.
[[nodiscard]] result<std::string> build_check_request(std::string_view report,
                                                      const prompt_set& prompts,
                                                      const std::string& model,
                                                      const sampling& params);

/// The /api/analyse request (ANALYSE prompt, sentences separated); an empty
/// or blank report is invalid_input.
[[nodiscard]] result<std::string>
build_analyse_request(std::string_view report, const prompt_set& prompts,
                      const std::string& model, const sampling& params);

/// The /api/translate request (TRANSLATE prompt, text as given); an empty or
/// blank report is invalid_input.
[[nodiscard]] result<std::string>
build_translate_request(std::string_view report, const prompt_set& prompts,
                        const std::string& model, const sampling& params);

/// `s` as Python's `json.dumps` writes a string: quoted, `\"`, `\\`, `\n`,
/// `\r`, `\t`, `\b`, `\f`, every other character outside 0x20..0x7E as
/// lower-case `\uXXXX` (surrogate pairs above U+FFFF; invalid UTF-8 as
/// U+FFFD).
[[nodiscard]] std::string python_json_string(std::string_view s);

/// `v` as Python's `repr(float)` writes it (shortest round trip, "1.0",
/// "0.05", "1e-05", "1e+16").
[[nodiscard]] std::string python_float(double v);

} // namespace xrv::ai
