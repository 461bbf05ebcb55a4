#include "actors/fhir/resources.hpp"

#include "actors/net/encoding.hpp"
#include "actors/store/definitions.hpp"
#include "actors/store/query_string.hpp"
#include "actors/system/ini.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <tuple>

namespace xrv::fhir {

namespace {

namespace json = boost::json;
using config::lower;
using config::strip;

std::string text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string{v->as_string()}
                                        : std::string{};
}

const json::array* array_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? &v->as_array() : nullptr;
}

const json::object* object_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

// The first `display` of a list of References.
std::string first_display(const json::object& o, std::string_view key) {
  if (const auto* a = array_of(o, key))
    for (const auto& item : *a)
      if (item.is_object())
        if (auto d = strip(text_of(item.as_object(), "display")); !d.empty())
          return d;
  return {};
}

// The text of a CodeableConcept: `text`, else its codings' display.
std::string concept_text(const json::object& c) {
  if (auto t = strip(text_of(c, "text")); !t.empty())
    return t;
  if (const auto* codings = array_of(c, "coding"))
    for (const auto& coding : *codings)
      if (coding.is_object())
        if (auto d = strip(text_of(coding.as_object(), "display")); !d.empty())
          return d;
  return {};
}

void append_utf8(std::string& out, unsigned long cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6U)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3FU)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12U)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3FU)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18U)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3FU)));
  }
}

std::string latin1_to_utf8(std::string_view in) {
  std::string out;
  for (char c : in)
    append_utf8(out, static_cast<unsigned char>(c));
  return out;
}

// Decodes one entity starting at `&`; advances `i` past it when known.
bool decode_entity(std::string_view s, std::size_t& i, std::string& out) {
  const auto semi = s.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10)
    return false;
  const auto name = s.substr(i + 1, semi - i - 1);
  static constexpr std::array<std::pair<std::string_view, unsigned long>, 7>
    named{{{"amp", '&'},
           {"lt", '<'},
           {"gt", '>'},
           {"quot", '"'},
           {"apos", '\''},
           {"nbsp", ' '},
           {"shy", 0xAD}}};
  for (const auto& [n, cp] : named)
    if (name == n) {
      append_utf8(out, cp);
      i = semi + 1;
      return true;
    }
  if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const std::string digits{name.substr(hex ? 2 : 1)};
    char* end = nullptr;
    const auto cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
    if (digits.empty() || end != digits.c_str() + digits.size())
      return false;
    append_utf8(out, cp);
    i = semi + 1;
    return true;
  }
  return false;
}

bool breaks_line(std::string_view tag) {
  static constexpr std::array<std::string_view, 16> blocks{
    "br", "p",  "div", "li", "tr", "h1",    "h2",         "h3",
    "h4", "h5", "h6",  "ul", "ol", "table", "blockquote", "pre"};
  return std::find(blocks.begin(), blocks.end(), tag) != blocks.end();
}

// Collapses blanks inside lines, trims lines, and keeps at most one empty
// line between paragraphs (none for HTML, whose blocks already break lines).
std::string tidy(std::string_view raw, bool blank_lines = true) {
  std::string out;
  std::string line;
  int empty_lines = 0;
  auto flush = [&] {
    auto t = strip(line);
    line.clear();
    if (t.empty()) {
      ++empty_lines;
      return;
    }
    if (!out.empty())
      out += empty_lines > 0 && blank_lines ? "\n\n" : "\n";
    out += t;
    empty_lines = 0;
  };
  for (char c : raw) {
    if (c == '\n') {
      flush();
    } else if (c == ' ' || c == '\t' || c == '\r') {
      if (!line.empty() && line.back() != ' ')
        line.push_back(' ');
    } else {
      line.push_back(c);
    }
  }
  flush();
  return out;
}

// The text of one presentedForm attachment, or empty.
std::string attachment_text(const json::object& form) {
  const auto type = lower(text_of(form, "contentType"));
  const auto data = text_of(form, "data");
  if (data.empty())
    return {};
  auto bytes = net::base64_decode(data);
  if (!bytes)
    return {};
  const bool latin = type.find("iso-8859") != std::string::npos
                     || type.find("latin1") != std::string::npos
                     || type.find("windows-125") != std::string::npos;
  std::string text = latin || !store::valid_utf8(*bytes)
                       ? latin1_to_utf8(*bytes)
                       : std::move(*bytes);
  if (type.starts_with("text/html") || type.starts_with("application/xhtml"))
    return html_to_text(text);
  return tidy(text);
}

// Lower ranks are preferred; -1: not readable as text.
int form_rank(const json::object& form) {
  const auto type = lower(text_of(form, "contentType"));
  if (type.empty() || type.starts_with("text/plain"))
    return 0;
  if (type.starts_with("text/html") || type.starts_with("application/xhtml"))
    return 1;
  if (type.starts_with("text/"))
    return 2;
  return -1;
}

std::optional<std::int64_t> time_field(const json::object& o,
                                       std::string_view date_time,
                                       std::string_view period) {
  if (auto t = parse_fhir_time(text_of(o, date_time)))
    return t;
  if (const auto* p = object_of(o, period))
    return parse_fhir_time(text_of(*p, "start"));
  return std::nullopt;
}

int two(std::string_view s, std::size_t at) {
  if (at + 2 > s.size() || !std::isdigit(static_cast<unsigned char>(s[at]))
      || !std::isdigit(static_cast<unsigned char>(s[at + 1])))
    return -1;
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

} // namespace

result<bundle_page> read_bundle(std::string_view body, std::string_view type) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object())
    return fail(errc::parse_error, "the FHIR answer is not a JSON object");
  const auto& o = v.as_object();
  const auto kind = text_of(o, "resourceType");
  if (kind == "OperationOutcome")
    return fail(errc::peer_unavailable,
                "OperationOutcome: " + outcome_summary(o));
  if (kind != "Bundle")
    return fail(errc::parse_error, "the FHIR answer is a "
                                     + (kind.empty() ? "non-resource" : kind)
                                     + ", not a Bundle");
  bundle_page page;
  if (const auto* entries = array_of(o, "entry"))
    for (const auto& entry : *entries) {
      if (!entry.is_object())
        continue;
      const auto* res = object_of(entry.as_object(), "resource");
      if (res != nullptr && text_of(*res, "resourceType") == type)
        page.resources.push_back(*res);
    }
  if (const auto* links = array_of(o, "link"))
    for (const auto& link : *links)
      if (link.is_object() && text_of(link.as_object(), "relation") == "next")
        page.next = text_of(link.as_object(), "url");
  return page;
}

std::string outcome_summary(const json::object& outcome) {
  std::string out;
  if (const auto* issues = array_of(outcome, "issue"))
    for (const auto& issue : *issues) {
      if (!issue.is_object())
        continue;
      const auto& i = issue.as_object();
      // The issue's code, not its free text: servers echo the searched
      // identifier or name in `diagnostics`, and this goes to the log.
      auto code = text_of(i, "code");
      if (!out.empty())
        out += "; ";
      out += text_of(i, "severity") + ": "
             + (code.empty() ? std::string{"no code"} : code);
    }
  return out;
}

std::optional<std::int64_t> parse_fhir_time(std::string_view t) {
  if (t.size() < 4)
    return std::nullopt;
  std::string date{t.substr(0, std::min<std::size_t>(t.size(), 10))};
  if (date.size() == 4)
    date += "-01-01";
  else if (date.size() == 7)
    date += "-01";
  const auto day = store::parse_date(date);
  if (!day)
    return std::nullopt;
  if (t.size() <= 10)
    return store::to_epoch_seconds(date + " 00:00:00");
  if (t[10] != 'T' || t.size() < 16)
    return std::nullopt;
  const int hh = two(t, 11);
  const int mm = two(t, 14);
  const int ss = t.size() >= 19 && t[16] == ':' ? two(t, 17) : 0;
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
    return std::nullopt;
  auto zone = t.substr(t.size() >= 19 && t[16] == ':' ? 19 : 16);
  if (!zone.empty() && zone.front() == '.') {
    const auto end = zone.find_first_not_of("0123456789", 1);
    zone
      = end == std::string_view::npos ? std::string_view{} : zone.substr(end);
  }
  const std::int64_t clock = hh * 3600 + mm * 60 + ss;
  if (zone.empty()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s %02d:%02d:%02d", date.c_str(), hh, mm,
                  ss > 59 ? 59 : ss);
    const auto local = store::to_epoch_seconds(buf);
    return local < 0 ? std::nullopt : std::optional<std::int64_t>{local};
  }
  std::int64_t offset = 0;
  if (zone != "Z") {
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':'
        || two(zone, 1) < 0 || two(zone, 4) < 0)
      return std::nullopt;
    offset
      = (two(zone, 1) * 3600 + two(zone, 4) * 60) * (zone[0] == '-' ? -1 : 1);
  }
  return days_from_civil(day->year, day->month, day->day) * 86400 + clock
         - offset;
}

patient_fields patient_of(const json::object& patient) {
  patient_fields p;
  p.id = text_of(patient, "id");
  auto birth = text_of(patient, "birthDate");
  if (store::parse_date(birth))
    p.birthdate = std::move(birth);
  return p;
}

request_fields request_of(const json::object& request) {
  request_fields r;
  r.id = text_of(request, "id");
  r.status = text_of(request, "status");
  r.time = parse_fhir_time(text_of(request, "authoredOn"));
  if (!r.time)
    r.time = time_field(request, "occurrenceDateTime", "occurrencePeriod");
  std::string why;
  if (const auto* reasons = array_of(request, "reasonCode"))
    for (const auto& c : *reasons)
      if (c.is_object())
        if (auto t = concept_text(c.as_object()); !t.empty())
          why += (why.empty() ? "" : "; ") + t;
  if (why.empty())
    why = first_display(request, "reasonReference");
  if (why.empty())
    why = first_display(request, "supportingInfo");
  r.justification = std::move(why);
  return r;
}

report_fields report_of(const json::object& report) {
  report_fields r;
  r.id = text_of(report, "id");
  r.status = text_of(report, "status");
  r.effective = time_field(report, "effectiveDateTime", "effectivePeriod");
  r.issued = parse_fhir_time(text_of(report, "issued"));
  if (const auto* based = array_of(report, "basedOn"))
    for (const auto& ref : *based)
      if (ref.is_object())
        if (auto s = text_of(ref.as_object(), "reference"); !s.empty())
          r.based_on.push_back(std::move(s));
  if (const auto* forms = array_of(report, "presentedForm")) {
    const json::object* best = nullptr;
    int best_rank = 99;
    for (const auto& f : *forms) {
      if (!f.is_object())
        continue;
      const int rank = form_rank(f.as_object());
      if (rank >= 0 && rank < best_rank
          && !text_of(f.as_object(), "data").empty()) {
        best = &f.as_object();
        best_rank = rank;
      }
    }
    if (best != nullptr)
      r.text = attachment_text(*best);
  }
  if (r.text.empty())
    r.text = tidy(text_of(report, "conclusion"));
  r.radiologist = first_display(report, "resultsInterpreter");
  if (r.radiologist.empty())
    r.radiologist = first_display(report, "performer");
  return r;
}

bool is_signed(const report_fields& r) {
  return r.status == "final" || r.status == "amended" || r.status == "corrected"
         || r.status == "appended";
}

std::string html_to_text(std::string_view html) {
  std::string raw;
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '&') {
      if (!decode_entity(html, i, raw)) {
        raw.push_back('&');
        ++i;
      }
      continue;
    }
    if (c != '<') {
      // Source line breaks are blanks in HTML.
      raw.push_back(c == '\n' || c == '\r' ? ' ' : c);
      ++i;
      continue;
    }
    const auto close = html.find('>', i);
    if (close == std::string_view::npos)
      break; // an unterminated tag: the rest is markup
    auto tag = lower(html.substr(i + 1, close - i - 1));
    const bool end_tag = !tag.empty() && tag.front() == '/';
    if (end_tag)
      tag.erase(0, 1);
    const auto name = tag.substr(0, tag.find_first_of(" \t\r\n/"));
    i = close + 1;
    if (!end_tag && (name == "script" || name == "style")) {
      const auto end = lower(html.substr(i)).find("</" + name);
      i = end == std::string::npos ? html.size() : i + end;
      continue;
    }
    if (breaks_line(name))
      raw.push_back('\n');
  }
  return tidy(raw, false);
}

std::optional<request_fields>
nearest_request(const std::vector<request_fields>& requests,
                std::int64_t exam_time, std::int64_t window_s) {
  std::optional<request_fields> best;
  std::int64_t best_gap = 0;
  for (const auto& r : requests) {
    if (r.id.empty() || !r.time || r.status == "entered-in-error"
        || r.status == "revoked")
      continue;
    const auto gap = std::llabs(*r.time - exam_time);
    if (gap > window_s)
      continue;
    if (!best || gap < best_gap || (gap == best_gap && r.id > best->id)) {
      best = r;
      best_gap = gap;
    }
  }
  return best;
}

std::optional<report_fields>
newest_signed(const std::vector<report_fields>& reports) {
  std::optional<report_fields> best;
  auto key = [](const report_fields& r) {
    return std::make_tuple(r.issued.value_or(-1), r.effective.value_or(-1),
                           r.id);
  };
  for (const auto& r : reports) {
    if (!is_signed(r) || r.text.empty())
      continue;
    if (!best || key(r) > key(*best))
      best = r;
  }
  return best;
}

std::optional<report_fields>
nearest_signed(const std::vector<report_fields>& reports,
               std::int64_t exam_time, std::int64_t window_s,
               std::string_view request_id) {
  std::vector<report_fields> nearest;
  std::int64_t best_gap = window_s + 1;
  const auto own = "ServiceRequest/" + std::string{request_id};
  for (const auto& r : reports) {
    if (!is_signed(r) || r.text.empty() || !r.effective)
      continue;
    if (!request_id.empty() && !r.based_on.empty()
        && std::find(r.based_on.begin(), r.based_on.end(), own)
             == r.based_on.end())
      continue; // the report of another request
    const auto gap = std::llabs(*r.effective - exam_time);
    if (gap > window_s || gap > best_gap)
      continue;
    if (gap < best_gap)
      nearest.clear();
    best_gap = gap;
    nearest.push_back(r);
  }
  return newest_signed(nearest);
}

} // namespace xrv::fhir
