#include "actors/dicom/tag_mapping.hpp"

#include "actors/store/definitions.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>

namespace {

using xrv::errc;
using xrv::dicom::dicom_date;
using xrv::dicom::dicom_tags;
using xrv::dicom::dicom_time;
using xrv::dicom::map_exam;
using xrv::dicom::mapped_exam;
using xrv::dicom::region_rules;
using xrv::store::exam_status;

const region_rules rules{
  {"chest", {"torace", "pulmon", "thorax", "chest"}},
  {"skull", {"cap", "craniu", "occiput", "skull"}},
  {"spine", {"col.", "spine", "dens", "sacrat"}},
  {"hand", {"pumn", "mana", "deget", "hand", "finger", "wrist"}},
  {"elbow", {"cot", "elbow"}},
  {"knee", {"genunchi", "patella", "knee"}},
  {"foot", {"picior", "calcai", "calcaneu", "leg", "foot"}},
};

constexpr std::string_view receipt = "2024-05-02 09:15:00";

// A complete, well-formed instance of a chest X-ray.
dicom_tags chest() {
  dicom_tags t;
  t.sop_instance_uid = "1.2.840.113619.2.55.3.1234";
  t.sop_class_uid = "1.2.840.10008.5.1.4.1.1.1";
  t.study_uid = "1.2.3.4";
  t.series_uid = "1.2.3.4.5";
  t.accession = "A123";
  t.modality = "CR";
  t.patient_id = "1900101400004";
  t.patient_name = "POPESCU^ION";
  t.patient_birth_date = "19900101";
  t.patient_sex = "M";
  t.series_date = "20240501";
  t.series_time = "101530";
  t.acquisition_date = "20240501";
  t.acquisition_time = "101500";
  t.content_date = "20240501";
  t.content_time = "101600";
  t.study_date = "20240501";
  t.study_time = "100000";
  t.protocol_name = "TORACE PA";
  t.series_description = "Torace";
  t.study_description = "Radiografie";
  t.body_part = "CHEST";
  return t;
}

mapped_exam map(const dicom_tags& t) {
  auto r = map_exam(t, rules, receipt);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().detail);
  return r ? *r : mapped_exam{};
}

// -- dicom_date / dicom_time --------------------------------------------------

TEST(DicomDate, ConvertsRealDates) {
  EXPECT_EQ(dicom_date("20240501"), "2024-05-01");
  EXPECT_EQ(dicom_date("20240229"), "2024-02-29");
  EXPECT_EQ(dicom_date("2024.05.01"), "2024-05-01");
}

TEST(DicomDate, RejectsMalformedOrImpossibleDates) {
  EXPECT_FALSE(dicom_date(""));
  EXPECT_FALSE(dicom_date("2024051"));
  EXPECT_FALSE(dicom_date("202405011"));
  EXPECT_FALSE(dicom_date("2024-05-01"));
  EXPECT_FALSE(dicom_date("2024O501"));
  EXPECT_FALSE(dicom_date("20230229"));
  EXPECT_FALSE(dicom_date("20241301"));
  EXPECT_FALSE(dicom_date("00000000"));
}

TEST(DicomTime, NormalisesEveryTmForm) {
  EXPECT_EQ(dicom_time("101530"), "10:15:30");
  EXPECT_EQ(dicom_time("101530.123456"), "10:15:30");
  EXPECT_EQ(dicom_time("101530.1"), "10:15:30");
  EXPECT_EQ(dicom_time("1015"), "10:15:00");
  EXPECT_EQ(dicom_time("10"), "10:00:00");
  EXPECT_EQ(dicom_time("10:15:30"), "10:15:30");
  EXPECT_EQ(dicom_time("10:15"), "10:15:00");
  EXPECT_EQ(dicom_time("235960"), "23:59:59");
}

TEST(DicomTime, RejectsMalformedOrOutOfRangeTimes) {
  EXPECT_FALSE(dicom_time(""));
  EXPECT_FALSE(dicom_time("1"));
  EXPECT_FALSE(dicom_time("10153"));
  EXPECT_FALSE(dicom_time("240000"));
  EXPECT_FALSE(dicom_time("106000"));
  EXPECT_FALSE(dicom_time("101561"));
  EXPECT_FALSE(dicom_time("1015.5"));
  EXPECT_FALSE(dicom_time("101530."));
  EXPECT_FALSE(dicom_time("101530.1234567"));
  EXPECT_FALSE(dicom_time("10a530"));
  EXPECT_FALSE(dicom_time("-10000"));
}

// -- map_exam: identity -------------------------------------------------------

TEST(MapExam, CopiesIdentifiersAndLeavesStatusToTheStore) {
  const auto [exam, patient] = map(chest());
  EXPECT_EQ(exam.uid, "1.2.840.113619.2.55.3.1234");
  EXPECT_EQ(exam.study, "1.2.3.4");
  EXPECT_EQ(exam.series, "1.2.3.4.5");
  EXPECT_EQ(exam.id, "A123");
  EXPECT_EQ(exam.type, "CR");
  EXPECT_EQ(exam.cnp, "1900101400004");
  EXPECT_EQ(exam.received, receipt);
  EXPECT_EQ(exam.status, exam_status::none);
  EXPECT_EQ(exam.attempts, 0);
  EXPECT_EQ(patient.cnp, "1900101400004");
  EXPECT_EQ(patient.name, "POPESCU^ION");
  EXPECT_TRUE(patient.id.empty());
}

TEST(MapExam, MissingSopInstanceUidIsInvalidInput) {
  auto t = chest();
  t.sop_instance_uid.clear();
  const auto r = map_exam(t, rules, receipt);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::invalid_input);
  EXPECT_NE(r.error().detail.find("(0008,0018)"), std::string::npos);
}

TEST(MapExam, MalformedSopInstanceUidIsInvalidInput) {
  const std::array<std::string, 6> uids{
    "../../etc/passwd",         "1.2.abc", "1..2", ".1.2", "1.2.",
    "1." + std::string(64, '2')};
  for (const auto& uid : uids) {
    auto t = chest();
    t.sop_instance_uid = uid;
    const auto r = map_exam(t, rules, receipt);
    ASSERT_FALSE(r.has_value()) << uid;
    EXPECT_EQ(r.error().code, errc::invalid_input) << uid;
  }
}

TEST(MapExam, UidPaddingIsTrimmed) {
  auto t = chest();
  t.sop_instance_uid = std::string{"1.2.3"} + '\0';
  EXPECT_EQ(map(t).first.uid, "1.2.3");
}

TEST(MapExam, EverythingButTheUidMayBeMissing) {
  dicom_tags t;
  t.sop_instance_uid = "1.2.3";
  const auto [exam, patient] = map(t);
  EXPECT_EQ(exam.uid, "1.2.3");
  EXPECT_EQ(exam.created, receipt);
  EXPECT_EQ(exam.protocol, "");
  EXPECT_EQ(exam.region, "unknown");
  EXPECT_EQ(exam.type, "CR");
  EXPECT_EQ(exam.study, "");
  EXPECT_EQ(exam.series, "");
  EXPECT_EQ(exam.id, "");
  // The store needs a patient key: this instance's own (no study either).
  EXPECT_EQ(patient.cnp, "unknown-1.2.3");
  EXPECT_EQ(patient.name, "");
  EXPECT_EQ(patient.sex, "");
  EXPECT_EQ(patient.birthdate, "");
  EXPECT_EQ(patient.county, -1);
}

TEST(MapExam, ModalityIsTheExamType) {
  auto t = chest();
  t.modality = "DX";
  EXPECT_EQ(map(t).first.type, "DX");
}

// -- map_exam: created --------------------------------------------------------

TEST(MapExam, CreatedFromSeriesDateAndTime) {
  EXPECT_EQ(map(chest()).first.created, "2024-05-01 10:15:30");
}

TEST(MapExam, CreatedFallsBackToAcquisition) {
  auto t = chest();
  t.series_date.clear();
  t.series_time.clear();
  EXPECT_EQ(map(t).first.created, "2024-05-01 10:15:00");
}

TEST(MapExam, CreatedFallsBackToContent) {
  auto t = chest();
  t.series_time.clear();
  t.acquisition_date.clear();
  EXPECT_EQ(map(t).first.created, "2024-05-01 10:16:00");
}

TEST(MapExam, CreatedFallsBackToStudy) {
  auto t = chest();
  t.series_date.clear();
  t.acquisition_time.clear();
  t.content_date = "2024";
  EXPECT_EQ(map(t).first.created, "2024-05-01 10:00:00");
}

TEST(MapExam, CreatedFallsBackToReceiptTime) {
  auto t = chest();
  for (auto* s :
       {&t.series_date, &t.acquisition_date, &t.content_date, &t.study_date})
    s->clear();
  EXPECT_EQ(map(t).first.created, receipt);
}

TEST(MapExam, MalformedDatesAndTimesSkipToTheNextSource) {
  auto t = chest();
  t.series_date = "20240231";
  t.acquisition_time = "25";
  t.content_date = "2024-05-01";
  t.study_date = "20240430";
  t.study_time = "2359";
  EXPECT_EQ(map(t).first.created, "2024-04-30 23:59:00");
}

TEST(MapExam, ShortAndFractionalTimesAreNormalised) {
  auto t = chest();
  t.series_time = "0815";
  EXPECT_EQ(map(t).first.created, "2024-05-01 08:15:00");
  t.series_time = "08";
  EXPECT_EQ(map(t).first.created, "2024-05-01 08:00:00");
  t.series_time = "081502.500000";
  EXPECT_EQ(map(t).first.created, "2024-05-01 08:15:02");
}

TEST(MapExam, DateWithoutAnyTimeIsMidnight) {
  auto t = chest();
  for (auto* s :
       {&t.series_time, &t.acquisition_time, &t.content_time, &t.study_time})
    s->clear();
  EXPECT_EQ(map(t).first.created, "2024-05-01 00:00:00");
}

TEST(MapExam, DateWithoutAnyTimeOnTheReceiptDayIsTheReceiptTime) {
  auto t = chest();
  for (auto* s :
       {&t.series_date, &t.acquisition_date, &t.content_date, &t.study_date})
    *s = "20240502";
  for (auto* s :
       {&t.series_time, &t.acquisition_time, &t.content_time, &t.study_time})
    s->clear();
  EXPECT_EQ(map(t).first.created, receipt);
}

TEST(MapExam, CompletePairBeatsAnEarlierDateWithoutTime) {
  auto t = chest();
  t.series_time = "bad";
  EXPECT_EQ(map(t).first.created, "2024-05-01 10:15:00");
}

// -- map_exam: protocol and region --------------------------------------------

TEST(MapExam, ProtocolFromProtocolName) {
  const auto exam = map(chest()).first;
  EXPECT_EQ(exam.protocol, "TORACE PA");
  EXPECT_EQ(exam.region, "chest");
}

TEST(MapExam, ProtocolFallsBackToSeriesDescription) {
  auto t = chest();
  t.protocol_name.clear();
  t.series_description = "Cotul stang";
  const auto exam = map(t).first;
  EXPECT_EQ(exam.protocol, "Cotul stang");
  EXPECT_EQ(exam.region, "elbow");
}

TEST(MapExam, ProtocolFallsBackToStudyDescription) {
  auto t = chest();
  t.protocol_name.clear();
  t.series_description = "  ";
  t.study_description = "Genunchi";
  const auto exam = map(t).first;
  EXPECT_EQ(exam.protocol, "Genunchi");
  EXPECT_EQ(exam.region, "knee");
}

TEST(MapExam, ProtocolFallsBackToBodyPartExamined) {
  auto t = chest();
  t.protocol_name.clear();
  t.series_description.clear();
  t.study_description.clear();
  t.body_part = "HAND";
  const auto exam = map(t).first;
  EXPECT_EQ(exam.protocol, "HAND");
  EXPECT_EQ(exam.region, "hand");
}

TEST(MapExam, UnmatchedProtocolIsKeptWithRegionUnknown) {
  auto t = chest();
  t.protocol_name = "scapula dreapta";
  const auto exam = map(t).first;
  EXPECT_EQ(exam.protocol, "scapula dreapta");
  EXPECT_EQ(exam.region, "unknown");
}

TEST(MapExam, ProtocolIsDecodedBeforeMatching) {
  auto t = chest();
  t.specific_character_set = "ISO_IR 101";
  t.protocol_name = "M\xC2N\xC3 DREAPT\xC3";
  const auto exam = map(t).first;
  EXPECT_EQ(exam.protocol, "MÂNĂ DREAPTĂ");
  EXPECT_EQ(exam.region, "hand");
}

// -- map_exam: patient --------------------------------------------------------

TEST(MapExam, NameIsDecodedFromLatin2) {
  auto t = chest();
  t.specific_character_set = "ISO_IR 101";
  t.patient_name = "\xAATEF\xC3NESCU^ION";
  EXPECT_EQ(map(t).second.name, "ŞTEFĂNESCU^ION");
}

TEST(MapExam, NameIsValidatedUtf8) {
  auto t = chest();
  t.specific_character_set = "ISO_IR 192";
  t.patient_name = "ȚUȚUIANU^MARIA";
  EXPECT_EQ(map(t).second.name, "ȚUȚUIANU^MARIA");
  t.patient_name = "POPESCU^ION\xFF";
  EXPECT_EQ(map(t).second.name, "POPESCU^ION\xEF\xBF\xBD");
}

TEST(MapExam, NameWithoutCharsetIsAscii) {
  auto t = chest();
  t.patient_name = "M\xDCLLER^HANS";
  EXPECT_EQ(map(t).second.name, "M\xEF\xBF\xBDLLER^HANS");
  t.specific_character_set = "ISO_IR 100";
  EXPECT_EQ(map(t).second.name, "MÜLLER^HANS");
}

TEST(MapExam, NameKeepsAlphabeticGroupWithoutEmptyComponents) {
  auto t = chest();
  t.patient_name = "POPESCU^ION^^^";
  EXPECT_EQ(map(t).second.name, "POPESCU^ION");
  t.patient_name = "YAMADA^TARO=\x1B$B;3ED\x1B(B^\x1B$BB@O:\x1B(B";
  t.specific_character_set = "\\ISO 2022 IR 87";
  EXPECT_EQ(map(t).second.name, "YAMADA^TARO");
}

TEST(MapExam, PatientIdIsTrimmed) {
  auto t = chest();
  t.patient_id = " 1900101400004 ";
  const auto [exam, patient] = map(t);
  EXPECT_EQ(patient.cnp, "1900101400004");
  EXPECT_EQ(exam.cnp, "1900101400004");
}

TEST(MapExam, MissingPatientIdIsAPatientOfThatStudyAlone) {
  auto t = chest();
  t.patient_id = "  ";
  t.study_uid = "1.2.3.4";
  auto [exam, patient] = map(t);
  EXPECT_EQ(patient.cnp, "unknown-1.2.3.4");
  EXPECT_EQ(exam.cnp, "unknown-1.2.3.4");
  EXPECT_EQ(patient.county, -1);
  t.study_uid.clear();
  t.sop_instance_uid = "1.2.3.5";
  EXPECT_EQ(map(t).first.cnp, "unknown-1.2.3.5");
}

TEST(MapExam, DicomSexAndBirthDateWinOverTheCnp) {
  auto t = chest();
  t.patient_sex = "F";
  t.patient_birth_date = "19900102";
  const auto patient = map(t).second;
  EXPECT_EQ(patient.sex, "F");
  EXPECT_EQ(patient.birthdate, "1990-01-02");
  EXPECT_EQ(patient.county, 40);
}

TEST(MapExam, SexAcceptsLowerCaseAndOther) {
  auto t = chest();
  t.patient_sex = "f";
  EXPECT_EQ(map(t).second.sex, "F");
  t.patient_sex = "O";
  EXPECT_EQ(map(t).second.sex, "O");
}

TEST(MapExam, SexAndBirthDateComeFromAValidCnp) {
  auto t = chest();
  t.patient_id = "6150612400001"; // F, 2015-06-12, county 40
  t.patient_sex.clear();
  t.patient_birth_date.clear();
  const auto patient = map(t).second;
  EXPECT_EQ(patient.sex, "F");
  EXPECT_EQ(patient.birthdate, "2015-06-12");
  EXPECT_EQ(patient.county, 40);
}

TEST(MapExam, MalformedSexAndBirthDateFallBackToTheCnp) {
  auto t = chest();
  t.patient_sex = "MALE";
  t.patient_birth_date = "1990";
  const auto patient = map(t).second;
  EXPECT_EQ(patient.sex, "M");
  EXPECT_EQ(patient.birthdate, "1990-01-01");
}

TEST(MapExam, InvalidCnpGivesNothing) {
  auto t = chest();
  t.patient_id = "1900101400008";
  t.patient_sex = "X";
  t.patient_birth_date = "19901301";
  const auto patient = map(t).second;
  EXPECT_EQ(patient.cnp, "1900101400008");
  EXPECT_EQ(patient.sex, "");
  EXPECT_EQ(patient.birthdate, "");
  EXPECT_EQ(patient.county, -1);
}

TEST(MapExam, AgeAtTheExamComesFromBirthdateAndCreated) {
  auto t = chest();
  t.patient_id = "5150502400009"; // M, 2015-05-02
  t.patient_birth_date.clear();
  const auto [exam, patient] = map(t);
  ASSERT_EQ(patient.birthdate, "2015-05-02");
  // The exam (2024-05-01) is the day before the ninth birthday.
  EXPECT_EQ(xrv::store::age_at(patient.birthdate, exam.created), 8);
}

TEST(MapExam, AccessionIsDecoded) {
  auto t = chest();
  t.specific_character_set = "ISO_IR 100";
  t.accession = "R\xC9"
                "F1";
  EXPECT_EQ(map(t).first.id, "RÉF1");
}

} // namespace
