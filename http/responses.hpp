#pragma once

#include "actors/system/errors.hpp"
#include "http/message.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string_view>

namespace xrv::http {

/// A JSON response with the given status.
[[nodiscard]] response json_response(unsigned status,
                                     const boost::json::value& body);

/// `{"error": message}` with the given status.
[[nodiscard]] response error_response(unsigned status,
                                      std::string_view message);

/// `{"status": "error", "message": m, "error": m}`: the action routes' form
/// (spec §5), which still carries `error` like every other error body.
[[nodiscard]] response action_error(unsigned status, std::string_view message);

/// The one place where an error value becomes an HTTP status.
[[nodiscard]] unsigned status_of(errc code) noexcept;

/// A request body that must be a JSON object; invalid_input ("Malformed
/// JSON body", "The body must be a JSON object") otherwise.
[[nodiscard]] result<boost::json::object> parse_object(std::string_view body);

/// The `uid` of an action body: a string that is a DICOM UID; the error
/// names the field.
[[nodiscard]] result<std::string> uid_field(const boost::json::object& body);

/// The `uid` of a body that must be a JSON object with it (`uid_field`).
[[nodiscard]] result<std::string> uid_of_body(std::string_view body);

/// An error value as a JSON error response.
[[nodiscard]] response from_error(const error& err);

} // namespace xrv::http
