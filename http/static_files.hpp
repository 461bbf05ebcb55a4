#pragma once

#include "actors/system/errors.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace xrv::http {

/// Decodes `%XX` escapes (RFC 3986 §2.1; `+` stays `+`); nullopt on a
/// malformed escape or a decoded NUL.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view s);

/// Maps the still-encoded rest of a `/static/…` or `/images/…` path to a
/// regular file inside `root`: hostile names are `invalid_input`, escapes
/// through symlinks `forbidden`, missing files and directories `not_found`.
[[nodiscard]] result<std::filesystem::path>
resolve_file(const std::filesystem::path& root, std::string_view url_rest);

/// The `Content-Type` for a file, by extension; `application/octet-stream`
/// when unknown.
[[nodiscard]] std::string_view mime_type(const std::filesystem::path& file);

} // namespace xrv::http
