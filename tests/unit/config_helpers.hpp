#pragma once

// Loading a configuration from in-memory files, for the config tests.

#include "actors/system/config.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using string_map = std::map<std::string, std::string>;

inline xrv::config::file_reader in_memory(string_map files) {
  return [files = std::move(files)](const std::string& path) {
    const auto it = files.find(path);
    return it == files.end() ? std::nullopt
                             : std::optional<std::string>{it->second};
  };
}

inline xrv::config::cli_options flags(const std::vector<std::string>& args) {
  auto cli = xrv::config::parse_command_line(args);
  EXPECT_TRUE(cli) << cli.error().detail;
  return cli ? *cli : xrv::config::cli_options{};
}

inline xrv::result<xrv::config::app_config>
load(const string_map& files, const string_map& env = {},
     const std::vector<std::string>& args = {}) {
  return xrv::config::load_config(flags(args), env, in_memory(files));
}

// Loads `text` as xrayvision.cfg and returns the error detail ("" if none).
inline std::string error_of(const std::string& text, const string_map& env = {},
                            const std::vector<std::string>& args = {}) {
  auto cfg = load({{"xrayvision.cfg", text}}, env, args);
  if (cfg)
    return "";
  EXPECT_EQ(cfg.error().code, xrv::errc::invalid_input);
  return cfg.error().detail;
}

inline xrv::config::app_config
loaded(const string_map& files, const string_map& env = {},
       const std::vector<std::string>& args = {}) {
  auto cfg = load(files, env, args);
  EXPECT_TRUE(cfg) << cfg.error().detail;
  return cfg ? *cfg : xrv::config::app_config{};
}

} // namespace
