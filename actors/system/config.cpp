#include "actors/system/config.hpp"

#include "actors/system/builtin_rules.hpp"
#include "actors/system/config_keys.hpp"
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

// -- the layered store: section -> key -> value and its source ---------------

constexpr std::array<std::string_view, 13> known_sections{
  "general",          "users",         "dicom",     "openai",
  "dashboard",        "notifications", "fhir",      "processing",
  "limits",           "regions",       "questions", "prompts",
  "supported_regions"};

// Sections whose keys are names chosen by the site (the prompt keys are
// checked when the prompt files are loaded).
bool is_free_form(std::string_view section) {
  return section == "users" || section == "regions" || section == "questions"
         || section == "prompts" || section == "supported_regions";
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
    if (!is_free_form(section) && !find_key(section, key)
        && !parse_endpoint_override(section, key)) {
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
  auto out = split_list(v);
  for (auto& kw : out)
    kw = lower(kw);
  return out;
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

// One endpoint's value of a per-endpoint key: its `KEY_<N>` override, else
// the `[openai]` default.
struct endpoint_setting {
  const setting* source = nullptr;
  std::string base;
  int endpoint = 0;
};

result<int> endpoint_int(const endpoint_setting& o, int min, int max) {
  const auto n = parse_ini_int(o.source->value);
  if (!n || *n < min || *n > max)
    return fail(
      errc::invalid_input,
      describe(*o.source, "openai", upper(o.source->key), o.source->value)
        + ": not an integer in " + std::to_string(min) + "-"
        + std::to_string(max));
  return static_cast<int>(*n);
}

// The endpoints in order, each with the defaults and its overrides.
result<std::vector<ai_endpoint_config>>
build_endpoints(const openai_config& o,
                const std::vector<endpoint_setting>& overrides) {
  std::vector<std::string> urls{o.url_primary, o.url_secondary};
  urls.insert(urls.end(), o.urls.begin(), o.urls.end());
  std::vector<ai_endpoint_config> out;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const int n = static_cast<int>(i) + 1;
    ai_endpoint_config e;
    e.name = n == 1 ? "pri" : n == 2 ? "sec" : std::to_string(n);
    e.url = urls[i];
    e.api_key = o.api_key;
    e.model = o.model_name;
    e.slots = o.slots;
    e.connect_timeout_s = o.connect_timeout;
    e.timeout_s = o.timeout;
    for (const auto& ov : overrides) {
      if (ov.endpoint != n)
        continue;
      const auto& v = ov.source->value;
      if (ov.base == "OPENAI_API_KEY") {
        e.api_key = v;
      } else if (ov.base == "MODEL_NAME") {
        e.model = v;
      } else {
        auto num = ov.base == "SLOTS"             ? endpoint_int(ov, 1, 16)
                   : ov.base == "CONNECT_TIMEOUT" ? endpoint_int(ov, 1, 600)
                                                  : endpoint_int(ov, 1, 3600);
        if (!num)
          return tl::unexpected{num.error()};
        (ov.base == "SLOTS"             ? e.slots
         : ov.base == "CONNECT_TIMEOUT" ? e.connect_timeout_s
                                        : e.timeout_s)
          = *num;
      }
    }
    if (e.url.empty())
      continue; // not configured (e.g. an empty OPENAI_URL_SECONDARY)
    if (e.model.empty())
      return fail(errc::invalid_input, "[openai] MODEL_NAME_"
                                         + std::to_string(n)
                                         + ": must not be empty");
    out.push_back(std::move(e));
  }
  for (const auto& ov : overrides)
    if (ov.endpoint > static_cast<int>(urls.size())
        || urls[static_cast<std::size_t>(ov.endpoint) - 1].empty())
      return fail(
        errc::invalid_input,
        describe(*ov.source, "openai", upper(ov.source->key),
                 ov.base == "OPENAI_API_KEY" ? "***" : ov.source->value)
          + ": there is no endpoint " + std::to_string(ov.endpoint));
  return out;
}

result<void> check_url(const setting* s, std::string_view key,
                       const std::string& url) {
  if (url.empty() || url.starts_with("http://") || url.starts_with("https://"))
    return {};
  return fail(errc::invalid_input,
              describe(*s, "openai", key, url) + ": not an http(s) URL");
}

result<app_config> build(const store& s) {
  app_config c;
  c.warnings = s.warnings;
  std::vector<endpoint_setting> overrides;
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
      } else if (section == "prompts") {
        c.prompt_files[st.key] = st.value;
      } else if (auto ov = parse_endpoint_override(section, st.key)) {
        overrides.push_back(endpoint_setting{&st, ov->base, ov->endpoint});
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
  for (auto [key, url] :
       {std::pair{"OPENAI_URL_PRIMARY", &c.openai.url_primary},
        std::pair{"OPENAI_URL_SECONDARY", &c.openai.url_secondary}})
    if (auto ok = check_url(s.find("openai", lower(key)), key, *url); !ok)
      return tl::unexpected{ok.error()};
  auto endpoints = build_endpoints(c.openai, overrides);
  if (!endpoints)
    return tl::unexpected{endpoints.error()};
  c.openai.endpoints = std::move(*endpoints);
  if (c.openai.endpoints.empty())
    c.warnings.emplace_back(
      "[openai] no endpoint is configured: exams wait in the queue");
  if (c.processing.enable_ntfy && c.notifications.public_url.empty())
    c.warnings.emplace_back("[notifications] PUBLIC_URL is empty: "
                            "notifications carry no link to the exam");
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

int converter_count(int configured, unsigned cores) noexcept {
  if (configured > 0)
    return configured;
  return std::max(1, static_cast<int>(cores / 2));
}

} // namespace xrv::config
