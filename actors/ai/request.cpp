#include "actors/ai/request.hpp"

#include "actors/dicom/regions.hpp"
#include "actors/store/definitions.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace xrv::ai {

namespace {

// The fixed parts of the original's `create_ai_prompt` (§4.3 step 3).
constexpr std::string_view clinical_header = "\n\nCLINICAL INFORMATION: ";
constexpr std::string_view priors_header = "\n\nPRIOR STUDIES:";
constexpr std::string_view priors_footer
  = "\n\nCompare to prior studies. Note any new, stable, resolved, or "
    "progressive findings with dates.";
constexpr std::string_view closing_instruction
  = "\n\nIMPORTANT: Also identify any other lesions or abnormalities beyond "
    "the primary clinical question. Output JSON only.";
constexpr std::size_t max_priors = 3;

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
           || c == '\v';
  });
}

// Decodes one UTF-8 sequence at `s[i]`, advancing `i`; U+FFFD (one byte
// consumed) for anything that is not well-formed.
char32_t decode_utf8(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  }
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (std::size_t j = 1; j < len; ++j) {
    const auto b = static_cast<unsigned char>(s[i + j]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return cp;
}

void append_u_escape(std::string& out, char32_t unit) {
  std::array<char, 8> buf{};
  std::snprintf(buf.data(), buf.size(), "\\u%04x", static_cast<unsigned>(unit));
  out += buf.data();
}

std::string literal(bool v) {
  return v ? "true" : "false";
}

std::string literal(int v) {
  return std::to_string(v);
}

std::string literal(double v) {
  return python_float(v);
}

// A tiny writer of Python `json.dumps` output, in insertion order.
class py_json {
public:
  /// Opens `{` or `[`.
  py_json& open(char bracket) {
    separate();
    out_ += bracket;
    first_ = true;
    return *this;
  }

  /// Closes `}` or `]`.
  py_json& close(char bracket) {
    out_ += bracket;
    first_ = false;
    return *this;
  }

  py_json& key(std::string_view k) {
    separate();
    out_ += python_json_string(k);
    out_ += ": ";
    after_key_ = true;
    return *this;
  }

  py_json& raw(std::string_view json_text) {
    separate();
    out_ += json_text;
    return *this;
  }

  py_json& str(std::string_view v) {
    return raw(python_json_string(v));
  }

  /// `"k": v`, left out when `v` is not set.
  template <class T>
  py_json& member(std::string_view k, const std::optional<T>& v) {
    if (v)
      key(k).raw(literal(*v));
    return *this;
  }

  [[nodiscard]] std::string take() {
    return std::move(out_);
  }

private:
  void separate() {
    if (after_key_)
      after_key_ = false;
    else if (!first_)
      out_ += ", ";
    first_ = false;
  }

  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

// `{"type": "text", "text": <text>}`
void text_part(py_json& j, std::string_view text) {
  j.open('{').key("type").str("text").key("text").str(text).close('}');
}

// `{"role": <role>, "content": [{"type": "text", "text": <text>}]}`
void text_message(py_json& j, std::string_view role, std::string_view text) {
  j.open('{').key("role").str(role).key("content").open('[');
  text_part(j, text);
  j.close(']').close('}');
}

// `{"role": <role>, "content": <text>}` (plain string content)
void plain_message(py_json& j, std::string_view role, std::string_view text) {
  j.open('{').key("role").str(role).key("content").str(text).close('}');
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil), so that windows do not depend on the time zone.
std::int64_t days_from_civil(const store::civil_date& d) {
  const std::int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = y - era * 400;
  const std::int64_t mp = (d.month + 9) % 12;
  const auto doy = (153 * mp + 2) / 5 + d.day - 1;
  const auto doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Zone-free seconds of `YYYY-MM-DD HH:MM:SS`, or of the end of `YYYY-MM-DD`
// when `date_means_end_of_day`; nullopt when malformed.
std::optional<std::int64_t> civil_seconds(std::string_view text,
                                          bool date_means_end_of_day) {
  if (const auto t = store::parse_timestamp(text))
    return days_from_civil(t->date) * 86400 + std::int64_t{t->hour} * 3600
           + std::int64_t{t->minute} * 60 + t->second;
  if (date_means_end_of_day)
    if (const auto d = store::parse_date(text))
      return days_from_civil(*d) * 86400 + 86399;
  return std::nullopt;
}

result<std::string> checked_report(std::string_view report) {
  if (is_blank(report))
    return fail(errc::invalid_input, "No report text provided");
  return std::string{report};
}

} // namespace

std::string python_json_string(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const char32_t cp = decode_utf8(s, i);
    switch (cp) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (cp >= 0x20 && cp <= 0x7E) {
        out += static_cast<char>(cp);
      } else if (cp > 0xFFFF) {
        const char32_t v = cp - 0x10000;
        append_u_escape(out, 0xD800 + (v >> 10));
        append_u_escape(out, 0xDC00 + (v & 0x3FF));
      } else {
        append_u_escape(out, cp);
      }
    }
  }
  out += '"';
  return out;
}

std::string python_float(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v < 0 ? "-Infinity" : "Infinity";
  // Shortest round-trip digits in scientific form, then Python's layout:
  // positional for exponents -4..15, else d.ddde+XX.
  std::array<char, 64> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v,
                                 std::chars_format::scientific);
  std::string_view sci{buf.data(),
                       static_cast<std::size_t>(res.ptr - buf.data())};
  std::string sign;
  if (sci.starts_with('-')) {
    sign = "-";
    sci.remove_prefix(1);
  }
  const auto e_pos = sci.find('e');
  std::string digits;
  for (const char c : sci.substr(0, e_pos))
    if (c != '.')
      digits += c;
  const int exp = std::atoi(std::string{sci.substr(e_pos + 1)}.c_str());
  if (exp >= -4 && exp < 16) {
    std::string out;
    if (exp < 0) {
      out
        = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    } else {
      const auto int_len = static_cast<std::size_t>(exp) + 1;
      if (digits.size() <= int_len)
        out = digits + std::string(int_len - digits.size(), '0') + ".0";
      else
        out = digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
    return sign + out;
  }
  std::string mantissa = digits.substr(0, 1);
  if (digits.size() > 1)
    mantissa += "." + digits.substr(1);
  std::array<char, 16> ebuf{};
  std::snprintf(ebuf.data(), ebuf.size(), "e%c%02d", exp < 0 ? '-' : '+',
                std::abs(exp));
  return sign + mantissa + ebuf.data();
}

std::string describe_age(int years) {
  if (years > 1)
    return std::to_string(years) + " years old";
  if (years == 1)
    return "1 year old";
  if (years == 0)
    return "newborn";
  return "";
}

std::vector<prior_report>
select_priors(const store::exam_record& exam,
              const std::vector<store::exam_record>& candidates,
              std::string_view now, int max_days, std::size_t max_count) {
  std::vector<prior_report> out;
  if (exam.cnp.empty() || exam.region.empty() || exam.region == "unknown")
    return out;
  auto reference = civil_seconds(exam.created, false);
  if (!reference)
    reference = civil_seconds(now, true);
  if (!reference)
    return out;
  const std::int64_t oldest
    = *reference - static_cast<std::int64_t>(max_days) * 86400;
  std::vector<std::pair<std::int64_t, const store::exam_record*>> found;
  for (const auto& c : candidates) {
    // Another image of the same study is not a prior study.
    if (c.uid == exam.uid || c.cnp != exam.cnp || c.region != exam.region
        || (!exam.study.empty() && c.study == exam.study)
        || is_blank(c.ai.text))
      continue;
    const auto when = civil_seconds(c.created, false);
    if (!when || *when >= *reference || *when < oldest)
      continue;
    found.emplace_back(*when, &c);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first)
      return a.first > b.first;
    return a.second->uid < b.second->uid;
  });
  for (const auto& [when, c] : found) {
    if (out.size() >= max_count)
      break;
    out.push_back(prior_report{c->uid, c->created, c->ai.text});
  }
  return out;
}

std::string build_user_prompt(const analysis_input& input,
                              const prompt_set& prompts,
                              std::string_view today) {
  const auto& exam = input.exam;
  const int age = store::parse_timestamp(exam.created)
                    ? store::age_at(input.patient.birthdate, exam.created)
                    : store::age_at(input.patient.birthdate, today);
  // " ".join([...]) in the original: an empty part leaves a stray space.
  const auto subject
    = describe_age(age) + " " + dicom::describe_sex(input.patient.sex);
  const auto anatomy
    = dicom::identify_projection(exam.protocol) + " " + exam.region;
  const std::string_view question
    = input.question.empty() ? default_question : input.question;
  auto text = format_user_template(prompts.user, question, anatomy, subject);
  if (!text) // load_prompt_overrides validates templates; this is a fallback
    text = format_user_template(usr_prompt, question, anatomy, subject);
  std::string prompt = text.value_or(std::string{});
  if (!exam.rad.justification.empty()) {
    prompt += clinical_header;
    prompt += exam.rad.justification;
  }
  std::vector<const prior_report*> priors;
  for (const auto& p : input.priors)
    if (p.uid != exam.uid && priors.size() < max_priors)
      priors.push_back(&p);
  if (!priors.empty()) {
    prompt += priors_header;
    for (const auto* p : priors) {
      prompt += "\n\n[";
      prompt += p->date;
      prompt += "] ";
      prompt += p->text;
    }
    prompt += priors_footer;
  }
  prompt += closing_instruction;
  return prompt;
}

std::string build_analysis_request(const analysis_input& input,
                                   const prompt_set& prompts,
                                   const std::string& model,
                                   const sampling& params,
                                   std::string_view today) {
  py_json j;
  j.open('{').key("model").str(model);
  j.member("timings_per_token", params.timings_per_token)
    .member("min_p", params.min_p)
    .member("top_k", params.top_k)
    .member("top_p", params.top_p)
    .member("temperature", params.temperature)
    .member("cache_prompt", params.cache_prompt);
  j.key("stream").raw("false").member("keep_alive", params.keep_alive);
  j.key("messages").open('[');
  text_message(j, "system", prompts.system);
  j.open('{').key("role").str("user").key("content").open('[');
  text_part(j, build_user_prompt(input, prompts, today));
  j.open('{').key("type").str("image_url").key("image_url").open('{');
  j.key("url").str("data:image/png;base64," + input.png_base64);
  j.close('}').close('}').close(']').close('}');
  if (input.previous && !input.previous->text.empty()) {
    // json.dumps({'short': ..., 'report': ...}) as the assistant's turn.
    const std::string previous
      = std::string{"{\"short\": "}
        + python_json_string(input.previous->positive == 1 ? "yes" : "no")
        + ", \"report\": " + python_json_string(input.previous->text) + "}";
    plain_message(j, "assistant", previous);
    plain_message(j, "user", prompts.revision);
  }
  j.close(']').close('}');
  return j.take();
}

std::string separate_sentences(std::string_view text) {
  auto is_digit = [](char c) {
    return c >= '0' && c <= '9';
  };
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
           || c == '\v';
  };
  constexpr std::string_view no_space_before = ".!?,;:)]}\"'";
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    out += c;
    if (c != '.' && c != '!' && c != '?')
      continue;
    if (i + 1 >= text.size())
      continue;
    const char next = text[i + 1];
    if (is_space(next) || no_space_before.find(next) != std::string_view::npos)
      continue;
    if (c == '.' && i > 0 && is_digit(text[i - 1]) && is_digit(next))
      continue; // a decimal number, "3.5"
    out += ' ';
  }
  return out;
}

std::string build_text_request(std::string_view system_prompt,
                               std::string_view user_text,
                               const std::string& model,
                               const sampling& params) {
  py_json j;
  j.open('{').key("model").str(model).key("stream").raw("false");
  j.member("keep_alive", params.keep_alive).key("messages").open('[');
  text_message(j, "system", system_prompt);
  text_message(j, "user", user_text);
  j.close(']').close('}');
  return j.take();
}

result<std::string> build_check_request(std::string_view report,
                                        const prompt_set& prompts,
                                        const std::string& model,
                                        const sampling& params) {
  return checked_report(report).map([&](const std::string& text) {
    return build_text_request(prompts.check, separate_sentences(text), model,
                              params);
  });
}

result<std::string> build_analyse_request(std::string_view report,
                                          const prompt_set& prompts,
                                          const std::string& model,
                                          const sampling& params) {
  return checked_report(report).map([&](const std::string& text) {
    return build_text_request(prompts.analyse, separate_sentences(text), model,
                              params);
  });
}

result<std::string> build_translate_request(std::string_view report,
                                            const prompt_set& prompts,
                                            const std::string& model,
                                            const sampling& params) {
  return checked_report(report).map([&](const std::string& text) {
    return build_text_request(prompts.translate, text, model, params);
  });
}

} // namespace xrv::ai
