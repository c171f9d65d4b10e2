// TelegramStub: a stand-in for the Telegram Bot API (https://api.telegram.org/bot<token>/<method>) in the
// tests' fake internet (issue 13, "Egress"). It serves HTTPS with the test's certificate on whatever
// address the calling thread's network namespace holds (203.0.113.20:443 inside the OpenClaw Telegram
// test's private network), or plain HTTP on loopback for its own unit test. Test-only; never shipped.
//
//   getMe                     the bot (id 777000111, @stub_bot)
//   getUpdates                queued updates with update_id >= offset (an offset confirms the earlier
//                             ones); with none, waits up to min(timeout, 2 s) for one (a short long poll)
//   sendMessage, editMessageText   recorded; answered with a Message
//   setWebhook, deleteWebhook, getWebhookInfo   the webhook URL and secret_token, recorded
//   any other method          {"ok":true,"result":true} (setMyCommands, sendChatAction, ...)
// A token other than the configured one: 401 {"ok":false,"error_code":401,"description":"Unauthorized"}.
// Parameters come as a JSON body (as grammY sends them) or a query string.
//
// Threads: Poco's HTTPServer pool; the queue and the records behind one mutex. Start/Stop from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive::stub {

struct TelegramStubOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;                    // 0: ephemeral (see port())
  std::string token = "123456:stub-bot-token";
  std::string tls_cert_file, tls_key_file;  // both set: HTTPS; both empty: plain HTTP
};

// One Bot API call as the stub saw it.
struct BotCall {
  std::string method;   // "sendMessage"
  std::string params;   // the parameters as a JSON object
};

// A message the bot sent (sendMessage) or edited (editMessageText).
struct SentMessage {
  std::string method;
  std::string chat_id;  // as given (a number or "@channel")
  std::string text;
};

class TelegramStub {
 public:
  explicit TelegramStub(TelegramStubOptions options);
  ~TelegramStub();  // Stop()
  TelegramStub(const TelegramStub&) = delete;
  TelegramStub& operator=(const TelegramStub&) = delete;

  Status Start();
  void Stop();
  uint16_t port() const;

  // Queues a private text message from user `from` (its chat is the user's own id); returns its update_id.
  int64_t SendText(int64_t from, const std::string& first_name, const std::string& text);
  // The update JSON Telegram would deliver for such a message (for a webhook test), with a fresh update_id
  // that getUpdates never hands out.
  std::string TextUpdate(int64_t from, const std::string& first_name, const std::string& text);

  std::vector<BotCall> Calls() const;
  std::vector<SentMessage> Sent() const;
  size_t CallsOf(const std::string& method) const;
  std::string webhook_url() const;
  std::string webhook_secret() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clawhive::stub
