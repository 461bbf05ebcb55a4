#include "actors/dicom/charset.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using xrv::dicom::is_supported_charset;
using xrv::dicom::to_utf8;

constexpr std::string_view fffd = "\xEF\xBF\xBD";

TEST(Charset, DefaultRepertoireKeepsAscii) {
  EXPECT_EQ(to_utf8("POPESCU^ION", ""), "POPESCU^ION");
  EXPECT_EQ(to_utf8("POPESCU^ION", "ISO_IR 6"), "POPESCU^ION");
  EXPECT_EQ(to_utf8("", "ISO_IR 100"), "");
}

TEST(Charset, DefaultRepertoireReplacesHighBytes) {
  const std::string expected = "M" + std::string{fffd} + "LLER";
  EXPECT_EQ(to_utf8("M\xDCLLER", ""), expected);
  EXPECT_EQ(to_utf8("M\xDCLLER", "ISO_IR 6"), expected);
  EXPECT_EQ(to_utf8("M\xDCLLER", "ISO 2022 IR 6"), expected);
}

TEST(Charset, Latin1DecodesGermanName) {
  EXPECT_EQ(to_utf8("M\xDCLLER^J\xDCRGEN", "ISO_IR 100"), "MÜLLER^JÜRGEN");
  EXPECT_EQ(to_utf8("m\xFCller", "ISO_IR 100"), "müller");
}

TEST(Charset, Latin2DecodesRomanianNames) {
  // Latin-2 has only the cedilla forms Ş ş Ţ ţ of the Romanian letters.
  EXPECT_EQ(to_utf8("\xAATEF\xC3NESCU^ION", "ISO_IR 101"), "ŞTEFĂNESCU^ION");
  EXPECT_EQ(to_utf8("\xDEU\xDEUIANU", "ISO_IR 101"), "ŢUŢUIANU");
  EXPECT_EQ(to_utf8("\xBA\xFE\xE2\xEE\xE3\xC2\xCE\xC3", "ISO_IR 101"),
            "şţâîăÂÎĂ");
}

TEST(Charset, Latin2TableCoversTheWholeHighHalf) {
  EXPECT_EQ(to_utf8("\xA0", "ISO_IR 101"), "\u00A0");
  EXPECT_EQ(to_utf8("\xA1\xA3\xA9\xAF", "ISO_IR 101"), "ĄŁŠŻ");
  EXPECT_EQ(to_utf8("\xB1\xB3\xB9\xBF", "ISO_IR 101"), "ąłšż");
  EXPECT_EQ(to_utf8("\xA2\xB7\xBD\xFF", "ISO_IR 101"), "˘ˇ˝˙");
  EXPECT_EQ(to_utf8("\xC8\xD5\xD9\xDB\xDF", "ISO_IR 101"), "ČŐŮŰß");
  EXPECT_EQ(to_utf8("\xE8\xF5\xF9\xFB\xF7", "ISO_IR 101"), "čőůű÷");
  // Below 0xA0 Latin-2 and Latin-1 agree (C1 controls).
  EXPECT_EQ(to_utf8("\x85", "ISO_IR 101"), "\u0085");
}

TEST(Charset, Utf8PassesThroughRomanianNames) {
  EXPECT_EQ(to_utf8("ȘTEFĂNESCU^ION", "ISO_IR 192"), "ȘTEFĂNESCU^ION");
  EXPECT_EQ(to_utf8("ŢUŢUIANU", "ISO_IR 192"), "ŢUŢUIANU");
  EXPECT_EQ(to_utf8("\xF0\x9F\xA6\xB4", "ISO_IR 192"), "\xF0\x9F\xA6\xB4");
}

TEST(Charset, Utf8InvalidSequencesBecomeReplacementCharacters) {
  const std::string r{fffd};
  // A lead byte followed by a non-continuation byte.
  EXPECT_EQ(to_utf8("A\xC3(B", "ISO_IR 192"), "A" + r + "(B");
  // Overlong encodings and stray continuation bytes: one each per byte.
  EXPECT_EQ(to_utf8("\xC0\xAF", "ISO_IR 192"), r + r);
  EXPECT_EQ(to_utf8("\x80x", "ISO_IR 192"), r + "x");
  // A UTF-16 surrogate is not a character.
  EXPECT_EQ(to_utf8("\xED\xA0\x80", "ISO_IR 192"), r + r + r);
  // Beyond U+10FFFF.
  EXPECT_EQ(to_utf8("\xF4\x90\x80\x80", "ISO_IR 192"), r + r + r + r);
  // A truncated sequence at the end is one maximal subpart.
  EXPECT_EQ(to_utf8("ab\xE2\x82", "ISO_IR 192"), "ab" + r);
}

TEST(Charset, CodeExtensionEscapesAreDropped) {
  // ESC 02/13 04/01 designates ISO-IR 100 as G1 (PS3.3 Table C.12-3).
  EXPECT_EQ(to_utf8("\x1B\x2D\x41M\xDCLLER", "ISO 2022 IR 100"), "MÜLLER");
  EXPECT_EQ(to_utf8("\x1B\x2D\x42\xAA"
                    "ERBAN",
                    "ISO 2022 IR 101"),
            "ŞERBAN");
  // A lone ESC at the end goes too.
  EXPECT_EQ(to_utf8("ION\x1B", "ISO 2022 IR 100"), "ION");
}

TEST(Charset, MultiValuedSetUsesFirstNonAsciiTerm) {
  EXPECT_EQ(to_utf8("\x1B\x2D\x42\xDE"
                    "U\xDEUIANU",
                    "ISO 2022 IR 6\\ISO 2022 IR 101"),
            "ŢUŢUIANU");
  EXPECT_EQ(to_utf8("M\xDCLLER", "\\ISO 2022 IR 100"), "MÜLLER");
  EXPECT_EQ(to_utf8("M\xDCLLER", "ISO 2022 IR 100\\ISO 2022 IR 101"), "MÜLLER");
}

TEST(Charset, TermsAreMatchedIgnoringCaseAndSpaces) {
  EXPECT_EQ(to_utf8("M\xDCLLER", " iso_ir 100 "), "MÜLLER");
}

TEST(Charset, UnknownCharsetDecodesAsLatin1) {
  EXPECT_EQ(to_utf8("M\xDCLLER", "ISO_IR 144"), "MÜLLER");
  EXPECT_EQ(to_utf8("M\xDCLLER", "GB18030"), "MÜLLER");
}

TEST(Charset, ReportsWhetherEveryTermIsSupported) {
  EXPECT_TRUE(is_supported_charset(""));
  EXPECT_TRUE(is_supported_charset("ISO_IR 6"));
  EXPECT_TRUE(is_supported_charset("ISO_IR 100"));
  EXPECT_TRUE(is_supported_charset("ISO_IR 101"));
  EXPECT_TRUE(is_supported_charset("ISO_IR 192"));
  EXPECT_TRUE(is_supported_charset("\\ISO 2022 IR 100"));
  EXPECT_TRUE(is_supported_charset("ISO 2022 IR 6\\ISO 2022 IR 101"));
  EXPECT_FALSE(is_supported_charset("ISO_IR 144"));
  EXPECT_FALSE(is_supported_charset("ISO 2022 IR 6\\ISO 2022 IR 87"));
}

} // namespace
