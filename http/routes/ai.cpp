// The report tools (spec §5): /api/check, /api/analyse, /api/translate.
// They go through the AI queue, so they obey endpoint health and slots.

#include "actors/ai/messages.hpp"
#include "http/actor_bridge.hpp"
#include "http/responses.hpp"
#include "http/routes/routes.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace xrv::http {

namespace {

// Longest wait for a tool: the slowest endpoint's timeouts plus a margin
// for waiting for a free slot.
std::chrono::milliseconds tool_timeout(const config::app_config& cfg) {
  int seconds = 0;
  for (const auto& e : cfg.openai.endpoints)
    seconds = std::max(seconds, e.connect_timeout_s + e.timeout_s);
  return std::chrono::seconds(seconds + 30);
}

handler tool(const context_ptr& ctx, ai::text_task task) {
  return [ctx, task](request& req, const path_params&, const responder& done) {
    auto body = parse_object(req.body);
    if (!body)
      return done(error_response(400, body.error().detail));
    const auto* report = body->if_contains("report");
    if (report == nullptr || report->is_null())
      return done(error_response(400, "report: required"));
    if (!report->is_string())
      return done(error_response(400, "report: must be a string"));
    std::string text{report->as_string()};
    ask(
      *ctx->sys, ctx->actors.ai, tool_timeout(*ctx->cfg),
      [done](const std::string& json) {
        response res;
        res.status = 200;
        res.body = json;
        done(std::move(res));
      },
      [done](const error& err) {
        // A timeout here is the AI not answering: an unusable answer.
        if (err.code == errc::timeout)
          return done(error_response(502, "The AI did not answer in time"));
        done(from_error(err));
      },
      atom::ai_text::value, task, std::move(text));
  };
}

} // namespace

void add_ai_routes(router& r, const context_ptr& ctx) {
  r.add({"POST", "/api/check", access::authenticated,
         tool(ctx, ai::text_task::check)});
  r.add({"POST", "/api/analyse", access::authenticated,
         tool(ctx, ai::text_task::analyse)});
  r.add({"POST", "/api/translate", access::authenticated,
         tool(ctx, ai::text_task::translate)});
}

} // namespace xrv::http
