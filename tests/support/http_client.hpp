#pragma once

#include <map>
#include <string>
#include <vector>

namespace xrv::test {

/// What an HTTP exchange returned (status 0: no connection).
struct http_result {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers; // lower-case names, last wins
  std::vector<std::string> set_cookies;
};

/// One request with libcurl; the path is sent exactly as given (no `..`
/// normalisation), so tests can send hostile paths.
http_result http_call(const std::string& method, const std::string& url,
                      const std::vector<std::string>& headers = {},
                      const std::string& body = {});

/// `Authorization: Basic base64(user:password)`.
std::string basic_header(const std::string& user, const std::string& password);

} // namespace xrv::test
