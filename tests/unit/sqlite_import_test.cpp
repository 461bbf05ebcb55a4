#include "storage/sqlite_import.hpp"

#include "actors/store/definitions.hpp"
#include "storage/exam_repository.hpp"
#include "storage/legacy_mapping.hpp"
#include "tests/support/original_db.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using xrv::errc;
using xrv::storage::exam_repository;
using xrv::storage::import_report;
using xrv::storage::import_sqlite;
using xrv::storage::legacy_ai_report;
using xrv::storage::legacy_exam;
using xrv::storage::legacy_patient;
using xrv::storage::legacy_rad_report;
using xrv::storage::map_legacy;
using xrv::storage::map_legacy_patient;
using xrv::store::exam_status;
using xrv::test::create_original_db;
using xrv::test::exec_sql;
using xrv::test::original_ai_report;
using xrv::test::original_db_options;
using xrv::test::original_exam;
using xrv::test::original_patient;
using xrv::test::original_rad_report;
using xrv::test::original_row;
using xrv::test::temp_dir;
using xrv::test::write_file;

constexpr int threshold = 5;

// Report times are converted with the process's zone: pin one with summer
// time (UTC+2 in winter, UTC+3 in summer) and restore the caller's after.
class fixed_time_zone : public ::testing::Test {
protected:
  void SetUp() override {
    if (const char* tz = std::getenv("TZ"))
      saved_ = tz;
    setenv("TZ", "Europe/Bucharest", 1);
    tzset();
  }

  void TearDown() override {
    if (saved_)
      setenv("TZ", saved_->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }

private:
  std::optional<std::string> saved_;
};

legacy_exam exam_row(std::string uid = "1.2.3.4") {
  legacy_exam e;
  e.row = 1;
  e.uid = std::move(uid);
  e.cnp = "1800101400123";
  e.created = "2024-07-01 10:11:12";
  e.protocol = "Torace PA";
  e.region = "chest";
  e.type = "CR";
  e.status = "done";
  e.study = "1.2.3";
  e.series = "1.2.3.1";
  return e;
}

legacy_ai_report ai_row(int severity) {
  legacy_ai_report a;
  a.created = "2024-07-01 07:12:00";
  a.updated = "2024-07-01 07:13:00";
  a.text = "Opacitate bazală dreaptă.";
  a.positive = severity >= threshold ? 0 : 1; // deliberately contradictory
  a.confidence = 80;
  a.severity = severity;
  a.summary = "pneumonia";
  a.model = "medgemma-4b-it";
  a.latency = 12;
  return a;
}

legacy_rad_report rad_row(int severity) {
  legacy_rad_report r;
  r.id = "SR-7";
  r.created = "2024-07-02 06:00:00";
  r.updated = "2024-07-02 06:05:00";
  r.text = "Condensare bazală dreaptă.";
  r.text_en = "Right basal consolidation.";
  r.positive = -1;
  r.severity = severity;
  r.summary = "consolidation";
  r.type = "radio";
  r.radiologist = "Dr. Popa";
  r.justification = "tuse";
  r.model = "gemma-3";
  r.latency = 4;
  return r;
}

// The reason `row` cannot be mapped ("" when it can).
std::string reason(const legacy_exam& row) {
  auto m = map_legacy(row, nullptr, threshold);
  if (m)
    return "";
  EXPECT_EQ(m.error().code, errc::invalid_input);
  return m.error().detail;
}

xrv::store::exam_record mapped(const legacy_exam& row) {
  auto m = map_legacy(row, nullptr, threshold);
  EXPECT_TRUE(m) << m.error().detail;
  return m ? m->first : xrv::store::exam_record{};
}

// -- mapping ------------------------------------------------------------------

class ImportMapping : public fixed_time_zone {};

TEST_F(ImportMapping, ValidStatusesAreKept) {
  for (const auto& [text, status] :
       std::vector<std::pair<std::string, exam_status>>{
         {"none", exam_status::none},
         {"queued", exam_status::queued},
         {"requeue", exam_status::requeue},
         {"done", exam_status::done},
         {"error", exam_status::error},
         {"ignore", exam_status::ignore},
         {"check", exam_status::check}}) {
    auto row = exam_row();
    row.status = text;
    EXPECT_EQ(mapped(row).status, status) << text;
  }
}

TEST_F(ImportMapping, InterruptedProcessingBecomesQueued) {
  auto row = exam_row();
  row.status = "processing";
  EXPECT_EQ(mapped(row).status, exam_status::queued);
}

TEST_F(ImportMapping, MissingStatusIsTheColumnDefaultNone) {
  auto row = exam_row();
  row.status = std::nullopt;
  EXPECT_EQ(mapped(row).status, exam_status::none);
}

TEST_F(ImportMapping, UnknownStatusIsUnmappableWithTheValue) {
  auto row = exam_row();
  row.status = "archived";
  EXPECT_EQ(reason(row), "exams.status 'archived' is not a known status");
}

TEST_F(ImportMapping, MalformedOrMissingCreatedIsUnmappable) {
  for (const auto* bad : {"2024-13-01 10:00:00", "2024-02-30 10:00:00",
                          "2024-07-01", "2024-07-01T10:11:12", "yesterday"}) {
    auto row = exam_row();
    row.created = bad;
    EXPECT_EQ(reason(row), "exams.created '" + std::string{bad}
                             + "' is not YYYY-MM-DD HH:MM:SS");
  }
  auto row = exam_row();
  row.created = std::nullopt;
  EXPECT_EQ(reason(row), "exams.created is missing");
}

TEST_F(ImportMapping, ExamFieldsAreCopiedAndExamTimeStaysLocal) {
  auto row = exam_row();
  row.id = "ACC-1";
  const auto e = mapped(row);
  EXPECT_EQ(e.uid, "1.2.3.4");
  EXPECT_EQ(e.cnp, "1800101400123");
  EXPECT_EQ(e.created, "2024-07-01 10:11:12");
  EXPECT_EQ(e.protocol, "Torace PA");
  EXPECT_EQ(e.region, "chest");
  EXPECT_EQ(e.type, "CR");
  EXPECT_EQ(e.study, "1.2.3");
  EXPECT_EQ(e.series, "1.2.3.1");
  EXPECT_EQ(e.id, "ACC-1");
  EXPECT_EQ(e.ai.severity, -1); // no ai_reports row
  EXPECT_EQ(e.rad.positive, -1);

  row.region = std::nullopt;
  EXPECT_EQ(mapped(row).region, "unknown");
  row.region = "radiografie gamba"; // the original's "no rule matched"
  EXPECT_EQ(mapped(row).region, "radiografie gamba");
}

TEST_F(ImportMapping, ReportTimestampsAreConvertedFromUtcToLocal) {
  auto row = exam_row();
  row.ai = ai_row(7);
  row.ai->created = "2024-01-15 22:30:00"; // winter: UTC+2, next day
  row.ai->updated = "2024-07-01 09:00:00"; // summer: UTC+3
  row.rad = rad_row(2);
  const auto e = mapped(row);
  EXPECT_EQ(e.ai.created, "2024-01-16 00:30:00");
  EXPECT_EQ(e.ai.updated, "2024-07-01 12:00:00");
  EXPECT_EQ(e.rad.created, "2024-07-02 09:00:00");
  EXPECT_EQ(e.rad.updated, "2024-07-02 09:05:00");
  EXPECT_EQ(xrv::storage::utc_to_local("2024-03-31 01:30:00"),
            "2024-03-31 04:30:00"); // just after the spring change
  EXPECT_EQ(xrv::storage::utc_to_local("2024-03-31 25:00:00"), std::nullopt);
}

TEST_F(ImportMapping, MalformedReportTimestampIsUnmappable) {
  auto row = exam_row();
  row.rad = rad_row(2);
  row.rad->updated = "02/07/2024";
  EXPECT_EQ(reason(row),
            "rad_reports.updated '02/07/2024' is not YYYY-MM-DD HH:MM:SS");
}

TEST_F(ImportMapping, AiPositivityIsDerivedFromSeverityNotTheStoredColumn) {
  auto row = exam_row();
  row.ai = ai_row(7); // stored positive 0
  auto e = mapped(row);
  EXPECT_EQ(e.ai.positive, -1);
  EXPECT_EQ(e.ai.severity, 7);
  EXPECT_EQ(e.ai.confidence, 80);
  EXPECT_EQ(e.ai.latency, 12);
  EXPECT_EQ(e.ai.text, "Opacitate bazală dreaptă.");
  EXPECT_EQ(e.ai.summary, "pneumonia");
  EXPECT_EQ(e.ai.model, "medgemma-4b-it");
  EXPECT_EQ(xrv::store::ai_positive(e.ai, threshold), 1);

  row.ai = ai_row(2); // stored positive 1
  e = mapped(row);
  EXPECT_EQ(e.ai.positive, -1);
  EXPECT_EQ(xrv::store::ai_positive(e.ai, threshold), 0);
  EXPECT_EQ(xrv::store::ai_positive(e.ai, 2), 1);
}

TEST_F(ImportMapping, AiRowWithoutSeverityAndTextIsNotAnalysed) {
  auto row = exam_row();
  row.ai = ai_row(-1);
  row.ai->text = std::nullopt;
  const auto e = mapped(row);
  EXPECT_EQ(e.ai.text, "");
  EXPECT_EQ(e.ai.created, "");
  EXPECT_EQ(e.ai.severity, -1);
  EXPECT_FALSE(xrv::store::ai_analysed(e.ai, threshold));
}

TEST_F(ImportMapping, RadiologistVerdictComesFromSeverity) {
  auto row = exam_row();
  row.rad = rad_row(6);
  row.rad->positive = 0; // not trusted
  auto e = mapped(row);
  EXPECT_EQ(e.rad.positive, 1);
  EXPECT_EQ(e.rad.severity, 6);
  EXPECT_EQ(e.rad.id, "SR-7");
  EXPECT_EQ(e.rad.text_en, "Right basal consolidation.");
  EXPECT_EQ(e.rad.radiologist, "Dr. Popa");
  EXPECT_EQ(e.rad.justification, "tuse");
  EXPECT_EQ(e.rad.type, "radio");
  EXPECT_EQ(e.rad.latency, 4);

  row.rad = rad_row(0);
  EXPECT_EQ(mapped(row).rad.positive, 0);
  row.rad = rad_row(threshold);
  EXPECT_EQ(mapped(row).rad.positive, 1);

  row.rad = rad_row(-1); // fetched from FHIR, not yet checked
  row.rad->positive = 1;
  e = mapped(row);
  EXPECT_EQ(e.rad.positive, -1);
  EXPECT_EQ(xrv::store::reviewed(e.rad), 0);
  EXPECT_EQ(e.rad.text, "Condensare bazală dreaptă.");
}

TEST_F(ImportMapping, DashboardReviewBecomesTheVerdict) {
  auto row = exam_row();
  legacy_rad_report review; // db_rad_review on a new row
  review.positive = 1;
  review.severity = -1;
  review.radiologist = "admin";
  row.rad = review;
  auto e = mapped(row);
  EXPECT_EQ(e.rad.positive, 1);
  EXPECT_EQ(e.rad.severity, -1);
  EXPECT_EQ(e.rad.radiologist, "admin");
  EXPECT_EQ(xrv::store::reviewed(e.rad), 1);

  row.rad->positive = 0;
  EXPECT_EQ(mapped(row).rad.positive, 0);

  row.rad->radiologist = std::nullopt; // no reviewer: not a review
  EXPECT_EQ(mapped(row).rad.positive, -1);
}

TEST_F(ImportMapping, NotFoundMarkerIsNoReport) {
  auto row = exam_row();
  legacy_rad_report marker;
  marker.id = "-1";
  marker.created = "2024-07-02 06:00:00";
  marker.updated = "2024-07-02 06:00:00";
  marker.positive = -1;
  marker.severity = -1;
  row.rad = marker;
  auto e = mapped(row);
  EXPECT_EQ(e.rad.id, "");
  EXPECT_EQ(e.rad.created, "");
  EXPECT_EQ(e.rad.positive, -1);

  // A dashboard review written onto a marker row keeps its verdict.
  row.rad->positive = 0;
  row.rad->radiologist = "admin";
  e = mapped(row);
  EXPECT_EQ(e.rad.id, "");
  EXPECT_EQ(e.rad.positive, 0);
}

TEST_F(ImportMapping, OutOfRangeValuesAreUnmappableWithTheReason) {
  auto row = exam_row();
  row.ai = ai_row(11);
  EXPECT_EQ(reason(row), "ai_reports.severity 11 is out of range (-1..10)");
  row.ai = ai_row(3);
  row.ai->confidence = 101;
  EXPECT_EQ(reason(row), "ai_reports.confidence 101 is out of range (-1..100)");
  row.ai->confidence = 50;
  row.ai->latency = -7;
  EXPECT_EQ(reason(row), "ai_reports.latency -7 is out of range (-1..)");
  row.ai = std::nullopt;
  row.rad = rad_row(12);
  EXPECT_EQ(reason(row), "rad_reports.severity 12 is out of range (-1..10)");
  row.rad = rad_row(3);
  row.rad->positive = 2;
  EXPECT_EQ(reason(row), "rad_reports.positive 2 is out of range (-1..1)");
}

TEST_F(ImportMapping, NonIntegerColumnIsUnmappable) {
  auto row = exam_row();
  row.non_integer.emplace_back("ai_reports.latency");
  EXPECT_EQ(reason(row), "ai_reports.latency is not an integer");
}

TEST_F(ImportMapping, BadUidOrMissingPatientIsUnmappable) {
  auto row = exam_row("");
  EXPECT_EQ(reason(row), "exams.uid is empty");
  row.uid = "../../etc/passwd";
  EXPECT_NE(reason(row).find("is not a DICOM UID"), std::string::npos);
  row = exam_row();
  row.cnp = std::nullopt;
  EXPECT_EQ(reason(row), "exams.cnp is empty (no patient)");
}

TEST_F(ImportMapping, PatientIsMappedWithItsRow) {
  legacy_patient p;
  p.row = 3;
  p.cnp = "1800101400123";
  p.id = "P-9";
  p.name = "POPESCU^ION";
  p.birthdate = "1980-01-01";
  p.sex = "M";
  auto m = map_legacy(exam_row(), &p, threshold);
  ASSERT_TRUE(m) << m.error().detail;
  const auto& patient = m->second;
  EXPECT_EQ(patient.cnp, "1800101400123");
  EXPECT_EQ(patient.id, "P-9");
  EXPECT_EQ(patient.name, "POPESCU^ION");
  EXPECT_EQ(patient.birthdate, "1980-01-01");
  EXPECT_EQ(patient.sex, "M");
  EXPECT_EQ(patient.county, -1);

  // Without a patients row: a patient with only the cnp.
  m = map_legacy(exam_row(), nullptr, threshold);
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_EQ(m->second.cnp, "1800101400123");
  EXPECT_EQ(m->second.name, "");
}

TEST_F(ImportMapping, InvalidBirthdateAndSexAreDroppedWithANote) {
  legacy_patient p;
  p.row = 3;
  p.cnp = "1800101400123";
  p.name = "POPESCU^ION";
  p.birthdate = "1980-02-30";
  p.sex = "X";
  auto m = map_legacy_patient(p);
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_EQ(m->record.birthdate, "");
  EXPECT_EQ(m->record.sex, "");
  ASSERT_EQ(m->notes.size(), 2U);
  EXPECT_EQ(m->notes[0], "patients row 3: patients.birthdate is not "
                         "YYYY-MM-DD; imported without it");
  for (const auto& note : m->notes) {
    EXPECT_EQ(note.find("1980"), std::string::npos) << note;
    EXPECT_EQ(note.find("POPESCU"), std::string::npos) << note;
    EXPECT_EQ(note.find("1800101400123"), std::string::npos) << note;
  }
  p.cnp = std::nullopt;
  EXPECT_EQ(map_legacy_patient(p).error().detail, "patients.cnp is empty");
}

// -- the import ---------------------------------------------------------------

class SqliteImport : public fixed_time_zone {
protected:
  void SetUp() override {
    fixed_time_zone::SetUp();
    auto r = exam_repository::open(dir_.path() / "data");
    ASSERT_TRUE(r) << r.error().detail;
    repo_.emplace(std::move(*r));
  }

  fs::path db_file() const {
    return dir_.path() / "xrayvision.db";
  }

  xrv::result<import_report> run(const std::optional<fs::path>& images_from
                                 = std::nullopt) {
    return import_sqlite(db_file(), *repo_, threshold, images_from,
                         dir_.path() / "images");
  }

  import_report ran(const std::optional<fs::path>& images_from = std::nullopt) {
    auto r = run(images_from);
    EXPECT_TRUE(r) << r.error().detail;
    return r ? *r : import_report{};
  }

  xrv::store::exam_record exam(const std::string& uid) {
    auto e = repo_->get_exam(uid);
    EXPECT_TRUE(e && *e) << uid;
    return e && *e ? **e : xrv::store::exam_record{};
  }

  temp_dir dir_;
  std::optional<exam_repository> repo_;
};

original_patient patient(std::string cnp, std::string name) {
  original_patient p;
  p.cnp = std::move(cnp);
  p.name = std::move(name);
  p.birthdate = "1980-01-01";
  p.sex = "F";
  return p;
}

original_exam exam_of(std::string uid, std::string cnp,
                      std::string status = "done") {
  original_exam e;
  e.uid = std::move(uid);
  e.cnp = std::move(cnp);
  e.created = "2024-07-01 10:11:12";
  e.protocol = "Torace PA";
  e.region = "chest";
  e.status = std::move(status);
  e.study = "1.2.3";
  e.series = "1.2.3.1";
  return e;
}

original_ai_report ai_of(int severity) {
  original_ai_report a;
  a.created = "2024-07-01 07:12:00";
  a.updated = "2024-07-01 07:12:00";
  a.text = "Report";
  a.positive = 1;
  a.confidence = 90;
  a.severity = severity;
  a.summary = "normal";
  a.model = "medgemma";
  a.latency = 9;
  return a;
}

original_rad_report rad_of(int severity) {
  original_rad_report r;
  r.id = "SR-1";
  r.created = "2024-07-02 06:00:00";
  r.updated = "2024-07-02 06:00:00";
  r.text = "Fără modificări.";
  r.text_en = "No changes.";
  r.severity = severity;
  r.radiologist = "Dr. Popa";
  return r;
}

// Four exams of two patients: two importable, one with an unknown status
// and one with a malformed exam time.
std::vector<original_row> sample_rows() {
  const auto ana = patient("2800101400123", "IONESCU^ANA");
  const auto dan = patient("1750505400123", "POPA^DAN");
  return {
    {ana, exam_of("1.2.1", "2800101400123"), ai_of(7), rad_of(8)},
    {ana, exam_of("1.2.2", "2800101400123", "processing"), ai_of(2),
     std::nullopt},
    {dan, exam_of("1.2.3", "1750505400123", "archived"), std::nullopt,
     std::nullopt},
    {dan,
     [] {
       auto e = exam_of("1.2.4", "1750505400123");
       e.created = "01.07.2024 10:11";
       return e;
     }(),
     std::nullopt, std::nullopt},
  };
}

TEST_F(SqliteImport, ImportsPatientsExamsAndReportsAndListsProblems) {
  create_original_db(db_file(), sample_rows());
  const auto r = ran();
  EXPECT_EQ(r.patients, 2U);
  EXPECT_EQ(r.exams, 2U);
  EXPECT_EQ(r.skipped_existing, 0U);
  EXPECT_EQ(r.unmappable, 2U);
  EXPECT_EQ(r.problems,
            (std::vector<std::string>{
              "1.2.3: exams.status 'archived' is not a known status",
              "1.2.4: exams.created '01.07.2024 10:11' is not YYYY-MM-DD "
              "HH:MM:SS"}));
  EXPECT_TRUE(r.warnings.empty());
  for (const auto& line : r.problems) {
    EXPECT_EQ(line.find("POPA"), std::string::npos) << line;
    EXPECT_EQ(line.find("1750505400123"), std::string::npos) << line;
  }

  const auto first = exam("1.2.1");
  EXPECT_EQ(first.status, exam_status::done);
  EXPECT_EQ(first.cnp, "2800101400123");
  EXPECT_EQ(first.ai.severity, 7);
  EXPECT_EQ(first.ai.positive, -1);
  EXPECT_EQ(first.ai.created, "2024-07-01 10:12:00");
  EXPECT_EQ(first.rad.positive, 1);
  EXPECT_EQ(first.rad.text, "Fără modificări.");
  EXPECT_EQ(xrv::store::correct(first, threshold), 1);
  const auto second = exam("1.2.2");
  EXPECT_EQ(second.status, exam_status::queued);
  EXPECT_EQ(xrv::store::ai_positive(second.ai, threshold), 0);
  EXPECT_EQ(second.rad.positive, -1);
  EXPECT_FALSE(repo_->get_exam("1.2.3").value());

  auto ana = repo_->get_patient("2800101400123");
  ASSERT_TRUE(ana && *ana);
  EXPECT_EQ((*ana)->name, "IONESCU^ANA");
  EXPECT_EQ((*ana)->birthdate, "1980-01-01");
  EXPECT_EQ((*ana)->sex, "F");
  // A patient whose exams were all unmappable is imported all the same.
  EXPECT_TRUE(repo_->get_patient("1750505400123").value());
}

TEST_F(SqliteImport, SecondRunImportsNothingAndSkipsEveryExam) {
  create_original_db(db_file(), sample_rows());
  (void)ran();
  const auto again = ran();
  EXPECT_EQ(again.patients, 0U);
  EXPECT_EQ(again.exams, 0U);
  EXPECT_EQ(again.skipped_existing, 2U);
  EXPECT_EQ(again.unmappable, 2U);
  EXPECT_EQ(repo_->exam_count().value(), 2U);
}

TEST_F(SqliteImport, ExistingExamIsNeverOverwritten) {
  xrv::store::exam_record ours;
  ours.uid = "1.2.1";
  ours.cnp = "2800101400123";
  ours.created = "2024-07-01 10:11:12";
  ours.status = exam_status::check;
  ours.ai.severity = 1;
  ASSERT_TRUE(repo_->put_exam(ours));
  create_original_db(db_file(), sample_rows());
  const auto r = ran();
  EXPECT_EQ(r.exams, 1U);
  EXPECT_EQ(r.skipped_existing, 1U);
  const auto kept = exam("1.2.1");
  EXPECT_EQ(kept.status, exam_status::check);
  EXPECT_EQ(kept.ai.severity, 1);
  EXPECT_EQ(kept.rad.positive, -1);
}

TEST_F(SqliteImport, PatientMergeKeepsKnownValuesAndFillsMissingOnes) {
  xrv::store::patient_record ours;
  ours.cnp = "2800101400123";
  ours.id = "FHIR-9";
  ours.name = "IONESCU^ANA MARIA";
  ours.county = 40;
  ASSERT_TRUE(repo_->put_patient(ours));
  auto rows = sample_rows();
  rows[0].patient->id = "OLD-1"; // the original's, maybe stale
  create_original_db(db_file(), rows);
  const auto r = ran();
  EXPECT_EQ(r.patients, 2U); // one completed, one new
  auto p = repo_->get_patient("2800101400123");
  ASSERT_TRUE(p && *p);
  EXPECT_EQ((*p)->id, "FHIR-9");
  EXPECT_EQ((*p)->name, "IONESCU^ANA MARIA");
  EXPECT_EQ((*p)->county, 40);
  EXPECT_EQ((*p)->birthdate, "1980-01-01"); // filled in
  EXPECT_EQ((*p)->sex, "F");
}

TEST_F(SqliteImport, CopiesPngsButNeverDicomOrAnExistingImage) {
  create_original_db(db_file(), sample_rows());
  const auto old_images = dir_.path() / "old-images";
  write_file(old_images / "1.2.1.png", "png one");
  write_file(old_images / "1.2.1.dcm", "dicom with patient data");
  write_file(old_images / "1.2.2.png", "png two, old");
  write_file(old_images / "1.2.3.png", "png of an unmappable exam");
  write_file(dir_.path() / "images" / "1.2.2.png", "png two, ours");
  const auto r = ran(old_images);
  EXPECT_EQ(r.images_copied, 1U);
  const auto images = dir_.path() / "images";
  std::ifstream in{images / "1.2.1.png"};
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>{in}, {}), "png one");
  EXPECT_FALSE(fs::exists(images / "1.2.1.dcm"));
  EXPECT_FALSE(fs::exists(images / "1.2.3.png"));
  std::ifstream ours{images / "1.2.2.png"};
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>{ours}, {}),
            "png two, ours");
  EXPECT_EQ(std::distance(fs::directory_iterator{images}, {}), 2);

  // A later run with the images copies what is still missing, even for
  // exams that are already imported.
  fs::remove(images / "1.2.1.png");
  EXPECT_EQ(ran(old_images).images_copied, 1U);
  EXPECT_TRUE(fs::exists(images / "1.2.1.png"));
}

TEST_F(SqliteImport, MissingImagesFolderIsAnError) {
  create_original_db(db_file(), sample_rows());
  auto r = run(dir_.path() / "nowhere");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::not_found);
  EXPECT_EQ(repo_->exam_count().value(), 0U);
}

TEST_F(SqliteImport, OlderDatabaseWithoutTextEnReadsItAsEmpty) {
  std::string schema{xrv::test::original_schema_sql()};
  const auto at = schema.find("text TEXT, text_en TEXT,");
  ASSERT_NE(at, std::string::npos);
  schema.replace(at, std::string{"text TEXT, text_en TEXT,"}.size(),
                 "text TEXT,");
  exec_sql(db_file(),
           schema
             + "INSERT INTO patients VALUES ('2800101400123', '', "
               "'IONESCU^ANA', '1980-01-01', 'F');"
               "INSERT INTO exams (uid, cnp, created, status) VALUES "
               "('1.2.1', '2800101400123', '2024-07-01 10:11:12', 'done');"
               "INSERT INTO rad_reports (uid, id, text, severity) VALUES "
               "('1.2.1', 'SR-1', 'Normal.', 0);");
  const auto r = ran();
  EXPECT_EQ(r.exams, 1U);
  const auto e = exam("1.2.1");
  EXPECT_EQ(e.rad.text, "Normal.");
  EXPECT_EQ(e.rad.text_en, "");
  EXPECT_EQ(e.rad.positive, 0);
  EXPECT_FALSE(e.rad.created.empty()); // CURRENT_TIMESTAMP, converted
}

TEST_F(SqliteImport, NotASqliteFileIsAnError) {
  write_file(db_file(), "this is not a database, just some text......."
                        "...............................................");
  auto r = run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::parse_error);
  EXPECT_EQ(r.error().detail, db_file().string() + " is not a SQLite database");
}

TEST_F(SqliteImport, MissingFileIsAnError) {
  auto r = run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::not_found);
  EXPECT_EQ(r.error().detail, db_file().string() + ": no such file");
}

TEST_F(SqliteImport, MissingExamsTableIsAnErrorNamingIt) {
  exec_sql(db_file(), "CREATE TABLE patients (cnp TEXT PRIMARY KEY);");
  auto r = run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail,
            db_file().string()
              + " has no exams table (not an XRayVision database)");
}

TEST_F(SqliteImport, ExamWithoutPatientRowCreatesThePatientWithAWarning) {
  original_db_options no_fk;
  no_fk.foreign_keys = false;
  create_original_db(db_file(),
                     {{std::nullopt, exam_of("1.2.9", "1900101400123"),
                       std::nullopt, std::nullopt}},
                     no_fk);
  const auto r = ran();
  EXPECT_EQ(r.exams, 1U);
  EXPECT_EQ(r.patients, 1U);
  EXPECT_EQ(r.warnings,
            (std::vector<std::string>{
              "1.2.9: no patients row for its exams.cnp; patient imported "
              "with only its cnp"}));
  auto p = repo_->get_patient("1900101400123");
  ASSERT_TRUE(p && *p);
  EXPECT_EQ((*p)->name, "");
}

TEST_F(SqliteImport, ValuesTheChecksForbidAreReportedNotImported) {
  original_db_options unchecked;
  unchecked.check_constraints = false;
  auto rows = sample_rows();
  rows[0].ai->severity = 12;
  create_original_db(db_file(), rows, unchecked);
  exec_sql(db_file(), "UPDATE ai_reports SET latency = 'slow' WHERE uid = "
                      "'1.2.2'");
  const auto r = ran();
  EXPECT_EQ(r.exams, 0U);
  ASSERT_EQ(r.problems.size(), 4U);
  EXPECT_EQ(r.problems[0],
            "1.2.1: ai_reports.severity 12 is out of range (-1..10)");
  EXPECT_EQ(r.problems[1], "1.2.2: ai_reports.latency is not an integer");
}

TEST_F(SqliteImport, BadPatientRowsAreNamedByRowNumberOnly) {
  auto rows = sample_rows();
  rows[2].patient->birthdate = "1975-02-30"; // rows 2 and 3: POPA^DAN
  rows[3].patient->birthdate = "1975-02-30";
  create_original_db(db_file(), rows);
  exec_sql(db_file(), "UPDATE patients SET rowid = 17 WHERE cnp = "
                      "'1750505400123'");
  const auto r = ran();
  EXPECT_EQ(r.warnings, (std::vector<std::string>{
                          "patients row 17: patients.birthdate is not "
                          "YYYY-MM-DD; imported without it"}));
  auto p = repo_->get_patient("1750505400123");
  ASSERT_TRUE(p && *p);
  EXPECT_EQ((*p)->birthdate, "");
  EXPECT_EQ((*p)->name, "POPA^DAN");
}

TEST_F(SqliteImport, ManyExamsAreWrittenInBatches) {
  std::vector<original_row> rows;
  rows.reserve(2'345);
  for (int i = 0; i < 2'345; ++i)
    rows.push_back({patient("2800101400123", "IONESCU^ANA"),
                    exam_of("1.2.840." + std::to_string(i), "2800101400123"),
                    ai_of(i % 11), std::nullopt});
  create_original_db(db_file(), rows);
  const auto r = ran();
  EXPECT_EQ(r.exams, 2'345U);
  EXPECT_EQ(r.patients, 1U);
  EXPECT_EQ(repo_->exam_count().value(), 2'345U);
  EXPECT_EQ(exam("1.2.840.2344").ai.severity, 2344 % 11);
}

} // namespace
