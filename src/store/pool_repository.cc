// Sender pools and sticky senders (see pool_repository.h).
#include "store/pool_repository.h"

#include "store/sql_context.h"
#include "store/sql_repositories.h"

namespace sb::store {
namespace {

constexpr std::string_view kPoolColumns =
    "id, account_id, name, sticky, geomatch, fallback, created_at, updated_at";

SenderPool row_to_pool(const Row& r) {
  SenderPool p;
  p.id = r.str(0);
  p.account = r.str(1);
  p.name = r.str(2);
  p.sticky = r.i64(3) != 0;
  p.geomatch = r.i64(4) != 0;
  p.fallback = r.i64(5) != 0;
  p.created_at = r.i64(6);
  p.updated_at = r.i64(7);
  return p;
}

void load_numbers(Connection& c, SenderPool& p) {
  p.numbers.clear();
  for (const auto& r :
       c.query("SELECT number FROM pool_numbers WHERE pool_id = $1 ORDER BY position", {p.id})) {
    p.numbers.push_back(r.str(0));
  }
}

void write_numbers(Connection& c, const SenderPool& p) {
  c.exec("DELETE FROM pool_numbers WHERE pool_id = $1", {p.id});
  for (size_t i = 0; i < p.numbers.size(); ++i) {
    c.exec("INSERT INTO pool_numbers (pool_id, number, position) VALUES ($1, $2, $3)",
           {p.id, p.numbers[i], static_cast<int64_t>(i)});
  }
}

bool name_taken(Connection& c, const SenderPool& p) {
  return !c.query("SELECT 1 FROM pools WHERE account_id = $1 AND name = $2 AND id <> $3",
                  {p.account, p.name, p.id})
              .empty();
}

class SqlPoolRepository final : public PoolRepository {
 public:
  explicit SqlPoolRepository(SqlContext& ctx) : ctx_(ctx) {}

  Result<bool> insert_pool(const SenderPool& p) override {
    return ctx_.write_tx([&](Connection& c) {
      if (name_taken(c, p)) return false;
      c.exec("INSERT INTO pools (" + std::string(kPoolColumns) +
                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
             {p.id, p.account, p.name, int64_t{p.sticky}, int64_t{p.geomatch},
              int64_t{p.fallback}, p.created_at, p.updated_at});
      write_numbers(c, p);
      return true;
    });
  }

  Result<std::optional<SenderPool>> find_pool(const std::string& account,
                                              const std::string& id_or_name) override {
    return ctx_.read([&](Connection& c) -> std::optional<SenderPool> {
      auto rows = c.query("SELECT " + std::string(kPoolColumns) +
                              " FROM pools WHERE account_id = $1 AND (id = $2 OR name = $2)",
                          {account, id_or_name});
      if (rows.empty()) return std::nullopt;
      SenderPool p = row_to_pool(rows[0]);
      load_numbers(c, p);
      return p;
    });
  }

  Result<std::vector<SenderPool>> list_pools(const std::string& account) override {
    return ctx_.read([&](Connection& c) {
      std::vector<SenderPool> out;
      for (const auto& r : c.query("SELECT " + std::string(kPoolColumns) +
                                       " FROM pools WHERE account_id = $1 ORDER BY name",
                                   {account})) {
        out.push_back(row_to_pool(r));
        load_numbers(c, out.back());
      }
      return out;
    });
  }

  Result<std::optional<bool>> update_pool(const SenderPool& p) override {
    return ctx_.write_tx([&](Connection& c) -> std::optional<bool> {
      if (c.query("SELECT 1 FROM pools WHERE id = $1 AND account_id = $2", {p.id, p.account})
              .empty()) {
        return std::nullopt;
      }
      if (name_taken(c, p)) return false;
      c.exec("UPDATE pools SET name = $1, sticky = $2, geomatch = $3, fallback = $4, "
             "updated_at = $5 WHERE id = $6",
             {p.name, int64_t{p.sticky}, int64_t{p.geomatch}, int64_t{p.fallback}, p.updated_at,
              p.id});
      write_numbers(c, p);
      c.exec("DELETE FROM pool_senders WHERE pool_id = $1 AND number NOT IN "
             "(SELECT number FROM pool_numbers WHERE pool_id = $1)",
             {p.id});
      return true;
    });
  }

  Result<bool> delete_pool(const std::string& account, const std::string& id) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("DELETE FROM pool_senders WHERE pool_id = (SELECT id FROM pools WHERE id = $1 AND "
             "account_id = $2)",
             {id, account});
      c.exec("DELETE FROM pool_numbers WHERE pool_id = (SELECT id FROM pools WHERE id = $1 AND "
             "account_id = $2)",
             {id, account});
      c.exec("DELETE FROM pools WHERE id = $1 AND account_id = $2", {id, account});
      return c.changes() == 1;
    });
  }

  Result<std::optional<std::string>> sticky_sender(const std::string& pool_id,
                                                   const std::string& recipient) override {
    return ctx_.read([&](Connection& c) -> std::optional<std::string> {
      auto rows = c.query("SELECT number FROM pool_senders WHERE pool_id = $1 AND recipient = $2",
                          {pool_id, recipient});
      if (rows.empty()) return std::nullopt;
      return rows[0].str(0);
    });
  }

 private:
  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<PoolRepository> make_sql_pool_repository(SqlContext& ctx) {
  return std::make_unique<SqlPoolRepository>(ctx);
}

}  // namespace sb::store
