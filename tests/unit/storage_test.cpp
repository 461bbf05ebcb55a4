#include "storage/codec.hpp"
#include "storage/exam_repository.hpp"
#include "storage/lmdb.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

namespace {

namespace fs = std::filesystem;
using xrv::errc;
using xrv::storage::decode_exam;
using xrv::storage::decode_patient;
using xrv::storage::encode;
using xrv::storage::exam_repository;
using xrv::store::exam_record;
using xrv::store::exam_status;
using xrv::store::patient_record;
namespace lmdb = xrv::storage::lmdb;

auto tie_exam(const exam_record& e) {
  return std::tie(e.uid, e.cnp, e.created, e.protocol, e.region, e.type,
                  e.study, e.series, e.id, e.status, e.status_reason,
                  e.received, e.attempts, e.ai.text, e.ai.summary, e.ai.created,
                  e.ai.updated, e.ai.model, e.ai.positive, e.ai.severity,
                  e.ai.confidence, e.ai.latency, e.rad.text, e.rad.text_en,
                  e.rad.summary, e.rad.created, e.rad.updated, e.rad.id,
                  e.rad.type, e.rad.radiologist, e.rad.justification,
                  e.rad.model, e.rad.positive, e.rad.severity, e.rad.latency);
}

auto tie_patient(const patient_record& p) {
  return std::tie(p.cnp, p.id, p.name, p.birthdate, p.sex, p.county);
}

// Every field distinct, so a swapped pair of fields cannot go unnoticed.
exam_record full_exam(std::string uid) {
  exam_record e;
  e.uid = std::move(uid);
  e.cnp = "1800101400123";
  e.created = "2025-03-04 10:11:12";
  e.protocol = "Torace PA";
  e.region = "chest";
  e.type = "DX";
  e.study = "1.2.840.1";
  e.series = "1.2.840.1.2";
  e.id = "ACC-42";
  e.status = exam_status::check;
  e.received = "2025-03-04 10:12:00";
  e.attempts = 3;
  e.ai.text = "Opacitate în lobul inferior drept; fără revărsat pleural.";
  e.ai.summary = "pneumonie";
  e.ai.created = "2025-03-04 10:13:00";
  e.ai.updated = "2025-03-04 10:14:00";
  e.ai.model = "medgemma-4b";
  e.ai.positive = 1;
  e.ai.severity = 6;
  e.ai.confidence = 87;
  e.ai.latency = 12;
  e.rad.text = "Condensare bazală dreaptă. Șters sinusul costo-diafragmatic.";
  e.rad.text_en = "Right basal consolidation.";
  e.rad.summary = "consolidare";
  e.rad.created = "2025-03-04 11:00:00";
  e.rad.updated = "2025-03-04 11:05:00";
  e.rad.id = "SR-7";
  e.rad.type = "RX torace";
  e.rad.radiologist = "Dr. Ștefan Țuțuianu";
  e.rad.justification = "tuse, febră";
  e.rad.model = "gemma-3";
  e.rad.positive = 0;
  e.rad.severity = -1;
  e.rad.latency = 45;
  return e;
}

patient_record full_patient(std::string cnp) {
  return {std::move(cnp), "P-17", "ȘTEFĂNESCU^IOANA-ȚUCĂ",
          "1980-01-01",   "F",    40};
}

// -- codec --------------------------------------------------------------------

TEST(Codec, ExamRoundTripKeepsEveryField) {
  const auto e = full_exam("1.2.3.4");
  auto back = decode_exam(encode(e));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(tie_exam(*back), tie_exam(e));
}

TEST(Codec, FormatOneLayoutIsPinned) {
  // Stored bytes outlive the program: header 3, 26 strings x 4, 8 ints x 4,
  // status 1 for an exam; 5 strings and 1 int for a patient.
  const auto exam = encode(exam_record{});
  EXPECT_EQ(exam.size(), 140U);
  EXPECT_EQ(exam.substr(0, 3), std::string("\x01\x23\x00", 3));
  EXPECT_EQ(exam.substr(exam.size() - 4), "\xff\xff\xff\xff"); // -1 LE
  const auto patient = encode(patient_record{});
  EXPECT_EQ(patient.size(), 27U);
  EXPECT_EQ(patient.substr(0, 3), std::string("\x01\x06\x00", 3));
}

TEST(Codec, EmptyStringsAndUnknownScoresRoundTrip) {
  exam_record e;
  e.attempts = -1;
  auto back = decode_exam(encode(e));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(tie_exam(*back), tie_exam(e));
  EXPECT_EQ(back->ai.severity, -1);
  EXPECT_EQ(back->rad.positive, -1);
}

TEST(Codec, PatientRoundTripKeepsEveryField) {
  for (const auto& p : {full_patient("2991231123456"), patient_record{}}) {
    auto back = decode_patient(encode(p));
    ASSERT_TRUE(back) << back.error().detail;
    EXPECT_EQ(tie_patient(*back), tie_patient(p));
  }
}

TEST(Codec, OlderExamWithFewerFieldsKeepsTrailingDefaults) {
  const auto e = full_exam("1.2.3.4");
  // An older program that knew the fields up to `attempts` (13): the AI and
  // radiologist reports come back as defaults.
  auto expected = e;
  expected.ai = {};
  expected.rad = {};
  auto back = decode_exam(encode(e, 13));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(tie_exam(*back), tie_exam(expected));
  // One that knew only the identifiers (9).
  expected.status = exam_status::none;
  expected.received.clear();
  expected.attempts = 0;
  back = decode_exam(encode(e, 9));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(tie_exam(*back), tie_exam(expected));
}

TEST(Codec, OlderPatientWithoutCountyDecodesUnknownCounty) {
  auto back = decode_patient(encode(full_patient("2991231123456"), 5));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(back->sex, "F");
  EXPECT_EQ(back->county, -1);
}

TEST(Codec, EveryTruncationIsRejected) {
  const auto bytes = encode(full_exam("1.2.3.4"));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode_exam(std::string_view{bytes}.substr(0, n));
    ASSERT_FALSE(r) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(r.error().code, errc::storage_failure);
  }
  const auto patient = encode(full_patient("2991231123456"));
  for (std::size_t n = 0; n < patient.size(); ++n)
    EXPECT_FALSE(decode_patient(std::string_view{patient}.substr(0, n)));
}

TEST(Codec, CorruptBuffersAreRejected) {
  const auto e = full_exam("1.2.3.4");
  const auto good = encode(e);

  auto version = good;
  version[0] = 2;
  EXPECT_EQ(decode_exam(version).error().detail,
            "codec: exam record has unknown format 2");

  auto status = good;
  status[encode(e, 9).size()] = 99; // the status byte follows field 9
  EXPECT_EQ(decode_exam(status).error().detail,
            "codec: exam record has an unknown status at field 10");

  auto length = good;
  length[3] = length[4] = length[5] = length[6] = '\xff'; // uid length
  EXPECT_EQ(decode_exam(length).error().detail,
            "codec: exam record is truncated at field 1");

  EXPECT_EQ(decode_exam(good + "x").error().detail,
            "codec: exam record has trailing bytes");
}

TEST(Codec, FieldsOfANewerWriterAreIgnored) {
  const auto e = full_exam("1.2.3.4");
  auto newer = encode(e);
  newer[1] = static_cast<char>(xrv::storage::exam_field_count + 1);
  newer += std::string{"\x02\x00\x00\x00ok", 6};
  auto back = decode_exam(newer);
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(tie_exam(*back), tie_exam(e));
}

// -- repository ---------------------------------------------------------------

class ExamRepository : public ::testing::Test {
protected:
  void SetUp() override {
    auto pattern = (fs::temp_directory_path() / "xrv-storage-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }

  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  exam_repository open(const fs::path& dir, std::size_t map_size = 1U << 30U) {
    auto repo = exam_repository::open(dir, map_size);
    EXPECT_TRUE(repo) << repo.error().detail;
    return std::move(repo).value(); // throws, failing the test, on error
  }

  std::vector<std::string> exam_uids(const exam_repository& repo) {
    std::vector<std::string> uids;
    auto r = repo.for_each_exam([&](exam_record&& e) {
      uids.push_back(e.uid);
    });
    EXPECT_TRUE(r) << r.error().detail;
    return uids;
  }

  static void expect_stored(const exam_repository& repo, const exam_record& e) {
    auto got = repo.get_exam(e.uid);
    ASSERT_TRUE(got && *got) << e.uid;
    EXPECT_EQ(tie_exam(**got), tie_exam(e));
  }

  static void expect_stored(const exam_repository& repo,
                            const patient_record& p) {
    auto got = repo.get_patient(p.cnp);
    ASSERT_TRUE(got && *got);
    EXPECT_EQ(tie_patient(**got), tie_patient(p));
  }

  fs::path dir_;
};

TEST_F(ExamRepository, PutThenGetReturnsTheSameRecordsAndMissesAreEmpty) {
  auto repo = open(dir_ / "db");
  const auto e = full_exam("1.2.3.4");
  const auto p = full_patient(e.cnp);
  ASSERT_TRUE(repo.put_exam(e));
  ASSERT_TRUE(repo.put_patient(p));
  expect_stored(repo, e);
  expect_stored(repo, p);
  // A miss is an empty optional, not an error; so is a key LMDB cannot hold.
  EXPECT_EQ(repo.get_exam("9.9.9").value(), std::nullopt);
  EXPECT_EQ(repo.get_patient("").value(), std::nullopt);
}

TEST_F(ExamRepository, RecordsSurviveARestart) {
  const auto e = full_exam("1.2.3.4");
  {
    auto repo = open(dir_);
    ASSERT_TRUE(repo.put_exam_and_patient(e, full_patient(e.cnp)));
  }
  auto repo = open(dir_);
  expect_stored(repo, e);
  expect_stored(repo, full_patient(e.cnp));
  EXPECT_EQ(repo.exam_count().value(), 1U);
}

TEST_F(ExamRepository, EraseRemovesOnlyThatExam) {
  auto repo = open(dir_);
  ASSERT_TRUE(repo.put_exam(full_exam("1.1")));
  ASSERT_TRUE(repo.put_exam(full_exam("1.2")));
  EXPECT_EQ(repo.erase_exam("1.1").value(), true);
  EXPECT_EQ(repo.erase_exam("1.1").value(), false);
  EXPECT_FALSE(repo.get_exam("1.1").value());
  EXPECT_EQ(exam_uids(repo), std::vector<std::string>{"1.2"});
}

TEST_F(ExamRepository, ForEachVisitsEveryRecordInKeyOrder) {
  auto repo = open(dir_);
  for (const auto* uid : {"1.3", "1.1", "1.2"})
    ASSERT_TRUE(repo.put_exam(full_exam(uid)));
  for (const auto* cnp : {"2", "1"})
    ASSERT_TRUE(repo.put_patient(full_patient(cnp)));
  EXPECT_EQ(exam_uids(repo), (std::vector<std::string>{"1.1", "1.2", "1.3"}));
  std::vector<std::string> cnps;
  ASSERT_TRUE(repo.for_each_patient([&](patient_record&& p) {
    cnps.push_back(std::move(p.cnp));
  }));
  EXPECT_EQ(cnps, (std::vector<std::string>{"1", "2"}));
}

TEST_F(ExamRepository, EmptyKeysAreRejectedBeforeAnyWrite) {
  auto repo = open(dir_);
  EXPECT_EQ(repo.put_exam(exam_record{}).error().code, errc::invalid_input);
  EXPECT_EQ(repo.put_patient(patient_record{}).error().code,
            errc::invalid_input);
  std::vector<exam_record> batch{full_exam("1.1"), exam_record{}};
  auto r = repo.write_batch(batch, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "exam uid is empty (batch exam 1)");
  EXPECT_EQ(repo.exam_count().value(), 0U);
}

TEST_F(ExamRepository, ExamAndPatientAreWrittenAtomically) {
  // 64 KiB map: a 1 MiB exam does not fit even after the one doubling, so
  // the transaction fails after its patient put and must leave nothing.
  auto repo = open(dir_, 64U << 10U);
  auto big = full_exam("1.1");
  big.ai.text.assign(1U << 20U, 'x');
  auto r = repo.put_exam_and_patient(big, full_patient("1800101400123"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::storage_failure);
  EXPECT_NE(r.error().detail.find("MDB_MAP_FULL"), std::string::npos);
  EXPECT_EQ(repo.map_size(), 128U << 10U);
  EXPECT_FALSE(repo.get_patient("1800101400123").value());
  EXPECT_FALSE(repo.get_exam("1.1").value());

  ASSERT_TRUE(repo.put_exam_and_patient(full_exam("1.2"), full_patient("5")));
  EXPECT_TRUE(repo.get_exam("1.2").value());
  EXPECT_TRUE(repo.get_patient("5").value());
}

TEST_F(ExamRepository, FullMapGrowsAndTheWriteSucceeds) {
  {
    auto repo = open(dir_, 64U << 10U);
    const auto start = repo.map_size();
    for (int i = 0; i < 300; ++i) {
      auto e = full_exam("1.2." + std::to_string(i));
      e.rad.text.assign(2000, 'r');
      ASSERT_TRUE(repo.put_exam(e)) << "exam " << i;
    }
    EXPECT_GT(repo.map_size(), start);
    EXPECT_GT(repo.map_used_bytes(), 600U << 10U);
    EXPECT_EQ(repo.exam_count().value(), 300U);
  } // closed first: LMDB forbids opening one environment twice in a process
  auto repo = open(dir_, 64U << 10U); // LMDB raises the map to the file size
  EXPECT_EQ(repo.exam_count().value(), 300U);
  EXPECT_EQ(repo.get_exam("1.2.299").value()->rad.text.size(), 2000U);
}

TEST_F(ExamRepository, WriteBatchOfTenThousandThenCount) {
  std::vector<exam_record> exams;
  std::vector<patient_record> patients;
  for (int i = 0; i < 10'000; ++i) {
    exams.push_back(full_exam("1.2.840.10008." + std::to_string(i)));
    if (i % 10 == 0)
      patients.push_back(full_patient(std::to_string(1'800'101'400'000 + i)));
  }
  using clock = std::chrono::steady_clock;
  const auto ms = [](clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  {
    auto repo = open(dir_);
    const auto t0 = clock::now();
    ASSERT_TRUE(repo.write_batch(exams, patients));
    RecordProperty("write_batch_ms", std::to_string(ms(clock::now() - t0)));
    EXPECT_EQ(repo.exam_count().value(), 10'000U);
  }
  const auto t0 = clock::now();
  auto repo = open(dir_);
  std::size_t seen = 0;
  ASSERT_TRUE(repo.for_each_exam([&](exam_record&& e) {
    seen += e.ai.confidence == 87 ? 1 : 0;
  }));
  RecordProperty("reopen_for_each_ms", std::to_string(ms(clock::now() - t0)));
  EXPECT_EQ(seen, 10'000U);
  std::size_t people = 0;
  ASSERT_TRUE(repo.for_each_patient([&](patient_record&&) {
    ++people;
  }));
  EXPECT_EQ(people, 1'000U);
}

TEST_F(ExamRepository, NewerSchemaVersionIsRefused) {
  { auto repo = open(dir_); }
  {
    auto env = lmdb::env::open(dir_, 1U << 20U);
    ASSERT_TRUE(env);
    auto t = lmdb::txn::begin_write(*env);
    ASSERT_TRUE(t);
    auto meta = t->open_dbi("meta");
    ASSERT_TRUE(meta);
    EXPECT_EQ(t->get(*meta, "schema_version").value(), "1");
    ASSERT_TRUE(t->put(*meta, "schema_version", "2"));
    ASSERT_TRUE(t->commit());
  }
  auto repo = exam_repository::open(dir_, 1U << 20U);
  ASSERT_FALSE(repo);
  EXPECT_EQ(repo.error().code, errc::storage_failure);
  EXPECT_EQ(repo.error().detail,
            "database schema version 2 is newer than this program (1)");
}

TEST_F(ExamRepository, BackupRestoresAsAnEnvironmentWithTheSameRecords) {
  auto repo = open(dir_ / "live");
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(repo.put_exam(full_exam("1.5." + std::to_string(i))));
  ASSERT_TRUE(repo.put_patient(full_patient("1800101400123")));
  ASSERT_TRUE(repo.erase_exam("1.5.7").value());
  const auto file = dir_ / "backups" / "daily" / "xrv.mdb";
  auto r = repo.backup_to(file);
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_TRUE(fs::is_regular_file(file));
  EXPECT_FALSE(fs::exists(fs::path{file} += ".partial"));

  fs::create_directories(dir_ / "restored");
  fs::copy_file(file, dir_ / "restored" / "data.mdb");
  auto restored = open(dir_ / "restored");
  EXPECT_EQ(restored.exam_count().value(), 49U);
  EXPECT_EQ(exam_uids(restored), exam_uids(repo));
  expect_stored(restored, full_exam("1.5.3"));
  expect_stored(restored, full_patient("1800101400123"));
}

// -- lmdb layer ---------------------------------------------------------------

class LmdbLayer : public ExamRepository {};

TEST_F(LmdbLayer, TxnAbortsUnlessCommittedAndCursorSeeks) {
  auto env = lmdb::env::open(dir_, 1U << 20U);
  ASSERT_TRUE(env);
  lmdb::dbi db;
  {
    auto t = lmdb::txn::begin_write(*env);
    ASSERT_TRUE(t);
    db = t->open_dbi("t").value();
    ASSERT_TRUE(t->put(db, "b", "2") && t->put(db, "d", "4"));
    ASSERT_TRUE(t->commit());
  }
  {
    auto t = lmdb::txn::begin_write(*env);
    ASSERT_TRUE(t && t->put(db, "c", "3"));
  } // destroyed without commit: aborted
  auto t = lmdb::txn::begin_read(*env);
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->get(db, "c").value());
  auto c = lmdb::cursor::open(*t, db);
  ASSERT_TRUE(c);
  auto at = c->set_range("c");
  ASSERT_TRUE(at && *at);
  EXPECT_EQ((*at)->first, "d");
  EXPECT_FALSE(c->next().value());
  EXPECT_EQ(c->first().value()->second, "2");
  EXPECT_EQ(lmdb::make_error(MDB_NOTFOUND, "mdb_get").detail,
            "lmdb: MDB_NOTFOUND: No matching key/data pair found in mdb_get");
}

} // namespace
