#pragma once

// The Exam object of spec/API.md §3 and the patient object of §4, built from
// stored records. Every key is always present; unknown strings are null,
// unknown scores -1. Anonymisation for `user` accounts (spec/API.md §1)
// happens here and nowhere else.

#include "actors/store/exam.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace xrv::store {

/// The Exam object. `patient.age` is the age at the exam date; AI positive,
/// `correct` and `reviewed` come from definitions.hpp. With `anonymise` (role
/// `user`) the patient name becomes initials, the CNP is truncated and a
/// known radiologist becomes initials; nothing else changes.
[[nodiscard]] boost::json::object exam_to_json(const exam_record& exam,
                                               const patient_record& patient,
                                               int threshold, bool anonymise);

/// `{cnp, id, name, age, birthdate, sex}` of `/api/patients`, the age as of
/// `today` (`YYYY-MM-DD`, local); anonymised as in `exam_to_json`.
[[nodiscard]] boost::json::object patient_to_json(const patient_record& patient,
                                                  bool anonymise,
                                                  std::string_view today);

} // namespace xrv::store
