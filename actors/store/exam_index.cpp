#include "actors/store/exam_index.hpp"

#include "actors/store/definitions.hpp"
#include "actors/system/phi.hpp"

#include <algorithm>
#include <cstring>

namespace xrv::store {

namespace {

std::int8_t clamp8(int v) {
  return static_cast<std::int8_t>(std::clamp(v, -1, 100));
}

bool in(const std::optional<interval>& i, int v) {
  return !i || (v >= 0 && v >= i->lo && v <= i->hi);
}

std::uint32_t bit(exam_status s) {
  return 1u << static_cast<unsigned>(s);
}

void add_interval(std::string& key, const std::optional<interval>& i) {
  key += i ? std::to_string(i->lo) + "-" + std::to_string(i->hi) : "*";
  key += '\x1f';
}

void add_bool(std::string& key, const std::optional<bool>& b) {
  key += !b ? '*' : (*b ? 'y' : 'n');
}

// Everything that decides the match list (not the page): the cache key.
std::string query_key(const exam_filter& f, bool user_role) {
  std::string key;
  add_bool(key, f.reviewed);
  add_bool(key, f.positive);
  add_bool(key, f.correct);
  key += user_role ? 'u' : 'a';
  for (auto st : f.statuses)
    key += static_cast<char>('0' + static_cast<int>(st));
  key += '\x1f';
  for (const auto* text : {&f.region, &f.search, &f.diagnostic, &f.radiologist})
    key += *text + '\x1f';
  add_interval(key, f.severity);
  add_interval(key, f.ai_severity);
  add_interval(key, f.confidence);
  return key;
}

} // namespace

exam_index::exam_index(int severity_threshold)
    : threshold_(severity_threshold) {
  rad_display_.emplace_back();
  diag_counts_.push_back(0);
  rad_counts_.push_back(0);
}

bool exam_index::order_less::operator()(std::uint32_t a,
                                        std::uint32_t b) const {
  const auto& sa = self->slots_[a];
  const auto& sb = self->slots_[b];
  if (sa.created != sb.created)
    return sa.created > sb.created;
  return self->uids_[a] < self->uids_[b];
}

std::uint32_t exam_index::patient_slot(const std::string& cnp) {
  auto [it, added] = patient_by_cnp_.try_emplace(
    cnp, static_cast<std::uint32_t>(patients_.size()));
  if (added) {
    patients_.push_back({cnp, "", "\n" + fold_case(cnp) + "\n", ""});
    by_patient_.emplace_back();
    patient_order_dirty_ = true;
  }
  return it->second;
}

void exam_index::upsert_patient(const patient_record& p) {
  ++generation_;
  auto slot = patient_slot(p.cnp);
  auto& entry = patients_[slot];
  entry.name = p.name;
  if (entry.birthdate != p.birthdate) {
    entry.birthdate = p.birthdate;
    reage_patient(slot);
  }
  entry.folded
    = fold_case(p.name) + '\n' + fold_case(p.cnp) + '\n' + fold_case(p.id);
  patient_order_dirty_ = true;
}

void exam_index::add_contributions(const summary& s, int sign) {
  auto add = [sign](std::size_t& n) {
    n = sign > 0 ? n + 1 : n - 1;
  };
  add(status_counts_[static_cast<std::size_t>(s.status)]);
  if (s.rad_severity >= 0 && s.rad_severity <= 10)
    add(rad_severity_[static_cast<std::size_t>(s.rad_severity)]);
  if (s.diagnostic != 0)
    add(diag_counts_[s.diagnostic]);
  if (s.radiologist != 0)
    add(rad_counts_[s.radiologist]);
}

void exam_index::begin_bulk(std::size_t expected_exams) {
  bulk_ = true;
  stats_.begin_bulk();
  slots_.reserve(expected_exams);
  order_.reserve(expected_exams);
  by_uid_.reserve(expected_exams);
}

void exam_index::end_bulk() {
  bulk_ = false;
  stats_.end_bulk();
  std::sort(order_.begin(), order_.end(), order_less{this});
  // Renumber the slots in time order: a filtered query walks `order_`, and
  // reading the summaries sequentially instead of in LMDB's key order avoids
  // a cache miss per exam.
  std::vector<summary> slots;
  std::deque<std::string> uids;
  std::vector<std::int64_t> requeue_keys;
  std::vector<stats_row> rows;
  slots.reserve(order_.size());
  requeue_keys.reserve(order_.size());
  rows.reserve(order_.size());
  for (auto old : order_) {
    slots.push_back(slots_[old]);
    uids.push_back(std::move(uids_[old]));
    requeue_keys.push_back(requeue_key_[old]);
    rows.push_back(stats_rows_[old]);
  }
  slots_ = std::move(slots);
  stats_rows_ = std::move(rows);
  uids_ = std::move(uids);
  requeue_key_ = std::move(requeue_keys);
  free_slots_.clear();
  by_uid_.clear();
  for (auto& set : by_patient_)
    set.clear();
  queued_.clear();
  checks_.clear();
  requeued_.clear();
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    const auto& s = slots_[i];
    order_[i] = i;
    by_uid_.emplace(uids_[i], i);
    by_patient_[s.patient].insert({s.created, i});
    if (s.status == exam_status::queued)
      queued_.insert({s.created, i});
    if (s.status == exam_status::requeue)
      requeued_.insert({requeue_key_[i], i});
    if (s.status == exam_status::check)
      checks_.insert({s.created, i});
  }
  uid_blob_dirty_ = true;
  ++generation_;
}

void exam_index::append_uid(std::uint32_t slot) {
  // Appending keeps the blob valid only while slots are added in order.
  if (uid_blob_dirty_ || uid_offsets_.size() != slot)
    return;
  uid_offsets_.push_back(static_cast<std::uint32_t>(uid_blob_.size()));
  uid_blob_ += uids_[slot];
  uid_blob_ += '\n';
}

std::vector<char> exam_index::uid_matches(const std::string& needle) const {
  if (uid_blob_dirty_) {
    uid_blob_.clear();
    uid_offsets_.clear();
    for (std::uint32_t i = 0; i < uids_.size(); ++i) {
      uid_offsets_.push_back(static_cast<std::uint32_t>(uid_blob_.size()));
      uid_blob_ += uids_[i];
      uid_blob_ += '\n';
    }
    uid_blob_dirty_ = false;
  }
  std::vector<char> hit(uids_.size(), 0);
  const char* base = uid_blob_.data();
  const char* end = base + uid_blob_.size();
  const char* p = base;
  while (p < end) {
    const auto* found = static_cast<const char*>(memmem(
      p, static_cast<std::size_t>(end - p), needle.data(), needle.size()));
    if (found == nullptr)
      break;
    const auto pos = static_cast<std::uint32_t>(found - base);
    auto next = std::upper_bound(uid_offsets_.begin(), uid_offsets_.end(), pos);
    const auto slot = static_cast<std::size_t>(next - uid_offsets_.begin()) - 1;
    hit[slot] = 1;
    // Continue after this UID: one hit per UID is enough.
    p = next == uid_offsets_.end() ? end : base + *next;
  }
  return hit;
}

void exam_index::insert_order(std::uint32_t slot) {
  if (bulk_) {
    order_.push_back(slot);
    return;
  }
  auto pos
    = std::lower_bound(order_.begin(), order_.end(), slot, order_less{this});
  order_.insert(pos, slot);
}

void exam_index::remove_order(std::uint32_t slot) {
  if (bulk_) {
    order_.erase(std::find(order_.begin(), order_.end(), slot));
    return;
  }
  auto pos
    = std::lower_bound(order_.begin(), order_.end(), slot, order_less{this});
  if (pos != order_.end() && *pos == slot)
    order_.erase(pos);
}

void exam_index::upsert(const exam_record& e) {
  ++generation_;
  summary s;
  s.created = to_epoch_seconds(e.created);
  s.patient = patient_slot(e.cnp);
  s.region = region_ids_.intern(fold_case(e.region));
  if (!e.rad.summary.empty()) {
    s.diagnostic = diag_ids_.intern(fold_case(e.rad.summary));
    if (diag_counts_.size() < diag_ids_.size())
      diag_counts_.resize(diag_ids_.size(), 0);
  }
  if (!e.rad.radiologist.empty()) {
    s.radiologist = rad_ids_.intern(fold_case(e.rad.radiologist));
    if (rad_display_.size() < rad_ids_.size()) {
      rad_display_.resize(rad_ids_.size());
      rad_display_[s.radiologist] = e.rad.radiologist;
      rad_counts_.resize(rad_ids_.size(), 0);
    }
  }
  s.status = e.status;
  s.ai_positive = clamp8(ai_positive(e.ai, threshold_));
  s.rad_positive = clamp8(e.rad.positive);
  s.ai_severity = clamp8(e.ai.severity);
  s.rad_severity = clamp8(e.rad.severity);
  s.confidence = clamp8(e.ai.confidence);
  s.live = true;
  s.rad_text = !e.rad.text.empty();

  std::uint32_t slot = 0;
  if (auto it = by_uid_.find(e.uid); it != by_uid_.end()) {
    slot = it->second;
    auto& old = slots_[slot];
    add_contributions(old, -1);
    remove_order(slot);
    by_patient_[old.patient].erase({old.created, slot});
    queued_.erase({old.created, slot});
    checks_.erase({old.created, slot});
    if (old.status == exam_status::requeue && s.status != exam_status::requeue)
      requeued_.erase({requeue_key_[slot], slot});
  } else {
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
      uids_[slot] = e.uid;
      uid_blob_dirty_ = true;
    } else {
      slot = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
      stats_rows_.emplace_back();
      uids_.push_back(e.uid);
      requeue_key_.push_back(0);
      append_uid(slot);
    }
    by_uid_.emplace(uids_[slot], slot);
  }
  const bool was_requeued
    = slots_[slot].live && slots_[slot].status == exam_status::requeue;
  slots_[slot] = s;
  add_contributions(s, +1);
  set_stats_row(slot, e);
  insert_order(slot);
  by_patient_[s.patient].insert({s.created, slot});
  if (s.status == exam_status::queued)
    queued_.insert({s.created, slot});
  if (s.status == exam_status::check)
    checks_.insert({s.created, slot});
  if (s.status == exam_status::requeue && !was_requeued) {
    requeue_key_[slot] = ++requeue_seq_;
    requeued_.insert({requeue_key_[slot], slot});
  }
}

void exam_index::erase(std::string_view uid) {
  auto it = by_uid_.find(uid);
  if (it == by_uid_.end())
    return;
  ++generation_;
  const auto slot = it->second;
  auto& s = slots_[slot];
  add_contributions(s, -1);
  stats_.add(stats_rows_[slot], -1);
  stats_rows_[slot] = stats_row{};
  remove_order(slot);
  by_patient_[s.patient].erase({s.created, slot});
  queued_.erase({s.created, slot});
  checks_.erase({s.created, slot});
  requeued_.erase({requeue_key_[slot], slot});
  by_uid_.erase(it);
  s = summary{};
  uids_[slot].clear();
  free_slots_.push_back(slot);
  uid_blob_dirty_ = true;
}

std::optional<exam_status> exam_index::status_of(std::string_view uid) const {
  auto it = by_uid_.find(uid);
  if (it == by_uid_.end())
    return std::nullopt;
  return slots_[it->second].status;
}

bool exam_index::matches_fast(
  const summary& s, const exam_filter& f, const std::vector<char>& region_ok,
  const std::vector<char>& patient_ok, std::uint32_t diag,
  const std::vector<char>& rad_ok, std::uint32_t status_mask,
  const std::vector<char>& uid_ok, std::uint32_t slot) const {
  if (status_mask != 0 && (status_mask & bit(s.status)) == 0)
    return false;
  if (f.reviewed && (s.rad_positive != -1) != *f.reviewed)
    return false;
  if (f.positive) {
    if (*f.positive ? s.ai_positive != 1 : s.ai_positive != 0)
      return false;
  }
  if (f.correct) {
    if (s.ai_positive == -1 || s.rad_positive == -1)
      return false;
    if ((s.ai_positive == s.rad_positive) != *f.correct)
      return false;
  }
  if (!f.region.empty() && region_ok[s.region] == 0)
    return false;
  if (!f.diagnostic.empty() && s.diagnostic != diag)
    return false;
  if (!f.radiologist.empty() && rad_ok[s.radiologist] == 0)
    return false;
  if (!in(f.severity, s.rad_severity) || !in(f.ai_severity, s.ai_severity)
      || !in(f.confidence, s.confidence))
    return false;
  if (!f.search.empty() && patient_ok[s.patient] == 0
      && (uid_ok.empty() || uid_ok[slot] == 0))
    return false;
  return true;
}

const exam_index::cached_query& exam_index::remember(cached_query entry) const {
  std::erase_if(cache_, [this, &entry](const cached_query& c) {
    return c.key == entry.key || c.generation != generation_;
  });
  if (cache_.size() >= cache_entries)
    cache_.erase(cache_.begin());
  cache_.push_back(std::move(entry));
  return cache_.back();
}

index_page exam_index::query(const exam_filter& f, bool user_role) const {
  index_page page;
  const auto limit = static_cast<std::size_t>(std::max(1, f.limit));
  const auto offset = static_cast<std::size_t>(std::max(0, f.page - 1)) * limit;
  const bool unfiltered = !f.reviewed && !f.positive && !f.correct
                          && f.region.empty() && f.statuses.empty()
                          && f.search.empty() && f.diagnostic.empty()
                          && f.radiologist.empty() && !f.severity
                          && !f.ai_severity && !f.confidence;
  if (unfiltered) {
    page.total = order_.size();
    for (auto i = offset; i < order_.size() && i < offset + limit; ++i)
      page.uids.push_back(uids_[order_[i]]);
    return page;
  }
  auto from_cache = [&](const cached_query& c) {
    page.total = c.slots.size();
    for (auto i = offset; i < c.slots.size() && i < offset + limit; ++i)
      page.uids.push_back(uids_[c.slots[i]]);
    return page;
  };
  cached_query entry{query_key(f, user_role), generation_, {}};
  for (auto i = cache_.begin(); i != cache_.end(); ++i) {
    if (i->key == entry.key && i->generation == generation_) {
      std::rotate(i, i + 1, cache_.end()); // most recently used last
      return from_cache(cache_.back());
    }
  }
  // Per-query tables over the (few) distinct values, so the scan itself only
  // compares small integers.
  std::vector<char> region_ok;
  if (!f.region.empty()) {
    region_ok.resize(region_ids_.size());
    for (std::uint32_t id = 0; id < region_ids_.size(); ++id)
      region_ok[id] = region_ids_.name(id).find(f.region) != std::string::npos;
  }
  std::vector<char> patient_ok;
  if (!f.search.empty()) {
    patient_ok.resize(patients_.size());
    for (std::size_t i = 0; i < patients_.size(); ++i)
      patient_ok[i] = patients_[i].folded.find(f.search) != std::string::npos;
  }
  std::uint32_t diag = 0;
  if (!f.diagnostic.empty()) {
    auto id = diag_ids_.find(f.diagnostic);
    if (!id)
      return page; // nobody has that diagnosis
    diag = *id;
  }
  std::vector<char> rad_ok;
  if (!f.radiologist.empty()) {
    rad_ok.resize(rad_ids_.size());
    for (std::uint32_t id = 1; id < rad_ids_.size(); ++id)
      rad_ok[id] = rad_ids_.name(id) == f.radiologist
                   || (user_role
                       && fold_case(radiologist_initials(rad_display_[id]))
                            == f.radiologist);
  }
  std::uint32_t status_mask = 0;
  for (auto st : f.statuses)
    status_mask |= bit(st);
  // UIDs are digits and dots (validated on the way in): a search with any
  // other character cannot match one, and one needs no case folding.
  std::vector<char> uid_ok;
  const bool uid_search
    = !f.search.empty()
      && f.search.find_first_not_of("0123456789.") == std::string::npos;
  if (uid_search)
    uid_ok = uid_matches(f.search);
  for (auto slot : order_) {
    if (matches_fast(slots_[slot], f, region_ok, patient_ok, diag, rad_ok,
                     status_mask, uid_ok, slot))
      entry.slots.push_back(slot);
  }
  return from_cache(remember(std::move(entry)));
}

patient_index_page exam_index::query_patients(const patient_filter& f) const {
  if (patient_order_dirty_) {
    patient_order_.resize(patients_.size());
    for (std::uint32_t i = 0; i < patients_.size(); ++i)
      patient_order_[i] = i;
    std::sort(patient_order_.begin(), patient_order_.end(),
              [this](std::uint32_t a, std::uint32_t b) {
                const auto& pa = patients_[a];
                const auto& pb = patients_[b];
                return pa.name != pb.name ? pa.name < pb.name : pa.cnp < pb.cnp;
              });
    patient_order_dirty_ = false;
  }
  patient_index_page page;
  const auto limit = static_cast<std::size_t>(std::max(1, f.limit));
  const auto offset = static_cast<std::size_t>(std::max(0, f.page - 1)) * limit;
  for (auto i : patient_order_) {
    const auto& p = patients_[i];
    if (!f.search.empty()) {
      // Name or CNP only (spec §4), not the HIS id.
      auto name_cnp = std::string_view{p.folded}.substr(
        0, p.folded.find('\n', p.folded.find('\n') + 1));
      if (name_cnp.find(f.search) == std::string_view::npos)
        continue;
    }
    if (page.total >= offset && page.total < offset + limit)
      page.cnps.push_back(p.cnp);
    ++page.total;
  }
  return page;
}

std::vector<std::string> exam_index::exams_of(std::string_view cnp) const {
  std::vector<std::string> out;
  auto it = patient_by_cnp_.find(std::string{cnp});
  if (it == patient_by_cnp_.end())
    return out;
  const auto& set = by_patient_[it->second];
  std::vector<std::uint32_t> slots;
  for (const auto& entry : set)
    slots.push_back(entry.second);
  std::sort(slots.begin(), slots.end(), order_less{this});
  for (auto slot : slots)
    out.push_back(uids_[slot]);
  return out;
}

std::optional<std::string> exam_index::next_work(bool oldest_first) const {
  if (!requeued_.empty())
    return uids_[requeued_.begin()->second];
  if (queued_.empty())
    return std::nullopt;
  return oldest_first ? uids_[queued_.begin()->second]
                      : uids_[queued_.rbegin()->second];
}

std::size_t exam_index::count(exam_status s) const noexcept {
  return status_counts_[static_cast<std::size_t>(s)];
}

} // namespace xrv::store
