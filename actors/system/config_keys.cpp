#include "actors/system/config_keys.hpp"

#include "actors/system/ini.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <string>
#include <vector>

namespace xrv::config {

namespace {

// -- validated setters for the fixed keys -------------------------------------

template <auto Sec, auto Mem>
std::optional<std::string> set_text(app_config& c, const std::string& v) {
  (c.*Sec).*Mem = v;
  return std::nullopt;
}

template <auto Sec, auto Mem>
std::optional<std::string> set_nonempty(app_config& c, const std::string& v) {
  if (v.empty())
    return "must not be empty";
  (c.*Sec).*Mem = v;
  return std::nullopt;
}

template <auto Sec, auto Mem, int Min, int Max>
std::optional<std::string> set_int(app_config& c, const std::string& v) {
  const auto n = parse_ini_int(v);
  if (!n)
    return "not an integer";
  if (*n < Min || *n > Max)
    return Max == INT_MAX ? "out of range (minimum " + std::to_string(Min) + ")"
                          : "out of range (" + std::to_string(Min) + "-"
                              + std::to_string(Max) + ")";
  (c.*Sec).*Mem = static_cast<int>(*n);
  return std::nullopt;
}

template <auto Sec, auto Mem>
std::optional<std::string> set_port(app_config& c, const std::string& v) {
  const auto n = parse_ini_int(v);
  if (!n)
    return "not an integer";
  if (*n < 1 || *n > 65535)
    return "not a port (1-65535)";
  (c.*Sec).*Mem = static_cast<int>(*n);
  return std::nullopt;
}

template <auto Sec, auto Mem>
std::optional<std::string> set_bool(app_config& c, const std::string& v) {
  const auto b = parse_ini_bool(v);
  if (!b)
    return std::string{bool_reason};
  (c.*Sec).*Mem = *b;
  return std::nullopt;
}

template <auto Sec, auto Mem>
std::optional<std::string> set_ae_title(app_config& c, const std::string& v) {
  // PS3.5 §6.2: AE is 1-16 characters of the default repertoire, no
  // backslash and no control characters.
  const bool bad_char = std::any_of(v.begin(), v.end(), [](unsigned char ch) {
    return ch == '\\' || ch < 0x20 || ch > 0x7e;
  });
  if (v.empty() || v.size() > 16 || bad_char)
    return "not an AE title (1-16 characters, no backslash)";
  (c.*Sec).*Mem = v;
  return std::nullopt;
}

std::optional<std::string> set_retrieval(app_config& c, const std::string& v) {
  auto u = upper(v);
  if (u != "C-MOVE" && u != "C-GET")
    return "expected C-MOVE or C-GET";
  c.dicom.retrieval_method = std::move(u);
  return std::nullopt;
}

std::optional<std::string> set_gamma(app_config& c, const std::string& v) {
  double g = 0;
  const auto* end = v.data() + v.size();
  auto [ptr, ec] = std::from_chars(v.data(), end, g);
  if (v.empty() || ec != std::errc{} || ptr != end)
    return "not a number";
  if (g < 0.2 || g > 5.0)
    return "out of range (0.2-5.0; 1.0 = no gamma)";
  c.processing.png_gamma = g;
  return std::nullopt;
}

// "auto" (stored as 0: half the cores, see converter_count) or 1-16.
std::optional<std::string> set_converters(app_config& c, const std::string& v) {
  if (v == "auto" || v == "AUTO") {
    c.processing.converters = 0;
    return std::nullopt;
  }
  const auto n = parse_ini_int(v);
  if (!n || *n < 1 || *n > 16)
    return "not auto or an integer in 1-16";
  c.processing.converters = static_cast<int>(*n);
  return std::nullopt;
}

// A comma-separated list of AE titles (empty: anyone may send).
std::optional<std::string> set_calling_aets(app_config& c,
                                            const std::string& v) {
  auto items = split_list(v);
  for (const auto& item : items)
    if (item.size() > 16 || item.find('\\') != std::string::npos)
      return "not a list of AE titles (1-16 characters each)";
  c.dicom.allowed_calling_aets = std::move(items);
  return std::nullopt;
}

// Storage SOP classes to accept, by short name.
std::optional<std::string> set_sop_classes(app_config& c,
                                           const std::string& v) {
  auto items = split_list(v);
  for (auto& item : items) {
    item = upper(item);
    if (item != "CR" && item != "DX" && item != "DX_PROCESSING")
      return "expected a list of CR, DX, DX_PROCESSING";
  }
  if (items.empty())
    return "must name at least one of CR, DX, DX_PROCESSING";
  c.dicom.sop_classes = std::move(items);
  return std::nullopt;
}

// A duration in minutes, fractions allowed (0.5 = 30 s), at most a week.
template <auto Mem>
std::optional<std::string> set_minutes(app_config& c, const std::string& v) {
  double d = 0;
  const auto* end = v.data() + v.size();
  auto [ptr, ec] = std::from_chars(v.data(), end, d);
  if (ec != std::errc{} || ptr != end)
    return "not a number of minutes";
  if (!(d >= 0 && d <= 7 * 24 * 60))
    return "out of range (0-10080 minutes)";
  c.openai.*Mem = d;
  return std::nullopt;
}

// An optional sampling value: empty means "not sent".
template <auto Mem>
std::optional<std::string> set_opt_double(app_config& c, const std::string& v) {
  if (v.empty()) {
    c.openai.*Mem = std::nullopt;
    return std::nullopt;
  }
  double d = 0;
  const auto* end = v.data() + v.size();
  auto [ptr, ec] = std::from_chars(v.data(), end, d);
  if (ec != std::errc{} || ptr != end)
    return "not a number (leave empty to not send it)";
  if (d < 0 || d > 2)
    return "out of range (0-2)";
  c.openai.*Mem = d;
  return std::nullopt;
}

template <auto Mem>
std::optional<std::string> set_opt_int(app_config& c, const std::string& v) {
  if (v.empty()) {
    c.openai.*Mem = std::nullopt;
    return std::nullopt;
  }
  const auto n = parse_ini_int(v);
  if (!n)
    return "not an integer (leave empty to not send it)";
  if (*n < 0 || *n > 1000000)
    return "out of range (0-1000000)";
  c.openai.*Mem = static_cast<int>(*n);
  return std::nullopt;
}

template <auto Mem>
std::optional<std::string> set_opt_bool(app_config& c, const std::string& v) {
  if (v.empty()) {
    c.openai.*Mem = std::nullopt;
    return std::nullopt;
  }
  const auto b = parse_ini_bool(v);
  if (!b)
    return std::string{bool_reason};
  c.openai.*Mem = *b;
  return std::nullopt;
}

std::optional<std::string> set_urls(app_config& c, const std::string& v) {
  auto items = split_list(v);
  for (const auto& item : items)
    if (!item.starts_with("http://") && !item.starts_with("https://"))
      return "expected a comma-separated list of http(s) URLs";
  if (items.size() > max_extra_endpoints)
    return "at most " + std::to_string(max_extra_endpoints) + " URLs";
  c.openai.urls = std::move(items);
  return std::nullopt;
}

std::optional<std::string> set_queue_order(app_config& c,
                                           const std::string& v) {
  const auto l = lower(v);
  if (l != "newest" && l != "oldest")
    return "expected newest or oldest";
  c.openai.oldest_first = l == "oldest";
  return std::nullopt;
}

std::optional<std::string> set_priority(app_config& c, const std::string& v) {
  static constexpr std::array<std::string_view, 11> ok{
    "1", "2", "3", "4", "5", "min", "low", "default", "high", "max", "urgent"};
  const auto l = lower(v);
  if (std::find(ok.begin(), ok.end(), l) == ok.end())
    return "expected 1-5, min, low, default, high, max or urgent";
  c.notifications.priority = l;
  return std::nullopt;
}

std::optional<std::string> set_dialect(app_config& c, const std::string& v) {
  const auto l = lower(v);
  if (l != "r4" && l != "hipocrate")
    return "expected r4 or hipocrate";
  c.fhir.dialect = l;
  return std::nullopt;
}

std::optional<std::string> set_log_level(app_config& c, const std::string& v) {
  auto u = upper(v);
  if (u != "DEBUG" && u != "INFO" && u != "WARNING" && u != "ERROR")
    return "expected DEBUG, INFO, WARNING or ERROR";
  c.log_level = std::move(u);
  return std::nullopt;
}

using ac = app_config;
using gc = general_config;
using dc = dicom_config;
using oc = openai_config;
using pc = processing_config;
using lc = limits_config;
using dbc = dashboard_config;
using nc = notifications_config;
using fc = fhir_config;
constexpr int unbounded = INT_MAX;

constexpr std::array fixed_keys{
  key_spec{"general", "XRAYVISION_DB_PATH",
           set_nonempty<&ac::general, &gc::db_path>},
  key_spec{"general", "XRAYVISION_BACKUP_DIR",
           set_nonempty<&ac::general, &gc::backup_dir>},
  key_spec{"general", "BACKUP_KEEP",
           set_int<&ac::general, &gc::backup_keep, 1, unbounded>},
  key_spec{"general", "IMAGES_DIR",
           set_nonempty<&ac::general, &gc::images_dir>},
  key_spec{"general", "STATIC_DIR",
           set_nonempty<&ac::general, &gc::static_dir>},
  key_spec{"general", "LOG_FILE", set_text<&ac::general, &gc::log_file>},
  key_spec{"general", "LOG_LEVEL", set_log_level},
  key_spec{"general", "LOG_MAX_SIZE_MB",
           set_int<&ac::general, &gc::log_max_size_mb, 1, unbounded>},
  key_spec{"general", "LOG_MAX_FILES",
           set_int<&ac::general, &gc::log_max_files, 1, unbounded>},
  key_spec{"general", "WORKER_THREADS",
           set_int<&ac::general, &gc::worker_threads, 1, 64>},
  key_spec{"dicom", "AE_TITLE", set_ae_title<&ac::dicom, &dc::ae_title>},
  key_spec{"dicom", "AE_PORT", set_port<&ac::dicom, &dc::ae_port>},
  key_spec{"dicom", "REMOTE_AE_TITLE",
           set_ae_title<&ac::dicom, &dc::remote_ae_title>},
  key_spec{"dicom", "REMOTE_AE_IP",
           set_nonempty<&ac::dicom, &dc::remote_ae_ip>},
  key_spec{"dicom", "REMOTE_AE_PORT",
           set_port<&ac::dicom, &dc::remote_ae_port>},
  key_spec{"dicom", "RETRIEVAL_METHOD", set_retrieval},
  key_spec{"openai", "OPENAI_URL_PRIMARY",
           set_text<&ac::openai, &oc::url_primary>},
  key_spec{"openai", "OPENAI_URL_SECONDARY",
           set_text<&ac::openai, &oc::url_secondary>},
  key_spec{"openai", "OPENAI_API_KEY", set_text<&ac::openai, &oc::api_key>},
  key_spec{"openai", "MODEL_NAME", set_nonempty<&ac::openai, &oc::model_name>},
  key_spec{"openai", "OPENAI_URLS", set_urls},
  key_spec{"openai", "SLOTS", set_int<&ac::openai, &oc::slots, 1, 16>},
  key_spec{"openai", "CONNECT_TIMEOUT",
           set_int<&ac::openai, &oc::connect_timeout, 1, 600>},
  key_spec{"openai", "TIMEOUT", set_int<&ac::openai, &oc::timeout, 1, 3600>},
  key_spec{"openai", "HEALTH_INTERVAL",
           set_int<&ac::openai, &oc::health_interval, 1, 86400>},
  key_spec{"openai", "MAX_RETRIES",
           set_int<&ac::openai, &oc::max_retries, 1, 20>},
  key_spec{"openai", "RETRY_DELAY_MS",
           set_int<&ac::openai, &oc::retry_delay_ms, 1, 600000>},
  key_spec{"openai", "ERROR_RETRY_MINUTES",
           set_minutes<&oc::error_retry_minutes>},
  key_spec{"openai", "QUEUE_ORDER", set_queue_order},
  key_spec{"openai", "TEMPERATURE", set_opt_double<&oc::temperature>},
  key_spec{"openai", "TOP_P", set_opt_double<&oc::top_p>},
  key_spec{"openai", "MIN_P", set_opt_double<&oc::min_p>},
  key_spec{"openai", "TOP_K", set_opt_int<&oc::top_k>},
  key_spec{"openai", "KEEP_ALIVE", set_opt_int<&oc::keep_alive>},
  key_spec{"openai", "CACHE_PROMPT", set_opt_bool<&oc::cache_prompt>},
  key_spec{"openai", "TIMINGS_PER_TOKEN", set_opt_bool<&oc::timings_per_token>},
  key_spec{"dashboard", "DASHBOARD_BIND",
           set_nonempty<&ac::dashboard, &dbc::bind>},
  key_spec{"dashboard", "DASHBOARD_PORT", set_port<&ac::dashboard, &dbc::port>},
  key_spec{"dashboard", "HTTP_THREADS",
           set_int<&ac::dashboard, &dbc::http_threads, 1, 64>},
  key_spec{"dashboard", "SESSION_HOURS",
           set_int<&ac::dashboard, &dbc::session_hours, 1, 720>},
  key_spec{"dashboard", "WS_HEARTBEAT",
           set_int<&ac::dashboard, &dbc::ws_heartbeat, 1, 30>},
  key_spec{"dashboard", "WS_QUEUE",
           set_int<&ac::dashboard, &dbc::ws_queue, 8, 65536>},
  key_spec{"notifications", "NTFY_URL",
           set_text<&ac::notifications, &nc::ntfy_url>},
  key_spec{"notifications", "NTFY_TOKEN",
           set_text<&ac::notifications, &nc::ntfy_token>},
  key_spec{"notifications", "NTFY_INCLUDE_NAMES",
           set_bool<&ac::notifications, &nc::include_names>},
  key_spec{"notifications", "NTFY_PRIORITY", set_priority},
  key_spec{"notifications", "NTFY_TAGS",
           set_text<&ac::notifications, &nc::tags>},
  key_spec{"notifications", "PUBLIC_URL",
           set_text<&ac::notifications, &nc::public_url>},
  key_spec{"fhir", "FHIR_URL", set_text<&ac::fhir, &fhir_config::url>},
  key_spec{"fhir", "FHIR_USERNAME",
           set_text<&ac::fhir, &fhir_config::username>},
  key_spec{"fhir", "FHIR_PASSWORD",
           set_text<&ac::fhir, &fhir_config::password>},
  key_spec{"fhir", "FHIR_TOKEN", set_text<&ac::fhir, &fc::token>},
  key_spec{"fhir", "FHIR_DIALECT", set_dialect},
  key_spec{"fhir", "IDENTIFIER_SYSTEM",
           set_text<&ac::fhir, &fc::identifier_system>},
  key_spec{"fhir", "CONNECT_TIMEOUT",
           set_int<&ac::fhir, &fc::connect_timeout, 1, 600>},
  key_spec{"fhir", "TIMEOUT", set_int<&ac::fhir, &fc::timeout, 1, 3600>},
  key_spec{"fhir", "PROBE_TIMEOUT",
           set_int<&ac::fhir, &fc::probe_timeout, 1, 600>},
  key_spec{"fhir", "HEALTH_INTERVAL",
           set_int<&ac::fhir, &fc::health_interval, 1, 86400>},
  key_spec{"fhir", "LOOKBACK_DAYS",
           set_int<&ac::fhir, &fc::lookback_days, 1, 3650>},
  key_spec{"fhir", "REQUESTS_PER_MINUTE",
           set_int<&ac::fhir, &fc::requests_per_minute, 0, 100000>},
  key_spec{"fhir", "POLL_INTERVAL",
           set_int<&ac::fhir, &fc::poll_interval, 1, 86400>},
  key_spec{"fhir", "BACKOFF_SECONDS",
           set_int<&ac::fhir, &fc::backoff_seconds, 1, 86400>},
  key_spec{"fhir", "BACKOFF_MAX_HOURS",
           set_int<&ac::fhir, &fc::backoff_max_hours, 1, 720>},
  key_spec{"fhir", "MATCH_HOURS", set_int<&ac::fhir, &fc::match_hours, 1, 720>},
  key_spec{"processing", "PAGE_SIZE",
           set_int<&ac::processing, &pc::page_size, 1, 100>},
  key_spec{"processing", "KEEP_DICOM",
           set_bool<&ac::processing, &pc::keep_dicom>},
  key_spec{"processing", "LOAD_DICOM",
           set_bool<&ac::processing, &pc::load_dicom>},
  key_spec{"processing", "NO_QUERY", set_bool<&ac::processing, &pc::no_query>},
  key_spec{"processing", "ENABLE_NTFY",
           set_bool<&ac::processing, &pc::enable_ntfy>},
  key_spec{"processing", "ENABLE_HIS",
           set_bool<&ac::processing, &pc::enable_his>},
  key_spec{"processing", "QUERY_INTERVAL",
           set_int<&ac::processing, &pc::query_interval, 10, unbounded>},
  key_spec{"processing", "SEVERITY_THRESHOLD",
           set_int<&ac::processing, &pc::severity_threshold, 0, 10>},
  key_spec{"processing", "CONVERTERS", set_converters},
  key_spec{"processing", "PNG_MAX_SIZE",
           set_int<&ac::processing, &pc::png_max_size, 64, 8192>},
  key_spec{"processing", "PNG_GAMMA", set_gamma},
  key_spec{"dicom", "ALLOWED_CALLING_AETS", set_calling_aets},
  key_spec{"dicom", "SOP_CLASSES", set_sop_classes},
  key_spec{"dicom", "MAX_ASSOCIATIONS",
           set_int<&ac::dicom, &dc::max_associations, 1, 64>},
  key_spec{"dicom", "MIN_FREE_MB",
           set_int<&ac::dicom, &dc::min_free_mb, 0, unbounded>},
  key_spec{"processing", "PURGE_DAYS",
           set_int<&ac::processing, &pc::purge_days, 0, unbounded>},
  key_spec{"processing", "MAINTENANCE_HOURS",
           set_int<&ac::processing, &pc::maintenance_hours, 1, 720>},
  key_spec{"limits", "HEAVY_PER_MINUTE",
           set_int<&ac::limits, &lc::heavy_per_minute, 0, unbounded>},
  key_spec{"limits", "API_PER_MINUTE",
           set_int<&ac::limits, &lc::api_per_minute, 0, unbounded>},
};

} // namespace

std::optional<endpoint_override>
parse_endpoint_override(std::string_view section, std::string_view key) {
  if (section != "openai")
    return std::nullopt;
  const auto u = upper(key);
  const auto sep = u.rfind('_');
  if (sep == std::string::npos || sep + 1 == u.size())
    return std::nullopt;
  const auto base = std::string_view{u}.substr(0, sep);
  if (std::find(endpoint_keys.begin(), endpoint_keys.end(), base)
      == endpoint_keys.end())
    return std::nullopt;
  int n = 0;
  const auto digits = std::string_view{u}.substr(sep + 1);
  auto [ptr, ec]
    = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || ptr != digits.data() + digits.size() || n < 1
      || n > static_cast<int>(max_extra_endpoints) + 2)
    return std::nullopt;
  return endpoint_override{std::string{base}, n};
}

const key_spec* find_key(std::string_view section, std::string_view key) {
  const auto u = upper(key);
  const auto it = std::find_if(fixed_keys.begin(), fixed_keys.end(),
                               [&](const key_spec& k) {
                                 return k.section == section && k.key == u;
                               });
  return it == fixed_keys.end() ? nullptr : &*it;
}

} // namespace xrv::config
