#pragma once

// Romanian personal numeric code (CNP) validation, as the original's
// `validate_romanian_cnp` (original-backend.md §8.1). Pure: no clock; the age
// is derived elsewhere (`store::age_at`) from the birth date and exam date.

#include <string>
#include <string_view>

namespace xrv::dicom {

/// What a CNP says about its holder; only meaningful when `valid`.
struct cnp_info {
  bool valid = false;
  std::string birthdate; // YYYY-MM-DD
  char sex = '\0';       // 'M' (odd first digit) or 'F' (even)
  int county = -1;       // JJ: 1..46, 51, 52, 70..79, 90..99
  std::string reason;    // why it is invalid; empty when valid
};

/// Validates `text` (surrounding whitespace ignored) as a CNP: 13 digits, a
/// first digit 1..9, a real birth date, a known county code and the checksum.
[[nodiscard]] cnp_info validate_cnp(std::string_view text);

} // namespace xrv::dicom
