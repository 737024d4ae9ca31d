// Linear route matching: there are few routes, and segment compares are cheap.
#include "http/router.h"

namespace sb::http {
namespace {
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t j = path.find('/', i);
    out.push_back(path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j;
  }
  return out;
}
}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, Run run) {
  Route r{std::move(method), {}, std::move(handler), run, pattern};
  for (auto s : split(pattern)) r.segments.emplace_back(s);
  routes_.push_back(std::move(r));
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

void Router::dispatch(std::shared_ptr<Request> req_ptr, Reply reply,
                      const Offload& offload) const {
  Request& req = *req_ptr;
  const auto parts = split(req.path);
  std::string allowed;
  for (const auto& r : routes_) {
    if (r.segments.size() != parts.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < parts.size() && match; ++i) {
      const auto& seg = r.segments[i];
      const auto close = seg.find('}');
      if (seg.size() > 2 && seg.front() == '{' && close != std::string::npos) {
        // "{name}" takes the whole segment, "{name}.json" what precedes the literal suffix.
        const std::string_view suffix = std::string_view(seg).substr(close + 1);
        const std::string_view part = parts[i];
        match = part.size() > suffix.size() && part.substr(part.size() - suffix.size()) == suffix;
        if (match) params[seg.substr(1, close - 1)] = part.substr(0, part.size() - suffix.size());
      } else {
        match = seg == parts[i];
      }
    }
    if (!match) continue;
    if (r.method != req.method && !(req.method == "HEAD" && r.method == "GET")) {
      if (allowed.find(r.method) == std::string::npos) {
        allowed += allowed.empty() ? r.method : ", " + r.method;
      }
      continue;
    }
    req.params = std::move(params);
    req.route = r.pattern;
    if (r.run == Run::kInline) {
      r.handler(req, std::move(reply));
    } else {
      offload([&r, req_ptr, reply = std::move(reply)]() mutable { r.handler(*req_ptr, reply); });
    }
    return;
  }
  if (fallback_) {
    offload([this, req_ptr, reply = std::move(reply)]() mutable { fallback_(*req_ptr, reply); });
    return;
  }
  if (!allowed.empty()) {
    Response resp = Response::error(
        Error::make("method_not_allowed", req.method + " is not allowed on " + req.path));
    resp.headers.emplace_back("Allow", allowed);
    reply(std::move(resp));
    return;
  }
  reply(Response::error(Error::make("not_found", "no such endpoint: " + req.path)));
}

}  // namespace sb::http
