#include "http/responses.hpp"

#include "actors/store/exam.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace xrv::http {

response json_response(unsigned status, const boost::json::value& body) {
  response res;
  res.status = status;
  res.body = boost::json::serialize(body);
  return res;
}

response error_response(unsigned status, std::string_view message) {
  return json_response(status, boost::json::object{{"error", message}});
}

response action_error(unsigned status, std::string_view message) {
  return json_response(status, boost::json::object{{"status", "error"},
                                                   {"message", message},
                                                   {"error", message}});
}

unsigned status_of(errc code) noexcept {
  switch (code) {
  case errc::invalid_input:
    return 400;
  case errc::unauthorized:
    return 401;
  case errc::forbidden:
    return 403;
  case errc::not_found:
    return 404;
  case errc::conflict:
    return 409;
  case errc::rate_limited:
    return 429;
  case errc::parse_error:
    return 502;
  case errc::not_available:
  case errc::peer_unavailable:
    return 503;
  case errc::timeout:
    return 504;
  case errc::storage_failure:
  case errc::internal:
    return 500;
  }
  return 500;
}

result<boost::json::object> parse_object(std::string_view body) {
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec)
    return fail(errc::invalid_input, "Malformed JSON body");
  if (!v.is_object())
    return fail(errc::invalid_input, "The body must be a JSON object");
  return std::move(v.as_object());
}

response from_error(const error& err) {
  return error_response(status_of(err.code), err.detail.empty()
                                               ? to_string(err.code)
                                               : std::string_view{err.detail});
}

result<std::string> uid_field(const boost::json::object& body) {
  const auto* uid = body.if_contains("uid");
  if (uid == nullptr || uid->is_null())
    return fail(errc::invalid_input, "uid: required");
  if (!uid->is_string())
    return fail(errc::invalid_input, "uid: must be a string");
  std::string s{uid->as_string()};
  if (!store::is_valid_uid(s))
    return fail(errc::invalid_input,
                "uid: must be a DICOM UID (digits and dots, at most 64)");
  return s;
}

result<std::string> uid_of_body(std::string_view body) {
  auto object = parse_object(body);
  if (!object)
    return tl::unexpected(object.error());
  return uid_field(*object);
}

} // namespace xrv::http
