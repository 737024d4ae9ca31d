// DeliveryRepository over the SQL context.
#include "store/delivery_repository.h"

#include "store/sql_context.h"
#include "store/sql_repositories.h"

namespace sb::store {
namespace {

// A delivery's first eight columns, in the order both readers select them: id, account_id,
// message_id, kind, url, payload, attempts, created_at.
Delivery delivery_head(const Row& r) {
  Delivery d;
  d.id = r.str(0);
  d.account = r.str(1);
  d.message_id = r.str(2);
  d.kind = r.str(3);
  d.url = r.str(4);
  d.payload = r.str(5);
  d.attempts = static_cast<int>(r.i64(6));
  d.created_at = r.i64(7);
  return d;
}

void finish_row(Connection& c, const std::string& id, bool done, bool success, int http_status,
                const std::string& error, TimeMs now, std::optional<TimeMs> retry_at) {
  const std::string state = done ? (success ? "delivered" : "failed") : "pending";
  c.exec(
      "UPDATE deliveries SET state = $1, last_status = $2, last_error = $3, updated_at = $4, "
      "next_attempt_at = COALESCE($5, next_attempt_at) WHERE id = $6",
      {state, http_status ? Value(int64_t{http_status}) : Value(nullptr), null_if_empty(error),
       now, opt(retry_at), id});
}

class SqlDeliveryRepository final : public DeliveryRepository {
 public:
  explicit SqlDeliveryRepository(SqlContext& ctx) : ctx_(ctx) {}

  Result<std::vector<Delivery>> claim(TimeMs now, int64_t lease_ms, int limit) override {
    return ctx_.claim_rows<Delivery>(
        "SELECT 1 FROM deliveries WHERE state = 'pending' AND next_attempt_at <= $1 LIMIT 1",
        "SELECT id, account_id, message_id, kind, url, payload, attempts, created_at, method, "
        "format FROM deliveries WHERE state = 'pending' AND next_attempt_at <= $1 "
        "ORDER BY next_attempt_at, id LIMIT $2",
        now, limit, /*durable=*/false, [&](Connection& c, const Row& row) {
          Delivery d = delivery_head(row);
          d.attempts += 1;
          d.next_attempt_at = now + lease_ms;
          if (!row.is_null(8)) d.method = row.str(8);  // v10; status callbacks are POST
          d.format = row.str(9);                          // v18
          d.state = "pending";
          c.exec("UPDATE deliveries SET attempts = $1, next_attempt_at = $2, updated_at = $3 "
                 "WHERE id = $4",
                 {int64_t{d.attempts}, d.next_attempt_at, now, d.id});
          return d;
        });
  }

  Result<void> finish(const std::string& id, bool done, bool success, int http_status,
                      const std::string& error, TimeMs now,
                      std::optional<TimeMs> retry_at) override {
    return ctx_.write_tx([&](Connection& c) {
      finish_row(c, id, done, success, http_status, error, now, retry_at);
    }, /*durable=*/false);
  }

  Result<void> record_attempt(const DeliveryAttempt& a, bool done, bool success,
                              std::optional<TimeMs> retry_at) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO delivery_attempts (delivery_id, attempt, at, duration_ms, http_status, "
          "error, response_excerpt, reply_message_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          {a.delivery_id, int64_t{a.attempt}, a.at, a.duration_ms,
           a.http_status ? Value(int64_t{a.http_status}) : Value(nullptr), null_if_empty(a.error),
           null_if_empty(a.response_excerpt), null_if_empty(a.reply_message_id)});
      finish_row(c, a.delivery_id, done, success, a.http_status, a.error, a.at + a.duration_ms,
                 retry_at);
    }, /*durable=*/false);
  }

  Result<void> defer(const std::string& id, TimeMs at) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "UPDATE deliveries SET attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
          "next_attempt_at = $1 WHERE id = $2 AND state = 'pending'",
          {at, id});
    }, /*durable=*/false);
  }

  Result<std::vector<Delivery>> list(const std::string& message_id) override {
    return ctx_.read([&](Connection& c) {
      std::vector<Delivery> out;
      for (const auto& r : c.query(
               "SELECT id, account_id, message_id, kind, url, payload, attempts, created_at, "
               "next_attempt_at, method, state, last_status, last_error, updated_at, format "
               "FROM deliveries WHERE message_id = $1 ORDER BY created_at, id",
               {message_id})) {
        Delivery d = delivery_head(r);
        d.next_attempt_at = r.i64(8);
        // v10: method, and the state the delivery log shows
        if (!r.is_null(9)) d.method = r.str(9);
        d.state = r.str(10);
        d.last_status = r.is_null(11) ? 0 : static_cast<int>(r.i64(11));
        d.last_error = r.str(12);
        d.updated_at = r.i64(13);
        d.format = r.str(14);
        out.push_back(std::move(d));
      }
      return out;
    });
  }

  Result<std::vector<DeliveryAttempt>> list_attempts(const std::string& message_id) override {
    return ctx_.read([&](Connection& c) {
      std::vector<DeliveryAttempt> out;
      for (const auto& r : c.query(
               "SELECT a.delivery_id, a.attempt, a.at, a.duration_ms, a.http_status, a.error, "
               "a.response_excerpt, a.reply_message_id FROM delivery_attempts a "
               "JOIN deliveries d ON d.id = a.delivery_id WHERE d.message_id = $1 "
               "ORDER BY a.delivery_id, a.attempt, a.id",
               {message_id})) {
        DeliveryAttempt a;
        a.delivery_id = r.str(0);
        a.attempt = static_cast<int>(r.i64(1));
        a.at = r.i64(2);
        a.duration_ms = r.i64(3);
        a.http_status = r.is_null(4) ? 0 : static_cast<int>(r.i64(4));
        a.error = r.str(5);
        a.response_excerpt = r.str(6);
        a.reply_message_id = r.str(7);
        out.push_back(std::move(a));
      }
      return out;
    });
  }

 private:
  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<DeliveryRepository> make_sql_delivery_repository(SqlContext& ctx) {
  return std::make_unique<SqlDeliveryRepository>(ctx);
}

}  // namespace sb::store
