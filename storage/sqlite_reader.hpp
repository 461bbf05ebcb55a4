#pragma once

// Reading the original program's SQLite database (original-backend.md §3.2)
// for import-sqlite: RAII handles, schema discovery (older files lack
// columns such as text_en) and one joined row per exam.

#include "actors/system/errors.hpp"
#include "storage/legacy_mapping.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <sqlite3.h>

namespace xrv::storage::sqlite_reader {

namespace fs = std::filesystem;

struct db_closer {
  void operator()(sqlite3* db) const noexcept {
    sqlite3_close_v2(db);
  }
};

struct stmt_finalizer {
  void operator()(sqlite3_stmt* s) const noexcept {
    sqlite3_finalize(s);
  }
};

using db_ptr = std::unique_ptr<sqlite3, db_closer>;
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;

// The original database, read-only.
class legacy_db {
public:
  static result<legacy_db> open(const fs::path& file) {
    std::error_code ec;
    if (!fs::exists(file, ec))
      return fail(errc::not_found, file.string() + ": no such file");
    if (!fs::is_regular_file(file, ec))
      return fail(errc::invalid_input, file.string() + ": not a file");
    sqlite3* raw = nullptr;
    const int rc
      = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    db_ptr db{raw};
    legacy_db out{std::move(db), file.string()};
    if (rc != SQLITE_OK)
      return tl::unexpected{out.sql_error(rc, "cannot open")};
    // The original server may still be writing (WAL): wait for its locks.
    sqlite3_busy_timeout(out.db_.get(), 5000);
    return out;
  }

  // Why a call failed, naming the file; "not a database" is its own case.
  [[nodiscard]] error sql_error(int rc, std::string_view what) const {
    if (rc == SQLITE_NOTADB)
      return error{errc::parse_error, name_ + " is not a SQLite database"};
    const char* msg = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
    return error{errc::storage_failure,
                 name_ + ": " + std::string{what} + ": " + msg};
  }

  [[nodiscard]] result<stmt_ptr> prepare(const std::string& sql) const {
    sqlite3_stmt* raw = nullptr;
    const int rc
      = sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr);
    stmt_ptr s{raw};
    if (rc != SQLITE_OK)
      return tl::unexpected{sql_error(rc, "cannot read")};
    return s;
  }

  // The column names of `table`; empty when there is no such table.
  [[nodiscard]] result<std::set<std::string>>
  columns(std::string_view table) const {
    auto s = prepare("PRAGMA table_info(" + std::string{table} + ")");
    if (!s)
      return tl::unexpected{s.error()};
    std::set<std::string> out;
    int rc = 0;
    while ((rc = sqlite3_step(s->get())) == SQLITE_ROW) {
      const auto* name = sqlite3_column_text(s->get(), 1);
      if (name != nullptr)
        out.emplace(reinterpret_cast<const char*>(name));
    }
    if (rc != SQLITE_DONE)
      return tl::unexpected{sql_error(rc, "cannot read")};
    return out;
  }

  [[nodiscard]] const std::string& name() const noexcept {
    return name_;
  }

private:
  legacy_db(db_ptr db, std::string name)
      : db_(std::move(db)), name_(std::move(name)) {}

  db_ptr db_;
  std::string name_;
};

// Reads a result row column by column, in SELECT order.
class row_reader {
public:
  explicit row_reader(sqlite3_stmt* s) : s_(s) {}

  std::optional<std::string> text() {
    const int i = next_++;
    if (sqlite3_column_type(s_, i) == SQLITE_NULL)
      return std::nullopt;
    const auto* p = sqlite3_column_text(s_, i);
    const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s_, i));
    if (p == nullptr)
      return std::string{};
    return std::string{reinterpret_cast<const char*>(p), n};
  }

  // An integer; a value of another type is recorded in `bad` by name.
  std::optional<std::int64_t> integer(std::string_view name,
                                      std::vector<std::string>& bad) {
    const int i = next_++;
    switch (sqlite3_column_type(s_, i)) {
    case SQLITE_NULL:
      return std::nullopt;
    case SQLITE_INTEGER:
      return sqlite3_column_int64(s_, i);
    case SQLITE_FLOAT: {
      const double d = sqlite3_column_double(s_, i);
      if (std::trunc(d) == d && std::fabs(d) < 1e15)
        return static_cast<std::int64_t>(d);
      break;
    }
    case SQLITE_TEXT: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
      const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s_, i));
      std::int64_t v = 0;
      if (p != nullptr) {
        const auto [end, ec] = std::from_chars(p, p + n, v);
        if (ec == std::errc{} && end == p + n)
          return v;
      }
      break;
    }
    default:
      break;
    }
    bad.emplace_back(name);
    return std::nullopt;
  }

  // Whether a LEFT JOINed row exists (its key is not NULL).
  bool present() {
    return sqlite3_column_type(s_, next_++) != SQLITE_NULL;
  }

  void skip(std::size_t columns) {
    next_ += static_cast<int>(columns);
  }

private:
  sqlite3_stmt* s_;
  int next_ = 0;
};

// The columns read from each table; a column an older schema lacks reads as
// NULL.
constexpr std::array<std::string_view, 5> patient_columns{"cnp", "id", "name",
                                                          "birthdate", "sex"};
constexpr std::array<std::string_view, 10> exam_columns{
  "uid",    "cnp",  "id",     "created", "protocol",
  "region", "type", "status", "study",   "series"};
constexpr std::array<std::string_view, 10> ai_columns{
  "uid",        "created",  "updated", "text",  "positive",
  "confidence", "severity", "summary", "model", "latency"};
constexpr std::array<std::string_view, 14> rad_columns{
  "uid",      "id",       "created", "updated", "text",        "text_en",
  "positive", "severity", "summary", "type",    "radiologist", "justification",
  "model",    "latency"};

template <std::size_t N>
inline std::string select_list(std::string_view alias,
                               const std::array<std::string_view, N>& wanted,
                               const std::set<std::string>& present) {
  std::string out;
  for (const auto column : wanted) {
    if (!out.empty())
      out += ", ";
    if (present.contains(std::string{column}))
      out += std::string{alias} + ".\"" + std::string{column} + '"';
    else
      out += "NULL";
  }
  return out;
}

struct schema {
  std::set<std::string> patients;
  std::set<std::string> exams;
  std::set<std::string> ai;
  std::set<std::string> rad;
};

inline result<schema> read_schema(const legacy_db& db) {
  schema s;
  const std::array<
    std::tuple<std::string_view, std::string_view, std::set<std::string>*>, 4>
    tables{{{"exams", "uid", &s.exams},
            {"patients", "cnp", &s.patients},
            {"ai_reports", "uid", &s.ai},
            {"rad_reports", "uid", &s.rad}}};
  for (const auto& [table, key, columns] : tables) {
    auto found = db.columns(table);
    if (!found)
      return tl::unexpected{found.error()};
    if (found->empty())
      return fail(errc::invalid_input,
                  db.name() + " has no " + std::string{table}
                    + " table (not an XRayVision database)");
    if (!found->contains(std::string{key}))
      return fail(errc::invalid_input, db.name() + ": table "
                                         + std::string{table} + " has no "
                                         + std::string{key} + " column");
    *columns = std::move(*found);
  }
  return s;
}

inline legacy_exam read_exam(sqlite3_stmt* s) {
  row_reader r{s};
  legacy_exam e;
  e.row = sqlite3_column_int64(s, 0);
  r.skip(1); // the rowid
  e.uid = r.text();
  e.cnp = r.text();
  e.id = r.text();
  e.created = r.text();
  e.protocol = r.text();
  e.region = r.text();
  e.type = r.text();
  e.status = r.text();
  e.study = r.text();
  e.series = r.text();
  auto& bad = e.non_integer;
  if (r.present()) {
    legacy_ai_report a;
    a.created = r.text();
    a.updated = r.text();
    a.text = r.text();
    a.positive = r.integer("ai_reports.positive", bad);
    a.confidence = r.integer("ai_reports.confidence", bad);
    a.severity = r.integer("ai_reports.severity", bad);
    a.summary = r.text();
    a.model = r.text();
    a.latency = r.integer("ai_reports.latency", bad);
    e.ai = std::move(a);
  } else {
    r.skip(ai_columns.size() - 1);
  }
  if (r.present()) {
    legacy_rad_report d;
    d.id = r.text();
    d.created = r.text();
    d.updated = r.text();
    d.text = r.text();
    d.text_en = r.text();
    d.positive = r.integer("rad_reports.positive", bad);
    d.severity = r.integer("rad_reports.severity", bad);
    d.summary = r.text();
    d.type = r.text();
    d.radiologist = r.text();
    d.justification = r.text();
    d.model = r.text();
    d.latency = r.integer("rad_reports.latency", bad);
    e.rad = std::move(d);
  }
  return e;
}

} // namespace xrv::storage::sqlite_reader
