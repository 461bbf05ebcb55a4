#pragma once

// The broadcaster's view of a WebSocket session (DESIGN.md: actors never
// include http/; the HTTP layer implements this and subscribes each session).
// CAF-free and Beast-free.

#include <cstddef>
#include <memory>
#include <string>

namespace xrv::broadcast {

/// One serialised frame, shared by every client it goes to.
using frame = std::shared_ptr<const std::string>;

/// A connected dashboard client. Both calls are thread-safe and never block:
/// they hand the work to the connection's own I/O strand.
class client {
public:
  virtual ~client() = default;

  /// Queues a frame for sending. A client whose queue is full is
  /// disconnected rather than slowing anyone else.
  virtual void send(frame f) = 0;

  /// Closes the connection (going-away).
  virtual void close() = 0;

  /// False once the connection has ended; the broadcaster then forgets it.
  [[nodiscard]] virtual bool open() const = 0;
};

using client_ptr = std::shared_ptr<client>;

} // namespace xrv::broadcast
