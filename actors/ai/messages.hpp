#pragma once

// The messages between the AI queue, the per-endpoint dispatchers and their
// workers. They stay inside the process (never serialised).

#include "actors/ai/reply.hpp"
#include "actors/ai/request.hpp"
#include "actors/store/exam.hpp"
#include "actors/system/errors.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xrv::ai {

/// How an AI call ended, as the queue's policy needs to know it.
enum class outcome_kind : std::uint8_t {
  ok,
  /// The endpoint could not serve anyone (no connection, 401/403/404, 429,
  /// 502-504): the endpoint is marked down; the exam waits, nothing counted.
  outage,
  /// This request failed (timeout, other HTTP error, unusable answer): an
  /// attempt counted against MAX_RETRIES.
  failed,
};

/// One exam to analyse, as the queue prepared it.
struct analysis_job {
  store::exam_record exam;
  store::patient_record patient;
  std::string question;
  std::vector<prior_report> priors;
  /// The previous AI report of a re-queued exam (revision messages).
  std::optional<store::ai_report> previous;
};

/// What an image analysis produced.
struct analysis_outcome {
  outcome_kind kind = outcome_kind::failed;
  ai_result result;
  std::string model; // the model named in the response
  std::int64_t latency_ms = 0;
  std::string detail; // why it failed
};

/// The free-text report tools (/api/check, /api/analyse, /api/translate).
enum class text_task : std::uint8_t { check, analyse, translate };

/// What a report tool produced: the response body (JSON) when ok.
struct text_outcome {
  outcome_kind kind = outcome_kind::failed;
  std::string body;
  std::string model; // the model named in the response (else configured)
  std::string detail;
  std::int64_t latency_ms = 0;
};

/// An endpoint's health as its dispatcher sees it.
struct endpoint_state {
  std::size_t index = 0;
  bool healthy = false;
  std::string detail; // why it is down
};

} // namespace xrv::ai

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::ai::analysis_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::ai::analysis_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::ai::text_task)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::ai::text_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::ai::endpoint_state)
