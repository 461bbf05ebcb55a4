#pragma once

// The anatomic region and projection of an exam from its protocol text, and
// the prompt's word for the patient's sex (original-backend.md §4.6, §8.4,
// §8.5), with keywords matched on word boundaries instead of as substrings
// (§9.4 item 28).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xrv::dicom {

/// Region rules in file order: region name -> keywords (`app_config::regions`).
using region_rules
  = std::vector<std::pair<std::string, std::vector<std::string>>>;

/// Lower-cases `text` (ASCII and Latin letters), strips diacritics (`mână` ->
/// `mana`, `ș`/`ş` -> `s`) and collapses whitespace runs to one space; other
/// characters are kept as they are.
[[nodiscard]] std::string fold_for_matching(std::string_view text);

/// The first region in file order with a keyword that starts a word of the
/// folded `protocol_text` (a whole word or its prefix, since Romanian inflects
/// by suffix: `cotul` matches `cot`, `scapula` does not match `cap`); a
/// keyword with a dot or space matches as a phrase starting a word. Keywords
/// are folded too. `"unknown"` when nothing matches.
[[nodiscard]] std::string identify_region(std::string_view protocol_text,
                                          const region_rules& rules);

/// `frontal` (a.p., p.a., d.v., v.d., d.p), else `lateral` (lat., pr.), else
/// `oblique` (oblic), each starting a word of the protocol; else empty.
[[nodiscard]] std::string identify_projection(std::string_view protocol);

/// `boy` for sex M/male, `girl` for F/female, else `child` (case-insensitive).
[[nodiscard]] std::string describe_sex(std::string_view sex);

} // namespace xrv::dicom
