#pragma once

// Base64 (RFC 4648 §4, the standard alphabet with padding) and URL
// percent-encoding without a library: RFC 2047 encoded words, ntfy headers,
// HTTP Basic credentials, FHIR search URLs and `Attachment.data`. Pure.

#include <optional>
#include <string>
#include <string_view>

namespace xrv::net {

/// `in` as padded base64.
[[nodiscard]] std::string base64_encode(std::string_view in);

/// Decodes padded or unpadded base64; ASCII whitespace (line breaks of
/// wrapped data) is skipped. nullopt on any other character, misplaced
/// padding or a dangling single character.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view in);

/// Percent-encodes everything but RFC 3986 unreserved characters and the
/// delimiters listed in `keep`; with `plus_for_space` a space becomes `+`
/// (form encoding, as Python's aiohttp sends query values).
[[nodiscard]] std::string percent_encode(std::string_view s,
                                         std::string_view keep = {},
                                         bool plus_for_space = false);

} // namespace xrv::net
