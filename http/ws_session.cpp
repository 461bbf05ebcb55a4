#include "http/ws_session.hpp"

#include "actors/system/log.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <utility>

namespace xrv::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// A dashboard WebSocket connection: server to client only. Frames wait in a
// bounded queue on the connection's strand; only one write is in flight at a
// time (Beast's rule). A client that falls too far behind is cut off instead
// of making the broadcaster or anyone else wait.
class ws_session : public broadcast::client,
                   public std::enable_shared_from_this<ws_session> {
public:
  ws_session(tcp::socket&& socket, ws_limits limits,
             std::shared_ptr<std::atomic<std::size_t>> connections,
             std::string client_ip)
      : ws_(std::move(socket)), limits_(limits),
        connections_(std::move(connections)), client_ip_(std::move(client_ip)) {
    ++*connections_;
  }

  ~ws_session() override {
    --*connections_;
  }

  ws_session(const ws_session&) = delete;
  ws_session& operator=(const ws_session&) = delete;

  void start(bhttp::request<bhttp::string_body> req,
             std::function<void(broadcast::client_ptr)> on_open) {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = limits_.idle_timeout;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    // Clients send nothing but control frames; a data message is ignored,
    // and a large one ends the connection.
    ws_.read_message_max(4096);
    ws_.text(true); // every frame is JSON text
    ws_.set_option(
      websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(bhttp::field::server, "XRayVision");
      }));
    auto self = shared_from_this();
    ws_.async_accept(
      req, [self, on_open = std::move(on_open)](beast::error_code ec) {
        if (ec) {
          self->open_ = false;
          return;
        }
        on_open(self);
        self->do_read();
      });
  }

  void send(broadcast::frame f) override {
    if (!open_)
      return;
    net::post(ws_.get_executor(),
              [self = shared_from_this(), f = std::move(f)]() mutable {
                self->enqueue(std::move(f));
              });
  }

  void close() override {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      if (!self->open_)
        return;
      self->open_ = false;
      self->ws_.async_close(websocket::close_code::going_away,
                            [self](beast::error_code) {});
    });
  }

  [[nodiscard]] bool open() const override {
    return open_;
  }

private:
  void enqueue(broadcast::frame f) {
    if (!open_)
      return;
    if (queue_.size() >= limits_.queue_frames
        || queued_bytes_ + f->size() > limits_.queue_bytes) {
      log::get("ws")->warn(
        "dashboard client {} is not reading ({} frames waiting); "
        "disconnected",
        client_ip_, queue_.size());
      return abort();
    }
    queued_bytes_ += f->size();
    queue_.push_back(std::move(f));
    if (queue_.size() == 1)
      do_write();
  }

  void do_write() {
    ws_.async_write(
      net::buffer(*queue_.front()),
      [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->on_write(ec);
      });
  }

  void on_write(beast::error_code ec) {
    if (queue_.empty())
      return; // aborted meanwhile
    queued_bytes_ -= queue_.front()->size();
    queue_.pop_front();
    if (ec)
      return abort();
    if (!queue_.empty())
      do_write();
  }

  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec,
                                                        std::size_t n) {
      if (ec) {
        // Closed by the client, timed out (no answer to our pings) or too
        // large a message: the connection is over.
        self->open_ = false;
        return;
      }
      self->buffer_.consume(n);
      self->do_read();
    });
  }

  // Drops the connection at once: pending operations end with an error.
  void abort() {
    open_ = false;
    queue_.clear();
    queued_bytes_ = 0;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both,
                                                   ignored);
    beast::get_lowest_layer(ws_).close();
  }

  websocket::stream<beast::tcp_stream> ws_;
  ws_limits limits_;
  std::shared_ptr<std::atomic<std::size_t>> connections_;
  std::string client_ip_;
  beast::flat_buffer buffer_;
  std::deque<broadcast::frame> queue_;
  std::size_t queued_bytes_ = 0;
  std::atomic<bool> open_{true};
};

} // namespace

void start_ws_session(tcp::socket socket,
                      bhttp::request<bhttp::string_body> req, ws_limits limits,
                      std::shared_ptr<std::atomic<std::size_t>> connections,
                      std::string client_ip,
                      std::function<void(broadcast::client_ptr)> on_open) {
  std::make_shared<ws_session>(std::move(socket), limits,
                               std::move(connections), std::move(client_ip))
    ->start(std::move(req), std::move(on_open));
}

} // namespace xrv::http
