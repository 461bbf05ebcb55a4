#pragma once

// Our own small RAII layer over LMDB's C API (S-25), modelled on lmdbxx's two
// layers. A miss is an empty `std::optional`; a real failure is an
// `xrv::error{errc::storage_failure, "lmdb: <mdb_strerror> in <op>"}`.
// Nothing here throws.

#include "actors/system/errors.hpp"

#include <lmdb.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>

namespace xrv::storage::lmdb {

/// Builds the storage_failure error for an LMDB return code and operation.
[[nodiscard]] error make_error(int rc, std::string_view op);

/// A database handle. LMDB shares these between transactions and closes them
/// with the environment, so it is a plain value that owns nothing.
struct dbi {
  MDB_dbi id = 0;
};

/// An LMDB environment over one directory; opened once per process (S-27).
class env {
public:
  /// Creates `dir` when missing and opens the environment in it with
  /// `MDB_NOTLS`, `max_dbs` named databases and a sparse map of `map_size`.
  [[nodiscard]] static result<env> open(const std::filesystem::path& dir,
                                        std::size_t map_size,
                                        unsigned max_dbs = 8);

  /// An environment that holds nothing (a moved-from state).
  env() noexcept = default;

  env(const env&) = delete;

  env& operator=(const env&) = delete;

  /// Takes over the handle of `other`.
  env(env&& other) noexcept;

  /// Closes the current handle, then takes over the handle of `other`.
  env& operator=(env&& other) noexcept;

  /// Closes the environment (`mdb_env_close`).
  ~env();

  /// The raw handle, for the transaction wrapper.
  [[nodiscard]] MDB_env* handle() const noexcept {
    return env_;
  }

  /// Sets a new map size. LMDB remaps the file, so no transaction of this
  /// process, read or write, may be active on the environment meanwhile.
  [[nodiscard]] result<void> set_map_size(std::size_t bytes);

  /// The current size of the memory map in bytes.
  [[nodiscard]] std::size_t map_size() const noexcept;

  /// The longest key LMDB accepts (511 bytes in Debian's build).
  [[nodiscard]] std::size_t max_key_size() const noexcept;

  /// Bytes of the map in use: pages up to the last used one.
  [[nodiscard]] std::size_t used_bytes() const noexcept;

  /// Writes a compacted hot copy (free pages omitted) into `file`, replacing
  /// it atomically; the result opens as an environment with `MDB_NOSUBDIR`,
  /// or as `data.mdb` in a directory of its own.
  [[nodiscard]] result<void>
  copy_compact(const std::filesystem::path& file) const;

private:
  explicit env(MDB_env* handle) noexcept : env_{handle} {}

  MDB_env* env_ = nullptr;
};

/// A read or write transaction; move-only, aborted by the destructor unless
/// committed. It must not outlive the call that began it (S-27).
class txn {
public:
  /// Begins a read-only transaction (a snapshot).
  [[nodiscard]] static result<txn> begin_read(const env& e);

  /// Begins the write transaction; blocks while another writer holds LMDB's
  /// single-writer mutex.
  [[nodiscard]] static result<txn> begin_write(env& e);

  txn(const txn&) = delete;

  txn& operator=(const txn&) = delete;

  /// Takes over the transaction of `other`.
  txn(txn&& other) noexcept;

  /// Aborts the current transaction, then takes over the one of `other`.
  txn& operator=(txn&& other) noexcept;

  /// Aborts the transaction if it is still open.
  ~txn();

  /// Commits (and, for a write transaction, fsyncs); the transaction is over
  /// whether or not this succeeds.
  [[nodiscard]] result<void> commit();

  /// Abandons the transaction; does nothing when it is already over.
  void abort() noexcept;

  /// Whether an operation in this transaction failed with `MDB_MAP_FULL`,
  /// so the caller may abort, grow the map and retry.
  [[nodiscard]] bool map_full() const noexcept {
    return map_full_;
  }

  /// Opens a named database, creating it in a write transaction.
  [[nodiscard]] result<dbi> open_dbi(const char* name);

  /// The value stored under `key`; the view is valid until the transaction
  /// ends or writes again.
  [[nodiscard]] result<std::optional<std::string_view>>
  get(dbi db, std::string_view key) const;

  /// Stores `value` under `key`, replacing any previous value.
  [[nodiscard]] result<void> put(dbi db, std::string_view key,
                                 std::string_view value);

  /// Deletes `key`; false when it was not there.
  [[nodiscard]] result<bool> del(dbi db, std::string_view key);

  /// The number of entries in `db`.
  [[nodiscard]] result<std::size_t> count(dbi db) const;

  /// The raw handle, for the cursor wrapper.
  [[nodiscard]] MDB_txn* handle() const noexcept {
    return txn_;
  }

private:
  explicit txn(MDB_txn* handle) noexcept : txn_{handle} {}

  [[nodiscard]] error fail_with(int rc, std::string_view op) const;

  MDB_txn* txn_ = nullptr;
  mutable bool map_full_ = false;
};

/// A cursor over one database; must be destroyed before its transaction ends
/// (LMDB frees write-transaction cursors at commit).
class cursor {
public:
  /// One key/value pair, valid while the transaction lasts.
  using entry = std::pair<std::string_view, std::string_view>;

  /// Opens a cursor on `db` within `t`.
  [[nodiscard]] static result<cursor> open(const txn& t, dbi db);

  cursor(const cursor&) = delete;

  cursor& operator=(const cursor&) = delete;

  /// Takes over the cursor of `other`.
  cursor(cursor&& other) noexcept;

  /// Closes the current cursor, then takes over the one of `other`.
  cursor& operator=(cursor&& other) noexcept;

  /// Closes the cursor.
  ~cursor();

  /// The first entry; empty when the database is empty.
  [[nodiscard]] result<std::optional<entry>> first();

  /// The entry after the current one; empty at the end.
  [[nodiscard]] result<std::optional<entry>> next();

  /// The first entry whose key is not less than `key`; empty when none.
  [[nodiscard]] result<std::optional<entry>> set_range(std::string_view key);

private:
  explicit cursor(MDB_cursor* handle) noexcept : cursor_{handle} {}

  [[nodiscard]] result<std::optional<entry>>
  move(MDB_cursor_op op, std::string_view key, std::string_view name);

  MDB_cursor* cursor_ = nullptr;
};

} // namespace xrv::storage::lmdb
