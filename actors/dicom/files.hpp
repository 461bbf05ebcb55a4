#pragma once

// File-system rules shared by everything that stores received DICOM objects
// (the storage SCP and the C-GET retriever): the same durability, the same
// free-space check, the same SOP classes.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace xrv::dicom {

/// fsync of a file or (with `directory`) of a folder, so a rename inside it
/// is durable; false when it cannot be done.
[[nodiscard]] bool fsync_path(const std::filesystem::path& p, bool directory);

/// Free space of the file system holding `dir`, in MiB (0 if unknown).
[[nodiscard]] std::uint64_t free_mb(const std::filesystem::path& dir);

/// The storage SOP Class UID of a configured name (CR, DX, DX_PROCESSING).
[[nodiscard]] const char* storage_sop_class_uid(const std::string& name);

} // namespace xrv::dicom
