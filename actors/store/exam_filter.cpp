#include "actors/store/exam_filter.hpp"

#include "actors/store/definitions.hpp"
#include "actors/store/query_string.hpp"
#include "actors/system/phi.hpp"

#include <boost/json/string.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <system_error>
#include <tuple>
#include <utility>

namespace xrv::store {

namespace {

constexpr int max_limit = 100;

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
         || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ascii_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back()))
    s.remove_suffix(1);
  return s;
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return ascii_lower(x) == ascii_lower(y);
            });
}

// `any` or nothing: the value that disables a filter.
bool means_any(std::string_view trimmed) {
  return trimmed.empty() || iequals(trimmed, "any");
}

// A whole string as a decimal int without sign or spaces.
std::optional<int> to_int(std::string_view s) {
  int value = 0;
  const auto* const end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (s.empty() || s.front() == '-' || ec != std::errc{} || ptr != end)
    return std::nullopt;
  return value;
}

error bad(std::string_view field, std::string_view expected) {
  return error{errc::invalid_input,
               std::string{field} + ": " + std::string{expected}};
}

// `page` (1..max_page, default 1) and `limit` (1..100, default the
// configured page size).
result<std::pair<int, int>> parse_paging(std::string_view page,
                                         std::string_view limit,
                                         int default_page_size) {
  page = trim(page);
  limit = trim(limit);
  const auto p = page.empty() ? std::optional<int>{1} : to_int(page);
  if (!p || *p < 1 || *p > max_page)
    return tl::unexpected{
      bad("page", "expected an integer 1.." + std::to_string(max_page))};
  const auto l = limit.empty()
                   ? std::optional<int>{std::max(1, default_page_size)}
                   : to_int(limit);
  if (!l || *l < 1 || (!limit.empty() && *l > max_limit))
    return tl::unexpected{
      bad("limit", "expected an integer 1.." + std::to_string(max_limit))};
  return std::pair{*p, *l};
}

result<std::optional<bool>> parse_yes_no(std::string_view value,
                                         std::string_view name) {
  value = trim(value);
  if (means_any(value))
    return std::optional<bool>{};
  if (iequals(value, "yes"))
    return std::optional<bool>{true};
  if (iequals(value, "no"))
    return std::optional<bool>{false};
  return tl::unexpected{bad(name, "expected any, yes or no")};
}

result<std::vector<exam_status>> parse_statuses(std::string_view value) {
  std::vector<exam_status> out;
  value = trim(value);
  if (means_any(value))
    return out;
  while (true) {
    const auto comma = value.find(',');
    const auto item = trim(value.substr(0, comma));
    if (!item.empty()) {
      const auto s = parse_status(item);
      if (!s) {
        // Statuses are short; a long echo only helps a log-flooder.
        std::size_t cut = std::min<std::size_t>(item.size(), 32);
        // Never cut inside a UTF-8 sequence: the detail becomes JSON.
        while (cut < item.size()
               && (static_cast<unsigned char>(item[cut]) & 0xC0U) == 0x80U)
          --cut;
        const std::string shown{item.substr(0, cut)};
        return tl::unexpected{
          bad("status", "unknown status '" + shown
                          + "' (expected none, queued, processing, done, "
                            "error, ignore, requeue or check)")};
      }
      if (std::find(out.begin(), out.end(), *s) == out.end())
        out.push_back(*s);
    }
    if (comma == std::string_view::npos)
      break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

// A text filter: trimmed, case-folded, `any` meaning none.
std::string parse_text(std::string_view value) {
  value = trim(value);
  if (means_any(value))
    return {};
  return fold_case(value);
}

std::optional<int> bound(std::string_view s, int min, int max) {
  const auto n = to_int(trim(s));
  if (!n || *n < min || *n > max)
    return std::nullopt;
  return n;
}

bool contains(std::string_view haystack, std::string_view folded_needle) {
  return fold_case(haystack).find(folded_needle) != std::string::npos;
}

bool in(const std::optional<interval>& i, int value) {
  return !i || (value >= i->lo && value <= i->hi);
}

std::string_view yes_no(bool b) {
  return b ? "yes" : "no";
}

// The patient's key, from the exam when no patient row was joined.
std::string_view cnp_of(const exam_record& exam,
                        const patient_record& patient) {
  return patient.cnp.empty() ? std::string_view{exam.cnp}
                             : std::string_view{patient.cnp};
}

} // namespace

// -- intervals and case folding -----------------------------------------------

result<std::optional<interval>> parse_interval(std::string_view text, int min,
                                               int max,
                                               std::string_view field) {
  text = trim(text);
  if (means_any(text))
    return std::optional<interval>{};
  const auto fail_form = [&] {
    return tl::unexpected{bad(field, "expected n, a-b, -b or a- with values "
                                       + std::to_string(min) + ".."
                                       + std::to_string(max))};
  };
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) {
    const auto n = bound(text, min, max);
    if (!n)
      return fail_form();
    return std::optional<interval>{interval{*n, *n}};
  }
  if (text.find('-', dash + 1) != std::string_view::npos)
    return fail_form(); // `--`, `1-2-3`, `-3-`
  const auto left = trim(text.substr(0, dash));
  const auto right = trim(text.substr(dash + 1));
  if (left.empty() && right.empty())
    return fail_form(); // a lone `-`
  const auto lo
    = left.empty() ? std::optional<int>{min} : bound(left, min, max);
  const auto hi
    = right.empty() ? std::optional<int>{max} : bound(right, min, max);
  if (!lo || !hi || *lo > *hi)
    return fail_form();
  return std::optional<interval>{interval{*lo, *hi}};
}

std::string to_string(const interval& i) {
  return std::to_string(i.lo) + "-" + std::to_string(i.hi);
}

std::string fold_case(std::string_view text) {
  // The two-byte UTF-8 forms of the Romanian capitals and their lower-case
  // second bytes. Lead bytes never occur inside another sequence, so matching
  // them anywhere is safe.
  struct pair {
    unsigned char lead;
    unsigned char upper;
    unsigned char lower;
  };

  constexpr std::array<pair, 7> romanian{{
    {0xC3, 0x82, 0xA2}, // Â â
    {0xC3, 0x8E, 0xAE}, // Î î
    {0xC4, 0x82, 0x83}, // Ă ă
    {0xC5, 0x9E, 0x9F}, // Ş ş (cedilla)
    {0xC5, 0xA2, 0xA3}, // Ţ ţ (cedilla)
    {0xC8, 0x98, 0x99}, // Ș ș (comma below)
    {0xC8, 0x9A, 0x9B}, // Ț ț (comma below)
  }};
  std::string out{text};
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& c = out[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
      continue;
    }
    if (i + 1 == out.size())
      break;
    const auto lead = static_cast<unsigned char>(c);
    const auto next = static_cast<unsigned char>(out[i + 1]);
    const auto* const hit
      = std::find_if(romanian.begin(), romanian.end(), [&](const pair& p) {
          return p.lead == lead && p.upper == next;
        });
    if (hit != romanian.end()) {
      out[i + 1] = static_cast<char>(hit->lower);
      ++i;
    }
  }
  return out;
}

// -- /api/exams ---------------------------------------------------------------

result<exam_filter> parse_exam_filter(std::string_view query_string,
                                      int default_page_size) {
  static constexpr std::array<std::string_view, 13> names{
    "page",     "limit",       "reviewed",  "positive",   "correct",
    "region",   "status",      "search",    "diagnostic", "radiologist",
    "severity", "ai_severity", "confidence"};
  const auto v = decode_params(query_string, names);
  if (!v)
    return tl::unexpected{v.error()};
  const auto value = [&](std::string_view name) -> std::string_view {
    const auto* const it = std::find(names.begin(), names.end(), name);
    return (*v)[static_cast<std::size_t>(it - names.begin())];
  };
  exam_filter f;
  const auto paging
    = parse_paging(value("page"), value("limit"), default_page_size);
  if (!paging)
    return tl::unexpected{paging.error()};
  std::tie(f.page, f.limit) = *paging;

  struct yes_no_param {
    std::string_view name;
    std::optional<bool> exam_filter::*member;
  };

  constexpr std::array<yes_no_param, 3> yes_nos{{
    {"reviewed", &exam_filter::reviewed},
    {"positive", &exam_filter::positive},
    {"correct", &exam_filter::correct},
  }};
  for (const auto& y : yes_nos) {
    const auto yn = parse_yes_no(value(y.name), y.name);
    if (!yn)
      return tl::unexpected{yn.error()};
    f.*y.member = *yn;
  }
  auto statuses = parse_statuses(value("status"));
  if (!statuses)
    return tl::unexpected{statuses.error()};
  f.statuses = std::move(*statuses);
  f.region = parse_text(value("region"));
  f.search = parse_text(value("search"));
  f.diagnostic = parse_text(value("diagnostic"));
  f.radiologist = parse_text(value("radiologist"));

  struct interval_param {
    std::string_view name;
    int max;
    std::optional<interval> exam_filter::*member;
  };

  constexpr std::array<interval_param, 3> intervals{{
    {"severity", 10, &exam_filter::severity},
    {"ai_severity", 10, &exam_filter::ai_severity},
    {"confidence", 100, &exam_filter::confidence},
  }};
  for (const auto& ip : intervals) {
    const auto i = parse_interval(value(ip.name), 0, ip.max, ip.name);
    if (!i)
      return tl::unexpected{i.error()};
    f.*ip.member = *i;
  }
  return f;
}

boost::json::object filters_json(const exam_filter& f) {
  boost::json::object o;
  o["page"] = f.page;
  o["limit"] = f.limit;
  if (f.reviewed)
    o["reviewed"] = yes_no(*f.reviewed);
  if (f.positive)
    o["positive"] = yes_no(*f.positive);
  if (f.correct)
    o["correct"] = yes_no(*f.correct);
  if (!f.region.empty())
    o["region"] = f.region;
  if (!f.statuses.empty()) {
    std::string joined;
    for (const auto s : f.statuses) {
      if (!joined.empty())
        joined.push_back(',');
      joined += to_string(s);
    }
    o["status"] = joined;
  }
  if (!f.search.empty())
    o["search"] = f.search;
  if (!f.diagnostic.empty())
    o["diagnostic"] = f.diagnostic;
  if (!f.radiologist.empty())
    o["radiologist"] = f.radiologist;
  if (f.severity)
    o["severity"] = to_string(*f.severity);
  if (f.ai_severity)
    o["ai_severity"] = to_string(*f.ai_severity);
  if (f.confidence)
    o["confidence"] = to_string(*f.confidence);
  return o;
}

bool matches(const exam_filter& f, const exam_record& exam,
             const patient_record& patient, int threshold, bool user_role) {
  if (f.reviewed && (reviewed(exam.rad) == 1) != *f.reviewed)
    return false;
  // `no` means analysed and negative: an unanalysed exam is neither.
  if (f.positive && ai_positive(exam.ai, threshold) != (*f.positive ? 1 : 0))
    return false;
  // `correct` is -1 unless both analysed and reviewed, so neither matches.
  if (f.correct && correct(exam, threshold) != (*f.correct ? 1 : 0))
    return false;
  if (!f.region.empty() && !contains(exam.region, f.region))
    return false;
  if (!f.statuses.empty()
      && std::find(f.statuses.begin(), f.statuses.end(), exam.status)
           == f.statuses.end())
    return false;
  if (!f.search.empty() && !contains(patient.name, f.search)
      && !contains(cnp_of(exam, patient), f.search)
      && !contains(patient.id, f.search) && !contains(exam.uid, f.search))
    return false;
  if (!f.diagnostic.empty() && fold_case(exam.rad.summary) != f.diagnostic)
    return false;
  if (!f.radiologist.empty()) {
    const auto& name = exam.rad.radiologist;
    const bool real = fold_case(name) == f.radiologist;
    // Users see initials (spec/API.md §1) and may filter by them; an exam
    // without a radiologist shows null, never `Dr. NoName`.
    const bool initials
      = user_role && !name.empty()
        && fold_case(radiologist_initials(name)) == f.radiologist;
    if (!real && !initials)
      return false;
  }
  // Intervals start at 0, so an unknown score (-1) never matches one.
  return in(f.severity, exam.rad.severity)
         && in(f.ai_severity, exam.ai.severity)
         && in(f.confidence, exam.ai.confidence);
}

// -- /api/patients ------------------------------------------------------------

result<patient_filter> parse_patient_filter(std::string_view query_string,
                                            int default_page_size) {
  static constexpr std::array<std::string_view, 3> names{"page", "limit",
                                                         "search"};
  const auto v = decode_params(query_string, names);
  if (!v)
    return tl::unexpected{v.error()};
  const auto paging = parse_paging((*v)[0], (*v)[1], default_page_size);
  if (!paging)
    return tl::unexpected{paging.error()};
  patient_filter f;
  std::tie(f.page, f.limit) = *paging;
  f.search = parse_text((*v)[2]);
  return f;
}

boost::json::object filters_json(const patient_filter& f) {
  boost::json::object o;
  o["page"] = f.page;
  o["limit"] = f.limit;
  if (!f.search.empty())
    o["search"] = f.search;
  return o;
}

bool matches(const patient_filter& f, const patient_record& patient) {
  return f.search.empty() || contains(patient.name, f.search)
         || contains(patient.cnp, f.search);
}

} // namespace xrv::store
