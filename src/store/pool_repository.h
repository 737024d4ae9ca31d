// Sender pools (core/sender_pool.h): their definitions and each recipient's sticky sender. A
// message's sticky sender is recorded with the message itself (MessageRepository::insert), and
// moves with it when it fails over (a Transition with `from`).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/sender_pool.h"

namespace sb::store {

class PoolRepository {
 public:
  virtual ~PoolRepository() = default;

  // Stores a new pool; false when the account already has a pool of that name.
  virtual Result<bool> insert_pool(const SenderPool& p) = 0;
  // The account's pool whose id or name is `id_or_name`.
  virtual Result<std::optional<SenderPool>> find_pool(const std::string& account,
                                                      const std::string& id_or_name) = 0;
  // The account's pools by name.
  virtual Result<std::vector<SenderPool>> list_pools(const std::string& account) = 0;
  // Replaces the account's pool `p.id` (name, numbers, options, updated_at). nullopt: the
  // account has no such pool; false: another pool has that name. Sticky senders no longer in the
  // pool are forgotten.
  virtual Result<std::optional<bool>> update_pool(const SenderPool& p) = 0;
  // Deletes the account's pool and its sticky senders; false when there was none. Messages keep
  // the pool's id.
  virtual Result<bool> delete_pool(const std::string& account, const std::string& id) = 0;
  // The recipient's sticky sender in the pool, if one was recorded.
  virtual Result<std::optional<std::string>> sticky_sender(const std::string& pool_id,
                                                           const std::string& recipient) = 0;
};

}  // namespace sb::store
