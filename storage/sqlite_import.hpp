#pragma once

// `xrayvision import-sqlite`: reads the original Python backend's SQLite
// database (original-backend.md §3.2) read-only, maps its rows with
// `legacy_mapping` and writes them into the LMDB repository in batches. No
// logging: the command prints the report.

#include "actors/system/errors.hpp"
#include "storage/exam_repository.hpp"
#include "storage/legacy_mapping.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace xrv::storage {

/// What an import did.
struct import_report {
  std::size_t patients = 0;         // patients created or completed
  std::size_t exams = 0;            // exams imported
  std::size_t skipped_existing = 0; // exams already in the repository
  std::size_t unmappable = 0;       // rows not imported (see `problems`)
  /// One line per unmappable row: uid (or patients rowid) and the reason.
  std::vector<std::string> problems;
  /// Values dropped or completed while importing a row, one line each.
  std::vector<std::string> warnings;
  std::size_t images_copied = 0; // PNG files copied
};

/// Imports the original database `sqlite_file` (opened read-only) into
/// `repo`. Exams already present are never overwritten; patients already
/// present keep their known values and gain the missing ones. With
/// `images_from`, copies `<uid>.png` of each imported or already present exam
/// to `images_to` unless it is there. Errors: the file is missing, is not a
/// SQLite database or lacks a table; a repository write fails.
[[nodiscard]] result<import_report>
import_sqlite(const std::filesystem::path& sqlite_file, exam_repository& repo,
              int threshold,
              const std::optional<std::filesystem::path>& images_from,
              const std::filesystem::path& images_to);

} // namespace xrv::storage
