#include "actors/ai/worker.hpp"

#include "actors/ai/policy.hpp"
#include "actors/ai/reply.hpp"
#include "actors/net/http_client.hpp"
#include "actors/store/definitions.hpp"
#include "actors/system/log.hpp"

#include <boost/json/serialize.hpp>

#include <sodium.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

namespace xrv::ai {

namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

std::int64_t ms_since(steady::time_point start) {
  return std::chrono::duration_cast<milliseconds>(steady::now() - start)
    .count();
}

result<std::string> read_png_base64(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return fail(errc::not_found, "the rendered image " + path + " is missing");
  std::string png{std::istreambuf_iterator<char>{in}, {}};
  if (png.size() < 8 || png.compare(1, 3, "PNG") != 0)
    return fail(errc::parse_error, "the rendered image is not a PNG");
  std::string out(
    sodium_base64_encoded_len(png.size(), sodium_base64_VARIANT_ORIGINAL),
    '\0');
  sodium_bin2base64(out.data(), out.size(),
                    reinterpret_cast<const unsigned char*>(png.data()),
                    png.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1); // the terminating NUL
  return out;
}

std::string today() {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  return store::format_local(now).substr(0, 10);
}

// The first words of an error body, for the reason shown to users.
std::string excerpt(std::string_view body) {
  constexpr std::size_t max = 200;
  std::string out{body.substr(0, max)};
  for (auto& c : out)
    if (c == '\n' || c == '\r')
      c = ' ';
  return body.size() > max ? out + "..." : out;
}

struct call_result {
  outcome_kind kind = outcome_kind::failed;
  completion answer;
  std::string detail;
  std::int64_t latency_ms = 0;
};

// POSTs a chat-completions body and reads the answer's content.
call_result post(net::http_client& http, const worker_config& cfg,
                 std::string body) {
  const auto& ep = cfg.endpoint;
  net::http_request req;
  req.method = "POST";
  req.url = ep.url;
  req.headers = {{"Content-Type", "application/json"},
                 {"Authorization", "Bearer " + ep.api_key}};
  req.body = std::move(body);
  req.connect_timeout = std::chrono::seconds(ep.connect_timeout_s);
  req.timeout = std::chrono::seconds(ep.timeout_s);
  req.cancel = cfg.cancel.get();
  call_result out;
  const auto start = steady::now();
  auto res = http.perform(req);
  out.latency_ms = ms_since(start);
  if (!res) {
    out.kind = classify_transport(res.error().code);
    out.detail = res.error().detail;
    return out;
  }
  out.kind = classify_status(res->status);
  if (out.kind != outcome_kind::ok) {
    out.detail = "HTTP " + std::to_string(res->status);
    if (auto err = extract_completion(res->body); !err)
      out.detail += ": " + err.error().detail;
    else
      out.detail += ": " + excerpt(res->body);
    return out;
  }
  auto answer = extract_completion(res->body);
  if (!answer) {
    out.kind = outcome_kind::failed;
    out.detail = "unusable answer: " + answer.error().detail;
    return out;
  }
  out.answer = std::move(*answer);
  return out;
}

analysis_outcome analyse(net::http_client& http, const worker_config& cfg,
                         const analysis_job& job) {
  analysis_outcome out;
  auto png = read_png_base64(
    (std::filesystem::path{cfg.images_dir} / (job.exam.uid + ".png")).string());
  if (!png) {
    out.detail = png.error().detail;
    return out;
  }
  analysis_input in;
  in.exam = job.exam;
  in.patient = job.patient;
  in.question = job.question;
  in.priors = job.priors;
  in.previous = job.previous;
  in.png_base64 = std::move(*png);
  auto body = build_analysis_request(in, *cfg.prompts, cfg.endpoint.model,
                                     cfg.params, today());
  in.png_base64.clear();
  auto call = post(http, cfg, std::move(body));
  out.latency_ms = call.latency_ms;
  out.kind = call.kind;
  out.detail = std::move(call.detail);
  if (call.kind != outcome_kind::ok)
    return out;
  auto parsed = parse_analysis(call.answer.content);
  if (!parsed) {
    out.kind = outcome_kind::failed;
    out.detail = "unusable answer: " + parsed.error().detail;
    return out;
  }
  out.result = std::move(*parsed);
  out.model = call.answer.model.empty() ? cfg.endpoint.model
                                        : std::move(call.answer.model);
  return out;
}

// The validated JSON body of a report tool's answer.
result<std::string> tool_body(text_task task, const std::string& content) {
  switch (task) {
  case text_task::check: {
    auto r = parse_check(content);
    if (!r)
      return tl::unexpected(r.error());
    return boost::json::serialize(to_json(*r));
  }
  case text_task::analyse: {
    auto r = parse_analyse(content);
    if (!r)
      return tl::unexpected(r.error());
    return boost::json::serialize(to_json(*r));
  }
  case text_task::translate: {
    auto r = parse_translate(content);
    if (!r)
      return tl::unexpected(r.error());
    return boost::json::serialize(boost::json::object{{"translation", *r}});
  }
  }
  return fail(errc::internal, "unknown report tool");
}

text_outcome run_tool(net::http_client& http, const worker_config& cfg,
                      text_task task, const std::string& text) {
  text_outcome out;
  const auto& p = *cfg.prompts;
  const auto& model = cfg.endpoint.model;
  auto body = task == text_task::check
                ? build_check_request(text, p, model, cfg.params)
              : task == text_task::analyse
                ? build_analyse_request(text, p, model, cfg.params)
                : build_translate_request(text, p, model, cfg.params);
  if (!body) {
    out.detail = body.error().detail;
    return out;
  }
  auto call = post(http, cfg, std::move(*body));
  out.latency_ms = call.latency_ms;
  out.kind = call.kind;
  out.detail = std::move(call.detail);
  if (call.kind != outcome_kind::ok)
    return out;
  auto json = tool_body(task, call.answer.content);
  if (!json) {
    out.kind = outcome_kind::failed;
    out.detail = "unusable answer: " + json.error().detail;
    return out;
  }
  out.body = std::move(*json);
  out.model = call.answer.model.empty() ? cfg.endpoint.model
                                        : std::move(call.answer.model);
  return out;
}

endpoint_state probe(net::http_client& http, const worker_config& cfg) {
  net::http_request req;
  req.url = models_url(cfg.endpoint.url);
  req.headers = {{"Authorization", "Bearer " + cfg.endpoint.api_key}};
  req.connect_timeout = std::chrono::seconds(cfg.endpoint.connect_timeout_s);
  req.timeout = std::chrono::seconds(5) + req.connect_timeout;
  req.cancel = cfg.cancel.get();
  endpoint_state s;
  auto res = http.perform(req);
  if (!res) {
    s.detail = res.error().detail;
  } else if (res->status != 200) {
    s.detail = req.url + " answered HTTP " + std::to_string(res->status);
  } else {
    s.healthy = true;
  }
  return s;
}

} // namespace

worker_actor::behavior_type ai_worker(worker_actor::pointer,
                                      worker_config cfg) {
  auto http = std::make_shared<net::http_client>();
  auto shared = std::make_shared<const worker_config>(std::move(cfg));
  return {
    [http, shared](atom::analyse, const analysis_job& job) {
      return analyse(*http, *shared, job);
    },
    [http, shared](atom::ai_text, text_task task, const std::string& text) {
      return run_tool(*http, *shared, task, text);
    },
    [http, shared](atom::probe) {
      return probe(*http, *shared);
    },
  };
}

} // namespace xrv::ai
