#pragma once

#include <string>
#include <string_view>

namespace xrv {

/// Initials of a DICOM person name (`POPESCU^ION-MIHAI` → `P.I.M.`), split on
/// `-`, `^` and space, upper-cased; `NoName` when there are none.
[[nodiscard]] std::string patient_initials(std::string_view dicom_name);

/// `Dr. ` plus the initials of a radiologist name with any leading `Dr.`
/// removed (`Dr. Ion Popescu` → `Dr. I.P.`); `Dr. NoName` when empty.
[[nodiscard]] std::string radiologist_initials(std::string_view name);

/// A CNP as `user` accounts see it: the first 7 characters plus `...` when
/// longer, unchanged when 1–7 characters, `Unknown` when empty.
[[nodiscard]] std::string truncate_cnp(std::string_view cnp);

/// A patient name fit for a log line (its initials).
[[nodiscard]] std::string mask_name(std::string_view name);

/// A CNP fit for a log line: the first character, then one `*` per further
/// character; `-` when empty.
[[nodiscard]] std::string mask_cnp(std::string_view cnp);

/// `text` with every run of exactly 13 ASCII digits (a CNP) masked as by
/// `mask_cnp`.
[[nodiscard]] std::string scrub_cnps(std::string_view text);

} // namespace xrv
