// switchboard.toml (app/config.h, load_config_text): TOML syntax through toml++, then every
// section, [[connectors]] / [[numbers]] / [[quiet_hours]] / [compliance] table and the checks of
// validate. Comment lines "#env NAME=VALUE" in the input also become environment overrides
// (SWITCHBOARD_*), which TOML ignores. Properties: loading never throws; a loaded configuration
// has numbers, each unique, E.164 or a 3-8 digit short code, on a configured connector whose
// provider exists; loading is deterministic.
#include <map>
#include <set>

#include "app/config.h"
#include "fuzz_support.h"

using namespace sb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  std::map<std::string, std::string> env;
  for (size_t at = 0; at < text.size();) {
    const size_t eol = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, eol - at);
    if (line.rfind("#env ", 0) == 0) {
      const auto kv = line.substr(5);
      const auto eq = kv.find('=');
      if (eq != std::string_view::npos) env[std::string(kv.substr(0, eq))] = kv.substr(eq + 1);
    }
    at = eol + 1;
  }

  auto c = app::load_config_text(text, "fuzz.toml", env);
  if (!c) {
    FUZZ_CHECK(!c.error().code.empty());
    return 0;
  }
  FUZZ_CHECK(!c->connectors.empty());
  FUZZ_CHECK(!c->numbers.empty());
  std::set<std::string> seen;
  for (const auto& n : c->numbers) {
    FUZZ_CHECK(seen.insert(n.number).second);
    FUZZ_CHECK(c->provider_of(n.connector) != nullptr);
    FUZZ_CHECK(n.throughput >= 0);
    const bool digits = n.number.find_first_not_of("0123456789") == std::string::npos;
    FUZZ_CHECK(n.type == "short_code" ? digits && n.number.size() >= 3 && n.number.size() <= 8
                                      : n.number.size() > 1 && n.number[0] == '+');
  }
  (void)c->listen_port();
  auto again = app::load_config_text(text, "fuzz.toml", env);
  FUZZ_CHECK(again && again->numbers.size() == c->numbers.size() &&
             again->connectors.size() == c->connectors.size());
  return 0;
}
