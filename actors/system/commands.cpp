#include "actors/system/commands.hpp"

#include "storage/dir_lock.hpp"
#include "storage/exam_repository.hpp"
#include "storage/sqlite_import.hpp"

#include <filesystem>
#include <optional>
#include <ostream>
#include <system_error>

namespace xrv::commands {

namespace {

namespace fs = std::filesystem;

// The counts, then every unmappable row and every warning, one per line.
// The lines name uids and row numbers only, never a patient.
void print_report(std::ostream& out, const storage::import_report& r,
                  const fs::path& source, const config::app_config& cfg,
                  const std::optional<fs::path>& images_from) {
  out << "Imported " << source.string() << " into " << cfg.general.db_path
      << " (severity threshold " << cfg.processing.severity_threshold << "):\n"
      << "  patients:   " << r.patients << " new or completed\n"
      << "  exams:      " << r.exams << " imported, " << r.skipped_existing
      << " already present (skipped)\n"
      << "  unmappable: " << r.unmappable << " rows"
      << (r.unmappable > 0 ? " (listed below)" : "") << '\n';
  if (images_from)
    out << "  images:     " << r.images_copied << " PNG files copied from "
        << images_from->string() << " to " << cfg.general.images_dir << '\n';
  if (!r.problems.empty()) {
    out << "Unmappable rows (not imported):\n";
    for (const auto& p : r.problems)
      out << "  " << p << '\n';
  }
  if (!r.warnings.empty()) {
    out << "Warnings:\n";
    for (const auto& w : r.warnings)
      out << "  " << w << '\n';
  }
}

} // namespace

int import_sqlite(const config::cli_options& cli,
                  const std::map<std::string, std::string>& env,
                  const config::file_reader& read_file, std::ostream& out,
                  std::ostream& err) {
  if (cli.positional.size() != 2) {
    err << "xrayvision: usage: xrayvision import-sqlite PATH [--images DIR]\n";
    return 2;
  }
  const fs::path source = cli.positional[1];
  auto cfg = config::load_config(cli, env, read_file);
  if (!cfg) {
    err << "xrayvision: invalid configuration: " << cfg.error().detail << '\n';
    return 2;
  }
  // Checked before the lock, which creates the database folder.
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) {
    err << "xrayvision: import-sqlite: " << source.string()
        << ": no such file\n";
    return 1;
  }
  auto lock = storage::dir_lock::acquire(cfg->general.db_path);
  if (!lock) {
    err << "xrayvision: import-sqlite: " << lock.error().detail
        << " (stop the server first)\n";
    return 1;
  }
  auto repo = storage::exam_repository::open(cfg->general.db_path);
  if (!repo) {
    err << "xrayvision: import-sqlite: cannot open the database "
        << cfg->general.db_path << ": " << repo.error().detail << '\n';
    return 1;
  }
  std::optional<fs::path> images_from;
  if (cli.images)
    images_from = *cli.images;
  auto report
    = storage::import_sqlite(source, *repo, cfg->processing.severity_threshold,
                             images_from, cfg->general.images_dir);
  if (!report) {
    err << "xrayvision: import-sqlite: " << report.error().detail << '\n';
    return 1;
  }
  print_report(out, *report, source, *cfg, images_from);
  return 0;
}

} // namespace xrv::commands
