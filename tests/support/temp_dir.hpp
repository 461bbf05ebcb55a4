#pragma once

#include <filesystem>

namespace xrv::test {

/// A fresh directory under the system temp folder, removed on destruction.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept {
    return path_;
  }

private:
  std::filesystem::path path_;
};

/// Writes `text` to `file`, creating parent folders.
void write_file(const std::filesystem::path& file, std::string_view text);

} // namespace xrv::test
