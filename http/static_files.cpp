#include "http/static_files.hpp"

#include <algorithm>
#include <array>
#include <system_error>
#include <utility>

namespace xrv::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Every segment must be a plain name: no `.`/`..`, no hidden files, no
// empty segments (`a//b`, trailing `/`).
bool has_bad_segment(std::string_view name) {
  while (true) {
    const auto slash = name.find('/');
    const auto segment = name.substr(0, slash);
    if (segment.empty() || segment.front() == '.')
      return true;
    if (slash == std::string_view::npos)
      return false;
    name.remove_prefix(slash + 1);
  }
}

bool is_within(const std::filesystem::path& root,
               const std::filesystem::path& candidate) {
  auto [root_end, cand_it] = std::mismatch(root.begin(), root.end(),
                                           candidate.begin(), candidate.end());
  // `canonical` leaves no trailing separator, so a full match of the root's
  // components followed by at least one more component means "strictly inside".
  return root_end == root.end() && cand_it != candidate.end();
}

} // namespace

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size())
        return std::nullopt;
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0')
      return std::nullopt;
    out.push_back(c);
  }
  return out;
}

result<std::filesystem::path> resolve_file(const std::filesystem::path& root,
                                           std::string_view url_rest) {
  namespace fs = std::filesystem;
  if (url_rest.empty())
    return fail(errc::invalid_input, "empty file name");
  auto decoded = percent_decode(url_rest);
  if (!decoded)
    return fail(errc::invalid_input, "malformed percent-encoding in path");
  const std::string_view name = *decoded;
  if (name.find('\\') != std::string_view::npos)
    return fail(errc::invalid_input, "backslash in path");
  if (name.front() == '/')
    return fail(errc::invalid_input, "absolute path");
  if (has_bad_segment(name))
    return fail(errc::invalid_input, "dot, hidden or empty path segment");
  std::error_code ec;
  const auto root_canon = fs::canonical(root, ec);
  if (ec)
    return fail(errc::not_found, "file root does not exist");
  // The checks above already rule out traversal by name; canonical() also
  // resolves symlinks, so a link that leads outside the root is caught here.
  const auto file = fs::canonical(root_canon / fs::path{name}, ec);
  if (ec)
    return fail(errc::not_found, "file not found");
  if (!is_within(root_canon, file))
    return fail(errc::forbidden, "path leaves the file root");
  if (!fs::is_regular_file(file, ec) || ec)
    return fail(errc::not_found, "not a regular file");
  return file;
}

std::string_view mime_type(const std::filesystem::path& file) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 13>
    types{{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".wav", "audio/wav"},
      {".svg", "image/svg+xml"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
    }};
  auto ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](char c) {
    return ascii_lower(c);
  });
  for (const auto& [suffix, type] : types)
    if (ext == suffix)
      return type;
  return "application/octet-stream";
}

} // namespace xrv::http
