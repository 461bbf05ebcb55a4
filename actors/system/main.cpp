// XRayVision: parse the configuration, spawn the actors, serve HTTP, wait for
// SIGINT/SIGTERM, shut down in order.

#include "actors/dicom/codecs.hpp"
#include "actors/net/http_client.hpp"
#include "actors/store/exam_store.hpp"
#include "actors/system/commands.hpp"
#include "actors/system/config.hpp"
#include "actors/system/log.hpp"
#include "actors/system/supervisor.hpp"
#include "actors/system/type_ids.hpp"
#include "http/auth.hpp"
#include "http/context.hpp"
#include "http/front_door.hpp"
#include "http/server.hpp"
#include "storage/dir_lock.hpp"
#include "storage/exam_repository.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <malloc.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

extern char** environ; // NOLINT: POSIX

namespace {

namespace fs = std::filesystem;
using namespace xrv;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return std::nullopt;
  return std::string{std::istreambuf_iterator<char>{in}, {}};
}

std::map<std::string, std::string> xrv_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv{*e};
    auto eq = kv.find('=');
    if (kv.starts_with("XRV_") && eq != std::string_view::npos)
      env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

// `xrayvision hash-password`: reads a password (without echo on a terminal)
// and prints the argon2id string to put into [users].
int hash_password_command() {
  const bool tty = isatty(STDIN_FILENO) != 0;
  termios old{};
  if (tty) {
    std::cerr << "Password: " << std::flush;
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string password;
  std::getline(std::cin, password);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << '\n';
  }
  if (password.empty()) {
    std::cerr << "xrayvision: empty password\n";
    return 2;
  }
  std::cout << http::hash_password(password) << '\n';
  return 0;
}

// Every dashboard client holds a socket, and the usual soft limit of 1024
// open files would cap them (and with them every other socket and file):
// raise it to the hard limit.
void raise_open_file_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

struct caf_config : caf::actor_system_config {
  explicit caf_config(const config::app_config& cfg) {
    set("scheduler.max-threads",
        static_cast<std::size_t>(cfg.general.worker_threads));
    set("logger.console", caf::atom("none"));
    add_message_types<caf::id_block::xrv>();
  }
};

} // namespace

int main(int argc, char** argv) {
  auto cli = config::parse_command_line({argv + 1, argv + argc});
  if (!cli) {
    std::cerr << "xrayvision: " << cli.error().detail << "\n"
              << "Try 'xrayvision --help'.\n";
    return 2;
  }
  if (cli->help) {
    std::cout << config::usage_text();
    return 0;
  }
  if (cli->version) {
    std::cout << "xrayvision " << XRV_VERSION << '\n';
    return 0;
  }
  if (!cli->positional.empty()) {
    if (cli->positional.front() == "hash-password")
      return hash_password_command();
    if (cli->positional.front() == "import-sqlite")
      return commands::import_sqlite(*cli, xrv_environment(), read_file,
                                     std::cout, std::cerr);
    std::cerr << "xrayvision: unknown command " << cli->positional.front()
              << "\n";
    return 2;
  }
  auto loaded = config::load_config(*cli, xrv_environment(), read_file);
  if (!loaded) {
    std::cerr << "xrayvision: invalid configuration: " << loaded.error().detail
              << '\n';
    return 2;
  }
  auto cfg = std::make_shared<const config::app_config>(std::move(*loaded));
  auto prompts = ai::load_prompt_overrides(cfg->prompt_files, read_file);
  if (!prompts) {
    std::cerr << "xrayvision: invalid configuration: " << prompts.error().detail
              << '\n';
    return 2;
  }

  log::log_options lo;
  lo.level = cfg->log_level;
  lo.file = cfg->general.log_file;
  lo.max_size_bytes = static_cast<std::size_t>(cfg->general.log_max_size_mb)
                      << 20;
  lo.max_files = static_cast<std::size_t>(cfg->general.log_max_files);
  auto log_problem = log::init(lo);
  auto lg = log::get("main");
  lg->info("XRayVision {} starting", XRV_VERSION);
  if (!log_problem.empty())
    lg->error("cannot write the log file {}: {}", lo.file, log_problem);
  for (const auto& src : cfg->sources)
    lg->info("configuration: {}", src);
  for (const auto& w : cfg->warnings)
    lg->warn("configuration: {}", w);
  if (cli->translate_existing)
    lg->warn("--translate-existing is not available in this version; ignored");

  std::error_code ec;
  fs::create_directories(cfg->general.images_dir, ec);
  if (ec)
    lg->error("cannot create the images folder {}: {}", cfg->general.images_dir,
              ec.message());
  auto spec
    = read_file((fs::path{cfg->general.static_dir} / "spec.json").string());
  if (!spec)
    lg->warn("{}/spec.json not found: /api/spec will answer 500",
             cfg->general.static_dir);

  // The database: locked against a second process, opened, and indexed
  // before anything listens, so a broken store stops start-up clearly.
  auto lock = storage::dir_lock::acquire(cfg->general.db_path);
  if (!lock) {
    lg->error("{}", lock.error().detail);
    return 1;
  }
  auto opened = storage::exam_repository::open(cfg->general.db_path);
  if (!opened) {
    lg->error("cannot open the database {}: {}", cfg->general.db_path,
              opened.error().detail);
    return 1;
  }
  auto repo = std::make_shared<storage::exam_repository>(std::move(*opened));
  auto index
    = std::make_shared<store::exam_index>(cfg->processing.severity_threshold);
  const auto t0 = std::chrono::steady_clock::now();
  auto reset = rebuild_index(*repo, *index);
  if (!reset) {
    lg->error("cannot read the database {}: {}", cfg->general.db_path,
              reset.error().detail);
    return 1;
  }
  lg->info("database {}: {} exams indexed in {} ms{}", cfg->general.db_path,
           index->size(),
           std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now() - t0)
             .count(),
           *reset > 0
             ? fmt::format("; {} interrupted exams back in the queue", *reset)
             : std::string{});

  // Decoding maps ~10 MB pixel buffers per image: keep such blocks in the
  // heap instead of a fresh mmap each time, whose page faults cost about half
  // of the decode time (measured with bench/ingest: 9.4 -> 4.4 ms).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);

  // DCMTK leaves Nagle's algorithm on unless told otherwise, which costs
  // 40-90 ms per C-STORE round trip (peers.md §0.1).
  setenv("TCP_NODELAY", "1", 0);
  dicom::configure_dcmtk_logging();
  dicom::register_codecs();
  net::global_init(); // libcurl, before any thread uses it
  raise_open_file_limit();

  // Every thread started from here on inherits the blocked signals; main
  // alone waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  int exit_code = 0;
  {
    caf_config caf_cfg{*cfg};
    caf::actor_system sys{caf_cfg};
    auto handles = start_actors(
      sys, *cfg, repo, index,
      std::make_shared<const ai::prompt_set>(std::move(*prompts)));

    auto ctx = std::make_shared<http::app_context>();
    ctx->sys = &sys;
    ctx->actors = handles;
    ctx->cfg = cfg;
    ctx->auth = std::make_shared<http::authenticator>(cfg->users);
    ctx->sessions = std::make_shared<http::session_table>(
      std::chrono::hours(cfg->dashboard.session_hours), 10'000);
    ctx->spec_json = spec.value_or("");
    auto door = std::make_shared<const http::front_door>(ctx);

    http::server_options so;
    so.bind = cfg->dashboard.bind;
    so.port = static_cast<unsigned short>(cfg->dashboard.port);
    so.threads = cfg->dashboard.http_threads;
    so.ws.queue_frames = static_cast<std::size_t>(cfg->dashboard.ws_queue);
    http::server srv{so,
                     [door](http::request req, http::responder done) {
                       door->handle(std::move(req), std::move(done));
                     },
                     [door](const http::request& req) {
                       return door->upgrade(req);
                     }};
    auto port = srv.start();
    if (!port) {
      lg->error("{}", port.error().detail);
      exit_code = 1;
    } else {
      lg->info("dashboard listening on http://{}:{}", so.bind, *port);
      int sig = 0;
      sigwait(&signals, &sig);
      lg->info("received {}, shutting down",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
    }
    srv.stop(std::chrono::seconds(3));
    stop_actors(sys, handles);
  }
  lg->info("stopped");
  log::shutdown();
  return exit_code;
}
