// URLs and addresses apps and providers give the gateway to call or fetch: the syntax check
// (core/url.h), the SSRF guard's pre-check of a URL and its address and allow-list parsing
// (providers/transport/net_guard.h). Properties: what url_problem accepts is an http(s) URL
// within the limits it states, app endpoints being a subset of kHttp URLs; an address prints
// back to itself; with no allow-list only public addresses are allowed; allow rules are in range.
// Input: any bytes, read as a URL, an address and an allow-list entry.
#include "core/url.h"

#include "fuzz_support.h"
#include "providers/transport/net_guard.h"

using namespace sb;
using namespace sb::providers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::as_text(data, size);

  const auto http = url_problem(in, UrlRule::kHttp);
  const auto app = url_problem(in, UrlRule::kAppEndpoint);
  if (!app) FUZZ_CHECK(!http);
  if (!http) {
    FUZZ_CHECK(in.size() <= kMaxUrlBytes);
    FUZZ_CHECK(in.rfind("http://", 0) == 0 || in.rfind("https://", 0) == 0);
    for (unsigned char c : in) FUZZ_CHECK(c > 0x20 && c != 0x7F);
  }
  if (!app) {
    for (unsigned char c : in) FUZZ_CHECK(c < 0x7F);
    FUZZ_CHECK(in.find('#') == std::string_view::npos);
  }

  const std::string url(in);
  if (url.find('\0') == std::string::npos) {
    auto checked = precheck_url(url, {}, "url", "url_refused");
    if (!checked) FUZZ_CHECK(!checked.error().code.empty());
  }

  if (auto ip = parse_ip(in)) {
    const std::string text = to_string(*ip);
    const auto again = parse_ip(text);
    FUZZ_CHECK(again && again->bytes == ip->bytes);
    FUZZ_CHECK(address_allowed(*ip, 443, {}) == (classify(*ip) == AddressClass::kPublic));
  }
  if (auto rule = parse_allow_rule(in)) {
    FUZZ_CHECK(rule->prefix >= 0 && rule->prefix <= 128);
    FUZZ_CHECK(rule->port >= 0 && rule->port <= 65535);
    // A rule admits its own network address (on its port, or any when it names none).
    FUZZ_CHECK(address_allowed(rule->network, rule->port ? rule->port : 443, {*rule}));
  }
  return 0;
}
