#include "actors/store/exam_store.hpp"

#include "actors/store/definitions.hpp"
#include "actors/store/records.hpp"
#include "actors/store/store_support.hpp"
#include "actors/system/log.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>
#include <filesystem>
#include <vector>

namespace xrv {

namespace {

namespace fs = std::filesystem;
using namespace store_support;
using store::exam_status;
using store_ptr = store_actor::stateful_pointer<exam_store_state>;

// Deletes old error/ignore exams with their files (PURGE_DAYS).
void purge(exam_store_state& st) {
  if (st.cfg.purge_days <= 0)
    return;
  const auto cutoff = std::chrono::duration_cast<std::chrono::seconds>(
                        st.now().time_since_epoch()
                        - std::chrono::hours(24) * st.cfg.purge_days)
                        .count();
  store::exam_filter f;
  f.statuses = {exam_status::error, exam_status::ignore};
  f.limit = 100;
  std::vector<std::string> victims;
  for (f.page = 1;; ++f.page) {
    auto page = st.index->query(f, false);
    if (page.uids.empty())
      break;
    for (auto& uid : page.uids) {
      auto exam = st.repo->get_exam(uid);
      if (exam && *exam && store::to_epoch_seconds((*exam)->created) >= 0
          && store::to_epoch_seconds((*exam)->created) < cutoff)
        victims.push_back(uid);
    }
  }
  std::size_t purged = 0;
  for (const auto& uid : victims) {
    if (auto ok = st.repo->erase_exam(uid); !ok) {
      log::get("store")->error("purge of {} failed: {}", uid,
                               ok.error().detail);
      continue;
    }
    st.index->erase(uid);
    announce_counts(st);
    std::error_code ec;
    fs::remove(fs::path{st.cfg.images_dir} / (uid + ".png"), ec);
    fs::remove(fs::path{st.cfg.images_dir} / (uid + ".dcm"), ec);
    ++purged;
  }
  if (purged > 0)
    log::get("store")->info("purged {} error/ignore exams older than {} days",
                            purged, st.cfg.purge_days);
}

// -- query scheduler: known studies ------------------------------------------
// A 64-bit hash per study keeps this at 8 bytes per study (a million exams
// cost a few MB, not a hundred); a collision (odds ~n²/2⁶⁵) would only make
// the scheduler skip one study, which a modality push still delivers.
std::uint64_t study_key(std::string_view study) {
  return std::hash<std::string_view>{}(study);
}

// Loads the study keys with one scan the first time they are needed.
result<void> load_study_keys(exam_store_state& st) {
  if (st.study_keys)
    return {};
  std::vector<std::uint64_t> keys;
  auto ok = st.repo->for_each_exam([&keys](store::exam_record&& e) {
    if (!e.study.empty())
      keys.push_back(study_key(e.study));
  });
  if (!ok)
    return ok;
  st.repo->release_read_pages();
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  st.study_keys = std::move(keys);
  return {};
}

void remember_study(exam_store_state& st, const std::string& study) {
  if (!st.study_keys || study.empty())
    return;
  auto& keys = *st.study_keys;
  const auto k = study_key(study);
  auto it = std::lower_bound(keys.begin(), keys.end(), k);
  if (it == keys.end() || *it != k)
    keys.insert(it, k);
}

// -- end query scheduler ----------------------------------------------------

// Keeps the newest `keep` backups and removes older ones.
void prune_backups(const fs::path& dir, int keep) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator{dir, ec})
    if (entry.path().filename().string().starts_with("xrayvision-")
        && entry.path().extension() == ".mdb")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end()); // names sort by time
  while (files.size() > static_cast<std::size_t>(keep)) {
    fs::remove(files.front(), ec);
    files.erase(files.begin());
  }
}

// A hot, compacting copy in its own thread: it only reads, so the store
// keeps answering and writing meanwhile (LMDB readers never block writers).
void start_backup(store_ptr self) {
  auto& st = self->state;
  auto name = "xrayvision-" + stamp(st) + ".mdb";
  std::replace(name.begin(), name.end(), ' ', '-');
  std::erase(name, ':');
  auto file = fs::path{st.cfg.backup_dir} / name;
  auto repo = st.repo;
  const auto keep = st.cfg.backup_keep;
  self->system().spawn<caf::detached>(
    [repo, file, keep](caf::event_based_actor* worker) {
      const auto t0 = std::chrono::steady_clock::now();
      auto ok = repo->backup_to(file);
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - t0)
                  .count();
      if (ok) {
        log::get("store")->info("database backed up to {} in {} ms",
                                file.string(), ms);
        prune_backups(file.parent_path(), keep);
      } else {
        log::get("store")->error("backup to {} failed: {}", file.string(),
                                 ok.error().detail);
      }
      worker->quit();
    });
}

} // namespace

result<std::size_t> rebuild_index(storage::exam_repository& repo,
                                  store::exam_index& index) {
  auto patients = repo.for_each_patient([&index](store::patient_record&& p) {
    index.upsert_patient(p);
  });
  if (!patients)
    return tl::unexpected(patients.error());
  std::vector<store::exam_record> interrupted;
  auto count = repo.exam_count();
  index.begin_bulk(count ? *count : 0);
  auto exams = repo.for_each_exam([&](store::exam_record&& e) {
    if (e.status == exam_status::processing)
      interrupted.push_back(e);
    else
      index.upsert(e);
  });
  index.end_bulk();
  // The scan touched the whole file; keep only what requests need resident.
  repo.release_read_pages();
  if (!exams)
    return tl::unexpected(exams.error());
  // A crash left these mid-analysis: back to the queue, never stuck.
  for (auto& e : interrupted) {
    e.status = store::after_processing(exam_status::queued, false, false);
    if (auto ok = repo.put_exam(e); !ok)
      return tl::unexpected(ok.error());
    index.upsert(e);
  }
  return interrupted.size();
}

store_actor::behavior_type
exam_store(store_ptr self, exam_store_config cfg,
           std::shared_ptr<storage::exam_repository> repo,
           std::shared_ptr<store::exam_index> index,
           broadcaster_actor broadcaster, wall_now_fn now) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.repo = std::move(repo);
  st.index = std::move(index);
  st.broadcaster = std::move(broadcaster);
  st.now = std::move(now);
  announce_counts(st); // the dashboard starts from the real numbers
  return {
    [self](atom::get, const std::string& uid) -> caf::result<store::exam_view> {
      auto view = load(self->state, uid);
      if (!view)
        return to_caf_error(view.error());
      return std::move(*view);
    },
    [self](atom::list, const store::exam_filter& f,
           bool user_role) -> caf::result<exam_page> {
      auto& st = self->state;
      auto page = st.index->query(f, user_role);
      exam_page out;
      out.total = page.total;
      for (const auto& uid : page.uids) {
        auto view = load(st, uid);
        if (!view)
          return to_caf_error(view.error());
        out.exams.push_back(std::move(*view));
      }
      return out;
    },
    [self](atom::patients,
           const store::patient_filter& f) -> caf::result<patient_page> {
      auto& st = self->state;
      auto page = st.index->query_patients(f);
      patient_page out;
      out.total = page.total;
      for (const auto& cnp : page.cnps) {
        auto p = st.repo->get_patient(cnp);
        if (!p)
          return to_caf_error(p.error());
        out.patients.push_back(
          *p ? std::move(**p) : store::patient_record{cnp, {}, {}, {}, {}, -1});
      }
      return out;
    },
    [self](atom::patient,
           const std::string& cnp) -> caf::result<patient_detail> {
      auto& st = self->state;
      auto p = st.repo->get_patient(cnp);
      if (!p)
        return to_caf_error(p.error());
      auto uids = st.index->exams_of(cnp);
      if (!*p && uids.empty())
        return fail_with(errc::not_found, "Patient not found");
      patient_detail out;
      out.patient = *p ? std::move(**p) : store::patient_record{};
      out.patient.cnp = cnp;
      out.exams = std::move(uids);
      return out;
    },
    [self](atom::review, const std::string& uid, bool normal,
           const std::string& reviewer) -> caf::result<store::exam_view> {
      auto& st = self->state;
      auto view = load(st, uid);
      if (!view)
        return to_caf_error(view.error());
      auto& rad = view->exam.rad;
      rad.positive = normal ? 0 : 1;
      // A radiologist named by the FHIR report stays the author; otherwise
      // the reviewer's login is.
      if (rad.radiologist.empty() || rad.text.empty())
        rad.radiologist = reviewer;
      rad.updated = stamp(st);
      if (rad.created.empty())
        rad.created = rad.updated;
      if (auto ok = save(st, view->exam); !ok)
        return to_caf_error(ok.error());
      log::get("store")->info("exam {} reviewed as {} by {}", uid,
                              normal ? "normal" : "abnormal", reviewer);
      publish(st, "radreview", *view);
      return std::move(*view);
    },
    [self](atom::requeue,
           const std::string& uid) -> caf::result<store::exam_view> {
      auto& st = self->state;
      auto view = load(st, uid);
      if (!view)
        return to_caf_error(view.error());
      auto& e = view->exam;
      if (e.status == exam_status::processing)
        return fail_with(errc::conflict, "Exam " + uid
                                           + " is being analysed; re-queue it "
                                             "when the analysis ends");
      if (!store::can_transition(e.status, exam_status::requeue))
        return fail_with(errc::conflict,
                         "Exam " + uid + " cannot be re-queued from status "
                           + std::string{store::to_string(e.status)});
      if (e.status == exam_status::check)
        st.check_pending.insert(uid); // the report still awaits its check
      e.status = exam_status::requeue;
      e.status_reason.clear();
      e.attempts = 0;
      if (auto ok = save(st, e); !ok)
        return to_caf_error(ok.error());
      log::get("store")->info("exam {} re-queued", uid);
      publish(st, "requeue", *view);
      st.error_since.erase(uid);
      signal_work(st);
      return std::move(*view);
    },
    [self](atom::ingest, store::exam_record& incoming,
           store::patient_record& patient) -> caf::result<ingest_outcome> {
      auto& st = self->state;
      auto known = st.repo->get_exam(incoming.uid);
      if (!known)
        return to_caf_error(known.error());
      store::exam_record e
        = *known ? store::merge_exam(**known, incoming) : incoming;
      if (*known
          && !store::can_transition((*known)->status, exam_status::queued))
        return ingest_outcome::duplicate;
      // An image the converter could not use arrives as `error` with its
      // reason: kept visible rather than queued for the AI.
      const bool failed = incoming.status == exam_status::error;
      e.status = failed ? exam_status::error : exam_status::queued;
      e.status_reason = failed ? incoming.status_reason : std::string{};
      e.attempts = 0;
      if (e.received.empty())
        e.received = stamp(st);
      auto old_patient = st.repo->get_patient(patient.cnp);
      if (!old_patient)
        return to_caf_error(old_patient.error());
      auto merged
        = *old_patient ? store::merge_patient(**old_patient, patient) : patient;
      e.cnp = merged.cnp;
      if (auto ok = st.repo->put_exam_and_patient(e, merged); !ok)
        return to_caf_error(ok.error());
      st.index->upsert_patient(merged);
      st.index->upsert(e);
      announce_counts(st);
      remember_study(st, e.study); // query scheduler
      if (e.status == exam_status::queued)
        signal_work(st);
      return ingest_outcome::queued;
    },
    [self](atom::take, bool oldest_first) -> caf::result<work_item> {
      auto item = take_work(self->state, oldest_first);
      if (!item)
        return to_caf_error(item.error());
      return std::move(*item);
    },
    [self](atom::finish, const std::string& uid, const store::ai_report& ai,
           exam_status result,
           const std::string& reason) -> caf::result<store::exam_view> {
      auto view = finish_work(self->state, uid, ai, result, reason);
      if (!view)
        return to_caf_error(view.error());
      return std::move(*view);
    },
    [self](atom::retry, int seconds) -> caf::result<std::uint64_t> {
      auto n = retry_errors(self->state, std::chrono::seconds(seconds));
      if (!n)
        return to_caf_error(n.error());
      return *n;
    },
    [self](atom::awaiting, const std::string& since,
           std::uint32_t max) -> std::vector<std::string> {
      return awaiting_report(self->state, since, max);
    },
    [self](atom::rad_report, const std::string& uid,
           const store::patient_record& patient,
           const store::rad_report& found) -> caf::result<store::exam_view> {
      auto view = store_report(self->state, uid, patient, found);
      if (!view)
        return to_caf_error(view.error());
      return std::move(*view);
    },
    [self](atom::take_check) -> caf::result<store::exam_view> {
      auto view = take_check(self->state);
      if (!view)
        return to_caf_error(view.error());
      return std::move(*view);
    },
    [self](atom::checked, const std::string& uid,
           const store::rad_report& verdict,
           check_end how) -> caf::result<store::exam_view> {
      auto view = end_check(self->state, uid, verdict, how);
      if (!view)
        return to_caf_error(view.error());
      return std::move(*view);
    },
    [self](atom::work, caf::actor listener) {
      auto& st = self->state;
      st.work_listener = std::move(listener);
      st.work_signalled = false;
      if (st.index->next_work(false) || st.index->count(exam_status::check) > 0)
        signal_work(st);
    },
    [self](atom::counts) {
      return counts_of(self->state);
    },
    [self](atom::stats) {
      auto& st = self->state;
      const auto now = local_now(st);
      const auto hour = store::stats::hour_of(now);
      if (!st.stats || st.stats_generation != st.index->generation()
          || st.stats_hour != hour) {
        const auto t0 = std::chrono::steady_clock::now();
        st.stats = std::make_shared<const store::stats_snapshot>(
          st.index->statistics(now));
        st.stats_generation = st.index->generation();
        st.stats_hour = hour;
        log::get("store")->debug(
          "statistics snapshot built in {} us",
          std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - t0)
            .count());
      }
      return st.stats;
    },
    [self](atom::aggregate) {
      const auto& ix = *self->state.index;
      store_aggregates a;
      for (auto n : ix.rad_severity_histogram())
        a.severity.push_back(n);
      for (auto& [k, n] : ix.diagnostics())
        a.diagnostics.emplace(k, n);
      for (auto& [k, n] : ix.radiologists())
        a.radiologists.emplace(k, n);
      return a;
    },
    [self](atom::health) {
      return component_health{"exam store", true,
                              std::to_string(self->state.index->size())
                                + " exams"};
    },
    // -- query scheduler --
    [self](atom::studies, const std::vector<std::string>& asked)
      -> caf::result<std::vector<std::string>> {
      auto& st = self->state;
      if (auto ok = load_study_keys(st); !ok) {
        log::get("store")->error("cannot list known studies: {}",
                                 ok.error().detail);
        return to_caf_error(ok.error());
      }
      std::vector<std::string> known;
      for (const auto& study : asked)
        if (std::binary_search(st.study_keys->begin(), st.study_keys->end(),
                               study_key(study)))
          known.push_back(study);
      return known;
    },
    // -- end query scheduler --
    [self](atom::tick) {
      auto& st = self->state;
      // Purge first: its commits are done before the backup's snapshot.
      purge(st);
      start_backup(self);
    },
  };
}

} // namespace xrv
