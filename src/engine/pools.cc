// Sender pools (see pools.h).
#include "engine/pools.h"

#include <set>

#include "core/ids.h"
#include "core/phone.h"
#include "engine/gateway.h"
#include "engine/unavailable.h"

namespace sb::engine {

Pools::Pools(store::Store& store, const Gateway& gateway, const Clock& clock)
    : store_(store), gateway_(gateway), clock_(clock) {}

Result<std::vector<std::string>> Pools::check_numbers(
    const std::string& account, const std::vector<std::string>& numbers) const {
  if (numbers.empty()) {
    return Error::make("invalid_numbers", "a pool needs at least one number", "numbers");
  }
  if (numbers.size() > kMaxPoolNumbers) {
    return Error::make("invalid_numbers",
                       "a pool has at most " + std::to_string(kMaxPoolNumbers) + " numbers",
                       "numbers");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < numbers.size(); ++i) {
    const std::string field = "numbers[" + std::to_string(i) + "]";
    // As configured (a short code, a sender ID), else as E.164.
    std::optional<NumberRecord> n = gateway_.find_number(numbers[i]);
    if (!n) {
      if (auto e164 = normalize_phone(numbers[i], gateway_.options().default_region, field)) {
        n = gateway_.find_number(e164->e164);
      }
    }
    if (!n || n->account != account) {
      return Error::make("number_not_owned", numbers[i] + " is not a number of this account",
                         field);
    }
    if (!seen.insert(n->number).second) {
      return Error::make("duplicate_number", n->number + " is listed twice", field);
    }
    out.push_back(n->number);
  }
  return out;
}

Result<SenderPool> Pools::create(const std::string& account, const Spec& spec) {
  if (!spec.name) return Error::make("missing_field", "name is required", "name");
  if (auto ok = check_pool_name(*spec.name); !ok) return ok.error();
  if (!spec.numbers) return Error::make("missing_field", "numbers is required", "numbers");
  auto numbers = check_numbers(account, *spec.numbers);
  if (!numbers) return numbers.error();
  const TimeMs now = clock_.now_ms();
  SenderPool p;
  p.id = new_id("pool_", now);
  p.account = account;
  p.name = *spec.name;
  p.numbers = std::move(*numbers);
  p.sticky = spec.sticky.value_or(true);
  p.geomatch = spec.geomatch.value_or(true);
  p.fallback = spec.fallback.value_or(true);
  p.created_at = p.updated_at = now;
  auto inserted = store_.pools().insert_pool(p);
  if (!inserted) return unavailable();
  if (!*inserted) {
    return Error::make("name_taken", "this account already has a pool named " + p.name, "name");
  }
  return p;
}

Result<std::vector<SenderPool>> Pools::list(const std::string& account) {
  auto pools = store_.pools().list_pools(account);
  if (!pools) return unavailable();
  return std::move(*pools);
}

Result<SenderPool> Pools::get(const std::string& account, const std::string& id_or_name) {
  auto p = store_.pools().find_pool(account, id_or_name);
  if (!p) return unavailable();
  if (!*p) return Error::make("not_found", "no pool " + id_or_name, "id");
  return std::move(**p);
}

Result<SenderPool> Pools::update(const std::string& account, const std::string& id_or_name,
                                 const Spec& spec) {
  auto p = get(account, id_or_name);
  if (!p) return p.error();
  if (spec.name) {
    if (auto ok = check_pool_name(*spec.name); !ok) return ok.error();
    p->name = *spec.name;
  }
  if (spec.numbers) {
    auto numbers = check_numbers(account, *spec.numbers);
    if (!numbers) return numbers.error();
    p->numbers = std::move(*numbers);
  }
  if (spec.sticky) p->sticky = *spec.sticky;
  if (spec.geomatch) p->geomatch = *spec.geomatch;
  if (spec.fallback) p->fallback = *spec.fallback;
  p->updated_at = clock_.now_ms();
  auto updated = store_.pools().update_pool(*p);
  if (!updated) return unavailable();
  if (!*updated) return Error::make("not_found", "no pool " + id_or_name, "id");
  if (!**updated) {
    return Error::make("name_taken", "this account already has a pool named " + p->name, "name");
  }
  return p;
}

Result<SenderPool> Pools::remove(const std::string& account, const std::string& id_or_name) {
  auto p = get(account, id_or_name);
  if (!p) return p.error();
  auto deleted = store_.pools().delete_pool(account, p->id);
  if (!deleted) return unavailable();
  if (!*deleted) return Error::make("not_found", "no pool " + id_or_name, "id");
  return p;
}

}  // namespace sb::engine
