// /v1/conversations: the threads inbound and outbound messages are filed into.
#include "http/conversations_api.h"

#include <algorithm>
#include <set>

#include "core/ids.h"
#include "core/message_json.h"
#include "core/phone.h"
#include "http/api.h"
#include "http/api_util.h"
#include "http/contacts_api.h"

namespace sb::http {
namespace {

using nlohmann::json;

json conversation_json(const store::Conversation& v) {
  return {{"id", v.id},
          {"our_number", v.our_number},
          {"contact", contact_json(v.contact)},
          {"created_at", format_rfc3339(v.created_at)},
          {"last_message_at", format_rfc3339(v.last_message_at)},
          {"last_message_id", v.last_message_id},
          {"last_message_preview", v.last_message_preview},
          {"unread_count", v.unread_count},
          {"message_count", v.inbound_count + v.outbound_count},
          {"inbound_count", v.inbound_count},
          {"outbound_count", v.outbound_count}};
}

Error bad_cursor(const std::string& name) {
  return Error::make("invalid_parameter", name + " is not a cursor this API returned", name);
}

void list_conversations(engine::Gateway& gw, Request& req, const std::string& account,
                        Reply reply) {
  store::ConversationFilter f;
  f.account = account;
  if (auto v = req.query_param("number")) f.our_number = *v;
  if (auto v = req.query_param("contact_id")) f.contact_id = *v;
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
  f.limit = *limit + 1;
  auto rows = gw.store().list_conversations(f);
  json data = json::array();
  json next = nullptr;
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < *limit; ++i) {
    data.push_back(conversation_json(rows[i]));
  }
  if (static_cast<int>(rows.size()) > *limit) {
    const auto& last = rows[static_cast<size_t>(*limit) - 1];
    next = std::to_string(last.last_message_at) + "." + last.id;
  }
  reply(Response::json(200, {{"data", std::move(data)}, {"next_cursor", next}}));
}

// Oldest first (a chat view): `after` pages forward, `before` pages back from the newest.
void conversation_messages(engine::Gateway& gw, Request& req, const std::string& account,
                           Reply reply) {
  const std::string& id = req.params.at("id");
  if (!gw.store().get_conversation(account, id)) {
    return reply(Response::error(Error::make("not_found", "no conversation " + id, "id")));
  }
  auto limit = limit_param(req);
  if (!limit) return reply(Response::error(limit.error()));
  store::MessageFilter f;
  f.account = account;
  f.conversation_id = id;
  f.limit = *limit + 1;
  const auto before = req.query_param("before");
  const auto after = req.query_param("after");
  if (before && after) {
    return reply(Response::error(
        Error::make("invalid_parameter", "use either before or after, not both", "before")));
  }
  for (const auto* c : {&before, &after}) {
    if (*c && !is_valid_id(**c, "msg_")) {
      return reply(Response::error(bad_cursor(c == &before ? "before" : "after")));
    }
  }
  if (before) {
    f.before_id = *before;  // the page just older than `before`, read newest first
  } else {
    f.oldest_first = true;
    if (after) f.after_id = *after;
  }
  auto rows = gw.store().list_messages(f);
  const bool more = static_cast<int>(rows.size()) > *limit;
  if (more) rows.resize(static_cast<size_t>(*limit));
  if (before) std::reverse(rows.begin(), rows.end());
  json data = json::array();
  for (const auto& m : rows) data.push_back(to_json(m));
  json page = {{"data", std::move(data)}};
  // Cursors to continue: older pages go `before` the first row, newer ones `after` the last.
  page["before_cursor"] = !rows.empty() && (before ? more : after.has_value())
                              ? json(rows.front().id)
                              : json(nullptr);
  page["after_cursor"] = !rows.empty() && (before || more) ? json(rows.back().id) : json(nullptr);
  reply(Response::json(200, page));
}

// A reply in the thread: from the conversation's number to its contact, through Gateway::send
// (validation, opt-outs and the durable outbox as for POST /v1/messages).
void reply_in_conversation(engine::Gateway& gw, Request& req, const std::string& account,
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
  auto v = gw.store().get_conversation(account, id);
  if (!v) return reply(Response::error(Error::make("not_found", "no conversation " + id, "id")));
  json request = *body;
  request["from"] = v->our_number;
  request["to"] = v->contact.number;
  auto parsed = parse_send_json(request, req);
  if (!parsed) return reply(Response::error(parsed.error()));
  gw.send(account, *parsed, send_reply(std::move(reply), account));
}

}  // namespace

void register_conversations_api(Router& router, engine::Gateway& gw) {
  router.add("GET", "/v1/conversations", authed(gw, [&gw](Request& req, const std::string& a,
                                                          Reply reply) {
               list_conversations(gw, req, a, std::move(reply));
             }));
  router.add("GET", "/v1/conversations/{id}",
             authed(gw, [&gw](Request& req, const std::string& a, Reply reply) {
               auto v = gw.store().get_conversation(a, req.params.at("id"));
               if (!v) {
                 return reply(Response::error(Error::make(
                     "not_found", "no conversation " + req.params.at("id"), "id")));
               }
               reply(Response::json(200, conversation_json(*v)));
             }));
  router.add("GET", "/v1/conversations/{id}/messages",
             authed(gw, [&gw](Request& req, const std::string& a, Reply reply) {
               conversation_messages(gw, req, a, std::move(reply));
             }));
  router.add("POST", "/v1/conversations/{id}/messages",
             authed(gw, [&gw](Request& req, const std::string& a, Reply reply) {
               reply_in_conversation(gw, req, a, std::move(reply));
             }));
  router.add("POST", "/v1/conversations/{id}/read",
             authed(gw, [&gw](Request& req, const std::string& a, Reply reply) {
               const std::string& id = req.params.at("id");
               auto r = gw.store().mark_conversation_read(a, id);
               if (!r) return reply(Response::error(r.error()));
               if (!*r) {
                 return reply(
                     Response::error(Error::make("not_found", "no conversation " + id, "id")));
               }
               reply(Response::json(200, conversation_json(**r)));
             }));
}

}  // namespace sb::http
