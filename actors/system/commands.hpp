#pragma once

// The one-shot sub-commands of the xrayvision binary (everything but the
// server itself); each returns the process exit code.

#include "actors/system/config.hpp"

#include <iosfwd>
#include <map>
#include <string>

namespace xrv::commands {

/// `xrayvision import-sqlite PATH [--images DIR]`: imports the original
/// SQLite database into XRAYVISION_DB_PATH (locked against a running server),
/// copying PNGs from DIR to IMAGES_DIR, and prints what it did to `out`.
/// Returns 0 when it ran (unmappable rows are listed), 1 on a fatal error, 2
/// on a usage or configuration error.
[[nodiscard]] int import_sqlite(const config::cli_options& cli,
                                const std::map<std::string, std::string>& env,
                                const config::file_reader& read_file,
                                std::ostream& out, std::ostream& err);

} // namespace xrv::commands
