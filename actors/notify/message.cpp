#include "actors/notify/message.hpp"

#include "actors/net/encoding.hpp"
#include "actors/store/query_string.hpp"
#include "actors/system/phi.hpp"

#include <algorithm>

namespace xrv::notify {

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD

// ntfy turns a message over 4096 bytes into an attachment; a finding is cut
// well before that.
constexpr std::size_t max_finding_bytes = 1000;
constexpr std::size_t max_region_bytes = 64;

// Raw bytes per encoded word: 45 bytes are 60 base64 characters, plus the
// 12 of `=?UTF-8?B?` and `?=` stays under RFC 2047's 75 (§2).
constexpr std::size_t word_bytes = 45;

// The length of the UTF-8 sequence a lead byte announces (0: not a lead).
std::size_t sequence_length(unsigned char c) {
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return 2;
  if (c >= 0xE0 && c <= 0xEF)
    return 3;
  if (c >= 0xF0 && c <= 0xF4)
    return 4;
  return 0;
}

// NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR break lines in some clients.
bool is_line_break(std::string_view ch) {
  return ch == "\xC2\x85" || ch == "\xE2\x80\xA8" || ch == "\xE2\x80\xA9";
}

bool is_c1_control(std::string_view ch) {
  return ch.size() == 2 && static_cast<unsigned char>(ch[0]) == 0xC2
         && static_cast<unsigned char>(ch[1]) < 0xA0;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
}

// The longest prefix of `s` of at most `max` bytes that ends on a character
// boundary (`s` is valid UTF-8).
std::size_t boundary_before(std::string_view s, std::size_t max) {
  if (s.size() <= max)
    return s.size();
  auto n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0U) == 0x80U)
    --n;
  return n;
}

// Cuts a clean line to `max` bytes on a character boundary, marking the cut.
std::string shorten(std::string line, std::size_t max) {
  if (line.size() <= max)
    return line;
  line.resize(boundary_before(line, max - 3));
  return line + "\xE2\x80\xA6"; // U+2026 HORIZONTAL ELLIPSIS
}

std::string severity_text(int severity) {
  if (severity < 0 || severity > 10)
    return "unknown";
  return std::to_string(severity) + "/10";
}

// The AI's summary, or the first non-empty line of its report.
std::string finding_text(const store::ai_report& ai) {
  auto line = one_line(ai.summary);
  std::string_view text = ai.text;
  while (line.empty() && !text.empty()) {
    const auto eol = text.find_first_of("\r\n");
    line = one_line(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{}
                                         : text.substr(eol + 1);
  }
  return line.empty() ? std::string{"(none given)"}
                      : shorten(std::move(line), max_finding_bytes);
}

std::string or_unknown(std::string s) {
  return s.empty() ? std::string{"unknown"} : std::move(s);
}

} // namespace

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  const auto put = [&](std::string_view ch) {
    if (pending_space && !out.empty())
      out.push_back(' ');
    pending_space = false;
    out.append(ch);
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto len = sequence_length(c);
    const auto ch = len == 0 ? std::string_view{} : text.substr(i, len);
    if (len == 0 || ch.size() < len || !store::valid_utf8(ch)) {
      put(replacement);
      ++i;
      continue;
    }
    i += len;
    if (c <= 0x20 || c == 0x7F || is_line_break(ch) || is_c1_control(ch))
      pending_space = true;
    else
      put(ch);
  }
  return out;
}

std::string header_value(std::string_view text) {
  auto line = one_line(text);
  // ASCII that looks like an encoded word would be decoded by the receiver:
  // encode it too so it arrives as written.
  if (is_ascii(line) && line.find("=?") == std::string::npos)
    return line;
  std::string out;
  std::string_view rest = line;
  while (!rest.empty()) {
    const auto n = boundary_before(rest, word_bytes);
    if (!out.empty())
      out.push_back(' '); // RFC 2047 §6.2: ignored between encoded words
    out += "=?UTF-8?B?" + net::base64_encode(rest.substr(0, n)) + "?=";
    rest.remove_prefix(n);
  }
  return out;
}

std::string exam_link(std::string_view public_url, std::string_view uid) {
  auto base = one_line(public_url);
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  if (base.empty())
    return {};
  // Keep the URL's own structure; escape spaces and non-ASCII bytes only.
  return net::percent_encode(base, ":/?#[]@!$&'()*+,;=%")
         + "/?uid=" + net::percent_encode(uid, "");
}

std::string patient_label(const store::patient_record& p, bool include_names) {
  if (!include_names)
    return one_line(patient_initials(p.name));
  std::string name = p.name;
  std::replace(name.begin(), name.end(), '^', ' ');
  auto line = one_line(name);
  return line.empty() ? std::string{"NoName"} : line;
}

std::string log_label(const store::exam_view& v) {
  return "exam " + one_line(v.exam.uid) + " ("
         + one_line(patient_initials(v.patient.name)) + ")";
}

ntfy_message build_message(const store::exam_view& v,
                           const config::notifications_config& cfg) {
  ntfy_message m;
  m.url = one_line(cfg.ntfy_url);
  const auto region = shorten(one_line(v.exam.region), max_region_bytes);
  const bool known_region = !region.empty() && region != "unknown";
  const auto title = known_region ? "XRayVision: positive " + region + " X-ray"
                                  : std::string{"XRayVision: positive X-ray"};
  m.headers.emplace_back("Title", header_value(title));
  const auto add = [&m](std::string name, std::string value) {
    if (!value.empty())
      m.headers.emplace_back(std::move(name), std::move(value));
  };
  add("Priority", header_value(cfg.priority));
  add("Tags", header_value(cfg.tags));
  add("Click", exam_link(cfg.public_url, v.exam.uid));
  if (auto token = one_line(cfg.ntfy_token); !token.empty())
    m.headers.emplace_back("Authorization", "Bearer " + token);
  m.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  m.body = "Region: " + or_unknown(region) + "\n"
           + "Finding: " + finding_text(v.exam.ai) + "\n"
           + "Severity: " + severity_text(v.exam.ai.severity) + "\n"
           + "Patient: " + patient_label(v.patient, cfg.include_names) + "\n"
           + "Exam time: " + or_unknown(one_line(v.exam.created));
  return m;
}

verdict classify(long status) {
  if (status >= 200 && status < 300)
    return verdict::sent;
  if (status == 0 || status == 429 || status >= 500)
    return verdict::retry;
  return verdict::give_up;
}

std::chrono::milliseconds backoff(std::chrono::milliseconds first, int failed,
                                  std::chrono::milliseconds cap) {
  auto d = first;
  for (int i = 1; i < failed && d < cap; ++i)
    d *= 2;
  return std::min(d, cap);
}

} // namespace xrv::notify
