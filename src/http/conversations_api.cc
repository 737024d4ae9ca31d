// /v1/conversations: the threads inbound and outbound messages are filed into.
#include "http/conversations_api.h"

#include <set>

#include "core/message_json.h"
#include "http/messages_api.h"
#include "http/api_util.h"
#include "http/contacts_api.h"

namespace sb::http {
namespace {

using nlohmann::json;

Error bad_cursor(const std::string& name) {
  return Error::make("invalid_parameter", name + " is not a cursor this API returned", name);
}

void list_conversations(engine::Services& s, Request& req, const std::string& account,
                        Reply reply) {
  ConversationFilter f;
  f.account = account;
  if (auto v = req.query_param("number")) f.our_number = *v;
  if (auto v = req.query_param("contact_id")) f.contact_id = *v;
  if (auto v = req.query_param("q")) f.search = *v;
  if (auto v = req.query_param("unread")) {
    if (*v != "true" && *v != "false") {
      return reply(Response::error(
          Error::make("invalid_parameter", "unread must be true or false", "unread")));
    }
    f.unread_only = *v == "true";
  }
  auto limit = limit_param(req);
  if (!limit) return reply(Response::error(limit.error()));
  if (auto v = req.query_param("cursor")) {
    // "<last_message_at ms>.<conversation id>"
    const auto dot = v->find('.');
    char* end = nullptr;
    const long long at = dot == std::string::npos ? 0 : std::strtoll(v->c_str(), &end, 10);
    if (dot == std::string::npos || end != v->c_str() + dot || dot + 1 >= v->size()) {
      return reply(Response::error(bad_cursor("cursor")));
    }
    f.before = std::make_pair(static_cast<TimeMs>(at), v->substr(dot + 1));
  }
  f.limit = *limit;
  auto page = s.conversations.list(std::move(f));
  if (!page) return reply(Response::error(page.error()));
  json data = json::array();
  for (const auto& v : page->items) data.push_back(to_json(v));
  json next = nullptr;
  if (page->more) {
    const auto& last = page->items.back();
    next = std::to_string(last.last_message_at) + "." + last.id;
  }
  reply(Response::json(200, {{"data", std::move(data)}, {"next_cursor", next}}));
}

// Oldest first (a chat view): `after` pages forward, `before` pages back from the newest.
void conversation_messages(engine::Services& s, Request& req, const std::string& account,
                           Reply reply) {
  auto limit = limit_param(req);
  if (!limit) return reply(Response::error(limit.error()));
  engine::ThreadCursor cursor{req.query_param("before"), req.query_param("after")};
  auto page = s.conversations.messages(account, req.params.at("id"), cursor, *limit);
  if (!page) return reply(Response::error(page.error()));
  const auto& rows = page->items;
  json data = json::array();
  for (const auto& m : rows) data.push_back(to_json(m));
  json out = {{"data", std::move(data)}};
  // Cursors to continue: older pages go `before` the first row, newer ones `after` the last.
  out["before_cursor"] = !rows.empty() && (cursor.before ? page->more : cursor.after.has_value())
                             ? json(rows.front().id)
                             : json(nullptr);
  out["after_cursor"] =
      !rows.empty() && (cursor.before || page->more) ? json(rows.back().id) : json(nullptr);
  reply(Response::json(200, out));
}

// A reply in the thread: from the conversation's number to its contact, sent as POST
// /v1/messages sends (validation, opt-outs and the durable outbox).
void reply_in_conversation(engine::Services& s, Request& req, const std::string& account,
                           Reply reply) {
  const std::string& id = req.params.at("id");
  auto body = json_body(req);
  if (!body) return reply(Response::error(body.error()));
  static const std::set<std::string> kKnown = {"body", "media_urls", "status_callback",
                                               "metadata"};
  for (const auto& [k, _] : body->items()) {
    if (!kKnown.count(k)) {
      return reply(Response::error(Error::make(
          "unknown_field",
          k == "to" || k == "from" || k == "contact_id"
              ? k + " is the conversation's own; a reply cannot set it"
              : "unknown field '" + k + "'",
          k)));
    }
  }
  auto v = s.conversations.get(account, id);
  if (!v) return reply(Response::error(v.error()));
  json request = *body;
  request["from"] = v->our_number;
  request["to"] = v->contact.number;
  auto parsed = parse_send_json(request, req);
  if (!parsed) return reply(Response::error(parsed.error()));
  s.messages.send(account, *parsed, send_reply(std::move(reply), account));
}

}  // namespace

void register_conversations_api(Router& router, engine::Services& s) {
  router.add("GET", "/v1/conversations",
             authed(s.gateway, kScopeConversations, [&s](Request& req, const std::string& a, Reply reply) {
               list_conversations(s, req, a, std::move(reply));
             }));
  router.add("GET", "/v1/conversations/{id}",
             authed(s.gateway, kScopeConversations, [&s](Request& req, const std::string& a, Reply reply) {
               auto v = s.conversations.get(a, req.params.at("id"));
               if (!v) return reply(Response::error(v.error()));
               reply(Response::json(200, to_json(*v)));
             }));
  router.add("GET", "/v1/conversations/{id}/messages",
             authed(s.gateway, kScopeConversations, [&s](Request& req, const std::string& a, Reply reply) {
               conversation_messages(s, req, a, std::move(reply));
             }));
  router.add("POST", "/v1/conversations/{id}/messages",
             authed(s.gateway, kScopeConversations | kScopeMessagesSend, [&s](Request& req, const std::string& a, Reply reply) {
               reply_in_conversation(s, req, a, std::move(reply));
             }));
  router.add("POST", "/v1/conversations/{id}/read",
             authed(s.gateway, kScopeConversations, [&s](Request& req, const std::string& a, Reply reply) {
               auto v = s.conversations.mark_read(a, req.params.at("id"));
               if (!v) return reply(Response::error(v.error()));
               reply(Response::json(200, to_json(*v)));
             }));
}

}  // namespace sb::http
