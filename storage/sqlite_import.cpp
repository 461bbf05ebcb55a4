#include "storage/sqlite_import.hpp"

#include "actors/store/records.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <system_error>
#include <tuple>
#include <unordered_set>

#include <sqlite3.h>

namespace xrv::storage {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t batch_size = 1000;

// -- reading the SQLite file --------------------------------------------------

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
std::string select_list(std::string_view alias,
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

result<schema> read_schema(const legacy_db& db) {
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

legacy_exam read_exam(sqlite3_stmt* s) {
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

// -- writing ------------------------------------------------------------------

bool same_patient(const store::patient_record& a,
                  const store::patient_record& b) {
  return std::tie(a.cnp, a.id, a.name, a.birthdate, a.sex, a.county)
         == std::tie(b.cnp, b.id, b.name, b.birthdate, b.sex, b.county);
}

// Copies `<uid>.png` unless the target exists, through a temporary name so
// an interrupted copy never leaves a truncated image. Never the `.dcm`: it
// holds the full patient data.
result<bool> copy_png(const fs::path& from, const fs::path& to,
                      const std::string& uid) {
  const auto src = from / (uid + ".png");
  const auto dst = to / (uid + ".png");
  std::error_code ec;
  if (!fs::is_regular_file(src, ec) || fs::exists(dst, ec))
    return false;
  const auto tmp = to / (uid + ".png.importing");
  fs::copy_file(src, tmp, fs::copy_options::overwrite_existing, ec);
  if (!ec)
    fs::rename(tmp, dst, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return fail(errc::storage_failure,
                "cannot copy " + src.string() + ": " + ec.message());
  }
  return true;
}

class importer {
public:
  importer(exam_repository& repo, int threshold,
           std::optional<fs::path> images_from, fs::path images_to)
      : repo_(repo), threshold_(threshold),
        images_from_(std::move(images_from)), images_to_(std::move(images_to)) {
  }

  result<import_report> run(const legacy_db& db) {
    auto s = read_schema(db);
    if (!s)
      return tl::unexpected{s.error()};
    if (auto ok = import_patients(db, *s); !ok)
      return tl::unexpected{ok.error()};
    if (auto ok = import_exams(db, *s); !ok)
      return tl::unexpected{ok.error()};
    return std::move(report_);
  }

private:
  result<void> import_patients(const legacy_db& db, const schema& s) {
    auto stmt = db.prepare("SELECT p.rowid, "
                           + select_list("p", patient_columns, s.patients)
                           + " FROM patients p ORDER BY p.rowid");
    if (!stmt)
      return tl::unexpected{stmt.error()};
    std::vector<store::patient_record> mapped;
    int rc = 0;
    while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
      legacy_patient p;
      p.row = sqlite3_column_int64(stmt->get(), 0);
      row_reader r{stmt->get()};
      r.skip(1); // the rowid
      p.cnp = r.text();
      p.id = r.text();
      p.name = r.text();
      p.birthdate = r.text();
      p.sex = r.text();
      auto m = map_legacy_patient(p);
      if (!m) {
        ++report_.unmappable;
        report_.problems.push_back("patients row " + std::to_string(p.row)
                                   + ": " + m.error().detail);
        continue;
      }
      for (auto& note : m->notes)
        report_.warnings.push_back(std::move(note));
      patients_.emplace(m->record.cnp, p);
      mapped.push_back(std::move(m->record));
    }
    if (rc != SQLITE_DONE)
      return tl::unexpected{db.sql_error(rc, "cannot read patients")};
    for (std::size_t i = 0; i < mapped.size(); i += batch_size) {
      std::vector<store::patient_record> batch;
      const auto end = std::min(i + batch_size, mapped.size());
      for (std::size_t j = i; j < end; ++j) {
        auto p = merged(mapped[j]);
        if (!p)
          return tl::unexpected{p.error()};
        if (*p)
          batch.push_back(std::move(**p));
      }
      if (batch.empty())
        continue;
      if (auto ok = repo_.write_batch({}, batch); !ok)
        return fail(ok.error().code, "writing patients: " + ok.error().detail);
      report_.patients += batch.size();
    }
    return {};
  }

  // The patient to write: ours completed by the original's values (ours may
  // be newer, so a value we know wins); nullopt when nothing changes.
  result<std::optional<store::patient_record>>
  merged(const store::patient_record& legacy) const {
    auto known = repo_.get_patient(legacy.cnp);
    if (!known)
      return tl::unexpected{known.error()};
    if (!*known)
      return std::optional{legacy};
    auto out = store::merge_patient(legacy, **known);
    if (same_patient(out, **known))
      return std::optional<store::patient_record>{};
    return std::optional{std::move(out)};
  }

  result<void> import_exams(const legacy_db& db, const schema& s) {
    auto stmt = db.prepare(
      "SELECT e.rowid, " + select_list("e", exam_columns, s.exams) + ", "
      + select_list("ar", ai_columns, s.ai) + ", "
      + select_list("rr", rad_columns, s.rad)
      + " FROM exams e LEFT JOIN ai_reports ar ON ar.uid = e.uid"
        " LEFT JOIN rad_reports rr ON rr.uid = e.uid ORDER BY e.rowid");
    if (!stmt)
      return tl::unexpected{stmt.error()};
    int rc = 0;
    while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
      if (auto ok = import_exam(read_exam(stmt->get())); !ok)
        return ok;
      if (exams_.size() >= batch_size)
        if (auto ok = flush(); !ok)
          return ok;
    }
    if (rc != SQLITE_DONE)
      return tl::unexpected{db.sql_error(rc, "cannot read exams")};
    return flush();
  }

  result<void> import_exam(const legacy_exam& row) {
    const auto uid = row.uid.value_or("");
    const auto cnp = row.cnp.value_or("");
    const auto found = patients_.find(cnp);
    auto m = map_legacy(
      row, found == patients_.end() ? nullptr : &found->second, threshold_);
    if (!m) {
      ++report_.unmappable;
      // A uid that is not one may be anything: the row number names it.
      report_.problems.push_back(
        (is_dicom_uid(uid) ? uid : "exams row " + std::to_string(row.row))
        + ": " + m.error().detail);
      return {};
    }
    auto& [exam, patient] = *m;
    auto known = repo_.get_exam(exam.uid);
    if (!known)
      return tl::unexpected{known.error()};
    if (*known) {
      ++report_.skipped_existing;
      copy_image(exam.uid);
      return {};
    }
    if (found == patients_.end() && stubs_.insert(cnp).second) {
      auto have = repo_.get_patient(cnp);
      if (!have)
        return tl::unexpected{have.error()};
      report_.warnings.push_back(
        exam.uid + ": no patients row for its exams.cnp; patient "
        + (*have ? "already present" : "imported with only its cnp"));
      if (!*have)
        stub_patients_.push_back(std::move(patient));
    }
    exams_.push_back(std::move(exam));
    return {};
  }

  result<void> flush() {
    if (exams_.empty() && stub_patients_.empty())
      return {};
    if (auto ok = repo_.write_batch(exams_, stub_patients_); !ok)
      return fail(ok.error().code,
                  "writing exams: " + ok.error().detail + " ("
                    + std::to_string(report_.exams)
                    + " exams imported before; run the import again to "
                      "continue)");
    report_.exams += exams_.size();
    report_.patients += stub_patients_.size();
    for (const auto& e : exams_)
      copy_image(e.uid);
    exams_.clear();
    stub_patients_.clear();
    return {};
  }

  void copy_image(const std::string& uid) {
    if (!images_from_)
      return;
    auto copied = copy_png(*images_from_, images_to_, uid);
    if (!copied)
      report_.warnings.push_back(uid + ": " + copied.error().detail);
    else if (*copied)
      ++report_.images_copied;
  }

  exam_repository& repo_;
  int threshold_;
  std::optional<fs::path> images_from_;
  fs::path images_to_;
  import_report report_;
  std::map<std::string, legacy_patient> patients_; // by cnp
  std::unordered_set<std::string> stubs_; // cnps without a patients row
  std::vector<store::exam_record> exams_; // the batch being filled
  std::vector<store::patient_record> stub_patients_;
};

} // namespace

result<import_report>
import_sqlite(const std::filesystem::path& sqlite_file, exam_repository& repo,
              int threshold,
              const std::optional<std::filesystem::path>& images_from,
              const std::filesystem::path& images_to) {
  // Exceptions never leave the storage layer (S-32).
  try {
    if (threshold < 0 || threshold > 10)
      return fail(errc::invalid_input, "severity threshold "
                                         + std::to_string(threshold)
                                         + " is out of range (0..10)");
    if (images_from) {
      std::error_code ec;
      if (!fs::is_directory(*images_from, ec))
        return fail(errc::not_found,
                    images_from->string() + ": no such folder");
      fs::create_directories(images_to, ec);
      if (ec)
        return fail(errc::storage_failure, "cannot create " + images_to.string()
                                             + ": " + ec.message());
    }
    auto db = legacy_db::open(sqlite_file);
    if (!db)
      return tl::unexpected{db.error()};
    importer imp{repo, threshold, images_from, images_to};
    return imp.run(*db);
  } catch (const std::exception& ex) {
    return fail(errc::storage_failure, std::string{"import: "} + ex.what());
  } catch (...) {
    return fail(errc::storage_failure, "import: unknown exception");
  }
}

} // namespace xrv::storage
