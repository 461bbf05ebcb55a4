// HTML pages, the favicon, static assets and PNG renderings.

#include "http/responses.hpp"
#include "http/routes/routes.hpp"
#include "http/static_files.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <utility>

namespace xrv::http {

namespace {

namespace fs = std::filesystem;

response file_response(const fs::path& file, std::string cache_control) {
  response res;
  res.file = file;
  res.content_type = std::string{mime_type(file)};
  res.cache_control = std::move(cache_control);
  return res;
}

bool has_png_extension(std::string_view name) {
  if (name.size() < 4)
    return false;
  auto ext = std::string{name.substr(name.size() - 4)};
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) {
    return std::tolower(c);
  });
  return ext == ".png";
}

} // namespace

void add_page_routes(router& r, const context_ptr& ctx) {
  const fs::path static_dir = ctx->cfg->general.static_dir;
  const fs::path images_dir = ctx->cfg->general.images_dir;
  const std::pair<const char*, const char*> pages[] = {
    {"/", "dashboard.html"},
    {"/stats", "stats.html"},
    {"/stats/radiologists", "radiologists.html"},
    {"/stats/diagnostics", "diagnostics.html"},
    {"/stats/insights", "insights.html"},
    {"/about", "about.html"},
    {"/check", "check.html"},
  };
  for (const auto& [path, file] : pages) {
    r.add({"GET", path, access::authenticated,
           [static_dir, file = std::string{file}](request&, const path_params&,
                                                  const responder& done) {
             auto found = resolve_file(static_dir, file);
             if (!found)
               return done(error_response(404, "Page not found"));
             done(file_response(*found, "no-cache"));
           }});
  }
  r.add({"GET", "/favicon.ico", access::open,
         [static_dir](request&, const path_params&, const responder& done) {
           auto found = resolve_file(static_dir, "favicon.ico");
           if (!found)
             return done(error_response(404, "Not found"));
           done(file_response(*found, "public, max-age=86400"));
         }});
  r.add({"GET", "/static/{file...}", access::open,
         [static_dir](request&, const path_params& p, const responder& done) {
           auto found = resolve_file(static_dir, p.find("file")->second);
           if (!found)
             return done(from_error(found.error()));
           done(file_response(*found, "no-cache"));
         }});
  // Renderings are patient data: authenticated, PNG only (never a .dcm),
  // and kept out of shared caches.
  r.add({"GET", "/images/{file...}", access::authenticated,
         [images_dir](request&, const path_params& p, const responder& done) {
           const auto& name = p.find("file")->second;
           if (!has_png_extension(name))
             return done(error_response(404, "Not found"));
           auto found = resolve_file(images_dir, name);
           if (!found)
             return done(from_error(found.error()));
           done(file_response(*found, "private, no-store"));
         }});
}

} // namespace xrv::http
