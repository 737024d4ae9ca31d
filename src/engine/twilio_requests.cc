// Twilio-format forwards, status callbacks and TwiML answers (see twilio_requests.h).
#include "engine/twilio_requests.h"

#include <expat.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "core/phone.h"
#include "core/twilio_ids.h"
#include "core/twilio_signature.h"
#include "core/twilio_vocabulary.h"

namespace sb::engine {

namespace {

// FromCountry / ToCountry, as Twilio adds them, when the address reads as a phone number.
void add_country(FormFields& f, const char* name, const std::string& address) {
  if (auto p = normalize_phone(address, "US", name); p && p->region != "001") {
    f.emplace_back(name, p->region);
  }
}

void add_common(FormFields& f, const Message& m, const std::string& account_sid,
                std::string_view status) {
  const std::string sid = twilio_message_sid(m.id, false);
  f.emplace_back("MessageSid", sid);
  f.emplace_back("SmsSid", sid);
  f.emplace_back("AccountSid", account_sid);
  f.emplace_back("From", m.from);
  f.emplace_back("To", m.to);
  f.emplace_back("SmsStatus", std::string(status));
  f.emplace_back("ApiVersion", std::string(kTwilioApiVersion));
}

}  // namespace

FormFields twilio_inbound_params(const Message& m, const std::string& account_sid) {
  FormFields f;
  add_common(f, m, account_sid, "received");
  f.emplace_back("SmsMessageSid", twilio_message_sid(m.id, false));
  f.emplace_back("Body", m.body);
  f.emplace_back("NumMedia", std::to_string(m.media_urls.size()));
  f.emplace_back("NumSegments", std::to_string(m.segments));
  for (size_t i = 0; i < m.media_urls.size(); ++i) {
    f.emplace_back("MediaUrl" + std::to_string(i), m.media_urls[i]);
    const std::string type = i < m.media.size() ? m.media[i].content_type : "";
    f.emplace_back("MediaContentType" + std::to_string(i),
                   type.empty() ? "application/octet-stream" : type);
  }
  add_country(f, "FromCountry", m.from);
  add_country(f, "ToCountry", m.to);
  return f;
}

Result<FormFields> twilio_status_params(std::string_view payload, const std::string& account_sid) {
  const auto j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  const auto bad = [] {
    return Error::make("invalid_payload", "the delivery's payload is not a status callback");
  };
  if (!j.is_object() || !j.contains("message") || !j["message"].is_object()) return bad();
  const auto& msg = j["message"];
  const auto text = [](const nlohmann::json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Message m;
  m.id = text(msg, "id");
  m.from = text(msg, "from");
  m.to = text(msg, "to");
  m.error_code = text(msg, "error_code");
  auto status = parse_status(text(j, "status"));
  if (m.id.empty() || !status) return bad();
  m.status = *status;
  FormFields f;
  add_common(f, m, account_sid, twilio_status_word(m.status));
  f.emplace_back("MessageStatus", std::string(twilio_status_word(m.status)));
  if (auto code = twilio_error_code(m)) f.emplace_back("ErrorCode", std::to_string(*code));
  return f;
}

HttpRequest twilio_request(const Delivery& d, const FormFields& params,
                           const std::string& auth_token, int timeout_ms) {
  HttpRequest req;
  req.method = d.method == "GET" ? "GET" : "POST";
  req.timeout_ms = timeout_ms;
  req.url = d.url;
  req.headers = {{"I-Twilio-Idempotency-Token", d.id}};
  if (req.method == "GET") {
    req.url.push_back(d.url.find('?') == std::string::npos ? '?' : '&');
    req.url.append(form_encode(params));
    req.headers.emplace_back("X-Twilio-Signature", twilio_signature(auth_token, req.url, {}));
  } else {
    req.body = form_encode(params);
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    req.headers.emplace_back("X-Twilio-Signature", twilio_signature(auth_token, req.url, params));
  }
  return req;
}

namespace {

// A streaming reader of the TwiML document: the element path decides what text means.
class TwimlReader {
 public:
  TwimlReader() : parser_(XML_ParserCreate("UTF-8"), XML_ParserFree) {
    XML_SetUserData(parser_.get(), this);
    XML_SetElementHandler(parser_.get(), &TwimlReader::on_start, &TwimlReader::on_end);
    XML_SetCharacterDataHandler(parser_.get(), &TwimlReader::on_text);
    // No DTD: an internal subset could declare entities (expansion bombs); none is needed.
    XML_SetStartDoctypeDeclHandler(parser_.get(), &TwimlReader::on_doctype);
  }

  Result<std::vector<TwimlMessage>> read(std::string_view body) {
    if (!parser_) return Error::make("invalid_twiml", "could not create an XML parser");
    const auto status = XML_Parse(parser_.get(), body.data(), static_cast<int>(body.size()), 1);
    if (!error_.empty()) return fail(error_);
    if (status != XML_STATUS_OK) {
      return fail(std::string("not well-formed XML: ") +
                  XML_ErrorString(XML_GetErrorCode(parser_.get())));
    }
    return std::move(messages_);
  }

 private:
  Result<std::vector<TwimlMessage>> fail(const std::string& what) const {
    return Error::make("invalid_twiml",
                       "invalid TwiML (line " +
                           std::to_string(XML_GetCurrentLineNumber(parser_.get())) + "): " + what);
  }

  void stop(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    XML_StopParser(parser_.get(), XML_FALSE);
  }

  static void on_doctype(void* self, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    static_cast<TwimlReader*>(self)->stop("a DOCTYPE is not allowed");
  }

  static void on_start(void* self, const XML_Char* name, const XML_Char** attrs) {
    static_cast<TwimlReader*>(self)->start(name, attrs);
  }
  static void on_end(void* self, const XML_Char*) { static_cast<TwimlReader*>(self)->end(); }
  static void on_text(void* self, const XML_Char* s, int len) {
    static_cast<TwimlReader*>(self)->text(std::string_view(s, static_cast<size_t>(len)));
  }

  void start(std::string_view name, const XML_Char** attrs) {
    const size_t depth = path_.size();
    if (!error_.empty()) {
      path_.emplace_back(name);
      return;
    }
    path_.emplace_back(name);
    if (depth == 0) {
      if (name != "Response") stop("the root element is <" + std::string(name) + ">, not <Response>");
      return;
    }
    if (depth == 1) {
      if (name != "Message") {
        stop("<" + std::string(name) + "> is not supported; a messaging answer holds <Message> verbs");
        return;
      }
      if (messages_.size() == kMaxTwimlMessages) {
        stop("more than " + std::to_string(kMaxTwimlMessages) + " <Message> verbs");
        return;
      }
      TwimlMessage m;
      for (size_t i = 0; attrs[i] && attrs[i + 1]; i += 2) {
        const std::string_view key = attrs[i];
        const std::string value = attrs[i + 1];
        if (key == "to") {
          m.to = value;
        } else if (key == "from") {
          m.from = value;
        } else if (key == "action" || key == "statusCallback") {
          m.action = value;
        } else if (key == "method") {
          if (value != "POST" && value != "post") {
            stop("<Message method=\"" + value + "\">: only POST status callbacks are sent");
            return;
          }
        }
        // Other attributes (Twilio's voice-era ones) change nothing for a message.
      }
      messages_.push_back(std::move(m));
      body_text_.clear();
      has_body_ = false;
      return;
    }
    if (depth == 2) {
      if (name == "Body") {
        if (has_body_) {
          stop("<Message> has more than one <Body>");
          return;
        }
        has_body_ = true;
      } else if (name == "Media") {
        if (messages_.back().media_urls.size() == kMaxTwimlMedia) {
          stop("a <Message> has more than " + std::to_string(kMaxTwimlMedia) + " <Media>");
          return;
        }
      } else {
        stop("<" + std::string(name) + "> is not allowed in <Message> (only <Body> and <Media>)");
        return;
      }
      element_text_.clear();
      return;
    }
    stop("<" + std::string(name) + "> is nested too deep");
  }

  void end() {
    const size_t depth = path_.size();
    const std::string name = path_.back();
    path_.pop_back();
    if (!error_.empty()) return;  // expat may still report the element it stopped in
    if (depth == 3) {
      if (name == "Body") {
        messages_.back().body = trim(element_text_);
      } else {
        messages_.back().media_urls.push_back(trim(element_text_));
      }
    } else if (depth == 2 && !has_body_) {
      messages_.back().body = trim(body_text_);
    }
  }

  void text(std::string_view s) {
    if (!error_.empty()) return;
    if (path_.size() == 2) {
      body_text_.append(s);
    } else if (path_.size() == 3) {
      element_text_.append(s);
    }
  }

  static std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return "";
    return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
  }

  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser_;
  std::vector<std::string> path_;
  std::vector<TwimlMessage> messages_;
  std::string body_text_;     // the current <Message>'s own text
  std::string element_text_;  // the current <Body> or <Media>
  bool has_body_ = false;
  std::string error_;
};

}  // namespace

Result<std::vector<TwimlMessage>> parse_twiml(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return std::vector<TwimlMessage>();  // an empty answer asks for nothing
  }
  return TwimlReader().read(body);
}

}  // namespace sb::engine
