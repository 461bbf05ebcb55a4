#pragma once

// The durable store of exams and patients (S-26): synchronous, knows nothing
// of actors. Every call is self-contained: a write transaction begins and
// commits (with fsync) inside it and no transaction outlives it (S-27).

#include "actors/store/exam.hpp"
#include "actors/system/errors.hpp"
#include "storage/lmdb.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <vector>

namespace xrv::storage {

/// Exams by SOP Instance UID and patients by CNP in one LMDB environment.
/// Writes are serialised by LMDB's writer mutex; reads may run on other
/// threads, and growing the map waits until none is in flight. A moved-from
/// repository may only be destroyed or assigned to.
class exam_repository {
public:
  /// The schema version this program reads and writes (`meta` table).
  static constexpr int schema_version = 1;

  /// The default map size: 64 GiB, sparse on a 64-bit system.
  static constexpr std::size_t default_map_size = std::size_t{64} << 30U;

  /// Opens (creating when missing) the environment in `dir` and its `exams`,
  /// `patients` and `meta` tables; fails on a newer schema version.
  [[nodiscard]] static result<exam_repository>
  open(const std::filesystem::path& dir,
       std::size_t map_size = default_map_size);

  exam_repository(const exam_repository&) = delete;

  exam_repository& operator=(const exam_repository&) = delete;

  /// Takes over the environment of `other`.
  exam_repository(exam_repository&&) noexcept = default;

  /// Closes the current environment, then takes over the one of `other`.
  exam_repository& operator=(exam_repository&&) noexcept = default;

  /// Closes the environment.
  ~exam_repository() = default;

  // -- writes: one durable transaction each -----------------------------------

  /// Stores an exam under its uid, replacing any previous version.
  [[nodiscard]] result<void> put_exam(const store::exam_record& e);

  /// Stores a patient under its cnp, replacing any previous version.
  [[nodiscard]] result<void> put_patient(const store::patient_record& p);

  /// Stores an exam and its patient atomically.
  [[nodiscard]] result<void>
  put_exam_and_patient(const store::exam_record& e,
                       const store::patient_record& p);

  /// Deletes an exam; false when there was none with that uid.
  [[nodiscard]] result<bool> erase_exam(std::string_view uid);

  /// Stores many exams and patients in one transaction (imports, benchmarks).
  [[nodiscard]] result<void>
  write_batch(const std::vector<store::exam_record>& exams,
              const std::vector<store::patient_record>& patients);

  // -- reads: one short read transaction each ---------------------------------

  /// The exam with this uid, or nullopt.
  [[nodiscard]] result<std::optional<store::exam_record>>
  get_exam(std::string_view uid) const;

  /// The patient with this cnp, or nullopt.
  [[nodiscard]] result<std::optional<store::patient_record>>
  get_patient(std::string_view cnp) const;

  /// Calls `f` with every exam in uid order, from one snapshot (start-up
  /// index rebuild); stops at the first record that does not decode. `f`
  /// must not call the repository: the snapshot would block a map growth.
  [[nodiscard]] result<void>
  for_each_exam(const std::function<void(store::exam_record&&)>& f) const;

  /// Calls `f` with every patient in cnp order, from one snapshot; `f` must
  /// not call the repository.
  [[nodiscard]] result<void>
  for_each_patient(const std::function<void(store::patient_record&&)>& f) const;

  /// The number of stored exams.
  [[nodiscard]] result<std::size_t> exam_count() const;

  /// Writes a compacted hot copy of the environment into `file` (creating its
  /// folder); restore it as `data.mdb` in an empty directory.
  [[nodiscard]] result<void> backup_to(const std::filesystem::path& file) const;

  /// Bytes of the map in use.
  [[nodiscard]] std::size_t map_used_bytes() const noexcept;

  /// Drops this process's mapping of pages it read (after the start-up scan):
  /// they stay in the page cache, but no longer count towards its RSS.
  void release_read_pages() const noexcept;

  /// The current map size in bytes; it doubles when a write finds it full.
  [[nodiscard]] std::size_t map_size() const noexcept;

private:
  using write_body = std::function<result<void>(lmdb::txn&)>;
  using read_body = std::function<result<void>(const lmdb::txn&)>;

  explicit exam_repository(lmdb::env e);

  [[nodiscard]] result<void> write(const write_body& body);

  [[nodiscard]] result<void> read(const read_body& body) const;

  [[nodiscard]] result<void> open_tables(lmdb::txn& t);

  // The body of release_read_pages; the caller holds the remap lock.
  void drop_mapped_pages() const noexcept;

  [[nodiscard]] result<void> check_key(std::string_view key,
                                       std::string_view what) const;

  lmdb::env env_;
  lmdb::dbi exams_;
  lmdb::dbi patients_;
  lmdb::dbi meta_;
  // Shared by every transaction, exclusive while the map is remapped:
  // mdb_env_set_mapsize unmaps the file under any live reader.
  std::unique_ptr<std::shared_mutex> remap_;
};

} // namespace xrv::storage
