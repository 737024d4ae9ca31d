// The SSRF guard (address classes, allow-list, URL pre-check), the safe fetcher against loopback
// fakes, and libmagic sniffing that ignores a lying Content-Type.
#include <gtest/gtest.h>

#include <string>

#include "providers/transport/net_guard.h"
#include "providers/transport/safe_fetch.h"
#include "providers/transport/sniff.h"
#include "support/fake_provider.h"

namespace sb::providers {
namespace {

AddressClass cls(const std::string& text) {
  auto a = parse_ip(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a ? classify(*a) : AddressClass::kPublic;
}

TEST(NetGuard, ClassifiesIpv4Ranges) {
  EXPECT_EQ(cls("8.8.8.8"), AddressClass::kPublic);
  EXPECT_EQ(cls("93.184.216.34"), AddressClass::kPublic);
  EXPECT_EQ(cls("127.0.0.1"), AddressClass::kLoopback);
  EXPECT_EQ(cls("127.255.255.254"), AddressClass::kLoopback);
  EXPECT_EQ(cls("10.0.0.1"), AddressClass::kPrivate);
  EXPECT_EQ(cls("172.16.0.1"), AddressClass::kPrivate);
  EXPECT_EQ(cls("172.31.255.255"), AddressClass::kPrivate);
  EXPECT_EQ(cls("172.32.0.1"), AddressClass::kPublic);
  EXPECT_EQ(cls("192.168.1.1"), AddressClass::kPrivate);
  EXPECT_EQ(cls("169.254.169.254"), AddressClass::kLinkLocal);  // cloud metadata
  EXPECT_EQ(cls("0.0.0.0"), AddressClass::kUnspecified);
  EXPECT_EQ(cls("224.0.0.1"), AddressClass::kMulticast);
  EXPECT_EQ(cls("255.255.255.255"), AddressClass::kMulticast);
  EXPECT_EQ(cls("100.64.0.1"), AddressClass::kCgnat);
  EXPECT_EQ(cls("100.127.255.255"), AddressClass::kCgnat);
  EXPECT_EQ(cls("100.128.0.1"), AddressClass::kPublic);
  EXPECT_EQ(cls("192.0.2.10"), AddressClass::kReserved);
  EXPECT_EQ(cls("198.18.0.1"), AddressClass::kReserved);
  EXPECT_EQ(cls("240.0.0.1"), AddressClass::kReserved);
}

TEST(NetGuard, ClassifiesIpv6AndEmbeddedIpv4) {
  EXPECT_EQ(cls("2606:4700:4700::1111"), AddressClass::kPublic);
  EXPECT_EQ(cls("::1"), AddressClass::kLoopback);
  EXPECT_EQ(cls("[::1]"), AddressClass::kLoopback);
  EXPECT_EQ(cls("::"), AddressClass::kUnspecified);
  EXPECT_EQ(cls("fc00::1"), AddressClass::kPrivate);
  EXPECT_EQ(cls("fd12:3456::1"), AddressClass::kPrivate);
  EXPECT_EQ(cls("fe80::1"), AddressClass::kLinkLocal);
  EXPECT_EQ(cls("febf::1"), AddressClass::kLinkLocal);
  EXPECT_EQ(cls("ff02::1"), AddressClass::kMulticast);
  EXPECT_EQ(cls("2001:db8::1"), AddressClass::kReserved);
  // IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms carry the class of their IPv4 address.
  EXPECT_EQ(cls("::ffff:127.0.0.1"), AddressClass::kLoopback);
  EXPECT_EQ(cls("::ffff:7f00:1"), AddressClass::kLoopback);
  EXPECT_EQ(cls("::ffff:169.254.169.254"), AddressClass::kLinkLocal);
  EXPECT_EQ(cls("::ffff:10.1.2.3"), AddressClass::kPrivate);
  EXPECT_EQ(cls("::ffff:100.64.0.1"), AddressClass::kCgnat);
  EXPECT_EQ(cls("::ffff:8.8.8.8"), AddressClass::kPublic);
  EXPECT_EQ(cls("::127.0.0.1"), AddressClass::kLoopback);
  EXPECT_EQ(cls("64:ff9b::a00:1"), AddressClass::kPrivate);
  EXPECT_EQ(cls("2002:7f00:1::"), AddressClass::kLoopback);
  EXPECT_EQ(cls("2002:0808:0808::"), AddressClass::kPublic);
}

TEST(NetGuard, ParsesOnlyUnambiguousAddresses) {
  EXPECT_FALSE(parse_ip("localhost"));
  EXPECT_FALSE(parse_ip("2130706433"));  // inet_aton would read 127.0.0.1: resolver's job
  EXPECT_FALSE(parse_ip("0177.0.0.1"));
  EXPECT_FALSE(parse_ip("127.1"));
  EXPECT_FALSE(parse_ip("1.2.3.256"));
  EXPECT_FALSE(parse_ip("fe80::1%eth0"));
  EXPECT_EQ(to_string(*parse_ip("10.0.0.1")), "10.0.0.1");
  EXPECT_EQ(to_string(*parse_ip("[::1]")), "::1");
}

TEST(NetGuard, AllowListAdmitsOnlyWhatItNames) {
  auto allow = parse_allow_list({"127.0.0.1:8080", "10.0.0.0/8", "[::1]:9000", "fd00::/8"});
  ASSERT_TRUE(allow) << allow.error().message;
  auto ok = [&](const char* ip, int port) { return address_allowed(*parse_ip(ip), port, *allow); };
  EXPECT_TRUE(ok("127.0.0.1", 8080));
  EXPECT_FALSE(ok("127.0.0.1", 8081));  // another loopback port stays refused
  EXPECT_FALSE(ok("127.0.0.2", 8080));
  EXPECT_TRUE(ok("10.200.0.1", 443));
  EXPECT_TRUE(ok("::1", 9000));
  EXPECT_FALSE(ok("::1", 8080));
  EXPECT_TRUE(ok("fd00::5", 1));
  EXPECT_FALSE(ok("fc00::5", 1));
  EXPECT_FALSE(ok("169.254.169.254", 80));
  EXPECT_TRUE(ok("8.8.8.8", 80));  // public needs no rule
  // An IPv4 rule covers the IPv4-mapped spelling of the same address.
  EXPECT_TRUE(ok("::ffff:10.0.0.1", 80));
  EXPECT_FALSE(address_allowed(*parse_ip("127.0.0.1"), 80, {}));
}

TEST(NetGuard, AllowListRefusesBadEntries) {
  for (const char* bad : {"localhost", "example.com:80", "10.0.0.0/33", "::1/129",
                          "127.0.0.1:0", "127.0.0.1:70000", "[::1", "[::1]x", "10.0.0.0/",
                          "127.0.0.1:"}) {
    auto r = parse_allow_list({"127.0.0.1", bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().field, "media.fetch_allow[1]") << bad;
  }
}

TEST(NetGuard, PrecheckRefusesLocalTargetsWithoutNetwork) {
  const std::vector<AllowRule> none;
  for (const char* url :
       {"http://127.0.0.1/a.png", "http://localhost/a.png", "http://foo.localhost/a.png",
        "https://169.254.169.254/latest/meta-data/", "http://10.0.0.1/x", "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x", "http://printer.local/x", "http://metadata.google.internal/x",
        "http://intranet/x", "http://user:pw@example.com/x"}) {
    auto r = precheck_url(url, none, "media_urls[0]");
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, "media_url_refused") << url;
    EXPECT_EQ(r.error().field, "media_urls[0]") << url;
  }
  EXPECT_EQ(precheck_url("ftp://example.com/x", none, "f").error().code, "invalid_media_url");
  EXPECT_TRUE(precheck_url("https://example.com/a.png", none, "f"));
  EXPECT_TRUE(precheck_url("https://8.8.8.8/a.png", none, "f"));
  auto allow = parse_allow_list({"127.0.0.1:8080"});
  EXPECT_TRUE(precheck_url("http://127.0.0.1:8080/a.png", *allow, "f"));
  EXPECT_FALSE(precheck_url("http://127.0.0.1:8081/a.png", *allow, "f"));
}

// ---- the fetcher against loopback fakes -------------------------------------------------------

int port_of(const std::string& base) { return std::stoi(base.substr(base.rfind(':') + 1)); }

SafeFetchOptions allowing(const test::FakeProvider& fake) {
  SafeFetchOptions o;
  o.allow = *parse_allow_list({"127.0.0.1:" + std::to_string(port_of(fake.base_url()))});
  o.max_bytes = 1000;
  o.timeout_ms = 5'000;
  return o;
}

TEST(SafeFetch, RefusesLoopbackWithoutAllowListBeforeConnecting) {
  test::FakeProvider fake;
  SafeFetcher f(SafeFetchOptions{});
  auto r = f.fetch(fake.base_url() + "/a.png");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "media_url_refused");
  EXPECT_EQ(fake.request_count(), 0u);
  // "localhost" resolves to loopback: refused on the resolver's answer.
  auto l = f.fetch("http://localhost:" + std::to_string(port_of(fake.base_url())) + "/a.png");
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, "media_url_refused");
  EXPECT_EQ(fake.request_count(), 0u);
}

TEST(SafeFetch, FetchesFromAnAllowedPortWithHeaders) {
  test::FakeProvider fake;
  fake.push({200, "hello", "image/png"});
  SafeFetcher f(allowing(fake));
  auto r = f.fetch(fake.base_url() + "/a.png", {{"Authorization", "Basic eDp5"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->content_type, "image/png");
  ASSERT_EQ(fake.request_count(), 1u);
  EXPECT_EQ(fake.requests()[0].header("authorization"), "Basic eDp5");
}

TEST(SafeFetch, AbortsBeyondMaxBytesWhateverContentLengthSays) {
  test::FakeProvider fake;
  fake.push({200, std::string(1001, 'x'), "image/png"});
  SafeFetcher f(allowing(fake));
  auto r = f.fetch(fake.base_url() + "/big.png");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "media_too_large");
}

TEST(SafeFetch, RechecksEveryRedirectHop) {
  test::FakeProvider fake;
  // A redirect from the allowed fake to the metadata address: the hop is refused.
  fake.push({302, "", "text/plain", {{"Location", "http://169.254.169.254/latest/meta-data/"}}});
  SafeFetcher f(allowing(fake));
  auto r = f.fetch(fake.base_url() + "/a.png");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "media_url_refused");
  // A redirect to another loopback port that is not allowed.
  test::FakeProvider other;
  fake.push({302, "", "text/plain", {{"Location", other.base_url() + "/a.png"}}});
  auto r2 = f.fetch(fake.base_url() + "/a.png");
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, "media_url_refused");
  EXPECT_EQ(other.request_count(), 0u);
  // A relative redirect on the same allowed origin is followed, credentials kept.
  fake.push({302, "", "text/plain", {{"Location", "/b.png"}}});
  fake.push({200, "B", "image/png"});
  auto r3 = f.fetch(fake.base_url() + "/a.png", {{"Authorization", "Basic eDp5"}});
  ASSERT_TRUE(r3) << r3.error().message;
  EXPECT_EQ(r3->body, "B");
  const auto reqs = fake.requests();
  EXPECT_EQ(reqs.back().path, "/b.png");
  EXPECT_EQ(reqs.back().header("authorization"), "Basic eDp5");
}

TEST(SafeFetch, ClassifiesHttpFailures) {
  test::FakeProvider fake;
  fake.push({503, "busy", "text/plain"});
  fake.push({404, "gone", "text/plain"});
  SafeFetcher f(allowing(fake));
  auto a = f.fetch(fake.base_url() + "/a");
  ASSERT_FALSE(a);
  EXPECT_TRUE(is_transient(a.error()));
  auto b = f.fetch(fake.base_url() + "/a");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, "media_fetch_rejected");
  EXPECT_FALSE(is_transient(b.error()));
}

// ---- sniffing ----------------------------------------------------------------------------------

// The 8-byte PNG signature and an IHDR chunk (PNG spec section 5.2, 11.2.2).
const std::string kPng("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x06\0\0\0\x1f\x15\xc4\x89",
                       33);
// JPEG: SOI, then an APP0 JFIF segment.
const std::string kJpeg("\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xdb", 22);

TEST(Sniff, ReadsTheTypeFromTheBytes) {
  EXPECT_EQ(sniff_content_type(kPng), "image/png");
  EXPECT_EQ(sniff_content_type(kJpeg), "image/jpeg");
  EXPECT_EQ(sniff_content_type("just some words, nothing else\n"), "text/plain");
  EXPECT_EQ(sniff_content_type(""), "application/octet-stream");
  EXPECT_EQ(sniff_content_type("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nEND:VCARD\r\n"),
            "text/vcard");
}

TEST(Sniff, AllowedTypesMatchExactlyOrByMajorType) {
  const auto& d = default_allowed_media_types();
  EXPECT_TRUE(content_type_allowed("image/png", d));
  EXPECT_TRUE(content_type_allowed("video/mp4", d));
  EXPECT_TRUE(content_type_allowed("application/pdf", d));
  EXPECT_TRUE(content_type_allowed("text/plain", d));
  EXPECT_FALSE(content_type_allowed("text/html", d));
  EXPECT_FALSE(content_type_allowed("application/x-executable", d));
  EXPECT_FALSE(content_type_allowed("imagex/png", {"image/*"}));
}

}  // namespace
}  // namespace sb::providers
