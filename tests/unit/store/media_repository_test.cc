// MediaRepository: media rows of re-hosted inbound items, leased to the fetcher (migration v11);
// every test runs on SQLite and PostgreSQL (store_test_fixture.h).
#include "store_test_fixture.h"

namespace sb::store {
namespace {

class MediaRepositoryTest : public StoreContractTest {};

// An inbound message whose two media items the webhook path gave ids (engine::assign_media_ids).
Message rehosted_inbound(const std::string& account, TimeMs at, const std::string& id0,
                         const std::string& id1) {
  Message m = inbound_msg(account, at, "two pictures");
  MediaItem a{"https://gw.example/v1/media/" + id0, "image/jpeg", 10};
  a.id = id0;
  a.source_url = "https://api.twilio.example/Media/ME0";
  MediaItem b{"https://gw.example/v1/media/" + id1, "image/png", std::nullopt};
  b.id = id1;
  b.source_url = "https://api.twilio.example/Media/ME1";
  m.media = {a, b};
  m.media_urls = {a.url, b.url};
  return m;
}

TEST_P(MediaRepositoryTest, InboundMediaRowsAreStoredPendingWithTheMessage) {
  auto in = webhook("MM1:received", "inbound", kT0 + 10);
  in.inbound = rehosted_inbound(kAcctA, kT0 + 10, "med_A0", "med_A1");
  ASSERT_TRUE(store_->webhooks().ingest(in).ok());
  const std::string mid = in.inbound->id;

  auto rows = unwrap(store_->media().list(mid));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id, "med_A0");
  EXPECT_EQ(rows[0].index, 0);
  EXPECT_EQ(rows[1].index, 1);
  EXPECT_EQ(rows[0].account, kAcctA);
  EXPECT_EQ(rows[0].state, "pending");
  EXPECT_EQ(rows[0].source_url, "https://api.twilio.example/Media/ME0");
  EXPECT_EQ(rows[0].connector, "tw");
  EXPECT_EQ(rows[0].attempts, 0);

  // The message reads back with our URLs, ids and state; the provider URL stays in source_url.
  Message got = get(mid);
  ASSERT_EQ(got.media.size(), 2u);
  EXPECT_EQ(got.media_urls[0], "https://gw.example/v1/media/med_A0");
  EXPECT_EQ(got.media[0].id, "med_A0");
  EXPECT_EQ(got.media[0].state, "pending");
  EXPECT_EQ(got.media[0].content_type, "image/jpeg");  // as declared until fetched

  // Tenant isolation: another account cannot read it by id.
  EXPECT_TRUE(unwrap(store_->media().get(kAcctA, "med_A0")).has_value());
  EXPECT_FALSE(unwrap(store_->media().get(kAcctB, "med_A0")).has_value());
  EXPECT_TRUE(unwrap(store_->media().get_by_id("med_A0")).has_value());
  EXPECT_FALSE(unwrap(store_->media().get_by_id("med_nope")).has_value());

  // A provider retry of the same webhook stores nothing twice.
  auto again = webhook("MM1:received", "inbound", kT0 + 20);
  again.inbound = rehosted_inbound(kAcctA, kT0 + 20, "med_B0", "med_B1");
  ASSERT_TRUE(store_->webhooks().ingest(again).value().duplicate);
  EXPECT_FALSE(unwrap(store_->media().get(kAcctA, "med_B0")).has_value());
}

TEST_P(MediaRepositoryTest, MediaClaimLeaseRetryReadyAndFailed) {
  auto in = webhook("MM2:received", "inbound", kT0 + 10);
  in.inbound = rehosted_inbound(kAcctA, kT0 + 10, "med_C0", "med_C1");
  ASSERT_TRUE(store_->webhooks().ingest(in).ok());
  const std::string mid = in.inbound->id;

  auto first = store_->media().claim(kT0 + 100, 5'000, 10);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].attempts, 1);
  // Claimed: not claimable again until the lease runs out.
  EXPECT_TRUE(store_->media().claim(kT0 + 200, 5'000, 10)->empty());
  auto after_lease = store_->media().claim(kT0 + 5'200, 5'000, 1);
  ASSERT_EQ(after_lease->size(), 1u);
  EXPECT_EQ((*after_lease)[0].attempts, 2);

  // C0: a transient failure with a retry time, then ready.
  MediaOutcome retry;
  retry.state = "pending";
  retry.error = "HTTP 503";
  retry.retry_at = kT0 + 20'000;
  ASSERT_TRUE(store_->media().finish("med_C0", retry, kT0 + 5'300).ok());
  auto c0 = unwrap(store_->media().get(kAcctA, "med_C0"));
  EXPECT_EQ(c0->state, "pending");
  EXPECT_EQ(c0->last_error, "HTTP 503");
  EXPECT_EQ(c0->next_attempt_at, kT0 + 20'000);
  MediaOutcome ready;
  ready.state = "ready";
  ready.sha256 = std::string(64, 'a');
  ready.content_type = "image/png";
  ready.size = 4321;
  ASSERT_TRUE(store_->media().finish("med_C0", ready, kT0 + 21'000).ok());
  // C1: failed for good.
  MediaOutcome failed;
  failed.state = "failed";
  failed.error = "the media is larger than 5242880 bytes";
  ASSERT_TRUE(store_->media().finish("med_C1", failed, kT0 + 21'000).ok());
  EXPECT_TRUE(store_->media().claim(kT0 + 10'000'000, 5'000, 10)->empty());

  c0 = unwrap(store_->media().get(kAcctA, "med_C0"));
  EXPECT_EQ(c0->state, "ready");
  EXPECT_EQ(c0->sha256, std::string(64, 'a'));
  EXPECT_EQ(c0->content_type, "image/png");
  EXPECT_EQ(c0->size, 4321);
  EXPECT_TRUE(c0->last_error.empty());

  // The message shows the sniffed type and size once ready, and the error once failed.
  Message got = get(mid);
  EXPECT_EQ(got.media[0].state, "ready");
  EXPECT_EQ(got.media[0].content_type, "image/png");
  EXPECT_EQ(got.media[0].size, 4321);
  EXPECT_EQ(got.media[1].state, "failed");
  EXPECT_EQ(got.media[1].error, "the media is larger than 5242880 bytes");
  MessageFilter f;
  f.account = kAcctA;
  auto listed = unwrap(store_->messages().list(f));
  ASSERT_FALSE(listed.empty());
  EXPECT_EQ(listed[0].media[1].state, "failed");
}

INSTANTIATE_TEST_SUITE_P(Backends, MediaRepositoryTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace sb::store
