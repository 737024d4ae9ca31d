// Sender pools: the name rule and the choice of a sender (see sender_pool.h).
#include "core/sender_pool.h"

#include <algorithm>
#include <cctype>

#include "core/clock.h"
#include "core/twilio_ids.h"

namespace sb {

Result<void> check_pool_name(std::string_view name) {
  const auto bad = [](std::string message) {
    return Error::make("invalid_name", std::move(message), "name");
  };
  if (name.empty()) return bad("name is required");
  if (name.size() > kMaxPoolNameLength) {
    return bad("name has at most " + std::to_string(kMaxPoolNameLength) + " characters");
  }
  if (!std::isalnum(static_cast<unsigned char>(name.front()))) {
    return bad("name starts with a letter or a digit");
  }
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '-' && c != '_' && c != '.' && c != ' ') {
      return bad("name may only use letters, digits, '-', '_', '.' and spaces");
    }
  }
  if (name.rfind("pool_", 0) == 0) return bad("name may not start with pool_ (ids do)");
  return Ok();
}

std::string nanp_area_code(std::string_view e164) {
  if (e164.size() != 12 || e164.rfind("+1", 0) != 0) return "";
  return std::string(e164.substr(2, 3));
}

std::optional<std::string> choose_sender(const std::vector<PoolSender>& senders,
                                         const PoolRecipient& to,
                                         const std::optional<std::string>& sticky, bool geomatch,
                                         uint64_t turn) {
  std::vector<const PoolSender*> usable;
  bool any_can_send = false;
  for (const auto& s : senders) {
    if (!s.capable) continue;
    if (sticky && s.number == *sticky && s.can_send) return s.number;
    usable.push_back(&s);
    any_can_send = any_can_send || s.can_send;
  }
  if (usable.empty()) return std::nullopt;
  if (any_can_send) {
    std::erase_if(usable, [](const PoolSender* s) { return !s->can_send; });
  }
  if (geomatch && !to.region.empty()) {
    // The best tier present: same area code, then same country, then any.
    const auto tier = [&](const PoolSender* s) {
      if (s->region != to.region) return 0;
      return !to.area_code.empty() && s->area_code == to.area_code ? 2 : 1;
    };
    int best = 0;
    for (const auto* s : usable) best = std::max(best, tier(s));
    std::erase_if(usable, [&](const PoolSender* s) { return tier(s) != best; });
  }
  return usable[turn % usable.size()]->number;
}

nlohmann::json pool_json(const SenderPool& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"numbers", p.numbers},
          {"sticky", p.sticky},
          {"geomatch", p.geomatch},
          {"fallback", p.fallback},
          // The Twilio-compatible API's name for it (docs/twilio-compatibility.md).
          {"messaging_service_sid", twilio_service_sid(p.id)},
          {"created_at", format_rfc3339(p.created_at)},
          {"updated_at", format_rfc3339(p.updated_at)}};
}

}  // namespace sb
