#pragma once

// Decoding of DICOM text values (PN, LO, SH, ST, LT, UT) to UTF-8 according
// to Specific Character Set (0008,0005), PS3.3 C.12.1.1.2 and PS3.5 §6.1.
// Only the single-byte repertoires a Romanian site meets are decoded; code
// extension (ISO 2022) escape sequences are dropped, not interpreted.

#include <string>
#include <string_view>

namespace xrv::dicom {

/// Decodes `raw` to UTF-8: the default repertoire (empty, `ISO_IR 6`) as ASCII
/// with bytes >= 0x80 replaced by U+FFFD; `ISO_IR 100` as Latin-1; `ISO_IR
/// 101` as Latin-2; `ISO_IR 192` as UTF-8 with invalid sequences replaced by
/// U+FFFD; `ISO 2022 IR 6/100/101` likewise, escape sequences removed. A
/// multi-valued set decodes with its first term naming a non-ASCII
/// repertoire; an unknown one decodes as Latin-1 (see `is_supported_charset`).
[[nodiscard]] std::string to_utf8(std::string_view raw,
                                  std::string_view specific_character_set);

/// Whether every term of `specific_character_set` is one `to_utf8` decodes,
/// so that the caller can log the values it decodes as Latin-1 by guess.
[[nodiscard]] bool
is_supported_charset(std::string_view specific_character_set);

} // namespace xrv::dicom
