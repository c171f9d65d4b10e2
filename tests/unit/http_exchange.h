// One HTTP request and its whole answer, for tests that talk to a server (the API, the proxy) over a
// Poco client session: building the request, sending it with its body, and reading the answer.
// Header-only; each call uses the caller's session on the caller's thread.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <boost/test/unit_test.hpp>
#include <cctype>
#include <map>
#include <sstream>
#include <string>

#include "supervisor/common/json.h"

namespace clawhive::testing {

// `method path` over HTTP/1.1; "Authorization: Bearer <bearer>" unless bearer is empty; a JSON body's
// Content-Type and Content-Length unless json_body is empty (the body itself goes with SendAndRead).
inline Poco::Net::HTTPRequest MakeRequest(const std::string& method, const std::string& path, const std::string& bearer,
                                          const std::string& json_body = "") {
  Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!bearer.empty()) req.set("Authorization", "Bearer " + bearer);
  if (!json_body.empty()) {
    req.setContentType("application/json");
    req.setContentLength64(static_cast<Poco::Int64>(json_body.size()));
  }
  return req;
}

// Sends `req` and `body` (as the request's headers announce it), fills `resp` and returns the answer's
// whole body.
inline std::string SendAndRead(Poco::Net::HTTPClientSession& session, Poco::Net::HTTPRequest& req,
                               const std::string& body, Poco::Net::HTTPResponse& resp) {
  std::ostream& out = session.sendRequest(req);
  out.write(body.data(), static_cast<std::streamsize>(body.size()));
  std::istream& in = session.receiveResponse(resp);
  std::ostringstream text;
  Poco::StreamCopier::copyStream(in, text);
  return text.str();
}

// A GET of `path` that waits only for the answer's head: for tests that expect the exchange itself to
// fail (it throws what Poco throws).
inline void GetHead(Poco::Net::HTTPClientSession& session, const std::string& path) {
  Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(req);
  Poco::Net::HTTPResponse resp;
  session.receiveResponse(resp);
}

// An answer as the API's tests read it.
struct HttpReply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string content_type;

  JsonValue json() const {
    Result<JsonValue> j = ParseJson(body);
    BOOST_REQUIRE_MESSAGE(j.ok(), "response is not JSON: " << body);
    return *j;
  }
  // The API's {"error": {"code": ..., "message": ...}}.
  std::string error_code() const { return ErrorField("code"); }
  std::string error_message() const { return ErrorField("message"); }
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }

 private:
  std::string ErrorField(const char* name) const {
    JsonValue j = json();
    const JsonValue* e = j.Find("error");
    BOOST_REQUIRE_MESSAGE(e && e->Find(name), "no error object in: " << body);
    return e->Find(name)->string();
  }
};

inline HttpReply Exchange(Poco::Net::HTTPClientSession& session, Poco::Net::HTTPRequest& req,
                          const std::string& body = "") {
  Poco::Net::HTTPResponse resp;
  HttpReply reply;
  reply.body = SendAndRead(session, req, body, resp);
  reply.status = resp.getStatus();
  for (const auto& [name, value] : resp) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[lower] = value;
  }
  reply.content_type = resp.getContentType();
  return reply;
}

}  // namespace clawhive::testing
