#pragma once

/// EXAM STORE: sole LMDB writer, owner of exams, patients and the work queue;
/// answers every list, filter and count from its in-memory index.

#include "actors/store/exam.hpp"
#include "actors/store/exam_filter.hpp"
#include "actors/store/stats_index.hpp"
#include "actors/system/type_ids.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace xrv {

/// A page of exams and the number that matched.
struct exam_page {
  std::vector<store::exam_view> exams;
  std::uint64_t total = 0;
};

/// A page of patients and the number that matched.
struct patient_page {
  std::vector<store::patient_record> patients;
  std::uint64_t total = 0;
};

/// A patient with the UIDs of their exams, newest first.
struct patient_detail {
  store::patient_record patient;
  std::vector<std::string> exams;
};

/// Counters the dashboard shows (spec §6).
struct store_counts {
  std::uint64_t queue = 0; // queued + requeue
  std::uint64_t check = 0;
  std::uint64_t processing = 0;
  std::uint64_t error = 0;
  std::uint64_t ignore = 0;
  std::uint64_t done = 0;
  std::uint64_t success_7d = 0; // done, AI report created in the last 7 days

  friend bool operator==(const store_counts&, const store_counts&) = default;
};

/// The statistics as of the store's clock; shared, never changed.
using stats_ptr = std::shared_ptr<const store::stats_snapshot>;

/// Aggregates over radiologist verdicts served by small routes.
struct store_aggregates {
  std::vector<std::uint64_t> severity; // index 0..10
  std::map<std::string, std::uint64_t> diagnostics;
  std::map<std::string, std::uint64_t> radiologists;
};

/// An exam to analyse and the patient's other exams (newest first, at most
/// `max_history`), from which the prior studies are chosen.
struct work_item {
  store::exam_view view;
  std::vector<store::exam_record> history;
  static constexpr std::size_t max_history = 20;
};

/// How the AI check of a radiologist report ended (`atom::checked`).
enum class check_end : std::uint8_t {
  classified, // translated (maybe) and classified: stored, event radcheck
  failed,     // gave up after its retries: back to done, unclassified
  returned,   // not tried (no AI endpoint): stays `check` for later
};

/// What an ingest did with an image.
enum class ingest_outcome : std::uint8_t {
  queued,    // new, or a re-sent image of an errored/ignored exam
  duplicate, // already known and done/queued/processing/check: kept as is
};

} // namespace xrv

// Store messages stay inside the process: they are never serialised.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::store::exam_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::store::exam_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::store::patient_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::store::ai_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::store::exam_filter)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::store::patient_filter)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::store::exam_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::exam_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::patient_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::patient_detail)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::store_counts)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::store_aggregates)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::ingest_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::work_item)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::stats_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::store::rad_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::check_end)

namespace xrv {

/// The typed interface of the exam store.
using store_actor = caf::typed_actor<
  // One exam with its patient; not_found when unknown.
  caf::replies_to<atom::get, std::string>::with<store::exam_view>,
  // A filtered page of exams; the flag says the caller has the `user` role.
  caf::replies_to<atom::list, store::exam_filter, bool>::with<exam_page>,
  // A filtered page of patients.
  caf::replies_to<atom::patients, store::patient_filter>::with<patient_page>,
  // One patient and their exams; not_found when unknown.
  caf::replies_to<atom::patient, std::string>::with<patient_detail>,
  // Records a radiologist verdict (uid, normal, reviewer login).
  caf::replies_to<atom::review, std::string, bool,
                  std::string>::with<store::exam_view>,
  // Re-queues an exam for analysis; conflict while it is processing.
  caf::replies_to<atom::requeue, std::string>::with<store::exam_view>,
  // Adds a received image (exam + patient data from its tags).
  caf::replies_to<atom::ingest, store::exam_record,
                  store::patient_record>::with<ingest_outcome>,
  // Takes the next exam to analyse (re-queued first, then queued newest or
  // oldest first) and marks it processing; not_found when none waits.
  caf::replies_to<atom::take, bool>::with<work_item>,
  // Ends processing: stores the AI report (when done; the .dcm is then
  // deleted unless KEEP_DICOM) and the final status: done, error with its
  // reason (counts an attempt), ignore with its reason, or queued (given
  // back, e.g. while no AI endpoint is up).
  caf::replies_to<atom::finish, std::string, store::ai_report,
                  store::exam_status, std::string>::with<store::exam_view>,
  // Re-queues the exams the AI failed on at least this many seconds ago;
  // answers how many.
  caf::replies_to<atom::retry, int>::with<std::uint64_t>,
  // -- FHIR fetcher and the report check --
  // Done exams without a radiologist report created at or after this local
  // time, oldest first (at most the number asked).
  caf::replies_to<atom::awaiting, std::string,
                  std::uint32_t>::with<std::vector<std::string>>,
  // Stores what FHIR said: the patient's id and birth date fill empty
  // fields only; a report with text is stored and the exam goes to `check`
  // (or after its analysis when it is being analysed), event radreport.
  caf::replies_to<atom::rad_report, std::string, store::patient_record,
                  store::rad_report>::with<store::exam_view>,
  // Leases the oldest exam in `check` that nobody checks; not_found when
  // none. The status stays `check` until `atom::checked`, so a crash
  // leaves it to be checked again.
  caf::replies_to<atom::take_check>::with<store::exam_view>,
  // Ends a lease: the classification (positive, severity, summary,
  // text_en, model, latency) when classified, then status done.
  caf::replies_to<atom::checked, std::string, store::rad_report,
                  check_end>::with<store::exam_view>,
  // -- end FHIR fetcher --
  // Names the actor told (`atom::work`) when exams wait for analysis or
  // for their report check.
  caf::reacts_to<atom::work, caf::actor>,
  // Dashboard counters.
  caf::replies_to<atom::counts>::with<store_counts>,
  // Severity histogram, diagnoses and radiologists.
  caf::replies_to<atom::aggregate>::with<store_aggregates>,
  // Every statistic (stats_index.hpp) as of now, from incremental
  // aggregates; cached until the next write or the next hour.
  caf::replies_to<atom::stats>::with<stats_ptr>,
  // Reports whether the component works.
  caf::replies_to<atom::health>::with<component_health>,
  // -- query scheduler --
  // Which of these Study Instance UIDs the store has exams of.
  caf::replies_to<atom::studies,
                  std::vector<std::string>>::with<std::vector<std::string>>,
  // -- end query scheduler --
  // Daily maintenance: hot backup with retention, optional purge.
  caf::reacts_to<atom::tick>>;

} // namespace xrv
