#include "actors/system/log.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>
#include <vector>

namespace xrv::log {

namespace {

spdlog::level::level_enum to_level(const std::string& name) {
  if (name == "DEBUG")
    return spdlog::level::debug;
  if (name == "WARNING")
    return spdlog::level::warn;
  if (name == "ERROR")
    return spdlog::level::err;
  return spdlog::level::info;
}

// The sinks shared by every named logger; guarded because loggers are created
// lazily from any thread.
struct registry {
  std::mutex mtx;
  std::vector<spdlog::sink_ptr> sinks;
  spdlog::level::level_enum level = spdlog::level::info;
};

registry& reg() {
  static registry r;
  return r;
}

} // namespace

std::string init(const log_options& opts) {
  auto& r = reg();
  std::lock_guard guard{r.mtx};
  r.sinks.clear();
  r.level = to_level(opts.level);
  r.sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  std::string problem;
  if (!opts.file.empty()) {
    try {
      r.sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        opts.file, opts.max_size_bytes, opts.max_files));
    } catch (const spdlog::spdlog_ex& e) {
      problem = e.what();
    }
  }
  for (auto& s : r.sinks)
    s->set_pattern("%Y-%m-%d %H:%M:%S.%e | %8l | %-6n | %v");
  spdlog::drop_all();
  // INFO lines reach the file within a second even when nothing warns.
  spdlog::flush_every(std::chrono::seconds(1));
  return problem;
}

std::shared_ptr<spdlog::logger> get(const std::string& name) {
  if (auto existing = spdlog::get(name))
    return existing;
  auto& r = reg();
  std::lock_guard guard{r.mtx};
  if (auto existing = spdlog::get(name))
    return existing;
  auto logger
    = std::make_shared<spdlog::logger>(name, r.sinks.begin(), r.sinks.end());
  logger->set_level(r.level);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

void shutdown() {
  spdlog::shutdown();
}

} // namespace xrv::log
