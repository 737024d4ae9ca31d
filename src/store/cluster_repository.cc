// Shared send slots and cluster leases (see cluster_repository.h).
#include "store/cluster_repository.h"

#include "store/sql_context.h"
#include "store/sql_repositories.h"

namespace sb::store {
namespace {

// $1 number, $2 now, $3 interval, $4 horizon, $5 1 when the message holds a place in the
// number's waiting line. Every SET expression reads the row as it was, so one statement
// decides, records and answers: a slot is granted when the number's next free time is within
// the horizon (the slot is that time, or now if it has passed, and the next free time moves one
// interval on), unless places are still ahead in the waiting line and the message holds none.
// Otherwise the request is given the next place in the line (no earlier than the horizon's
// start before the next free time), which moves one interval on. The row is locked for the
// statement: requests of several instances are taken one after another.
std::string reserve_sql(bool pg) {
  const std::string greatest = pg ? "GREATEST" : "MAX";
  const std::string now = "CAST($2 AS BIGINT)", interval = "CAST($3 AS BIGINT)",
                    horizon = "CAST($4 AS BIGINT)";
  const std::string fits = "(next_at <= " + now + " + " + horizon + " AND ($5 = 1 OR queue_at - " +
                           interval + " <= " + now + "))";
  return "UPDATE sender_slots SET granted_at = CASE WHEN " + fits + " THEN " + greatest +
         "(next_at, " + now + ") ELSE NULL END, next_at = CASE WHEN " + fits + " THEN " + greatest +
         "(next_at, " + now + ") + " + interval + " ELSE next_at END, queue_at = CASE WHEN " +
         fits + " THEN queue_at ELSE " + greatest + "(queue_at, next_at - " + horizon + ") + " +
         interval + " END WHERE number = $1 RETURNING granted_at, queue_at";
}

// A place not claimed back this long after its time belongs to a message that left otherwise
// (canceled, failed, moved to another number).
constexpr int64_t kPlaceForgottenAfterMs = 600'000;

class SqlClusterRepository final : public ClusterRepository {
 public:
  explicit SqlClusterRepository(SqlContext& ctx) : ctx_(ctx), reserve_sql_(reserve_sql(ctx.pg())) {}

  bool shared() const override { return ctx_.pg(); }

  Result<SendSlot> reserve_send_slot(const std::string& number, const std::string& message_id,
                                     int64_t interval_ms, TimeMs now, int64_t horizon_ms) override {
    // Relaxed: a machine crash may forget the last slots given out, and the sends they allowed
    // are spaced by the next ones' reservations at worst one horizon later.
    return ctx_.write_tx_as(SqlContext::TxSync::kRelaxed, [&](Connection& c) {
      // The message's place: only its claimer (one instance at a time) reads or writes it.
      const bool placed = !c.query(
                                "SELECT 1 FROM sender_slot_places WHERE message_id = $1 "
                                "AND number = $2",
                                {message_id, number})
                               .empty();
      const Params p{number, now, interval_ms, horizon_ms, int64_t{placed ? 1 : 0}};
      auto rows = c.query(reserve_sql_, p);
      if (rows.empty()) {  // the number's first slot
        c.exec(
            "INSERT INTO sender_slots (number, next_at, queue_at) VALUES ($1, 0, 0) "
            "ON CONFLICT (number) DO NOTHING",
            {number});
        rows = c.query(reserve_sql_, p);
      }
      if (rows.empty()) throw DbError("sender_slots: no row for " + number);
      SendSlot slot;
      if (rows[0].is_null(0)) {
        slot.retry_at = rows[0].i64(1) - interval_ms;  // the place taken in the waiting line
        c.exec(
            "INSERT INTO sender_slot_places (message_id, number, place) VALUES ($1, $2, $3) "
            "ON CONFLICT (message_id) DO UPDATE SET number = excluded.number, "
            "place = excluded.place",
            {message_id, number, slot.retry_at});
        c.exec("DELETE FROM sender_slot_places WHERE number = $1 AND place < $2",
               {number, now - kPlaceForgottenAfterMs});
      } else {
        slot.at = rows[0].i64(0);
        if (placed) c.exec("DELETE FROM sender_slot_places WHERE message_id = $1", {message_id});
      }
      return slot;
    });
  }

  Result<bool> try_lease(const std::string& name, const std::string& owner, TimeMs now,
                         int64_t lease_ms) override {
    return ctx_.write_tx([&](Connection& c) {
      return !c.query(
                   "INSERT INTO cluster_leases (name, owner, expires_at) "
                   "VALUES ($1, $2, CAST($3 AS BIGINT) + CAST($4 AS BIGINT)) "
                   "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, "
                   "expires_at = excluded.expires_at "
                   "WHERE cluster_leases.owner = excluded.owner "
                   "OR cluster_leases.expires_at <= CAST($3 AS BIGINT) RETURNING owner",
                   {name, owner, now, lease_ms})
                  .empty();
    });
  }

  Result<void> release_lease(const std::string& name, const std::string& owner) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("DELETE FROM cluster_leases WHERE name = $1 AND owner = $2", {name, owner});
    });
  }

 private:
  SqlContext& ctx_;
  const std::string reserve_sql_;
};

}  // namespace

std::unique_ptr<ClusterRepository> make_sql_cluster_repository(SqlContext& ctx) {
  return std::make_unique<SqlClusterRepository>(ctx);
}

}  // namespace sb::store
