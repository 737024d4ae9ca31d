// The live event stream's WebSocket endpoint (see events_api.h).
#include "http/events_api.h"

#include <spdlog/spdlog.h>

#include "http/api_util.h"

namespace sb::http {
namespace {

// A subscriber of the stream is the WebSocket connection.
class WebSocketSink final : public engine::EventSink {
 public:
  explicit WebSocketSink(std::shared_ptr<WebSocketConnection> conn) : conn_(std::move(conn)) {}
  bool offer(std::shared_ptr<const std::string> frame) override {
    return conn_->send(std::move(frame));
  }
  void end(int code, std::string reason) override { conn_->close(code, std::move(reason)); }

 private:
  std::shared_ptr<WebSocketConnection> conn_;
};

}  // namespace

void register_events_api(Router& router, engine::Services& s, engine::EventStream& stream,
                         EventsApiOptions options) {
  router.add(
      "GET", "/v1/events",
      authed(s.gateway, kScopeMessagesRead, [&stream, options](Request& req, const std::string& account, Reply reply) {
        std::optional<engine::EventCursor> after;
        if (auto a = req.query_param("after")) {
          after = engine::parse_cursor(*a);
          if (!after) {
            return reply(Response::error(Error::make(
                "invalid_parameter", "after must be the id of an event this stream sent",
                "after")));
          }
        }
        Response r;
        r.status = 101;
        r.upgrade = std::make_shared<WebSocketUpgrade>();
        r.upgrade->max_queue = options.queue_limit;
        r.upgrade->on_open = [&stream, account,
                              after](std::shared_ptr<WebSocketConnection> conn) {
          const uint64_t id =
              stream.subscribe(account, after, std::make_shared<WebSocketSink>(std::move(conn)));
          spdlog::info("events: subscriber {} of {} connected{}", id, account,
                       after ? " after " + engine::format_cursor(*after) : "");
          return std::function<void()>([&stream, id] { stream.unsubscribe(id); });
        };
        reply(std::move(r));
      }),
      Run::kInline);
}

}  // namespace sb::http
