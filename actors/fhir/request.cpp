#include "actors/fhir/request.hpp"

#include "actors/net/encoding.hpp"
#include "actors/system/ini.hpp"

#include <algorithm>
#include <cctype>

namespace xrv::fhir {

namespace {

using config::lower;

// scheme://authority of a URL; empty when it has none.
std::string_view origin(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos)
    return {};
  const auto path = url.find_first_of("/?#", scheme + 3);
  return url.substr(0, path);
}

} // namespace

std::optional<dialect> parse_dialect(std::string_view text) {
  const auto l = lower(text);
  if (l == "r4")
    return dialect::r4;
  if (l == "hipocrate")
    return dialect::hipocrate;
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>>
auth_headers(const settings& s) {
  if (!s.token.empty())
    return {{"Authorization", "Bearer " + s.token}};
  if (!s.username.empty())
    return {{"Authorization",
             "Basic " + net::base64_encode(s.username + ":" + s.password)}};
  return {};
}

std::string make_url(const settings& s, std::string_view path,
                     const query_params& params) {
  const bool plus = s.kind == dialect::hipocrate;
  std::string url = s.base_url;
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  url += path;
  char sep = '?';
  for (const auto& [k, v] : params) {
    url += sep;
    url += net::percent_encode(k, {}, plus);
    url += '=';
    url += net::percent_encode(v, ":/@", plus);
    sep = '&';
  }
  return url;
}

net::http_request get_request(const settings& s, std::string url) {
  net::http_request req;
  req.url = std::move(url);
  req.headers = auth_headers(s);
  req.headers.emplace_back("Accept", "application/fhir+json");
  req.connect_timeout = std::chrono::seconds(s.connect_timeout_s);
  req.timeout = std::chrono::seconds(s.timeout_s);
  // A search page is small; a report with an embedded PDF is not huge.
  req.max_response_bytes = 16U << 20U;
  return req;
}

net::http_request metadata_request(const settings& s) {
  net::http_request req;
  if (s.kind == dialect::hipocrate) {
    req.url = make_url(s, "/fhir/Metadata", {});
  } else {
    req = get_request(s, make_url(s, "/metadata", {}));
  }
  req.connect_timeout = std::chrono::seconds(s.connect_timeout_s);
  req.timeout = std::chrono::seconds(s.probe_timeout_s);
  return req;
}

std::string follow_link(const settings& s, std::string_view link) {
  if (link.empty())
    return {};
  const auto base = origin(s.base_url);
  if (link.front() == '/')
    return std::string{base} + std::string{link};
  if (lower(origin(link)) != lower(base) || base.empty())
    return {};
  return std::string{link};
}

} // namespace xrv::fhir
