#pragma once

#include "http/message.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace xrv::http {

/// Who may call a route.
enum class access {
  open,          // no authentication (liveness, static assets)
  authenticated, // any role
  admin,         // role admin only
};

/// One routing entry.
struct route {
  std::string method;  // GET or POST
  std::string pattern; // "/api/exams/{uid}"; a last "{name...}" takes the rest
  access who = access::authenticated;
  handler fn;
};

/// What matching a path found.
struct match_result {
  const route* found = nullptr;     // the route, when method and path match
  path_params params;               // its `{name}` values (still encoded)
  std::vector<std::string> allowed; // methods of the path when none matched
};

/// Method + path pattern -> handler table.
class router {
public:
  /// Adds a route; patterns are matched in insertion order.
  void add(route r);

  /// Finds the route for a method (HEAD counts as GET) and a path.
  [[nodiscard]] match_result match(std::string_view method,
                                   std::string_view path) const;

  /// Every route, for the OpenAPI consistency test and the docs.
  [[nodiscard]] const std::vector<route>& routes() const noexcept {
    return routes_;
  }

private:
  std::vector<route> routes_;
};

/// Matches one pattern against a path, filling `params` on success.
[[nodiscard]] bool match_pattern(std::string_view pattern,
                                 std::string_view path, path_params& params);

} // namespace xrv::http
