#include "actors/store/store_support.hpp"

#include "actors/store/definitions.hpp"
#include "actors/system/log.hpp"

#include <caf/send.hpp>

namespace xrv::store_support {

std::string stamp(const exam_store_state& st) {
  return store::format_local(std::chrono::duration_cast<std::chrono::seconds>(
                               st.now().time_since_epoch())
                               .count());
}

caf::error fail_with(errc code, std::string detail) {
  return to_caf_error(error{code, std::move(detail)});
}

// Loads an exam and its patient from LMDB (the source of truth).
result<store::exam_view> load(const exam_store_state& st,
                              const std::string& uid) {
  auto exam = st.repo->get_exam(uid);
  if (!exam)
    return tl::unexpected(exam.error());
  if (!*exam)
    return fail(errc::not_found, "Exam not found");
  store::exam_view view;
  view.exam = std::move(**exam);
  auto patient = st.repo->get_patient(view.exam.cnp);
  if (!patient)
    return tl::unexpected(patient.error());
  if (*patient)
    view.patient = std::move(**patient);
  else
    view.patient.cnp = view.exam.cnp;
  return view;
}

// Writes the exam durably, then updates the index: the index never shows a
// state LMDB does not have.
result<void> save(exam_store_state& st, const store::exam_record& e) {
  if (auto ok = st.repo->put_exam(e); !ok) {
    log::get("store")->error("cannot store exam {}: {}", e.uid,
                             ok.error().detail);
    return ok;
  }
  st.index->upsert(e);
  announce_counts(st);
  return {};
}

store_counts counts_of(const exam_store_state& st) {
  const auto& ix = *st.index;
  store_counts c;
  c.queue = ix.count(store::exam_status::queued)
            + ix.count(store::exam_status::requeue);
  c.check = ix.count(store::exam_status::check);
  c.processing = ix.count(store::exam_status::processing);
  c.error = ix.count(store::exam_status::error);
  c.ignore = ix.count(store::exam_status::ignore);
  c.done = ix.count(store::exam_status::done);
  return c;
}

void announce_counts(exam_store_state& st) {
  auto c = counts_of(st);
  if (st.announced_counts && *st.announced_counts == c)
    return;
  st.announced_counts = c;
  caf::anon_send(st.broadcaster, atom::counts::value, c);
}

void publish(exam_store_state& st, const char* event,
             const store::exam_view& view) {
  caf::anon_send(st.broadcaster, atom::publish::value, std::string{event},
                 view);
}

} // namespace xrv::store_support
