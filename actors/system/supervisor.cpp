#include "actors/system/supervisor.hpp"

#include "actors/ai/ai_queue.hpp"
#include "actors/broadcast/broadcaster.hpp"
#include "actors/dicom/converter.hpp"
#include "actors/dicom/query_scheduler.hpp"
#include "actors/dicom/receiver.hpp"
#include "actors/fhir/fetcher.hpp"
#include "actors/limiter/limiter.hpp"
#include "actors/notify/notifier.hpp"
#include "actors/store/exam_store.hpp"
#include "actors/system/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <cmath>
#include <thread>

namespace xrv {

namespace {

// Monitors the long-lived actors: one of them ending before shutdown is a
// fault worth an error line (the process keeps serving what it can).
caf::behavior supervisor_impl(caf::event_based_actor* self,
                              std::vector<caf::actor_addr> children,
                              store_actor store, std::chrono::hours period) {
  for (auto& child : children)
    self->monitor(child);
  self->set_down_handler([self](caf::down_msg& msg) {
    if (msg.reason && msg.reason != caf::exit_reason::user_shutdown)
      log::get("main")->error("an actor stopped unexpectedly: {}",
                              self->system().render(msg.reason));
  });
  // The first maintenance run comes a few minutes after start-up, not in
  // the middle of it.
  self->delayed_send(self, std::chrono::minutes(10), atom::tick::value);
  return {
    [](atom::health) {
      return component_health{"supervisor", true, ""};
    },
    [self, store = caf::actor_cast<caf::actor_addr>(store),
     period](atom::tick) {
      // A weak handle: a pending timer keeps this actor alive, and it must
      // not keep the (detached) store alive past shutdown.
      if (auto s = caf::actor_cast<store_actor>(store))
        caf::anon_send(s, atom::tick::value);
      self->delayed_send(self, period, atom::tick::value);
    },
  };
}

// The AI queue's slice of the configuration.
ai::ai_queue_config ai_settings(const config::app_config& cfg,
                                std::shared_ptr<const ai::prompt_set> prompts) {
  const auto& o = cfg.openai;
  ai::ai_queue_config q;
  ai::sampling params;
  params.temperature = o.temperature;
  params.top_p = o.top_p;
  params.min_p = o.min_p;
  params.top_k = o.top_k;
  params.keep_alive = o.keep_alive;
  params.cache_prompt = o.cache_prompt;
  params.timings_per_token = o.timings_per_token;
  for (std::size_t i = 0; i < o.endpoints.size(); ++i) {
    ai::dispatcher_config d;
    d.index = i;
    d.worker.endpoint = o.endpoints[i];
    d.worker.prompts = prompts;
    d.worker.params = params;
    d.worker.images_dir = cfg.general.images_dir;
    d.worker.cancel = std::make_shared<std::atomic<bool>>(false);
    d.health_interval = std::chrono::seconds(o.health_interval);
    q.endpoints.push_back(std::move(d));
  }
  q.oldest_first = o.oldest_first;
  q.max_retries = o.max_retries;
  q.retry_delay = std::chrono::milliseconds(o.retry_delay_ms);
  q.error_retry
    = std::chrono::seconds(std::llround(o.error_retry_minutes * 60.0));
  q.regions = cfg.regions;
  q.questions = cfg.questions;
  q.supported_regions = cfg.supported_regions;
  return q;
}

template <class Handle>
void stop_one(const Handle& h) {
  if (h)
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
}

} // namespace

system_handles start_actors(caf::actor_system& sys,
                            const config::app_config& cfg,
                            std::shared_ptr<storage::exam_repository> repo,
                            std::shared_ptr<store::exam_index> index,
                            std::shared_ptr<const ai::prompt_set> prompts) {
  system_handles h;
  broadcaster_config bc;
  bc.severity_threshold = cfg.processing.severity_threshold;
  bc.heartbeat = std::chrono::seconds(cfg.dashboard.ws_heartbeat);
  bc.fhir_enabled = cfg.processing.enable_his && !cfg.fhir.url.empty();
  h.broadcaster = sys.spawn(broadcaster, bc);
  exam_store_config sc;
  sc.severity_threshold = cfg.processing.severity_threshold;
  sc.images_dir = cfg.general.images_dir;
  sc.backup_dir = cfg.general.backup_dir;
  sc.backup_keep = cfg.general.backup_keep;
  sc.purge_days = cfg.processing.purge_days;
  sc.keep_dicom = cfg.processing.keep_dicom;
  // Detached: every write waits for fsync, which must not park a scheduler
  // thread.
  h.store
    = sys.spawn<caf::detached>(exam_store, sc, std::move(repo),
                               std::move(index), h.broadcaster, wall_now_fn{[] {
                                 return std::chrono::system_clock::now();
                               }});
  converter_config cc;
  cc.images_dir = cfg.general.images_dir;
  cc.regions = cfg.regions;
  cc.render.max_side = cfg.processing.png_max_size;
  cc.render.gamma = cfg.processing.png_gamma;
  const int converters = config::converter_count(
    cfg.processing.converters, std::thread::hardware_concurrency());
  log::get("dicom")->info("{} converter worker{}", converters,
                          converters == 1 ? "" : "s");
  for (int i = 0; i < converters; ++i)
    h.converters.push_back(sys.spawn<caf::detached>(converter, cc, h.store));
  receiver_config rc;
  rc.ae_title = cfg.dicom.ae_title;
  rc.port = cfg.dicom.ae_port;
  rc.allowed_calling_aets = cfg.dicom.allowed_calling_aets;
  rc.sop_classes = cfg.dicom.sop_classes;
  rc.max_associations = cfg.dicom.max_associations;
  rc.min_free_mb = cfg.dicom.min_free_mb;
  rc.images_dir = cfg.general.images_dir;
  h.receiver = sys.spawn(dicom_receiver, rc, h.converters);
  // -- query scheduler --
  query_config qc;
  qc.periodic = !cfg.processing.no_query;
  qc.interval = std::chrono::seconds(cfg.processing.query_interval);
  qc.use_cget = cfg.dicom.retrieval_method == "C-GET";
  qc.ae_title = cfg.dicom.ae_title;
  qc.peer_ae = cfg.dicom.remote_ae_title;
  qc.peer_host = cfg.dicom.remote_ae_ip;
  qc.peer_port = cfg.dicom.remote_ae_port;
  qc.sop_classes = cfg.dicom.sop_classes;
  qc.images_dir = cfg.general.images_dir;
  qc.min_free_mb = cfg.dicom.min_free_mb;
  h.query = sys.spawn(query_scheduler, qc, h.store, h.converters);
  // -- end query scheduler --
  h.fetcher = sys.spawn(fhir::fetcher, fhir::fetcher_settings(cfg), h.store);
  caf::anon_send(h.broadcaster, atom::peers::value,
                 broadcast_peers{h.store, h.query, h.fetcher});
  notifier_config nc;
  nc.enabled = cfg.processing.enable_ntfy;
  nc.ntfy = cfg.notifications;
  h.notifier = spawn_notifier(sys, nc);
  h.ai = sys.spawn(ai::ai_queue, ai_settings(cfg, std::move(prompts)),
                   ai::ai_queue_peers{h.store, h.broadcaster, h.notifier});
  limiter_config lc;
  lc.api_per_minute = cfg.limits.api_per_minute;
  lc.heavy_per_minute = cfg.limits.heavy_per_minute;
  h.limiter = sys.spawn(rate_limiter, lc, steady_now_fn{[] {
                          return std::chrono::steady_clock::now();
                        }});
  std::vector<caf::actor_addr> children{
    h.store.address(),   h.receiver.address(),    h.query.address(),
    h.fetcher.address(), h.broadcaster.address(), h.notifier.address(),
    h.limiter.address()};
  children.push_back(h.ai.address());
  for (auto& c : h.converters)
    children.push_back(c.address());
  h.supervisor
    = sys.spawn(supervisor_impl, std::move(children), h.store,
                std::chrono::hours(cfg.processing.maintenance_hours));
  return h;
}

void stop_actors(caf::actor_system& sys, system_handles& h) {
  // Intake first so no new work arrives, then the workers, the store last so
  // in-flight results are still written.
  stop_one(h.supervisor);
  stop_one(h.receiver);
  stop_one(h.query); // intake too: retrieves feed the converters
  for (auto& c : h.converters)
    stop_one(c);
  stop_one(h.ai); // its dispatchers and workers are linked to it
  stop_one(h.fetcher);
  stop_one(h.notifier);
  stop_one(h.broadcaster);
  stop_one(h.limiter);
  stop_one(h.store);
  sys.await_all_actors_done();
}

} // namespace xrv
