#pragma once

// A blocking HTTP client over one libcurl easy handle, for the detached
// actors that talk to AI endpoints, ntfy and FHIR (DESIGN: blocking curl only
// in detached actors). One client per thread; the handle keeps connections
// alive between requests.

#include "actors/system/errors.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace xrv::net {

/// One request. Headers are sent as given ("Name", "value").
struct http_request {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{30000}; // the whole exchange
  std::size_t max_response_bytes = 64U << 20U;
  /// When set and true, the transfer stops (shutdown); the result is a
  /// `not_available` error.
  const std::atomic<bool>* cancel = nullptr;
};

/// Any HTTP answer, whatever its status.
struct http_response {
  long status = 0;
  std::string body;
  std::string content_type;
};

/// Calls curl_global_init once; call it before starting threads.
void global_init();

/// A blocking client. Not copyable; not thread-safe (one per actor).
class http_client {
public:
  http_client();
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Performs the request. Transport failures are errors:
  /// `peer_unavailable` when no connection could be made (refused, DNS,
  /// reset before an answer), `timeout` when a deadline passed, `internal`
  /// for anything else (the detail is curl's message). Any HTTP status is a
  /// response.
  [[nodiscard]] result<http_response> perform(const http_request& req);

private:
  void* handle_; // CURL*
};

/// `url` without its userinfo and query ("http://user:pw@h/x?t=1" ->
/// "http://h/x"): logs and /api/config never reveal a secret written into a
/// URL.
[[nodiscard]] std::string redact_url(std::string_view url);

} // namespace xrv::net
