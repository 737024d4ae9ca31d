// `switchboard sim inbound`: the simulated carrier delivers an inbound message, from the
// terminal, through a running gateway's POST /v1/sim/inbound (so keywords, auto-replies and
// forwarding run where they always run: in the server).
#pragma once

#include <string>
#include <vector>

#include "app/config.h"

namespace sb::app {

struct SimInboundArgs {
  std::string from;
  std::string to;
  std::string body;
  std::vector<std::string> media_urls;
  std::string url;  // the gateway; "" : http://<[server] listen>
  std::string key;  // an API key of the number's account; "" : $SWITCHBOARD_API_KEY
};

// Prints the stored message (201) and returns 0; otherwise prints the error and returns 1.
int sim_inbound(const Config& config, const SimInboundArgs& args);

}  // namespace sb::app
