// The exam store's side of the AI work queue: take, finish, and the
// automatic retry of exams the AI failed on.

#include "actors/store/definitions.hpp"
#include "actors/store/store_support.hpp"
#include "actors/system/log.hpp"

#include <caf/send.hpp>

#include <filesystem>

namespace xrv::store_support {

namespace {

namespace fs = std::filesystem;
using store::exam_status;

// The exams the AI failed on (attempts counted); a converter error has none
// and would only fail again.
bool ai_failure(const store::exam_record& e) {
  return e.status == exam_status::error && e.attempts > 0;
}

} // namespace

void signal_work(exam_store_state& st) {
  if (!st.work_listener || st.work_signalled)
    return;
  st.work_signalled = true;
  caf::anon_send(st.work_listener, atom::work::value);
}

result<work_item> take_work(exam_store_state& st, bool oldest_first) {
  st.work_signalled = false;
  auto uid = st.index->next_work(oldest_first);
  if (!uid)
    return fail(errc::not_found, "no exam is waiting");
  auto view = load(st, *uid);
  if (!view)
    return tl::unexpected(view.error());
  view->exam.status = exam_status::processing;
  if (auto ok = save(st, view->exam); !ok)
    return tl::unexpected(ok.error());
  work_item item;
  if (!view->exam.cnp.empty()) {
    for (const auto& other : st.index->exams_of(view->exam.cnp)) {
      if (item.history.size() >= work_item::max_history)
        break;
      if (other == view->exam.uid)
        continue;
      auto e = st.repo->get_exam(other);
      if (e && *e)
        item.history.push_back(std::move(**e));
    }
  }
  item.view = std::move(*view);
  return item;
}

result<store::exam_view> finish_work(exam_store_state& st,
                                     const std::string& uid,
                                     const store::ai_report& ai,
                                     exam_status result,
                                     const std::string& reason) {
  auto view = load(st, uid);
  if (!view)
    return tl::unexpected(view.error());
  auto& e = view->exam;
  if (e.status != exam_status::processing)
    return fail(errc::conflict, "Exam " + uid + " is not processing");
  // A report stored meanwhile (pending) or before a restart (durable).
  const bool check
    = st.check_pending.count(uid) > 0
      || (result != exam_status::queued && store::needs_check(e.rad));
  switch (result) {
  case exam_status::done: {
    const auto first = e.ai.created;
    e.ai = ai;
    e.ai.updated = stamp(st);
    e.ai.created = first.empty() ? e.ai.updated : first;
    e.attempts = 0;
    e.status_reason.clear();
    break;
  }
  case exam_status::error:
    e.status_reason = reason;
    ++e.attempts;
    break;
  default: // ignore with its reason; queued: given back, nothing counted
    e.status_reason = reason;
    break;
  }
  e.status = store::after_processing(result, false, check);
  if (e.status == exam_status::check)
    st.check_pending.erase(uid);
  if (auto ok = save(st, e); !ok)
    return tl::unexpected(ok.error());
  if (ai_failure(e))
    st.error_since[uid] = st.now();
  else
    st.error_since.erase(uid);
  if (result == exam_status::done && !st.cfg.keep_dicom) {
    std::error_code ec;
    fs::remove(fs::path{st.cfg.images_dir} / (uid + ".dcm"), ec);
    if (ec)
      log::get("store")->warn("cannot delete {}.dcm after the analysis: {}",
                              uid, ec.message());
  }
  if (e.status == exam_status::queued || e.status == exam_status::requeue
      || e.status == exam_status::check)
    signal_work(st);
  return std::move(*view);
}

result<std::uint64_t> retry_errors(exam_store_state& st,
                                   std::chrono::seconds age) {
  const auto now = st.now();
  store::exam_filter f;
  f.statuses = {exam_status::error};
  f.limit = 100;
  std::vector<std::string> due;
  // Few exams are errored; the index pages through them without LMDB reads
  // except for the attempt count.
  for (f.page = 1;; ++f.page) {
    auto page = st.index->query(f, false);
    if (page.uids.empty())
      break;
    for (auto& uid : page.uids) {
      auto since = st.error_since.find(uid);
      if (since == st.error_since.end()) {
        if (st.error_since_loaded)
          continue; // a converter error: never retried
        auto e = st.repo->get_exam(uid);
        if (!e || !*e || !ai_failure(**e))
          continue;
        since = st.error_since.emplace(uid, now).first;
      }
      if (now - since->second >= age)
        due.push_back(uid);
    }
  }
  st.error_since_loaded = true;
  std::uint64_t requeued = 0;
  for (const auto& uid : due) {
    auto view = load(st, uid);
    if (!view || view->exam.status != exam_status::error)
      continue;
    view->exam.status = exam_status::queued;
    view->exam.attempts = 0;
    view->exam.status_reason.clear();
    if (auto ok = save(st, view->exam); !ok)
      return tl::unexpected(ok.error());
    st.error_since.erase(uid);
    ++requeued;
  }
  if (requeued > 0) {
    log::get("store")->info("{} errored exams queued again after {} s",
                            requeued, age.count());
    signal_work(st);
  }
  return requeued;
}

} // namespace xrv::store_support
