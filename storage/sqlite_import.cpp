#include "storage/sqlite_import.hpp"

#include "actors/store/records.hpp"
#include "storage/sqlite_reader.hpp"

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
using namespace sqlite_reader;

constexpr std::size_t batch_size = 1000;

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
      report_.problems.push_back((store::is_valid_uid(uid)
                                    ? uid
                                    : "exams row " + std::to_string(row.row))
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
