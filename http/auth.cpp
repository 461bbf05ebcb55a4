#include "http/auth.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace xrv::http {

namespace {

constexpr std::string_view argon2id_prefix = "$argon2id$";
constexpr std::string_view argon2i_prefix = "$argon2i$";
constexpr std::string_view scrypt_prefix = "$7$";

constexpr auto login_cache_ttl = std::chrono::minutes{5};
constexpr std::size_t login_cache_max = 1024;

void ensure_sodium() {
  // sodium_init() is thread-safe and idempotent; the function-local static
  // keeps it to one call. libsodium documents that a failed init must stop
  // the program: without a working CSPRNG no token or salt is safe.
  static const bool ready = sodium_init() >= 0;
  if (!ready)
    std::abort();
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return ascii_lower(c);
  });
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return ascii_lower(x) == ascii_lower(y);
            });
}

bool is_continuation(unsigned char c) {
  return (c & 0xC0U) == 0x80U;
}

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF.
bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    std::size_t extra = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c < 0x80) {
      ++p;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c == 0xE0) {
      extra = 2;
      lo = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      extra = 2;
    } else if (c == 0xED) {
      extra = 2;
      hi = 0x9F;
    } else if (c == 0xF0) {
      extra = 3;
      lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      extra = 3;
    } else if (c == 0xF4) {
      extra = 3;
      hi = 0x8F;
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) < extra + 1)
      return false;
    if (p[1] < lo || p[1] > hi)
      return false;
    for (std::size_t i = 2; i <= extra; ++i)
      if (!is_continuation(p[i]))
        return false;
    p += extra + 1;
  }
  return true;
}

bool has_control_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

bool is_hashed(std::string_view stored) {
  return stored.starts_with(argon2id_prefix)
         || stored.starts_with(argon2i_prefix)
         || stored.starts_with(scrypt_prefix);
}

// Decoded credentials are wiped on every path out of the parser, not only
// the successful one.
struct wiped_buffer {
  std::string bytes;

  explicit wiped_buffer(std::size_t size) : bytes(size, '\0') {}

  wiped_buffer(const wiped_buffer&) = delete;
  wiped_buffer& operator=(const wiped_buffer&) = delete;

  ~wiped_buffer() {
    sodium_memzero(bytes.data(), bytes.size());
  }
};

using digest = std::array<unsigned char, crypto_generichash_BYTES>;

digest plain_digest(std::string_view s) {
  digest out{};
  crypto_generichash(out.data(), out.size(),
                     reinterpret_cast<const unsigned char*>(s.data()), s.size(),
                     nullptr, 0);
  return out;
}

std::string digest_key(std::string_view token) {
  const auto d = plain_digest(token);
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

} // namespace

result<basic_credentials>
parse_basic_authorization(std::string_view header_value) {
  // Messages below stay generic: they may be logged and must never echo
  // the credentials.
  auto value = trim(header_value);
  if (value.empty())
    return fail(errc::unauthorized, "empty Authorization header");
  constexpr std::string_view scheme = "basic";
  if (value.size() <= scheme.size()
      || !iequals(value.substr(0, scheme.size()), scheme)
      || !is_space(value[scheme.size()]))
    return fail(errc::unauthorized, "Authorization scheme is not Basic");
  auto encoded = trim(value.substr(scheme.size()));
  if (encoded.empty())
    return fail(errc::unauthorized, "empty Basic credentials");
  ensure_sodium();
  wiped_buffer buffer{encoded.size() / 4 * 3 + 3};
  auto& decoded = buffer.bytes;
  std::size_t decoded_len = 0;
  const char* parsed_end = nullptr;
  const int rc = sodium_base642bin(
    reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
    encoded.data(), encoded.size(), nullptr, &decoded_len, &parsed_end,
    sodium_base64_VARIANT_ORIGINAL);
  if (rc != 0 || parsed_end != encoded.data() + encoded.size())
    return fail(errc::unauthorized, "malformed base64 in Basic credentials");
  decoded.resize(decoded_len);
  if (!is_valid_utf8(decoded))
    return fail(errc::unauthorized, "Basic credentials are not UTF-8");
  const auto colon = decoded.find(':');
  if (colon == std::string::npos)
    return fail(errc::unauthorized, "Basic credentials lack a colon");
  basic_credentials out;
  out.user = decoded.substr(0, colon);
  out.password = decoded.substr(colon + 1);
  if (out.user.empty())
    return fail(errc::unauthorized, "empty user name");
  // RFC 7617 §2: the user-id must not contain control characters.
  if (has_control_char(out.user))
    return fail(errc::unauthorized, "control character in user name");
  return out;
}

bool verify_password(std::string_view stored, std::string_view given) {
  ensure_sodium();
  // The verify functions need NUL-terminated hash strings.
  if (stored.starts_with(argon2id_prefix) || stored.starts_with(argon2i_prefix))
    return crypto_pwhash_str_verify(std::string{stored}.c_str(), given.data(),
                                    given.size())
           == 0;
  if (stored.starts_with(scrypt_prefix))
    return crypto_pwhash_scryptsalsa208sha256_str_verify(
             std::string{stored}.c_str(), given.data(), given.size())
           == 0;
  // Comparing fixed-size digests makes the time independent of where the
  // strings differ and of their lengths; the length check only rules out
  // digest collisions and is evaluated unconditionally.
  const auto a = plain_digest(stored);
  const auto b = plain_digest(given);
  const bool same_digest = sodium_memcmp(a.data(), b.data(), a.size()) == 0;
  const bool same_length = stored.size() == given.size();
  return same_digest & same_length;
}

std::string hash_password(std::string_view password) {
  ensure_sodium();
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE)
      != 0)
    return {};
  return std::string{out.data()};
}

std::string random_token() {
  ensure_sodium();
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, bytes.size() * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  return std::string{hex.data()};
}

// -- session_table ------------------------------------------------------------

session_table::session_table(std::chrono::seconds ttl, std::size_t max_sessions)
    : ttl_(ttl), max_sessions_(std::max<std::size_t>(max_sessions, 1)) {}

std::string session_table::create(principal p, clock::time_point now) {
  auto token = random_token();
  auto key = digest_key(token);
  std::lock_guard guard{mutex_};
  // Sessions share one ttl, so the oldest are the first to expire.
  while (!by_age_.empty() && by_age_.begin()->first + ttl_ <= now)
    evict_oldest_locked();
  while (!by_age_.empty() && sessions_.size() >= max_sessions_)
    evict_oldest_locked();
  auto order = by_age_.emplace(now, key);
  sessions_.emplace(std::move(key), entry{std::move(p), now, order});
  return token;
}

std::optional<principal> session_table::find(std::string_view token,
                                             clock::time_point now) {
  const auto key = digest_key(token);
  std::lock_guard guard{mutex_};
  auto it = sessions_.find(key);
  if (it == sessions_.end())
    return std::nullopt;
  if (it->second.created + ttl_ <= now) {
    erase_locked(it);
    return std::nullopt;
  }
  return it->second.who;
}

void session_table::remove(std::string_view token) {
  const auto key = digest_key(token);
  std::lock_guard guard{mutex_};
  if (auto it = sessions_.find(key); it != sessions_.end())
    erase_locked(it);
}

std::size_t session_table::size() const {
  std::lock_guard guard{mutex_};
  return sessions_.size();
}

void session_table::evict_oldest_locked() {
  const auto oldest = by_age_.begin();
  sessions_.erase(oldest->second);
  by_age_.erase(oldest);
}

void session_table::erase_locked(
  std::map<std::string, entry, std::less<>>::iterator it) {
  if (it == sessions_.end())
    return;
  by_age_.erase(it->second.order);
  sessions_.erase(it);
}

// -- authenticator ------------------------------------------------------------

authenticator::authenticator(std::vector<config::user_entry> users) {
  ensure_sodium();
  bool any_hashed = false;
  for (auto& user : users) {
    any_hashed = any_hashed || is_hashed(user.password);
    auto name = ascii_lower(user.name);
    users_.insert_or_assign(std::move(name), std::move(user));
  }
  // Unknown users are verified against this dummy so that the response time
  // does not reveal which names exist.
  dummy_password_ = any_hashed ? hash_password(random_token()) : random_token();
  randombytes_buf(cache_key_.data(), cache_key_.size());
}

std::optional<principal>
authenticator::check_basic(std::string_view header_value,
                           clock::time_point now) {
  auto credentials = parse_basic_authorization(header_value);
  if (!credentials)
    return std::nullopt;
  auto key = hash_key(header_value);
  if (auto hit = find_cached(key, now))
    return hit;
  // users_ is immutable after construction, so no lock is needed here; the
  // slow verification must not run under the cache mutex.
  const auto it = users_.find(ascii_lower(credentials->user));
  if (it == users_.end()) {
    [[maybe_unused]] const bool ignored
      = verify_password(dummy_password_, credentials->password);
    sodium_memzero(credentials->password.data(), credentials->password.size());
    return std::nullopt;
  }
  const auto& user = it->second;
  const bool ok = verify_password(user.password, credentials->password);
  sodium_memzero(credentials->password.data(), credentials->password.size());
  if (!ok)
    return std::nullopt;
  principal who{user.name, user.role};
  if (is_hashed(user.password))
    remember(std::move(key), who, now);
  return who;
}

std::string authenticator::hash_key(std::string_view header_value) const {
  digest out{};
  crypto_generichash(
    out.data(), out.size(),
    reinterpret_cast<const unsigned char*>(header_value.data()),
    header_value.size(), cache_key_.data(), cache_key_.size());
  return {reinterpret_cast<const char*>(out.data()), out.size()};
}

std::optional<principal> authenticator::find_cached(const std::string& key,
                                                    clock::time_point now) {
  std::lock_guard guard{mutex_};
  auto it = cache_.find(key);
  if (it == cache_.end())
    return std::nullopt;
  if (it->second.expires <= now) {
    cache_.erase(it);
    return std::nullopt;
  }
  return it->second.who;
}

void authenticator::remember(std::string key, principal who,
                             clock::time_point now) {
  std::lock_guard guard{mutex_};
  if (cache_.size() >= login_cache_max && !cache_.contains(key)) {
    std::erase_if(cache_, [now](const auto& kv) {
      return kv.second.expires <= now;
    });
    if (cache_.size() >= login_cache_max) {
      auto oldest = std::min_element(
        cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
          return a.second.expires < b.second.expires;
        });
      cache_.erase(oldest);
    }
  }
  cache_.insert_or_assign(std::move(key),
                          cached_login{std::move(who), now + login_cache_ttl});
}

// -- cookies ------------------------------------------------------------------

std::optional<std::string> find_cookie(std::string_view cookie_header,
                                       std::string_view name) {
  if (name.empty())
    return std::nullopt;
  while (!cookie_header.empty()) {
    const auto semi = cookie_header.find(';');
    const auto pair = trim(cookie_header.substr(0, semi));
    cookie_header = semi == std::string_view::npos
                      ? std::string_view{}
                      : cookie_header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      continue;
    if (trim(pair.substr(0, eq)) != name)
      continue;
    auto value = trim(pair.substr(eq + 1));
    // RFC 6265 §4.1.1: a cookie-value may be wrapped in double quotes.
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return std::string{value};
  }
  return std::nullopt;
}

} // namespace xrv::http
