// Media re-hosting pieces without a server: signed URLs (sign, verify, expiry, tampering),
// content-addressed files, and the ids/URLs a routed inbound message's media get.
#include "engine/media.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/crypto.h"

namespace sb::engine {
namespace {

TEST(MediaSigner, VerifiesItsOwnSignatureUntilExpiry) {
  MediaSigner s("k1");
  const std::string sig = s.sign("med_A", 1'000);
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(s.verify("med_A", 1'000, sig, 999));
  EXPECT_FALSE(s.verify("med_A", 1'000, sig, 1'000));  // expired at the instant
  EXPECT_FALSE(s.verify("med_B", 1'000, sig, 999));    // another id
  EXPECT_FALSE(s.verify("med_A", 1'001, sig, 999));    // a moved expiry
  EXPECT_FALSE(MediaSigner("k2").verify("med_A", 1'000, sig, 999));  // another key
  std::string tampered = sig;
  tampered[10] = tampered[10] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(s.verify("med_A", 1'000, tampered, 999));
  EXPECT_FALSE(s.verify("med_A", 1'000, sig.substr(0, 63), 999));
  EXPECT_FALSE(s.verify("med_A", 1'000, "", 999));
}

TEST(MediaSigner, BuildsTheDocumentedUrls) {
  MediaSigner s("k");
  EXPECT_EQ(media_api_url("https://gw.example/", "med_X"), "https://gw.example/v1/media/med_X");
  EXPECT_EQ(signed_media_url("https://gw.example", s, "med_X", 42),
            "https://gw.example/media/med_X?expires=42&sig=" + s.sign("med_X", 42));
}

TEST(MediaFiles, StoresByContentOnceAndReadsBack) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sb-media-" + crypto::hex(crypto::random_bytes(6)));
  MediaFiles files(dir.string());
  const std::string bytes("\x89PNG\0binary", 11);
  auto a = files.put(bytes);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(*a, crypto::hex(crypto::sha256(bytes)));
  EXPECT_EQ(files.path(*a), (dir / a->substr(0, 2) / *a).string());
  auto b = files.put(bytes);
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
  size_t n = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) n += e.is_regular_file();
  EXPECT_EQ(n, 1u);  // no second copy, no temporary left behind
  EXPECT_EQ(*files.read(*a), bytes);
  EXPECT_FALSE(files.read(std::string(64, 'f')));
  EXPECT_FALSE(files.read("../../etc/passwd"));
  std::filesystem::remove_all(dir);
}

TEST(MediaIds, RoutedMediaGetIdsAndOurUrlsTheProvidersIsKept) {
  Message m;
  m.media = {{"https://api.twilio.com/Media/ME1", "image/jpeg", 10},
             {"https://api.twilio.com/Media/ME2", "", std::nullopt}};
  assign_media_ids(m, "https://gw.example", 1'700'000'000'000);
  ASSERT_EQ(m.media_urls.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(m.media[i].id.rfind("med_", 0), 0u);
    EXPECT_EQ(m.media[i].url, "https://gw.example/v1/media/" + m.media[i].id);
    EXPECT_EQ(m.media_urls[i], m.media[i].url);
    EXPECT_EQ(m.media[i].state, "pending");
  }
  EXPECT_NE(m.media[0].id, m.media[1].id);
  EXPECT_EQ(m.media[0].source_url, "https://api.twilio.com/Media/ME1");
  EXPECT_EQ(m.media[0].content_type, "image/jpeg");
}

}  // namespace
}  // namespace sb::engine
