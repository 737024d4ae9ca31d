// What several instances on one database share to act as one gateway: each rate-limited number's
// send slots (a generic cell-rate algorithm kept in a row per number), and leases that let one
// instance at a time run a periodic job (reconciliation, retention).
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"

namespace sb::store {

// The answer to a send slot request.
struct SendSlot {
  // The time the message may be handed to its provider (>= now, <= now + horizon), or nullopt
  // when every slot up to the horizon is taken.
  std::optional<TimeMs> at;
  // When refused: when to ask again. Refused requests are spread one interval apart after the
  // slots already given out, so a number's waiting messages come back one at a time, each shortly
  // before a slot frees, instead of all of them at every slot.
  TimeMs retry_at = 0;
};

class ClusterRepository {
 public:
  virtual ~ClusterRepository() = default;

  // True when several instances may share this database (PostgreSQL): the dispatcher then takes
  // send slots from here, and periodic jobs take leases. On SQLite (one instance) both work, but
  // the gateway keeps its throughput lines in memory.
  virtual bool shared() const = 0;

  // Takes the next send slot of `number` for message `message_id`, whose number's sends must be
  // at least `interval_ms` apart, at `now`, if that slot is no later than now + `horizon_ms`:
  // one statement, atomic across every instance, so no two slots handed out for a number (by
  // any instance) are closer than `interval_ms`. A slot not used (the process died, the send was
  // abandoned) is lost: the number sends less for that interval, never more. A refused message
  // is given a place in the number's waiting line (retry_at), kept until it comes back, by
  // whichever instance: while places are ahead, only messages holding one take slots, so a
  // message that has not waited does not overtake those that have.
  virtual Result<SendSlot> reserve_send_slot(const std::string& number,
                                             const std::string& message_id, int64_t interval_ms,
                                             TimeMs now, int64_t horizon_ms) = 0;

  // Takes or renews the lease `name` for `owner` until now + `lease_ms`: true when `owner` holds
  // it now (it was free, expired, or already its own). An owner killed with its lease keeps it at
  // most until it expires.
  virtual Result<bool> try_lease(const std::string& name, const std::string& owner, TimeMs now,
                                 int64_t lease_ms) = 0;
  // Gives up `owner`'s lease `name` (nothing when another holds it).
  virtual Result<void> release_lease(const std::string& name, const std::string& owner) = 0;
};

}  // namespace sb::store
