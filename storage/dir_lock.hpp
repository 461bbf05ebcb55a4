#pragma once

#include "actors/system/errors.hpp"

#include <filesystem>

namespace xrv::storage {

/// An exclusive advisory lock on a database folder, held for the lifetime of
/// the object: the server and `import-sqlite` never write one database at
/// the same time (each keeps its own in-memory view of it).
class dir_lock {
public:
  /// Creates the folder if needed and takes the lock without waiting.
  [[nodiscard]] static result<dir_lock>
  acquire(const std::filesystem::path& dir);

  dir_lock(dir_lock&& other) noexcept;
  dir_lock& operator=(dir_lock&& other) noexcept;
  dir_lock(const dir_lock&) = delete;
  dir_lock& operator=(const dir_lock&) = delete;
  ~dir_lock();

private:
  explicit dir_lock(int fd) : fd_(fd) {}

  int fd_ = -1;
};

} // namespace xrv::storage
