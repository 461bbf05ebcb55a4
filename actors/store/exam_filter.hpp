#pragma once

// The `/api/exams` and `/api/patients` query parameters (spec/API.md §4):
// parsing with 400-worthy errors that name the field, the echo of the parsed
// filters, and the reference semantics of every filter (`matches`), which the
// exam index must reproduce. Pure: no CAF, no LMDB, no Beast.

#include "actors/store/exam.hpp"
#include "actors/system/errors.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xrv::store {

/// A closed interval of scores, `lo <= hi`.
struct interval {
  int lo = 0;
  int hi = 0;

  friend bool operator==(const interval&, const interval&) = default;
};

/// Parses `a-b`, `-b` (min..b), `a-` (a..max) or `n` (n..n), whitespace
/// around the numbers ignored; `any` or empty means no filter (nullopt).
/// Bounds outside min..max, `a > b` or any other form fail with
/// `invalid_input` naming `field`.
[[nodiscard]] result<std::optional<interval>>
parse_interval(std::string_view text, int min, int max, std::string_view field);

/// An interval as the query notation `a-b` (also for `n`, `-b`, `a-`).
[[nodiscard]] std::string to_string(const interval& i);

/// Lower-cases ASCII letters and the Romanian Ă Â Î Ș Ş Ț Ţ in UTF-8 text;
/// every other byte is kept. The one case folding of filters and indexes.
[[nodiscard]] std::string fold_case(std::string_view text);

/// The parsed `/api/exams` query. Text filters are trimmed and case-folded;
/// empty text and nullopt mean "no filter".
struct exam_filter {
  int page = 1;                        // 1-based
  int limit = 10;                      // page size, 1..100 when given
  std::optional<bool> reviewed;        // rad verdict present
  std::optional<bool> positive;        // yes: AI positive; no: AI negative
  std::optional<bool> correct;         // yes: correct = 1; no: correct = 0
  std::string region;                  // substring of the region
  std::vector<exam_status> statuses;   // any of these; empty: all
  std::string search;                  // literal substring of name/CNP/id/uid
  std::string diagnostic;              // equals rad.summary
  std::string radiologist;             // equals rad.radiologist (or initials)
  std::optional<interval> severity;    // rad.severity, 0..10
  std::optional<interval> ai_severity; // ai.severity, 0..10
  std::optional<interval> confidence;  // ai.confidence, 0..100
};

/// The largest accepted `page` (keeps `(page - 1) * limit` far from
/// overflow).
inline constexpr int max_page = 1'000'000;

/// Parses the raw query string of `/api/exams` (percent-encoded, `+` for
/// space, no leading `?`). Unknown parameters are ignored; of a repeated one
/// the last wins; `any` or an empty value means no filter. `limit` (1..100)
/// overrides `default_page_size`. Errors are `invalid_input` naming the
/// parameter.
[[nodiscard]] result<exam_filter>
parse_exam_filter(std::string_view query_string, int default_page_size);

/// The filters echoed in a response: `page`, `limit` and each set filter with
/// its normalised value, in the query notation (`"yes"`/`"no"`, statuses
/// comma-separated, intervals as `"a-b"`), so every value can be sent back.
[[nodiscard]] boost::json::object filters_json(const exam_filter& f);

/// Whether the exam passes every filter (pagination ignored): the reference
/// semantics of spec/API.md §4. `user_role` also lets `radiologist` match the
/// initials a `user` account sees.
[[nodiscard]] bool matches(const exam_filter& f, const exam_record& exam,
                           const patient_record& patient, int threshold,
                           bool user_role);

/// The parsed `/api/patients` query.
struct patient_filter {
  int page = 1;
  int limit = 10;
  std::string search; // case-folded substring of name or CNP
};

/// Parses the raw query string of `/api/patients` (`page`, `limit`,
/// `search`), with the rules of `parse_exam_filter`.
[[nodiscard]] result<patient_filter>
parse_patient_filter(std::string_view query_string, int default_page_size);

/// The patient filters echoed in a response (`page`, `limit`, `search` when
/// set).
[[nodiscard]] boost::json::object filters_json(const patient_filter& f);

/// Whether the patient passes the search (a literal, case-folded substring of
/// the name or the CNP).
[[nodiscard]] bool matches(const patient_filter& f,
                           const patient_record& patient);

} // namespace xrv::store
