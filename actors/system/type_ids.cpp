#include "actors/system/type_ids.hpp"

#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace xrv {

// Codes travel shifted by one: a caf::error with code 0 is "no error", which
// would turn errc::invalid_input (0) into an empty error.
caf::error to_caf_error(const error& err) {
  return caf::error{
    static_cast<std::uint8_t>(static_cast<std::uint8_t>(err.code) + 1),
    error_category, caf::make_message(err.detail)};
}

error from_caf_error(const caf::error& err) {
  if (!err)
    return error{errc::internal, "internal error"};
  if (err.category() == error_category) {
    std::string detail;
    if (err.context().match_elements<std::string>())
      detail = err.context().get_as<std::string>(0);
    return error{static_cast<errc>(err.code() - 1), std::move(detail)};
  }
  if (err.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(err.code())) {
    case caf::sec::request_timeout:
      return error{errc::timeout, "request timed out"};
    case caf::sec::request_receiver_down:
      return error{errc::not_available, "component is down"};
    default:
      break;
    }
  }
  return error{errc::internal, "internal error"};
}

} // namespace xrv
