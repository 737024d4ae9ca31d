// ConversationRepository: threads (created as messages are stored), their counters, and contacts;
// every test runs on SQLite and PostgreSQL (store_test_fixture.h).
#include "store_test_fixture.h"

namespace sb::store {
namespace {

class ConversationRepositoryTest : public StoreContractTest {};

TEST_P(ConversationRepositoryTest, ConversationsListNewestActivityFirstWithFiltersAndCursor) {
  for (int i = 0; i < 5; ++i) {
    auto in = webhook(std::string("k").append(std::to_string(i)), "inbound", kT0 + i);
    in.inbound = inbound_msg(kAcctA, kT0 + 100 * i, std::string("m").append(std::to_string(i)),
                             std::string("+1555000010").append(std::to_string(i)));
    ASSERT_TRUE(store_->webhooks().ingest(in).ok());
  }
  auto other = webhook("kb", "inbound", kT0);
  other.inbound = inbound_msg(kAcctB, kT0 + 1000, "b");
  ASSERT_TRUE(store_->webhooks().ingest(other).ok());

  ConversationFilter f;
  f.account = kAcctA;
  f.limit = 2;
  auto page1 = unwrap(store_->conversations().list_conversations(f));
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_EQ(page1[0].last_message_preview, "m4");
  EXPECT_EQ(page1[1].last_message_preview, "m3");
  f.before = std::make_pair(page1[1].last_message_at, page1[1].id);
  f.limit = 10;
  auto rest = unwrap(store_->conversations().list_conversations(f));
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].last_message_preview, "m2");
  EXPECT_EQ(rest[2].last_message_preview, "m0");

  ConversationFilter by_contact;
  by_contact.account = kAcctA;
  by_contact.contact_id = rest[0].contact.id;
  ASSERT_EQ(unwrap(store_->conversations().list_conversations(by_contact)).size(), 1u);
  ConversationFilter by_number;
  by_number.account = kAcctA;
  by_number.our_number = "+19999999999";
  EXPECT_TRUE(unwrap(store_->conversations().list_conversations(by_number)).empty());
  ConversationFilter b;
  b.account = kAcctB;
  EXPECT_EQ(unwrap(store_->conversations().list_conversations(b)).size(), 1u);

  // Messages of one conversation, oldest first, paged forward.
  for (int i = 0; i < 3; ++i) {
    Message m = outbound(kAcctA, kT0 + 1000 + i);
    m.to = "+15550000104";
    add(m);
  }
  MessageFilter mf;
  mf.account = kAcctA;
  mf.conversation_id = page1[0].id;
  mf.oldest_first = true;
  mf.limit = 2;
  auto msgs = unwrap(store_->messages().list(mf));
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].body, "m4");
  EXPECT_LT(msgs[0].id, msgs[1].id);
  mf.after_id = msgs[1].id;
  auto more = unwrap(store_->messages().list(mf));
  ASSERT_EQ(more.size(), 2u);
  EXPECT_LT(msgs[1].id, more[0].id);
  mf.account = kAcctB;  // tenant isolation
  mf.after_id.reset();
  EXPECT_TRUE(unwrap(store_->messages().list(mf)).empty());
}

TEST_P(ConversationRepositoryTest, ConversationCountsStayExactUnderConcurrentTraffic) {
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<Store*> stores{store_.get(), &another_instance(), store_.get(), &another_instance()};
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const TimeMs at = kT0 + t * 1000 + i;
        if (t % 2 == 0) {
          auto in = webhook(
              std::string("t").append(std::to_string(t)).append("-").append(std::to_string(i)),
              "inbound", at);
          in.inbound = inbound_msg(kAcctA, at, "in");
          if (!stores[t]->webhooks().ingest(in).ok()) failures++;
        } else {
          std::vector<NewMessage> batch{{outbound(kAcctA, at), {event(Status::kQueued, at)}}};
          if (!stores[t]->messages().insert(batch).ok()) failures++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto convs = unwrap(store_->conversations().list_conversations({kAcctA}));
  ASSERT_EQ(convs.size(), 1u);
  EXPECT_EQ(convs[0].inbound_count, 2 * kEach);
  EXPECT_EQ(convs[0].outbound_count, 2 * kEach);
  EXPECT_EQ(convs[0].unread_count, 2 * kEach);
}

// The first messages of a new conversation with a known contact, written at the same moment by
// several instances: each transaction inserts the conversation row, and on PostgreSQL all but
// one must turn that into an update. ON CONFLICT arbitrates one unique index only; with a second
// unique index on the same row (the pair, beside the id derived from it) a writer could fail
// with a duplicate key on the other one. (A new contact would serialize them: its insert waits
// for the first.) Many rounds, each a new recipient, released together by a barrier.
TEST_P(ConversationRepositoryTest, InstancesStartingTheSameConversationTogetherAllSucceed) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 60;
  const auto recipient = [](int r) { return "+1555100" + std::to_string(1000 + r); };
  for (int r = 0; r < kRounds; ++r) {  // each contact known through another number of ours
    Message m = outbound(kAcctA, kT0);
    m.from = "+15550000003";
    m.to = recipient(r);
    std::vector<NewMessage> batch{{m, {event(Status::kQueued, m.created_at)}}};
    ASSERT_TRUE(store_->messages().insert(batch).ok());
  }
  std::vector<Store*> stores{store_.get(), &another_instance(), store_.get(), &another_instance()};
  std::barrier start(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        Message m = outbound(kAcctA, kT0 + 1 + r);
        m.to = recipient(r);
        std::vector<NewMessage> batch{{m, {event(Status::kQueued, m.created_at)}}};
        start.arrive_and_wait();
        auto res = stores[t]->messages().insert(batch);
        if (!res.ok()) {
          ADD_FAILURE() << "round " << r << ": " << res.error().message;
          failures++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  ConversationFilter all{kAcctA};
  all.our_number = "+15550000001";
  all.limit = kRounds + 1;
  auto convs = unwrap(store_->conversations().list_conversations(all));
  ASSERT_EQ(convs.size(), static_cast<size_t>(kRounds));
  for (const auto& c : convs) EXPECT_EQ(c.outbound_count, kThreads);
}

// A batch spanning several multi-row chunks (64 + 16 + 4 + 1 + 1 = 86 rows), mixing keyed and
// unkeyed messages, threads every message exactly once: per-conversation counts, the last
// message by time (the later one in the batch on a tie), one contact per number.
TEST_P(ConversationRepositoryTest, BigMixedBatchThreadsEveryMessageOnce) {
  std::vector<NewMessage> batch;
  std::map<std::string, int> per_recipient;
  for (int i = 0; i < 86; ++i) {
    Message m = outbound(kAcctA, kT0 + (i % 40));  // times repeat: ties inside the batch
    m.to = std::string("+1555000020").append(std::to_string(i % 7));
    m.body = std::string("b").append(std::to_string(i));
    if (i % 3 == 0) {
      m.idempotency_key = m.body;  // unique per message
      m.request_hash = m.body;
    }
    per_recipient[m.to]++;
    batch.push_back({m, {event(Status::kQueued, m.created_at)}});
  }
  // The expected last message of each conversation: the greatest time, later index on ties.
  std::map<std::string, std::pair<TimeMs, std::string>> last;
  for (const auto& nm : batch) {
    auto& l = last[nm.message.to];
    if (nm.message.created_at >= l.first) l = {nm.message.created_at, nm.message.body};
  }
  auto r = store_->messages().insert(batch);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 86u);
  for (size_t i = 0; i < r->size(); ++i) {
    EXPECT_EQ((*r)[i].kind, InsertKind::kCreated);
    EXPECT_EQ((*r)[i].message.id, batch[i].message.id);
    EXPECT_EQ(unwrap(store_->status().list_events(batch[i].message.id)).size(), 1u) << i;
  }
  ConversationFilter f;
  f.account = kAcctA;
  f.limit = 100;
  auto convs = unwrap(store_->conversations().list_conversations(f));
  ASSERT_EQ(convs.size(), 7u);
  for (const auto& c : convs) {
    EXPECT_EQ(c.outbound_count, per_recipient[c.contact.number]) << c.contact.number;
    EXPECT_EQ(c.inbound_count, 0);
    EXPECT_EQ(c.unread_count, 0);
    EXPECT_EQ(c.last_message_at, last[c.contact.number].first);
    EXPECT_EQ(c.last_message_preview, last[c.contact.number].second) << c.contact.number;
    EXPECT_EQ(c.contact.name, "Unknown");
  }
  // A second batch to the same numbers adds to the same threads.
  std::vector<NewMessage> again;
  for (int i = 0; i < 7; ++i) {
    Message m = outbound(kAcctA, kT0 + 5000);
    m.to = std::string("+1555000020").append(std::to_string(i));
    m.body = "again";
    again.push_back({m, {event(Status::kQueued, m.created_at)}});
  }
  ASSERT_TRUE(store_->messages().insert(again).ok());
  convs = unwrap(store_->conversations().list_conversations(f));
  ASSERT_EQ(convs.size(), 7u);
  for (const auto& c : convs) {
    EXPECT_EQ(c.outbound_count, per_recipient[c.contact.number] + 1);
    EXPECT_EQ(c.last_message_preview, "again");
  }
}

// A number whose conversations setting is "inbound" (Message::start_conversation false): its
// messages start no contact or conversation, but join one that the other party started.
TEST_P(ConversationRepositoryTest, JoinOnlyMessagesStartNoConversationButJoinAnExistingOne) {
  const auto conversations = [&] {
    ConversationFilter f;
    f.account = kAcctA;
    return unwrap(store_->conversations().list_conversations(f));
  };
  // In one batch: a join-only message, and an ordinary one to someone else.
  Message notify = outbound(kAcctA, kT0 + 10);
  notify.start_conversation = false;
  Message ordinary = outbound(kAcctA, kT0 + 11);
  ordinary.to = "+15550000003";
  insert({NewMessage{notify, {event(Status::kQueued, kT0 + 10)}},
          NewMessage{ordinary, {event(Status::kQueued, kT0 + 11)}}});
  EXPECT_EQ(get(notify.id).conversation_id, "");
  EXPECT_FALSE(unwrap(store_->conversations().find_contact(kAcctA, kTheirs)).has_value());
  const std::string ordinary_conv = get(ordinary.id).conversation_id;
  EXPECT_FALSE(ordinary_conv.empty());
  ASSERT_EQ(conversations().size(), 1u);
  EXPECT_EQ(conversations()[0].id, ordinary_conv);

  // The other party writes in: now there is a conversation to join.
  auto in = webhook("SM9:received", "inbound", kT0 + 20);
  in.inbound = inbound_msg(kAcctA, kT0 + 20, "what is this code for?");
  auto r = store_->webhooks().ingest(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::string conv = r->inbound->conversation_id;
  ASSERT_FALSE(conv.empty());

  // Join-only messages join it: with and without an idempotency key (two insert paths).
  Message answer = outbound(kAcctA, kT0 + 30);
  answer.start_conversation = false;
  add(answer);
  Message keyed = outbound(kAcctA, kT0 + 40);
  keyed.start_conversation = false;
  keyed.idempotency_key = "join-1";
  keyed.request_hash = "h1";
  add(keyed);
  EXPECT_EQ(get(answer.id).conversation_id, conv);
  EXPECT_EQ(get(keyed.id).conversation_id, conv);
  auto c = unwrap(store_->conversations().get_conversation(kAcctA, conv));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->inbound_count, 1);
  EXPECT_EQ(c->outbound_count, 2)
      << "the message sent before the conversation existed is not in it";
  EXPECT_EQ(c->last_message_id, keyed.id);
  MessageFilter mf;
  mf.account = kAcctA;
  mf.conversation_id = conv;
  EXPECT_EQ(unwrap(store_->messages().list(mf)).size(), 3u);
  EXPECT_EQ(conversations().size(), 2u);
}

TEST_P(ConversationRepositoryTest, MarkConversationReadZeroesUnreadOnlyInItsAccount) {
  for (int i = 0; i < 3; ++i) {
    auto in = webhook("r" + std::to_string(i), "inbound", kT0 + i);
    in.inbound = inbound_msg(kAcctA, kT0 + i, "hi");
    ASSERT_TRUE(store_->webhooks().ingest(in).ok());
  }
  auto convs = unwrap(store_->conversations().list_conversations({kAcctA}));
  ASSERT_EQ(convs.size(), 1u);
  ASSERT_EQ(convs[0].unread_count, 3);
  auto other = store_->conversations().mark_conversation_read(kAcctB, convs[0].id);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  auto r = store_->conversations().mark_conversation_read(kAcctA, convs[0].id);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->unread_count, 0);
  EXPECT_EQ((*r)->inbound_count, 3);
  auto in = webhook("r9", "inbound", kT0 + 9);
  in.inbound = inbound_msg(kAcctA, kT0 + 9, "more");
  ASSERT_TRUE(store_->webhooks().ingest(in).ok());
  EXPECT_EQ(unwrap(store_->conversations().get_conversation(kAcctA, convs[0].id))->unread_count, 1);
  EXPECT_FALSE(store_->conversations().mark_conversation_read(kAcctA, "conv_nope")->has_value());
}

Contact contact(const std::string& account, const std::string& number, const std::string& name,
                TimeMs at = kT0) {
  Contact c;
  c.account = account;
  c.number = number;
  c.name = name;
  c.created_at = c.updated_at = at;
  return c;
}

TEST_P(ConversationRepositoryTest, ContactsAreCreatedOncePerNumberWithTheThreadingId) {
  Contact ada = contact(kAcctA, "+15550000002", "Ada Lovelace");
  ada.metadata = {{"crm", "42"}};
  auto r = store_->conversations().create_contact(ada);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->created);
  EXPECT_EQ(r->contact.name, "Ada Lovelace");
  EXPECT_EQ(r->contact.metadata, ada.metadata);
  EXPECT_EQ(r->contact.created_at, kT0);
  const std::string id = r->contact.id;
  EXPECT_EQ(id.rfind("ct_", 0), 0u);

  auto again = store_->conversations().create_contact(
      contact(kAcctA, "+15550000002", "Someone else", kT0 + 5));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->contact.id, id);
  EXPECT_EQ(again->contact.name, "Ada Lovelace") << "the existing contact is unchanged";

  // Another account has its own contact for the same number, and cannot read ours.
  auto theirs = store_->conversations().create_contact(contact(kAcctB, "+15550000002", "B's Ada"));
  ASSERT_TRUE(theirs.ok());
  EXPECT_TRUE(theirs->created);
  EXPECT_NE(theirs->contact.id, id);
  EXPECT_FALSE(unwrap(store_->conversations().get_contact(kAcctB, id)).has_value());
  ASSERT_TRUE(unwrap(store_->conversations().get_contact(kAcctA, id)).has_value());

  // Outbound traffic to the number threads under the same contact (the id is derived), keeping
  // its name.
  Message m = add(outbound(kAcctA, kT0 + 10));
  auto conv = unwrap(store_->conversations().get_conversation(kAcctA, get(m.id).conversation_id));
  ASSERT_TRUE(conv.has_value());
  EXPECT_EQ(conv->contact.id, id);
  EXPECT_EQ(conv->contact.name, "Ada Lovelace");
  EXPECT_EQ(unwrap(store_->conversations().find_contact(kAcctA, "+15550000002"))->id, id);
}

TEST_P(ConversationRepositoryTest, ContactsListByNameKeyAndSearchByNamePrefixOrNumberPrefix) {
  const std::vector<std::pair<std::string, std::string>> people = {{"+15550000011", "bob"},
                                                                   {"+15550000012", "Alice"},
                                                                   {"+15550000013", "ALBERT"},
                                                                   {"+15550000021", "Zoe 50%_off"},
                                                                   {"+447700900123", "alfred"}};
  for (const auto& [number, name] : people) {
    ASSERT_TRUE(store_->conversations().create_contact(contact(kAcctA, number, name))->created);
  }
  ASSERT_TRUE(
      store_->conversations().create_contact(contact(kAcctB, "+15550000099", "Alan"))->created);

  ContactFilter all;
  all.account = kAcctA;
  auto rows = unwrap(store_->conversations().list_contacts(all));
  std::vector<std::string> names;
  for (const auto& c : rows) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"ALBERT", "alfred", "Alice", "bob", "Zoe 50%_off"}));

  // Pages continue strictly after (name key, id).
  all.limit = 2;
  auto page1 = unwrap(store_->conversations().list_contacts(all));
  ASSERT_EQ(page1.size(), 2u);
  all.after = std::make_pair(contact_name_key(page1[1].name), page1[1].id);
  all.limit = 10;
  auto page2 = unwrap(store_->conversations().list_contacts(all));
  ASSERT_EQ(page2.size(), 3u);
  EXPECT_EQ(page2[0].name, "Alice");

  const auto search = [&](std::optional<std::string> name, std::optional<std::string> number) {
    ContactFilter f;
    f.account = kAcctA;
    f.name_prefix = std::move(name);
    f.number_prefix = std::move(number);
    std::vector<std::string> out;
    for (const auto& c : unwrap(store_->conversations().list_contacts(f))) out.push_back(c.name);
    return out;
  };
  EXPECT_EQ(search("al", std::nullopt), (std::vector<std::string>{"ALBERT", "alfred", "Alice"}));
  EXPECT_EQ(search("ALI", std::nullopt), (std::vector<std::string>{"Alice"}));
  EXPECT_EQ(search("lice", std::nullopt), std::vector<std::string>{}) << "prefix, not substring";
  EXPECT_EQ(search("zoe 50%_", std::nullopt), (std::vector<std::string>{"Zoe 50%_off"}));
  EXPECT_EQ(search("zoe 50_", std::nullopt), std::vector<std::string>{})
      << "LIKE wildcards in the query are literal";
  EXPECT_EQ(search(std::nullopt, "+1555000001"),
            (std::vector<std::string>{"ALBERT", "Alice", "bob"}));
  EXPECT_EQ(search("+44", "+44"), (std::vector<std::string>{"alfred"}));
  EXPECT_EQ(search("Alan", std::nullopt), std::vector<std::string>{}) << "other account's";
}

TEST_P(ConversationRepositoryTest, ConversationsSearchByContactNamePrefixOrNumberDigits) {
  const std::vector<std::pair<std::string, std::string>> people = {
      {"+15550000101", "Maria Lopez"}, {"+15550000102", "mark 100%"}, {"+15550000203", "Dev"}};
  int i = 0;
  for (const auto& [number, name] : people) {
    ASSERT_TRUE(store_->conversations().create_contact(contact(kAcctA, number, name))->created);
    auto in = webhook("s" + std::to_string(i), "inbound", kT0 + i);
    in.inbound = inbound_msg(kAcctA, kT0 + 100 * i, "hello " + name, number);
    ASSERT_TRUE(store_->webhooks().ingest(in).ok());
    ++i;
  }
  auto other = webhook("sb", "inbound", kT0);
  other.inbound = inbound_msg(kAcctB, kT0 + 1000, "b", "+15550000101");
  ASSERT_TRUE(store_->webhooks().ingest(other).ok());

  const auto search = [&](const std::string& q) {
    ConversationFilter f;
    f.account = kAcctA;
    f.search = q;
    std::vector<std::string> out;
    for (const auto& v : unwrap(store_->conversations().list_conversations(f))) {
      out.push_back(v.contact.name);
    }
    return out;
  };
  EXPECT_EQ(search("ma"), (std::vector<std::string>{"mark 100%", "Maria Lopez"}));
  EXPECT_EQ(search("MARI"), (std::vector<std::string>{"Maria Lopez"}));
  EXPECT_EQ(search("lopez"), std::vector<std::string>{}) << "a name from its start";
  EXPECT_EQ(search("0203"), (std::vector<std::string>{"Dev"})) << "digits anywhere in the number";
  EXPECT_EQ(search("(555) 000-01"), (std::vector<std::string>{"mark 100%", "Maria Lopez"}));
  EXPECT_EQ(search("mark 100%"), (std::vector<std::string>{"mark 100%"}));
  EXPECT_EQ(search("mark 1_0"), std::vector<std::string>{}) << "LIKE wildcards are literal";
  EXPECT_EQ(search("0_01"), std::vector<std::string>{}) << "not phone-like: a name, and none is";
  EXPECT_EQ(search("nobody"), std::vector<std::string>{});
  EXPECT_EQ(search("").size(), 3u);
}

TEST_P(ConversationRepositoryTest, ContactUpdateChangesNameAndMetadataOnlyInItsAccount) {
  const std::string id =
      store_->conversations().create_contact(contact(kAcctA, "+15550000002", "Ada"))->contact.id;
  auto none = store_->conversations().update_contact(kAcctB, id, std::string("Mallory"),
                                                     std::nullopt, kT0 + 1);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto renamed = store_->conversations().update_contact(kAcctA, id, std::string("Ada L."),
                                                        std::nullopt, kT0 + 2);
  ASSERT_TRUE(renamed.ok());
  ASSERT_TRUE(renamed->has_value());
  EXPECT_EQ((*renamed)->name, "Ada L.");
  EXPECT_EQ((*renamed)->updated_at, kT0 + 2);
  EXPECT_EQ((*renamed)->created_at, kT0);
  auto tagged = store_->conversations().update_contact(kAcctA, id, std::nullopt,
                                                       Metadata{{"vip", "yes"}}, kT0 + 3);
  ASSERT_TRUE(tagged.ok() && tagged->has_value());
  EXPECT_EQ((*tagged)->name, "Ada L.");
  EXPECT_EQ((*tagged)->metadata, (Metadata{{"vip", "yes"}}));
  ContactFilter f;
  f.account = kAcctA;
  f.name_prefix = "ada l";
  EXPECT_EQ(unwrap(store_->conversations().list_contacts(f)).size(), 1u)
      << "the search key follows the name";
}

TEST_P(ConversationRepositoryTest, DeletedContactLeavesItsThreadsAndComesBackAsUnknown) {
  const std::string id =
      store_->conversations().create_contact(contact(kAcctA, kTheirs, "Ada"))->contact.id;
  auto in = webhook("d1", "inbound", kT0 + 1);
  in.inbound = inbound_msg(kAcctA, kT0 + 1, "hi");
  auto stored = store_->webhooks().ingest(in);
  ASSERT_TRUE(stored.ok());
  const std::string conv = stored->inbound->conversation_id;
  ASSERT_TRUE(unwrap(store_->conversations().get_conversation(kAcctA, conv)).has_value());

  EXPECT_FALSE(*store_->conversations().delete_contact(kAcctB, id)) << "tenant isolated";
  EXPECT_TRUE(*store_->conversations().delete_contact(kAcctA, id));
  EXPECT_FALSE(*store_->conversations().delete_contact(kAcctA, id));
  EXPECT_FALSE(unwrap(store_->conversations().get_contact(kAcctA, id)).has_value());
  EXPECT_FALSE(unwrap(store_->conversations().get_conversation(kAcctA, conv)).has_value());
  EXPECT_EQ(get(in.inbound->id).conversation_id, "") << "the message stays, outside any thread";

  auto back = webhook("d2", "inbound", kT0 + 2);
  back.inbound = inbound_msg(kAcctA, kT0 + 2, "me again");
  ASSERT_TRUE(store_->webhooks().ingest(back).ok());
  auto c = unwrap(store_->conversations().get_contact(kAcctA, id));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->name, "Unknown");
  auto v = unwrap(store_->conversations().get_conversation(kAcctA, conv));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->inbound_count, 1);
  EXPECT_EQ(v->unread_count, 1);
  MessageFilter mf;
  mf.account = kAcctA;
  mf.conversation_id = conv;
  EXPECT_EQ(unwrap(store_->messages().list(mf)).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConversationRepositoryTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace sb::store
