#include "actors/net/http_client.hpp"

#include <curl/curl.h>

#include <mutex>

namespace xrv::net {

namespace {

struct sink {
  std::string* body;
  std::size_t limit;
  bool overflow = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* s = static_cast<sink*>(user);
  const auto bytes = size * n;
  if (s->body->size() + bytes > s->limit) {
    s->overflow = true;
    return 0; // aborts the transfer
  }
  s->body->append(data, bytes);
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel->load() ? 1 : 0;
}

CURL* as_curl(void* h) {
  return static_cast<CURL*>(h);
}

} // namespace

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
  });
}

http_client::http_client() {
  global_init();
  handle_ = curl_easy_init();
}

http_client::~http_client() {
  if (handle_)
    curl_easy_cleanup(as_curl(handle_));
}

result<http_response> http_client::perform(const http_request& req) {
  auto* h = as_curl(handle_);
  if (!h)
    return fail(errc::internal, "curl_easy_init failed");
  curl_easy_reset(h);
  http_response res;
  sink s{&res.body, req.max_response_bytes};
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : req.headers)
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  // No "Expect: 100-continue" round trip for large bodies.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(req.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(req.timeout.count()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  if (req.cancel) {
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, req.cancel);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }
  if (req.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(req.body.size()));
  }
  const auto rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_ABORTED_BY_CALLBACK:
      return fail(errc::not_available, "cancelled at shutdown");
    case CURLE_OPERATION_TIMEDOUT:
      return fail(errc::timeout, why);
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      return fail(errc::peer_unavailable, why);
    case CURLE_WRITE_ERROR:
      if (s.overflow)
        return fail(errc::parse_error,
                    "response larger than "
                      + std::to_string(req.max_response_bytes) + " bytes");
      return fail(errc::internal, why);
    default:
      return fail(errc::internal, why);
    }
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res.status);
  const char* ct = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
    res.content_type = ct;
  return res;
}

std::string redact_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  const auto authority
    = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  std::string out{url};
  const auto path_start = out.find_first_of("/?#", authority);
  const auto at = out.rfind('@', path_start);
  if (at != std::string::npos && at >= authority)
    out.erase(authority, at + 1 - authority);
  if (auto q = out.find_first_of("?#", authority); q != std::string::npos)
    out.erase(q);
  return out;
}

} // namespace xrv::net
