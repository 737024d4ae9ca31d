// Sending-number types and their default throughput: the one table config loading, the numbers
// API and the dispatcher share, so a number's limit is the same wherever it is read.
#pragma once

#include <string_view>

namespace sb {

// Messages per second a number of `type` may send when nothing is configured (0: unlimited).
// Carrier defaults: long_code 1, toll_free 3, short_code 100, when `carrier_limits` (its
// connector's provider has a carrier to please: ProviderCapabilities::carrier_throughput; the
// simulated carrier has none).
inline double default_throughput(std::string_view type, bool carrier_limits) {
  if (!carrier_limits) return 0;
  if (type == "short_code") return 100;
  if (type == "toll_free") return 3;
  return 1;
}

// A stored throughput (< 0: unset) made effective.
inline double effective_throughput(double stored, std::string_view type, bool carrier_limits) {
  return stored < 0 ? default_throughput(type, carrier_limits) : stored;
}

// True for the number types Switchboard knows.
inline bool is_number_type(std::string_view type) {
  return type == "long_code" || type == "toll_free" || type == "short_code";
}

}  // namespace sb
