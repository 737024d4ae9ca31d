// WebhookRepository: the deduplicated inbox, inbound messages, orphan reports, split-MMS groups,
// forwards queued with inbound messages; every test runs on SQLite and PostgreSQL
// (store_test_fixture.h).
#include "store_test_fixture.h"

namespace sb::store {
namespace {

class WebhookRepositoryTest : public StoreContractTest {};

TEST_P(WebhookRepositoryTest, InboundWebhookStoresMessageContactAndConversation) {
  auto in = webhook("SM1:received", "inbound", kT0 + 10);
  Message m = inbound_msg(kAcctA, kT0 + 10, "hello there");
  m.media = {{"https://media.example/1.jpg", "image/jpeg", 1234}};
  m.media_urls = {"https://media.example/1.jpg"};
  in.inbound = m;
  auto r = store_->webhooks().ingest(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->duplicate);
  ASSERT_TRUE(r->inbound.has_value());
  EXPECT_FALSE(r->inbound->conversation_id.empty());

  Message got = get(m.id);
  EXPECT_EQ(got.status, Status::kReceived);
  EXPECT_EQ(got.direction, Direction::kInbound);
  EXPECT_EQ(got.conversation_id, r->inbound->conversation_id);
  ASSERT_EQ(got.media.size(), 1u);
  EXPECT_EQ(got.media[0].content_type, "image/jpeg");
  EXPECT_EQ(got.media[0].size, 1234);
  auto events = unwrap(store_->status().list_events(m.id));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].status, Status::kReceived);
  EXPECT_EQ(events[0].raw_payload, "Body=raw+SM1:received");

  auto contact = unwrap(store_->conversations().find_contact(kAcctA, kTheirs));
  ASSERT_TRUE(contact.has_value());
  EXPECT_EQ(contact->name, "Unknown");
  EXPECT_FALSE(unwrap(store_->conversations().find_contact(kAcctB, kTheirs)).has_value());

  auto conv = unwrap(store_->conversations().get_conversation(kAcctA, got.conversation_id));
  ASSERT_TRUE(conv.has_value());
  EXPECT_EQ(conv->our_number, kOurs);
  EXPECT_EQ(conv->contact.id, contact->id);
  EXPECT_EQ(conv->unread_count, 1);
  EXPECT_EQ(conv->inbound_count, 1);
  EXPECT_EQ(conv->outbound_count, 0);
  EXPECT_EQ(conv->last_message_preview, "hello there");
  EXPECT_EQ(conv->last_message_at, kT0 + 10);
  EXPECT_FALSE(
      unwrap(store_->conversations().get_conversation(kAcctB, got.conversation_id)).has_value());

  // The reply threads into the same conversation; unread is untouched.
  Message reply = outbound(kAcctA, kT0 + 20);
  reply.body = "";
  reply.media_urls = {"https://app.example/pic.png"};
  add(reply);
  EXPECT_EQ(get(reply.id).conversation_id, got.conversation_id);
  conv = unwrap(store_->conversations().get_conversation(kAcctA, got.conversation_id));
  EXPECT_EQ(conv->unread_count, 1);
  EXPECT_EQ(conv->outbound_count, 1);
  EXPECT_EQ(conv->last_message_id, reply.id);
  EXPECT_EQ(conv->last_message_preview, "[media]");

  // A late-arriving older message counts but does not become the latest.
  auto late = webhook("SM0:received", "inbound", kT0 + 30);
  late.inbound = inbound_msg(kAcctA, kT0 + 5, "older");
  ASSERT_TRUE(store_->webhooks().ingest(late).ok());
  conv = unwrap(store_->conversations().get_conversation(kAcctA, got.conversation_id));
  EXPECT_EQ(conv->unread_count, 2);
  EXPECT_EQ(conv->last_message_id, reply.id);
  EXPECT_EQ(conv->last_message_at, kT0 + 20);
}

TEST_P(WebhookRepositoryTest, ReplayedWebhookIsStoredOnce) {
  auto first = webhook("SM1:received", "inbound", kT0);
  first.inbound = inbound_msg(kAcctA, kT0, "hi");
  ASSERT_FALSE(store_->webhooks().ingest(first).value().duplicate);
  auto again = webhook("SM1:received", "inbound", kT0 + 1000);
  again.inbound = inbound_msg(kAcctA, kT0 + 1000, "hi");
  auto r = store_->webhooks().ingest(again);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->duplicate);
  EXPECT_FALSE(r->inbound.has_value());
  MessageFilter f;
  f.account = kAcctA;
  EXPECT_EQ(unwrap(store_->messages().list(f)).size(), 1u);
  // The same key from another connector is another event.
  auto other = webhook("SM1:received", "inbound", kT0 + 2000, "tw2");
  other.inbound = inbound_msg(kAcctA, kT0 + 2000, "hi");
  EXPECT_FALSE(store_->webhooks().ingest(other).value().duplicate);
  EXPECT_EQ(unwrap(store_->messages().list(f)).size(), 2u);
  auto conv = unwrap(store_->conversations().list_conversations({kAcctA}));
  ASSERT_EQ(conv.size(), 1u);
  EXPECT_EQ(conv[0].unread_count, 2);
}

TEST_P(WebhookRepositoryTest, StatusBeforeTheProviderIdIsKnownIsKeptAndAppliedLater) {
  Message m = add(outbound(kAcctA, kT0));
  ASSERT_EQ(claim(kT0).size(), 1u);
  // The provider's `delivered` races the send response that names its id.
  auto early = webhook("SMx:delivered", "status", kT0 + 5);
  early.statuses = {report("SMx", Status::kDelivered, kT0 + 5, "delivered")};
  auto r = store_->webhooks().ingest(early);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->statuses.size(), 1u);
  EXPECT_FALSE(r->statuses[0].found);
  EXPECT_TRUE(store_->status().match_orphans().value().empty());  // still unknown

  Transition sent;
  sent.message_id = m.id;
  sent.to = Status::kSent;
  sent.at = kT0 + 6;
  sent.provider_message_id = "SMx";
  sent.connector = "tw";
  ASSERT_TRUE(apply1(sent).applied);
  auto matched = store_->status().match_orphans();
  ASSERT_TRUE(matched.ok());
  ASSERT_EQ(matched->size(), 1u);
  EXPECT_TRUE((*matched)[0].applied);
  EXPECT_EQ(get(m.id).status, Status::kDelivered);
  EXPECT_TRUE(store_->status().match_orphans().value().empty());  // applied once

  // A late `sent` after `delivered` is recorded, not applied.
  auto late = webhook("SMx:sent", "status", kT0 + 7);
  late.statuses = {report("SMx", Status::kSent, kT0 + 7, "sent")};
  r = store_->webhooks().ingest(late);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->statuses[0].found);
  EXPECT_FALSE(r->statuses[0].applied);
  EXPECT_EQ(get(m.id).status, Status::kDelivered);
  auto events = unwrap(store_->status().list_events(m.id));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().provider_status, "sent");
  EXPECT_FALSE(events.back().applied);
  EXPECT_EQ(events.back().raw_payload, "Body=raw+SMx:sent");
}

TEST_P(WebhookRepositoryTest, ABatchIsDeduplicatedWithinItselfAndAppliesItsReportsInOrder) {
  Message m = add(outbound(kAcctA, kT0));
  ASSERT_EQ(claim(kT0).size(), 1u);
  Transition sent;
  sent.message_id = m.id;
  sent.to = Status::kSent;
  sent.at = kT0 + 1;
  sent.provider_message_id = "SMb";
  sent.connector = "tw";
  ASSERT_TRUE(apply1(sent).applied);

  // One group commit's batch: two reports for one message, an inbound message, a replay of the
  // first report inside the same batch, and a report for an id nobody knows yet.
  std::vector<WebhookIngest> batch;
  batch.push_back(webhook("SMb:sent", "status", kT0 + 2));
  batch.back().statuses = {report("SMb", Status::kSent, kT0 + 2, "sent")};
  batch.push_back(webhook("SM9:received", "inbound", kT0 + 3));
  batch.back().inbound = inbound_msg(kAcctA, kT0 + 3, "in the same batch");
  batch.push_back(webhook("SMb:sent", "status", kT0 + 4));
  batch.back().statuses = {report("SMb", Status::kSent, kT0 + 4, "sent")};
  batch.push_back(webhook("SMb:delivered", "status", kT0 + 5));
  batch.back().statuses = {report("SMb", Status::kDelivered, kT0 + 5, "delivered")};
  batch.push_back(webhook("SMnobody:delivered", "status", kT0 + 6));
  batch.back().statuses = {report("SMnobody", Status::kDelivered, kT0 + 6, "delivered")};
  auto r = store_->webhooks().ingest(batch, Commit::kDeferred);
  ASSERT_TRUE(r.ok()) << r.error().message;
  store_->webhooks().sync_deferred();
  ASSERT_EQ(r->size(), 5u);
  EXPECT_FALSE((*r)[0].duplicate);
  ASSERT_EQ((*r)[0].statuses.size(), 1u);
  EXPECT_TRUE((*r)[0].statuses[0].found);
  EXPECT_FALSE((*r)[0].statuses[0].applied);  // already sent
  EXPECT_FALSE((*r)[1].duplicate);
  ASSERT_TRUE((*r)[1].inbound.has_value());
  EXPECT_TRUE((*r)[2].duplicate);
  EXPECT_TRUE((*r)[2].statuses.empty());
  ASSERT_EQ((*r)[3].statuses.size(), 1u);
  EXPECT_TRUE((*r)[3].statuses[0].applied);
  EXPECT_EQ((*r)[3].statuses[0].message_id, m.id);
  EXPECT_EQ((*r)[3].statuses[0].status, Status::kDelivered);
  ASSERT_EQ((*r)[4].statuses.size(), 1u);
  EXPECT_TRUE((*r)[4].statuses[0].orphaned);

  EXPECT_EQ(get(m.id).status, Status::kDelivered);
  EXPECT_EQ(get((*r)[1].inbound->id).status, Status::kReceived);
  // Each report's event keeps its own webhook's raw payload.
  auto events = unwrap(store_->status().list_events(m.id));
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2].raw_payload, "Body=raw+SMb:sent");
  EXPECT_EQ(events.back().raw_payload, "Body=raw+SMb:delivered");
  EXPECT_TRUE(events.back().applied);

  // A replay in a later batch is still a duplicate.
  auto again = webhook("SMb:delivered", "status", kT0 + 7);
  again.statuses = {report("SMb", Status::kDelivered, kT0 + 7, "delivered")};
  EXPECT_TRUE(store_->webhooks().ingest(again).value().duplicate);
}

TEST_P(WebhookRepositoryTest, UnroutedInboundIsKeptForAnOperator) {
  EXPECT_EQ(unwrap(store_->webhooks().count_unrouted()), 0);
  auto in = webhook("SM9:received", "unrouted", kT0);
  in.unrouted = UnroutedInbound{"unr_1", kTheirs, "+15559999999", "who is this", {}, "SM9"};
  ASSERT_TRUE(store_->webhooks().ingest(in).ok());
  ASSERT_TRUE(store_->webhooks().ingest(in).value().duplicate);
  EXPECT_EQ(unwrap(store_->webhooks().count_unrouted()), 1);
}

TEST_P(WebhookRepositoryTest, ConcatenatedSmsPartsKeepTheirPlaceInTheMessage) {
  for (int seq : {2, 1}) {
    auto w = webhook("part-" + std::to_string(seq), "part", kT0 + seq);
    InboundPart p;
    p.key = "+15550001:+15550002:7:2";
    p.seq = seq;
    p.total = 2;
    p.message = inbound_msg(kAcctA, kT0 + seq, seq == 1 ? "Hello " : "world", kTheirs, "");
    w.part = p;
    ASSERT_TRUE(store_->webhooks().ingest(w).ok());
  }
  auto parts = unwrap(another_instance().webhooks().list_parts());
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].seq, 1);  // oldest first: part 1 was received first here
  EXPECT_EQ(parts[0].total, 2);
  EXPECT_EQ(parts[1].seq, 2);
  EXPECT_FALSE(parts[0].text_part);
  EXPECT_EQ(parts[1].message.body, "world");
}

TEST_P(WebhookRepositoryTest, SplitMmsPartsAreBufferedAndCompletedOnce) {
  auto text = webhook("hash-1", "mms_part", kT0);
  InboundPart p1;
  p1.key = "a:b:c";
  p1.text_part = true;
  p1.message = inbound_msg(kAcctA, kT0, "look at this", kTheirs, "hash-1");
  text.part = p1;
  ASSERT_TRUE(store_->webhooks().ingest(text).ok());
  auto image = webhook("hash-2", "mms_part", kT0 + 100);
  InboundPart p2;
  p2.key = "a:b:c";
  p2.message = inbound_msg(kAcctA, kT0 + 100, "", kTheirs, "hash-2");
  p2.message.media = {{"https://vmu.example/img.jpg", "image/jpeg", 99}};
  p2.message.media_urls = {"https://vmu.example/img.jpg"};
  image.part = p2;
  ASSERT_TRUE(store_->webhooks().ingest(image).ok());
  ASSERT_TRUE(store_->webhooks().ingest(image).value().duplicate);

  // A second instance sees the same buffer (it is durable, not in memory).
  auto parts = unwrap(another_instance().webhooks().list_parts());
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(parts[0].text_part);
  EXPECT_EQ(parts[0].key, "a:b:c");
  EXPECT_EQ(parts[0].message.body, "look at this");
  EXPECT_EQ(parts[1].message.media.at(0).url, "https://vmu.example/img.jpg");

  Message merged = parts[0].message;
  merged.media = parts[1].message.media;
  merged.media_urls = parts[1].message.media_urls;
  std::vector<Message> out{merged};
  auto done = store_->webhooks().complete_part_group({parts[0].id, parts[1].id}, out);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(*done);
  std::vector<Message> again{merged};
  again[0].id = new_id("msg_", kT0 + 200);
  auto twice = store_->webhooks().complete_part_group({parts[0].id, parts[1].id}, again);
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(*twice);
  EXPECT_TRUE(unwrap(store_->webhooks().list_parts()).empty());
  Message got = get(merged.id);
  EXPECT_EQ(got.body, "look at this");
  EXPECT_EQ(got.media_urls, std::vector<std::string>{"https://vmu.example/img.jpg"});
  MessageFilter f;
  f.account = kAcctA;
  EXPECT_EQ(unwrap(store_->messages().list(f)).size(), 1u);
}

TEST_P(WebhookRepositoryTest, PruneDropsOldRawPayloadsOnly) {
  auto old_in = webhook("old", "inbound", kT0);
  old_in.inbound = inbound_msg(kAcctA, kT0, "old");
  ASSERT_TRUE(store_->webhooks().ingest(old_in).ok());
  auto new_in = webhook("new", "inbound", kT0 + 10'000);
  new_in.inbound = inbound_msg(kAcctA, kT0 + 10'000, "new");
  ASSERT_TRUE(store_->webhooks().ingest(new_in).ok());
  EXPECT_EQ(store_->webhooks().prune(kT0 + 5'000).value(), 1);
  EXPECT_EQ(unwrap(store_->status().list_events(old_in.inbound->id)).at(0).raw_payload, "");
  EXPECT_EQ(unwrap(store_->status().list_events(new_in.inbound->id)).at(0).raw_payload,
            "Body=raw+new");
  // Still a duplicate after pruning: the dedupe record stays.
  EXPECT_TRUE(store_->webhooks().ingest(old_in).value().duplicate);
}

TEST_P(WebhookRepositoryTest, InboundToAForwardingNumberQueuesAForwardWithTheMessage) {
  ASSERT_TRUE(store_->accounts()
                  .sync_numbers({{kOurs, kAcctA, "tw", true, true, "long_code"},
                                 {"+15550000009", kAcctA, "tw", true, true, "long_code"}},
                                kT0)
                  .ok());
  ASSERT_TRUE(
      store_->accounts()
          .update_number_settings(kAcctA, kOurs, forward_to("https://app.example/in", "GET"), kT0)
          .ok());

  auto in = webhook("SM1:received", "inbound", kT0 + 10);
  in.inbound = inbound_msg(kAcctA, kT0 + 10, "forward me");
  auto stored = store_->webhooks().ingest(in);
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->forward_queued) << "the result says so: the forward sender is woken";
  auto ds = unwrap(store_->deliveries().list(in.inbound->id));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind, "forward");
  EXPECT_EQ(ds[0].account, kAcctA);
  EXPECT_EQ(ds[0].url, "https://app.example/in");
  EXPECT_EQ(ds[0].method, "GET");
  EXPECT_EQ(ds[0].state, "pending");
  EXPECT_EQ(ds[0].payload, "") << "built at attempt time, from the message as it is then";
  EXPECT_EQ(ds[0].created_at, kT0 + 10);

  // A provider's retry of the webhook queues nothing more.
  ASSERT_TRUE(store_->webhooks().ingest(in).value().duplicate);
  EXPECT_EQ(unwrap(store_->deliveries().list(in.inbound->id)).size(), 1u);

  // Another number of the account, without forwarding: nothing queued.
  auto plain = webhook("SM2:received", "inbound", kT0 + 11);
  plain.inbound = inbound_msg(kAcctA, kT0 + 11, "no forward");
  plain.inbound->to = "+15550000009";
  auto plain_stored = store_->webhooks().ingest(plain);
  ASSERT_TRUE(plain_stored.ok());
  EXPECT_FALSE(plain_stored->forward_queued) << "nothing to wake the forward sender for";
  EXPECT_TRUE(unwrap(store_->deliveries().list(plain.inbound->id)).empty());

  // A split MMS completed later is forwarded too.
  Message mms = inbound_msg(kAcctA, kT0 + 12, "picture");
  std::vector<Message> group{mms};
  ASSERT_TRUE(store_->webhooks().complete_part_group({}, group).value());
  ds = unwrap(store_->deliveries().list(mms.id));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind, "forward");

  // Claimed like a status callback, with its method.
  auto claimed = claim_deliveries(kT0 + 20);
  ASSERT_EQ(claimed.size(), 2u);
  for (const auto& d : claimed) {
    EXPECT_EQ(d.kind, "forward");
    EXPECT_EQ(d.method, "GET");
    EXPECT_EQ(d.attempts, 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, WebhookRepositoryTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace sb::store
