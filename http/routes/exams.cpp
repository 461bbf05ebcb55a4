// Exams, patients, reviews, re-queues and the small aggregates the exam
// store answers (spec/API.md §4-5). Handlers validate, ask the store, and
// render JSON with the caller's role (a `user` sees initials).

#include "actors/store/definitions.hpp"
#include "actors/store/exam_json.hpp"
#include "actors/store/store_actor.hpp"
#include "actors/system/phi.hpp"
#include "http/actor_bridge.hpp"
#include "http/responses.hpp"
#include "http/routes/routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>
#include <string>

namespace xrv::http {

namespace {

namespace json = boost::json;
constexpr auto store_timeout = std::chrono::seconds(10);

bool anonymise(const request& req) {
  return !req.user || req.user->role != "admin";
}

// Pages are counted from `total` the same way everywhere.
std::uint64_t pages(std::uint64_t total, int limit) {
  const auto l = static_cast<std::uint64_t>(limit > 0 ? limit : 1);
  return (total + l - 1) / l;
}

// Today's local date, for ages in patient lists.
std::string today() {
  return store::format_local(std::chrono::system_clock::to_time_t(
                               std::chrono::system_clock::now()))
    .substr(0, 10);
}

} // namespace

void add_exam_routes(router& r, const context_ptr& ctx) {
  const auto store = ctx->actors.store;
  const int threshold = ctx->cfg->processing.severity_threshold;
  const int page_size = ctx->cfg->processing.page_size;

  r.add({"GET", "/api/exams", access::authenticated,
         [ctx, store, threshold, page_size](request& req, const path_params&,
                                            const responder& done) {
           auto filter = store::parse_exam_filter(req.query, page_size);
           if (!filter)
             return done(from_error(filter.error()));
           const bool anon = anonymise(req);
           auto echo = store::filters_json(*filter);
           const int limit = filter->limit;
           ask(
             *ctx->sys, store, store_timeout,
             [done, anon, threshold, echo, limit](const exam_page& page) {
               json::array exams;
               for (const auto& v : page.exams)
                 exams.push_back(
                   store::exam_to_json(v.exam, v.patient, threshold, anon));
               done(json_response(
                 200, json::object{{"exams", std::move(exams)},
                                   {"total", page.total},
                                   {"pages", pages(page.total, limit)},
                                   {"filters", echo}}));
             },
             [done](const error& err) {
               done(from_error(err));
             },
             atom::list::value, std::move(*filter), anon);
         }});

  r.add({"GET", "/api/exams/{uid}", access::authenticated,
         [ctx, store, threshold](request& req, const path_params& p,
                                 const responder& done) {
           const auto& uid = p.find("uid")->second;
           if (!store::is_valid_uid(uid))
             return done(error_response(404, "Exam not found"));
           const bool anon = anonymise(req);
           ask(
             *ctx->sys, store, store_timeout,
             [done, anon, threshold](const store::exam_view& v) {
               done(json_response(
                 200, store::exam_to_json(v.exam, v.patient, threshold, anon)));
             },
             [done](const error& err) {
               done(from_error(err));
             },
             atom::get::value, uid);
         }});

  r.add({"GET", "/api/patients", access::authenticated,
         [ctx, store, page_size](request& req, const path_params&,
                                 const responder& done) {
           auto filter = store::parse_patient_filter(req.query, page_size);
           if (!filter)
             return done(from_error(filter.error()));
           const bool anon = anonymise(req);
           auto echo = store::filters_json(*filter);
           const int limit = filter->limit;
           ask(
             *ctx->sys, store, store_timeout,
             [done, anon, echo, limit](const patient_page& page) {
               json::array list;
               const auto now = today();
               for (const auto& pt : page.patients)
                 list.push_back(store::patient_to_json(pt, anon, now));
               done(json_response(
                 200, json::object{{"patients", std::move(list)},
                                   {"total", page.total},
                                   {"pages", pages(page.total, limit)},
                                   {"filters", echo}}));
             },
             [done](const error& err) {
               done(from_error(err));
             },
             atom::patients::value, std::move(*filter));
         }});

  r.add(
    {"GET", "/api/patients/{cnp}", access::authenticated,
     [ctx, store](request& req, const path_params& p, const responder& done) {
       const auto& cnp = p.find("cnp")->second;
       const bool anon = anonymise(req);
       ask(
         *ctx->sys, store, store_timeout,
         [done, anon](const patient_detail& d) {
           auto obj = store::patient_to_json(d.patient, anon, today());
           json::array uids;
           for (const auto& u : d.exams)
             uids.emplace_back(u);
           obj["exams"] = std::move(uids);
           done(json_response(200, obj));
         },
         [done](const error& err) {
           done(err.code == errc::not_found
                  ? error_response(404, "Patient not found")
                  : from_error(err));
         },
         atom::patient::value, cnp);
     }});

  r.add({"POST", "/api/radreview", access::authenticated,
         [ctx, store](request& req, const path_params&, const responder& done) {
           auto body = parse_object(req.body);
           if (!body)
             return done(action_error(400, body.error().detail));
           auto uid = uid_field(*body);
           if (!uid)
             return done(action_error(400, uid.error().detail));
           auto* normal = body->if_contains("normal");
           if (normal == nullptr || normal->is_null())
             return done(action_error(400, "normal: required"));
           if (!normal->is_bool())
             return done(action_error(400, "normal: must be true or false"));
           ask(
             *ctx->sys, store, store_timeout,
             [done](const store::exam_view&) {
               done(json_response(200, json::object{{"status", "success"}}));
             },
             [done](const error& err) {
               done(action_error(status_of(err.code), err.detail));
             },
             atom::review::value, *uid, normal->as_bool(), req.user->user);
         }});

  r.add({"POST", "/api/requeue", access::authenticated,
         [ctx, store](request& req, const path_params&, const responder& done) {
           auto uid = uid_of_body(req.body);
           if (!uid)
             return done(action_error(400, uid.error().detail));
           ask(
             *ctx->sys, store, store_timeout,
             [done, u = *uid](const store::exam_view&) {
               done(json_response(
                 200, json::object{{"status", "success"},
                                   {"message", "Exam " + u + " re-queued"}}));
             },
             [done](const error& err) {
               done(action_error(status_of(err.code), err.detail));
             },
             atom::requeue::value, *uid);
         }});

  auto aggregate = [ctx, store](auto render) {
    return [ctx, store, render](request& req, const path_params&,
                                const responder& done) {
      const bool anon = anonymise(req);
      ask(
        *ctx->sys, store, store_timeout,
        [done, render, anon](const store_aggregates& a) {
          done(json_response(200, render(a, anon)));
        },
        [done](const error& err) {
          done(from_error(err));
        },
        atom::aggregate::value);
    };
  };
  r.add({"GET", "/api/severity", access::authenticated,
         aggregate([](const store_aggregates& a, bool) {
           json::object out;
           for (std::size_t i = 0; i < a.severity.size(); ++i)
             out[std::to_string(i)] = a.severity[i];
           return json::value(std::move(out));
         })});
  r.add({"GET", "/api/diagnostics", access::authenticated,
         aggregate([](const store_aggregates& a, bool) {
           json::object out;
           for (const auto& [k, n] : a.diagnostics)
             out[k] = n;
           return json::value(std::move(out));
         })});
  r.add({"GET", "/api/radiologists", access::authenticated,
         aggregate([](const store_aggregates& a, bool anon) {
           json::array out;
           std::set<std::string> seen;
           for (const auto& [name, n] : a.radiologists) {
             auto shown = anon ? radiologist_initials(name) : name;
             if (seen.insert(shown).second)
               out.emplace_back(shown);
           }
           return json::value(std::move(out));
         })});
}

} // namespace xrv::http
