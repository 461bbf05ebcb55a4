#include "tests/support/original_db.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

#include <sqlite3.h>

namespace xrv::test {

namespace {

// Verbatim from original-backend.md §3.2.
constexpr std::string_view schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS patients (
  cnp TEXT PRIMARY KEY, id TEXT, name TEXT, birthdate TEXT,
  sex TEXT CHECK(sex IN ('M','F','O')));
CREATE TABLE IF NOT EXISTS exams (
  uid TEXT PRIMARY KEY, cnp TEXT, id TEXT, created TIMESTAMP, protocol TEXT, region TEXT,
  type TEXT, status TEXT DEFAULT 'none', study TEXT, series TEXT,
  FOREIGN KEY (cnp) REFERENCES patients(cnp));
CREATE TABLE IF NOT EXISTS ai_reports (
  uid TEXT PRIMARY KEY,
  created TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  text TEXT,
  positive INTEGER DEFAULT -1 CHECK(positive IN (-1,0,1)),
  confidence INTEGER DEFAULT -1 CHECK(confidence BETWEEN -1 AND 100),
  severity INTEGER DEFAULT -1 CHECK(severity BETWEEN -1 AND 10),
  summary TEXT, model TEXT, latency INTEGER DEFAULT -1,
  FOREIGN KEY (uid) REFERENCES exams(uid));
CREATE TABLE IF NOT EXISTS rad_reports (
  uid TEXT PRIMARY KEY, id TEXT,
  created TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  text TEXT, text_en TEXT,
  positive INTEGER DEFAULT -1 CHECK(positive IN (-1,0,1)),
  severity INTEGER DEFAULT -1 CHECK(severity BETWEEN -1 AND 10),
  summary TEXT, type TEXT, radiologist TEXT, justification TEXT, model TEXT,
  latency INTEGER DEFAULT -1,
  FOREIGN KEY (uid) REFERENCES exams(uid));
CREATE INDEX IF NOT EXISTS idx_exams_status ON exams(status);
CREATE INDEX IF NOT EXISTS idx_exams_region ON exams(region);
CREATE INDEX IF NOT EXISTS idx_exams_cnp ON exams(cnp);
CREATE INDEX IF NOT EXISTS idx_exams_created ON exams(created);
CREATE INDEX IF NOT EXISTS idx_exams_study ON exams(study);
CREATE INDEX IF NOT EXISTS idx_ai_reports_created ON ai_reports(created);
CREATE INDEX IF NOT EXISTS idx_rad_reports_created ON rad_reports(created);
CREATE INDEX IF NOT EXISTS idx_patients_name ON patients(name);
)sql";

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

[[noreturn]] void throw_sql(sqlite3* db, const std::string& what) {
  throw std::runtime_error("original_db: " + what + ": "
                           + (db ? sqlite3_errmsg(db) : "out of memory"));
}

db_ptr open_db(const std::filesystem::path& file) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
    file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  db_ptr db{raw};
  if (rc != SQLITE_OK)
    throw_sql(db.get(), "cannot open " + file.string());
  return db;
}

void exec(sqlite3* db, std::string_view sql) {
  char* message = nullptr;
  const std::string text{sql};
  if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    throw std::runtime_error("original_db: " + why + " in: " + text);
  }
}

// A column's value: NULL, an integer, a text or SQLite's CURRENT_TIMESTAMP.
struct now_tag {};

using sql_value
  = std::variant<std::monostate, std::int64_t, std::string, now_tag>;

sql_value value(const std::optional<std::string>& v) {
  if (!v)
    return std::monostate{};
  if (*v == current_timestamp)
    return now_tag{};
  return *v;
}

sql_value value(const std::optional<std::int64_t>& v) {
  if (!v)
    return std::monostate{};
  return *v;
}

using columns = std::vector<std::pair<std::string_view, sql_value>>;

// INSERT OR REPLACE, as every write of the original (§3.1).
void insert(sqlite3* db, std::string_view table, const columns& cols) {
  std::string names;
  std::string places;
  for (const auto& [name, v] : cols) {
    names += (names.empty() ? "" : ", ") + std::string{name};
    places += places.empty() ? "" : ", ";
    places += std::holds_alternative<now_tag>(v) ? "CURRENT_TIMESTAMP" : "?";
  }
  const auto sql = "INSERT OR REPLACE INTO " + std::string{table} + " (" + names
                   + ") VALUES (" + places + ")";
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
    throw_sql(db, sql);
  stmt_ptr s{raw};
  int i = 0;
  for (const auto& [name, v] : cols) {
    if (std::holds_alternative<now_tag>(v))
      continue;
    ++i;
    if (const auto* n = std::get_if<std::int64_t>(&v))
      sqlite3_bind_int64(s.get(), i, *n);
    else if (const auto* t = std::get_if<std::string>(&v))
      sqlite3_bind_text(s.get(), i, t->data(), static_cast<int>(t->size()),
                        SQLITE_TRANSIENT);
    else
      sqlite3_bind_null(s.get(), i);
  }
  if (sqlite3_step(s.get()) != SQLITE_DONE)
    throw_sql(db, sql);
}

std::optional<std::string> report_uid(const std::optional<std::string>& uid,
                                      const original_row& row) {
  if (uid)
    return uid;
  return row.exam ? row.exam->uid : std::nullopt;
}

} // namespace

std::string_view original_schema_sql() {
  return schema_sql;
}

void create_original_db(const std::filesystem::path& file,
                        const std::vector<original_row>& rows,
                        const original_db_options& options) {
  std::error_code ec;
  for (const auto* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(file.string() + suffix, ec);
  auto db = open_db(file);
  exec(db.get(), options.foreign_keys ? "PRAGMA foreign_keys = ON"
                                      : "PRAGMA foreign_keys = OFF");
  if (!options.check_constraints)
    exec(db.get(), "PRAGMA ignore_check_constraints = ON");
  exec(db.get(), "BEGIN IMMEDIATE");
  exec(db.get(), schema_sql);
  for (const auto& row : rows)
    if (const auto& p = row.patient)
      insert(db.get(), "patients",
             {{"cnp", value(p->cnp)},
              {"id", value(p->id)},
              {"name", value(p->name)},
              {"birthdate", value(p->birthdate)},
              {"sex", value(p->sex)}});
  for (const auto& row : rows)
    if (const auto& e = row.exam)
      insert(db.get(), "exams",
             {{"uid", value(e->uid)},
              {"cnp", value(e->cnp)},
              {"id", value(e->id)},
              {"created", value(e->created)},
              {"protocol", value(e->protocol)},
              {"region", value(e->region)},
              {"type", value(e->type)},
              {"status", value(e->status)},
              {"study", value(e->study)},
              {"series", value(e->series)}});
  for (const auto& row : rows)
    if (const auto& a = row.ai)
      insert(db.get(), "ai_reports",
             {{"uid", value(report_uid(a->uid, row))},
              {"created", value(a->created)},
              {"updated", value(a->updated)},
              {"text", value(a->text)},
              {"positive", value(a->positive)},
              {"confidence", value(a->confidence)},
              {"severity", value(a->severity)},
              {"summary", value(a->summary)},
              {"model", value(a->model)},
              {"latency", value(a->latency)}});
  for (const auto& row : rows)
    if (const auto& r = row.rad)
      insert(db.get(), "rad_reports",
             {{"uid", value(report_uid(r->uid, row))},
              {"id", value(r->id)},
              {"created", value(r->created)},
              {"updated", value(r->updated)},
              {"text", value(r->text)},
              {"text_en", value(r->text_en)},
              {"positive", value(r->positive)},
              {"severity", value(r->severity)},
              {"summary", value(r->summary)},
              {"type", value(r->type)},
              {"radiologist", value(r->radiologist)},
              {"justification", value(r->justification)},
              {"model", value(r->model)},
              {"latency", value(r->latency)}});
  exec(db.get(), "COMMIT");
}

void exec_sql(const std::filesystem::path& file, std::string_view sql) {
  auto db = open_db(file);
  exec(db.get(), sql);
}

} // namespace xrv::test
