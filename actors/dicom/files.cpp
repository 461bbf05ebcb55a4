#include "actors/dicom/files.hpp"

#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace xrv::dicom {

bool fsync_path(const std::filesystem::path& p, bool directory) {
  int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0)
    return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::uint64_t free_mb(const std::filesystem::path& dir) {
  struct statvfs st {};

  if (::statvfs(dir.c_str(), &st) != 0)
    return 0;
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize >> 20;
}

const char* storage_sop_class_uid(const std::string& name) {
  if (name == "CR")
    return UID_ComputedRadiographyImageStorage;
  if (name == "DX")
    return UID_DigitalXRayImageStorageForPresentation;
  return UID_DigitalXRayImageStorageForProcessing;
}

} // namespace xrv::dicom
