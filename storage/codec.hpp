#pragma once

// The binary form of exam and patient records as stored in LMDB:
//   u8 format version, u16 LE field count, then the fields in a fixed order;
//   a string is a u32 LE length and its bytes, an int an i32 LE, the status
//   one byte.
// New fields are only ever appended (and `*_field_count` raised), so a record
// written by an older program, with fewer fields, still decodes: the missing
// trailing fields keep their defaults. The bytes of fields beyond those this
// program knows (a newer writer, after a rollback) are ignored. Anything else
// that does not parse exactly is an error, never undefined behaviour.

#include "actors/store/exam.hpp"
#include "actors/system/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace xrv::storage {

/// The layout version byte; bumped only for a change that is not an append.
inline constexpr std::uint8_t codec_format_version = 1;

/// The number of exam fields this program writes (35 in format 1).
inline constexpr std::size_t exam_field_count = 35;

/// The number of patient fields this program writes (6 in format 1).
inline constexpr std::size_t patient_field_count = 6;

/// Encodes every field of an exam.
[[nodiscard]] std::string encode(const store::exam_record& e);

/// Encodes only the first `fields` fields, as a program that knew no more
/// would have (compatibility tests); `fields` is capped at the full count.
[[nodiscard]] std::string encode(const store::exam_record& e,
                                 std::size_t fields);

/// Encodes every field of a patient.
[[nodiscard]] std::string encode(const store::patient_record& p);

/// Encodes only the first `fields` fields of a patient (compatibility tests).
[[nodiscard]] std::string encode(const store::patient_record& p,
                                 std::size_t fields);

/// Decodes an exam; a truncated or corrupt buffer is a storage_failure.
[[nodiscard]] result<store::exam_record> decode_exam(std::string_view bytes);

/// Decodes a patient; a truncated or corrupt buffer is a storage_failure.
[[nodiscard]] result<store::patient_record>
decode_patient(std::string_view bytes);

} // namespace xrv::storage
