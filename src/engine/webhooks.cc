// Webhook ingest: verify -> parse -> route -> one durable transaction -> answer.
#include "engine/webhooks.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "core/ids.h"
#include "core/log.h"
#include "core/message_json.h"
#include "core/phone.h"
#include "core/segments.h"
#include "core/thread_name.h"
#include "engine/gateway.h"
#include "engine/media.h"
#include "engine/metrics.h"

namespace sb::engine {
namespace {

std::string_view kind_name(providers::WebhookEvent::Kind k) {
  switch (k) {
    case providers::WebhookEvent::Kind::kInbound:
      return "inbound";
    case providers::WebhookEvent::Kind::kStatus:
      return "status";
    case providers::WebhookEvent::Kind::kIgnored:
      break;
  }
  return "ignored";
}

}  // namespace

WebhookProcessor::WebhookProcessor(store::Store& store, const Clock& clock, const Gateway& gateway,
                                   WebhookOptions options, StatusIngest& statuses)
    : store_(store),
      clock_(clock),
      gateway_(gateway),
      options_(options),
      statuses_(statuses),
      // Deferred durability, as the outbox's: the fsync of one batch overlaps the next batch's
      // writes; each provider hears its 2xx only once its webhook is on disk.
      writer_(
          "webhooks",
          [&store](std::vector<store::WebhookIngest>& batch) {
            return store.webhooks().ingest(batch, store::Commit::kDeferred);
          },
          nullptr, 1024, [&store] { store.webhooks().sync_deferred(); }) {}

WebhookProcessor::~WebhookProcessor() { stop(); }

void WebhookProcessor::set_endpoints(std::vector<WebhookEndpoint> endpoints) {
  endpoints_.clear();
  for (auto& e : endpoints) {
    if (e.secrets.verification_disabled) {
      spdlog::warn(
          "webhooks: signature verification is DISABLED for connector {} "
          "(verify_webhooks = false): anyone who can reach /webhooks/{} can forge "
          "messages and statuses",
          e.connector, e.connector);
    }
    endpoints_.emplace(e.connector, std::move(e));
  }
}

bool WebhookProcessor::has_endpoint(const std::string& connector) const {
  return endpoints_.count(connector) > 0;
}

WebhookProcessor::Routed WebhookProcessor::route(const std::string& connector,
                                                 const providers::InboundMessage& in,
                                                 TimeMs now) const {
  Routed r;
  const std::string& region = gateway_.options().default_region;
  // Our number: as configured (E.164 or a short code), else normalized.
  std::string to = in.to;
  auto number = gateway_.find_number(to);
  if (!number) {
    if (auto a = parse_address(in.to, region, AddressRole::kRecipient, "to")) {
      to = a->value;
      number = gateway_.find_number(to);
    }
  }
  // The sender, normalized when it reads as an address; otherwise kept as the provider gave it
  // (an inbound message is never refused for its sender's spelling).
  std::string from = in.from;
  if (auto a = parse_address(in.from, region, AddressRole::kSender, "from")) from = a->value;

  Message& m = r.message;
  m.id = new_id("msg_", now);
  m.direction = Direction::kInbound;
  m.status = Status::kReceived;
  m.from = from;
  m.to = to;
  m.body = in.body;
  for (const auto& item : in.media) {
    m.media_urls.push_back(item.url);
    m.media.push_back({item.url, item.content_type, item.size});
  }
  const SegmentInfo seg = analyze_segments(in.body);
  m.segments = in.segments > 0 ? in.segments : seg.segments;
  m.encoding = seg.encoding;
  m.created_at = in.received_at > 0 ? in.received_at : now;
  m.updated_at = now;
  m.connector = connector;
  m.provider_message_id = in.provider_message_id;
  if (number) {
    r.found = true;
    m.account = number->account;
    if (!options_.media_public_url.empty()) assign_media_ids(m, options_.media_public_url, now);
    if (number->connector != connector) {
      log::info({.connector = connector},
                "webhooks: {} received a message for {}, configured on connector {}", connector, to,
                number->connector);
    }
  }
  return r;
}

void WebhookProcessor::handle(const std::string& connector, providers::WebhookRequest req,
                              Done done) {
  auto it = endpoints_.find(connector);
  if (it == endpoints_.end()) {
    spdlog::warn("webhooks: request for unknown connector {} from {}", connector, req.remote_addr);
    engine_metrics().webhooks.with({"", "unknown_connector"}).inc();
    return done(Error::make("not_found", "no connector named " + connector, "connector"));
  }
  const WebhookEndpoint& ep = it->second;
  const TimeMs now = clock_.now_ms();

  if (auto v = providers::verify_webhook(ep.webhook, ep.secrets, req, now); !v) {
    log::warn({.connector = connector}, "webhooks: {} rejected a request from {}: {}", connector,
              req.remote_addr, v.error().message);
    engine_metrics().webhooks.with({connector, "rejected"}).inc();
    return done(Error::make("webhook_unverified", v.error().message));
  }
  auto parsed = providers::parse_webhook(ep.webhook, req, now);
  if (!parsed) {
    log::warn({.connector = connector}, "webhooks: {} could not read a request from {}: {}{}",
              connector, req.remote_addr, parsed.error().message,
              parsed.error().field.empty() ? "" : " (field " + parsed.error().field + ")");
    engine_metrics().webhooks.with({connector, "unreadable"}).inc();
    return done(parsed.error());
  }
  providers::WebhookReply reply = providers::webhook_reply(ep.webhook, req);
  store_event(connector, *parsed, req.header("content-type"), std::move(req.body), std::move(reply),
              std::move(done));
}

void WebhookProcessor::inject_inbound(const std::string& connector, providers::InboundMessage in,
                                      std::string payload, Done done) {
  const TimeMs now = clock_.now_ms();
  providers::WebhookEvent ev;
  ev.kind = providers::WebhookEvent::Kind::kInbound;
  if (in.provider_message_id.empty()) in.provider_message_id = new_id("sim_", now);
  ev.dedupe_key = in.provider_message_id + ":received";
  ev.event_type = "simulated.inbound";
  ev.inbound = std::move(in);
  store_event(connector, ev, "application/json", std::move(payload), providers::WebhookReply{},
              std::move(done), /*answer_message=*/true);
}

void WebhookProcessor::on_inbound(const std::string& connector, providers::WebhookEvent event,
                                  std::string payload, std::function<void(bool stored)> done) {
  store_event(connector, event, "text/plain", std::move(payload), providers::WebhookReply{},
              [done = std::move(done)](Result<providers::WebhookReply> r) { done(r.ok()); });
}

void WebhookProcessor::store_event(const std::string& connector, providers::WebhookEvent& ev,
                                   std::string content_type, std::string payload,
                                   providers::WebhookReply ok, Done done, bool answer_message) {
  const TimeMs now = clock_.now_ms();
  store::WebhookIngest in;
  in.webhook.connector = connector;
  in.webhook.dedupe_key = std::move(ev.dedupe_key);
  in.webhook.kind = std::string(kind_name(ev.kind));
  in.webhook.event_type = std::move(ev.event_type);
  in.webhook.received_at = now;
  in.webhook.content_type = std::move(content_type);
  in.webhook.payload = std::move(payload);

  if (ev.kind == providers::WebhookEvent::Kind::kInbound) {
    Routed r = route(connector, ev.inbound, now);
    if (!r.found) {
      in.webhook.kind = "unrouted";
      store::UnroutedInbound u;
      u.id = new_id("unr_", now);
      u.from = r.message.from;
      u.to = r.message.to;
      u.body = r.message.body;
      u.media = r.message.media;
      u.provider_message_id = r.message.provider_message_id;
      in.unrouted = std::move(u);
    } else if (ev.part) {
      in.webhook.kind = "part";
      store::InboundPart part;
      part.connector = connector;
      part.key = ev.part->key;
      part.text_part = ev.part->text_part;
      part.seq = ev.part->seq;
      part.total = ev.part->total;
      part.message = std::move(r.message);
      part.received_at = now;
      in.part = std::move(part);
    } else {
      in.inbound = std::move(r.message);
    }
  } else if (ev.kind == providers::WebhookEvent::Kind::kStatus) {
    in.statuses = std::move(ev.statuses);
    for (auto& s : in.statuses) {
      s.connector = connector;
      if (s.at == 0) s.at = now;
    }
  }

  // What the answer needs once the batch is on disk; the payload and the message stay with the
  // batch (the stored message comes back in the result).
  Stored what;
  what.connector = connector;
  what.event_type = in.webhook.event_type;
  what.dedupe_key = in.webhook.dedupe_key;
  if (in.unrouted) {
    what.unrouted = true;
    what.unrouted_to = in.unrouted->to;
    what.unrouted_provider_id = in.unrouted->provider_message_id;
  }
  if (in.part) {
    what.part = true;
    what.part_key = in.part->key;
    what.part_text = in.part->text_part;
    what.part_seq = in.part->seq;
    what.part_total = in.part->total;
  }
  what.statuses = in.statuses;
  writer_.submit(
      std::move(in), [this, what = std::move(what), ok = std::move(ok), answer_message,
                      done = std::move(done)](Result<store::WebhookIngestResult> r) mutable {
        if (!r) {
          log::error({.connector = what.connector},
                     "webhooks: {} {} not stored ({}); answering 503 so the provider retries",
                     what.connector, what.event_type, r.error().message);
          engine_metrics().webhooks.with({what.connector, "error"}).inc();
          return done(
              Error::make("storage_unavailable", "the webhook could not be stored; retry later"));
        }
        after_commit(what, *r);
        if (answer_message && r->inbound) ok.body = to_json(*r->inbound).dump();
        done(std::move(ok));
      });
}

void WebhookProcessor::after_commit(const Stored& in, const store::WebhookIngestResult& stored) {
  const std::string& connector = in.connector;
  engine_metrics().webhooks.with({connector, stored.duplicate ? "duplicate" : "stored"}).inc();
  if (stored.duplicate) {
    log::info({.connector = connector}, "webhooks: {} {} key={} is a duplicate; already stored",
              connector, in.event_type, in.dedupe_key);
    return;
  }
  if (in.unrouted) {
    spdlog::warn(
        "webhooks: {} inbound message to {} matches no configured number; kept as "
        "unrouted (provider id {})",
        connector, in.unrouted_to, in.unrouted_provider_id);
  } else if (stored.inbound) {
    const Message& m = *stored.inbound;
    log::info({.message_id = m.id, .account = m.account, .connector = m.connector},
              "message {} received from {} to {} on {} (provider id {})", m.id, m.from, m.to,
              connector, m.provider_message_id);
    count_message("inbound", Status::kReceived, connector);
    if (inbound_hook_) inbound_hook_(m, stored.forward_queued);
  } else if (in.part && in.part_total > 0) {
    log::info({.connector = connector},
              "webhooks: {} buffered part {} of {} of a concatenated message (key {})", connector,
              in.part_seq, in.part_total, in.part_key);
    // This part may complete its message: look now rather than at the next tick.
    std::lock_guard lk(mu_);
    wake_ = true;
    cv_.notify_all();
  } else if (in.part) {
    log::info({.connector = connector}, "webhooks: {} buffered a split-MMS {} part (key {})",
              connector, in.part_text ? "text" : "media", in.part_key);
  }
  if (!in.statuses.empty()) statuses_.applied(in.statuses, stored.statuses, connector);
}

namespace {

// A split MMS's parts joined: the first text part takes every media part; further text parts (a
// second message with the same key) are delivered as their own messages; media alone becomes one
// message.
std::vector<Message> join_split_mms(const std::vector<store::InboundPart*>& group) {
  std::vector<store::InboundPart*> texts, media;
  for (auto* p : group) (p->text_part ? texts : media).push_back(p);
  std::vector<Message> out;
  for (auto* t : texts) out.push_back(t->message);
  if (out.empty()) {
    out.push_back(media.front()->message);
    out.front().media.clear();
    out.front().media_urls.clear();
  }
  Message& head = out.front();
  for (auto* p : media) {
    for (const auto& item : p->message.media) {
      head.media.push_back(item);
      head.media_urls.push_back(item.url);
    }
  }
  return out;
}

// A concatenated SMS's parts joined in their order, each part once (a sender's retry of a part
// is dropped), as one message: the first part's, with every part's text and segment.
Message join_concatenated(const std::vector<store::InboundPart*>& group) {
  std::map<int, const store::InboundPart*> by_seq;
  for (auto* p : group) by_seq.emplace(p->seq, p);
  Message m = by_seq.begin()->second->message;
  m.body.clear();
  m.segments = 0;
  for (const auto& [seq, p] : by_seq) {
    m.body += p->message.body;
    m.segments += 1;
  }
  m.encoding = analyze_segments(m.body).encoding;
  return m;
}

// Distinct parts present of a concatenated SMS group.
size_t distinct_parts(const std::vector<store::InboundPart*>& group) {
  std::set<int> seqs;
  for (auto* p : group) seqs.insert(p->seq);
  return seqs.size();
}

}  // namespace

void WebhookProcessor::flush_parts(TimeMs now) {
  auto listed = store_.webhooks().list_parts();
  if (!listed) {
    spdlog::error("webhooks: buffered message parts not read: {}", listed.error().message);
    return;
  }
  std::vector<store::InboundPart>& parts = *listed;
  if (parts.empty()) return;
  std::map<std::pair<std::string, std::string>, std::vector<store::InboundPart*>> groups;
  for (auto& p : parts) groups[{p.connector, p.key}].push_back(&p);
  for (auto& [key, group] : groups) {
    TimeMs first = group.front()->received_at, last = first;
    for (auto* p : group) {
      first = std::min(first, p->received_at);
      last = std::max(last, p->received_at);
    }
    const bool concatenated = group.front()->total > 0;
    bool complete = false;
    bool due = false;
    std::string what;
    if (concatenated) {
      const size_t have = distinct_parts(group);
      const size_t total = static_cast<size_t>(group.front()->total);
      complete = have >= total;
      due = complete || now >= first + options_.sms_parts_timeout_ms;
      what = fmt::format("concatenated message {}: {} of {} part(s){}", key.second, have, total,
                         complete ? "" : ", the others never came");
    } else {
      const bool has_text = std::any_of(group.begin(), group.end(),
                                        [](const store::InboundPart* p) { return p->text_part; });
      const bool has_media = std::any_of(group.begin(), group.end(),
                                         [](const store::InboundPart* p) { return !p->text_part; });
      complete = has_text && has_media;
      due = (complete && now >= last + options_.mms_settle_ms) ||
            now >= first + options_.mms_timeout_ms;
      what = fmt::format("split MMS {}: {} part(s){}", key.second, group.size(),
                         complete    ? ""
                         : !has_text ? ", media without its text"
                                     : ", media part never came");
    }
    if (!due) continue;
    std::vector<Message> out;
    if (concatenated) {
      out.push_back(join_concatenated(group));
    } else {
      out = join_split_mms(group);
    }
    for (auto& m : out) m.updated_at = now;
    std::vector<int64_t> ids;
    for (auto* p : group) ids.push_back(p->id);
    auto done = store_.webhooks().complete_part_group(ids, out);
    if (!done) {
      spdlog::error("webhooks: {} not stored yet: {}", what, done.error().message);
      continue;
    }
    if (!*done) continue;  // another instance completed it
    for (const auto& m : out) {
      log::info({.message_id = m.id, .account = m.account, .connector = m.connector},
                "message {} received from {} to {} on {} ({})", m.id, m.from, m.to, key.first,
                what);
      count_message("inbound", Status::kReceived, key.first);
      if (inbound_hook_) inbound_hook_(m, /*forward_queued=*/true);  // not reported: assume so
    }
  }
}

void WebhookProcessor::tick() {
  const TimeMs now = clock_.now_ms();
  flush_parts(now);
  statuses_.tick(options_.retention_ms);
  if (now - last_prune_ >= 3'600'000) {
    last_prune_ = now;
    if (auto pruned = store_.webhooks().prune(now - options_.retention_ms); pruned && *pruned > 0) {
      spdlog::info("webhooks: dropped {} raw payloads older than the retention", *pruned);
    }
  }
}

void WebhookProcessor::start() {
  thread_ = std::thread([this] { run(); });
}

void WebhookProcessor::run() {
  set_thread_name("sb-webhooks");
  std::unique_lock lk(mu_);
  while (!stopping_) {
    lk.unlock();
    tick();
    lk.lock();
    cv_.wait_for(lk, std::chrono::milliseconds(options_.tick_ms),
                 [&] { return stopping_ || wake_; });
    wake_ = false;
  }
}

void WebhookProcessor::stop() {
  writer_.stop();  // commits what was accepted, answers every waiting provider
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace sb::engine
