#include "actors/fhir/worker.hpp"

#include "actors/fhir/request.hpp"
#include "actors/limiter/token_bucket.hpp"
#include "actors/net/http_client.hpp"

#include <thread>

namespace xrv::fhir {

namespace {

using steady = std::chrono::steady_clock;

// The HTTP client of the worker's thread, behind the request-rate bound.
struct session {
  worker_config cfg;
  net::http_client http;
  limiter::token_bucket bucket;

  explicit session(worker_config c)
      : cfg{std::move(c)}, bucket{limiter::make_bucket(cfg.requests_per_minute,
                                                       steady::now())} {}

  bool cancelled() const {
    return cfg.cancel && cfg.cancel->load();
  }

  result<net::http_response> perform(net::http_request req) {
    // Waits for a token in short steps so shutdown is never held up.
    while (
      !limiter::take(bucket, cfg.requests_per_minute, steady::now()).allowed) {
      if (cancelled())
        return fail(errc::not_available, "shutting down");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    req.cancel = cfg.cancel.get();
    return http.perform(req);
  }
};

} // namespace

worker_actor::behavior_type fhir_worker(worker_actor::pointer,
                                        worker_config cfg) {
  auto s = std::make_shared<session>(std::move(cfg));
  return {
    [s](atom::fetch, const exam_input& exam) {
      return find_report(s->cfg.fhir, exam, [s](const net::http_request& req) {
        return s->perform(req);
      });
    },
    [s](atom::probe) {
      const auto req = metadata_request(s->cfg.fhir);
      auto res = s->perform(req);
      component_health h{"FHIR server", probe_ok(res), {}};
      if (!res)
        h.detail = net::redact_url(req.url) + ": " + res.error().detail;
      else if (!h.available)
        h.detail = net::redact_url(req.url) + " answered HTTP "
                   + std::to_string(res->status);
      else
        h.detail = net::redact_url(s->cfg.fhir.base_url);
      return h;
    },
  };
}

} // namespace xrv::fhir
