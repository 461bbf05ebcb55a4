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

struct openai_config {
  std::string url_primary = "http://127.0.0.1:8080/v1/chat/completions";
  std::string url_secondary = "http://127.0.0.1:11434/v1/chat/completions";
  std::string api_key = "sk-your-api-key";
  std::string model_name = "medgemma-4b-it";
};

struct dashboard_config {
  std::string bind = "0.0.0.0"; // DASHBOARD_BIND
  int port = 8000;              // DASHBOARD_PORT
  int http_threads = 1;         // HTTP_THREADS
  int session_hours = 12;       // SESSION_HOURS (cookie lifetime)
};

struct notifications_config {
  std::string ntfy_url = "https://ntfy.sh/xrayvision-alerts";
};

struct fhir_config {
  std::string url;      // FHIR_URL
  std::string username; // FHIR_USERNAME
  std::string password; // FHIR_PASSWORD
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
  int converters = 2;     // CONVERTERS: parallel DICOM-to-PNG workers
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
