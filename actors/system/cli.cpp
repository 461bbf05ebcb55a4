// The command line: flags of the original program plus ours, and --help.

#include "actors/system/config.hpp"

#include <cstddef>
#include <string>

namespace xrv::config {

result<cli_options> parse_command_line(const std::vector<std::string>& args) {
  cli_options o;
  bool only_positional = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (only_positional || arg.size() < 2 || arg[0] != '-') {
      o.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    const auto eq = arg.find('=');
    const auto name = arg.substr(0, eq);
    const std::optional<std::string> inline_value
      = eq == std::string::npos ? std::nullopt
                                : std::optional{arg.substr(eq + 1)};
    bool* switch_flag = name == "--keep-dicom"           ? &o.keep_dicom
                        : name == "--load-dicom"         ? &o.load_dicom
                        : name == "--no-query"           ? &o.no_query
                        : name == "--enable-ntfy"        ? &o.enable_ntfy
                        : name == "--translate-existing" ? &o.translate_existing
                        : name == "--help" || name == "-h" ? &o.help
                        : name == "--version"              ? &o.version
                                                           : nullptr;
    if (switch_flag) {
      if (inline_value)
        return fail(errc::invalid_input, "option " + name + " takes no value");
      *switch_flag = true;
      continue;
    }
    std::optional<std::string>* value_flag
      = name == "--config"             ? &o.config_file
        : name == "--model"            ? &o.model
        : name == "--retrieval-method" ? &o.retrieval_method
        : name == "--log-level"        ? &o.log_level
        : name == "--images"           ? &o.images
                                       : nullptr;
    if (!value_flag)
      return fail(errc::invalid_input, "unknown option " + name);
    auto value = inline_value;
    if (!value && i + 1 < args.size()
        && (args[i + 1].size() < 2 || args[i + 1][0] != '-'))
      value = args[++i];
    if (!value || value->empty())
      return fail(errc::invalid_input, "option " + name + " requires a value");
    *value_flag = std::move(value);
  }
  return o;
}

std::string usage_text() {
  return R"(Usage: xrayvision [options] [command]

Options:
  --config FILE              configuration file (default: xrayvision.cfg);
                             local.cfg in its folder, XRV_<SECTION>_<KEY>
                             environment variables and these flags override it
  --keep-dicom               keep .dcm files after analysis
  --load-dicom               ingest the .dcm files in IMAGES_DIR at start-up
  --no-query                 do not query the PACS periodically
  --enable-ntfy              send ntfy notifications
  --model NAME               LLM model name ([openai] MODEL_NAME)
  --retrieval-method METHOD  C-MOVE or C-GET ([dicom] RETRIEVAL_METHOD)
  --log-level LEVEL          DEBUG, INFO, WARNING or ERROR (default INFO)
  --translate-existing       (accepted for compatibility; not available yet)
  --images DIR               import-sqlite: copy <uid>.png files from DIR
  -h, --help                 show this help and exit
  --version                  show the version and exit

Commands:
  hash-password              read a password, print its hash for [users]
  import-sqlite PATH         import the original XRayVision SQLite database
                             PATH (with --images DIR: its PNG files); stop
                             the server first
)";
}

} // namespace xrv::config
