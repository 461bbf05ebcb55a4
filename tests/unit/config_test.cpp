#include "actors/system/config.hpp"

#include "actors/system/ini.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "config_helpers.hpp"

#ifndef XRV_SOURCE_DIR
#  define XRV_SOURCE_DIR "."
#endif

namespace {

using xrv::errc;
using xrv::config::app_config;
using xrv::config::cli_options;
using xrv::config::file_reader;
using xrv::config::load_config;
using xrv::config::parse_command_line;
using xrv::config::parse_ini;
using xrv::config::usage_text;

std::vector<std::string> region_names(const app_config& c) {
  std::vector<std::string> out;
  for (const auto& [name, keywords] : c.regions)
    out.push_back(name);
  return out;
}

const std::vector<std::string> builtin_region_order{
  "chest",    "ribs",       "sternum", "abdomen",  "skull",
  "mandible", "nose",       "sinuses", "spine",    "pelvis",
  "clavicle", "upper_limb", "hand",    "shoulder", "elbow",
  "hip",      "lower_limb", "knee",    "ankle",    "foot"};

const std::string plain_admin_warning
  = "xrayvision.cfg: [users] admin: password stored in plain text; use "
    "`xrayvision hash-password`";

// -- defaults
// -------------------------------------------------------------------

TEST(ConfigDefaults, MissingFileGivesBuiltInDefaults) {
  const auto c = loaded({});
  EXPECT_EQ(c.general.db_path, "data");
  EXPECT_EQ(c.general.backup_dir, "backup");
  EXPECT_EQ(c.dicom.ae_title, "XRAYVISION");
  EXPECT_EQ(c.dicom.ae_port, 4010);
  EXPECT_EQ(c.dicom.retrieval_method, "C-MOVE");
  EXPECT_EQ(c.dashboard.port, 8000);
  EXPECT_EQ(c.openai.model_name, "medgemma-4b-it");
  EXPECT_FALSE(c.processing.enable_his);
  EXPECT_EQ(c.log_level, "INFO");
  EXPECT_TRUE(c.users.empty());
  EXPECT_TRUE(c.sources.empty());
  EXPECT_EQ(c.warnings,
            std::vector<std::string>{"[users] is empty: nobody can log in"});
}

TEST(ConfigDefaults, BuiltInRegionRulesQuestionsAndSupportedRegions) {
  const auto c = loaded({});
  EXPECT_EQ(region_names(c), builtin_region_order);
  EXPECT_EQ(c.regions[0].second,
            (std::vector<std::string>{"torace", "pulmon", "thorax", "chest"}));
  EXPECT_EQ(c.regions[8].second,
            (std::vector<std::string>{"col.", "spine", "dens", "sacrat"}));
  EXPECT_EQ(c.questions.size(), 20U);
  EXPECT_EQ(c.questions.at("chest"),
            "Are there any lung consolidations, infitrates, opacities, pleural "
            "effusion, pneumothorax or pneumoperitoneum");
  EXPECT_EQ(c.questions.at("sinuses"),
            "Are the paranasal sinuses normally aerated or are they opaque or "
            "are there fluid levels");
  EXPECT_EQ(c.supported_regions,
            (std::vector<std::string>{"chest", "abdomen", "nose", "sinuses",
                                      "clavicle"}));
}

TEST(ConfigDefaults, ShippedFileMatchesBuiltInDefaults) {
  std::ifstream in{std::string{XRV_SOURCE_DIR} + "/xrayvision.cfg"};
  ASSERT_TRUE(in) << "xrayvision.cfg not found under " << XRV_SOURCE_DIR;
  std::stringstream text;
  text << in.rdbuf();
  const auto shipped = loaded({{"xrayvision.cfg", text.str()}});
  const auto builtin = loaded({});
  EXPECT_EQ(shipped.sources, std::vector<std::string>{"xrayvision.cfg"});
  EXPECT_EQ(shipped.warnings, std::vector<std::string>{plain_admin_warning});
  ASSERT_EQ(shipped.users.size(), 1U);
  EXPECT_EQ(shipped.users[0].name, "admin");
  EXPECT_EQ(shipped.users[0].password, "admin");
  EXPECT_EQ(shipped.users[0].role, "admin");
  EXPECT_EQ(shipped.regions, builtin.regions);
  EXPECT_EQ(shipped.questions, builtin.questions);
  EXPECT_EQ(shipped.supported_regions, builtin.supported_regions);
  EXPECT_EQ(shipped.log_level, builtin.log_level);
  const auto& g = shipped.general;
  EXPECT_EQ(g.db_path, builtin.general.db_path);
  EXPECT_EQ(g.backup_dir, builtin.general.backup_dir);
  EXPECT_EQ(g.backup_keep, builtin.general.backup_keep);
  EXPECT_EQ(g.images_dir, builtin.general.images_dir);
  EXPECT_EQ(g.static_dir, builtin.general.static_dir);
  EXPECT_EQ(g.log_file, builtin.general.log_file);
  EXPECT_EQ(g.log_max_size_mb, builtin.general.log_max_size_mb);
  EXPECT_EQ(g.log_max_files, builtin.general.log_max_files);
  EXPECT_EQ(g.worker_threads, builtin.general.worker_threads);
  EXPECT_EQ(shipped.dicom.ae_title, builtin.dicom.ae_title);
  EXPECT_EQ(shipped.dicom.ae_port, builtin.dicom.ae_port);
  EXPECT_EQ(shipped.dicom.remote_ae_title, builtin.dicom.remote_ae_title);
  EXPECT_EQ(shipped.dicom.remote_ae_ip, builtin.dicom.remote_ae_ip);
  EXPECT_EQ(shipped.dicom.remote_ae_port, builtin.dicom.remote_ae_port);
  EXPECT_EQ(shipped.dicom.retrieval_method, builtin.dicom.retrieval_method);
  EXPECT_EQ(shipped.openai.url_primary, builtin.openai.url_primary);
  EXPECT_EQ(shipped.openai.url_secondary, builtin.openai.url_secondary);
  EXPECT_EQ(shipped.openai.api_key, builtin.openai.api_key);
  EXPECT_EQ(shipped.openai.model_name, builtin.openai.model_name);
  EXPECT_EQ(shipped.dashboard.bind, builtin.dashboard.bind);
  EXPECT_EQ(shipped.dashboard.port, builtin.dashboard.port);
  EXPECT_EQ(shipped.dashboard.http_threads, builtin.dashboard.http_threads);
  EXPECT_EQ(shipped.dashboard.session_hours, builtin.dashboard.session_hours);
  EXPECT_EQ(shipped.notifications.ntfy_url, builtin.notifications.ntfy_url);
  EXPECT_EQ(shipped.fhir.url, builtin.fhir.url);
  EXPECT_EQ(shipped.fhir.username, builtin.fhir.username);
  EXPECT_EQ(shipped.fhir.password, builtin.fhir.password);
  const auto& p = shipped.processing;
  EXPECT_EQ(p.page_size, builtin.processing.page_size);
  EXPECT_EQ(p.keep_dicom, builtin.processing.keep_dicom);
  EXPECT_EQ(p.load_dicom, builtin.processing.load_dicom);
  EXPECT_EQ(p.no_query, builtin.processing.no_query);
  EXPECT_EQ(p.enable_ntfy, builtin.processing.enable_ntfy);
  EXPECT_EQ(p.enable_his, builtin.processing.enable_his);
  EXPECT_EQ(p.query_interval, builtin.processing.query_interval);
  EXPECT_EQ(p.severity_threshold, builtin.processing.severity_threshold);
  EXPECT_EQ(p.converters, builtin.processing.converters);
  EXPECT_EQ(p.png_max_size, builtin.processing.png_max_size);
  EXPECT_EQ(p.png_gamma, builtin.processing.png_gamma);
  EXPECT_EQ(shipped.limits.heavy_per_minute, builtin.limits.heavy_per_minute);
  EXPECT_EQ(shipped.limits.api_per_minute, builtin.limits.api_per_minute);
}

TEST(ConfigDefaults, ExplicitConfigFileThatDoesNotExistIsAnError) {
  auto cfg = load({{"xrayvision.cfg", "[general]\n"}}, {},
                  {"--config", "missing.cfg"});
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().code, errc::invalid_input);
  EXPECT_EQ(cfg.error().detail,
            "command line --config: missing.cfg: file not found");
}

// -- layering
// -------------------------------------------------------------------

TEST(ConfigLayering, FileThenLocalThenEnvironmentThenFlags) {
  const auto c = loaded(
    {{"xrayvision.cfg", "[openai]\nMODEL_NAME = file\n[processing]\n"
                        "PAGE_SIZE = 20\nQUERY_INTERVAL = 60\n"
                        "SEVERITY_THRESHOLD = 7\n"},
     {"local.cfg", "[openai]\nMODEL_NAME = local\n[processing]\n"
                   "PAGE_SIZE = 30\nQUERY_INTERVAL = 90\n"}},
    {{"XRV_OPENAI_MODEL_NAME", "env"}, {"XRV_PROCESSING_PAGE_SIZE", "40"}},
    {"--model", "flag"});
  EXPECT_EQ(c.openai.model_name, "flag");
  EXPECT_EQ(c.processing.page_size, 40);
  EXPECT_EQ(c.processing.query_interval, 90);
  EXPECT_EQ(c.processing.severity_threshold, 7);
  EXPECT_EQ(c.sources, (std::vector<std::string>{"xrayvision.cfg", "local.cfg",
                                                 "environment (2 variables)",
                                                 "command line"}));
}

TEST(ConfigLayering, LocalCfgOverridesKeyByKey) {
  const auto c
    = loaded({{"xrayvision.cfg", "[dicom]\nAE_TITLE = MAIN\nAE_PORT = 5000\n"},
              {"local.cfg", "[dicom]\nAE_PORT = 6000\n"}});
  EXPECT_EQ(c.dicom.ae_title, "MAIN");
  EXPECT_EQ(c.dicom.ae_port, 6000);
}

TEST(ConfigLayering, LocalCfgIsReadFromTheConfigFilesFolder) {
  const auto c = loaded({{"/etc/xrv/site.cfg", "[dicom]\nAE_PORT = 5000\n"},
                         {"/etc/xrv/local.cfg", "[dicom]\nAE_PORT = 6000\n"},
                         {"local.cfg", "[dicom]\nAE_PORT = 7000\n"}},
                        {}, {"--config", "/etc/xrv/site.cfg"});
  EXPECT_EQ(c.dicom.ae_port, 6000);
  EXPECT_EQ(c.sources, (std::vector<std::string>{"/etc/xrv/site.cfg",
                                                 "/etc/xrv/local.cfg"}));
}

TEST(ConfigLayering, LocalCfgIsReadWithoutTheMainFile) {
  const auto c
    = loaded({{"local.cfg", "[dashboard]\nDASHBOARD_PORT = 8080\n"}});
  EXPECT_EQ(c.dashboard.port, 8080);
  EXPECT_EQ(c.sources, std::vector<std::string>{"local.cfg"});
}

TEST(ConfigLayering, FreeFormSectionsMergeKeyByKeyInOrder) {
  const auto c = loaded(
    {{"xrayvision.cfg", "[users]\nalice = a,admin\n[regions]\n"
                        "teeth = dental\nhand = palm\n"},
     {"local.cfg", "[users]\nbob = b,user\n[supported_regions]\nhand = on\n"
                   "chest = off\n"}},
    {{"XRV_USERS_ALICE", "a2,user"}});
  auto names = builtin_region_order;
  names.emplace_back("teeth");
  EXPECT_EQ(region_names(c), names);
  EXPECT_EQ(c.regions[12].second, std::vector<std::string>{"palm"});
  EXPECT_EQ(c.supported_regions,
            (std::vector<std::string>{"abdomen", "nose", "sinuses", "clavicle",
                                      "hand"}));
  ASSERT_EQ(c.users.size(), 2U);
  EXPECT_EQ(c.users[0].name, "alice");
  EXPECT_EQ(c.users[0].password, "a2");
  EXPECT_EQ(c.users[0].role, "user");
  EXPECT_EQ(c.users[1].name, "bob");
}

TEST(ConfigLayering, FlagsSwitchBooleansOnButNeverOff) {
  const string_map files{{"xrayvision.cfg", "[processing]\nKEEP_DICOM = yes\n"
                                            "LOAD_DICOM = no\n"}};
  const auto plain = loaded(files);
  EXPECT_TRUE(plain.processing.keep_dicom);
  EXPECT_FALSE(plain.processing.load_dicom);
  const auto flagged = loaded(
    files, {}, {"--load-dicom", "--no-query", "--enable-ntfy", "--keep-dicom"});
  EXPECT_TRUE(flagged.processing.keep_dicom);
  EXPECT_TRUE(flagged.processing.load_dicom);
  EXPECT_TRUE(flagged.processing.no_query);
  EXPECT_TRUE(flagged.processing.enable_ntfy);
}

TEST(ConfigLayering, OnlyTheWinningValueIsValidated) {
  const auto c
    = loaded({{"xrayvision.cfg", "[dashboard]\nDASHBOARD_PORT = x\n"}},
             {{"XRV_DASHBOARD_DASHBOARD_PORT", "9000"}});
  EXPECT_EQ(c.dashboard.port, 9000);
}

TEST(ConfigLayering, FlagsSetRetrievalMethodAndLogLevelInUpperCase) {
  const auto c
    = loaded({}, {}, {"--retrieval-method=c-get", "--log-level", "debug"});
  EXPECT_EQ(c.dicom.retrieval_method, "C-GET");
  EXPECT_EQ(c.log_level, "DEBUG");
  EXPECT_EQ(c.sources, std::vector<std::string>{"command line"});
}

// -- environment
// ----------------------------------------------------------------

TEST(ConfigEnvironment, SectionNamesWithUnderscoresUseTheLongestMatch) {
  const auto c = loaded({}, {{"XRV_SUPPORTED_REGIONS_CHEST", "false"},
                             {"XRV_REGIONS_UPPER_LIMB", "humerus, Radius"},
                             {"XRV_SUPPORTED_REGIONS_UPPER_LIMB", "TRUE"}});
  EXPECT_EQ(c.supported_regions,
            (std::vector<std::string>{"abdomen", "nose", "sinuses", "clavicle",
                                      "upper_limb"}));
  EXPECT_EQ(c.regions[11].first, "upper_limb");
  EXPECT_EQ(c.regions[11].second,
            (std::vector<std::string>{"humerus", "radius"}));
  EXPECT_EQ(c.sources, std::vector<std::string>{"environment (3 variables)"});
}

TEST(ConfigEnvironment, UsersComeFromVariables) {
  const auto c = loaded({}, {{"XRV_USERS_BOB", "secret,user"}});
  ASSERT_EQ(c.users.size(), 1U);
  EXPECT_EQ(c.users[0].name, "bob");
  EXPECT_EQ(c.users[0].password, "secret");
  EXPECT_EQ(c.users[0].role, "user");
  EXPECT_EQ(c.warnings,
            std::vector<std::string>{
              "environment XRV_USERS_BOB: [users] bob: password stored in "
              "plain text; use `xrayvision hash-password`"});
}

TEST(ConfigEnvironment, VariablesWithoutAKnownSectionAreIgnored) {
  const auto c = loaded({}, {{"XRV_FOO_BAR", "1"},
                             {"XRV_DASHBOARDPORT", "1"},
                             {"PATH", "/bin"},
                             {"XRV_", "x"}});
  EXPECT_EQ(c.dashboard.port, 8000);
  EXPECT_TRUE(c.sources.empty());
  EXPECT_EQ(c.warnings.size(), 1U); // only "[users] is empty"
}

TEST(ConfigEnvironment, UnknownKeyWarnsAndIsIgnored) {
  const auto c = loaded({}, {{"XRV_DASHBOARD_COLOUR", "blue"}});
  ASSERT_EQ(c.warnings.size(), 2U);
  EXPECT_EQ(c.warnings[0], "environment XRV_DASHBOARD_COLOUR: [dashboard] "
                           "COLOUR: unknown key (ignored)");
}

TEST(ConfigEnvironment, InvalidValueNamesTheVariable) {
  EXPECT_EQ(error_of("", {{"XRV_DASHBOARD_DASHBOARD_PORT", "abc"}}),
            "environment XRV_DASHBOARD_DASHBOARD_PORT: [dashboard] "
            "DASHBOARD_PORT = abc: not an integer");
}

TEST(ConfigEnvironment, ValuesAreTakenVerbatimWithoutPercentUnescaping) {
  const auto c = loaded({}, {{"XRV_OPENAI_OPENAI_API_KEY", " a%%b "}});
  EXPECT_EQ(c.openai.api_key, "a%%b");
}

// -- validation
// -----------------------------------------------------------------

TEST(ConfigValidation, PortOutOfRange) {
  EXPECT_EQ(error_of("[dashboard]\nDASHBOARD_PORT = 70000\n"),
            "xrayvision.cfg: [dashboard] DASHBOARD_PORT = 70000: not a port "
            "(1-65535)");
  EXPECT_EQ(error_of("[dicom]\nAE_PORT = 0\n"),
            "xrayvision.cfg: [dicom] AE_PORT = 0: not a port (1-65535)");
  EXPECT_EQ(error_of("[dicom]\nREMOTE_AE_PORT = 99999999999999999999999\n"),
            "xrayvision.cfg: [dicom] REMOTE_AE_PORT = 99999999999999999999999: "
            "not a port (1-65535)");
  EXPECT_EQ(error_of("[dicom]\nREMOTE_AE_PORT = 65535\n"), "");
}

TEST(ConfigValidation, NonInteger) {
  EXPECT_EQ(error_of("[processing]\nPAGE_SIZE = ten\n"),
            "xrayvision.cfg: [processing] PAGE_SIZE = ten: not an integer");
  EXPECT_EQ(error_of("[processing]\nPAGE_SIZE = 10.5\n"),
            "xrayvision.cfg: [processing] PAGE_SIZE = 10.5: not an integer");
  EXPECT_EQ(error_of("[processing]\nPAGE_SIZE =\n"),
            "xrayvision.cfg: [processing] PAGE_SIZE = : not an integer");
  EXPECT_EQ(error_of("[processing]\nPAGE_SIZE = +-5\n"),
            "xrayvision.cfg: [processing] PAGE_SIZE = +-5: not an integer");
  EXPECT_EQ(error_of("[processing]\nPAGE_SIZE = +25\n"), "");
}

TEST(ConfigValidation, IntegerRanges) {
  EXPECT_EQ(error_of("[processing]\nPAGE_SIZE = 0\n"),
            "xrayvision.cfg: [processing] PAGE_SIZE = 0: out of range (1-100)");
  EXPECT_EQ(error_of("[processing]\nQUERY_INTERVAL = 9\n"),
            "xrayvision.cfg: [processing] QUERY_INTERVAL = 9: out of range "
            "(minimum 10)");
  EXPECT_EQ(
    error_of("[processing]\nSEVERITY_THRESHOLD = 11\n"),
    "xrayvision.cfg: [processing] SEVERITY_THRESHOLD = 11: out of range "
    "(0-10)");
  EXPECT_EQ(error_of("[limits]\nAPI_PER_MINUTE = -1\n"),
            "xrayvision.cfg: [limits] API_PER_MINUTE = -1: out of range "
            "(minimum 0)");
  EXPECT_EQ(error_of("[general]\nWORKER_THREADS = 65\n"),
            "xrayvision.cfg: [general] WORKER_THREADS = 65: out of range "
            "(1-64)");
  EXPECT_EQ(
    error_of("[dashboard]\nHTTP_THREADS = 0\n"),
    "xrayvision.cfg: [dashboard] HTTP_THREADS = 0: out of range (1-64)");
  EXPECT_EQ(error_of("[dashboard]\nSESSION_HOURS = 721\n"),
            "xrayvision.cfg: [dashboard] SESSION_HOURS = 721: out of range "
            "(1-720)");
  EXPECT_EQ(error_of("[general]\nBACKUP_KEEP = 0\n"),
            "xrayvision.cfg: [general] BACKUP_KEEP = 0: out of range "
            "(minimum 1)");
  const auto c
    = loaded({{"xrayvision.cfg",
               "[limits]\nHEAVY_PER_MINUTE = 0\n"
               "[general]\nLOG_MAX_SIZE_MB = 1\nLOG_MAX_FILES = 1\n"}});
  EXPECT_EQ(c.limits.heavy_per_minute, 0);
  EXPECT_EQ(c.general.log_max_size_mb, 1);
}

TEST(ConfigValidation, ConvertersAreAutoOrOneToSixteen) {
  EXPECT_EQ(loaded({}).processing.converters, 0); // auto by default
  EXPECT_EQ(loaded({{"xrayvision.cfg", "[processing]\nCONVERTERS = 3\n"}})
              .processing.converters,
            3);
  EXPECT_EQ(loaded({{"xrayvision.cfg", "[processing]\nCONVERTERS = 3\n"},
                    {"local.cfg", "[processing]\nCONVERTERS = auto\n"}})
              .processing.converters,
            0);
  for (const char* bad : {"0", "17", "many", ""})
    EXPECT_EQ(error_of(std::string{"[processing]\nCONVERTERS = "} + bad + "\n"),
              std::string{"xrayvision.cfg: [processing] CONVERTERS = "} + bad
                + ": not auto or an integer in 1-16");
  // auto: half the cores, at least one; a number is taken as given.
  EXPECT_EQ(xrv::config::converter_count(0, 1), 1);
  EXPECT_EQ(xrv::config::converter_count(0, 2), 1);
  EXPECT_EQ(xrv::config::converter_count(0, 3), 1);
  EXPECT_EQ(xrv::config::converter_count(0, 8), 4);
  EXPECT_EQ(xrv::config::converter_count(0, 0), 1); // cores unknown
  EXPECT_EQ(xrv::config::converter_count(6, 2), 6);
}

TEST(ConfigValidation, BooleansFollowConfigparser) {
  const auto c = loaded(
    {{"xrayvision.cfg", "[processing]\nKEEP_DICOM = YES\nLOAD_DICOM = On\n"
                        "NO_QUERY = 1\nENABLE_NTFY = oFF\n"}});
  EXPECT_TRUE(c.processing.keep_dicom);
  EXPECT_TRUE(c.processing.load_dicom);
  EXPECT_TRUE(c.processing.no_query);
  EXPECT_FALSE(c.processing.enable_ntfy);
  EXPECT_EQ(error_of("[processing]\nKEEP_DICOM = maybe\n"),
            "xrayvision.cfg: [processing] KEEP_DICOM = maybe: not a boolean "
            "(use true/false, yes/no, on/off or 1/0)");
  EXPECT_EQ(error_of("[supported_regions]\nchest = y\n"),
            "xrayvision.cfg: [supported_regions] chest = y: not a boolean "
            "(use true/false, yes/no, on/off or 1/0)");
}

TEST(ConfigValidation, UnknownRoleShowsNameAndRoleButNotPassword) {
  EXPECT_EQ(error_of("[users]\nbob = hunter2,superuser\n"),
            "xrayvision.cfg: [users] bob = ***,superuser: role must be admin "
            "or user");
  EXPECT_EQ(error_of("[users]\nbob = hunter2,Admin\n"),
            "xrayvision.cfg: [users] bob = ***,Admin: role must be admin or "
            "user");
}

TEST(ConfigValidation, UserValueWithoutCommaIsInvalid) {
  EXPECT_EQ(error_of("[users]\nbob = hunter2\n"),
            "xrayvision.cfg: [users] bob = ***: expected password,role");
  EXPECT_EQ(error_of("[users]\nbob = ,user\n"),
            "xrayvision.cfg: [users] bob = ,user: empty password");
}

TEST(ConfigValidation, HashWithCommasSplitsAtTheLastComma) {
  const std::string hash
    = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
  const auto c
    = loaded({{"xrayvision.cfg", "[users]\nCarol = " + hash
                                   + " , admin\n"
                                     "dave = $7$CU..../....salt$hash,user\n"}});
  ASSERT_EQ(c.users.size(), 2U);
  EXPECT_EQ(c.users[0].name, "carol");
  EXPECT_EQ(c.users[0].password, hash);
  EXPECT_EQ(c.users[0].role, "admin");
  EXPECT_EQ(c.users[1].password, "$7$CU..../....salt$hash");
  EXPECT_TRUE(c.warnings.empty());
}

TEST(ConfigValidation, SupportedRegionNeedsARule) {
  EXPECT_EQ(error_of("[supported_regions]\nabdominal = true\n"),
            "xrayvision.cfg: [supported_regions] abdominal = true: no "
            "[regions] rule named abdominal");
  EXPECT_EQ(error_of("[supported_regions]\nnasal_bones = false\n"), "");
  EXPECT_EQ(error_of("[regions]\nteeth = dental\n"
                     "[supported_regions]\nteeth = yes\n"),
            "");
}

TEST(ConfigValidation, RetrievalMethod) {
  EXPECT_EQ(error_of("[dicom]\nRETRIEVAL_METHOD = C-FIND\n"),
            "xrayvision.cfg: [dicom] RETRIEVAL_METHOD = C-FIND: expected "
            "C-MOVE or C-GET");
  EXPECT_EQ(error_of("", {}, {"--retrieval-method", "get"}),
            "command line --retrieval-method: [dicom] RETRIEVAL_METHOD = get: "
            "expected C-MOVE or C-GET");
  const auto c
    = loaded({{"xrayvision.cfg", "[dicom]\nretrieval_method=c-get"}});
  EXPECT_EQ(c.dicom.retrieval_method, "C-GET");
}

TEST(ConfigValidation, LogLevel) {
  EXPECT_EQ(error_of("", {}, {"--log-level", "LOUD"}),
            "command line --log-level: [general] LOG_LEVEL = LOUD: expected "
            "DEBUG, INFO, WARNING or ERROR");
  EXPECT_EQ(error_of("[general]\nLOG_LEVEL = verbose\n"),
            "xrayvision.cfg: [general] LOG_LEVEL = verbose: expected DEBUG, "
            "INFO, WARNING or ERROR");
  EXPECT_EQ(
    loaded({{"xrayvision.cfg", "[general]\nLOG_LEVEL = warning\n"}}).log_level,
    "WARNING");
}

TEST(ConfigValidation, AeTitles) {
  EXPECT_EQ(error_of("[dicom]\nAE_TITLE = ABCDEFGHIJKLMNOPQ\n"),
            "xrayvision.cfg: [dicom] AE_TITLE = ABCDEFGHIJKLMNOPQ: not an AE "
            "title (1-16 characters, no backslash)");
  EXPECT_EQ(error_of("[dicom]\nREMOTE_AE_TITLE = PACS\\1\n"),
            "xrayvision.cfg: [dicom] REMOTE_AE_TITLE = PACS\\1: not an AE "
            "title (1-16 characters, no backslash)");
  EXPECT_EQ(error_of("[dicom]\nAE_TITLE =\n"),
            "xrayvision.cfg: [dicom] AE_TITLE = : not an AE title (1-16 "
            "characters, no backslash)");
  EXPECT_EQ(error_of("[dicom]\nAE_TITLE = ABCDEFGHIJKLMNOP\n"), "");
}

TEST(ConfigValidation, EmptyPathIsInvalid) {
  EXPECT_EQ(error_of("[general]\nXRAYVISION_DB_PATH =\n"),
            "xrayvision.cfg: [general] XRAYVISION_DB_PATH = : must not be "
            "empty");
  EXPECT_EQ(error_of("[general]\nLOG_FILE =\n"), "");
}

TEST(ConfigValidation, EnabledFeatureNeedsItsUrl) {
  EXPECT_EQ(error_of("[processing]\nENABLE_HIS = true\n"),
            "xrayvision.cfg: [processing] ENABLE_HIS = true: [fhir] FHIR_URL "
            "is empty");
  EXPECT_EQ(error_of("[processing]\nENABLE_HIS = true\n"
                     "[fhir]\nFHIR_URL = http://127.0.0.1:44660\n"),
            "");
  EXPECT_EQ(error_of("[notifications]\nNTFY_URL =\n", {}, {"--enable-ntfy"}),
            "command line --enable-ntfy: [processing] ENABLE_NTFY = true: "
            "[notifications] NTFY_URL is empty");
}

TEST(ConfigValidation, IniSyntaxErrorNamesFileAndLine) {
  EXPECT_EQ(error_of("[general]\n# fine\nthis line is wrong\n"),
            "xrayvision.cfg line 3: expected [section], key = value, a comment "
            "or an indented continuation line");
  EXPECT_EQ(error_of("\nkey = value\n"),
            "xrayvision.cfg line 2: key = value before any [section]");
  EXPECT_EQ(error_of("[general]\n = value\n"),
            "xrayvision.cfg line 2: empty key name");
  auto local = load({{"local.cfg", "[dicom]\n[oops\n"}});
  ASSERT_FALSE(local);
  EXPECT_EQ(local.error().detail,
            "local.cfg line 2: expected [section], key = value, a comment or "
            "an indented continuation line");
}

TEST(ConfigValidation, DuplicatesInOneFileAreErrorsAsInConfigparser) {
  EXPECT_EQ(error_of("[dicom]\nAE_PORT = 1\nae_port = 2\n"),
            "xrayvision.cfg line 3: [dicom] ae_port appears twice (first on "
            "line 2)");
  EXPECT_EQ(error_of("[dicom]\n[limits]\n[DICOM]\n"),
            "xrayvision.cfg line 3: section [DICOM] appears twice (first on "
            "line 1)");
}

TEST(ConfigValidation, ErrorsAreOneLine) {
  const auto e = error_of("[processing]\nPAGE_SIZE = 1\n  2\n");
  EXPECT_EQ(e, "xrayvision.cfg: [processing] PAGE_SIZE = 1 2: not an integer");
}

// -- warnings
// -------------------------------------------------------------------

TEST(ConfigWarnings, UnknownKeyAndUnknownSection) {
  const auto c = loaded({{"xrayvision.cfg", "[users]\nadmin = admin,admin\n"
                                            "[dashboard]\ncolour = blue\n"
                                            "[Extras]\nthing = 1\n"}});
  EXPECT_EQ(c.warnings,
            (std::vector<std::string>{
              "xrayvision.cfg: [dashboard] COLOUR: unknown key (ignored)",
              "xrayvision.cfg: [Extras]: unknown section (ignored)",
              plain_admin_warning}));
}

TEST(ConfigWarnings, PlainPasswordWarningNeverShowsThePassword) {
  const auto c
    = loaded({{"xrayvision.cfg", "[users]\nadmin = s3cr3t,admin\n"}});
  EXPECT_EQ(c.warnings, std::vector<std::string>{plain_admin_warning});
  EXPECT_EQ(c.users[0].password, "s3cr3t");
}

// -- INI syntax
// -----------------------------------------------------------------

TEST(ConfigIni, KeysAndSectionNamesAreCaseInsensitive) {
  const auto c = loaded(
    {{"xrayvision.cfg", "[Dashboard]\nDashboard_Port = 9000\n"
                        "[USERS]\nBob = x,user\n[Regions]\nChest = XRAY\n"}});
  EXPECT_EQ(c.dashboard.port, 9000);
  EXPECT_EQ(c.users[0].name, "bob");
  EXPECT_EQ(c.regions[0].first, "chest");
  EXPECT_EQ(c.regions[0].second, std::vector<std::string>{"xray"});
}

TEST(ConfigIni, ColonDelimiterCommentsAndBlankLines) {
  const auto c
    = loaded({{"xrayvision.cfg", "; a comment\n\n[openai]\n"
                                 "  # indented comment\n"
                                 "MODEL_NAME: llava # not a comment\n"
                                 "OPENAI_URL_PRIMARY=http://x:1/v1\n"}});
  EXPECT_EQ(c.openai.model_name, "llava # not a comment");
  EXPECT_EQ(c.openai.url_primary, "http://x:1/v1");
}

TEST(ConfigIni, DoublePercentIsAPercentSign) {
  const auto c
    = loaded({{"xrayvision.cfg", "[openai]\nOPENAI_API_KEY = 100%%sure%\n"}});
  EXPECT_EQ(c.openai.api_key, "100%sure%");
}

TEST(ConfigIni, ContinuationLinesJoinWithNewlines) {
  auto parsed = parse_ini("[questions]\nchest = line one\n  line two\n\n"
                          "    line three\n\n\n# c\nnext = x\r\n",
                          "test.cfg");
  ASSERT_TRUE(parsed) << parsed.error().detail;
  ASSERT_EQ(parsed->size(), 1U);
  const auto& entries = (*parsed)[0].entries;
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0].value, "line one\nline two\n\nline three");
  EXPECT_EQ(entries[1].key, "next");
  EXPECT_EQ(entries[1].value, "x");
  EXPECT_EQ(entries[1].line, 9);
  const auto c
    = loaded({{"xrayvision.cfg", "[questions]\nchest = Is it\n  broken\n"}});
  EXPECT_EQ(c.questions.at("chest"), "Is it\nbroken");
}

TEST(ConfigIni, IndentedLineAfterSectionHeaderIsAKey) {
  auto parsed = parse_ini("\xEF\xBB\xBF[a]\n  key = 1\n", "t");
  ASSERT_TRUE(parsed) << parsed.error().detail;
  ASSERT_EQ((*parsed)[0].entries.size(), 1U);
  EXPECT_EQ((*parsed)[0].entries[0].key, "key");
}

TEST(ConfigIni, RegionKeywordsAreLowerCasedAndEmptyOnesDropped) {
  const auto c
    = loaded({{"xrayvision.cfg", "[regions]\nteeth = Dental, , molar,\n"}});
  EXPECT_EQ(c.regions.back().second,
            (std::vector<std::string>{"dental", "molar"}));
}

// -- command line
// ---------------------------------------------------------------

TEST(ConfigCommandLine, ValueFlagsAcceptBothForms) {
  auto cli = parse_command_line({"--model", "llava", "--log-level=debug",
                                 "--config=/etc/x.cfg", "--retrieval-method",
                                 "C-GET"});
  ASSERT_TRUE(cli) << cli.error().detail;
  EXPECT_EQ(cli->model, "llava");
  EXPECT_EQ(cli->log_level, "debug");
  EXPECT_EQ(cli->config_file, "/etc/x.cfg");
  EXPECT_EQ(cli->retrieval_method, "C-GET");
  EXPECT_FALSE(cli->keep_dicom);
}

TEST(ConfigCommandLine, SwitchFlags) {
  auto cli = parse_command_line({"--keep-dicom", "--load-dicom", "--no-query",
                                 "--enable-ntfy", "--translate-existing", "-h",
                                 "--version"});
  ASSERT_TRUE(cli) << cli.error().detail;
  EXPECT_TRUE(cli->keep_dicom);
  EXPECT_TRUE(cli->load_dicom);
  EXPECT_TRUE(cli->no_query);
  EXPECT_TRUE(cli->enable_ntfy);
  EXPECT_TRUE(cli->translate_existing);
  EXPECT_TRUE(cli->help);
  EXPECT_TRUE(cli->version);
  EXPECT_TRUE(parse_command_line({"--help"})->help);
}

TEST(ConfigCommandLine, UnknownFlagIsAnError) {
  for (const auto& args : std::vector<std::vector<std::string>>{
         {"--frobnicate"},
         {"--frobnicate=3"},
         {"--keep-dicom", "--frobnicate"}}) {
    auto cli = parse_command_line(args);
    ASSERT_FALSE(cli);
    EXPECT_EQ(cli.error().code, errc::invalid_input);
    EXPECT_EQ(cli.error().detail, "unknown option --frobnicate");
  }
  EXPECT_EQ(parse_command_line({"-x"}).error().detail, "unknown option -x");
}

TEST(ConfigCommandLine, MissingValueIsAnError) {
  EXPECT_EQ(parse_command_line({"--model"}).error().detail,
            "option --model requires a value");
  EXPECT_EQ(parse_command_line({"--config", "--keep-dicom"}).error().detail,
            "option --config requires a value");
  EXPECT_EQ(parse_command_line({"--log-level="}).error().detail,
            "option --log-level requires a value");
  EXPECT_EQ(parse_command_line({"--keep-dicom=yes"}).error().detail,
            "option --keep-dicom takes no value");
}

TEST(ConfigCommandLine, WordsThatAreNotFlagsArePositional) {
  auto cli = parse_command_line(
    {"hash-password", "--no-query", "extra", "-", "--", "--keep-dicom"});
  ASSERT_TRUE(cli) << cli.error().detail;
  EXPECT_EQ(cli->positional, (std::vector<std::string>{"hash-password", "extra",
                                                       "-", "--keep-dicom"}));
  EXPECT_TRUE(cli->no_query);
  EXPECT_FALSE(cli->keep_dicom);
}

TEST(ConfigCommandLine, ImagesFolderForImportSqlite) {
  auto cli = parse_command_line(
    {"import-sqlite", "/srv/old/xrayvision.db", "--images", "/srv/old/images"});
  ASSERT_TRUE(cli) << cli.error().detail;
  EXPECT_EQ(cli->positional, (std::vector<std::string>{
                               "import-sqlite", "/srv/old/xrayvision.db"}));
  EXPECT_EQ(cli->images, "/srv/old/images");
  EXPECT_EQ(parse_command_line({"--images=old"})->images, "old");
  EXPECT_EQ(parse_command_line({"import-sqlite", "x.db"})->images,
            std::nullopt);
  EXPECT_EQ(
    parse_command_line({"import-sqlite", "x.db", "--images"}).error().detail,
    "option --images requires a value");
}

TEST(ConfigCommandLine, UsageDocumentsEveryFlag) {
  const auto usage = usage_text();
  for (const auto* flag :
       {"--config FILE", "--keep-dicom", "--load-dicom", "--no-query",
        "--enable-ntfy", "--model NAME", "--retrieval-method", "--log-level",
        "--translate-existing", "-h, --help", "--version", "hash-password",
        "--images DIR", "import-sqlite PATH"})
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
}

} // namespace

namespace xrv::config {

TEST(ConfigDicomKeys, ParsesListsAndGamma) {
  auto c = loaded({{"xrayvision.cfg",
                    "[dicom]\nALLOWED_CALLING_AETS = MODALITY1, PACS ,\n"
                    "SOP_CLASSES = cr,dx\nMAX_ASSOCIATIONS = 4\n"
                    "[processing]\nPNG_GAMMA = 1.0\nPNG_MAX_SIZE = 512\n"}});
  EXPECT_EQ(c.dicom.allowed_calling_aets,
            (std::vector<std::string>{"MODALITY1", "PACS"}));
  EXPECT_EQ(c.dicom.sop_classes, (std::vector<std::string>{"CR", "DX"}));
  EXPECT_EQ(c.dicom.max_associations, 4);
  EXPECT_DOUBLE_EQ(c.processing.png_gamma, 1.0);
  EXPECT_EQ(c.processing.png_max_size, 512);
}

TEST(ConfigDicomKeys, RejectsBadListsAndGamma) {
  EXPECT_EQ(error_of("[dicom]\nSOP_CLASSES = CT\n"),
            "xrayvision.cfg: [dicom] SOP_CLASSES = CT: expected a list of CR, "
            "DX, DX_PROCESSING");
  EXPECT_EQ(error_of("[dicom]\nSOP_CLASSES =\n"),
            "xrayvision.cfg: [dicom] SOP_CLASSES = : must name at least one of "
            "CR, DX, DX_PROCESSING");
  EXPECT_EQ(error_of("[dicom]\nALLOWED_CALLING_AETS = WAY_TOO_LONG_AE_TITLE\n"),
            "xrayvision.cfg: [dicom] ALLOWED_CALLING_AETS = "
            "WAY_TOO_LONG_AE_TITLE: not a list of AE titles (1-16 characters "
            "each)");
  EXPECT_EQ(error_of("[processing]\nPNG_GAMMA = bright\n"),
            "xrayvision.cfg: [processing] PNG_GAMMA = bright: not a number");
  EXPECT_EQ(error_of("[processing]\nPNG_GAMMA = 9\n"),
            "xrayvision.cfg: [processing] PNG_GAMMA = 9: out of range "
            "(0.2-5.0; 1.0 = no gamma)");
}

} // namespace xrv::config
