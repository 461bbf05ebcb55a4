// bench/ws: many idle dashboard WebSocket clients on one epoll thread.
//
//   ws_clients PORT COOKIE COUNTS... -- prints, for each total in COUNTS
//   (ascending, e.g. 1000 5000), the time to connect the clients added to
//   reach it (handshake + `connected` frame), in batches of 500; then waits
//   for lines on stdin: "review UID" posts a review of that exam (the
//   broadcast is its `radreview` event) and prints when the first and the
//   last client got the event, from the moment the request was sent; "quit"
//   ends.
//
// Raw sockets and a minimal frame parser keep the client's own cost per
// frame to a recv call, so the figures are mostly the server's.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using clock_type = std::chrono::steady_clock;

struct conn {
  int fd = -1;
  bool upgraded = false;
  bool welcomed = false;  // got the `connected` frame
  bool got_event = false; // got the marked event
  clock_type::time_point got_at;
  std::string buf; // unparsed bytes
};

std::vector<conn> conns;
int ep = -1;
std::string request_head;

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t)
    .count();
}

void open_one(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    std::perror("socket");
    std::exit(1);
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a); // EINPROGRESS
  // Loopback connects complete at once; wait for writability briefly.
  pollfd p{fd, POLLOUT, 0};
  ::poll(&p, 1, 5000);
  if (::send(fd, request_head.data(), request_head.size(), MSG_NOSIGNAL)
      != static_cast<ssize_t>(request_head.size())) {
    std::perror("send");
    std::exit(1);
  }
  conn c;
  c.fd = fd;
  conns.push_back(std::move(c));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = conns.size() - 1;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

// Consumes whole frames from c.buf; a text frame containing "connected" or
// "radreview" marks the client.
void parse(conn& c) {
  if (!c.upgraded) {
    auto end = c.buf.find("\r\n\r\n");
    if (end == std::string::npos)
      return;
    if (c.buf.rfind("HTTP/1.1 101", 0) != 0) {
      std::cerr << "handshake refused: " << c.buf.substr(0, end) << "\n";
      std::exit(1);
    }
    c.upgraded = true;
    c.buf.erase(0, end + 4);
  }
  for (;;) {
    if (c.buf.size() < 2)
      return;
    const auto* b = reinterpret_cast<const unsigned char*>(c.buf.data());
    std::size_t len = b[1] & 0x7f;
    std::size_t head = 2;
    if (len == 126) {
      if (c.buf.size() < 4)
        return;
      len = (std::size_t{b[2]} << 8) | b[3];
      head = 4;
    } else if (len == 127) {
      if (c.buf.size() < 10)
        return;
      len = 0;
      for (int i = 2; i < 10; ++i)
        len = (len << 8) | b[i];
      head = 10;
    }
    if (c.buf.size() < head + len)
      return;
    std::string_view payload{c.buf.data() + head, len};
    if (payload.find("\"connected\"") != std::string_view::npos)
      c.welcomed = true;
    if (payload.find("\"radreview\"") != std::string_view::npos
        && !c.got_event) {
      c.got_event = true;
      c.got_at = clock_type::now();
    }
    c.buf.erase(0, head + len);
  }
}

// Runs the loop until `done()` or the deadline; false on the deadline.
template <class Done>
bool run_until(Done done, int timeout_ms) {
  const auto end = clock_type::now() + std::chrono::milliseconds(timeout_ms);
  epoll_event events[256];
  char tmp[16 * 1024];
  while (!done()) {
    if (clock_type::now() > end)
      return false;
    int n = ::epoll_wait(ep, events, 256, 100);
    for (int i = 0; i < n; ++i) {
      auto& c = conns[events[i].data.u64];
      for (;;) {
        auto r = ::recv(c.fd, tmp, sizeof tmp, MSG_DONTWAIT);
        if (r > 0) {
          c.buf.append(tmp, static_cast<std::size_t>(r));
          continue;
        }
        if (r == 0) {
          std::cerr << "a client was disconnected\n";
          std::exit(1);
        }
        break;
      }
      parse(c);
    }
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: ws_clients PORT COOKIE COUNT...\n";
    return 2;
  }
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
  request_head = std::string{"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:"} + argv[1]
                 + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\nCookie: "
                 + argv[2] + "\r\n\r\n";
  ep = ::epoll_create1(0);
  constexpr std::size_t batch = 500;
  conns.reserve(100'000);
  for (int i = 3; i < argc; ++i) {
    const auto target = static_cast<std::size_t>(std::atol(argv[i]));
    while (conns.size() < target) {
      const auto first = conns.size();
      const auto count = std::min(batch, target - first);
      const auto t0 = clock_type::now();
      for (std::size_t k = 0; k < count; ++k)
        open_one(port);
      if (!run_until(
            [first] {
              return std::all_of(conns.begin() + static_cast<long>(first),
                                 conns.end(), [](const conn& c) {
                                   return c.welcomed;
                                 });
            },
            60'000)) {
        std::cerr << "clients were not welcomed in 60 s\n";
        return 1;
      }
      std::printf("connect %zu..%zu: %.1f ms (%.3f ms per client)\n", first + 1,
                  conns.size(), ms_since(t0),
                  ms_since(t0) / static_cast<double>(count));
    }
    std::printf("connected %zu\n", conns.size());
    std::fflush(stdout);
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "quit")
      break;
    if (!line.starts_with("review "))
      continue;
    for (auto& c : conns)
      c.got_event = false;
    const std::string body
      = R"({"uid":")" + line.substr(7) + R"(","normal":true})";
    const std::string post
      = std::string{"POST /api/radreview HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Connection: close\r\nContent-Type: application/json\r\n"
                    "Cookie: "}
        + argv[2] + "\r\nContent-Length: " + std::to_string(body.size())
        + "\r\n\r\n" + body;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      std::perror("connect");
      return 1;
    }
    const auto t0 = clock_type::now();
    if (::send(fd, post.data(), post.size(), MSG_NOSIGNAL) < 0) {
      std::perror("send");
      return 1;
    }
    const bool ok = run_until(
      [] {
        return std::all_of(conns.begin(), conns.end(), [](const conn& c) {
          return c.got_event;
        });
      },
      30'000);
    ::close(fd);
    if (!ok) {
      std::cerr << "the event did not reach every client in 30 s\n";
      return 1;
    }
    auto first = conns.front().got_at;
    auto last = first;
    for (const auto& c : conns) {
      first = std::min(first, c.got_at);
      last = std::max(last, c.got_at);
    }
    auto ms = [t0](clock_type::time_point t) {
      return std::chrono::duration<double, std::milli>(t - t0).count();
    };
    std::printf("event: first client %.1f ms, last client %.1f ms after the "
                "request (fan-out %.1f ms over %zu clients)\n",
                ms(first), ms(last), ms(last) - ms(first), conns.size());
    std::fflush(stdout);
  }
  return 0;
}
