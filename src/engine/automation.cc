// Keyword handling and auto-replies for stored inbound messages.
#include "engine/automation.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/log.h"

namespace sb::engine {

Automation::Automation(store::Store& store, Gateway& gateway, const Clock& clock,
                       ComplianceSettings settings)
    : store_(store), gateway_(gateway), clock_(clock), settings_(std::move(settings)) {}

const ComplianceProfile& Automation::profile(const std::string& account,
                                             const std::string& our_number) const {
  if (auto it = settings_.numbers.find(our_number); it != settings_.numbers.end()) {
    return it->second;
  }
  if (auto it = settings_.accounts.find(account); it != settings_.accounts.end()) {
    return it->second;
  }
  return settings_.defaults;
}

void Automation::reply(const Message& in, const std::string& body,
                       const std::vector<std::string>& media, bool compliance,
                       const std::string& tag) {
  SendRequest req;
  req.to = in.from;
  req.from = in.to;
  req.body = body;
  req.media_urls = media;
  req.metadata = {{"auto_reply", tag}, {"in_reply_to", in.id}};
  // One reply per inbound message, even if the hook ran twice for it.
  req.idempotency_key = "auto-reply:" + in.id;
  req.request_hash = req.idempotency_key;
  req.compliance_reply = compliance;
  const std::string in_id = in.id;
  gateway_.send(in.account, req, [in_id, tag](Result<store::InsertResult> r) {
    if (!r) {
      log::info({.message_id = in_id}, "message {}: {} reply not sent: {} ({})", in_id, tag,
                r.error().code, r.error().message);
    } else {
      log::info({.message_id = in_id}, "message {}: {} reply queued as {}", in_id, tag,
                r->message.id);
    }
  });
}

AutomationAction Automation::on_inbound(const Message& m) {
  AutomationAction action;
  const ComplianceProfile& p = profile(m.account, m.to);
  const bool provider_answers = settings_.provider_handles_keywords.count(m.connector) > 0;
  if (auto k = match_keyword(m.body, p)) {
    const TimeMs now = clock_.now_ms();
    switch (k->kind) {
      case KeywordKind::kOptOut: {
        action.kind = AutomationAction::Kind::kOptOut;
        OptOut o;
        o.account = m.account;
        o.number = m.from;
        o.scope = p.opt_out_scope;
        o.our_number = p.opt_out_scope == "number" ? m.to : "";
        o.source = "keyword";
        o.created_at = now;
        auto added = store_.compliance().add_opt_out(o, m.id);
        if (!added) {
          log::error({.message_id = m.id, .account = m.account},
                     "message {}: opt-out keyword {} from {} not recorded: {}", m.id, k->keyword,
                     m.from, added.error().message);
          return action;
        }
        log::info({.message_id = m.id, .account = m.account},
                  "message {}: {} opted out ({} scope, keyword {}, {})", m.id, m.from, o.scope,
                  k->keyword, added->created ? "recorded" : "already recorded");
        break;
      }
      case KeywordKind::kOptIn: {
        action.kind = AutomationAction::Kind::kOptIn;
        auto removed =
            store_.compliance().remove_opt_outs(m.account, m.from, m.to, "keyword", m.id, now);
        if (!removed) {
          log::error({.message_id = m.id, .account = m.account},
                     "message {}: opt-in keyword {} from {} not applied: {}", m.id, k->keyword,
                     m.from, removed.error().message);
          return action;
        }
        log::info({.message_id = m.id, .account = m.account},
                  "message {}: {} opted in (keyword {}, {} opt-out(s) removed)", m.id, m.from,
                  k->keyword, removed->size());
        break;
      }
      case KeywordKind::kHelp:
        action.kind = AutomationAction::Kind::kHelp;
        break;
    }
    if (provider_answers) {
      log::info({.message_id = m.id, .account = m.account},
                "message {}: connector {} answers keywords itself; no confirmation sent", m.id,
                m.connector);
    } else if (!k->reply.empty()) {
      action.reply_body = k->reply;
      reply(m, k->reply, {}, /*compliance=*/true, std::string(to_string(k->kind)));
    }
    return action;
  }

  auto listed = store_.compliance().list_auto_replies(m.account);
  if (!listed) {
    log::error({.message_id = m.id, .account = m.account},
               "message {}: inbound automation failed: {}", m.id, listed.error().message);
    return action;
  }
  std::vector<AutoReply>& rules = *listed;
  std::erase_if(rules, [&](const AutoReply& r) {
    return !r.enabled || (!r.our_number.empty() && r.our_number != m.to);
  });
  // Highest priority first; at equal priority this number's rules before account-wide ones.
  std::stable_sort(rules.begin(), rules.end(), [](const AutoReply& a, const AutoReply& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    return !a.our_number.empty() && b.our_number.empty();
  });
  for (const auto& r : rules) {
    auto type = parse_match_type(r.match_type);
    if (!type || !rule_matches(*type, r.pattern, m.body)) continue;
    action.kind = AutomationAction::Kind::kAutoReply;
    action.reply_body = r.reply_body;
    action.media_urls = r.media_urls;
    action.rule_id = r.id;
    log::info({.message_id = m.id, .account = m.account}, "message {}: auto-reply rule {} matched",
              m.id, r.id);
    reply(m, r.reply_body, r.media_urls, /*compliance=*/false, "rule:" + r.id);
    break;
  }
  return action;
}

}  // namespace sb::engine
