#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace xrv::test {

/// A child process started by a test; killed (SIGKILL) if still running when
/// the object goes away, so a failing test never leaks a server.
class child_process {
public:
  /// Starts `argv` in `cwd` with `env` added to the environment; stdout and
  /// stderr go to `output` (appended).
  child_process(std::vector<std::string> argv, std::filesystem::path cwd,
                std::map<std::string, std::string> env,
                std::filesystem::path output);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  [[nodiscard]] pid_t pid() const noexcept {
    return pid_;
  }

  /// Sends a signal (SIGTERM, SIGKILL, ...).
  void signal(int sig) const;

  /// Waits up to `timeout` for the exit; the exit status (128+signal when
  /// killed) or nullopt when it is still running.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// True while the process has not exited.
  [[nodiscard]] bool running();

private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

/// A TCP port on 127.0.0.1 that was free a moment ago.
[[nodiscard]] unsigned short free_port();

/// Polls `ready` every 20 ms until it is true or `deadline` passes.
bool wait_until(const std::function<bool()>& ready,
                std::chrono::milliseconds deadline);

/// Runs a shell command, feeding `input` to its stdin; returns its stdout.
std::string run_command(const std::string& command, const std::string& input);

/// Reads a whole file ("" when missing).
std::string read_text(const std::filesystem::path& file);

/// How often `needle` occurs in `text` (non-overlapping).
std::size_t count_of(const std::string& text, const std::string& needle);

} // namespace xrv::test
