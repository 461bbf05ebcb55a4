#include "storage/lmdb.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace xrv::storage::lmdb {

namespace {

[[nodiscard]] MDB_val to_val(std::string_view s) noexcept {
  // LMDB never writes through a key or a value passed to it.
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

[[nodiscard]] std::string_view to_view(const MDB_val& v) noexcept {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// Writes the copy through a descriptor so the backup is a single file, and
// fsyncs it: mdb_env_copy2 neither names a file nor syncs.
[[nodiscard]] result<void> copy_to_fd(MDB_env* e, const std::string& path) {
  const int fd
    = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0)
    return tl::unexpected{make_error(errno, "open")};
  int rc = mdb_env_copyfd2(e, fd, MDB_CP_COMPACT);
  const char* op = "mdb_env_copyfd2";
  if (rc == MDB_SUCCESS && ::fsync(fd) != 0) {
    rc = errno;
    op = "fsync";
  }
  if (::close(fd) != 0 && rc == MDB_SUCCESS) {
    rc = errno;
    op = "close";
  }
  if (rc != MDB_SUCCESS)
    return tl::unexpected{make_error(rc, op)};
  return {};
}

[[nodiscard]] result<void> sync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return tl::unexpected{make_error(errno, "open")};
  const int rc = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  if (rc != 0)
    return tl::unexpected{make_error(rc, "fsync")};
  return {};
}

} // namespace

error make_error(int rc, std::string_view op) {
  std::string detail{"lmdb: "};
  detail += mdb_strerror(rc);
  detail += " in ";
  detail += op;
  return error{errc::storage_failure, std::move(detail)};
}

// -- env ----------------------------------------------------------------------

result<env> env::open(const std::filesystem::path& dir, std::size_t map_size,
                      unsigned max_dbs) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return tl::unexpected{make_error(ec.value(), "create_directories")};
  MDB_env* handle = nullptr;
  if (const int rc = mdb_env_create(&handle); rc != MDB_SUCCESS)
    return tl::unexpected{make_error(rc, "mdb_env_create")};
  env opened{handle}; // closes the handle on every failure below
  if (const int rc = mdb_env_set_maxdbs(handle, max_dbs); rc != MDB_SUCCESS)
    return tl::unexpected{make_error(rc, "mdb_env_set_maxdbs")};
  if (const int rc = mdb_env_set_mapsize(handle, map_size); rc != MDB_SUCCESS)
    return tl::unexpected{make_error(rc, "mdb_env_set_mapsize")};
  // MDB_NOTLS: a read txn may be used and ended on another thread, as CAF
  // actors hop between scheduler threads (S-27). No MDB_NOSYNC: commits are
  // durable.
  if (const int rc = mdb_env_open(handle, dir.c_str(), MDB_NOTLS, 0664);
      rc != MDB_SUCCESS)
    return tl::unexpected{make_error(rc, "mdb_env_open")};
  return opened;
}

env::env(env&& other) noexcept : env_{std::exchange(other.env_, nullptr)} {}

env& env::operator=(env&& other) noexcept {
  if (this != &other) {
    if (env_ != nullptr)
      mdb_env_close(env_);
    env_ = std::exchange(other.env_, nullptr);
  }
  return *this;
}

env::~env() {
  if (env_ != nullptr)
    mdb_env_close(env_);
}

result<void> env::set_map_size(std::size_t bytes) {
  if (const int rc = mdb_env_set_mapsize(env_, bytes); rc != MDB_SUCCESS)
    return tl::unexpected{make_error(rc, "mdb_env_set_mapsize")};
  return {};
}

std::size_t env::map_size() const noexcept {
  MDB_envinfo info{};
  if (env_ == nullptr || mdb_env_info(env_, &info) != MDB_SUCCESS)
    return 0;
  return info.me_mapsize;
}

std::size_t env::max_key_size() const noexcept {
  return env_ == nullptr
           ? 0
           : static_cast<std::size_t>(mdb_env_get_maxkeysize(env_));
}

std::size_t env::used_bytes() const noexcept {
  MDB_envinfo info{};
  MDB_stat stat{};
  if (env_ == nullptr || mdb_env_info(env_, &info) != MDB_SUCCESS
      || mdb_env_stat(env_, &stat) != MDB_SUCCESS)
    return 0;
  return (info.me_last_pgno + 1) * stat.ms_psize;
}

result<void> env::copy_compact(const std::filesystem::path& file) const {
  // Copy to a sibling and rename, so a crash never leaves a half backup under
  // the final name.
  auto partial = file;
  partial += ".partial";
  if (auto r = copy_to_fd(env_, partial.string()); !r) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    return r;
  }
  std::error_code ec;
  std::filesystem::rename(partial, file, ec);
  if (ec) {
    std::filesystem::remove(partial, ec);
    return tl::unexpected{make_error(ec.value(), "rename")};
  }
  auto parent = file.parent_path();
  return sync_dir(parent.empty() ? std::filesystem::path{"."} : parent);
}

// -- txn ----------------------------------------------------------------------

result<txn> txn::begin_read(const env& e) {
  MDB_txn* handle = nullptr;
  if (const int rc = mdb_txn_begin(e.handle(), nullptr, MDB_RDONLY, &handle);
      rc != MDB_SUCCESS)
    return tl::unexpected{make_error(rc, "mdb_txn_begin")};
  return txn{handle};
}

result<txn> txn::begin_write(env& e) {
  MDB_txn* handle = nullptr;
  if (const int rc = mdb_txn_begin(e.handle(), nullptr, 0, &handle);
      rc != MDB_SUCCESS)
    return tl::unexpected{make_error(rc, "mdb_txn_begin")};
  return txn{handle};
}

txn::txn(txn&& other) noexcept
    : txn_{std::exchange(other.txn_, nullptr)}, map_full_{std::exchange(
                                                  other.map_full_, false)} {}

txn& txn::operator=(txn&& other) noexcept {
  if (this != &other) {
    abort();
    txn_ = std::exchange(other.txn_, nullptr);
    map_full_ = std::exchange(other.map_full_, false);
  }
  return *this;
}

txn::~txn() {
  abort();
}

result<void> txn::commit() {
  // LMDB frees the transaction whether or not the commit succeeds.
  const int rc = mdb_txn_commit(std::exchange(txn_, nullptr));
  if (rc != MDB_SUCCESS)
    return tl::unexpected{fail_with(rc, "mdb_txn_commit")};
  return {};
}

void txn::abort() noexcept {
  if (txn_ != nullptr)
    mdb_txn_abort(std::exchange(txn_, nullptr));
}

error txn::fail_with(int rc, std::string_view op) const {
  if (rc == MDB_MAP_FULL)
    map_full_ = true;
  return make_error(rc, op);
}

result<dbi> txn::open_dbi(const char* name) {
  MDB_dbi id = 0;
  if (const int rc = mdb_dbi_open(txn_, name, MDB_CREATE, &id);
      rc != MDB_SUCCESS)
    return tl::unexpected{fail_with(rc, "mdb_dbi_open")};
  return dbi{id};
}

result<std::optional<std::string_view>> txn::get(dbi db,
                                                 std::string_view key) const {
  // LMDB keys are 1..511 bytes, so an empty key is never stored.
  if (key.empty())
    return std::nullopt;
  MDB_val k = to_val(key);
  MDB_val v{};
  const int rc = mdb_get(txn_, db.id, &k, &v);
  if (rc == MDB_NOTFOUND)
    return std::nullopt;
  if (rc != MDB_SUCCESS)
    return tl::unexpected{fail_with(rc, "mdb_get")};
  return to_view(v);
}

result<void> txn::put(dbi db, std::string_view key, std::string_view value) {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  if (const int rc = mdb_put(txn_, db.id, &k, &v, 0); rc != MDB_SUCCESS)
    return tl::unexpected{fail_with(rc, "mdb_put")};
  return {};
}

result<bool> txn::del(dbi db, std::string_view key) {
  if (key.empty())
    return false;
  MDB_val k = to_val(key);
  const int rc = mdb_del(txn_, db.id, &k, nullptr);
  if (rc == MDB_NOTFOUND)
    return false;
  if (rc != MDB_SUCCESS)
    return tl::unexpected{fail_with(rc, "mdb_del")};
  return true;
}

result<std::size_t> txn::count(dbi db) const {
  MDB_stat stat{};
  if (const int rc = mdb_stat(txn_, db.id, &stat); rc != MDB_SUCCESS)
    return tl::unexpected{fail_with(rc, "mdb_stat")};
  return stat.ms_entries;
}

// -- cursor -------------------------------------------------------------------

result<cursor> cursor::open(const txn& t, dbi db) {
  MDB_cursor* handle = nullptr;
  if (const int rc = mdb_cursor_open(t.handle(), db.id, &handle);
      rc != MDB_SUCCESS)
    return tl::unexpected{make_error(rc, "mdb_cursor_open")};
  return cursor{handle};
}

cursor::cursor(cursor&& other) noexcept
    : cursor_{std::exchange(other.cursor_, nullptr)} {}

cursor& cursor::operator=(cursor&& other) noexcept {
  if (this != &other) {
    if (cursor_ != nullptr)
      mdb_cursor_close(cursor_);
    cursor_ = std::exchange(other.cursor_, nullptr);
  }
  return *this;
}

cursor::~cursor() {
  if (cursor_ != nullptr)
    mdb_cursor_close(cursor_);
}

result<std::optional<cursor::entry>> cursor::first() {
  return move(MDB_FIRST, {}, "mdb_cursor_get(MDB_FIRST)");
}

result<std::optional<cursor::entry>> cursor::next() {
  return move(MDB_NEXT, {}, "mdb_cursor_get(MDB_NEXT)");
}

result<std::optional<cursor::entry>> cursor::set_range(std::string_view key) {
  // Every stored key is at least one byte, so the empty key ranges from the
  // start; LMDB itself rejects a zero-length key.
  if (key.empty())
    return first();
  return move(MDB_SET_RANGE, key, "mdb_cursor_get(MDB_SET_RANGE)");
}

result<std::optional<cursor::entry>>
cursor::move(MDB_cursor_op op, std::string_view key, std::string_view name) {
  MDB_val k = to_val(key);
  MDB_val v{};
  const int rc = mdb_cursor_get(cursor_, &k, &v, op);
  if (rc == MDB_NOTFOUND)
    return std::nullopt;
  if (rc != MDB_SUCCESS)
    return tl::unexpected{make_error(rc, name)};
  return entry{to_view(k), to_view(v)};
}

} // namespace xrv::storage::lmdb
