// Sender pools as a resource (docs/pools.md): create, list, show, change and delete an account's
// pools. GET/POST/PATCH/DELETE /v1/pools come here; choosing a pooled message's sender is the
// Gateway's (Gateway::prepare).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/sender_pool.h"
#include "store/store.h"

namespace sb::engine {

class Gateway;

class Pools {
 public:
  Pools(store::Store& store, const Gateway& gateway, const Clock& clock);

  // What a create or a change sets; an unset field of a change stays as it is.
  struct Spec {
    std::optional<std::string> name;
    std::optional<std::vector<std::string>> numbers;
    std::optional<bool> sticky;
    std::optional<bool> geomatch;
    std::optional<bool> fallback;
  };
  // Errors: invalid_name, name_taken (409), missing_field (name, numbers), invalid_numbers (none,
  // or over kMaxPoolNumbers), duplicate_number and number_not_owned (field numbers[i]: not one of
  // the account's numbers), database_unavailable.
  Result<SenderPool> create(const std::string& account, const Spec& spec);
  Result<std::vector<SenderPool>> list(const std::string& account);
  // By id or name. Errors: not_found (another account's pools included).
  Result<SenderPool> get(const std::string& account, const std::string& id_or_name);
  // Errors: those of get() and create().
  Result<SenderPool> update(const std::string& account, const std::string& id_or_name,
                            const Spec& spec);
  // Messages already sent keep the pool's id; queued ones keep their sender. Errors: not_found.
  Result<SenderPool> remove(const std::string& account, const std::string& id_or_name);

 private:
  // The numbers as the account's numbers directory spells them; errors name numbers[i].
  Result<std::vector<std::string>> check_numbers(const std::string& account,
                                                 const std::vector<std::string>& numbers) const;

  store::Store& store_;
  const Gateway& gateway_;
  const Clock& clock_;
};

}  // namespace sb::engine
