#pragma once

// The ntfy publish request for one positive analysis, and the delivery
// policy of the notifier. Pure: no CAF, no curl; the config is a parameter.
// ntfy's header form (docs.ntfy.sh/publish): the body is the message, the
// `Title`, `Priority`, `Tags` and `Click` headers carry the rest. HTTP header
// values must stay ASCII, so non-ASCII text goes out as RFC 2047 encoded
// words, which ntfy decodes.

#include "actors/store/exam.hpp"
#include "actors/system/config.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xrv::notify {

/// One POST to ntfy.
struct ntfy_message {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body; // UTF-8 text
};

/// The request announcing the positive analysis of `v`. Patient names appear
/// only when `cfg.include_names`; otherwise the patient's initials.
[[nodiscard]] ntfy_message
build_message(const store::exam_view& v,
              const config::notifications_config& cfg);

/// `text` as one line of valid UTF-8: control characters and line separators
/// become spaces, whitespace runs collapse, ends are trimmed, malformed bytes
/// become U+FFFD.
[[nodiscard]] std::string one_line(std::string_view text);

/// `text` as a safe HTTP header value: `one_line`, then RFC 2047 `B` encoded
/// words (`=?UTF-8?B?...?=`, at most 75 characters each) when it is not plain
/// ASCII. Never contains CR or LF.
[[nodiscard]] std::string header_value(std::string_view text);

/// The dashboard link of exam `uid` under `public_url` (trailing `/`
/// trimmed): `<public_url>/?uid=<uid>`, ASCII only; empty when `public_url`
/// is empty.
[[nodiscard]] std::string exam_link(std::string_view public_url,
                                    std::string_view uid);

/// How the patient is named in a notification: the full name (DICOM `^` as
/// spaces) when `include_names`, else the initials (`P.I.M.`).
[[nodiscard]] std::string patient_label(const store::patient_record& p,
                                        bool include_names);

/// An exam as log lines name it: UID and patient initials, never the name.
[[nodiscard]] std::string log_label(const store::exam_view& v);

/// What to do after one publish attempt.
enum class verdict {
  sent,    // 2xx
  retry,   // 429, 5xx or no HTTP answer: worth another attempt
  give_up, // any other status: the request itself is wrong
};

/// The verdict for an HTTP status (0: no answer at all).
[[nodiscard]] verdict classify(long status);

/// The wait before attempt `failed + 1` after `failed` failed attempts
/// (`failed` >= 1): `first`, doubling each time, at most `cap`.
[[nodiscard]] std::chrono::milliseconds
backoff(std::chrono::milliseconds first, int failed,
        std::chrono::milliseconds cap = std::chrono::minutes(5));

} // namespace xrv::notify
