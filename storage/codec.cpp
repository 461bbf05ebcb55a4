#include "storage/codec.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>

namespace xrv::storage {

namespace {

static_assert(sizeof(int) == 4 && CHAR_BIT == 8,
              "the codec stores int fields as 32-bit little-endian");

constexpr std::size_t header_size = 3; // version byte + u16 field count

// The single list of exam fields, in stored order; encoder and decoder both
// walk it, so they cannot disagree. Append new fields at the end only, and
// raise exam_field_count.
template <class Exam, class Visitor>
void exam_fields(Exam& e, Visitor& f) {
  f(e.uid);
  f(e.cnp);
  f(e.created);
  f(e.protocol);
  f(e.region);
  f(e.type);
  f(e.study);
  f(e.series);
  f(e.id);
  f(e.status);
  f(e.status_reason);
  f(e.received);
  f(e.attempts);
  f(e.ai.text);
  f(e.ai.summary);
  f(e.ai.created);
  f(e.ai.updated);
  f(e.ai.model);
  f(e.ai.positive);
  f(e.ai.severity);
  f(e.ai.confidence);
  f(e.ai.latency);
  f(e.rad.text);
  f(e.rad.text_en);
  f(e.rad.summary);
  f(e.rad.created);
  f(e.rad.updated);
  f(e.rad.id);
  f(e.rad.type);
  f(e.rad.radiologist);
  f(e.rad.justification);
  f(e.rad.model);
  f(e.rad.positive);
  f(e.rad.severity);
  f(e.rad.latency);
}

// The patient counterpart of exam_fields; the same append-only rule applies.
template <class Patient, class Visitor>
void patient_fields(Patient& p, Visitor& f) {
  f(p.cnp);
  f(p.id);
  f(p.name);
  f(p.birthdate);
  f(p.sex);
  f(p.county);
}

void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xffU));
  out.push_back(static_cast<char>(v >> 8U));
}

void put_u32(std::string& out, std::uint32_t v) {
  for (unsigned shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<char>((v >> shift) & 0xffU));
}

[[nodiscard]] std::uint32_t get_u32(std::string_view in) noexcept {
  std::uint32_t v = 0;
  for (unsigned i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i]))
         << (8U * i);
  return v;
}

/// Appends the first `remaining` fields it is shown, counting them.
struct writer {
  std::string& out;
  std::size_t remaining;
  std::size_t written = 0;

  [[nodiscard]] bool take() noexcept {
    if (remaining == 0)
      return false;
    --remaining;
    ++written;
    return true;
  }

  void operator()(const std::string& s) {
    if (!take())
      return;
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out += s;
  }

  void operator()(int v) {
    if (take())
      put_u32(out, static_cast<std::uint32_t>(v));
  }

  void operator()(store::exam_status s) {
    if (take())
      out.push_back(static_cast<char>(s));
  }
};

/// Reads the first `remaining` fields, bounds-checking every byte; stops at
/// the first failure and remembers which field it was.
struct reader {
  std::string_view in;
  std::size_t remaining;
  std::size_t field = 0;
  const char* failure = nullptr;

  [[nodiscard]] bool take() noexcept {
    if (failure != nullptr || remaining == 0)
      return false;
    --remaining;
    ++field;
    return true;
  }

  [[nodiscard]] bool need(std::size_t n) noexcept {
    if (in.size() >= n)
      return true;
    failure = "is truncated";
    return false;
  }

  void operator()(std::string& s) {
    if (!take() || !need(4))
      return;
    const std::uint32_t size = get_u32(in);
    in.remove_prefix(4);
    if (!need(size))
      return;
    s.assign(in.substr(0, size));
    in.remove_prefix(size);
  }

  void operator()(int& v) {
    if (!take() || !need(4))
      return;
    v = static_cast<int>(get_u32(in));
    in.remove_prefix(4);
  }

  void operator()(store::exam_status& s) {
    if (!take() || !need(1))
      return;
    const auto raw = static_cast<std::uint8_t>(in.front());
    if (raw > static_cast<std::uint8_t>(store::exam_status::check)) {
      failure = "has an unknown status";
      return;
    }
    s = static_cast<store::exam_status>(raw);
    in.remove_prefix(1);
  }
};

template <class Record, class Fields>
std::string encode_fields(const Record& r, std::size_t fields,
                          std::size_t known, Fields walk) {
  std::string out;
  out.reserve(256);
  out.push_back(static_cast<char>(codec_format_version));
  put_u16(out, 0);
  writer w{out, std::min(fields, known)};
  walk(r, w);
  // The header counts the fields actually written, so it stays true even if
  // a field list and its *_field_count constant ever disagree.
  out[1] = static_cast<char>(w.written & 0xffU);
  out[2] = static_cast<char>(w.written >> 8U);
  return out;
}

template <class Record, class Fields>
result<Record> decode_fields(std::string_view bytes, std::size_t known,
                             std::string_view what, Fields walk) {
  const auto broken = [&](std::string_view why, std::size_t field) {
    std::string detail{"codec: "};
    detail += what;
    detail += " record ";
    detail += why;
    if (field != 0) {
      detail += " at field ";
      detail += std::to_string(field);
    }
    return fail(errc::storage_failure, std::move(detail));
  };
  if (bytes.size() < header_size)
    return broken("is shorter than its header", 0);
  const auto version = static_cast<std::uint8_t>(bytes[0]);
  if (version != codec_format_version)
    return broken("has unknown format " + std::to_string(version), 0);
  const std::size_t count
    = static_cast<unsigned char>(bytes[1])
      | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[2])) << 8U);
  Record r;
  reader rd{bytes.substr(header_size), std::min(count, known)};
  walk(r, rd);
  if (rd.failure != nullptr)
    return broken(rd.failure, rd.field);
  // A newer writer's extra fields follow ours; only a record that claims no
  // more fields than we know must end exactly here.
  if (count <= known && !rd.in.empty())
    return broken("has trailing bytes", 0);
  return r;
}

} // namespace

std::string encode(const store::exam_record& e) {
  return encode(e, exam_field_count);
}

std::string encode(const store::exam_record& e, std::size_t fields) {
  return encode_fields(e, fields, exam_field_count,
                       [](const store::exam_record& r, writer& w) {
                         exam_fields(r, w);
                       });
}

std::string encode(const store::patient_record& p) {
  return encode(p, patient_field_count);
}

std::string encode(const store::patient_record& p, std::size_t fields) {
  return encode_fields(p, fields, patient_field_count,
                       [](const store::patient_record& r, writer& w) {
                         patient_fields(r, w);
                       });
}

result<store::exam_record> decode_exam(std::string_view bytes) {
  return decode_fields<store::exam_record>(
    bytes, exam_field_count, "exam", [](store::exam_record& r, reader& rd) {
      exam_fields(r, rd);
    });
}

result<store::patient_record> decode_patient(std::string_view bytes) {
  return decode_fields<store::patient_record>(
    bytes, patient_field_count, "patient",
    [](store::patient_record& r, reader& rd) {
      patient_fields(r, rd);
    });
}

} // namespace xrv::storage
