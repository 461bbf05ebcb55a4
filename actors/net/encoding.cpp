#include "actors/net/encoding.hpp"

#include <array>
#include <cstdint>

namespace xrv::net {

namespace {

constexpr std::string_view digits
  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> decode_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t)
    v = -1;
  for (std::size_t i = 0; i < digits.size(); ++i)
    t[static_cast<unsigned char>(digits[i])] = static_cast<std::int8_t>(i);
  return t;
}

constexpr auto table = decode_table();

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

} // namespace

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  const auto byte = [in](std::size_t k) {
    return static_cast<unsigned>(static_cast<unsigned char>(in[k]));
  };
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (byte(i) << 16U) | (byte(i + 1) << 8U) | byte(i + 2);
    out.push_back(digits[(n >> 18U) & 63U]);
    out.push_back(digits[(n >> 12U) & 63U]);
    out.push_back(digits[(n >> 6U) & 63U]);
    out.push_back(digits[n & 63U]);
  }
  if (const auto rest = in.size() - i; rest > 0) {
    unsigned n = byte(i) << 16U;
    if (rest == 2)
      n |= byte(i + 1) << 8U;
    out.push_back(digits[(n >> 18U) & 63U]);
    out.push_back(digits[(n >> 12U) & 63U]);
    out.push_back(rest == 2 ? digits[(n >> 6U) & 63U] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size() / 4 * 3);
  unsigned acc = 0;
  int bits = 0;
  int pad = 0;
  std::size_t sextets = 0;
  for (char c : in) {
    if (is_space(c))
      continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    const auto v = table[static_cast<unsigned char>(c)];
    if (v < 0 || pad > 0)
      return std::nullopt; // not base64, or data after the padding
    acc = (acc << 6U) | static_cast<unsigned>(v);
    bits += 6;
    ++sextets;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(
        static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xFFU));
    }
  }
  if (sextets % 4 == 1 || pad > 2 || (pad > 0 && (sextets + pad) % 4 != 0))
    return std::nullopt;
  return out;
}

std::string percent_encode(std::string_view s, std::string_view keep,
                           bool plus_for_space) {
  static constexpr std::string_view hex = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    const bool unreserved = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')
                            || (b >= '0' && b <= '9') || c == '-' || c == '.'
                            || c == '_' || c == '~';
    if (unreserved || keep.find(c) != std::string_view::npos) {
      out.push_back(c);
    } else if (c == ' ' && plus_for_space) {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[b >> 4U]);
      out.push_back(hex[b & 15U]);
    }
  }
  return out;
}

} // namespace xrv::net
