#include "actors/dicom/converter.hpp"

#include "actors/dicom/extract_tags.hpp"
#include "actors/store/definitions.hpp"
#include "actors/system/log.hpp"

#include <caf/event_based_actor.hpp>

#include <dcmtk/dcmdata/dcfilefo.h>

#include <chrono>
#include <ctime>
#include <filesystem>

namespace xrv {

namespace {

// This thread's CPU time: with more senders than cores the wall time of a
// rendering includes waiting for a core; this is the rendering's own cost.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3
         + static_cast<double>(ts.tv_nsec) / 1e6;
}

namespace fs = std::filesystem;

std::string now_local() {
  return store::format_local(
    std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch())
      .count());
}

// An exam that could not be turned into an image still exists, with the
// reason, so the user sees it (never a silent loss).
std::pair<store::exam_record, store::patient_record>
failed_exam(const std::string& uid, std::string reason) {
  store::exam_record e;
  e.uid = uid;
  e.created = now_local();
  e.received = e.created;
  e.region = "unknown";
  e.status = store::exam_status::error;
  e.status_reason = std::move(reason);
  e.cnp = dicom::unidentified_patient(uid);
  store::patient_record p;
  p.cnp = e.cnp;
  return {e, p};
}

// Everything blocking for one file: load, map, render, write the PNG.
std::pair<store::exam_record, store::patient_record>
convert_file(const converter_config& cfg, const std::string& uid,
             const std::string& path) {
  DcmFileFormat file;
  auto cond = file.loadFile(path.c_str());
  if (cond.bad())
    return failed_exam(uid,
                       std::string{"unreadable DICOM file: "} + cond.text());
  auto* ds = file.getDataset();
  auto tags = dicom::extract_tags(*ds);
  if (!tags)
    return failed_exam(uid, tags.error().detail);
  auto mapped = dicom::map_exam(*tags, cfg.regions, now_local());
  if (!mapped)
    return failed_exam(uid, mapped.error().detail);
  auto& [exam, patient] = *mapped;
  // The file is named by the C-STORE's Affected SOP Instance UID; a sender
  // whose dataset says otherwise still gets one exam under that name, with
  // its PNG beside it.
  if (exam.uid != uid) {
    log::get("dicom")->warn("exam {}: the dataset's SOP Instance UID is {}",
                            uid, exam.uid);
    exam.uid = uid;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = thread_cpu_ms();
  auto png = dicom::render_png(*ds, ds->getOriginalXfer(), cfg.render);
  if (!png) {
    exam.status = store::exam_status::error;
    exam.status_reason = "cannot render the image: " + png.error().detail;
    return *mapped;
  }
  auto target = fs::path{cfg.images_dir} / (uid + ".png");
  if (auto ok = dicom::write_file_atomically(target, png->png); !ok) {
    exam.status = store::exam_status::error;
    exam.status_reason = "cannot write the PNG: " + ok.error().detail;
    return *mapped;
  }
  log::get("dicom")->debug(
    "rendered {} ({}x{}) in {} ms, {:.1f} ms CPU (decode {:.1f}, scale {:.1f}, "
    "encode {:.1f})",
    uid, png->width, png->height,
    std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - t0)
      .count(),
    thread_cpu_ms() - cpu0, png->decode_ms, png->scale_ms, png->encode_ms);
  return *mapped;
}

} // namespace

converter_actor::behavior_type converter(converter_actor::pointer self,
                                         converter_config cfg,
                                         store_actor store) {
  // Converts and stores one file.
  auto convert_and_ingest
    = [self, cfg, store](const std::string& uid, const std::string& path) {
        auto [exam, patient] = convert_file(cfg, uid, path);
        if (exam.status == store::exam_status::error)
          log::get("dicom")->error("exam {}: {}", uid, exam.status_reason);
        self
          ->request(store, std::chrono::seconds(30), atom::ingest::value,
                    std::move(exam), std::move(patient))
          .then(
            [uid](ingest_outcome outcome) {
              log::get("dicom")->info("exam {} {}", uid,
                                      outcome == ingest_outcome::queued
                                        ? "queued"
                                        : "already known; kept as is");
            },
            [self, store, uid](const caf::error& err) {
              // The file stays on disk: start-up reconciliation retries it.
              const auto e = from_caf_error(err);
              log::get("dicom")->error("exam {} not stored: {}", uid, e.detail);
              if (e.code != errc::invalid_input)
                return;
              // The store refused what the file says: the exam still
              // appears, as an error with the reason, not only in the log.
              auto [failed, nobody]
                = failed_exam(uid, "cannot be stored: " + e.detail);
              self
                ->request(store, std::chrono::seconds(30), atom::ingest::value,
                          std::move(failed), std::move(nobody))
                .then([](ingest_outcome) {},
                      [uid](const caf::error& again) {
                        log::get("dicom")->error(
                          "exam {}: not even its error could be stored: {}",
                          uid, from_caf_error(again).detail);
                      });
            });
      };
  return {
    [self, store, convert_and_ingest](atom::convert, const std::string& uid,
                                      const std::string& path) {
      // An exam already known in a state that a new copy does not change
      // (done, queued, processing, check...) is not rendered again: this
      // makes start-up reconciliation of kept files cheap.
      self->request(store, std::chrono::seconds(30), atom::get::value, uid)
        .then(
          [convert_and_ingest, uid, path](const store::exam_view& v) {
            if (store::can_transition(v.exam.status,
                                      store::exam_status::queued))
              convert_and_ingest(uid, path);
            else
              // Debug: start-up reconciliation with KEEP_DICOM meets every
              // kept file here.
              log::get("dicom")->debug("exam {} already {}; not converted", uid,
                                       store::to_string(v.exam.status));
          },
          [convert_and_ingest, uid, path](const caf::error&) {
            convert_and_ingest(uid, path);
          });
    },
    [](atom::health) {
      return component_health{"DICOM converter", true, ""};
    },
  };
}

} // namespace xrv
