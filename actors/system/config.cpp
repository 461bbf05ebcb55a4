#include "actors/system/config.hpp"

#include "actors/system/builtin_rules.hpp"
#include "actors/system/ini.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstddef>
#include <string_view>

namespace xrv::config {

namespace {

// Error and warning details are one line, even for multi-line values.
std::string one_line(std::string_view s) {
  std::string out{s};
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

// -- validated setters for the fixed keys -------------------------------------

// Applies a value to the config; returns why the value is invalid, if it is.
using apply_fn
  = std::optional<std::string> (*)(app_config&, const std::string&);

constexpr std::string_view bool_reason
  = "not a boolean (use true/false, yes/no, on/off or 1/0)";

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

// A comma-separated list of AE titles (empty: anyone may send).
std::optional<std::string> set_calling_aets(app_config& c,
                                            const std::string& v) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= v.size()) {
    auto comma = v.find(',', start);
    auto item = std::string{strip(v.substr(start, comma - start))};
    if (!item.empty()) {
      if (item.size() > 16 || item.find('\\') != std::string::npos)
        return "not a list of AE titles (1-16 characters each)";
      out.push_back(std::move(item));
    }
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  c.dicom.allowed_calling_aets = std::move(out);
  return std::nullopt;
}

// Storage SOP classes to accept, by short name.
std::optional<std::string> set_sop_classes(app_config& c,
                                           const std::string& v) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= v.size()) {
    auto comma = v.find(',', start);
    auto item = upper(strip(v.substr(start, comma - start)));
    if (!item.empty()) {
      if (item != "CR" && item != "DX" && item != "DX_PROCESSING")
        return "expected a list of CR, DX, DX_PROCESSING";
      out.push_back(std::move(item));
    }
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  if (out.empty())
    return "must name at least one of CR, DX, DX_PROCESSING";
  c.dicom.sop_classes = std::move(out);
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
constexpr int unbounded = INT_MAX;

struct key_spec {
  std::string_view section;
  std::string_view key; // upper case, as written in the shipped file
  apply_fn apply;
};

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
  key_spec{"dashboard", "DASHBOARD_BIND",
           set_nonempty<&ac::dashboard, &dbc::bind>},
  key_spec{"dashboard", "DASHBOARD_PORT", set_port<&ac::dashboard, &dbc::port>},
  key_spec{"dashboard", "HTTP_THREADS",
           set_int<&ac::dashboard, &dbc::http_threads, 1, 64>},
  key_spec{"dashboard", "SESSION_HOURS",
           set_int<&ac::dashboard, &dbc::session_hours, 1, 720>},
  key_spec{"notifications", "NTFY_URL",
           set_text<&ac::notifications, &notifications_config::ntfy_url>},
  key_spec{"fhir", "FHIR_URL", set_text<&ac::fhir, &fhir_config::url>},
  key_spec{"fhir", "FHIR_USERNAME",
           set_text<&ac::fhir, &fhir_config::username>},
  key_spec{"fhir", "FHIR_PASSWORD",
           set_text<&ac::fhir, &fhir_config::password>},
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
  key_spec{"processing", "CONVERTERS",
           set_int<&ac::processing, &pc::converters, 1, 16>},
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

const key_spec* find_key(std::string_view section, std::string_view key) {
  const auto u = upper(key);
  const auto it = std::find_if(fixed_keys.begin(), fixed_keys.end(),
                               [&](const key_spec& k) {
                                 return k.section == section && k.key == u;
                               });
  return it == fixed_keys.end() ? nullptr : &*it;
}

// -- the layered store: section -> key -> value and its source ---------------

constexpr std::array<std::string_view, 12> known_sections{
  "general",   "users",         "dicom",     "openai",
  "dashboard", "notifications", "fhir",      "processing",
  "limits",    "regions",       "questions", "supported_regions"};

bool is_free_form(std::string_view section) {
  return section == "users" || section == "regions" || section == "questions"
         || section == "supported_regions";
}

struct setting {
  std::string key; // lower case
  std::string value;
  std::string source;
};

struct store {
  std::array<std::vector<setting>, known_sections.size()> sections;
  std::vector<std::string> warnings;

  static std::optional<std::size_t> index_of(std::string_view section) {
    const auto it
      = std::find(known_sections.begin(), known_sections.end(), section);
    if (it == known_sections.end())
      return std::nullopt;
    return static_cast<std::size_t>(it - known_sections.begin());
  }

  const setting* find(std::string_view section, std::string_view key) const {
    const auto& list = sections[*index_of(section)];
    const auto it
      = std::find_if(list.begin(), list.end(), [&](const setting& s) {
          return s.key == key;
        });
    return it == list.end() ? nullptr : &*it;
  }

  // configparser semantics: a later layer replaces the value in place (the
  // key keeps its position); a new key goes at the end.
  void set(std::string_view section, std::string key, std::string value,
           std::string source) {
    const auto idx = index_of(section);
    if (!is_free_form(section) && !find_key(section, key)) {
      warnings.push_back(source + ": [" + std::string{section} + "] "
                         + upper(key) + ": unknown key (ignored)");
      return;
    }
    auto& list = sections[*idx];
    auto it = std::find_if(list.begin(), list.end(), [&](const setting& s) {
      return s.key == key;
    });
    if (it == list.end())
      list.push_back(
        setting{std::move(key), std::move(value), std::move(source)});
    else
      *it = setting{std::move(key), std::move(value), std::move(source)};
  }
};

result<void> merge_file(store& s, std::string_view text,
                        const std::string& source) {
  auto parsed = parse_ini(text, source);
  if (!parsed)
    return tl::unexpected{parsed.error()};
  for (auto& section : *parsed) {
    const auto name = lower(section.name);
    if (!store::index_of(name)) {
      s.warnings.push_back(source + ": [" + section.name
                           + "]: unknown section (ignored)");
      continue;
    }
    for (auto& e : section.entries)
      s.set(name, std::move(e.key), std::move(e.value), source);
  }
  return {};
}

// XRV_<SECTION>_<KEY>; section names contain underscores, so the longest
// known section name wins.
std::size_t merge_environment(store& s,
                              const std::map<std::string, std::string>& env) {
  std::size_t used = 0;
  for (const auto& [name, value] : env) {
    if (!name.starts_with("XRV_"))
      continue;
    const auto rest = upper(std::string_view{name}.substr(4));
    std::string_view best;
    for (const auto section : known_sections)
      if (rest.starts_with(upper(section) + "_")
          && section.size() > best.size())
        best = section;
    if (best.empty())
      continue;
    ++used;
    auto key = lower(std::string_view{name}.substr(4 + best.size() + 1));
    if (key.empty()) {
      s.warnings.push_back("environment " + name
                           + ": no key after the section name (ignored)");
      continue;
    }
    s.set(best, std::move(key), strip(value), "environment " + name);
  }
  return used;
}

bool merge_command_line(store& s, const cli_options& cli) {
  bool any = false;
  auto flag = [&](std::string_view section, std::string_view key,
                  std::string value, std::string_view name) {
    s.set(section, lower(key), std::move(value),
          "command line " + std::string{name});
    any = true;
  };
  if (cli.keep_dicom)
    flag("processing", "KEEP_DICOM", "true", "--keep-dicom");
  if (cli.load_dicom)
    flag("processing", "LOAD_DICOM", "true", "--load-dicom");
  if (cli.no_query)
    flag("processing", "NO_QUERY", "true", "--no-query");
  if (cli.enable_ntfy)
    flag("processing", "ENABLE_NTFY", "true", "--enable-ntfy");
  if (cli.model)
    flag("openai", "MODEL_NAME", *cli.model, "--model");
  if (cli.retrieval_method)
    flag("dicom", "RETRIEVAL_METHOD", *cli.retrieval_method,
         "--retrieval-method");
  if (cli.log_level)
    flag("general", "LOG_LEVEL", *cli.log_level, "--log-level");
  return any;
}

// -- from the merged store to app_config --------------------------------------

// "<source>: [section] KEY = value" — the prefix of every value error.
std::string describe(const setting& s, std::string_view section,
                     std::string_view key, std::string_view value) {
  return s.source + ": [" + std::string{section} + "] " + std::string{key}
         + " = " + one_line(value);
}

result<void> apply_user(app_config& c, const setting& s,
                        std::vector<std::string>& warnings) {
  // Never echo the password: "***" stands for a non-empty one.
  const auto comma = s.value.rfind(',');
  if (comma == std::string::npos)
    return fail(errc::invalid_input,
                describe(s, "users", s.key, s.value.empty() ? "" : "***")
                  + ": expected password,role");
  auto password = strip(std::string_view{s.value}.substr(0, comma));
  auto role = strip(std::string_view{s.value}.substr(comma + 1));
  const auto shown = (password.empty() ? "" : "***,") + one_line(role);
  if (role != "admin" && role != "user")
    return fail(errc::invalid_input, describe(s, "users", s.key, shown)
                                       + ": role must be admin or user");
  if (password.empty())
    return fail(errc::invalid_input,
                describe(s, "users", s.key, "," + role) + ": empty password");
  if (!password.starts_with("$argon2") && !password.starts_with("$7$"))
    warnings.push_back(s.source + ": [users] " + s.key
                       + ": password stored in plain text; use `xrayvision "
                         "hash-password`");
  c.users.push_back(user_entry{s.key, std::move(password), std::move(role)});
  return {};
}

std::vector<std::string> split_keywords(std::string_view v) {
  // Keywords are lower-cased (protocols are compared lower-cased, so an
  // upper-case keyword could never match) and empty ones dropped (an empty
  // keyword would match every protocol).
  std::vector<std::string> out;
  while (true) {
    const auto comma = v.find(',');
    if (auto kw = lower(strip(v.substr(0, comma))); !kw.empty())
      out.push_back(std::move(kw));
    if (comma == std::string_view::npos)
      return out;
    v.remove_prefix(comma + 1);
  }
}

// A feature switched on without its URL would fail on every attempt.
result<void> check_enabled_url(const store& s, std::string_view flag,
                               bool enabled, std::string_view url_section,
                               std::string_view url_key, bool url_empty) {
  if (!enabled || !url_empty)
    return {};
  const auto* src = s.find("processing", lower(flag));
  return fail(errc::invalid_input, describe(*src, "processing", flag, "true")
                                     + ": [" + std::string{url_section} + "] "
                                     + std::string{url_key} + " is empty");
}

result<app_config> build(const store& s) {
  app_config c;
  c.warnings = s.warnings;
  for (std::size_t i = 0; i < known_sections.size(); ++i) {
    const auto section = known_sections[i];
    for (const auto& st : s.sections[i]) {
      if (section == "users") {
        if (auto ok = apply_user(c, st, c.warnings); !ok)
          return tl::unexpected{ok.error()};
      } else if (section == "regions") {
        c.regions.emplace_back(st.key, split_keywords(st.value));
      } else if (section == "questions") {
        c.questions[st.key] = st.value;
      } else if (section == "supported_regions") {
        const auto on = parse_ini_bool(st.value);
        if (!on)
          return fail(errc::invalid_input,
                      describe(st, section, st.key, st.value) + ": "
                        + std::string{bool_reason});
        if (*on && !s.find("regions", st.key))
          return fail(errc::invalid_input,
                      describe(st, section, st.key, st.value)
                        + ": no [regions] rule named " + st.key);
        if (*on)
          c.supported_regions.push_back(st.key);
      } else {
        const auto* spec = find_key(section, st.key);
        if (auto why = spec->apply(c, st.value))
          return fail(errc::invalid_input,
                      describe(st, section, spec->key, st.value) + ": " + *why);
      }
    }
  }
  if (auto ok = check_enabled_url(s, "ENABLE_HIS", c.processing.enable_his,
                                  "fhir", "FHIR_URL", c.fhir.url.empty());
      !ok)
    return tl::unexpected{ok.error()};
  if (auto ok = check_enabled_url(s, "ENABLE_NTFY", c.processing.enable_ntfy,
                                  "notifications", "NTFY_URL",
                                  c.notifications.ntfy_url.empty());
      !ok)
    return tl::unexpected{ok.error()};
  if (c.users.empty())
    c.warnings.emplace_back("[users] is empty: nobody can log in");
  return c;
}

} // namespace

// -- public API ---------------------------------------------------------------

result<app_config> load_config(const cli_options& cli,
                               const std::map<std::string, std::string>& env,
                               const file_reader& read_file) {
  store s;
  if (auto ok = merge_file(s, builtin_ini, "built-in defaults"); !ok)
    return tl::unexpected{ok.error()};
  std::vector<std::string> sources;
  auto read = [&](const std::string& path) -> std::optional<std::string> {
    return read_file ? read_file(path) : std::nullopt;
  };
  const auto path = cli.config_file.value_or("xrayvision.cfg");
  if (auto text = read(path)) {
    if (auto ok = merge_file(s, *text, path); !ok)
      return tl::unexpected{ok.error()};
    sources.push_back(path);
  } else if (cli.config_file) {
    return fail(errc::invalid_input,
                "command line --config: " + path + ": file not found");
  }
  const auto slash = path.rfind('/');
  const auto local
    = (slash == std::string::npos ? std::string{} : path.substr(0, slash + 1))
      + "local.cfg";
  if (local != path) {
    if (auto text = read(local)) {
      if (auto ok = merge_file(s, *text, local); !ok)
        return tl::unexpected{ok.error()};
      sources.push_back(local);
    }
  }
  if (const auto n = merge_environment(s, env); n > 0)
    sources.push_back("environment (" + std::to_string(n)
                      + (n == 1 ? " variable)" : " variables)"));
  if (merge_command_line(s, cli))
    sources.emplace_back("command line");
  auto c = build(s);
  if (c)
    c->sources = std::move(sources);
  return c;
}

} // namespace xrv::config
