// One query/retrieve run with DCMTK's DcmSCU against the PACS
// (stack.md §5b): a C-FIND association, then (when something is new) a
// retrieve association with C-MOVE to our own AE or C-GET with storage
// contexts in the SCP role. Every DCMTK failure becomes a value in the
// report; nothing throws back into DCMTK or out of the worker.

#include "actors/dicom/query_worker.hpp"

#include "actors/dicom/extract_tags.hpp"
#include "actors/dicom/files.hpp"
#include "actors/dicom/query_plan.hpp"
#include "actors/system/log.hpp"

#include <caf/send.hpp>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dcmlayer.h>
#include <dcmtk/dcmnet/dcmtrans.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/dcmnet/scu.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace xrv {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// DIMSE statuses (PS3.4 Annex B.2.3, C.4.2.1.5).
constexpr Uint16 status_success = 0x0000;
constexpr Uint16 status_out_of_resources = 0xA700;
constexpr Uint16 status_not_sop_class = 0xA900;
constexpr Uint16 status_cannot_understand = 0xC000;

std::string hex(Uint16 v) {
  std::array<char, 8> buf{};
  std::snprintf(buf.data(), buf.size(), "0x%04X", static_cast<unsigned>(v));
  return buf.data();
}

bool pending(Uint16 status) {
  return status == 0xFF00 || status == 0xFF01;
}

OFList<OFString> uncompressed() {
  OFList<OFString> ts;
  ts.emplace_back(UID_LittleEndianExplicitTransferSyntax);
  ts.emplace_back(UID_LittleEndianImplicitTransferSyntax);
  return ts;
}

// A plain TCP connection that tells the interrupter its socket, and forgets
// it before the socket is closed (so a late interrupt never hits a reused
// descriptor).
class watched_connection : public DcmTCPConnection {
public:
  watched_connection(DcmNativeSocketType s,
                     std::shared_ptr<run_interrupter> stop)
      : DcmTCPConnection(s), socket_(s), stop_(std::move(stop)) {
    stop_->attach(socket_);
  }

  ~watched_connection() override {
    stop_->detach(socket_);
  }

  void close() override {
    stop_->detach(socket_);
    DcmTCPConnection::close();
  }

  void closeTransportConnection() override {
    stop_->detach(socket_);
    DcmTCPConnection::closeTransportConnection();
  }

private:
  DcmNativeSocketType socket_;
  std::shared_ptr<run_interrupter> stop_;
};

// Creates watched connections. DcmSCU installs a transport layer only
// through useSecureConnection(), which also flags the association as TLS;
// that flag only reaches createConnection(), which ignores it: the
// connection stays plain TCP.
class watched_layer : public DcmTransportLayer {
public:
  explicit watched_layer(std::shared_ptr<run_interrupter> stop)
      : stop_(std::move(stop)) {}

  DcmTransportConnection* createConnection(DcmNativeSocketType s,
                                           OFBool) override {
    return new watched_connection(s, stop_);
  }

private:
  std::shared_ptr<run_interrupter> stop_;
};

// Where C-GET's C-STOREs go: the same files and converters as the SCP's.
struct get_sink {
  fs::path dir;
  int min_free_mb = 0;
  std::uint64_t run = 0;
  const std::vector<converter_actor>* converters = nullptr;
  std::size_t next = 0;
  std::uint64_t stored = 0;
};

class qr_scu : public DcmSCU {
public:
  qr_scu(get_sink& sink, std::shared_ptr<run_interrupter> stop)
      : sink_(sink), layer_(std::move(stop)) {}

  // The network refers to `layer_`, a member that dies before ~DcmSCU runs:
  // everything is torn down here first.
  ~qr_scu() override {
    if (isConnected())
      closeAssociation(DCMSCU_ABORT_ASSOCIATION);
    freeNetwork();
  }

  qr_scu(const qr_scu&) = delete;
  qr_scu& operator=(const qr_scu&) = delete;

  // After initNetwork(): every connection of this SCU becomes interruptible.
  OFCondition watch() {
    return useSecureConnection(&layer_);
  }

protected:
  // Runs only in DCMSCU_STORAGE_DISK mode (the default) and owns `ds`. A
  // refused object gets a failure status but EC_Normal, so the C-GET goes
  // on with the next one.
  OFCondition handleSTORERequest(const T_ASC_PresentationContextID,
                                 DcmDataset* ds, OFBool&,
                                 Uint16& status) override {
    std::unique_ptr<DcmDataset> owned{ds};
    status = status_cannot_understand;
    if (!owned)
      return EC_Normal;
    try {
      status = store(std::move(owned));
    } catch (const std::exception& e) {
      log::get("dicom")->error("C-GET store handler failed: {}", e.what());
    }
    return EC_Normal;
  }

private:
  Uint16 store(std::unique_ptr<DcmDataset> ds) {
    OFString sop;
    ds->findAndGetOFString(DCM_SOPInstanceUID, sop);
    const std::string uid = sop;
    if (!store::is_valid_uid(uid)) {
      log::get("dicom")->error("C-GET object refused: invalid SOP Instance "
                               "UID");
      return status_not_sop_class;
    }
    if (!dicom::has_pixel_data(*ds)) {
      log::get("dicom")->error("C-GET object {} refused: no pixel data", uid);
      return status_not_sop_class;
    }
    std::error_code ec;
    fs::create_directories(sink_.dir, ec);
    if (sink_.min_free_mb > 0
        && dicom::free_mb(sink_.dir)
             < static_cast<std::uint64_t>(sink_.min_free_mb)) {
      log::get("dicom")->error("C-GET object {} refused: less than {} MiB "
                               "free in {}",
                               uid, sink_.min_free_mb, sink_.dir.string());
      return status_out_of_resources;
    }
    // Written next to its final name and renamed, so it appears whole or not
    // at all; the `.dcm.part-` suffix is what start-up reconciliation drops.
    const auto final_path = sink_.dir / (uid + ".dcm");
    const auto tmp
      = sink_.dir / (uid + ".dcm.part-q" + std::to_string(sink_.run));
    const auto xfer = ds->getOriginalXfer();
    DcmFileFormat file{ds.release(), OFFalse}; // takes the dataset over
    auto cond = file.saveFile(tmp.c_str(), xfer);
    if (cond.bad() || !dicom::fsync_path(tmp, false)) {
      fs::remove(tmp, ec);
      log::get("dicom")->error("C-GET object {}: cannot write the file: {}",
                               uid, cond.bad() ? cond.text() : "fsync failed");
      return status_out_of_resources;
    }
    fs::rename(tmp, final_path, ec);
    if (ec || !dicom::fsync_path(sink_.dir, true)) {
      fs::remove(tmp, ec);
      log::get("dicom")->error("C-GET object {}: cannot store the file", uid);
      return status_out_of_resources;
    }
    const auto& workers = *sink_.converters;
    if (!workers.empty())
      caf::anon_send(workers[sink_.next++ % workers.size()],
                     atom::convert::value, uid, final_path.string());
    ++sink_.stored;
    return status_success;
  }

  get_sink& sink_;
  watched_layer layer_;
};

// Sets up an SCU for the PACS: AE titles, address, timeouts.
void configure(qr_scu& scu, const query_config& cfg) {
  const auto timeout = static_cast<Uint32>(cfg.network_timeout.count());
  scu.setAETitle(cfg.ae_title);
  scu.setPeerAETitle(cfg.peer_ae);
  scu.setPeerHostName(cfg.peer_host);
  scu.setPeerPort(static_cast<Uint16>(cfg.peer_port));
  scu.setACSETimeout(timeout);
  // DIMSE timeouts apply only in non-blocking mode; blocking mode would wait
  // forever for a silent peer.
  scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  scu.setDIMSETimeout(timeout);
  scu.setMaxReceivePDULength(ASC_MAXIMUMPDUSIZE);
  // A process-wide DCMTK setting; only this worker opens associations.
  scu.setConnectionTimeout(static_cast<Sint32>(cfg.connect_timeout.count()));
}

std::string peer_name(const query_config& cfg) {
  return cfg.peer_ae + "@" + cfg.peer_host + ":"
         + std::to_string(cfg.peer_port);
}

// Opens the association; the error text names the peer.
std::string connect(qr_scu& scu, const query_config& cfg) {
  auto cond = scu.initNetwork();
  if (cond.good())
    cond = scu.watch();
  if (cond.good())
    cond = scu.negotiateAssociation();
  if (cond.good())
    return {};
  return "cannot reach the PACS " + peer_name(cfg) + ": " + cond.text();
}

void release(qr_scu& scu) {
  if (scu.isConnected())
    scu.releaseAssociation();
}

std::string text_of(DcmDataset& ds, const DcmTagKey& tag) {
  OFString v;
  ds.findAndGetOFStringArray(tag, v);
  return v;
}

// C-FIND at STUDY level; fills `answers` or returns the problem.
std::string find_studies(const query_job& job,
                         const dicom::query_window& window,
                         std::vector<dicom::study_answer>& answers,
                         bool& reached) {
  get_sink unused;
  qr_scu scu{unused, job.stop};
  configure(scu, job.cfg);
  scu.addPresentationContext(UID_FINDStudyRootQueryRetrieveInformationModel,
                             uncompressed());
  if (auto problem = connect(scu, job.cfg); !problem.empty())
    return problem;
  reached = true;
  const auto pc = scu.findAnyPresentationContextID(
    UID_FINDStudyRootQueryRetrieveInformationModel, "");
  if (pc == 0) {
    release(scu);
    return "the PACS " + peer_name(job.cfg)
           + " does not offer Study Root C-FIND";
  }
  DcmDataset keys;
  for (const auto& k : dicom::study_find_keys(window))
    keys.putAndInsertString(DcmTagKey{k.group, k.element}, k.value.c_str());
  OFList<QRResponse*> responses;
  auto cond = scu.sendFINDRequest(pc, &keys, &responses);
  std::string problem;
  Uint16 final_status = status_cannot_understand;
  for (auto* r : responses) {
    if (pending(r->m_status) && r->m_dataset != nullptr) {
      auto& ds = *r->m_dataset;
      dicom::study_answer a;
      a.study_uid = text_of(ds, DCM_StudyInstanceUID);
      a.study_date = text_of(ds, DCM_StudyDate);
      a.study_time = text_of(ds, DCM_StudyTime);
      Sint32 n = -1;
      if (ds.findAndGetSint32(DCM_NumberOfStudyRelatedInstances, n).good())
        a.instances = n;
      answers.push_back(std::move(a));
    } else if (!pending(r->m_status)) {
      final_status = r->m_status;
    }
    delete r;
  }
  if (cond.bad())
    problem = "C-FIND on " + peer_name(job.cfg) + " failed: " + cond.text();
  else if (final_status != status_success)
    problem = "C-FIND on " + peer_name(job.cfg) + " ended with status "
              + hex(final_status);
  release(scu);
  return problem;
}

// Retrieves the selected studies over one association.
std::string retrieve(const query_job& job,
                     const std::vector<dicom::study_answer>& studies,
                     query_report& report) {
  get_sink sink;
  sink.dir = job.cfg.images_dir;
  sink.min_free_mb = job.cfg.min_free_mb;
  sink.run = job.run;
  sink.converters = &job.converters;
  qr_scu scu{sink, job.stop};
  configure(scu, job.cfg);
  const char* model = job.cfg.use_cget
                        ? UID_GETStudyRootQueryRetrieveInformationModel
                        : UID_MOVEStudyRootQueryRetrieveInformationModel;
  const char* method = job.cfg.use_cget ? "C-GET" : "C-MOVE";
  scu.addPresentationContext(model, uncompressed());
  if (job.cfg.use_cget) {
    // The PACS sends C-STOREs back on this association, so we take the
    // storage SCP role (stack.md §5b). One context per encoding lets it
    // send each file as stored, without transcoding.
    for (const auto& name : job.cfg.sop_classes) {
      const char* sop = dicom::storage_sop_class_uid(name);
      scu.addPresentationContext(sop, uncompressed(), ASC_SC_ROLE_SCP);
      for (const char* ts :
           {UID_JPEGLSLosslessTransferSyntax,
            UID_JPEGProcess14SV1TransferSyntax, UID_RLELosslessTransferSyntax,
            UID_JPEGProcess14TransferSyntax, UID_JPEGProcess1TransferSyntax,
            UID_JPEGProcess2_4TransferSyntax, UID_JPEGLSLossyTransferSyntax,
            UID_JPEG2000LosslessOnlyTransferSyntax,
            UID_JPEG2000TransferSyntax}) {
        OFList<OFString> one;
        one.emplace_back(ts);
        scu.addPresentationContext(sop, one, ASC_SC_ROLE_SCP);
      }
    }
  }
  if (auto problem = connect(scu, job.cfg); !problem.empty())
    return problem;
  const auto pc = scu.findAnyPresentationContextID(model, "");
  if (pc == 0) {
    release(scu);
    return "the PACS " + peer_name(job.cfg) + " does not offer Study Root "
           + method;
  }
  std::string problem;
  for (const auto& study : studies) {
    if (job.stop->interrupted()) {
      problem = "stopped: the server is shutting down";
      break;
    }
    DcmDataset keys;
    keys.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
    keys.putAndInsertString(DCM_StudyInstanceUID, study.study_uid.c_str());
    OFList<RetrieveResponse*> responses;
    const auto stored_before = sink.stored;
    const auto cond
      = job.cfg.use_cget
          ? scu.sendCGETRequest(pc, &keys, &responses)
          : scu.sendMOVERequest(pc, job.cfg.ae_title, &keys, &responses);
    // The final response carries the sub-operation counts.
    Uint16 status = status_cannot_understand;
    std::uint64_t completed = 0;
    std::uint64_t failed = 0;
    std::uint64_t warning = 0;
    bool final_seen = false;
    for (auto* r : responses) {
      if (!pending(r->m_status)) {
        final_seen = true;
        status = r->m_status;
        completed = r->m_numberOfCompletedSubops;
        failed = r->m_numberOfFailedSubops;
        warning = r->m_numberOfWarningSubops;
      }
      delete r;
    }
    report.completed_subops += completed;
    report.failed_subops += failed;
    report.warning_subops += warning;
    if (cond.bad() || !final_seen) {
      ++report.failed;
      problem
        = std::string{method} + " of study " + study.study_uid
          + " failed: " + (cond.bad() ? cond.text() : "no final response");
      break; // the association is gone: the next run tries again
    }
    const bool ok = status == status_success && failed == 0;
    if (ok)
      ++report.retrieved;
    else
      ++report.failed;
    auto line
      = std::string{method} + " of study " + study.study_uid + ": status "
        + hex(status) + ", completed " + std::to_string(completed) + ", failed "
        + std::to_string(failed) + ", warning " + std::to_string(warning);
    if (job.cfg.use_cget)
      line
        += ", " + std::to_string(sink.stored - stored_before) + " files stored";
    log::get("dicom")->log(ok ? spdlog::level::info : spdlog::level::warn,
                           line);
  }
  release(scu);
  return problem;
}

// The whole run; never throws.
query_report run(caf::blocking_actor* self, const query_job& job) {
  query_report report;
  report.run = job.run;
  const auto window = dicom::make_window(job.now, job.span);
  std::vector<dicom::study_answer> answers;
  report.problem = find_studies(job, window, answers, report.reached);
  report.found = answers.size();
  if (!report.problem.empty())
    return report;
  auto selection = dicom::select_in_window(std::move(answers), window);
  report.outside = selection.invalid + selection.outside;
  if (!selection.studies.empty() && !job.store) {
    report.problem = "no exam store to ask which studies it has";
  } else if (!selection.studies.empty()) {
    std::vector<std::string> uids;
    for (const auto& s : selection.studies)
      uids.push_back(s.study_uid);
    self->request(job.store, 60s, atom::studies::value, std::move(uids))
      .receive(
        [&](std::vector<std::string>& known) {
          dicom::drop_known(selection, known);
        },
        [&](caf::error& err) {
          report.problem = "cannot ask the exam store which studies it has: "
                           + from_caf_error(err).detail;
        });
  }
  report.known = selection.known;
  if (!report.problem.empty() || selection.studies.empty())
    return report;
  report.problem = retrieve(job, selection.studies, report);
  return report;
}

} // namespace

void run_interrupter::attach(int fd) {
  std::lock_guard g{mtx_};
  fd_ = fd;
  if (interrupted_)
    ::shutdown(fd, SHUT_RDWR);
}

void run_interrupter::detach(int fd) {
  std::lock_guard g{mtx_};
  if (fd_ == fd)
    fd_ = -1;
}

void run_interrupter::interrupt() {
  std::lock_guard g{mtx_};
  interrupted_ = true;
  // shutdown(), not close(): the descriptor stays DCMTK's to close, and a
  // blocked select()/read() on it returns at once.
  if (fd_ >= 0)
    ::shutdown(fd_, SHUT_RDWR);
}

bool run_interrupter::interrupted() const {
  std::lock_guard g{mtx_};
  return interrupted_;
}

void query_worker(caf::blocking_actor* self, const query_job& job) {
  query_report report;
  try {
    report = run(self, job);
  } catch (const std::exception& e) {
    report.run = job.run;
    report.problem = std::string{"query worker failed: "} + e.what();
  }
  self->send(job.reply_to, atom::query_done::value, std::move(report));
}

} // namespace xrv
