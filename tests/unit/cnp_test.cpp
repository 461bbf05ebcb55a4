#include "actors/dicom/cnp.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace {

using xrv::dicom::validate_cnp;

// The weighted digit sum of the first 12 digits (original-backend.md §8.1).
int weighted_sum(std::string_view first12) {
  constexpr std::array<int, 12> weights{2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9};
  int sum = 0;
  for (std::size_t i = 0; i < weights.size(); ++i)
    sum += (first12[i] - '0') * weights[i];
  return sum;
}

char check_digit(std::string_view first12) {
  const int c = weighted_sum(first12) % 11;
  return static_cast<char>('0' + (c == 10 ? 1 : c));
}

// A CNP with a correct check digit.
std::string make_cnp(std::string_view first12) {
  return std::string{first12} + check_digit(first12);
}

TEST(Cnp, SpecExampleIsValid) {
  const auto info = validate_cnp("1900101400004");
  EXPECT_TRUE(info.valid);
  EXPECT_EQ(info.birthdate, "1990-01-01");
  EXPECT_EQ(info.sex, 'M');
  EXPECT_EQ(info.county, 40);
  EXPECT_TRUE(info.reason.empty());
}

TEST(Cnp, SpecExampleWithWrongCheckDigitIsInvalid) {
  const auto info = validate_cnp("1900101400008");
  EXPECT_FALSE(info.valid);
  EXPECT_EQ(info.reason, "checksum mismatch");
  EXPECT_TRUE(info.birthdate.empty());
  EXPECT_EQ(info.county, -1);
}

TEST(Cnp, GeneratedCheckDigitMatchesSpecExample) {
  EXPECT_EQ(make_cnp("190010140000"), "1900101400004");
}

TEST(Cnp, SurroundingWhitespaceIsIgnored) {
  EXPECT_TRUE(validate_cnp("  1900101400004\t").valid);
}

TEST(Cnp, WrongLengthOrNonDigitsAreInvalid) {
  EXPECT_FALSE(validate_cnp("").valid);
  EXPECT_FALSE(validate_cnp("190010140000").valid);
  EXPECT_FALSE(validate_cnp("19001014000040").valid);
  EXPECT_FALSE(validate_cnp("19001014000a4").valid);
  EXPECT_FALSE(validate_cnp("1900101 400004").valid);
  EXPECT_EQ(validate_cnp("19001014000a4").reason, "not all digits");
}

TEST(Cnp, FirstDigitZeroIsInvalid) {
  const auto info = validate_cnp(make_cnp("090010140000"));
  EXPECT_FALSE(info.valid);
  EXPECT_EQ(info.reason, "first digit is 0");
}

TEST(Cnp, CenturyAndSexFollowTheOriginalMapping) {
  struct row {
    char s;
    std::string_view birthdate;
    char sex;
  };

  const std::array<row, 9> rows{{
    {'1', "1905-06-07", 'M'},
    {'2', "1905-06-07", 'F'},
    {'3', "1805-06-07", 'M'},
    {'4', "1805-06-07", 'F'},
    {'5', "2005-06-07", 'M'},
    {'6', "2005-06-07", 'F'},
    {'7', "2005-06-07", 'M'},
    {'8', "2005-06-07", 'F'},
    {'9', "1905-06-07", 'M'},
  }};
  for (const auto& r : rows) {
    const auto cnp = make_cnp(std::string(1, r.s) + "05060712345");
    const auto info = validate_cnp(cnp);
    ASSERT_TRUE(info.valid) << cnp << ": " << info.reason;
    EXPECT_EQ(info.birthdate, r.birthdate) << cnp;
    EXPECT_EQ(info.sex, r.sex) << cnp;
    EXPECT_EQ(info.county, 12) << cnp;
  }
}

TEST(Cnp, LeapDayIsValidOnlyInLeapYears) {
  EXPECT_EQ(validate_cnp(make_cnp("520022940001")).birthdate, "2020-02-29");
  EXPECT_EQ(validate_cnp(make_cnp("500022940001")).birthdate, "2000-02-29");
  EXPECT_FALSE(validate_cnp(make_cnp("521022940001")).valid);
  // 1900 is not a leap year.
  const auto info = validate_cnp(make_cnp("100022940001"));
  EXPECT_FALSE(info.valid);
  EXPECT_EQ(info.reason, "no such birth date 1900-02-29");
}

TEST(Cnp, ImpossibleDatesAreInvalid) {
  EXPECT_FALSE(validate_cnp(make_cnp("190000140000")).valid); // month 00
  EXPECT_FALSE(validate_cnp(make_cnp("190130140000")).valid); // month 13
  EXPECT_FALSE(validate_cnp(make_cnp("190010040000")).valid); // day 00
  EXPECT_FALSE(validate_cnp(make_cnp("190043140000")).valid); // 31 April
  EXPECT_TRUE(validate_cnp(make_cnp("190053140000")).valid);  // 31 May
}

TEST(Cnp, CountyCodesInTheKnownRangesAreValid) {
  for (const std::string_view jj :
       {"01", "02", "40", "46", "51", "52", "70", "75", "79", "90", "99"}) {
    const auto cnp = make_cnp("1900101" + std::string{jj} + "000");
    const auto info = validate_cnp(cnp);
    EXPECT_TRUE(info.valid) << cnp << ": " << info.reason;
    EXPECT_EQ(info.county, std::stoi(std::string{jj})) << cnp;
  }
}

TEST(Cnp, CountyCodesOutsideTheKnownRangesAreInvalid) {
  for (const std::string_view jj :
       {"00", "47", "48", "50", "53", "60", "69", "80", "85", "89"}) {
    const auto cnp = make_cnp("1900101" + std::string{jj} + "000");
    const auto info = validate_cnp(cnp);
    EXPECT_FALSE(info.valid) << cnp;
    EXPECT_EQ(info.reason, "unknown county code " + std::string{jj}) << cnp;
  }
}

TEST(Cnp, ChecksumTenBecomesOne) {
  // Find a serial whose weighted sum is 10 mod 11: its check digit is 1.
  std::string first12;
  for (int serial = 0; serial < 1000 && first12.empty(); ++serial) {
    std::string candidate = "295031512";
    candidate += static_cast<char>('0' + serial / 100);
    candidate += static_cast<char>('0' + serial / 10 % 10);
    candidate += static_cast<char>('0' + serial % 10);
    if (weighted_sum(candidate) % 11 == 10)
      first12 = candidate;
  }
  ASSERT_EQ(first12.size(), 12U);
  const auto with_one = validate_cnp(first12 + "1");
  EXPECT_TRUE(with_one.valid) << first12;
  EXPECT_EQ(with_one.birthdate, "1995-03-15");
  EXPECT_EQ(with_one.sex, 'F');
  EXPECT_FALSE(validate_cnp(first12 + "0").valid);
}

} // namespace
