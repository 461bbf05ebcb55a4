#pragma once

#include "actors/system/config.hpp"
#include "actors/system/errors.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xrv::http {

/// The user name and password carried by an `Authorization: Basic` header.
struct basic_credentials {
  std::string user;
  std::string password;
};

/// Parses an `Authorization` value `Basic <base64(user:password)>` (RFC 7617);
/// the user must be non-empty, the password may be empty. Error details never
/// contain the password.
[[nodiscard]] result<basic_credentials>
parse_basic_authorization(std::string_view header_value);

/// Checks `given` against a stored `$argon2id$`/`$argon2i$`/`$7$` hash string
/// or, for anything else, a plain-text password compared in constant time.
[[nodiscard]] bool verify_password(std::string_view stored,
                                   std::string_view given);

/// An argon2id hash string (interactive limits) for `[users]`; empty only
/// when libsodium cannot get the memory it needs.
[[nodiscard]] std::string hash_password(std::string_view password);

/// 32 random bytes as 64 lower-case hex characters (session cookies).
[[nodiscard]] std::string random_token();

/// An authenticated caller.
struct principal {
  std::string user;
  std::string role;
};

/// Bounded, thread-safe store of login sessions with an absolute lifetime.
class session_table {
public:
  using clock = std::chrono::system_clock;

  /// Sessions live `ttl` from creation; at most `max_sessions` (at least 1).
  session_table(std::chrono::seconds ttl, std::size_t max_sessions);

  /// Stores a session for `p` and returns its new random token; when full,
  /// the oldest session is evicted.
  [[nodiscard]] std::string create(principal p, clock::time_point now);

  /// The principal of a live session; an expired one is erased.
  [[nodiscard]] std::optional<principal> find(std::string_view token,
                                              clock::time_point now);

  /// Ends a session (logout); unknown tokens are ignored.
  void remove(std::string_view token);

  /// The number of stored sessions, expired ones included until touched.
  [[nodiscard]] std::size_t size() const;

private:
  struct entry {
    principal who;
    clock::time_point created;
    std::multimap<clock::time_point, std::string>::iterator order;
  };

  void evict_oldest_locked();

  void erase_locked(std::map<std::string, entry, std::less<>>::iterator it);

  std::chrono::seconds ttl_;
  std::size_t max_sessions_;
  mutable std::mutex mutex_;
  // Keyed by a digest of the token so lookups do not compare secrets
  // byte by byte and a memory dump does not reveal live tokens.
  std::map<std::string, entry, std::less<>> sessions_;
  std::multimap<clock::time_point, std::string> by_age_;
};

/// Thread-safe HTTP Basic check against the `[users]` configuration.
class authenticator {
public:
  using clock = std::chrono::system_clock;

  /// Takes the configured users; names are matched case-insensitively.
  explicit authenticator(std::vector<config::user_entry> users);

  /// The principal for a valid `Authorization: Basic` value, else nullopt.
  [[nodiscard]] std::optional<principal>
  check_basic(std::string_view header_value, clock::time_point now);

private:
  struct cached_login {
    principal who;
    clock::time_point expires;
  };

  [[nodiscard]] std::string hash_key(std::string_view header_value) const;

  [[nodiscard]] std::optional<principal> find_cached(const std::string& key,
                                                     clock::time_point now);

  void remember(std::string key, principal who, clock::time_point now);

  std::map<std::string, config::user_entry, std::less<>> users_;
  std::string dummy_password_;
  std::array<unsigned char, 32> cache_key_{};
  std::mutex mutex_;
  std::map<std::string, cached_login, std::less<>> cache_;
};

/// The value of cookie `name` in a `Cookie:` header (`a=b; c=d`).
[[nodiscard]] std::optional<std::string>
find_cookie(std::string_view cookie_header, std::string_view name);

} // namespace xrv::http
