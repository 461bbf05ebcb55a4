#pragma once

#include "http/context.hpp"
#include "http/router.hpp"

namespace xrv::http {

/// HTML pages, favicon, /static/* and /images/*.
void add_page_routes(router& r, const context_ptr& ctx);

/// /healthz, /api/config, /api/spec, /api/logout.
void add_system_routes(router& r, const context_ptr& ctx);

/// Exams, patients, reviews, re-queues, severity, diagnostics, radiologists.
void add_exam_routes(router& r, const context_ptr& ctx);

/// The statistics: /api/stats, /api/stats/radiologists (+ monthly_trends),
/// /api/stats/diagnostics, /api/diagnostics/monthly_trends,
/// /api/stats/insights.
void add_stats_routes(router& r, const context_ptr& ctx);

/// POST /api/dicomquery: a query/retrieve run in the background.
void add_dicom_routes(router& r, const context_ptr& ctx);

/// Routes of the contract whose components later issues implement: each
/// asks its actor and answers 503 while the actor is not available.
/// /api/check, /api/analyse, /api/translate (the AI queue).
void add_ai_routes(router& r, const context_ptr& ctx);

/// POST /api/getrad: a radiologist report fetch in the background.
void add_fhir_routes(router& r, const context_ptr& ctx);

} // namespace xrv::http
