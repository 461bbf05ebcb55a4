#pragma once

// The HTTP requests of the FHIR fetcher: URLs with escaped parameters and
// the authentication headers. Pure: the worker performs them.

#include "actors/fhir/settings.hpp"
#include "actors/net/http_client.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xrv::fhir {

using query_params = std::vector<std::pair<std::string, std::string>>;

/// `Authorization`: Bearer FHIR_TOKEN when set, else Basic user:password
/// when a user name is set; nothing otherwise.
[[nodiscard]] std::vector<std::pair<std::string, std::string>>
auth_headers(const settings& s);

/// `base/path?k=v&...`. Values are percent-encoded (RFC 3986 unreserved
/// characters and `:/@` kept); the hipocrate dialect encodes a space as `+`,
/// as the original's aiohttp client did.
[[nodiscard]] std::string make_url(const settings& s, std::string_view path,
                                   const query_params& params);

/// A GET of `url` with the search timeouts, the auth headers and
/// `Accept: application/fhir+json`.
[[nodiscard]] net::http_request get_request(const settings& s, std::string url);

/// The health probe: r4 `GET base/metadata` (authenticated); hipocrate
/// `GET base/fhir/Metadata` without credentials (§5.1).
[[nodiscard]] net::http_request metadata_request(const settings& s);

/// Whether a `next` link may be followed with our credentials: same scheme,
/// host and port as FHIR_URL. Relative links are resolved against the base.
/// Empty when it may not.
[[nodiscard]] std::string follow_link(const settings& s, std::string_view link);

} // namespace xrv::fhir
