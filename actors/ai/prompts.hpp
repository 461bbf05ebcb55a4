#pragma once

// The prompts of the original backend (original-backend.md §4.8), verbatim,
// and their optional replacement from files named in the `[prompts]` config
// section. Pure: files are read through the caller's `file_reader`.

#include "actors/system/config.hpp"
#include "actors/system/errors.hpp"

#include <array>
#include <map>
#include <string>
#include <string_view>

namespace xrv::ai {

// Each built-in prompt starts and ends with a newline, as the original's
// Python triple-quoted strings did; the requests send them that way.

/// SYS_PROMPT: the system message of the image analysis.
extern const std::string_view sys_prompt;

/// USR_PROMPT: the user text template (`{question}`, `{anatomy}`,
/// `{subject}`).
extern const std::string_view usr_prompt;

/// REV_PROMPT: the second user message when a re-queued exam is revised.
extern const std::string_view rev_prompt;

/// CHK_PROMPT: the system message classifying a free-text report.
extern const std::string_view chk_prompt;

/// ANA_PROMPT: the system message of the three-pass report analysis.
extern const std::string_view ana_prompt;

/// TRN_PROMPT: the system message of the Romanian-to-English translation.
extern const std::string_view trn_prompt;

/// The question asked for a region without a `[questions]` entry.
inline constexpr std::string_view default_question
  = "Is there anything abnormal";

/// The prompts in use: the built-in ones unless `[prompts]` replaces some.
struct prompt_set {
  std::string system{sys_prompt};    // [prompts] SYSTEM
  std::string user{usr_prompt};      // [prompts] USER (a template)
  std::string revision{rev_prompt};  // [prompts] REVISION
  std::string check{chk_prompt};     // [prompts] CHECK
  std::string analyse{ana_prompt};   // [prompts] ANALYSE
  std::string translate{trn_prompt}; // [prompts] TRANSLATE
};

/// The `[prompts]` keys, each naming a file whose text replaces one prompt:
/// SYSTEM (image analysis system message), USER (user text template),
/// REVISION (re-queue follow-up), CHECK (/api/check and report
/// classification), ANALYSE (/api/analyse), TRANSLATE (/api/translate).
inline constexpr std::array<std::string_view, 6> prompt_keys{
  "SYSTEM", "USER", "REVISION", "CHECK", "ANALYSE", "TRANSLATE"};

/// The built-in prompts with those named in `files_by_key` (`[prompts]`: key,
/// case-insensitive -> file path as the reader resolves it) replaced by the
/// files' text, used byte for byte except that a UTF-8 byte-order mark is
/// dropped and CRLF becomes LF. An empty path keeps the built-in prompt.
/// Errors (invalid_input) name the key and the file: unknown key, missing or
/// blank file, a USER template with a placeholder other than `{question}`,
/// `{anatomy}`, `{subject}` or an unpaired brace (`{{`/`}}` are literal).
[[nodiscard]] result<prompt_set>
load_prompt_overrides(const std::map<std::string, std::string>& files_by_key,
                      const config::file_reader& read_file);

/// Fills a USER template like Python's `str.format` with the three named
/// fields (`{{`/`}}` are literal braces); an unknown placeholder or an
/// unpaired brace is an error.
[[nodiscard]] result<std::string>
format_user_template(std::string_view tmpl, std::string_view question,
                     std::string_view anatomy, std::string_view subject);

} // namespace xrv::ai
