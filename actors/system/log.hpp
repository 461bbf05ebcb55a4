#pragma once

#include <spdlog/logger.h>

#include <cstddef>
#include <memory>
#include <string>

namespace xrv::log {

/// Where and how much to log; from `[general]` and `--log-level`.
struct log_options {
  std::string level = "INFO"; // DEBUG, INFO, WARNING or ERROR
  std::string file;           // empty: console only
  std::size_t max_size_bytes = std::size_t{10} << 20;
  std::size_t max_files = 5;
};

/// Sets up the console sink and the size-rotated file sink shared by every
/// named logger. Call once from main before any other thread starts; returns
/// an error text when the log file cannot be opened.
[[nodiscard]] std::string init(const log_options& opts);

/// A named logger ("main", "http", "dicom", "ai", "fhir", "store", "sched",
/// "ws", "limiter"); created on first use with the shared sinks.
[[nodiscard]] std::shared_ptr<spdlog::logger> get(const std::string& name);

/// Flushes and drops every logger (end of main).
void shutdown();

} // namespace xrv::log
