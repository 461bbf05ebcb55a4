#include "actors/store/exam_filter.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using namespace xrv::store;
using xrv::errc;

constexpr int threshold = 5;
constexpr int page_size = 10;

// -- helpers ------------------------------------------------------------------

exam_filter parsed(std::string_view query) {
  auto f = parse_exam_filter(query, page_size);
  EXPECT_TRUE(f) << query << ": " << (f ? "" : f.error().detail);
  return f ? *f : exam_filter{};
}

// The 400 detail of a query that must fail; empty when it did not.
std::string rejection(std::string_view query) {
  const auto f = parse_exam_filter(query, page_size);
  if (f)
    return {};
  EXPECT_EQ(f.error().code, errc::invalid_input);
  return f.error().detail;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::optional<interval> interval_of(std::string_view text, int max = 10) {
  auto i = parse_interval(text, 0, max, "severity");
  EXPECT_TRUE(i) << "'" << text << "'";
  return i ? *i : std::nullopt;
}

bool interval_rejected(std::string_view text, int max = 10) {
  const auto i = parse_interval(text, 0, max, "severity");
  return !i && i.error().code == errc::invalid_input
         && starts_with(i.error().detail, "severity: ");
}

patient_record patient(std::string name = "POPESCU^ION",
                       std::string cnp = "5150610123456",
                       std::string id = "P100") {
  patient_record p;
  p.name = std::move(name);
  p.cnp = std::move(cnp);
  p.id = std::move(id);
  return p;
}

exam_record exam(int ai_pos = -1, int ai_sev = -1, int rad_pos = -1,
                 int rad_sev = -1) {
  exam_record e;
  e.uid = "1.2.840.113619.2.55";
  e.cnp = "5150610123456";
  e.region = "chest";
  e.status = exam_status::done;
  e.ai.positive = ai_pos;
  e.ai.severity = ai_sev;
  e.rad.positive = rad_pos;
  e.rad.severity = rad_sev;
  return e;
}

bool admin_sees(std::string_view query, const exam_record& e,
                const patient_record& p = patient()) {
  return matches(parsed(query), e, p, threshold, false);
}

bool user_sees(std::string_view query, const exam_record& e,
               const patient_record& p = patient()) {
  return matches(parsed(query), e, p, threshold, true);
}

// -- intervals ----------------------------------------------------------------

TEST(ExamFilter, SeverityIntervalClosedRange) {
  EXPECT_EQ(interval_of("3-6"), (interval{3, 6}));
}

TEST(ExamFilter, SeverityIntervalWithOpenLowerBound) {
  EXPECT_EQ(interval_of("-8"), (interval{0, 8}));
}

TEST(ExamFilter, SeverityIntervalWithOpenUpperBound) {
  EXPECT_EQ(interval_of("2-"), (interval{2, 10}));
}

TEST(ExamFilter, SeverityIntervalSingleValue) {
  EXPECT_EQ(interval_of("5"), (interval{5, 5}));
  EXPECT_EQ(interval_of("0"), (interval{0, 0}));
  EXPECT_EQ(interval_of("10"), (interval{10, 10}));
}

TEST(ExamFilter, IntervalWhitespaceIsTrimmed) {
  EXPECT_EQ(interval_of(" 3 - 6 "), (interval{3, 6}));
  EXPECT_EQ(interval_of("\t7 "), (interval{7, 7}));
  EXPECT_EQ(interval_of(" - 4"), (interval{0, 4}));
}

TEST(ExamFilter, IntervalAnyOrEmptyIsNoFilter) {
  EXPECT_EQ(interval_of("any"), std::nullopt);
  EXPECT_EQ(interval_of("ANY"), std::nullopt);
  EXPECT_EQ(interval_of(""), std::nullopt);
  EXPECT_EQ(interval_of("   "), std::nullopt);
}

TEST(ExamFilter, IntervalBadFormsAreRejected) {
  for (const std::string_view bad :
       {"11", "6-3", "a", "--", "1-2-3", "-", "-11", "3-11", "+5", "3.5", "1 0",
        "5-a", "a-5", "-3-", "0x5", "99999999999999999999"})
    EXPECT_TRUE(interval_rejected(bad)) << "'" << bad << "'";
}

TEST(ExamFilter, IntervalErrorNamesFieldAndForms) {
  const auto i = parse_interval("6-3", 0, 10, "severity");
  ASSERT_FALSE(i);
  EXPECT_EQ(i.error().detail,
            "severity: expected n, a-b, -b or a- with values 0..10");
}

TEST(ExamFilter, ConfidenceIntervalUsesItsOwnBounds) {
  EXPECT_EQ(interval_of("80-", 100), (interval{80, 100}));
  EXPECT_EQ(interval_of("-100", 100), (interval{0, 100}));
  EXPECT_TRUE(interval_rejected("101", 100));
}

TEST(ExamFilter, IntervalPrintsInQueryNotation) {
  EXPECT_EQ(to_string(interval{3, 6}), "3-6");
  EXPECT_EQ(to_string(interval{5, 5}), "5-5");
}

// -- case folding -------------------------------------------------------------

TEST(FoldCase, LowerCasesAscii) {
  EXPECT_EQ(fold_case("Chest X-RAY 12"), "chest x-ray 12");
}

TEST(FoldCase, LowerCasesRomanianLetters) {
  EXPECT_EQ(fold_case("ȘTEFAN"), "ștefan");
  EXPECT_EQ(fold_case("ŞŢĂÂÎȘȚ"), "şţăâîșț");
  EXPECT_EQ(fold_case("ștefan"), "ștefan");
}

TEST(FoldCase, LeavesOtherBytesAlone) {
  EXPECT_EQ(fold_case("ÉÖ"), "ÉÖ");
  EXPECT_EQ(fold_case("\xC8"), "\xC8");
  EXPECT_EQ(fold_case("%_\xff"), "%_\xff");
}

// -- parsing: defaults and pagination -----------------------------------------

TEST(ExamFilter, EmptyQueryHasDefaultsAndNoFilters) {
  const auto f = parsed("");
  EXPECT_EQ(f.page, 1);
  EXPECT_EQ(f.limit, page_size);
  EXPECT_FALSE(f.reviewed || f.positive || f.correct);
  EXPECT_TRUE(f.region.empty() && f.search.empty() && f.diagnostic.empty()
              && f.radiologist.empty() && f.statuses.empty());
  EXPECT_FALSE(f.severity || f.ai_severity || f.confidence);
}

TEST(ExamFilter, PageAndLimit) {
  const auto f = parsed("page=3&limit=25");
  EXPECT_EQ(f.page, 3);
  EXPECT_EQ(f.limit, 25);
  EXPECT_EQ(parsed("limit=100").limit, 100);
  EXPECT_EQ(parsed("page=&limit=").page, 1);
  EXPECT_EQ(parsed("page=&limit=").limit, page_size);
  EXPECT_EQ(parse_exam_filter("", 20)->limit, 20);
}

TEST(ExamFilter, BadPageIsRejected) {
  for (const std::string_view q :
       {"page=0", "page=-1", "page=abc", "page=1.5", "page=2x",
        "page=99999999999", "page=1000001"})
    EXPECT_TRUE(starts_with(rejection(q), "page: ")) << q;
}

TEST(ExamFilter, BadLimitIsRejected) {
  for (const std::string_view q : {"limit=0", "limit=101", "limit=ten"})
    EXPECT_TRUE(starts_with(rejection(q), "limit: ")) << q;
}

// -- parsing: every parameter's 400 names it ----------------------------------

TEST(ExamFilter, EveryParameterErrorNamesTheField) {
  const std::pair<std::string_view, std::string_view> cases[] = {
    {"page=0", "page: "},
    {"limit=500", "limit: "},
    {"reviewed=maybe", "reviewed: "},
    {"positive=true", "positive: "},
    {"correct=1", "correct: "},
    {"status=finished", "status: "},
    {"severity=11", "severity: "},
    {"ai_severity=6-3", "ai_severity: "},
    {"confidence=101", "confidence: "},
    {"region=%zz", "region: "},
    {"search=50%", "search: "},
    {"diagnostic=%4", "diagnostic: "},
    {"radiologist=%G0", "radiologist: "},
  };
  for (const auto& [query, prefix] : cases)
    EXPECT_TRUE(starts_with(rejection(query), prefix))
      << query << " -> " << rejection(query);
}

TEST(ExamFilter, YesNoFiltersAreCaseInsensitive) {
  const auto f = parsed("reviewed=YES&positive=No&correct=any");
  EXPECT_EQ(f.reviewed, true);
  EXPECT_EQ(f.positive, false);
  EXPECT_EQ(f.correct, std::nullopt);
  EXPECT_EQ(parsed("reviewed=").reviewed, std::nullopt);
}

TEST(ExamFilter, StatusListIsParsedAndDeduplicated) {
  const auto f = parsed("status=queued,DONE,+error,done");
  EXPECT_EQ(f.statuses,
            (std::vector<exam_status>{exam_status::queued, exam_status::done,
                                      exam_status::error}));
  EXPECT_EQ(parsed("status=check").statuses,
            std::vector<exam_status>{exam_status::check});
  EXPECT_TRUE(parsed("status=any").statuses.empty());
  EXPECT_TRUE(parsed("status=%2C").statuses.empty());
}

TEST(ExamFilter, UnknownStatusIsNamed) {
  const auto detail = rejection("status=done,finished");
  EXPECT_TRUE(starts_with(detail, "status: "));
  EXPECT_NE(detail.find("finished"), std::string::npos) << detail;
}

TEST(ExamFilter, TextFiltersAreDecodedTrimmedAndFolded) {
  const auto f
    = parsed("region=+Chest+&search=Ion%20POPESCU&diagnostic=Pneumonie+"
             "lobar%C4%82&radiologist=Dr.+I.P.");
  EXPECT_EQ(f.region, "chest");
  EXPECT_EQ(f.search, "ion popescu");
  EXPECT_EQ(f.diagnostic, "pneumonie lobară");
  EXPECT_EQ(f.radiologist, "dr. i.p.");
  EXPECT_TRUE(parsed("search=any").search.empty());
}

TEST(ExamFilter, MalformedPercentEncodingNamesTheParameter) {
  EXPECT_EQ(rejection("search=%E"), "search: malformed percent-encoding");
  EXPECT_EQ(rejection("search=%C8"), "search: not valid UTF-8");
}

TEST(ExamFilter, ControlCharactersAreRejected) {
  EXPECT_EQ(rejection("search=a%0Ab"),
            "search: control characters not allowed");
  EXPECT_EQ(rejection("region=%00"), "region: control characters not allowed");
}

TEST(ExamFilter, LongUnknownStatusIsEchoedShortAndWhole) {
  const auto detail = rejection("status=" + std::string(31, 'x') + "%C8%98");
  EXPECT_NE(detail.find("'" + std::string(31, 'x') + "'"), std::string::npos)
    << detail;
}

TEST(ExamFilter, UnknownParametersAreIgnored) {
  const auto f = parsed("foo=%zz&bar&&_=1&page=2");
  EXPECT_EQ(f.page, 2);
}

TEST(ExamFilter, RepeatedParameterLastWins) {
  EXPECT_EQ(parsed("page=2&page=3").page, 3);
  EXPECT_EQ(parsed("page=x&page=4").page, 4);
  EXPECT_TRUE(starts_with(rejection("page=4&page=x"), "page: "));
}

TEST(ExamFilter, EncodedParameterNamesAndEqualsInValues) {
  EXPECT_EQ(parsed("ai%5Fseverity=3").ai_severity, (interval{3, 3}));
  EXPECT_EQ(parsed("search=a=b").search, "a=b");
}

// -- the echo -----------------------------------------------------------------

TEST(ExamFilter, EchoHasPageLimitAndSetFiltersOnly) {
  const auto plain = filters_json(parsed(""));
  EXPECT_EQ(boost::json::serialize(plain), R"({"page":1,"limit":10})");
  const auto f = parsed("page=2&limit=5&reviewed=yes&positive=no&correct=YES"
                        "&region=Chest&status=done,error&search=Pop"
                        "&diagnostic=Normal&radiologist=Dr.+X&severity=-8"
                        "&ai_severity=2-&confidence=90");
  const boost::json::value expected = {{"page", 2},
                                       {"limit", 5},
                                       {"reviewed", "yes"},
                                       {"positive", "no"},
                                       {"correct", "yes"},
                                       {"region", "chest"},
                                       {"status", "done,error"},
                                       {"search", "pop"},
                                       {"diagnostic", "normal"},
                                       {"radiologist", "dr. x"},
                                       {"severity", "0-8"},
                                       {"ai_severity", "2-10"},
                                       {"confidence", "90-90"}};
  EXPECT_EQ(boost::json::value(filters_json(f)), expected);
}

// -- semantics ----------------------------------------------------------------

TEST(ExamFilter, ReviewedMeansRadiologistVerdict) {
  EXPECT_TRUE(admin_sees("reviewed=yes", exam(-1, -1, 0)));
  EXPECT_FALSE(admin_sees("reviewed=yes", exam(-1, -1, -1, 7)));
  EXPECT_TRUE(admin_sees("reviewed=no", exam(1, 8, -1)));
  EXPECT_FALSE(admin_sees("reviewed=no", exam(1, 8, 1)));
}

TEST(ExamFilter, PositiveNoExcludesUnanalysed) {
  const auto pos = exam(1, 8);
  const auto neg = exam(0, 2);
  const auto unanalysed = exam();
  EXPECT_TRUE(admin_sees("positive=yes", pos));
  EXPECT_FALSE(admin_sees("positive=yes", neg));
  EXPECT_FALSE(admin_sees("positive=yes", unanalysed));
  EXPECT_FALSE(admin_sees("positive=no", pos));
  EXPECT_TRUE(admin_sees("positive=no", neg));
  EXPECT_FALSE(admin_sees("positive=no", unanalysed));
}

TEST(ExamFilter, PositiveUsesSeverityWithoutShort) {
  EXPECT_TRUE(admin_sees("positive=yes", exam(-1, 5)));
  EXPECT_TRUE(admin_sees("positive=no", exam(-1, 4)));
}

TEST(ExamFilter, CorrectYesExcludesUnreviewed) {
  const auto agree = exam(1, 8, 1, 7);
  const auto disagree = exam(1, 8, 0, 1);
  const auto unreviewed = exam(1, 8);
  const auto unanalysed = exam(-1, -1, 1, 7);
  EXPECT_TRUE(admin_sees("correct=yes", agree));
  EXPECT_FALSE(admin_sees("correct=yes", disagree));
  EXPECT_FALSE(admin_sees("correct=yes", unreviewed));
  EXPECT_FALSE(admin_sees("correct=yes", unanalysed));
  EXPECT_FALSE(admin_sees("correct=no", agree));
  EXPECT_TRUE(admin_sees("correct=no", disagree));
  EXPECT_FALSE(admin_sees("correct=no", unreviewed));
  EXPECT_FALSE(admin_sees("correct=no", unanalysed));
}

TEST(ExamFilter, RegionIsACaseInsensitiveSubstring) {
  auto e = exam();
  e.region = "Chest";
  EXPECT_TRUE(admin_sees("region=HES", e));
  EXPECT_TRUE(admin_sees("region=chest", e));
  EXPECT_FALSE(admin_sees("region=abdomen", e));
}

TEST(ExamFilter, StatusMatchesAnyListed) {
  auto e = exam();
  e.status = exam_status::error;
  EXPECT_TRUE(admin_sees("status=error", e));
  EXPECT_TRUE(admin_sees("status=done,error", e));
  EXPECT_FALSE(admin_sees("status=done,queued", e));
}

TEST(ExamFilter, SearchCoversNameCnpPatientIdAndUid) {
  const auto e = exam();
  EXPECT_TRUE(admin_sees("search=popescu", e));
  EXPECT_TRUE(admin_sees("search=0610123", e));
  EXPECT_TRUE(admin_sees("search=p10", e));
  EXPECT_TRUE(admin_sees("search=113619.2", e));
  EXPECT_FALSE(admin_sees("search=ionescu", e));
}

TEST(ExamFilter, SearchIsLiteralNotAWildcard) {
  const auto e = exam();
  EXPECT_FALSE(admin_sees("search=pop%25scu", e));
  EXPECT_FALSE(admin_sees("search=p_pescu", e));
  EXPECT_FALSE(admin_sees("search=%25", e));
  EXPECT_TRUE(
    admin_sees("search=b_1%25", e, patient("X^Y", "5150610123456", "AB_1%2")));
  EXPECT_FALSE(
    admin_sees("search=bx1", e, patient("X^Y", "5150610123456", "AB_1%2")));
}

TEST(ExamFilter, SearchFoldsRomanianLetters) {
  const auto e = exam();
  EXPECT_TRUE(admin_sees("search=%C8%99tefan", e, patient("ȘTEFAN^ION")));
  EXPECT_TRUE(admin_sees("search=%C8%98TEFAN", e, patient("ștefan^ion")));
  EXPECT_TRUE(admin_sees("search=%C8%98tefan", e, patient("ȘTEFAN^ION")));
}

TEST(ExamFilter, DiagnosticIsCaseInsensitiveEquality) {
  auto e = exam();
  e.rad.summary = "Pneumonie";
  EXPECT_TRUE(admin_sees("diagnostic=pneumonie", e));
  EXPECT_TRUE(admin_sees("diagnostic=PNEUMONIE", e));
  EXPECT_FALSE(admin_sees("diagnostic=pneum", e));
}

TEST(ExamFilter, RadiologistByRealNameForEveryone) {
  auto e = exam();
  e.rad.radiologist = "Dr. Ion Popescu";
  EXPECT_TRUE(admin_sees("radiologist=dr.+ion+popescu", e));
  EXPECT_TRUE(user_sees("radiologist=DR.+ION+POPESCU", e));
  EXPECT_FALSE(admin_sees("radiologist=popescu", e));
}

TEST(ExamFilter, RadiologistInitialsOnlyForUsers) {
  auto e = exam();
  e.rad.radiologist = "Dr. Ștefan Ionescu";
  EXPECT_TRUE(user_sees("radiologist=Dr.+%C8%98.I.", e));
  EXPECT_TRUE(user_sees("radiologist=dr.+%C8%99.i.", e));
  EXPECT_FALSE(admin_sees("radiologist=Dr.+%C8%98.I.", e));
}

TEST(ExamFilter, RadiologistInitialsNeverMatchAnUnknownRadiologist) {
  EXPECT_FALSE(user_sees("radiologist=Dr.+NoName", exam()));
}

TEST(ExamFilter, SeverityIntervalOnRadiologistSeverity) {
  EXPECT_TRUE(admin_sees("severity=3-6", exam(-1, 9, 1, 6)));
  EXPECT_FALSE(admin_sees("severity=3-6", exam(-1, 5, 1, 7)));
  EXPECT_TRUE(admin_sees("severity=2-", exam(-1, -1, 1, 10)));
  EXPECT_TRUE(admin_sees("severity=5", exam(-1, -1, 1, 5)));
}

TEST(ExamFilter, UnreviewedNeverMatchesASeverityInterval) {
  EXPECT_FALSE(admin_sees("severity=-8", exam(1, 3)));
  EXPECT_FALSE(admin_sees("severity=0-10", exam(1, 3)));
}

TEST(ExamFilter, AiSeverityAndConfidenceOnTheAiReport) {
  auto e = exam(1, 7);
  e.ai.confidence = 85;
  EXPECT_TRUE(admin_sees("ai_severity=6-8", e));
  EXPECT_FALSE(admin_sees("ai_severity=-6", e));
  EXPECT_TRUE(admin_sees("confidence=80-", e));
  EXPECT_FALSE(admin_sees("confidence=90-", e));
  EXPECT_FALSE(admin_sees("confidence=0-100", exam()));
}

TEST(ExamFilter, FiltersCombineWithAnd) {
  auto e = exam(1, 8, 1, 7);
  e.rad.summary = "pneumonie";
  EXPECT_TRUE(admin_sees("positive=yes&reviewed=yes&diagnostic=pneumonie"
                         "&status=done&region=chest",
                         e));
  EXPECT_FALSE(admin_sees("positive=yes&reviewed=yes&status=error", e));
}

// -- patients -----------------------------------------------------------------

TEST(PatientFilter, ParsesPageLimitAndSearch) {
  const auto f = parse_patient_filter("page=2&limit=50&search=%C8%98tef", 10);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->page, 2);
  EXPECT_EQ(f->limit, 50);
  EXPECT_EQ(f->search, "ștef");
  EXPECT_EQ(boost::json::serialize(filters_json(*f)),
            R"({"page":2,"limit":50,"search":"ștef"})");
}

TEST(PatientFilter, BadValuesNameTheField) {
  const auto page = parse_patient_filter("page=0", 10);
  ASSERT_FALSE(page);
  EXPECT_TRUE(starts_with(page.error().detail, "page: "));
  const auto limit = parse_patient_filter("limit=101", 10);
  ASSERT_FALSE(limit);
  EXPECT_TRUE(starts_with(limit.error().detail, "limit: "));
  const auto search = parse_patient_filter("search=%x", 10);
  ASSERT_FALSE(search);
  EXPECT_TRUE(starts_with(search.error().detail, "search: "));
}

TEST(PatientFilter, SearchMatchesNameOrCnpLiterally) {
  const auto f = *parse_patient_filter("search=popescu", 10);
  EXPECT_TRUE(matches(f, patient()));
  EXPECT_TRUE(matches(*parse_patient_filter("search=515", 10), patient()));
  EXPECT_FALSE(matches(*parse_patient_filter("search=P100", 10), patient()));
  EXPECT_FALSE(matches(*parse_patient_filter("search=p_p", 10), patient()));
  EXPECT_TRUE(matches(*parse_patient_filter("", 10), patient()));
}

} // namespace
