#include "actors/notify/message.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace xrv::notify {

namespace {

using namespace std::chrono_literals;

store::exam_view positive_exam() {
  store::exam_view v;
  v.exam.uid = "1.2.840.10008.1.42";
  v.exam.region = "chest";
  v.exam.created = "2025-03-04 10:20:30";
  v.exam.ai.positive = 1;
  v.exam.ai.severity = 7;
  v.exam.ai.summary = "right lower lobe consolidation";
  v.exam.ai.text = "Findings: consolidation.\nSecond line.";
  v.patient.cnp = "1900101400004";
  v.patient.name = "POPESCU^ION-MIHAI";
  return v;
}

config::notifications_config ntfy_config() {
  config::notifications_config c;
  c.ntfy_url = "http://127.0.0.1:28100/xrv-alerts";
  c.priority = "4";
  c.tags = "warning,skull";
  return c;
}

// Header name -> value; names are unique in our requests.
std::map<std::string, std::string> headers_of(const ntfy_message& m) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : m.headers)
    out[name] = value;
  return out;
}

// Header `name` of the message announcing `v`; "(absent)" when not sent.
std::string header(const config::notifications_config& cfg,
                   const std::string& name,
                   const store::exam_view& v = positive_exam()) {
  auto h = headers_of(build_message(v, cfg));
  return h.count(name) == 0 ? std::string{"(absent)"} : h[name];
}

std::string base64_decode(std::string_view in) {
  static constexpr std::string_view digits
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (const char c : in) {
    const auto d = digits.find(c);
    if (d == std::string_view::npos)
      continue; // padding
    acc = (acc << 6U) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(
        static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xFFU));
    }
  }
  return out;
}

// What a receiver decodes from a header value made of `B` encoded words
// separated by spaces (RFC 2047 §6.2).
std::string decode_words(const std::string& value) {
  std::string out;
  std::size_t pos = 0;
  while (pos < value.size()) {
    const auto start = value.find("=?UTF-8?B?", pos);
    if (start == std::string::npos)
      return out + value.substr(pos);
    const auto end = value.find("?=", start + 10);
    out += base64_decode(value.substr(start + 10, end - start - 10));
    pos = end + 2;
    if (pos < value.size() && value[pos] == ' ')
      ++pos;
  }
  return out;
}

bool has_line_break(const std::string& s) {
  return s.find_first_of("\r\n") != std::string::npos;
}

} // namespace

TEST(NtfyMessage, PostsToTheConfiguredUrlWithTitlePriorityAndTags) {
  const auto m = build_message(positive_exam(), ntfy_config());
  EXPECT_EQ(m.url, "http://127.0.0.1:28100/xrv-alerts");
  auto h = headers_of(m);
  EXPECT_EQ(h["Title"], "XRayVision: positive chest X-ray");
  EXPECT_EQ(h["Priority"], "4");
  EXPECT_EQ(h["Tags"], "warning,skull");
  EXPECT_EQ(h["Content-Type"], "text/plain; charset=utf-8");
  EXPECT_EQ(h.count("Authorization"), 0U);
}

TEST(NtfyMessage, BodyCarriesRegionFindingSeverityInitialsAndTime) {
  const auto m = build_message(positive_exam(), ntfy_config());
  EXPECT_EQ(m.body, "Region: chest\n"
                    "Finding: right lower lobe consolidation\n"
                    "Severity: 7/10\n"
                    "Patient: P.I.M.\n"
                    "Exam time: 2025-03-04 10:20:30");
}

TEST(NtfyMessage, NoPatientNameOrCnpUnlessNamesAreIncluded) {
  const auto m = build_message(positive_exam(), ntfy_config());
  EXPECT_EQ(m.body.find("POPESCU"), std::string::npos);
  EXPECT_EQ(m.body.find("1900101400004"), std::string::npos);
  for (const auto& [name, value] : m.headers) {
    EXPECT_EQ(value.find("POPESCU"), std::string::npos) << name;
    EXPECT_EQ(value.find("1900101400004"), std::string::npos) << name;
  }
}

TEST(NtfyMessage, FullNameWithSpacesWhenNamesAreIncluded) {
  auto cfg = ntfy_config();
  cfg.include_names = true;
  const auto m = build_message(positive_exam(), cfg);
  EXPECT_NE(m.body.find("\nPatient: POPESCU ION-MIHAI\n"), std::string::npos)
    << m.body;
  EXPECT_EQ(m.body.find("1900101400004"), std::string::npos);
}

TEST(NtfyMessage, RomanianDiacriticsStayUtf8InTheBodyAndEncodedInTheTitle) {
  auto v = positive_exam();
  v.exam.region = "șold";
  v.patient.name = "ȘERBAN^ȚĂRANU Îon Âna";
  auto cfg = ntfy_config();
  cfg.include_names = true;
  const auto m = build_message(v, cfg);
  auto h = headers_of(m);
  EXPECT_EQ(h["Title"],
            "=?UTF-8?B?WFJheVZpc2lvbjogcG9zaXRpdmUgyJlvbGQgWC1yYXk=?=");
  EXPECT_EQ(decode_words(h["Title"]), "XRayVision: positive șold X-ray");
  EXPECT_NE(m.body.find("Region: șold\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("Patient: ȘERBAN ȚĂRANU Îon Âna\n"), std::string::npos)
    << m.body;
  cfg.include_names = false;
  EXPECT_NE(build_message(v, cfg).body.find("Patient: Ș.Ț.Î.Â.\n"),
            std::string::npos);
}

TEST(NtfyMessage, LongNonAsciiTitleIsSplitIntoShortEncodedWords) {
  auto v = positive_exam();
  v.exam.region = "ăâîșț ăâîșț ăâîșț ăâîșț ăâîșț"; // 59 bytes
  const auto title = header(ntfy_config(), "Title", v);
  std::size_t words = 0;
  for (std::size_t pos = 0; pos < title.size();) {
    auto end = title.find(' ', pos);
    if (end == std::string::npos)
      end = title.size();
    const auto word = title.substr(pos, end - pos);
    EXPECT_LE(word.size(), 75U) << word;
    EXPECT_EQ(word.rfind("=?UTF-8?B?", 0), 0U) << word;
    ++words;
    pos = end + 1;
  }
  EXPECT_GE(words, 2U);
  EXPECT_EQ(decode_words(title),
            "XRayVision: positive ăâîșț ăâîșț ăâîșț ăâîșț ăâîșț X-ray");
}

TEST(NtfyMessage, LineBreaksInNamesAndRegionsCannotInjectHeadersOrLines) {
  auto v = positive_exam();
  v.exam.region = "chest\r\nAuthorization: Bearer stolen";
  v.exam.ai.summary = "ok\nPatient: SOMEONE ELSE";
  v.patient.name = "\nEVIL^X\r\nClick: http://evil";
  auto cfg = ntfy_config();
  cfg.tags = "warning\r\nX-Injected: 1";
  cfg.priority = "4\n";
  cfg.public_url = "http://xrv.local\r\nX-Evil: 1";
  cfg.ntfy_token = "tk_abc\r\nX-Evil: 2";
  for (const bool names : {false, true}) {
    cfg.include_names = names;
    const auto m = build_message(v, cfg);
    for (const auto& [name, value] : m.headers)
      EXPECT_FALSE(has_line_break(value)) << name << ": " << value;
    auto h = headers_of(m);
    EXPECT_EQ(h["Title"],
              "XRayVision: positive chest Authorization: Bearer stolen X-ray");
    EXPECT_EQ(h["Tags"], "warning X-Injected: 1");
    EXPECT_EQ(h["Priority"], "4");
    EXPECT_EQ(h["Authorization"], "Bearer tk_abc X-Evil: 2");
    EXPECT_EQ(h["Click"].find_first_of(" \r\n"), std::string::npos)
      << h["Click"];
    // Exactly the five lines we write, each field on its own line.
    EXPECT_EQ(std::count(m.body.begin(), m.body.end(), '\n'), 4) << m.body;
    EXPECT_EQ(m.body.find('\r'), std::string::npos);
    EXPECT_NE(m.body.find("Finding: ok Patient: SOMEONE ELSE\n"),
              std::string::npos)
      << m.body;
  }
}

TEST(NtfyMessage, UnicodeLineSeparatorsAndBadUtf8AreNeutralised) {
  EXPECT_EQ(one_line("a\xE2\x80\xA8"
                     "b\xC2\x85"
                     "c"),
            "a b c");
  EXPECT_EQ(one_line("ok\xFF\xC3"), "ok\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(one_line("  spaced \t out  "), "spaced out");
  EXPECT_EQ(one_line("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD"); // overlong '/'
}

TEST(NtfyMessage, AsciiThatLooksEncodedIsEncodedToArriveVerbatim) {
  const auto v = header_value("=?UTF-8?B?SGk=?=");
  EXPECT_NE(v, "=?UTF-8?B?SGk=?=");
  EXPECT_EQ(decode_words(v), "=?UTF-8?B?SGk=?=");
}

TEST(NtfyMessage, EmptyFieldsGiveReadableDefaults) {
  store::exam_view v;
  const auto m = build_message(v, ntfy_config());
  auto h = headers_of(m);
  EXPECT_EQ(h["Title"], "XRayVision: positive X-ray");
  EXPECT_EQ(m.body, "Region: unknown\n"
                    "Finding: (none given)\n"
                    "Severity: unknown\n"
                    "Patient: NoName\n"
                    "Exam time: unknown");
  auto cfg = ntfy_config();
  cfg.include_names = true;
  EXPECT_NE(build_message(v, cfg).body.find("Patient: NoName\n"),
            std::string::npos);
}

TEST(NtfyMessage, UnknownRegionIsLeftOutOfTheTitle) {
  auto v = positive_exam();
  v.exam.region = "unknown";
  EXPECT_EQ(header(ntfy_config(), "Title", v), "XRayVision: positive X-ray");
}

TEST(NtfyMessage, FindingFallsBackToTheFirstLineOfTheReport) {
  auto v = positive_exam();
  v.exam.ai.summary = " ";
  v.exam.ai.text = "\n\r\nFindings: consolidation.\nSecond line.";
  EXPECT_NE(build_message(v, ntfy_config())
              .body.find("\nFinding: Findings: consolidation.\n"),
            std::string::npos);
}

TEST(NtfyMessage, LongFindingIsCutOnACharacterBoundary) {
  auto v = positive_exam();
  // The cut at 997 bytes would fall inside the two-byte `ș`.
  v.exam.ai.summary = std::string(996, 'a') + "ș" + std::string(300, 'b');
  const auto body = build_message(v, ntfy_config()).body;
  const auto from = body.find("Finding: ") + 9;
  EXPECT_EQ(body.substr(from, body.find("\nSeverity") - from),
            std::string(996, 'a') + "\xE2\x80\xA6");
}

TEST(NtfyMessage, SeverityOutOfRangeIsUnknown) {
  auto v = positive_exam();
  for (const auto& [severity, text] : std::map<int, std::string>{
         {-1, "unknown"}, {0, "0/10"}, {10, "10/10"}, {11, "unknown"}}) {
    v.exam.ai.severity = severity;
    EXPECT_NE(
      build_message(v, ntfy_config()).body.find("\nSeverity: " + text + "\n"),
      std::string::npos)
      << severity;
  }
}

TEST(NtfyMessage, BearerTokenWhenConfigured) {
  auto cfg = ntfy_config();
  EXPECT_EQ(header(cfg, "Authorization"), "(absent)");
  cfg.ntfy_token = "tk_secret123";
  EXPECT_EQ(header(cfg, "Authorization"), "Bearer tk_secret123");
}

TEST(NtfyMessage, ClickLinksTheExamUnderPublicUrl) {
  auto cfg = ntfy_config();
  cfg.public_url = "https://xrv.hospital.ro/";
  EXPECT_EQ(header(cfg, "Click"),
            "https://xrv.hospital.ro/?uid=1.2.840.10008.1.42");
  cfg.public_url = "https://xrv.hospital.ro/xrv//";
  EXPECT_EQ(header(cfg, "Click"),
            "https://xrv.hospital.ro/xrv/?uid=1.2.840.10008.1.42");
}

TEST(NtfyMessage, NoClickWithoutPublicUrl) {
  auto cfg = ntfy_config();
  cfg.public_url = "";
  EXPECT_EQ(header(cfg, "Click"), "(absent)");
  cfg.public_url = " / ";
  EXPECT_EQ(header(cfg, "Click"), "(absent)");
}

TEST(NtfyMessage, ExamLinkEscapesNonAsciiAndOddUidCharacters) {
  EXPECT_EQ(exam_link("http://spital.ro/radiologie ș", "1.2 3&x"),
            "http://spital.ro/radiologie%20%C8%99/?uid=1.2%203%26x");
  EXPECT_EQ(exam_link("", "1.2"), "");
}

TEST(NtfyMessage, EmptyPriorityAndTagsAreLeftOut) {
  auto cfg = ntfy_config();
  cfg.priority = "";
  cfg.tags = " ";
  EXPECT_EQ(header(cfg, "Priority"), "(absent)");
  EXPECT_EQ(header(cfg, "Tags"), "(absent)");
}

TEST(NtfyMessage, LogLabelNamesUidAndInitialsOnly) {
  EXPECT_EQ(log_label(positive_exam()), "exam 1.2.840.10008.1.42 (P.I.M.)");
}

TEST(NtfyDelivery, SuccessRetryableAndFinalStatuses) {
  EXPECT_EQ(classify(200), verdict::sent);
  EXPECT_EQ(classify(204), verdict::sent);
  EXPECT_EQ(classify(0), verdict::retry);
  EXPECT_EQ(classify(429), verdict::retry);
  EXPECT_EQ(classify(500), verdict::retry);
  EXPECT_EQ(classify(503), verdict::retry);
  EXPECT_EQ(classify(400), verdict::give_up);
  EXPECT_EQ(classify(401), verdict::give_up);
  EXPECT_EQ(classify(403), verdict::give_up);
  EXPECT_EQ(classify(404), verdict::give_up);
  EXPECT_EQ(classify(301), verdict::give_up);
}

TEST(NtfyDelivery, BackoffDoublesUpToTheCap) {
  EXPECT_EQ(backoff(1000ms, 1), 1000ms);
  EXPECT_EQ(backoff(1000ms, 2), 2000ms);
  EXPECT_EQ(backoff(1000ms, 3), 4000ms);
  EXPECT_EQ(backoff(1000ms, 40), 5min);
  EXPECT_EQ(backoff(10ms, 3, 25ms), 25ms);
}

} // namespace xrv::notify
