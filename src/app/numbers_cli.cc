// Numbers import, webhook sync and listing for the command line.
#include "app/numbers_cli.h"

#include <algorithm>
#include <iostream>
#include <set>

#include "app/app.h"
#include "core/phone.h"
#include "engine/number_service.h"
#include "http/numbers_api.h"
#include "providers/registry.h"
#include "providers/transport/curl_client.h"

namespace sb::app {
namespace {

// The provider's spelling of a number as we store it: E.164 (validated), or a short code's
// digits. nullopt: neither.
std::optional<std::string> stored_form(const std::string& number, const std::string& region) {
  if (!number.empty() && number.size() <= 8 &&
      std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return number.size() >= 3 ? std::optional<std::string>(number) : std::nullopt;
  }
  auto p = parse_phone(number, region, "number");
  if (!p) return std::nullopt;
  return p->e164;
}

std::string capabilities(const NumberRecord& n) {
  std::string out = n.type;
  if (n.sms) out += ", sms";
  if (n.mms) out += ", mms";
  return out;
}

// Builds every configured connector (for sync), or only `only`.
struct Connectors {
  std::unique_ptr<HttpClient> http = providers::make_curl_client();
  std::vector<std::unique_ptr<providers::Connector>> owned;
  std::map<std::string, providers::Connector*> by_id;

  Connectors(const Config& config, const std::optional<std::string>& only) {
    providers::ConnectorDeps deps{SystemClock::instance(), *http, config.public_url};
    for (const auto& cs : config.connectors) {
      if (only && cs.id != *only) continue;
      auto made = providers::make_connector(cs, deps);
      if (!made) throw std::runtime_error(made.error().message);
      by_id[cs.id] = made->get();
      owned.push_back(std::move(*made));
    }
  }
};

}  // namespace

int import_numbers(store::Store& st, providers::Connector& connector, const std::string& account,
                   const std::string& region, bool dry_run, std::ostream& out, std::ostream& err,
                   TimeMs now) {
  auto owned = connector.list_owned_numbers();
  if (!owned) {
    err << "numbers import: " << owned.error().message << '\n';
    return 1;
  }
  // Numbers the provider lists that cannot be sending numbers are reported, not imported.
  std::vector<NumberRecord> candidates;
  std::vector<std::pair<std::string, std::string>> refused;  // number, why
  for (const auto& o : *owned) {
    auto number = stored_form(o.number, region);
    if (!number) {
      refused.emplace_back(o.number, "not an E.164 number or short code");
      continue;
    }
    if (!o.sms && !o.mms) {
      refused.emplace_back(*number, "the provider lists no SMS or MMS capability");
      continue;
    }
    NumberRecord r{*number,        account,
                   connector.id(), o.sms,
                   o.mms,          o.type.empty() ? providers::infer_number_type(*number) : o.type};
    r.source = "import";
    candidates.push_back(std::move(r));
  }
  for (const auto& [number, why] : refused) out << "skipped " << number << ": " << why << '\n';
  if (dry_run) {
    std::map<std::string, NumberRecord> present;
    for (auto& n : value_or_throw(st.accounts().all_numbers())) {
      present.emplace(n.number, std::move(n));
    }
    std::set<std::string> seen;
    for (const auto& c : candidates) {
      if (auto it = present.find(c.number); it != present.end()) {
        out << "skipped " << c.number << ": "
            << (it->second.source == "config" ? "already a config number of account "
                                              : "already imported into account ")
            << it->second.account << '\n';
      } else if (!seen.insert(c.number).second) {
        out << "skipped " << c.number << ": listed twice by the provider\n";
      } else {
        out << "would add " << c.number << " (" << capabilities(c) << ")\n";
      }
    }
    return 0;
  }
  auto results = st.accounts().import_numbers(candidates, now);
  if (!results) {
    err << "numbers import: " << results.error().message << '\n';
    return 1;
  }
  int added = 0;
  for (size_t i = 0; i < results->size(); ++i) {
    const auto& r = (*results)[i];
    if (r.added) {
      ++added;
      out << "added " << r.number << " (" << capabilities(candidates[i]) << ")\n";
    } else {
      out << "skipped " << r.number << ": " << r.reason << '\n';
    }
  }
  out << added << " added, " << (owned->size() - static_cast<size_t>(added)) << " skipped\n";
  return 0;
}

int sync_number_webhooks(store::Store& st,
                         const std::map<std::string, providers::Connector*>& connectors,
                         const std::string& public_url, const std::optional<std::string>& number,
                         std::ostream& out, std::ostream& err) {
  auto numbers = value_or_throw(st.accounts().all_numbers());
  if (number) {
    std::erase_if(numbers, [&](const NumberRecord& n) { return n.number != *number; });
    if (numbers.empty()) {
      err << "numbers sync: no number " << *number << '\n';
      return 1;
    }
  }
  int failed = 0;
  for (const auto& n : numbers) {
    const std::string who = n.number + " (" + n.connector + ")";
    auto it = connectors.find(n.connector);
    if (it == connectors.end()) {
      out << "skipped " << who << ": the connector is not configured\n";
      continue;
    }
    const auto hooks =
        engine::expected_webhooks(public_url, n.connector, it->second->capabilities());
    auto r = it->second->configure_number_webhooks(n.number, hooks.inbound_url, hooks.status_url);
    if (!r) {
      if (providers::is_unsupported(r)) {
        out << "skipped " << who << ": " << r.error().message << '\n';
      } else {
        ++failed;
        out << "failed " << who << ": " << r.error().message << '\n';
      }
      continue;
    }
    out << "configured " << who << ": " << r->inbound_url;
    for (const auto& [k, v] : r->provider_ids) out << ' ' << k << '=' << v;
    out << '\n';
  }
  return failed == 0 ? 0 : 1;
}

int list_numbers(store::Store& st,
                 const std::map<std::string, const providers::ProviderSpec*>& spec_by_connector,
                 const std::string& public_url, const std::optional<std::string>& account,
                 std::ostream& out) {
  const auto numbers =
      value_or_throw(account ? st.accounts().list_numbers(*account) : st.accounts().all_numbers());
  for (const auto& n : numbers) {
    engine::NumberView v{n, {}, {}};
    if (auto it = spec_by_connector.find(n.connector); it != spec_by_connector.end()) {
      v.provider = it->second->name;
      v.capabilities = it->second->capabilities;
    }
    auto j = http::number_json(v, public_url);
    j["account"] = n.account;
    out << j.dump() << '\n';
  }
  return 0;
}

int numbers_import(const Config& config, const std::string& connector, const std::string& account,
                   bool dry_run) {
  auto st = open_migrated_store(config);
  Connectors made(config, connector);
  auto it = made.by_id.find(connector);
  if (it == made.by_id.end()) {
    std::cerr << "numbers import: no connector with id '" << connector << "'\n";
    return 2;
  }
  const TimeMs now = SystemClock::instance().now_ms();
  if (!dry_run) {
    if (auto r = st->accounts().ensure_account(account, now); !r) {
      throw std::runtime_error(r.error().message);
    }
  }
  return import_numbers(*st, *it->second, account, config.default_region, dry_run, std::cout,
                        std::cerr, now);
}

int numbers_sync(const Config& config, const std::optional<std::string>& number) {
  auto st = open_migrated_store(config);
  Connectors made(config, std::nullopt);
  std::optional<std::string> wanted = number;
  if (wanted) {
    // The number as stored: E.164 from any national or international spelling.
    if (auto stored = stored_form(*wanted, config.default_region)) wanted = *stored;
  }
  return sync_number_webhooks(*st, made.by_id, config.public_url, wanted, std::cout, std::cerr);
}

int numbers_list(const Config& config, const std::optional<std::string>& account) {
  auto st = open_migrated_store(config);
  std::map<std::string, const providers::ProviderSpec*> specs;
  for (const auto& cs : config.connectors) specs[cs.id] = config.provider_of(cs.id);
  return list_numbers(*st, specs, config.public_url, account, std::cout);
}

}  // namespace sb::app
