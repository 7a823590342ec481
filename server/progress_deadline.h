#pragma once
// A request timeout that costs nothing per read or write: one timer per request, re-armed only
// when it fires, cancels the socket's operations if no progress was made for `timeout`.
// (Beast's per-operation expiry re-arms a timerfd on every read; on a 1 GiB upload that was a
// third of the server's system time.)
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace xs3::server {

class ProgressDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  ProgressDeadline(boost::asio::ip::tcp::socket& socket, Clock::duration timeout)
      : state_(std::make_shared<State>(socket, timeout)) {
    Arm(state_);
  }
  ~ProgressDeadline() {
    state_->socket = nullptr;
    state_->timer.cancel();
  }
  ProgressDeadline(const ProgressDeadline&) = delete;
  ProgressDeadline& operator=(const ProgressDeadline&) = delete;

  void Progress() { state_->last = Clock::now(); }
  bool expired() const { return state_->expired; }

 private:
  struct State {
    State(boost::asio::ip::tcp::socket& s, Clock::duration t)
        : timer(s.get_executor()), socket(&s), timeout(t), last(Clock::now()) {}
    boost::asio::steady_timer timer;
    boost::asio::ip::tcp::socket* socket;
    Clock::duration timeout;
    Clock::time_point last;
    bool expired = false;
  };

  static void Arm(const std::shared_ptr<State>& s) {
    s->timer.expires_at(s->last + s->timeout);
    s->timer.async_wait([s](const boost::system::error_code& ec) {
      if (ec || !s->socket) return;
      if (Clock::now() - s->last >= s->timeout) {
        s->expired = true;
        boost::system::error_code ignored;
        s->socket->cancel(ignored);
      } else {
        Arm(s);
      }
    });
  }

  std::shared_ptr<State> state_;
};

}  // namespace xs3::server
