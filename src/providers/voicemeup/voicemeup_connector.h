// The VoiceMeUp connector: sends one message as one or more queue_sms requests (VoiceMeUp takes
// at most 1000 characters and one attachment per request) and remembers, per idempotency key,
// which requests were already accepted so a retry never re-sends them within this process.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "providers/connector.h"
#include "providers/settings.h"
#include "providers/spec.h"
#include "providers/transport/request_limiter.h"
#include "providers/voicemeup/voicemeup_wire.h"

namespace sb::providers::voicemeup {

// How long progress is remembered. A finished key answers a repeated send (the dispatcher's
// write of the outcome failed and the lease ran out) with the same result; an unfinished one
// lets a retry resume after the last accepted request.
inline constexpr TimeMs kFinishedKeyTtlMs = 60 * 60 * 1000;
inline constexpr TimeMs kUnfinishedKeyTtlMs = 24 * 60 * 60 * 1000;

// VoiceMeUp signs nothing: its webhook URL carries the connector's secret. It has no API for a
// DID's forwarding URL and no redaction.
inline constexpr ProviderCapabilities kCapabilities{
    .webhook_path_secret = true,
    .number_webhooks_by_hand =
        "set the SMS forwarding URL of the DID in the VoiceMeUp client "
        "portal to this gateway's webhook URL"};

class VoiceMeUpConnector final : public Connector {
 public:
  VoiceMeUpConnector(Options options, const Clock& clock, HttpClient& http);

  const std::string& id() const override { return options_.id; }
  std::string_view provider() const override { return "voicemeup"; }
  const ProviderCapabilities& capabilities() const override { return kCapabilities; }
  // Sends the requests plan_requests() gives, in order, from the first one not yet accepted for
  // `idempotency_key`. Accepted: provider_message_id is the first request's queued_sms_hash;
  // provider_status is "queued", or "queued parts=<hash1>,<hash2>,..." when it took several
  // requests. A failure stops at that request; its message says how many were accepted before.
  SendResult send(const Message& m, const std::string& idempotency_key) override;
  // VoiceMeUp has no documented message lookup: query_status is the default kUnsupported
  // (statuses arrive by webhook). Nor a side-effect-free authenticated call (queue_sms would
  // send an SMS): health_check is the default ok, i.e. unknown; bad credentials surface on the
  // first send as kAuth.

  // Keys with remembered progress (for tests and diagnostics).
  size_t tracked_keys();

 private:
  struct Progress {
    std::mutex mu;  // held for a whole send, so two sends of one key never interleave
    size_t planned = 0;
    std::vector<std::string> hashes;  // queued_sms_hash of each accepted request, in order
    TimeMs touched_at = 0;
    bool finished() const { return planned > 0 && hashes.size() == planned; }
  };

  std::shared_ptr<Progress> progress_for(const std::string& key, TimeMs now);
  void prune(TimeMs now);  // mu_ held
  HttpResponse exchange(const HttpRequest& req);

  Options options_;
  const Clock& clock_;
  RequestLimiter http_;

  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Progress>> progress_;
  TimeMs last_prune_ = 0;

  // Counting semaphore: at most max_concurrency requests on the wire; the rest wait.
};

// Builds a connector from its [[connectors]] table (ProviderSpec::make).
Result<std::unique_ptr<Connector>> make_voicemeup(const ConnectorSettings& settings,
                                                  ConnectorDeps& deps);
// The registry row: keys, factory, webhooks (webhook_secret in the URL's path and
// webhook_allow_ips), capabilities.
ProviderSpec provider_spec();

}  // namespace sb::providers::voicemeup
