#pragma once

// Beast-free request and response values: the router, the front door and the
// route handlers work on these, so only http/server.cpp compiles Beast.

#include "http/auth.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xrv::http {

/// One HTTP request as the handlers see it.
struct request {
  std::string method; // "GET", "POST", ... ("HEAD" is served as GET)
  std::string target; // raw request target
  std::string path;   // target without the query string
  std::string query;  // after '?', still percent-encoded
  std::string host;   // Host header
  std::string origin; // Origin header, if any
  std::string authorization;
  std::string cookie;
  std::string content_type;
  std::string body;
  std::string client_ip;
  std::optional<principal> user; // set by the front door
};

/// One HTTP response: a string body or a file to stream.
struct response {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::optional<std::filesystem::path> file; // streamed instead of `body`
  std::vector<std::pair<std::string, std::string>> headers;
  std::string cache_control = "no-store";
};

/// Completes a request exactly once; callable from any thread.
using responder = std::function<void(response)>;

/// Values captured from `{name}` segments of a route pattern.
using path_params = std::map<std::string, std::string, std::less<>>;

/// A route handler: validates, delegates, answers through the responder.
using handler
  = std::function<void(request& req, const path_params&, responder)>;

} // namespace xrv::http
