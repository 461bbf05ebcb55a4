#include "actors/dicom/regions.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using xrv::dicom::describe_sex;
using xrv::dicom::fold_for_matching;
using xrv::dicom::identify_projection;
using xrv::dicom::identify_region;
using xrv::dicom::region_rules;

// The shipped `[regions]` rules (original-backend.md §4.6), in file order.
const region_rules shipped{
  {"chest", {"torace", "pulmon", "thorax", "chest"}},
  {"ribs", {"grilaj", "coaste"}},
  {"sternum", {"stern"}},
  {"abdomen", {"abdomen", "abdominal"}},
  {"skull", {"cap", "craniu", "occiput", "skull"}},
  {"mandible", {"mandibula"}},
  {"nose", {"nazal", "piramida"}},
  {"sinuses", {"sinus"}},
  {"spine", {"col.", "spine", "dens", "sacrat"}},
  {"pelvis", {"bazin", "pelvis"}},
  {"clavicle", {"clavicula", "clavicle"}},
  {"upper_limb", {"humerus", "antebrat", "forearm"}},
  {"hand", {"pumn", "mana", "deget", "hand", "finger", "wrist"}},
  {"shoulder", {"umar", "shoulder"}},
  {"elbow", {"cot", "elbow"}},
  {"hip", {"sold", "hip"}},
  {"lower_limb", {"femur", "tibie", "gamba"}},
  {"knee", {"genunchi", "patella", "knee"}},
  {"ankle", {"glezna", "ankle"}},
  {"foot", {"picior", "calcai", "calcaneu", "leg", "foot"}},
};

std::string region(std::string_view protocol) {
  return identify_region(protocol, shipped);
}

// -- fold_for_matching --------------------------------------------------------

TEST(FoldForMatching, LowerCasesAndStripsRomanianDiacritics) {
  EXPECT_EQ(fold_for_matching("ȘTEFĂNESCU ION"), "stefanescu ion");
  EXPECT_EQ(fold_for_matching("Mână"), "mana");
  EXPECT_EQ(fold_for_matching("ŞŢ şţ Țț Îî Ââ"), "st st tt ii aa");
}

TEST(FoldForMatching, StripsOtherLatinDiacritics) {
  EXPECT_EQ(fold_for_matching("MÜLLER"), "muller");
  EXPECT_EQ(fold_for_matching("Łódź"), "lodz");
  EXPECT_EQ(fold_for_matching("ÆSOP Œuvre"), "æsop œuvre");
}

TEST(FoldForMatching, CollapsesWhitespaceAndSeparators) {
  EXPECT_EQ(fold_for_matching("  torace\t\tAP \n"), "torace ap");
  EXPECT_EQ(fold_for_matching("torace\u00A0AP"), "torace ap");
  EXPECT_EQ(fold_for_matching("«torace»–AP"), "torace ap");
  EXPECT_EQ(fold_for_matching(""), "");
}

TEST(FoldForMatching, KeepsPunctuationAndOtherScripts) {
  EXPECT_EQ(fold_for_matching("Col. Lombara"), "col. lombara");
  EXPECT_EQ(fold_for_matching("Грудь"), "Грудь");
}

// -- identify_region ----------------------------------------------------------

TEST(IdentifyRegion, ShippedRulesMatchCommonProtocols) {
  EXPECT_EQ(region("torace AP"), "chest");
  EXPECT_EQ(region("RADIOGRAFIE TORACE PA"), "chest");
  EXPECT_EQ(region("Chest PA"), "chest");
  EXPECT_EQ(region("craniu fata"), "skull");
  EXPECT_EQ(region("col. lombara"), "spine");
  EXPECT_EQ(region("gamba"), "lower_limb");
  EXPECT_EQ(region("genunchi lateral"), "knee");
  EXPECT_EQ(region("Abdomen pe gol"), "abdomen");
  EXPECT_EQ(region("umar"), "shoulder");
  EXPECT_EQ(region("mana dreapta"), "hand");
  EXPECT_EQ(region("Sinusuri fata"), "sinuses");
}

TEST(IdentifyRegion, InflectedRomanianWordsMatchByPrefix) {
  EXPECT_EQ(region("Cotul stang"), "elbow");
  EXPECT_EQ(region("piciorul drept"), "foot");
  EXPECT_EQ(region("Radiografia toracelui"), "chest");
  EXPECT_EQ(region("capul"), "skull");
  EXPECT_EQ(region("Soldul stang"), "hip");
  EXPECT_EQ(region("coastele"), "ribs");
}

TEST(IdentifyRegion, DiacriticsAndCaseAreIgnored) {
  EXPECT_EQ(region("mână"), "hand");
  EXPECT_EQ(region("MÂNA STÂNGĂ"), "hand");
  EXPECT_EQ(region("Umăr drept"), "shoulder");
  EXPECT_EQ(region("ȘOLD"), "hip");
  EXPECT_EQ(region("ŞOLD"), "hip");
}

TEST(IdentifyRegion, KeywordsInsideWordsDoNotMatch) {
  // The original's substring match made these skull, foot and elbow.
  EXPECT_EQ(region("scapula dreapta"), "unknown");
  EXPECT_EQ(region("plegie"), "unknown");
  EXPECT_EQ(region("decubit"), "unknown");
  EXPECT_EQ(region("Protocol 12"), "unknown");
}

TEST(IdentifyRegion, PhraseKeywordMatchesAtAWordStart) {
  EXPECT_EQ(region("Col.lombara"), "spine");
  EXPECT_EQ(region("RX COL. CERVICALA"), "spine");
  // Without its dot `col.` is not there.
  EXPECT_EQ(region("coloana"), "unknown");
}

TEST(IdentifyRegion, WordsAreSplitOnAnyNonAlphanumeric) {
  EXPECT_EQ(region("RX_TORACE"), "chest");
  EXPECT_EQ(region("1.torace"), "chest");
  EXPECT_EQ(region("(genunchi)"), "knee");
}

TEST(IdentifyRegion, FirstRuleInFileOrderWins) {
  EXPECT_EQ(region("abdomen si torace"), "chest");
  EXPECT_EQ(region("cot si umar"), "shoulder");
}

TEST(IdentifyRegion, NoMatchIsUnknownNotTheProtocol) {
  EXPECT_EQ(region(""), "unknown");
  EXPECT_EQ(region("   "), "unknown");
  EXPECT_EQ(region("Examen special"), "unknown");
  EXPECT_EQ(identify_region("torace", {}), "unknown");
}

TEST(IdentifyRegion, CustomKeywordsAreFoldedLikeTheText) {
  const region_rules rules{
    {"hand", {"Mână"}},
    {"spine", {"coloana  vertebrala"}},
    {"empty", {""}},
    {"chest", {"TORACE"}},
  };
  EXPECT_EQ(identify_region("MANA", rules), "hand");
  EXPECT_EQ(identify_region("Coloana vertebrală", rules), "spine");
  EXPECT_EQ(identify_region("coloana", rules), "unknown");
  EXPECT_EQ(identify_region("torace", rules), "chest");
}

// -- identify_projection ------------------------------------------------------

TEST(IdentifyProjection, DottedAbbreviationsAreFrontal) {
  EXPECT_EQ(identify_projection("Torace a.p."), "frontal");
  EXPECT_EQ(identify_projection("TORACE P.A."), "frontal");
  EXPECT_EQ(identify_projection("torace d.v."), "frontal");
  EXPECT_EQ(identify_projection("torace V.D."), "frontal");
  EXPECT_EQ(identify_projection("mana d.p."), "frontal");
}

TEST(IdentifyProjection, LateralAndOblique) {
  EXPECT_EQ(identify_projection("Cot lat."), "lateral");
  EXPECT_EQ(identify_projection("genunchi pr."), "lateral");
  EXPECT_EQ(identify_projection("mana oblica"), "oblique");
  EXPECT_EQ(identify_projection("Picior OBLIC"), "oblique");
}

TEST(IdentifyProjection, FrontalWinsOverLateral) {
  EXPECT_EQ(identify_projection("torace a.p. si lat."), "frontal");
}

TEST(IdentifyProjection, AbbreviationsInsideWordsDoNotMatch) {
  EXPECT_EQ(identify_projection("torace bilat."), "");
  EXPECT_EQ(identify_projection("supr."), "");
  EXPECT_EQ(identify_projection("clap.a."), "");
  EXPECT_EQ(identify_projection("neoblic"), "");
}

TEST(IdentifyProjection, NothingRecognisedIsEmpty) {
  EXPECT_EQ(identify_projection(""), "");
  EXPECT_EQ(identify_projection("torace"), "");
}

// -- describe_sex -------------------------------------------------------------

TEST(DescribeSex, MaleIsBoyFemaleIsGirl) {
  EXPECT_EQ(describe_sex("M"), "boy");
  EXPECT_EQ(describe_sex("m"), "boy");
  EXPECT_EQ(describe_sex("male"), "boy");
  EXPECT_EQ(describe_sex("F"), "girl");
  EXPECT_EQ(describe_sex(" f "), "girl");
  EXPECT_EQ(describe_sex("Female"), "girl");
}

TEST(DescribeSex, OtherOrUnknownIsChild) {
  EXPECT_EQ(describe_sex("O"), "child");
  EXPECT_EQ(describe_sex(""), "child");
  EXPECT_EQ(describe_sex("X"), "child");
}

} // namespace
