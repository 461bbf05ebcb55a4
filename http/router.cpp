#include "http/router.hpp"

#include <algorithm>

namespace xrv::http {

namespace {

// Splits off the next '/'-separated segment of `s` (without the slash).
std::string_view next_segment(std::string_view& s) {
  if (!s.empty() && s.front() == '/')
    s.remove_prefix(1);
  auto end = s.find('/');
  auto seg = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return seg;
}

} // namespace

bool match_pattern(std::string_view pattern, std::string_view path,
                   path_params& params) {
  params.clear();
  if (pattern == "/" || path == "/")
    return pattern == path;
  while (!pattern.empty()) {
    if (path.empty())
      return false;
    auto pseg = next_segment(pattern);
    if (pseg.size() > 5 && pseg.front() == '{' && pseg.ends_with("...}")) {
      // A rest parameter takes the remainder, slashes included.
      auto rest = path.substr(1);
      if (rest.empty())
        return false;
      params.emplace(std::string{pseg.substr(1, pseg.size() - 5)},
                     std::string{rest});
      return pattern.empty();
    }
    auto seg = next_segment(path);
    if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (seg.empty())
        return false;
      params.emplace(std::string{pseg.substr(1, pseg.size() - 2)},
                     std::string{seg});
    } else if (pseg != seg) {
      return false;
    }
  }
  return path.empty();
}

void router::add(route r) {
  routes_.push_back(std::move(r));
}

match_result router::match(std::string_view method,
                           std::string_view path) const {
  match_result res;
  const std::string_view wanted = method == "HEAD" ? "GET" : method;
  path_params params;
  for (const auto& r : routes_) {
    if (!match_pattern(r.pattern, path, params))
      continue;
    if (r.method == wanted) {
      res.found = &r;
      res.params = std::move(params);
      res.allowed.clear();
      return res;
    }
    if (std::find(res.allowed.begin(), res.allowed.end(), r.method)
        == res.allowed.end())
      res.allowed.push_back(r.method);
  }
  return res;
}

} // namespace xrv::http
