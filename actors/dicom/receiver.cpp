// The storage SCP: a DcmSCPPool of DcmThreadSCP workers on a thread owned by
// the receiver actor. The DCMTK callback boundary validates, writes durably,
// delegates, and turns every failure into a DIMSE status; nothing throws back
// into DCMTK (Orthanc's StoreScp.cpp does the same).

#include "actors/dicom/receiver.hpp"

#include "actors/dicom/extract_tags.hpp"
#include "actors/dicom/files.hpp"
#include "actors/store/exam.hpp"
#include "actors/system/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/scppool.h>
#include <dcmtk/dcmnet/scpthrd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace xrv {

namespace {

namespace fs = std::filesystem;

// DIMSE statuses (PS3.4 Annex B.2.3).
constexpr Uint16 status_success = 0x0000;
constexpr Uint16 status_out_of_resources = 0xA700;
constexpr Uint16 status_not_sop_class = 0xA900;
constexpr Uint16 status_cannot_understand = 0xC000;

// What the DCMTK workers share. DcmSCPPool default-constructs its workers,
// so they cannot be handed this through a constructor (stack.md §5a): it is
// published once, before the pool listens, and only read afterwards.
struct scp_shared {
  receiver_config cfg;
  std::vector<converter_actor> converters;
  std::atomic<std::size_t> next{0};
};

std::shared_ptr<scp_shared>& shared_slot() {
  static std::shared_ptr<scp_shared> slot;
  return slot;
}

class store_scp : public DcmThreadSCP {
protected:
  // DcmSCP answers any called AE by default (stack.md §5a).
  OFBool checkCalledAETitleAccepted(const OFString& called) override {
    return called == getConfig().getAETitle();
  }

  OFBool checkCallingAETitleAccepted(const OFString& calling) override {
    auto s = shared_slot();
    const auto& allowed = s->cfg.allowed_calling_aets;
    if (allowed.empty())
      return OFTrue;
    const bool ok
      = std::find(allowed.begin(), allowed.end(), std::string{calling.c_str()})
        != allowed.end();
    if (!ok)
      log::get("dicom")->warn("association from calling AE {} refused",
                              calling.c_str());
    return ok;
  }

  OFCondition
  handleIncomingCommand(T_DIMSE_Message* msg,
                        const DcmPresentationContextInfo& info) override {
    if (msg->CommandField != DIMSE_C_STORE_RQ)
      return DcmThreadSCP::handleIncomingCommand(msg, info); // C-ECHO etc.
    auto& req = msg->msg.CStoreRQ;
    Uint16 status = status_cannot_understand;
    try {
      status = store(req, info.presentationContextID);
    } catch (const std::exception& e) {
      log::get("dicom")->error("C-STORE handler failed: {}", e.what());
    }
    return sendSTOREResponse(info.presentationContextID, req, status);
  }

private:
  // Reads and drops a dataset we refuse, so the association stays usable.
  void discard(T_DIMSE_C_StoreRQ& req, T_ASC_PresentationContextID pc) {
    DcmDataset* ds = nullptr;
    receiveSTORERequest(req, pc, ds);
    delete ds;
  }

  Uint16 store(T_DIMSE_C_StoreRQ& req, T_ASC_PresentationContextID pc) {
    auto s = shared_slot();
    const std::string uid = req.AffectedSOPInstanceUID;
    const fs::path dir = s->cfg.images_dir;
    if (!store::is_valid_uid(uid)) {
      discard(req, pc);
      log::get("dicom")->error("C-STORE refused: invalid SOP Instance UID");
      return status_not_sop_class;
    }
    if (s->cfg.min_free_mb > 0
        && dicom::free_mb(dir)
             < static_cast<std::uint64_t>(s->cfg.min_free_mb)) {
      discard(req, pc);
      log::get("dicom")->error("C-STORE of {} refused: less than {} MiB free "
                               "in {}",
                               uid, s->cfg.min_free_mb, dir.string());
      return status_out_of_resources;
    }
    // Received straight into a temporary file next to its final name, so the
    // rename makes it appear whole or not at all.
    const auto final_path = dir / (uid + ".dcm");
    const auto tmp = dir
                     / (uid + ".dcm.part-"
                        + std::to_string(std::hash<std::thread::id>{}(
                          std::this_thread::get_id())));
    auto cond = receiveSTORERequest(req, pc, OFString{tmp.c_str()});
    std::error_code ec;
    if (cond.bad()) {
      fs::remove(tmp, ec);
      log::get("dicom")->error("C-STORE of {} failed while receiving: {}", uid,
                               cond.text());
      return status_cannot_understand;
    }
    // Headers only: pixel data stays on disk (4 KiB read limit per element).
    DcmFileFormat head;
    cond = head.loadFile(tmp.c_str(), EXS_Unknown, EGL_noChange, 4096);
    if (cond.bad()) {
      fs::remove(tmp, ec);
      log::get("dicom")->error("C-STORE of {} refused: unreadable dataset: {}",
                               uid, cond.text());
      return status_cannot_understand;
    }
    if (!dicom::has_pixel_data(*head.getDataset())) {
      fs::remove(tmp, ec);
      log::get("dicom")->error("C-STORE of {} refused: no pixel data", uid);
      return status_not_sop_class;
    }
    if (!dicom::fsync_path(tmp, false)) {
      fs::remove(tmp, ec);
      log::get("dicom")->error("C-STORE of {}: cannot sync the file", uid);
      return status_out_of_resources;
    }
    fs::rename(tmp, final_path, ec);
    if (ec || !dicom::fsync_path(dir, true)) {
      fs::remove(tmp, ec);
      log::get("dicom")->error("C-STORE of {}: cannot store the file", uid);
      return status_out_of_resources;
    }
    const auto& workers = s->converters;
    if (!workers.empty()) {
      const auto i = s->next++ % workers.size();
      caf::anon_send(workers[i], atom::convert::value, uid,
                     final_path.string());
    }
    log::get("dicom")->debug("received {} from {}", uid,
                             getPeerAETitle().c_str());
    return status_success;
  }
};

// A .dcm file put into IMAGES_DIR by hand under another name than its SOP
// Instance UID (IM0001.dcm, say): renamed to <uid>.dcm, so that it is
// ingested like a received image. The UID, or why the file is left alone.
result<std::string> adopt_dropped_file(const fs::path& file) {
  DcmFileFormat head;
  if (auto cond = head.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096);
      cond.bad())
    return fail(errc::invalid_input,
                std::string{"not a readable DICOM file: "} + cond.text());
  OFString sop;
  head.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, sop);
  std::string uid{sop.c_str()};
  if (!store::is_valid_uid(uid))
    return fail(errc::invalid_input, "no valid SOP Instance UID");
  const auto target = file.parent_path() / (uid + ".dcm");
  std::error_code ec;
  if (fs::exists(target, ec))
    return fail(errc::conflict, "its SOP Instance UID is already in "
                                  + target.filename().string());
  fs::rename(file, target, ec);
  if (ec || !dicom::fsync_path(file.parent_path(), true))
    return fail(errc::storage_failure, "cannot rename it: " + ec.message());
  return uid;
}

// Start-up reconciliation: every acknowledged file is on disk, so each
// .dcm present is (re)offered to the converters, which skip what the store
// already has; half-received temporaries were never acknowledged. Files put
// there by hand under other names are adopted first (their names are not
// logged: they may name the patient).
void reconcile(const receiver_config& cfg, scp_shared& shared) {
  std::error_code ec;
  fs::create_directories(cfg.images_dir, ec);
  std::vector<fs::path> found; // listed first: adopting renames files
  for (const auto& entry : fs::directory_iterator{cfg.images_dir, ec}) {
    const auto name = entry.path().filename().string();
    if (name.find(".dcm.part-") != std::string::npos)
      fs::remove(entry.path(), ec);
    else if (entry.path().extension() == ".dcm")
      found.push_back(entry.path());
  }
  if (shared.converters.empty())
    return;
  std::size_t offered = 0;
  for (const auto& file : found) {
    auto uid = file.stem().string();
    if (!store::is_valid_uid(uid)) {
      auto adopted = adopt_dropped_file(file);
      if (!adopted) {
        log::get("dicom")->warn("a .dcm file in {} not named by its SOP "
                                "Instance UID is left alone: {}",
                                cfg.images_dir, adopted.error().detail);
        continue;
      }
      log::get("dicom")->info("a .dcm file put into {} is ingested as {}.dcm",
                              cfg.images_dir, *adopted);
      uid = *adopted;
    }
    const auto i = shared.next++ % shared.converters.size();
    caf::anon_send(shared.converters[i], atom::convert::value, uid,
                   (fs::path{cfg.images_dir} / (uid + ".dcm")).string());
    ++offered;
  }
  if (offered > 0)
    log::get("dicom")->info("{} stored DICOM files offered for conversion",
                            offered);
}

} // namespace

struct receiver_runtime {
  DcmSCPPool<store_scp> pool;
  std::thread thread;
  std::atomic<bool> failed{false};
  std::string problem;
  std::mutex mtx;

  void stop() {
    pool.stopAfterCurrentAssociations();
    if (thread.joinable())
      thread.join();
    // The workers are gone: release the converter handles, or the detached
    // converters would outlive shutdown (actor_system waits for them).
    shared_slot().reset();
  }
};

receiver_actor::behavior_type
dicom_receiver(receiver_actor::stateful_pointer<receiver_state> self,
               receiver_config cfg, std::vector<converter_actor> converters) {
  auto shared = std::make_shared<scp_shared>();
  shared->cfg = cfg;
  shared->converters = std::move(converters);
  shared_slot() = shared;

  auto rt = std::make_shared<receiver_runtime>();
  auto& c = rt->pool.getConfig();
  c.setAETitle(cfg.ae_title.c_str());
  c.setPort(static_cast<Uint16>(cfg.port));
  c.setConnectionBlockingMode(DUL_NOBLOCK);
  c.setConnectionTimeout(1); // how soon listen() notices a stop request
  c.setACSETimeout(30);
  c.setDIMSETimeout(60);
  c.setHostLookupEnabled(OFFalse);
  c.setMaxReceivePDULength(ASC_MAXIMUMPDUSIZE);
  // Our preference order: lossless compressed first (the sender need not
  // decompress), then uncompressed, then lossy. JPEG 2000 is decoded by
  // OpenJPEG (j2k.hpp), as Debian's DCMTK has no codec for it.
  OFList<OFString> syntaxes;
  for (const char* ts :
       {UID_JPEGProcess14SV1TransferSyntax, UID_JPEGLSLosslessTransferSyntax,
        UID_RLELosslessTransferSyntax, UID_JPEGProcess14TransferSyntax,
        UID_JPEG2000LosslessOnlyTransferSyntax,
        UID_LittleEndianExplicitTransferSyntax,
        UID_LittleEndianImplicitTransferSyntax,
        UID_BigEndianExplicitTransferSyntax,
        UID_DeflatedExplicitVRLittleEndianTransferSyntax,
        UID_JPEGProcess1TransferSyntax, UID_JPEGProcess2_4TransferSyntax,
        UID_JPEGLSLossyTransferSyntax, UID_JPEG2000TransferSyntax})
    syntaxes.push_back(ts);
  for (const auto& name : cfg.sop_classes)
    c.addPresentationContext(dicom::storage_sop_class_uid(name), syntaxes);
  OFList<OFString> echo_syntaxes;
  echo_syntaxes.push_back(UID_LittleEndianExplicitTransferSyntax);
  echo_syntaxes.push_back(UID_LittleEndianImplicitTransferSyntax);
  c.addPresentationContext(UID_VerificationSOPClass, echo_syntaxes);
  rt->pool.setMaxThreads(static_cast<Uint16>(cfg.max_associations));

  reconcile(cfg, *shared);
  rt->thread = std::thread([rt, port = cfg.port] {
    auto cond = rt->pool.listen();
    if (cond.bad()) {
      rt->failed = true;
      std::lock_guard g{rt->mtx};
      rt->problem = cond.text();
      log::get("dicom")->error("DICOM listener on port {} stopped: {}", port,
                               cond.text());
    }
  });
  log::get("dicom")->info("storage SCP {} listening on port {}", cfg.ae_title,
                          cfg.port);
  self->state.runtime = rt;
  self->attach_functor([rt](const caf::error&) {
    rt->stop();
  });
  return {
    [self](atom::health) {
      auto& r = *self->state.runtime;
      if (r.failed) {
        std::lock_guard g{r.mtx};
        return component_health{"DICOM receiver", false, r.problem};
      }
      return component_health{"DICOM receiver", true, ""};
    },
  };
}

} // namespace xrv
