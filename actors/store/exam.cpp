#include "actors/store/exam.hpp"

#include <array>
#include <cstddef>
#include <utility>

namespace xrv::store {

namespace {

// Every status with its name, in enum order.
constexpr std::array<std::pair<exam_status, std::string_view>, 8> names{{
  {exam_status::none, "none"},
  {exam_status::queued, "queued"},
  {exam_status::processing, "processing"},
  {exam_status::done, "done"},
  {exam_status::error, "error"},
  {exam_status::ignore, "ignore"},
  {exam_status::requeue, "requeue"},
  {exam_status::check, "check"},
}};

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i]))
      return false;
  return true;
}

} // namespace

std::string_view to_string(exam_status s) noexcept {
  for (const auto& [status, name] : names)
    if (status == s)
      return name;
  // Only reachable with a value cast from outside the enum's range.
  return "none";
}

std::optional<exam_status> parse_status(std::string_view s) {
  for (const auto& [status, name] : names)
    if (iequals(s, name))
      return status;
  return std::nullopt;
}

bool is_valid_uid(std::string_view uid) {
  if (uid.empty() || uid.size() > 64 || uid.front() == '.' || uid.back() == '.'
      || uid.find("..") != std::string_view::npos)
    return false;
  for (const char c : uid)
    if ((c < '0' || c > '9') && c != '.')
      return false;
  return true;
}

} // namespace xrv::store
