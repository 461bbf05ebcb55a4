#include "actors/system/phi.hpp"

#include <gtest/gtest.h>

namespace {

using xrv::mask_cnp;
using xrv::mask_name;
using xrv::patient_initials;
using xrv::radiologist_initials;
using xrv::scrub_cnps;
using xrv::truncate_cnp;

TEST(PatientInitials, DicomNameWithCaretAndHyphen) {
  EXPECT_EQ(patient_initials("POPESCU^ION-MIHAI"), "P.I.M.");
}

TEST(PatientInitials, SplitsOnSpaces) {
  EXPECT_EQ(patient_initials("Popescu Ion Mihai"), "P.I.M.");
}

TEST(PatientInitials, UpperCasesAscii) {
  EXPECT_EQ(patient_initials("popescu^ion"), "P.I.");
}

TEST(PatientInitials, SkipsEmptyParts) {
  EXPECT_EQ(patient_initials("^POPESCU^^ION  MIHAI-"), "P.I.M.");
  EXPECT_EQ(patient_initials("POPESCU^ION^^^"), "P.I.");
}

TEST(PatientInitials, EmptyIsNoName) {
  EXPECT_EQ(patient_initials(""), "NoName");
  EXPECT_EQ(patient_initials("^^ -"), "NoName");
}

TEST(PatientInitials, RomanianCommaBelowLetters) {
  EXPECT_EQ(patient_initials("ȘTEFAN^ȚUCĂ"), "Ș.Ț.");
  EXPECT_EQ(patient_initials("ștefan"), "Ș.");
  EXPECT_EQ(patient_initials("țuca^ștefan"), "Ț.Ș.");
}

TEST(PatientInitials, RomanianCedillaLetters) {
  EXPECT_EQ(patient_initials("ŞTEFAN^ŢUCĂ"), "Ş.Ţ.");
  EXPECT_EQ(patient_initials("ştefan^ţuca"), "Ş.Ţ.");
}

TEST(PatientInitials, RomanianVowelsWithDiacritics) {
  EXPECT_EQ(patient_initials("ăla^âna^înger"), "Ă.Â.Î.");
  EXPECT_EQ(patient_initials("ĂLA^ÂNA^ÎNGER"), "Ă.Â.Î.");
}

TEST(PatientInitials, OtherLatinGreekAndCyrillic) {
  EXPECT_EQ(patient_initials("éva^łukasz^ödön"), "É.Ł.Ö.");
  EXPECT_EQ(patient_initials("ωμέγα"), "Ω.");
  EXPECT_EQ(patient_initials("иван^ёлкин"), "И.Ё.");
}

TEST(PatientInitials, KeepsWholeMultiByteCharacter) {
  const auto initials = patient_initials("𝒜lpha");
  EXPECT_EQ(initials, "𝒜.");
}

TEST(PatientInitials, MalformedUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(patient_initials("\xff\xfe^ION"), "\uFFFD.I.");
}

TEST(RadiologistInitials, DropsDoctorPrefix) {
  EXPECT_EQ(radiologist_initials("Dr. Ion Popescu"), "Dr. I.P.");
}

TEST(RadiologistInitials, AddsDoctorPrefix) {
  EXPECT_EQ(radiologist_initials("Ion Popescu"), "Dr. I.P.");
}

TEST(RadiologistInitials, PrefixWithoutSpace) {
  EXPECT_EQ(radiologist_initials("Dr.Ion"), "Dr. I.");
}

TEST(RadiologistInitials, PrefixIsCaseInsensitive) {
  EXPECT_EQ(radiologist_initials("dr. ion popescu"), "Dr. I.P.");
  EXPECT_EQ(radiologist_initials("DR. Ștefan Țuca"), "Dr. Ș.Ț.");
}

TEST(RadiologistInitials, HyphenatedNames) {
  EXPECT_EQ(radiologist_initials("Dr. Ana-Maria Ionescu"), "Dr. A.M.I.");
}

TEST(RadiologistInitials, EmptyIsNoName) {
  EXPECT_EQ(radiologist_initials(""), "Dr. NoName");
  EXPECT_EQ(radiologist_initials("Dr."), "Dr. NoName");
  EXPECT_EQ(radiologist_initials("  Dr.   "), "Dr. NoName");
}

TEST(TruncateCnp, LongCnpKeepsSevenCharacters) {
  EXPECT_EQ(truncate_cnp("1850101123456"), "1850101...");
  EXPECT_EQ(truncate_cnp("12345678"), "1234567...");
}

TEST(TruncateCnp, ShortCnpUnchanged) {
  EXPECT_EQ(truncate_cnp("1234567"), "1234567");
  EXPECT_EQ(truncate_cnp("1"), "1");
}

TEST(TruncateCnp, EmptyIsUnknown) {
  EXPECT_EQ(truncate_cnp(""), "Unknown");
}

TEST(TruncateCnp, CountsCharactersNotBytes) {
  EXPECT_EQ(truncate_cnp("ĂĂĂĂĂĂĂ"), "ĂĂĂĂĂĂĂ");
  EXPECT_EQ(truncate_cnp("ĂĂĂĂĂĂĂĂ"), "ĂĂĂĂĂĂĂ...");
}

TEST(MaskName, IsPatientInitials) {
  EXPECT_EQ(mask_name("POPESCU^ION-MIHAI"), "P.I.M.");
  EXPECT_EQ(mask_name(""), "NoName");
}

TEST(MaskCnp, KeepsOnlyFirstDigit) {
  EXPECT_EQ(mask_cnp("1850101123456"), "1************");
  EXPECT_EQ(mask_cnp("5"), "5");
  EXPECT_EQ(mask_cnp("AB12"), "A***");
}

TEST(MaskCnp, EmptyIsDash) {
  EXPECT_EQ(mask_cnp(""), "-");
}

TEST(ScrubCnps, MasksThirteenDigitRuns) {
  EXPECT_EQ(scrub_cnps("Stored exam for 1850101123456 (chest)"),
            "Stored exam for 1************ (chest)");
}

TEST(ScrubCnps, MasksAtEdgesAndNextToLetters) {
  EXPECT_EQ(scrub_cnps("1850101123456"), "1************");
  EXPECT_EQ(scrub_cnps("CNP:2850101123456."), "CNP:2************.");
  EXPECT_EQ(scrub_cnps("1850101123456,6050101123456"),
            "1************,6************");
}

TEST(ScrubCnps, LeavesOtherDigitRunsAlone) {
  EXPECT_EQ(scrub_cnps("uid 1.2.840.10008 at 20250101 123456"),
            "uid 1.2.840.10008 at 20250101 123456");
  EXPECT_EQ(scrub_cnps("185010112345"), "185010112345");
  EXPECT_EQ(scrub_cnps("18501011234567"), "18501011234567");
  EXPECT_EQ(scrub_cnps(""), "");
}

} // namespace
