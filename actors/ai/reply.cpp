#include "actors/ai/reply.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <optional>

namespace xrv::ai {

namespace {

namespace json = boost::json;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
         || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

tl::unexpected<error> unusable(const std::string& why) {
  return fail(errc::parse_error, "unusable AI answer: " + why);
}

std::string quoted(std::string_view key) {
  return "\"" + std::string{key} + "\"";
}

// The value of `key`, treating JSON null as absent.
const json::value* find(const json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

result<std::string> required_string(const json::object& obj,
                                    std::string_view key) {
  const auto* v = find(obj, key);
  if (v == nullptr)
    return unusable("missing " + quoted(key));
  if (!v->is_string())
    return unusable(quoted(key) + " is not a string");
  return std::string{trim(v->get_string())};
}

result<std::string> yes_no(const json::object& obj, std::string_view key) {
  auto s = required_string(obj, key);
  if (!s)
    return s;
  auto answer = lower(*s);
  if (answer != "yes" && answer != "no")
    return unusable(quoted(key) + " is \"" + *s + "\", not yes or no");
  return answer;
}

// A score in lo..hi: a JSON number (fractions rounded after the range check)
// or a string holding only a decimal integer.
result<int> score(const json::object& obj, std::string_view key, int lo,
                  int hi) {
  const auto* v = find(obj, key);
  if (v == nullptr)
    return unusable("missing " + quoted(key));
  const auto range = std::to_string(lo) + ".." + std::to_string(hi);
  double number = 0;
  std::string shown;
  if (v->is_int64()) {
    number = static_cast<double>(v->get_int64());
    shown = std::to_string(v->get_int64());
  } else if (v->is_uint64()) {
    number = static_cast<double>(v->get_uint64());
    shown = std::to_string(v->get_uint64());
  } else if (v->is_double()) {
    number = v->get_double();
    std::array<char, 32> buf{};
    const auto end = std::to_chars(buf.data(), buf.data() + buf.size(), number);
    shown.assign(buf.data(), end.ptr);
  } else if (v->is_string()) {
    const auto text = trim(v->get_string());
    std::int64_t parsed = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, parsed);
    if (text.empty() || ec != std::errc{} || ptr != end)
      return unusable(quoted(key) + " is not a number");
    number = static_cast<double>(parsed);
    shown = std::string{text};
  } else {
    return unusable(quoted(key) + " is not a number");
  }
  if (!std::isfinite(number) || number < lo || number > hi)
    return unusable(quoted(key) + " " + shown + " is outside " + range);
  return static_cast<int>(std::lround(number));
}

// An optional score: absent or null gives -1.
result<int> optional_score(const json::object& obj, std::string_view key,
                           int lo, int hi) {
  if (find(obj, key) == nullptr)
    return -1;
  return score(obj, key, lo, hi);
}

result<const json::object*> required_object(const json::object& obj,
                                            std::string_view key) {
  const auto* v = find(obj, key);
  if (v == nullptr)
    return unusable("missing " + quoted(key));
  if (!v->is_object())
    return unusable(quoted(key) + " is not an object");
  return &v->get_object();
}

// A list of strings; a lone string is a one-item list (empty when blank).
result<std::vector<std::string>> string_list(const json::object& obj,
                                             std::string_view key) {
  const auto* v = find(obj, key);
  if (v == nullptr)
    return unusable("missing " + quoted(key));
  std::vector<std::string> out;
  if (v->is_string()) {
    if (const auto s = trim(v->get_string()); !s.empty())
      out.emplace_back(s);
    return out;
  }
  if (!v->is_array())
    return unusable(quoted(key) + " is not a list");
  for (const auto& item : v->get_array()) {
    if (!item.is_string())
      return unusable(quoted(key) + " holds a non-string item");
    out.emplace_back(trim(item.get_string()));
  }
  return out;
}

result<bool> flag(const json::object& obj, std::string_view key) {
  const auto* v = find(obj, key);
  if (v == nullptr)
    return unusable("missing " + quoted(key));
  if (v->is_bool())
    return v->get_bool();
  if (v->is_string()) {
    const auto s = lower(trim(v->get_string()));
    if (s == "true")
      return true;
    if (s == "false")
      return false;
  }
  return unusable(quoted(key) + " is not true or false");
}

result<boost::json::object> scan_first_object(std::string_view text) {
  std::size_t pos = 0;
  std::string skipped;
  for (;;) {
    const auto start = text.find('{', pos);
    if (start == std::string_view::npos)
      return unusable(skipped.empty() ? "no JSON object in the answer"
                                      : "no valid JSON object in the answer ("
                                          + skipped + ")");
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    std::size_t end = std::string_view::npos;
    for (std::size_t i = start;
         i < text.size() && end == std::string_view::npos; ++i) {
      const char c = text[i];
      if (in_string) {
        if (escaped)
          escaped = false;
        else if (c == '\\')
          escaped = true;
        else if (c == '"')
          in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{') {
        ++depth;
      } else if (c == '}' && --depth == 0) {
        end = i;
      }
    }
    if (end == std::string_view::npos)
      return unusable("truncated JSON object");
    boost::system::error_code ec;
    auto value = json::parse(text.substr(start, end - start + 1), ec);
    if (!ec && value.is_object())
      return std::move(value.get_object());
    // A brace group of the prose ("the {short, report} fields"): go on after
    // it, never into it, so a broken object does not yield its inner parts.
    if (skipped.empty())
      skipped = ec ? ec.message() : "not an object";
    pos = end + 1;
  }
}

} // namespace

result<boost::json::object> first_json_object(std::string_view text) {
  try {
    return scan_first_object(text);
  } catch (const std::exception& e) {
    return fail(errc::internal,
                std::string{"parsing the AI answer: "} + e.what());
  }
}

result<completion> extract_completion(std::string_view body) {
  try {
    boost::system::error_code ec;
    const auto value = json::parse(body, ec);
    if (ec || !value.is_object())
      return fail(errc::parse_error, "AI response is not a JSON object");
    const auto& root = value.get_object();
    if (const auto* err = find(root, "error")) {
      std::string message;
      if (err->is_string()) {
        message = err->get_string();
      } else if (err->is_object() && err->get_object().contains("message")
                 && err->get_object().at("message").is_string()) {
        message = err->get_object().at("message").get_string();
      } else {
        message = json::serialize(*err);
      }
      return fail(errc::parse_error, "AI service error: " + message);
    }
    const auto* choices = find(root, "choices");
    if (choices == nullptr || !choices->is_array()
        || choices->get_array().empty())
      return fail(errc::parse_error, "AI response has no choices");
    const auto& choice = choices->get_array().front();
    const json::value* message
      = choice.is_object() ? find(choice.get_object(), "message") : nullptr;
    const json::value* content = (message != nullptr && message->is_object())
                                   ? find(message->get_object(), "content")
                                   : nullptr;
    completion out;
    if (content != nullptr && content->is_string()) {
      out.content = trim(content->get_string());
    } else if (content != nullptr && content->is_array()) {
      for (const auto& part : content->get_array())
        if (part.is_object())
          if (const auto* t = find(part.get_object(), "text");
              t != nullptr && t->is_string())
            out.content += t->get_string();
      out.content = std::string{trim(out.content)};
    }
    if (out.content.empty()) {
      std::string reason;
      if (choice.is_object())
        if (const auto* fr = find(choice.get_object(), "finish_reason");
            fr != nullptr && fr->is_string())
          reason = " (finish_reason " + std::string{fr->get_string()} + ")";
      return fail(errc::parse_error, "AI response has no content" + reason);
    }
    if (const auto* model = find(root, "model");
        model != nullptr && model->is_string())
      out.model = model->get_string();
    return out;
  } catch (const std::exception& e) {
    return fail(errc::internal,
                std::string{"reading the AI response: "} + e.what());
  }
}

result<std::string> extract_content(std::string_view body) {
  return extract_completion(body).map([](completion&& c) {
    return std::move(c.content);
  });
}

result<ai_result> parse_analysis(std::string_view content) {
  const auto obj = first_json_object(content);
  if (!obj)
    return tl::unexpected{obj.error()};
  ai_result out;
  auto short_answer = yes_no(*obj, "short");
  if (!short_answer)
    return tl::unexpected{short_answer.error()};
  out.short_answer = std::move(*short_answer);
  auto report = required_string(*obj, "report");
  if (!report)
    return tl::unexpected{report.error()};
  if (report->empty())
    return unusable("empty \"report\"");
  out.report = std::move(*report);
  const auto confidence = optional_score(*obj, "confidence", 0, 100);
  if (!confidence)
    return tl::unexpected{confidence.error()};
  out.confidence = *confidence;
  const auto severity = optional_score(*obj, "severity", 0, 10);
  if (!severity)
    return tl::unexpected{severity.error()};
  out.severity = *severity;
  if (find(*obj, "summary") != nullptr) {
    auto summary = required_string(*obj, "summary");
    if (!summary)
      return tl::unexpected{summary.error()};
    out.summary = std::move(*summary);
  }
  return out;
}

result<check_result> parse_check(std::string_view content) {
  const auto obj = first_json_object(content);
  if (!obj)
    return tl::unexpected{obj.error()};
  check_result out;
  auto pathologic = yes_no(*obj, "pathologic");
  if (!pathologic)
    return tl::unexpected{pathologic.error()};
  out.pathologic = std::move(*pathologic);
  const auto severity = score(*obj, "severity", 0, 10);
  if (!severity)
    return tl::unexpected{severity.error()};
  out.severity = *severity;
  auto summary = required_string(*obj, "summary");
  if (!summary)
    return tl::unexpected{summary.error()};
  out.summary = std::move(*summary);
  return out;
}

result<analyse_result> parse_analyse(std::string_view content) {
  const auto obj = first_json_object(content);
  if (!obj)
    return tl::unexpected{obj.error()};
  analyse_result out;
  // Each step either fills its field or returns the first problem.
  std::optional<error> problem;
  auto take = [&problem](auto&& r, auto& field) {
    if (problem)
      return;
    if (r)
      field = std::move(*r);
    else
      problem = r.error();
  };
  const auto first = required_object(*obj, "first_pass");
  const auto second = required_object(*obj, "second_pass");
  const auto third = required_object(*obj, "third_pass");
  for (const auto* pass : {&first, &second, &third})
    if (!*pass && !problem)
      problem = pass->error();
  if (!problem) {
    auto& f = out.first_pass;
    take(required_string(**first, "topic"), f.topic);
    take(required_string(**first, "purpose"), f.purpose);
    take(required_string(**first, "primary_findings"), f.primary_findings);
    auto& s = out.second_pass;
    take(string_list(**second, "main_points"), s.main_points);
    take(string_list(**second, "supporting_evidence"), s.supporting_evidence);
    take(flag(**second, "conclusions_valid"), s.conclusions_valid);
    auto& t = out.third_pass;
    take(string_list(**third, "assumptions"), t.assumptions);
    take(string_list(**third, "missing_info"), t.missing_info);
    take(required_string(**third, "critique"), t.critique);
    take(required_string(*obj, "overall_assessment"), out.overall_assessment);
  }
  if (problem)
    return tl::unexpected{*problem};
  return out;
}

result<std::string> parse_translate(std::string_view content) {
  const auto obj = first_json_object(content);
  if (!obj)
    return tl::unexpected{obj.error()};
  auto translation = required_string(*obj, "translation");
  if (translation && translation->empty())
    return unusable("empty \"translation\"");
  return translation;
}

boost::json::object to_json(const check_result& r) {
  return {{"pathologic", r.pathologic},
          {"severity", r.severity},
          {"summary", r.summary}};
}

boost::json::object to_json(const analyse_result& r) {
  auto list = [](const std::vector<std::string>& items) {
    json::array a;
    for (const auto& s : items)
      a.emplace_back(s);
    return a;
  };
  return {{"first_pass",
           json::object{{"topic", r.first_pass.topic},
                        {"purpose", r.first_pass.purpose},
                        {"primary_findings", r.first_pass.primary_findings}}},
          {"second_pass",
           json::object{
             {"main_points", list(r.second_pass.main_points)},
             {"supporting_evidence", list(r.second_pass.supporting_evidence)},
             {"conclusions_valid", r.second_pass.conclusions_valid}}},
          {"third_pass",
           json::object{{"assumptions", list(r.third_pass.assumptions)},
                        {"missing_info", list(r.third_pass.missing_info)},
                        {"critique", r.third_pass.critique}}},
          {"overall_assessment", r.overall_assessment}};
}

} // namespace xrv::ai
