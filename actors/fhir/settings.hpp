#pragma once

// The FHIR fetcher's settings (`[fhir]` in the configuration) as plain
// values, so the request building and the lookups are testable without the
// configuration loader. Pure.

#include <optional>
#include <string>
#include <string_view>

namespace xrv::fhir {

/// Which server we talk to.
enum class dialect : unsigned char {
  /// A standard FHIR R4 server (FHIR_URL is the FHIR base, e.g. .../fhir).
  r4,
  /// The original's non-standard "Hipocrate" facade (original-backend.md §5;
  /// FHIR_URL is the host, paths get `/fhir/...`).
  hipocrate,
};

/// `r4` or `hipocrate` (case-insensitive); nullopt otherwise.
[[nodiscard]] std::optional<dialect> parse_dialect(std::string_view text);

struct settings {
  std::string base_url; // FHIR_URL, without a trailing slash
  std::string username; // FHIR_USERNAME (Basic, with FHIR_PASSWORD)
  std::string password;
  std::string token; // FHIR_TOKEN (Bearer); wins over Basic when set
  dialect kind = dialect::r4;
  /// The Patient.identifier system of the CNP (r4); empty: any system.
  std::string identifier_system;
  int connect_timeout_s = 5;
  int timeout_s = 30;       // every search and read
  int probe_timeout_s = 10; // the metadata probe
  /// How far a ServiceRequest or DiagnosticReport time may be from the exam
  /// time to belong to it (r4).
  int match_hours = 24;
  int page_size = 50; // _count of r4 searches
  int max_pages = 10; // `next` links followed per search, at most
};

} // namespace xrv::fhir
