#pragma once

// The DCMTK adapter in front of tag_mapping: reads a dataset's attributes
// into the plain `dicom_tags` struct, undecoded (tag_mapping decodes the
// Specific Character Set).

#include "actors/dicom/tag_mapping.hpp"
#include "actors/system/errors.hpp"

class DcmDataset;

namespace xrv::dicom {

/// Reads every field of `dicom_tags` from `ds` as raw strings: all values of
/// a multi-valued attribute joined by `\`, DICOM padding (spaces, trailing
/// NUL) trimmed, empty when absent. Absent or unreadable attributes are left
/// empty; fails (internal) only when DCMTK cannot allocate. Never throws.
[[nodiscard]] result<dicom_tags> extract_tags(DcmDataset& ds);

/// Whether `ds` carries a non-empty Pixel Data (7FE0,0010), i.e. is an image
/// the pipeline can render.
[[nodiscard]] bool has_pixel_data(DcmDataset& ds);

} // namespace xrv::dicom
