// Address classification and allow-list matching for the SSRF guard.
#include "providers/transport/net_guard.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace sb::providers {
namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

IpAddress from_v4(const uint8_t* b) {
  IpAddress a;
  std::copy(kMappedPrefix.begin(), kMappedPrefix.end(), a.bytes.begin());
  std::copy(b, b + 4, a.bytes.begin() + 12);
  a.v4 = true;
  return a;
}

bool in_prefix(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& net, int bits) {
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a[i] & mask) != (net[i] & mask)) return false;
  }
  return true;
}

struct Range {
  const char* net;
  int bits;  // for IPv4 ranges: the IPv4 prefix length
  AddressClass cls;
};

AddressClass classify_v4(const uint8_t* b) {
  static const Range kRanges[] = {
      {"0.0.0.0", 8, AddressClass::kUnspecified},    {"10.0.0.0", 8, AddressClass::kPrivate},
      {"100.64.0.0", 10, AddressClass::kCgnat},      {"127.0.0.0", 8, AddressClass::kLoopback},
      {"169.254.0.0", 16, AddressClass::kLinkLocal}, {"172.16.0.0", 12, AddressClass::kPrivate},
      {"192.0.0.0", 24, AddressClass::kReserved},    {"192.0.2.0", 24, AddressClass::kReserved},
      {"192.88.99.0", 24, AddressClass::kReserved},  {"192.168.0.0", 16, AddressClass::kPrivate},
      {"198.18.0.0", 15, AddressClass::kReserved},   {"198.51.100.0", 24, AddressClass::kReserved},
      {"203.0.113.0", 24, AddressClass::kReserved},  {"224.0.0.0", 4, AddressClass::kMulticast},
      {"240.0.0.0", 4, AddressClass::kReserved},
  };
  if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255) return AddressClass::kMulticast;
  const uint32_t v = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  for (const auto& r : kRanges) {
    in_addr net{};
    inet_pton(AF_INET, r.net, &net);
    const uint32_t n = ntohl(net.s_addr);
    const uint32_t mask = r.bits == 0 ? 0 : ~uint32_t{0} << (32 - r.bits);
    if ((v & mask) == (n & mask)) return r.cls;
  }
  return AddressClass::kPublic;
}

std::array<uint8_t, 16> v6(const char* text) {
  std::array<uint8_t, 16> out{};
  inet_pton(AF_INET6, text, out.data());
  return out;
}

Error refused(const char* code, const std::string& field, const std::string& why) {
  return Error::make(code, why, field);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  std::string s(text);
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  if (s.find(':') != std::string::npos) {
    if (s.find('%') != std::string::npos) return std::nullopt;  // zone ids: never remote
    IpAddress a;
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
    return a;
  }
  // inet_pton(AF_INET) takes exactly four decimal parts; leading zeros are refused (glibc reads
  // them as decimal, browsers and curl as octal: ambiguous, so not an address here).
  size_t start = 0;
  for (int part = 0; part < 4; ++part) {
    const size_t end = part < 3 ? s.find('.', start) : s.size();
    if (end == std::string::npos) return std::nullopt;
    const std::string p = s.substr(start, end - start);
    if (p.size() > 1 && p[0] == '0') return std::nullopt;
    start = end + 1;
  }
  uint8_t b[4];
  if (inet_pton(AF_INET, s.c_str(), b) != 1) return std::nullopt;
  return from_v4(b);
}

IpAddress ipv4_from_bytes(const uint8_t* four) { return from_v4(four); }

std::string to_string(const IpAddress& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.v4) {
    inet_ntop(AF_INET, a.bytes.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof buf);
  }
  return buf;
}

std::string_view to_string(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic: return "public";
    case AddressClass::kLoopback: return "loopback";
    case AddressClass::kPrivate: return "private";
    case AddressClass::kLinkLocal: return "link-local";
    case AddressClass::kUnspecified: return "unspecified";
    case AddressClass::kMulticast: return "multicast";
    case AddressClass::kCgnat: return "carrier-grade NAT";
    case AddressClass::kReserved: return "reserved";
  }
  return "reserved";
}

AddressClass classify(const IpAddress& a) {
  const auto& b = a.bytes;
  // Forms that carry an IPv4 address: classified by it.
  static const auto kMapped = v6("::ffff:0:0");
  static const auto kCompat = v6("::");
  static const auto kNat64 = v6("64:ff9b::");
  static const auto k6to4 = v6("2002::");
  if (in_prefix(b, kMapped, 96)) return classify_v4(b.data() + 12);
  if (in_prefix(b, kCompat, 96)) {
    if (std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; })) {
      return AddressClass::kUnspecified;
    }
    if (std::all_of(b.begin(), b.end() - 1, [](uint8_t x) { return x == 0; }) && b[15] == 1) {
      return AddressClass::kLoopback;
    }
    return classify_v4(b.data() + 12);  // deprecated IPv4-compatible ::a.b.c.d
  }
  if (in_prefix(b, kNat64, 96)) return classify_v4(b.data() + 12);
  if (in_prefix(b, k6to4, 16)) {
    const AddressClass inner = classify_v4(b.data() + 2);
    return inner == AddressClass::kPublic ? AddressClass::kPublic : inner;
  }
  struct V6Range {
    const char* net;
    int bits;
    AddressClass cls;
  };
  static const V6Range kRanges[] = {
      {"fc00::", 7, AddressClass::kPrivate},    {"fec0::", 10, AddressClass::kPrivate},
      {"fe80::", 10, AddressClass::kLinkLocal}, {"ff00::", 8, AddressClass::kMulticast},
      {"2001:db8::", 32, AddressClass::kReserved},  // documentation
      {"2001::", 32, AddressClass::kReserved},      // Teredo: the IPv4 inside is obfuscated
      {"100::", 64, AddressClass::kReserved},       // discard-only
      {"64:ff9b:1::", 48, AddressClass::kReserved}, // local-use NAT64
  };
  for (const auto& r : kRanges) {
    if (in_prefix(b, v6(r.net), r.bits)) return r.cls;
  }
  return AddressClass::kPublic;
}

Result<AllowRule> parse_allow_rule(std::string_view text) {
  std::string s(text);
  AllowRule rule;
  auto bad = [&](const std::string& why) {
    return Error::make("invalid_config", "'" + s + "': " + why);
  };
  std::string addr = s;
  std::string port;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string::npos) return bad("unclosed '['");
    addr = s.substr(1, close - 1);
    const std::string rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return bad("expected ':port' after ']'");
      port = rest.substr(1);
    }
  } else if (std::count(s.begin(), s.end(), ':') == 1) {  // IPv4 with a port
    port = s.substr(s.find(':') + 1);
    addr = s.substr(0, s.find(':'));
  }
  if (!port.empty() || (!s.empty() && s.back() == ':')) {
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return bad("the port must be 1-65535");
    }
    rule.port = std::stoi(port);
  }
  std::string prefix;
  const auto slash = addr.find('/');
  const bool has_prefix = slash != std::string::npos;
  if (has_prefix) {
    prefix = addr.substr(slash + 1);
    addr = addr.substr(0, slash);
  }
  auto ip = parse_ip(addr);
  if (!ip) return bad("not an IP address or CIDR range (hostnames are not allowed)");
  rule.network = *ip;
  const int max = ip->v4 ? 32 : 128;
  int bits = max;
  if (has_prefix) {
    if (prefix.empty() || prefix.size() > 3 ||
        prefix.find_first_not_of("0123456789") != std::string::npos || std::stoi(prefix) > max) {
      return bad("the prefix length must be 0-" + std::to_string(max));
    }
    bits = std::stoi(prefix);
  }
  rule.prefix = ip->v4 ? 96 + bits : bits;
  return rule;
}

Result<std::vector<AllowRule>> parse_allow_list(const std::vector<std::string>& entries,
                                                std::string_view key) {
  std::vector<AllowRule> out;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto r = parse_allow_rule(entries[i]);
    if (!r) {
      return Error::make("invalid_config",
                         std::string(key).append("[").append(std::to_string(i)).append("]: ")
                             .append(r.error().message),
                         std::string(key).append("[").append(std::to_string(i)).append("]"));
    }
    out.push_back(*r);
  }
  return out;
}

bool address_allowed(const IpAddress& a, int port, const std::vector<AllowRule>& allow) {
  if (classify(a) == AddressClass::kPublic) return true;
  for (const auto& r : allow) {
    if ((r.port == 0 || r.port == port) && in_prefix(a.bytes, r.network.bytes, r.prefix)) {
      return true;
    }
  }
  return false;
}

Result<void> precheck_url(const std::string& url, const std::vector<AllowRule>& allow,
                          const std::string& field, const char* code) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return Error::make(code == std::string_view("media_url_refused") ? "invalid_media_url" : code,
                       "must be an absolute http or https URL", field);
  }
  auto part = [&](CURLUPart p, unsigned flags = 0) {
    char* v = nullptr;
    std::string out;
    if (curl_url_get(u.get(), p, &v, flags) == CURLUE_OK && v) out = v;
    curl_free(v);
    return out;
  };
  const std::string scheme = lower(part(CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") {
    return Error::make(code == std::string_view("media_url_refused") ? "invalid_media_url" : code,
                       "must be an absolute http or https URL", field);
  }
  const std::string host = lower(part(CURLUPART_HOST));
  if (host.empty()) return refused(code, field, "the URL has no host");
  const std::string port_text = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  const int port = port_text.empty() ? 0 : std::atoi(port_text.c_str());
  if (!part(CURLUPART_USER).empty() || !part(CURLUPART_PASSWORD).empty()) {
    return refused(code, field, "the URL may not carry credentials");
  }
  if (auto ip = parse_ip(host)) {
    if (!address_allowed(*ip, port, allow)) {
      return refused(code, field,
                     std::string("the URL's address is ").append(to_string(classify(*ip))) +
                         "; the gateway does not connect to it (allow it in [network] "
                         "outbound_allow if it is meant)");
    }
    return Ok();
  }
  std::string name = host;
  while (!name.empty() && name.back() == '.') name.pop_back();
  if (name == "localhost" || ends_with(name, ".localhost") || ends_with(name, ".local") ||
      ends_with(name, ".internal") || name.find('.') == std::string::npos) {
    return refused(code, field, "the URL's host '" + host + "' is a local name");
  }
  return Ok();
}

}  // namespace sb::providers
