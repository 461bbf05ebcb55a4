// The only translation unit that compiles Beast (compile cost, stack.md §1):
// accept, read with limits and timeouts, hand a plain request to the front
// door, and write its answer back on the connection's strand.

#include "http/server.hpp"

#include "actors/system/log.hpp"
#include "http/ws_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

namespace xrv::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr const char* content_security_policy
  = "default-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "style-src 'self'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

std::string error_body(std::string_view message) {
  return boost::json::serialize(boost::json::object{{"error", message}});
}

// Headers every response carries.
template <class Message>
void add_common_headers(Message& msg, const response& res) {
  msg.set(bhttp::field::content_type, res.content_type);
  msg.set(bhttp::field::cache_control, res.cache_control);
  msg.set("Content-Security-Policy", content_security_policy);
  msg.set("X-Content-Type-Options", "nosniff");
  msg.set("Referrer-Policy", "no-referrer");
  msg.set("X-Frame-Options", "DENY");
  for (const auto& [name, value] : res.headers)
    msg.insert(name, value);
}

} // namespace

struct server::impl : std::enable_shared_from_this<server::impl> {
  server_options opts;
  request_handler handler;
  upgrade_handler upgrade;
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  net::steady_timer accept_timer{ioc};
  std::vector<std::thread> threads;
  std::atomic<int> in_flight{0};
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopping{false};

  impl(server_options o, request_handler h, upgrade_handler u)
      : opts(std::move(o)), handler(std::move(h)), upgrade(std::move(u)),
        ioc(opts.threads) {}

  void do_accept();
};

namespace {

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket&& socket, std::shared_ptr<server::impl> srv)
      : stream_(std::move(socket)), srv_(std::move(srv)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec)
      client_ip_ = ep.address().to_string();
    ++srv_->connections;
  }

  ~session() {
    --srv_->connections;
  }

  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void run() {
    net::dispatch(
      stream_.get_executor(),
      beast::bind_front_handler(&session::do_read, shared_from_this()));
  }

private:
  void do_read() {
    // A fresh parser per request carries the limits (advanced_server).
    parser_.emplace();
    parser_->body_limit(srv_->opts.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(srv_->opts.header_limit));
    stream_.expires_after(srv_->opts.read_timeout);
    bhttp::async_read(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof)
      return close();
    if (ec == bhttp::error::body_limit)
      return reply_and_close(413, "Request body too large (limit 1 MiB)");
    if (ec == bhttp::error::header_limit)
      return reply_and_close(431, "Request headers too large");
    if (ec == beast::error::timeout || ec == net::error::operation_aborted
        || ec == net::error::connection_reset)
      return close();
    if (ec)
      return reply_and_close(400, "Malformed HTTP request");
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    head_ = msg.method() == bhttp::verb::head;
    if (srv_->stopping)
      return reply_and_close(503, "Server is shutting down");

    if (websocket::is_upgrade(msg))
      return on_upgrade(std::move(msg));
    request req = to_request(msg);
    req.body = std::move(msg.body());

    ++srv_->in_flight;
    stream_.expires_never(); // the handler may wait on actors
    auto self = shared_from_this();
    responder done = [self](response res) {
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res)]() mutable {
                  self->write(std::move(res));
                });
    };
    try {
      if (!srv_->handler) {
        --srv_->in_flight;
        return reply_and_close(503, "Server is shutting down");
      }
      srv_->handler(std::move(req), std::move(done));
    } catch (const std::exception& e) {
      log::get("http")->error("request handler threw: {}", e.what());
      --srv_->in_flight;
      reply_and_close(500, "Internal server error");
    }
  }

  request to_request(const bhttp::request<bhttp::string_body>& msg) const {
    request req;
    req.method = std::string{msg.method_string()};
    req.target = std::string{msg.target()};
    auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos)
      req.query = req.target.substr(q + 1);
    req.host = std::string{msg[bhttp::field::host]};
    req.origin = std::string{msg[bhttp::field::origin]};
    req.authorization = std::string{msg[bhttp::field::authorization]};
    req.cookie = std::string{msg[bhttp::field::cookie]};
    req.content_type = std::string{msg[bhttp::field::content_type]};
    req.client_ip = client_ip_;
    return req;
  }

  // The front door decides (synchronously: a session lookup or a password
  // check, like any request); an accepted upgrade hands the socket to a
  // WebSocket session and this HTTP session ends.
  void on_upgrade(bhttp::request<bhttp::string_body> msg) {
    upgrade_decision d;
    try {
      if (srv_->upgrade)
        d = srv_->upgrade(to_request(msg));
      else
        d.refusal.emplace().status = 404;
    } catch (const std::exception& e) {
      log::get("http")->error("upgrade handler threw: {}", e.what());
      return reply_and_close(500, "Internal server error");
    }
    if (d.refusal || !d.on_open) {
      keep_alive_ = false;
      ++srv_->in_flight;
      response res;
      if (d.refusal) {
        res = std::move(*d.refusal);
      } else {
        res.status = 404;
        res.body = error_body("Not found");
      }
      return write(std::move(res));
    }
    stream_.expires_never();
    start_ws_session(
      stream_.release_socket(), std::move(msg), srv_->opts.ws,
      // Counts the connection, and keeps the listener state alive with it.
      std::shared_ptr<std::atomic<std::size_t>>(srv_, &srv_->connections),
      client_ip_, std::move(d.on_open));
  }

  void write(response res) {
    stream_.expires_after(srv_->opts.read_timeout);
    if (res.file) {
      bhttp::file_body::value_type body;
      beast::error_code ec;
      body.open(res.file->c_str(), beast::file_mode::scan, ec);
      if (ec) {
        res = response{};
        res.status = 404;
        res.body = error_body("Not found");
      } else {
        auto size = body.size();
        if (head_)
          return send_head(res, size);
        auto msg = std::make_shared<bhttp::response<bhttp::file_body>>(
          std::piecewise_construct, std::make_tuple(std::move(body)),
          std::make_tuple(static_cast<bhttp::status>(res.status), version_));
        add_common_headers(*msg, res);
        msg->content_length(size);
        msg->keep_alive(keep_alive_);
        return send(std::move(msg), true);
      }
    }
    if (head_)
      return send_head(res, res.body.size());
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>(
      static_cast<bhttp::status>(res.status), version_);
    add_common_headers(*msg, res);
    msg->body() = std::move(res.body);
    msg->keep_alive(keep_alive_);
    msg->prepare_payload();
    send(std::move(msg), true);
  }

  void send_head(const response& res, std::uint64_t size) {
    auto msg = std::make_shared<bhttp::response<bhttp::empty_body>>(
      static_cast<bhttp::status>(res.status), version_);
    add_common_headers(*msg, res);
    msg->content_length(size);
    msg->keep_alive(keep_alive_);
    send(std::move(msg), true);
  }

  template <class Message>
  void send(std::shared_ptr<Message> msg, bool counted) {
    auto self = shared_from_this();
    bhttp::async_write(stream_, *msg,
                       [self, msg, counted](beast::error_code ec, std::size_t) {
                         if (counted)
                           --self->srv_->in_flight;
                         if (ec || !msg->keep_alive() || self->srv_->stopping)
                           return self->close();
                         self->do_read();
                       });
  }

  // Answers a request that never reached the handler, then hangs up: after a
  // framing error the stream position is unknown.
  void reply_and_close(unsigned status, std::string_view message) {
    keep_alive_ = false;
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>(
      static_cast<bhttp::status>(status), version_);
    response meta;
    add_common_headers(*msg, meta);
    msg->body() = error_body(message);
    msg->keep_alive(false);
    msg->prepare_payload();
    stream_.expires_after(std::chrono::seconds(5));
    send(std::move(msg), false);
  }

  // A lingering close: after our last byte, read and drop whatever the
  // client is still sending (say the rest of a refused 2 MiB body) until it
  // hangs up, for at most 2 s and 8 MiB. Closing with unread data would make
  // the kernel answer with a reset that can destroy the response before the
  // client has read it.
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      stream_.close();
      return;
    }
    stream_.expires_after(std::chrono::seconds(2));
    drain_.resize(16 * 1024);
    drain();
  }

  void drain() {
    stream_.async_read_some(
      net::buffer(drain_),
      [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        self->drained_ += n;
        if (ec || self->drained_ > (std::size_t{8} << 20)) {
          self->stream_.close();
          return;
        }
        self->drain();
      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::vector<char> drain_; // only while closing
  std::size_t drained_ = 0;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<server::impl> srv_;
  std::string client_ip_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
};

} // namespace

void server::impl::do_accept() {
  acceptor->async_accept(
    net::make_strand(ioc),
    [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || self->stopping)
        return;
      if (!ec) {
        if (self->connections >= self->opts.max_connections) {
          log::get("http")->warn("connection limit ({}) reached; refusing",
                                 self->opts.max_connections);
          beast::error_code ignored;
          socket.close(ignored);
        } else {
          beast::error_code opt_ec; // a client gone already fails later
          socket.set_option(tcp::no_delay(true), opt_ec);
          std::make_shared<session>(std::move(socket), self)->run();
        }
      } else {
        // Out of file descriptors (or another resource): back off instead
        // of spinning on a listener that keeps failing.
        log::get("http")->warn("accept failed: {}; retrying in 100 ms",
                               ec.message());
        self->accept_timer.expires_after(std::chrono::milliseconds(100));
        self->accept_timer.async_wait([self](beast::error_code wait_ec) {
          if (!wait_ec && !self->stopping)
            self->do_accept();
        });
        return;
      }
      self->do_accept();
    });
}

server::server(server_options opts, request_handler handler,
               upgrade_handler upgrade)
    : impl_(std::make_shared<impl>(std::move(opts), std::move(handler),
                                   std::move(upgrade))) {}

server::~server() {
  stop(std::chrono::milliseconds(0));
}

result<unsigned short> server::start() {
  auto& s = *impl_;
  beast::error_code ec;
  auto address = net::ip::make_address(s.opts.bind, ec);
  if (ec)
    return fail(errc::invalid_input,
                "DASHBOARD_BIND " + s.opts.bind + " is not an IP address");
  tcp::endpoint ep{address, s.opts.port};
  s.acceptor.emplace(net::make_strand(s.ioc));
  s.acceptor->open(ep.protocol(), ec);
  if (!ec)
    s.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    s.acceptor->bind(ep, ec);
  if (!ec)
    s.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(errc::peer_unavailable, "cannot listen on " + s.opts.bind + ":"
                                          + std::to_string(s.opts.port) + ": "
                                          + ec.message());
  const auto port = s.acceptor->local_endpoint().port();
  s.do_accept();
  for (int i = 0; i < s.opts.threads; ++i)
    s.threads.emplace_back([&s] {
      s.ioc.run();
    });
  return port;
}

void server::stop(std::chrono::milliseconds grace) {
  auto& s = *impl_;
  if (s.threads.empty())
    return;
  s.stopping = true;
  net::post(s.acceptor->get_executor(), [&s] {
    beast::error_code ec;
    s.acceptor->close(ec);
  });
  // Requests already handed to the front door get their answers written.
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (s.in_flight > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  s.ioc.stop();
  for (auto& t : s.threads)
    t.join();
  s.threads.clear();
  // Operations still queued in the stopped io_context hold sessions, which
  // hold this state: drop the handler so nothing behind it (the front door,
  // actor handles) outlives the server.
  s.handler = nullptr;
  s.upgrade = nullptr;
}

} // namespace xrv::http
