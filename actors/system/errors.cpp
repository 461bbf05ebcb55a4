#include "actors/system/errors.hpp"

namespace xrv {

std::string_view to_string(errc code) noexcept {
  switch (code) {
  case errc::invalid_input:
    return "invalid_input";
  case errc::not_found:
    return "not_found";
  case errc::conflict:
    return "conflict";
  case errc::forbidden:
    return "forbidden";
  case errc::unauthorized:
    return "unauthorized";
  case errc::peer_unavailable:
    return "peer_unavailable";
  case errc::not_available:
    return "not_available";
  case errc::timeout:
    return "timeout";
  case errc::rate_limited:
    return "rate_limited";
  case errc::storage_failure:
    return "storage_failure";
  case errc::parse_error:
    return "parse_error";
  case errc::internal:
    return "internal";
  }
  return "internal";
}

} // namespace xrv
