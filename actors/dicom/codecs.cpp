#include "actors/dicom/codecs.hpp"

#include <dcmtk/config/osconfig.h> // must come first: DCMTK's build options
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <mutex>

namespace xrv::dicom {

namespace {

// A mutex and a flag rather than std::call_once: DCMTK's codec list is
// global, a second registration would add duplicate decoders, and a
// registration after `cleanup_codecs` must work again.
std::mutex codecs_mutex;
bool codecs_registered = false;

} // namespace

void register_codecs() {
  const std::lock_guard lock{codecs_mutex};
  if (codecs_registered)
    return;
  DJDecoderRegistration::registerCodecs();   // JPEG baseline/extended/lossless
  DJLSDecoderRegistration::registerCodecs(); // JPEG-LS lossless/near-lossless
  DcmRLEDecoderRegistration::registerCodecs();
  codecs_registered = true;
}

void cleanup_codecs() {
  const std::lock_guard lock{codecs_mutex};
  if (!codecs_registered)
    return;
  DJDecoderRegistration::cleanup();
  DJLSDecoderRegistration::cleanup();
  DcmRLEDecoderRegistration::cleanup();
  codecs_registered = false;
}

void configure_dcmtk_logging() {
  OFLog::configure(OFLogger::WARN_LOG_LEVEL);
}

} // namespace xrv::dicom
