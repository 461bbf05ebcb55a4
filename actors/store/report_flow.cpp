// The exam store's side of the radiologist reports: the exams the FHIR
// fetcher looks for, storing what it found (patient enrichment included),
// and the leases of the AI check that translates and classifies a report.

#include "actors/store/definitions.hpp"
#include "actors/store/store_support.hpp"
#include "actors/system/log.hpp"

namespace xrv::store_support {

namespace {

using store::exam_status;

// Fills the patient's empty id and birth date from FHIR; never overwrites a
// known value, never with an empty one. Returns whether anything changed.
bool enrich(store::patient_record& known, const store::patient_record& fhir) {
  bool changed = false;
  if (known.id.empty() && !fhir.id.empty()) {
    known.id = fhir.id;
    changed = true;
  }
  if (known.birthdate.empty() && store::parse_date(fhir.birthdate)) {
    known.birthdate = fhir.birthdate;
    changed = true;
  }
  return changed;
}

} // namespace

std::vector<std::string> awaiting_report(const exam_store_state& st,
                                         const std::string& since,
                                         std::uint32_t max) {
  const auto epoch = store::to_epoch_seconds(since);
  return st.index->awaiting_report(epoch < 0 ? 0 : epoch, max);
}

result<store::exam_view> store_report(exam_store_state& st,
                                      const std::string& uid,
                                      const store::patient_record& fhir_patient,
                                      const store::rad_report& found) {
  auto view = load(st, uid);
  if (!view)
    return tl::unexpected(view.error());
  auto& e = view->exam;
  const bool patient_changed
    = !e.cnp.empty() && enrich(view->patient, fhir_patient);
  const bool report = !found.text.empty();
  if (report) {
    auto& rad = e.rad;
    rad.text = found.text;
    rad.text_en.clear();
    if (!found.radiologist.empty())
      rad.radiologist = found.radiologist;
    rad.justification = found.justification;
    rad.id = found.id;
    rad.type = found.type;
    // A new text needs a new check; the verdict stays until it replaces it.
    rad.severity = -1;
    rad.summary.clear();
    rad.model.clear();
    rad.latency = -1;
    rad.updated = stamp(st);
    if (rad.created.empty())
      rad.created = rad.updated;
    if (store::can_transition(e.status, exam_status::check))
      e.status = exam_status::check;
    else // queued, requeue or processing: checked after the analysis
      st.check_pending.insert(uid);
  }
  if (!patient_changed && !report)
    return std::move(*view);
  auto ok = patient_changed ? st.repo->put_exam_and_patient(e, view->patient)
                            : st.repo->put_exam(e);
  if (!ok) {
    log::get("store")->error("cannot store the FHIR data of exam {}: {}", uid,
                             ok.error().detail);
    return tl::unexpected(ok.error());
  }
  if (patient_changed)
    st.index->upsert_patient(view->patient);
  st.index->upsert(e);
  if (report) {
    log::get("store")->info("exam {}: radiologist report stored ({} chars)",
                            uid, e.rad.text.size());
    publish(st, "radreport", *view);
    if (e.status == exam_status::check)
      signal_work(st);
  }
  return std::move(*view);
}

result<store::exam_view> take_check(exam_store_state& st) {
  auto uid = st.index->next_check(st.checking);
  if (!uid)
    return fail(errc::not_found, "no report waits for its check");
  auto view = load(st, *uid);
  if (!view)
    return tl::unexpected(view.error());
  st.checking.insert(*uid);
  return view;
}

result<store::exam_view> end_check(exam_store_state& st, const std::string& uid,
                                   const store::rad_report& verdict,
                                   check_end how) {
  st.checking.erase(uid);
  auto view = load(st, uid);
  if (!view || how == check_end::returned)
    return view;
  auto& e = view->exam;
  if (how == check_end::classified) {
    e.rad.positive = verdict.positive;
    e.rad.severity = verdict.severity;
    e.rad.summary = verdict.summary;
    if (!verdict.text_en.empty())
      e.rad.text_en = verdict.text_en;
    e.rad.model = verdict.model;
    e.rad.latency = verdict.latency;
    e.rad.updated = stamp(st);
    st.check_pending.erase(uid);
  }
  // Checked or given up: never left in `check`. A re-queue meanwhile keeps
  // its status.
  if (e.status == exam_status::check)
    e.status = exam_status::done;
  if (auto ok = save(st, e); !ok)
    return tl::unexpected(ok.error());
  if (how == check_end::classified)
    publish(st, "radcheck", *view);
  return view;
}

} // namespace xrv::store_support
