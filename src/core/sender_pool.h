// Sender pools (docs/pools.md): a named set of an account's numbers that a message names instead
// of one `from`. The gateway picks the sender: the recipient's sticky sender when the pool keeps
// one and it can still send, else the best geographic match (the recipient's country and, in the
// North American plan, area code), taking turns among equals so the pool's rate is the sum of
// its numbers' limits. Senders whose connector is failing are chosen only when no other can send.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"

namespace sb {

struct SenderPool {
  std::string id;  // pool_<ULID>
  std::string account;
  std::string name;                  // unique in the account
  std::vector<std::string> numbers;  // in the order given
  bool sticky = true;    // a recipient keeps its sender while that sender is in the pool
  bool geomatch = true;  // prefer a sender in the recipient's country, then area code
  // A message whose sender cannot send (its connector's circuit is open, or the provider refuses
  // the sender) moves to another sender of the pool.
  bool fallback = true;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

// The limits of a pool's definition.
inline constexpr size_t kMaxPoolNumbers = 1000;
inline constexpr size_t kMaxPoolNameLength = 64;

// invalid_name (field `name`) unless 1-64 characters of letters, digits, '-', '_', '.' and
// spaces, starting with a letter or digit and not shaped like a pool id.
Result<void> check_pool_name(std::string_view name);

// One number of a pool as the chooser sees it.
struct PoolSender {
  std::string number;
  std::string region;       // ISO region of the number ("" for short codes and sender IDs)
  std::string area_code;    // North American numbers: the 3-digit area code; else ""
  bool can_send = true;     // its connector's circuit is closed (or half open)
  bool capable = true;      // it can carry this message (MMS when the message has media)
};

// The recipient as the chooser sees it.
struct PoolRecipient {
  std::string region;
  std::string area_code;
};

// The area code of a North American (+1) E.164 number, else "".
std::string nanp_area_code(std::string_view e164);

// The sender for one message: `sticky` when it is among `senders`, capable and can send;
// otherwise the capable senders that can send (all capable ones when none can: the message then
// waits for its connector rather than failing), narrowed by `geomatch` to the best match, of
// which the `turn`th (modulo their count). nullopt: no sender is capable.
std::optional<std::string> choose_sender(const std::vector<PoolSender>& senders,
                                         const PoolRecipient& to,
                                         const std::optional<std::string>& sticky, bool geomatch,
                                         uint64_t turn);

// A pooled message's move to another sender (failover): the new sender and its connector.
struct PoolMove {
  std::string from;
  std::string connector;
};

// The pool as the API shows it.
nlohmann::json pool_json(const SenderPool& p);

}  // namespace sb
