// Provider webhooks in: verify, read, route and store each one before the provider hears 2xx.
// Inbound messages land on the account owning the `to` number, threaded into its conversation;
// status reports move our messages through the state machine (or wait as orphans until the send
// response that names their provider id is stored); VoiceMeUp's split MMS parts wait in a
// durable buffer until their group completes or times out. A provider retry is recognised by
// its dedupe key and stored once.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "engine/group_commit.h"
#include "engine/status_ingest.h"
#include "providers/webhook.h"
#include "store/store.h"

namespace sb::engine {

class Gateway;

// One connector's webhook endpoint: its provider's webhook functions and the material that
// verifies them.
struct WebhookEndpoint {
  std::string connector;
  providers::WebhookSpec webhook;
  providers::WebhookSecrets secrets;
};

struct WebhookOptions {
  // Split MMS (VoiceMeUp): how long a part waits for the rest of its group before it is
  // delivered alone, and how long a complete-looking group (text + image) waits for more images.
  int64_t mms_timeout_ms = 5'000;
  int64_t mms_settle_ms = 500;
  // Concatenated SMS (SMPP UDH or SAR parts): how long the first part waits for the others before
  // what came is delivered as one message.
  int64_t sms_parts_timeout_ms = 60'000;
  // Raw payloads kept this long for audit; orphan reports wait this long for their message.
  int64_t retention_ms = 30LL * 86'400'000;
  int64_t tick_ms = 500;  // orphan matching and MMS expiry cadence
  // Media re-hosting (docs/media.md): when set (the gateway's public URL), a routed inbound
  // message's media get ids and our URLs; pending media rows are stored with the message.
  std::string media_public_url;
};

class WebhookProcessor final : public providers::InboundSink {
 public:
  // Status reports a webhook carries are applied inside its transaction and then handed to
  // `statuses` (logging, callback wake-up); its tick matches orphan reports.
  WebhookProcessor(store::Store& store, const Clock& clock, const Gateway& gateway,
                   WebhookOptions options, StatusIngest& statuses);
  ~WebhookProcessor() override;

  void set_endpoints(std::vector<WebhookEndpoint> endpoints);
  // Runs after each inbound message is durably stored (once per message, never for a
  // duplicate), on the thread that stored it: where opt-out keywords, auto-replies and app
  // forwarding hook in. `forward_queued`: its number forwards, and the forward was queued with
  // it (true when that is not known). Set before start().
  using InboundHook = std::function<void(const Message&, bool forward_queued)>;
  void set_inbound_hook(InboundHook hook) { inbound_hook_ = std::move(hook); }
  bool has_endpoint(const std::string& connector) const;

  // Verifies, parses and durably stores one webhook, then calls `done` with the provider's own
  // reply only once stored (group commit: concurrent webhooks share a transaction), or an error
  // the surface maps to its status: webhook_unverified, invalid_webhook (unreadable), not_found
  // (unknown connector), storage_unavailable (so the provider retries). `done` runs on this
  // thread for refusals, on the commit completion thread otherwise.
  // The request's body becomes the stored payload (moved, not copied). Runs on the caller's
  // thread without blocking: verification and parsing are CPU only, the commit is queued.
  using Done = std::function<void(Result<providers::WebhookReply>)>;
  void handle(const std::string& connector, providers::WebhookRequest req, Done done);

  // An inbound message a simulated carrier delivers (POST /v1/sim/inbound): stored and routed
  // exactly as a verified provider webhook carrying it would be (contacts, conversations,
  // keywords, auto-replies, forwarding), `payload` kept as its audit record. `done` as handle's,
  // its body the stored message as GET /v1/messages/{id} shows it.
  void inject_inbound(const std::string& connector, providers::InboundMessage in,
                      std::string payload, Done done);

  // InboundSink, for connectors that receive on their own link (SMPP): `event` is stored and
  // routed as a verified webhook carrying it would be (a part buffered until its group
  // completes); done(true) once durable, done(false) when it could not be stored.
  void on_inbound(const std::string& connector, providers::WebhookEvent event, std::string payload,
                  std::function<void(bool stored)> done) override;

  // Background work: split-MMS and concatenated-SMS groups that are due, orphan statuses whose
  // message is now known, and audit retention.
  void start();
  void stop();
  // One pass of that work at the clock's now (tests call it directly).
  void tick();

 private:
  struct Routed {
    bool found = false;
    Message message;  // account, from/to normalized, inbound and received
  };
  Routed route(const std::string& connector, const providers::InboundMessage& in, TimeMs now) const;
  void flush_parts(TimeMs now);
  void run();
  // What a webhook's answer and log lines need once its batch is durable (the payload and the
  // message itself stay with the batch).
  struct Stored {
    std::string connector, event_type, dedupe_key;
    bool unrouted = false;
    std::string unrouted_to, unrouted_provider_id;
    bool part = false;  // a buffered piece of a message that arrives in several
    std::string part_key;
    bool part_text = false;
    int part_seq = 0, part_total = 0;
    std::vector<StatusReport> statuses;
  };
  // The part of handle after verification and parsing: route, store, answer. `ev` is consumed.
  void store_event(const std::string& connector, providers::WebhookEvent& ev,
                   std::string content_type, std::string payload, providers::WebhookReply ok,
                   Done done, bool answer_message = false);
  void after_commit(const Stored& in, const store::WebhookIngestResult& stored);

  store::Store& store_;
  const Clock& clock_;
  const Gateway& gateway_;
  WebhookOptions options_;
  StatusIngest& statuses_;
  InboundHook inbound_hook_;
  std::map<std::string, WebhookEndpoint> endpoints_;
  GroupCommit<store::WebhookIngest, store::WebhookIngestResult> writer_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool wake_ = false;  // a concatenated message's last part arrived: join it now
  TimeMs last_prune_ = 0;
  std::thread thread_;
};

}  // namespace sb::engine
