#include "http/auth.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <chrono>
#include <string>
#include <string_view>

namespace {

using namespace std::chrono_literals;
using xrv::errc;
using xrv::http::authenticator;
using xrv::http::find_cookie;
using xrv::http::hash_password;
using xrv::http::parse_basic_authorization;
using xrv::http::principal;
using xrv::http::random_token;
using xrv::http::session_table;
using xrv::http::verify_password;

using time_point = std::chrono::system_clock::time_point;

const time_point t0 = time_point{} + std::chrono::hours{24 * 365 * 55};

std::string base64(std::string_view raw) {
  std::string out(
    sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL),
    '\0');
  sodium_bin2base64(out.data(), out.size(),
                    reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1); // drop the terminating NUL
  return out;
}

std::string basic(std::string_view raw) {
  return "Basic " + base64(raw);
}

// -- parse_basic_authorization ------------------------------------------------

TEST(BasicHeader, ParsesUserAndPassword) {
  auto creds = parse_basic_authorization("Basic YWRtaW46c2VjcmV0");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->user, "admin");
  EXPECT_EQ(creds->password, "secret");
}

TEST(BasicHeader, SchemeIsCaseInsensitive) {
  auto lower = parse_basic_authorization("basic YWRtaW46c2VjcmV0");
  auto upper = parse_basic_authorization("BASIC YWRtaW46c2VjcmV0");
  ASSERT_TRUE(lower.has_value());
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(lower->user, "admin");
  EXPECT_EQ(upper->password, "secret");
}

TEST(BasicHeader, AcceptsSeveralSpacesAfterScheme) {
  auto creds = parse_basic_authorization("Basic    YWRtaW46c2VjcmV0");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->user, "admin");
  EXPECT_EQ(creds->password, "secret");
}

TEST(BasicHeader, SplitsOnFirstColonOnly) {
  auto creds = parse_basic_authorization(basic("admin:pa:ss"));
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->user, "admin");
  EXPECT_EQ(creds->password, "pa:ss");
}

TEST(BasicHeader, AcceptsUtf8Credentials) {
  auto creds = parse_basic_authorization(basic("șerban:parolă"));
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->user, "șerban");
  EXPECT_EQ(creds->password, "parolă");
}

TEST(BasicHeader, AllowsEmptyPassword) {
  auto creds = parse_basic_authorization(basic("admin:"));
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->user, "admin");
  EXPECT_EQ(creds->password, "");
}

TEST(BasicHeader, RejectsEmptyUser) {
  auto creds = parse_basic_authorization(basic(":secret"));
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().code, errc::unauthorized);
}

TEST(BasicHeader, RejectsEmptyValue) {
  EXPECT_FALSE(parse_basic_authorization("").has_value());
  EXPECT_FALSE(parse_basic_authorization("   ").has_value());
  EXPECT_FALSE(parse_basic_authorization("Basic").has_value());
  EXPECT_FALSE(parse_basic_authorization("Basic   ").has_value());
}

TEST(BasicHeader, RejectsOtherSchemes) {
  auto bearer = parse_basic_authorization("Bearer YWRtaW46c2VjcmV0");
  ASSERT_FALSE(bearer.has_value());
  EXPECT_EQ(bearer.error().code, errc::unauthorized);
  EXPECT_FALSE(parse_basic_authorization("BasicYWRtaW46c2VjcmV0").has_value());
  EXPECT_FALSE(parse_basic_authorization("Basi YWRtaW46c2VjcmV0").has_value());
}

TEST(BasicHeader, RejectsMalformedBase64) {
  EXPECT_FALSE(
    parse_basic_authorization("Basic YWRtaW46c2VjcmV0!").has_value());
  EXPECT_FALSE(parse_basic_authorization("Basic ****").has_value());
  // Missing padding: the standard alphabet requires it.
  EXPECT_FALSE(parse_basic_authorization("Basic YWRtaW46c2VjcmV").has_value());
  // URL-safe alphabet is not the standard one.
  EXPECT_FALSE(parse_basic_authorization("Basic -_-_").has_value());
}

TEST(BasicHeader, RejectsTrailingGarbage) {
  auto creds = parse_basic_authorization("Basic YWRtaW46c2VjcmV0 extra");
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().code, errc::unauthorized);
}

TEST(BasicHeader, RejectsMissingColon) {
  auto creds = parse_basic_authorization(basic("adminsecret"));
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().code, errc::unauthorized);
}

TEST(BasicHeader, RejectsInvalidUtf8) {
  auto creds = parse_basic_authorization(basic("\xff\xfe:x"));
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().code, errc::unauthorized);
}

TEST(BasicHeader, RejectsOverlongUtf8) {
  // 0xC0 0xAF is an overlong '/'.
  EXPECT_FALSE(parse_basic_authorization(basic("a\xc0\xaf:x")).has_value());
  // 0xE0 0x80 0xAF is a three-byte overlong '/'.
  EXPECT_FALSE(parse_basic_authorization(basic("a\xe0\x80\xaf:x")).has_value());
}

TEST(BasicHeader, RejectsEncodedSurrogates) {
  EXPECT_FALSE(parse_basic_authorization(basic("a\xed\xa0\x80:x")).has_value());
}

TEST(BasicHeader, RejectsTruncatedUtf8) {
  EXPECT_FALSE(parse_basic_authorization(basic("a:\xc8")).has_value());
}

TEST(BasicHeader, RejectsControlCharactersInUser) {
  EXPECT_FALSE(parse_basic_authorization(basic("ad\nmin:x")).has_value());
}

TEST(BasicHeader, ErrorDetailNeverContainsPassword) {
  const std::array<std::string, 4> bad{basic("\xff:hunter2"), "Bearer hunter2",
                                       "Basic hunter2!", basic(":hunter2")};
  for (const auto& header : bad) {
    auto creds = parse_basic_authorization(header);
    ASSERT_FALSE(creds.has_value()) << header;
    EXPECT_EQ(creds.error().detail.find("hunter2"), std::string::npos);
    EXPECT_EQ(creds.error().detail.find(base64("hunter2")), std::string::npos);
  }
}

// -- verify_password / hash_password ------------------------------------------

TEST(VerifyPassword, PlainTextMatches) {
  EXPECT_TRUE(verify_password("secret", "secret"));
}

TEST(VerifyPassword, PlainTextWrongPasswordFails) {
  EXPECT_FALSE(verify_password("secret", "secreT"));
}

TEST(VerifyPassword, PlainTextDifferentLengthFails) {
  EXPECT_FALSE(verify_password("secret", "secret1"));
  EXPECT_FALSE(verify_password("secret", "secre"));
  EXPECT_FALSE(verify_password("secret", ""));
}

TEST(VerifyPassword, EmptyStoredPasswordMatchesOnlyEmpty) {
  EXPECT_TRUE(verify_password("", ""));
  EXPECT_FALSE(verify_password("", "x"));
}

TEST(VerifyPassword, Argon2idHashVerifies) {
  const auto hash = hash_password("parolă sigură");
  ASSERT_TRUE(hash.starts_with("$argon2id$")) << hash;
  EXPECT_TRUE(verify_password(hash, "parolă sigură"));
  EXPECT_FALSE(verify_password(hash, "parola sigura"));
  EXPECT_FALSE(verify_password(hash, ""));
}

TEST(VerifyPassword, HashIsSaltedPerCall) {
  EXPECT_NE(hash_password("same"), hash_password("same"));
}

TEST(VerifyPassword, ScryptHashVerifies) {
  ASSERT_GE(sodium_init(), 0);
  std::array<char, crypto_pwhash_scryptsalsa208sha256_STRBYTES> out{};
  const std::string_view password = "scrypt-pass";
  ASSERT_EQ(crypto_pwhash_scryptsalsa208sha256_str(
              out.data(), password.data(), password.size(),
              crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_INTERACTIVE,
              crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_INTERACTIVE),
            0);
  const std::string hash{out.data()};
  ASSERT_TRUE(hash.starts_with("$7$"));
  EXPECT_TRUE(verify_password(hash, "scrypt-pass"));
  EXPECT_FALSE(verify_password(hash, "scrypt-pasS"));
}

TEST(VerifyPassword, MalformedHashStringFails) {
  EXPECT_FALSE(verify_password("$argon2id$garbage", "$argon2id$garbage"));
  EXPECT_FALSE(verify_password("$7$garbage", "$7$garbage"));
}

// -- random_token -------------------------------------------------------------

TEST(RandomToken, IsSixtyFourLowerCaseHexCharacters) {
  const auto token = random_token();
  ASSERT_EQ(token.size(), 64U);
  EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(RandomToken, DiffersBetweenCalls) {
  EXPECT_NE(random_token(), random_token());
}

// -- session_table ------------------------------------------------------------

TEST(SessionTable, FindsCreatedSession) {
  session_table sessions{1h, 10};
  const auto token = sessions.create(principal{"admin", "admin"}, t0);
  EXPECT_EQ(token.size(), 64U);
  auto who = sessions.find(token, t0 + 1s);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->user, "admin");
  EXPECT_EQ(who->role, "admin");
}

TEST(SessionTable, UnknownTokenIsNotFound) {
  session_table sessions{1h, 10};
  (void)sessions.create(principal{"admin", "admin"}, t0);
  EXPECT_FALSE(sessions.find(random_token(), t0).has_value());
  EXPECT_FALSE(sessions.find("", t0).has_value());
}

TEST(SessionTable, TokensAreDistinct) {
  session_table sessions{1h, 10};
  const auto a = sessions.create(principal{"a", "user"}, t0);
  const auto b = sessions.create(principal{"b", "user"}, t0);
  EXPECT_NE(a, b);
  EXPECT_EQ(sessions.find(a, t0)->user, "a");
  EXPECT_EQ(sessions.find(b, t0)->user, "b");
}

TEST(SessionTable, ExpiresAfterAbsoluteLifetime) {
  session_table sessions{1h, 10};
  const auto token = sessions.create(principal{"admin", "admin"}, t0);
  // A lookup just before expiry does not extend the lifetime.
  EXPECT_TRUE(sessions.find(token, t0 + 1h - 1s).has_value());
  EXPECT_FALSE(sessions.find(token, t0 + 1h).has_value());
  EXPECT_EQ(sessions.size(), 0U);
  // Once erased it stays gone, even if the clock went backwards.
  EXPECT_FALSE(sessions.find(token, t0).has_value());
}

TEST(SessionTable, RemoveEndsSession) {
  session_table sessions{1h, 10};
  const auto token = sessions.create(principal{"admin", "admin"}, t0);
  const auto other = sessions.create(principal{"radu", "user"}, t0);
  sessions.remove(token);
  EXPECT_FALSE(sessions.find(token, t0).has_value());
  EXPECT_TRUE(sessions.find(other, t0).has_value());
  sessions.remove("not-a-token");
  EXPECT_EQ(sessions.size(), 1U);
}

TEST(SessionTable, EvictsOldestWhenFull) {
  session_table sessions{1h, 2};
  const auto first = sessions.create(principal{"a", "user"}, t0);
  const auto second = sessions.create(principal{"b", "user"}, t0 + 1s);
  const auto third = sessions.create(principal{"c", "user"}, t0 + 2s);
  EXPECT_EQ(sessions.size(), 2U);
  EXPECT_FALSE(sessions.find(first, t0 + 3s).has_value());
  EXPECT_EQ(sessions.find(second, t0 + 3s)->user, "b");
  EXPECT_EQ(sessions.find(third, t0 + 3s)->user, "c");
}

TEST(SessionTable, CreateDropsExpiredSessionsBeforeEvicting) {
  session_table sessions{1h, 2};
  const auto old_one = sessions.create(principal{"a", "user"}, t0);
  const auto live = sessions.create(principal{"b", "user"}, t0 + 30min);
  const auto fresh = sessions.create(principal{"c", "user"}, t0 + 1h);
  EXPECT_EQ(sessions.size(), 2U);
  EXPECT_FALSE(sessions.find(old_one, t0 + 1h).has_value());
  EXPECT_TRUE(sessions.find(live, t0 + 1h).has_value());
  EXPECT_TRUE(sessions.find(fresh, t0 + 1h).has_value());
}

// -- authenticator ------------------------------------------------------------

class AuthenticatorTest : public ::testing::Test {
protected:
  static std::vector<xrv::config::user_entry> users() {
    return {{"admin", "secret", "admin"},
            {"radu", hash_password("parolă"), "user"}};
  }

  authenticator auth_{users()};
};

TEST_F(AuthenticatorTest, AcceptsPlainTextAdmin) {
  auto who = auth_.check_basic(basic("admin:secret"), t0);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->user, "admin");
  EXPECT_EQ(who->role, "admin");
}

TEST_F(AuthenticatorTest, RejectsWrongPassword) {
  EXPECT_FALSE(auth_.check_basic(basic("admin:Secret"), t0).has_value());
  EXPECT_FALSE(auth_.check_basic(basic("admin:"), t0).has_value());
}

TEST_F(AuthenticatorTest, RejectsUnknownUser) {
  EXPECT_FALSE(auth_.check_basic(basic("mallory:secret"), t0).has_value());
}

TEST_F(AuthenticatorTest, RejectsMalformedHeader) {
  EXPECT_FALSE(auth_.check_basic("Bearer abc", t0).has_value());
  EXPECT_FALSE(auth_.check_basic("", t0).has_value());
}

TEST_F(AuthenticatorTest, MatchesUserNameCaseInsensitively) {
  auto who = auth_.check_basic(basic("ADMIN:secret"), t0);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->user, "admin");
}

TEST_F(AuthenticatorTest, AcceptsHashedPassword) {
  auto who = auth_.check_basic(basic("radu:parolă"), t0);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->user, "radu");
  EXPECT_EQ(who->role, "user");
  EXPECT_FALSE(auth_.check_basic(basic("radu:parola"), t0).has_value());
}

TEST_F(AuthenticatorTest, CachedHashedLoginKeepsWorking) {
  const auto header = basic("radu:parolă");
  ASSERT_TRUE(auth_.check_basic(header, t0).has_value());
  auto cached = auth_.check_basic(header, t0 + 1min);
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->user, "radu");
  // After the cache entry expires the password is verified again.
  auto reverified = auth_.check_basic(header, t0 + 10min);
  ASSERT_TRUE(reverified.has_value());
  EXPECT_EQ(reverified->role, "user");
}

TEST_F(AuthenticatorTest, CachedLoginDoesNotAdmitOtherPasswords) {
  ASSERT_TRUE(auth_.check_basic(basic("radu:parolă"), t0).has_value());
  EXPECT_FALSE(auth_.check_basic(basic("radu:wrong"), t0).has_value());
  EXPECT_FALSE(auth_.check_basic(basic("radu:"), t0).has_value());
}

TEST(Authenticator, ConfigNamesAreMatchedWhateverTheirCase) {
  authenticator auth{{{"Ana", "pw", "user"}}};
  EXPECT_TRUE(auth.check_basic(basic("ana:pw"), t0).has_value());
  EXPECT_TRUE(auth.check_basic(basic("ANA:pw"), t0).has_value());
}

TEST(Authenticator, NoUsersRejectsEveryone) {
  authenticator auth{{}};
  EXPECT_FALSE(auth.check_basic(basic("admin:admin"), t0).has_value());
}

// -- find_cookie --------------------------------------------------------------

TEST(FindCookie, FindsNamedCookie) {
  EXPECT_EQ(find_cookie("a=b; xrv_session=abc123; c=d", "xrv_session"),
            "abc123");
  EXPECT_EQ(find_cookie("a=b; c=d", "a"), "b");
  EXPECT_EQ(find_cookie("a=b; c=d", "c"), "d");
}

TEST(FindCookie, MissingCookieIsNullopt) {
  EXPECT_FALSE(find_cookie("a=b; c=d", "xrv_session").has_value());
  EXPECT_FALSE(find_cookie("", "xrv_session").has_value());
  EXPECT_FALSE(find_cookie("a=b", "").has_value());
}

TEST(FindCookie, NameMustMatchExactly) {
  EXPECT_FALSE(find_cookie("xrv_session_old=1", "xrv_session").has_value());
  EXPECT_FALSE(find_cookie("XRV_SESSION=1", "xrv_session").has_value());
  EXPECT_EQ(find_cookie("xrv_session_old=1;xrv_session=2", "xrv_session"), "2");
}

TEST(FindCookie, ToleratesLooseWhitespaceAndEmptyParts) {
  EXPECT_EQ(find_cookie(" ;  a = b ;;junk; c=d ", "a"), "b");
  EXPECT_EQ(find_cookie("a=b;c=d", "c"), "d");
}

TEST(FindCookie, StripsDoubleQuotes) {
  EXPECT_EQ(find_cookie("a=\"quoted\"", "a"), "quoted");
}

TEST(FindCookie, KeepsEqualsSignsInValue) {
  EXPECT_EQ(find_cookie("a=x=y", "a"), "x=y");
  EXPECT_EQ(find_cookie("a=", "a"), "");
}

} // namespace
