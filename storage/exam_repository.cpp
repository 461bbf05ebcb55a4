#include "storage/exam_repository.hpp"

#include "storage/codec.hpp"

#include <charconv>
#include <cstdio>
#include <exception>
#include <fstream>
#include <mutex>
#include <string>
#include <system_error>
#include <utility>

#include <sys/mman.h>
#include <unistd.h>

namespace xrv::storage {

namespace {

constexpr unsigned max_dbs = 8;
constexpr std::string_view schema_key = "schema_version";

// Exceptions never leave the storage layer (S-32): allocation and a caller's
// callback are the only sources, and both become an error value here.
template <class F>
result<void> guarded(std::string_view op, F&& f) noexcept {
  try {
    return f();
  } catch (const std::exception& ex) {
    return fail(errc::storage_failure, std::string{"storage: "} + ex.what()
                                         + " in " + std::string{op});
  } catch (...) {
    return fail(errc::storage_failure,
                "storage: unknown exception in " + std::string{op});
  }
}

[[nodiscard]] tl::unexpected<error> with_context(error e,
                                                 std::string_view context) {
  e.detail += " (";
  e.detail += context;
  e.detail += ')';
  return tl::unexpected{std::move(e)};
}

[[nodiscard]] result<int> parse_version(std::string_view text) {
  int version = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, version);
  if (ec != std::errc{} || ptr != end || version < 1)
    return fail(errc::storage_failure,
                "database schema version is not a positive number");
  return version;
}

} // namespace

exam_repository::exam_repository(lmdb::env e)
    : env_{std::move(e)}, remap_{std::make_unique<std::shared_mutex>()} {}

result<exam_repository> exam_repository::open(const std::filesystem::path& dir,
                                              std::size_t map_size) {
  auto e = lmdb::env::open(dir, map_size, max_dbs);
  if (!e)
    return tl::unexpected{std::move(e.error())};
  exam_repository repo{std::move(*e)};
  // LMDB rule: open every table once, in one write transaction, at start-up;
  // the handles then serve every later transaction.
  if (auto r = repo.write([&repo](lmdb::txn& t) {
        return repo.open_tables(t);
      });
      !r)
    return tl::unexpected{std::move(r.error())};
  return repo;
}

result<void> exam_repository::open_tables(lmdb::txn& t) {
  auto exams = t.open_dbi("exams");
  if (!exams)
    return tl::unexpected{exams.error()};
  auto patients = t.open_dbi("patients");
  if (!patients)
    return tl::unexpected{patients.error()};
  auto meta = t.open_dbi("meta");
  if (!meta)
    return tl::unexpected{meta.error()};
  exams_ = *exams;
  patients_ = *patients;
  meta_ = *meta;
  auto stored = t.get(meta_, schema_key);
  if (!stored)
    return tl::unexpected{stored.error()};
  if (!*stored)
    return t.put(meta_, schema_key, std::to_string(schema_version));
  auto version = parse_version(**stored);
  if (!version)
    return tl::unexpected{version.error()};
  if (*version > schema_version)
    return fail(errc::storage_failure,
                "database schema version " + std::to_string(*version)
                  + " is newer than this program ("
                  + std::to_string(schema_version) + ")");
  return {};
}

// -- transactions -------------------------------------------------------------

result<void> exam_repository::write(const write_body& body) {
  return guarded("write", [&]() -> result<void> {
    for (int attempt = 0;; ++attempt) {
      {
        std::shared_lock lock{*remap_};
        auto t = lmdb::txn::begin_write(env_);
        if (!t)
          return tl::unexpected{t.error()};
        auto r = body(*t);
        if (r)
          r = t->commit();
        if (r)
          return {};
        // Retry once: a write that does not fit a doubled map is reported.
        if (!t->map_full() || attempt > 0)
          return r;
      } // the failed transaction is aborted here, before the map grows
      // LMDB rule: mdb_env_set_mapsize only while no transaction is active.
      std::unique_lock lock{*remap_};
      if (auto g = env_.set_map_size(env_.map_size() * 2); !g)
        return g;
    }
  });
}

result<void> exam_repository::read(const read_body& body) const {
  return guarded("read", [&]() -> result<void> {
    std::shared_lock lock{*remap_};
    auto t = lmdb::txn::begin_read(env_);
    if (!t)
      return tl::unexpected{t.error()};
    return body(*t);
  });
}

result<void> exam_repository::check_key(std::string_view key,
                                        std::string_view what) const {
  if (key.empty())
    return fail(errc::invalid_input, std::string{what} + " is empty");
  if (key.size() > env_.max_key_size())
    return fail(errc::invalid_input, std::string{what} + " is longer than "
                                       + std::to_string(env_.max_key_size())
                                       + " bytes");
  return {};
}

// -- writes -------------------------------------------------------------------

result<void> exam_repository::put_exam(const store::exam_record& e) {
  if (auto k = check_key(e.uid, "exam uid"); !k)
    return k;
  return write([&](lmdb::txn& t) {
    return t.put(exams_, e.uid, encode(e));
  });
}

result<void> exam_repository::put_patient(const store::patient_record& p) {
  if (auto k = check_key(p.cnp, "patient cnp"); !k)
    return k;
  return write([&](lmdb::txn& t) {
    return t.put(patients_, p.cnp, encode(p));
  });
}

result<void>
exam_repository::put_exam_and_patient(const store::exam_record& e,
                                      const store::patient_record& p) {
  if (auto k = check_key(e.uid, "exam uid"); !k)
    return k;
  if (auto k = check_key(p.cnp, "patient cnp"); !k)
    return k;
  return write([&](lmdb::txn& t) -> result<void> {
    if (auto r = t.put(patients_, p.cnp, encode(p)); !r)
      return r;
    return t.put(exams_, e.uid, encode(e));
  });
}

result<bool> exam_repository::erase_exam(std::string_view uid) {
  bool erased = false;
  auto r = write([&](lmdb::txn& t) -> result<void> {
    auto d = t.del(exams_, uid);
    if (!d)
      return tl::unexpected{d.error()};
    erased = *d;
    return {};
  });
  if (!r)
    return tl::unexpected{std::move(r.error())};
  return erased;
}

result<void> exam_repository::write_batch(
  const std::vector<store::exam_record>& exams,
  const std::vector<store::patient_record>& patients) {
  // Validate first so a bad record rejects the batch before any write.
  for (std::size_t i = 0; i < exams.size(); ++i)
    if (auto k = check_key(exams[i].uid, "exam uid"); !k)
      return with_context(k.error(), "batch exam " + std::to_string(i));
  for (std::size_t i = 0; i < patients.size(); ++i)
    if (auto k = check_key(patients[i].cnp, "patient cnp"); !k)
      return with_context(k.error(), "batch patient " + std::to_string(i));
  return write([&](lmdb::txn& t) -> result<void> {
    for (const auto& p : patients)
      if (auto r = t.put(patients_, p.cnp, encode(p)); !r)
        return r;
    for (const auto& e : exams)
      if (auto r = t.put(exams_, e.uid, encode(e)); !r)
        return r;
    return {};
  });
}

// -- reads --------------------------------------------------------------------

result<std::optional<store::exam_record>>
exam_repository::get_exam(std::string_view uid) const {
  std::optional<store::exam_record> found;
  auto r = read([&](const lmdb::txn& t) -> result<void> {
    auto bytes = t.get(exams_, uid);
    if (!bytes)
      return tl::unexpected{bytes.error()};
    if (!*bytes)
      return {};
    auto e = decode_exam(**bytes);
    if (!e)
      return with_context(e.error(), "exam " + std::string{uid});
    found = std::move(*e);
    return {};
  });
  if (!r)
    return tl::unexpected{std::move(r.error())};
  return found;
}

result<std::optional<store::patient_record>>
exam_repository::get_patient(std::string_view cnp) const {
  std::optional<store::patient_record> found;
  auto r = read([&](const lmdb::txn& t) -> result<void> {
    auto bytes = t.get(patients_, cnp);
    if (!bytes)
      return tl::unexpected{bytes.error()};
    if (!*bytes)
      return {};
    // The CNP is personal data, so it stays out of the error detail.
    auto p = decode_patient(**bytes);
    if (!p)
      return tl::unexpected{p.error()};
    found = std::move(*p);
    return {};
  });
  if (!r)
    return tl::unexpected{std::move(r.error())};
  return found;
}

result<void> exam_repository::for_each_exam(
  const std::function<void(store::exam_record&&)>& f) const {
  return read([&](const lmdb::txn& t) -> result<void> {
    auto c = lmdb::cursor::open(t, exams_);
    if (!c)
      return tl::unexpected{c.error()};
    auto kv = c->first();
    std::size_t n = 0;
    for (; kv && *kv; kv = c->next()) {
      auto e = decode_exam((*kv)->second);
      if (!e)
        return with_context(e.error(), "exam " + std::string{(*kv)->first});
      f(std::move(*e));
      // A full scan maps the whole file: hand the pages back as it goes, so
      // the start-up scan's peak RSS stays near the index's own size.
      if (++n % 65536 == 0)
        drop_mapped_pages();
    }
    if (!kv)
      return tl::unexpected{kv.error()};
    return {};
  });
}

result<void> exam_repository::for_each_patient(
  const std::function<void(store::patient_record&&)>& f) const {
  return read([&](const lmdb::txn& t) -> result<void> {
    auto c = lmdb::cursor::open(t, patients_);
    if (!c)
      return tl::unexpected{c.error()};
    auto kv = c->first();
    for (; kv && *kv; kv = c->next()) {
      auto p = decode_patient((*kv)->second);
      if (!p)
        return tl::unexpected{p.error()};
      f(std::move(*p));
    }
    if (!kv)
      return tl::unexpected{kv.error()};
    return {};
  });
}

result<std::size_t> exam_repository::exam_count() const {
  std::size_t n = 0;
  auto r = read([&](const lmdb::txn& t) -> result<void> {
    auto c = t.count(exams_);
    if (!c)
      return tl::unexpected{c.error()};
    n = *c;
    return {};
  });
  if (!r)
    return tl::unexpected{std::move(r.error())};
  return n;
}

result<void>
exam_repository::backup_to(const std::filesystem::path& file) const {
  return guarded("backup_to", [&]() -> result<void> {
    if (const auto parent = file.parent_path(); !parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec)
        return tl::unexpected{
          lmdb::make_error(ec.value(), "create_directories")};
    }
    // The copy runs its own read transaction, so it must not overlap a remap.
    std::shared_lock lock{*remap_};
    return env_.copy_compact(file);
  });
}

std::size_t exam_repository::map_used_bytes() const noexcept {
  return env_.used_bytes();
}

void exam_repository::release_read_pages() const noexcept {
  std::shared_lock lock{*remap_};
  drop_mapped_pages();
}

void exam_repository::drop_mapped_pages() const noexcept {
  const char* dir = nullptr;
  if (mdb_env_get_path(env_.handle(), &dir) != 0 || dir == nullptr)
    return;
  // LMDB exposes no map address (mdb_env_info's me_mapaddr is only set for
  // MDB_FIXEDMAP), so find the mapping of data.mdb in /proc/self/maps. The
  // map is read-only and shared (no MDB_WRITEMAP): dropping our page-table
  // entries loses nothing; later reads fault pages back from the page cache.
  const std::string file = std::string{dir} + "/data.mdb";
  std::ifstream maps{"/proc/self/maps"};
  std::string line;
  while (std::getline(maps, line)) {
    if (line.size() < file.size()
        || line.compare(line.size() - file.size(), file.size(), file) != 0)
      continue;
    unsigned long long from = 0;
    unsigned long long to = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx", &from, &to) == 2 && to > from)
      madvise(reinterpret_cast<void*>(from),
              static_cast<std::size_t>(to - from), MADV_DONTNEED);
  }
}

std::size_t exam_repository::map_size() const noexcept {
  return env_.map_size();
}

} // namespace xrv::storage
