// SSRF guard: which IP addresses the gateway may fetch from (public ones, plus an allow-list).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sb::providers {

// An IPv4 address is kept in its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so one 16-byte value
// and one set of prefix rules cover both families.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;  // written (or resolved) as IPv4
  bool operator==(const IpAddress&) const = default;
};

// Parses a numeric address: dotted-quad IPv4 (exactly four decimal parts) or IPv6 (optionally in
// brackets). Hostnames and the legacy inet_aton spellings ("2130706433", "0177.0.0.1") are not
// addresses here: they go through the resolver, whose answer is what gets checked.
std::optional<IpAddress> parse_ip(std::string_view text);
std::string to_string(const IpAddress& a);
IpAddress ipv4_from_bytes(const uint8_t* four);

enum class AddressClass {
  kPublic,
  kLoopback,     // 127/8, ::1
  kPrivate,      // RFC 1918, fc00::/7 (ULA), fec0::/10 (old site-local)
  kLinkLocal,    // 169.254/16 (incl. 169.254.169.254, the cloud metadata service), fe80::/10
  kUnspecified,  // 0.0.0.0/8, ::
  kMulticast,    // 224/4, ff00::/8, 255.255.255.255
  kCgnat,        // 100.64/10 (carrier-grade NAT, RFC 6598)
  kReserved,     // documentation, benchmarking, IETF protocol, 240/4, Teredo, discard-only
};
std::string_view to_string(AddressClass c);

// What an address is. IPv6 forms that embed an IPv4 address (IPv4-mapped ::ffff:0:0/96,
// IPv4-compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16) are classified by that address.
AddressClass classify(const IpAddress& a);

// One allow-list entry: ADDRESS[/PREFIX][:PORT]; an IPv6 address with a port is bracketed:
// "127.0.0.1", "10.0.0.0/8", "127.0.0.1:8080", "::1", "fc00::/7", "[::1]:8080", "[fd00::/8]:443".
// Hostnames are refused: a name's addresses can change under us (DNS rebinding), an address
// range cannot.
struct AllowRule {
  IpAddress network;
  int prefix = 128;  // in the 16-byte form (IPv4 /8 is /104)
  int port = 0;      // 0: any port
};
Result<AllowRule> parse_allow_rule(std::string_view text);
// Every entry, or the first bad one's error (field "<key>[i]").
Result<std::vector<AllowRule>> parse_allow_list(const std::vector<std::string>& entries,
                                                std::string_view key = "media.fetch_allow");

// True when the gateway may connect to `a`:`port`: a public address, or one an allow-list rule
// covers (a rule can admit any class, including loopback).
bool address_allowed(const IpAddress& a, int port, const std::vector<AllowRule>& allow);

// Checks a URL without any network access: http/https, a host, and (when the host is an address
// literal, or a name that is local by definition: localhost, *.localhost, *.local, *.internal,
// a name without a dot) that address. Hostnames are otherwise resolved and checked when they are
// called. Errors: `code` (media_url_refused for media, url_refused for app endpoints; a URL that
// is not http(s) is invalid_media_url for media), naming `field`.
Result<void> precheck_url(const std::string& url, const std::vector<AllowRule>& allow,
                          const std::string& field, const char* code = "media_url_refused");

}  // namespace sb::providers
