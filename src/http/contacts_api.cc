// /v1/contacts: create, list/search, read, rename and delete the account's contacts.
#include "http/contacts_api.h"

#include <set>

#include "core/crypto.h"
#include "core/ids.h"
#include "http/api_util.h"

namespace sb::http {

using nlohmann::json;

namespace {

Result<std::string> parse_name(const json& j) {
  if (!j.is_string()) return type_error("name", "a string");
  return j.get<std::string>();
}

// Cursor "<id>.<hex of the name key>": where the previous page ended in (name key, id) order.
std::string make_cursor(const Contact& c) {
  return c.id + "." + crypto::hex(contact_name_key(c.name));
}

std::optional<std::pair<std::string, std::string>> read_cursor(const std::string& v) {
  const auto dot = v.find('.');
  if (dot == std::string::npos || !is_contact_id(v.substr(0, dot))) return std::nullopt;
  const std::string hex = v.substr(dot + 1);
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string key;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int byte = 0;
    for (size_t k = i; k < i + 2; ++k) {
      const char c = hex[k];
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return std::nullopt;
      byte = byte * 16 + d;
    }
    key.push_back(static_cast<char>(byte));
  }
  return std::make_pair(key, v.substr(0, dot));
}

void create_contact(engine::Services& s, Request& req, const std::string& account, Reply reply) {
  auto body = json_body(req);
  if (!body) return reply(Response::error(body.error()));
  static const std::set<std::string> kKnown = {"number", "name", "metadata"};
  for (const auto& [k, _] : body->items()) {
    if (!kKnown.count(k)) {
      return reply(Response::error(Error::make("unknown_field", "unknown field '" + k + "'", k)));
    }
  }
  auto number = body->find("number");
  if (number == body->end() || number->is_null()) {
    return reply(Response::error(Error::make("missing_field", "number is required", "number")));
  }
  if (!number->is_string()) return reply(Response::error(type_error("number", "a string")));
  engine::ContactChanges changes;
  if (auto it = body->find("name"); it != body->end() && !it->is_null()) {
    auto name = parse_name(*it);
    if (!name) return reply(Response::error(name.error()));
    changes.name = std::move(*name);
  }
  if (auto it = body->find("metadata"); it != body->end() && !it->is_null()) {
    auto metadata = parse_metadata(*it);
    if (!metadata) return reply(Response::error(metadata.error()));
    changes.metadata = std::move(*metadata);
  }
  auto c = s.contacts.create(account, number->get<std::string>(), changes);
  if (!c) return reply(Response::error(c.error()));
  reply(Response::json(201, to_json(*c)));
}

void list_contacts(engine::Services& s, Request& req, const std::string& account, Reply reply) {
  ContactFilter f;
  f.account = account;
  if (auto q = req.query_param("q"); q && !q->empty()) {
    if (q->size() > 256) {
      return reply(
          Response::error(Error::make("invalid_parameter", "q must be at most 256 bytes", "q")));
    }
    f.name_prefix = *q;
    // A number prefix when q looks like the start of one: digits (and the usual separators),
    // with or without the leading "+" of E.164.
    std::string digits;
    bool number_like = true;
    for (size_t i = 0; i < q->size(); ++i) {
      const char c = (*q)[i];
      if (c >= '0' && c <= '9') {
        digits.push_back(c);
      } else if (!(c == '+' && i == 0) && c != ' ' && c != '-' && c != '(' && c != ')' &&
                 c != '.') {
        number_like = false;
        break;
      }
    }
    if (number_like && !digits.empty()) f.number_prefix = "+" + digits;
  }
  int limit = 50;
  if (auto v = req.query_param("limit")) {
    char* end = nullptr;
    const long n = std::strtol(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || n < 1 || n > 1000) {
      return reply(Response::error(
          Error::make("invalid_parameter", "limit must be an integer from 1 to 1000", "limit")));
    }
    limit = static_cast<int>(n);
  }
  if (auto v = req.query_param("cursor")) {
    f.after = read_cursor(*v);
    if (!f.after) {
      return reply(Response::error(
          Error::make("invalid_parameter", "cursor is not one this API returned", "cursor")));
    }
  }
  f.limit = limit;
  auto page = s.contacts.list(std::move(f));
  if (!page) return reply(Response::error(page.error()));
  json data = json::array();
  for (const auto& c : page->items) data.push_back(to_json(c));
  json next = page->more ? json(make_cursor(page->items.back())) : json(nullptr);
  reply(Response::json(200, {{"data", std::move(data)}, {"next_cursor", next}}));
}

void update_contact(engine::Services& s, Request& req, const std::string& account, Reply reply) {
  const std::string& id = req.params.at("id");
  auto body = json_body(req);
  if (!body) return reply(Response::error(body.error()));
  std::optional<std::string> name;
  std::optional<Metadata> metadata;
  for (const auto& [k, v] : body->items()) {
    if (k == "name") {
      auto n = parse_name(v);
      if (!n) return reply(Response::error(n.error()));
      name = std::move(*n);
    } else if (k == "metadata") {
      auto m = parse_metadata(v.is_null() ? json::object() : v);
      if (!m) return reply(Response::error(m.error()));
      metadata = std::move(*m);
    } else if (k == "number" || k == "id" || k == "created_at" || k == "updated_at") {
      return reply(Response::error(Error::make(
          "immutable_field",
          k == "number" ? "a contact's number cannot change (its id derives from it); create "
                          "another contact"
                        : k + " cannot be changed",
          k)));
    } else {
      return reply(Response::error(Error::make("unknown_field", "unknown field '" + k + "'", k)));
    }
  }
  auto c = s.contacts.update(account, id, engine::ContactChanges{name, metadata});
  if (!c) return reply(Response::error(c.error()));
  reply(Response::json(200, to_json(*c)));
}

}  // namespace

void register_contacts_api(Router& router, engine::Services& s) {
  router.add("POST", "/v1/contacts",
             authed(s.gateway, kScopeConversations, [&s](Request& req, const std::string& a, Reply reply) {
               create_contact(s, req, a, std::move(reply));
             }));
  router.add("GET", "/v1/contacts",
             authed(s.gateway, kScopeConversations, [&s](Request& req, const std::string& a, Reply reply) {
               list_contacts(s, req, a, std::move(reply));
             }));
  router.add("GET", "/v1/contacts/{id}",
             authed(s.gateway, kScopeConversations, [&s](Request& req, const std::string& a, Reply reply) {
               auto c = s.contacts.get(a, req.params.at("id"));
               if (!c) return reply(Response::error(c.error()));
               reply(Response::json(200, to_json(*c)));
             }));
  router.add("PATCH", "/v1/contacts/{id}",
             authed(s.gateway, kScopeConversations, [&s](Request& req, const std::string& a, Reply reply) {
               update_contact(s, req, a, std::move(reply));
             }));
  router.add("DELETE", "/v1/contacts/{id}",
             authed(s.gateway, kScopeConversations, [&s](Request& req, const std::string& a, Reply reply) {
               const std::string& id = req.params.at("id");
               if (auto r = s.contacts.remove(a, id); !r) return reply(Response::error(r.error()));
               reply(Response::json(200, {{"id", id}, {"deleted", true}}));
             }));
}

}  // namespace sb::http
