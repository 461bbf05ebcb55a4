#pragma once

#include "actors/system/errors.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xrv::config {

/// One `[users]` entry: `name = password,role` (the role follows the last
/// comma, so argon2id/scrypt hash strings with commas are fine).
struct user_entry {
  std::string name;     // lower-cased, as the original's configparser did
  std::string password; // plain text or a `$argon2id$…` / `$7$…` hash string
  std::string role;     // "admin" or "user"
};

struct general_config {
  std::string db_path = "data";      // XRAYVISION_DB_PATH (LMDB directory)
  std::string backup_dir = "backup"; // XRAYVISION_BACKUP_DIR
  int backup_keep = 7;               // BACKUP_KEEP
  std::string images_dir = "images"; // IMAGES_DIR
  std::string static_dir = "static"; // STATIC_DIR
  std::string log_file = "xrayvision.log"; // LOG_FILE ("" = console only)
  int log_max_size_mb = 10;                // LOG_MAX_SIZE_MB
  int log_max_files = 5;                   // LOG_MAX_FILES
  int worker_threads = 2;                  // WORKER_THREADS (CAF scheduler)
};

struct dicom_config {
  std::string ae_title = "XRAYVISION";
  int ae_port = 4010;
  std::string remote_ae_title = "DICOM_SERVER";
  std::string remote_ae_ip = "127.0.0.1"; // set to the PACS address
  int remote_ae_port = 104;
  std::string retrieval_method = "C-MOVE";       // "C-MOVE" or "C-GET"
  std::vector<std::string> allowed_calling_aets; // empty: any caller
  std::vector<std::string> sop_classes{"CR", "DX", "DX_PROCESSING"};
  int max_associations = 8; // simultaneous incoming associations
  int min_free_mb = 500;    // refuse C-STOREs (A700) below this free space
};

/// One OpenAI-compatible chat-completions endpoint, with the `[openai]`
/// defaults and its own `KEY_<N>` overrides applied.
struct ai_endpoint_config {
  std::string name; // "pri", "sec", then "3", "4", ... (the frame's keys)
  std::string url;  // .../v1/chat/completions
  std::string api_key;
  std::string model;
  int slots = 1;             // requests in flight at once
  int connect_timeout_s = 5; // CONNECT_TIMEOUT
  int timeout_s = 300;       // TIMEOUT (whole request)
};

struct openai_config {
  std::string url_primary = "http://127.0.0.1:8080/v1/chat/completions";
  std::string url_secondary = "http://127.0.0.1:11434/v1/chat/completions";
  std::vector<std::string> urls; // OPENAI_URLS: endpoints 3, 4, ...
  std::string api_key = "sk-your-api-key";
  std::string model_name = "medgemma-4b-it";
  int slots = 1;                   // SLOTS
  int connect_timeout = 5;         // CONNECT_TIMEOUT, seconds
  int timeout = 300;               // TIMEOUT, seconds
  int health_interval = 60;        // HEALTH_INTERVAL, seconds between probes
  int max_retries = 3;             // MAX_RETRIES: attempts before `error`
  int retry_delay_ms = 2000;       // RETRY_DELAY_MS: first back-off, doubling
  double error_retry_minutes = 60; // ERROR_RETRY_MINUTES: 0 = never
  bool oldest_first = false;       // QUEUE_ORDER = oldest (default newest)
  // The llama.cpp/Ollama sampling fields of the image request; an empty
  // value in the file means "not sent".
  std::optional<double> temperature = 0.6;      // TEMPERATURE
  std::optional<double> top_p = 0.95;           // TOP_P
  std::optional<double> min_p = 0.05;           // MIN_P
  std::optional<int> top_k = 40;                // TOP_K
  std::optional<int> keep_alive = 1800;         // KEEP_ALIVE (seconds)
  std::optional<bool> cache_prompt = true;      // CACHE_PROMPT
  std::optional<bool> timings_per_token = true; // TIMINGS_PER_TOKEN
  /// The endpoints in order (primary, secondary, then OPENAI_URLS), empty
  /// URLs skipped; filled when the configuration is built.
  std::vector<ai_endpoint_config> endpoints;
};

struct dashboard_config {
  std::string bind = "0.0.0.0"; // DASHBOARD_BIND
  int port = 8000;              // DASHBOARD_PORT
  int http_threads = 1;         // HTTP_THREADS
  int session_hours = 12;       // SESSION_HOURS (cookie lifetime)
  int ws_heartbeat = 25;        // WS_HEARTBEAT: seconds between state frames
  int ws_queue = 256;           // WS_QUEUE: frames a slow client may lag
};

struct notifications_config {
  std::string ntfy_url = "https://ntfy.sh/xrayvision-alerts";
  std::string ntfy_token;             // NTFY_TOKEN: Bearer token, optional
  bool include_names = false;         // NTFY_INCLUDE_NAMES: full names
  std::string priority = "4";         // NTFY_PRIORITY: 1-5 or min..urgent
  std::string tags = "warning,skull"; // NTFY_TAGS
  std::string public_url;             // PUBLIC_URL: dashboard base for Click
};

struct fhir_config {
  std::string url;            // FHIR_URL: r4 the FHIR base; hipocrate the host
  std::string username;       // FHIR_USERNAME (Basic)
  std::string password;       // FHIR_PASSWORD
  std::string token;          // FHIR_TOKEN (Bearer; wins over Basic)
  std::string dialect = "r4"; // FHIR_DIALECT: r4 or hipocrate
  std::string identifier_system; // IDENTIFIER_SYSTEM of the CNP (r4)
  int connect_timeout = 5;       // CONNECT_TIMEOUT, seconds
  int timeout = 30;              // TIMEOUT, seconds per request
  int probe_timeout = 10;        // PROBE_TIMEOUT, seconds (metadata)
  int health_interval = 60;      // HEALTH_INTERVAL, seconds between probes
  int lookback_days = 14;        // LOOKBACK_DAYS: exams this recent
  int requests_per_minute = 60;  // REQUESTS_PER_MINUTE: 0 = unlimited
  int poll_interval = 60;        // POLL_INTERVAL, seconds between rounds
  int backoff_seconds = 900;     // BACKOFF_SECONDS: first wait after a miss
  int backoff_max_hours = 12;    // BACKOFF_MAX_HOURS: longest wait
  int match_hours = 24;          // MATCH_HOURS: request/report vs exam time
};

struct processing_config {
  int page_size = 10;
  bool keep_dicom = false;
  bool load_dicom = false;
  bool no_query = false;
  bool enable_ntfy = false;
  bool enable_his = false;
  int query_interval = 300; // seconds
  int severity_threshold = 5;
  int converters = 0;     // CONVERTERS: DICOM-to-PNG workers; 0 = auto
  int png_max_size = 896; // PNG_MAX_SIZE: long side of renderings
  double png_gamma = 1.2; // PNG_GAMMA: 1.0 = none
  int purge_days = 0;     // PURGE_DAYS: drop old error/ignore exams; 0 never
  int maintenance_hours = 24; // MAINTENANCE_HOURS: backup/purge period
};

struct limits_config {
  int heavy_per_minute = 10; // /api/check, /api/analyse, /api/translate
  int api_per_minute = 60;   // every other /api/* route
};

/// The whole, validated configuration. Immutable once loaded.
struct app_config {
  general_config general;
  std::vector<user_entry> users;
  dicom_config dicom;
  openai_config openai;
  dashboard_config dashboard;
  notifications_config notifications;
  fhir_config fhir;
  processing_config processing;
  limits_config limits;
  /// `[regions]` in file order: region name (lower case) -> keywords.
  std::vector<std::pair<std::string, std::vector<std::string>>> regions;
  /// `[questions]`: region name (lower case) -> question.
  std::map<std::string, std::string> questions;
  /// `[prompts]`: prompt key (lower case) -> file replacing that prompt.
  std::map<std::string, std::string> prompt_files;
  /// `[supported_regions]` whose value is true, in file order.
  std::vector<std::string> supported_regions;
  /// `[general] LOG_LEVEL` / `--log-level`: DEBUG, INFO, WARNING or ERROR.
  std::string log_level = "INFO";
  /// Where the configuration came from, for the start-up log.
  std::vector<std::string> sources;
  /// Non-fatal findings (unknown keys, plain-text passwords) to log once.
  std::vector<std::string> warnings;
};

/// What the command line asked for.
struct cli_options {
  std::optional<std::string> config_file; // --config FILE
  bool keep_dicom = false;                // --keep-dicom
  bool load_dicom = false;                // --load-dicom
  bool no_query = false;                  // --no-query
  bool enable_ntfy = false;               // --enable-ntfy
  bool translate_existing = false;        // --translate-existing (one-shot)
  std::optional<std::string> model;       // --model NAME
  std::optional<std::string> retrieval_method; // --retrieval-method
  std::optional<std::string> log_level;        // --log-level
  std::optional<std::string> images;           // --images DIR (import-sqlite)
  bool help = false;                           // --help
  bool version = false;                        // --version
  /// Words that are not flags (a sub-command such as `hash-password`).
  std::vector<std::string> positional;
};

/// Parses argv (without argv[0]). Unknown flags and missing or invalid
/// values are errors naming the flag.
[[nodiscard]] result<cli_options>
parse_command_line(const std::vector<std::string>& args);

/// The `--help` text.
[[nodiscard]] std::string usage_text();

/// How many converter workers run: `configured` ([processing] CONVERTERS),
/// or for 0 ("auto") half of the machine's `cores`, at least 1. Rendering
/// is CPU-bound; the other half is left to receiving, the store and HTTP
/// (on 2 cores under 4 associations, 2 converters gave 0.86 of storescp's
/// C-STORE throughput and 23.6 ms per rendering; 1 gave 1.17 and 13.9 ms).
[[nodiscard]] int converter_count(int configured, unsigned cores) noexcept;

/// Reads a whole file; nullopt when it does not exist.
using file_reader
  = std::function<std::optional<std::string>(const std::string& path)>;

/// Builds the configuration: built-in defaults, then the config file
/// (`xrayvision.cfg` unless `--config`), then `local.cfg` in the same
/// folder, then `XRV_<SECTION>_<KEY>` variables from `env`, then the flags.
/// A missing config file means built-in defaults. Any invalid value is an
/// error whose detail is one line naming the source (file, "environment
/// XRV_…" or "command line"), the section, the key and the value.
[[nodiscard]] result<app_config>
load_config(const cli_options& cli,
            const std::map<std::string, std::string>& env,
            const file_reader& read_file);

} // namespace xrv::config
