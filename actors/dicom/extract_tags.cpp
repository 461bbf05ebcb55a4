#include "actors/dicom/extract_tags.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>

#include <array>
#include <exception>
#include <string>
#include <string_view>

namespace xrv::dicom {

namespace {

// How far padding is trimmed. Text VRs (LO, SH, PN) may hold multi-byte
// character sets whose trailing bytes can be 0x5C, so only the whole value
// is trimmed; the ASCII-only VRs (CS, UI, DA, TM) are trimmed per value.
enum class trim_mode { whole, per_value };

struct tag_field {
  DcmTagKey tag;
  std::string dicom_tags::*field;
  trim_mode mode;
};

// Spaces pad every string VR; UI is padded with a trailing NUL (PS3.5 §6.2).
std::string_view trim_padding(std::string_view s) {
  const auto is_pad = [](char c) {
    return c == ' ' || c == '\0';
  };
  while (!s.empty() && is_pad(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_pad(s.back()))
    s.remove_suffix(1);
  return s;
}

std::string trim_values(std::string_view s, trim_mode mode) {
  if (mode == trim_mode::whole)
    return std::string{trim_padding(s)};
  std::string out;
  out.reserve(s.size());
  for (bool first = true;; first = false) {
    const auto sep = s.find('\\');
    if (!first)
      out += '\\';
    out += trim_padding(s.substr(0, sep));
    if (sep == std::string_view::npos)
      break;
    s.remove_prefix(sep + 1);
  }
  return out;
}

const auto fields = std::to_array<tag_field>({
  {DCM_SOPInstanceUID, &dicom_tags::sop_instance_uid, trim_mode::per_value},
  {DCM_SOPClassUID, &dicom_tags::sop_class_uid, trim_mode::per_value},
  {DCM_StudyInstanceUID, &dicom_tags::study_uid, trim_mode::per_value},
  {DCM_SeriesInstanceUID, &dicom_tags::series_uid, trim_mode::per_value},
  {DCM_AccessionNumber, &dicom_tags::accession, trim_mode::whole},
  {DCM_Modality, &dicom_tags::modality, trim_mode::per_value},
  {DCM_PatientID, &dicom_tags::patient_id, trim_mode::whole},
  {DCM_PatientName, &dicom_tags::patient_name, trim_mode::whole},
  {DCM_PatientBirthDate, &dicom_tags::patient_birth_date, trim_mode::per_value},
  {DCM_PatientSex, &dicom_tags::patient_sex, trim_mode::per_value},
  {DCM_SeriesDate, &dicom_tags::series_date, trim_mode::per_value},
  {DCM_SeriesTime, &dicom_tags::series_time, trim_mode::per_value},
  {DCM_AcquisitionDate, &dicom_tags::acquisition_date, trim_mode::per_value},
  {DCM_AcquisitionTime, &dicom_tags::acquisition_time, trim_mode::per_value},
  {DCM_ContentDate, &dicom_tags::content_date, trim_mode::per_value},
  {DCM_ContentTime, &dicom_tags::content_time, trim_mode::per_value},
  {DCM_StudyDate, &dicom_tags::study_date, trim_mode::per_value},
  {DCM_StudyTime, &dicom_tags::study_time, trim_mode::per_value},
  {DCM_ProtocolName, &dicom_tags::protocol_name, trim_mode::whole},
  {DCM_SeriesDescription, &dicom_tags::series_description, trim_mode::whole},
  {DCM_StudyDescription, &dicom_tags::study_description, trim_mode::whole},
  {DCM_BodyPartExamined, &dicom_tags::body_part, trim_mode::per_value},
  {DCM_SpecificCharacterSet, &dicom_tags::specific_character_set,
   trim_mode::per_value},
});

} // namespace

result<dicom_tags> extract_tags(DcmDataset& ds) {
  try {
    dicom_tags tags;
    for (const auto& f : fields) {
      OFString value;
      // A missing or unreadable attribute simply stays empty. DCMTK's own
      // normalisation differs by VR, so the padding rules are applied again.
      if (ds.findAndGetOFStringArray(f.tag, value).good())
        tags.*f.field
          = trim_values(std::string_view{value.data(), value.size()}, f.mode);
    }
    return tags;
  } catch (const std::exception& e) {
    // DCMTK reports by status; this is std::bad_alloc.
    return fail(errc::internal,
                std::string{"reading the DICOM attributes: "} + e.what());
  }
}

bool has_pixel_data(DcmDataset& ds) {
  DcmElement* pixels = nullptr;
  // Present but empty (zero length) is no image either; an encapsulated
  // Pixel Data has an undefined length and counts as present.
  return ds.findAndGetElement(DCM_PixelData, pixels).good() && pixels != nullptr
         && !pixels->isEmpty();
}

} // namespace xrv::dicom
