#pragma once

// Merging rules for stored records: known values are never replaced by
// unknown ones (the original's INSERT OR REPLACE wiped FHIR patient ids and
// birth dates on every new image, original-backend.md §9.4-16).

#include "actors/store/exam.hpp"

namespace xrv::store {

/// `incoming` over `known`, field by field: a non-empty (or known) incoming
/// value wins, an empty one keeps what was known.
[[nodiscard]] patient_record merge_patient(const patient_record& known,
                                           const patient_record& incoming);

/// The exam record after an image of it arrives again: the image-derived
/// fields come from `incoming`; reports, received time and status history
/// stay with `known` (the caller decides the new status).
[[nodiscard]] exam_record merge_exam(const exam_record& known,
                                     const exam_record& incoming);

} // namespace xrv::store
