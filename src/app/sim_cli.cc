// `switchboard sim inbound` (see sim_cli.h).
#include "app/sim_cli.h"

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "providers/transport/curl_client.h"

namespace sb::app {

int sim_inbound(const Config& config, const SimInboundArgs& args) {
  std::string key = args.key;
  if (key.empty()) {
    if (const char* env = std::getenv("SWITCHBOARD_API_KEY")) key = env;
  }
  if (key.empty()) {
    std::cerr << "switchboard: an API key is needed: --key or SWITCHBOARD_API_KEY" << std::endl;
    return 2;
  }
  std::string url = args.url;
  if (url.empty()) {
    const std::string host = config.listen_host() == "0.0.0.0" ? "127.0.0.1" : config.listen_host();
    url = "http://" + host + ":" + std::to_string(config.listen_port());
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  nlohmann::json body = {{"from", args.from}, {"to", args.to}, {"body", args.body}};
  if (!args.media_urls.empty()) body["media_urls"] = args.media_urls;
  HttpRequest req;
  req.method = "POST";
  req.url = url + "/v1/sim/inbound";
  req.body = body.dump();
  req.headers = {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}};
  const HttpResponse resp = providers::make_curl_client()->send(req);
  if (resp.status == 0) {
    std::cerr << "switchboard: cannot reach " << url << ": " << resp.error << std::endl;
    return 1;
  }
  if (resp.status != 201) {
    std::cerr << "switchboard: " << resp.status << " " << resp.body << std::endl;
    return 1;
  }
  std::cout << resp.body << std::endl;
  return 0;
}

}  // namespace sb::app
