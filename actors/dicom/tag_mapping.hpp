#pragma once

// DICOM attributes -> the exam and patient model (original-backend.md §2.4),
// with a fallback for every attribute but the SOP Instance UID (§9.4 item 19:
// the original discarded images that lacked SeriesDate, ProtocolName, ...).
// Pure: no DCMTK (the receiver's adapter reads the dataset into
// `dicom_tags`), no clock (the receipt time is a parameter).

#include "actors/dicom/regions.hpp"
#include "actors/store/exam.hpp"
#include "actors/system/errors.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace xrv::dicom {

/// The attributes the exam model needs, as read from the dataset: trimmed of
/// DICOM padding, texts still in the Specific Character Set; empty when the
/// attribute is absent or empty.
struct dicom_tags {
  std::string sop_instance_uid;       // (0008,0018)
  std::string sop_class_uid;          // (0008,0016)
  std::string study_uid;              // (0020,000D)
  std::string series_uid;             // (0020,000E)
  std::string accession;              // (0008,0050) AccessionNumber
  std::string modality;               // (0008,0060)
  std::string patient_id;             // (0010,0020), normally a CNP
  std::string patient_name;           // (0010,0010) PN
  std::string patient_birth_date;     // (0010,0030) DA, YYYYMMDD
  std::string patient_sex;            // (0010,0040) CS: M, F, O
  std::string series_date;            // (0008,0021)
  std::string series_time;            // (0008,0031)
  std::string acquisition_date;       // (0008,0022)
  std::string acquisition_time;       // (0008,0032)
  std::string content_date;           // (0008,0023)
  std::string content_time;           // (0008,0033)
  std::string study_date;             // (0008,0020)
  std::string study_time;             // (0008,0030)
  std::string protocol_name;          // (0018,1030)
  std::string series_description;     // (0008,103E)
  std::string study_description;      // (0008,1030)
  std::string body_part;              // (0018,0015) BodyPartExamined
  std::string specific_character_set; // (0008,0005)
};

/// An exam and its patient, as ingestion stores them.
using mapped_exam = std::pair<store::exam_record, store::patient_record>;

/// A DICOM DA value (`YYYYMMDD`, or the ACR-NEMA `YYYY.MM.DD`) as
/// `YYYY-MM-DD`; nullopt unless it is a real calendar date.
[[nodiscard]] std::optional<std::string> dicom_date(std::string_view da);

/// A DICOM TM value (`HH`, `HHMM`, `HHMMSS`, `HHMMSS.F{1,6}`, or the
/// ACR-NEMA `HH:MM[:SS[.F]]`) as `HH:MM:SS`, fraction dropped and a leap
/// second 60 stored as 59; nullopt when malformed or out of range.
[[nodiscard]] std::optional<std::string> dicom_time(std::string_view tm);

/// Maps `tags` to an exam and its patient; `receipt_time` (`YYYY-MM-DD
/// HH:MM:SS`, local) is the exam's `received` and the last fallback of its
/// `created`. Fails (invalid_input) only without a well-formed SOP Instance
/// UID. The status is left `none`: the store decides it.
///
/// - created: the first of Series, Acquisition, Content, Study whose date and
///   time are both well-formed; else the first well-formed date alone, at the
///   receipt time when that is the same day, else at 00:00:00; else the
///   receipt time.
/// - protocol: the first non-empty of ProtocolName, SeriesDescription,
///   StudyDescription, BodyPartExamined; region from it (`identify_region`).
/// - type: Modality, `CR` when empty.
/// - patient: cnp = PatientID (`unidentified_patient` of the study, else of
///   the instance, when there is none); name decoded to UTF-8 (its first
///   non-empty component group, trailing `^` dropped); sex = PatientSex when
///   M/F/O, else from a valid CNP, else empty; birthdate = PatientBirthDate
///   when a real date, else from a valid CNP, else empty; county from a valid
///   CNP, else -1.
/// The patient key of an image without Patient ID: `unknown-<uid>`, for a
/// study (or an instance) alone, never shared with other unidentified
/// images, whose reports would otherwise become each other's prior studies.
[[nodiscard]] std::string unidentified_patient(std::string_view uid);

[[nodiscard]] result<mapped_exam> map_exam(const dicom_tags& tags,
                                           const region_rules& rules,
                                           std::string_view receipt_time);

} // namespace xrv::dicom
