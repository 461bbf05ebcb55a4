#include "tests/support/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace xrv::test {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct ws_client::impl {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  std::thread reader;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> frames;
  bool ended = false;

  void read_loop() {
    for (;;) {
      beast::flat_buffer buf;
      beast::error_code ec;
      ws.read(buf, ec);
      std::lock_guard lock{mu};
      if (ec) {
        ended = true;
        cv.notify_all();
        return;
      }
      frames.push_back(beast::buffers_to_string(buf.data()));
      cv.notify_all();
    }
  }
};

std::unique_ptr<ws_client> ws_client::connect(unsigned short port,
                                              const header_list& headers,
                                              int& status,
                                              const std::string& target) {
  auto p = std::make_unique<impl>();
  status = 0;
  beast::error_code ec;
  p->ws.next_layer().connect(
    tcp::endpoint{net::ip::make_address("127.0.0.1"), port}, ec);
  if (ec)
    return nullptr;
  p->ws.set_option(
    websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (const auto& [name, value] : headers)
        req.set(name, value);
    }));
  websocket::response_type res;
  p->ws.handshake(res, "127.0.0.1:" + std::to_string(port), target, ec);
  status = static_cast<int>(res.result_int());
  if (ec)
    return nullptr;
  p->reader = std::thread([raw = p.get()] {
    raw->read_loop();
  });
  return std::unique_ptr<ws_client>(new ws_client(std::move(p)));
}

ws_client::ws_client(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

ws_client::~ws_client() {
  beast::error_code ec;
  impl_->ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
  impl_->ws.next_layer().close(ec);
  if (impl_->reader.joinable())
    impl_->reader.join();
}

std::optional<std::string> ws_client::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock{impl_->mu};
  impl_->cv.wait_for(lock, timeout, [this] {
    return !impl_->frames.empty() || impl_->ended;
  });
  if (impl_->frames.empty())
    return std::nullopt;
  auto f = std::move(impl_->frames.front());
  impl_->frames.pop_front();
  return f;
}

bool ws_client::closed() const {
  std::lock_guard lock{impl_->mu};
  return impl_->ended;
}

bool stalled_ws_client::connect(unsigned short port,
                                const header_list& headers) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0)
    return false;
  // Before connect, so that the advertised window stays small.
  int small = 4096;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return false;
  std::string req
    = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port)
      + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n";
  for (const auto& [name, value] : headers)
    req += name + ": " + value + "\r\n";
  req += "\r\n";
  if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL)
      != static_cast<ssize_t>(req.size()))
    return false;
  // Reads the answer's head byte by byte, so that no frame is consumed.
  std::string head;
  char c = 0;
  while (!head.ends_with("\r\n\r\n")) {
    if (::recv(fd_, &c, 1, 0) != 1)
      return false;
    head += c;
  }
  return head.starts_with("HTTP/1.1 101");
}

stalled_ws_client::~stalled_ws_client() {
  if (fd_ >= 0)
    ::close(fd_);
}

std::pair<std::size_t, bool>
stalled_ws_client::drain(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t total = 0;
  char buf[64 * 1024];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0)
      continue;
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      return {total, true}; // EOF or reset: the server hung up
    total += static_cast<std::size_t>(n);
  }
  return {total, false};
}

} // namespace xrv::test
