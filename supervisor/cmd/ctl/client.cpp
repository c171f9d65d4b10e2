#include "supervisor/cmd/ctl/client.h"

#include "supervisor/tls/certificate.h"
#include "supervisor/tls/pinned_session.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <openssl/crypto.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <istream>
#include <ostream>
#include <utility>

namespace clawhive::ctl {
namespace {

const Poco::Timespan kConnectTimeout(5, 0);
const Poco::Timespan kSendTimeout(30, 0);
// Key rotations answer when they are done: allow them time.
const Poco::Timespan kReceiveTimeout(600, 0);
constexpr size_t kMaxReplyBytes = 64 << 20;
constexpr size_t kMaxTokenBytes = 4096;

std::string Quoted(std::string_view s) { return "'" + Printable(s, 80) + "'"; }

void Wipe(std::string* s) {
  s->resize(s->capacity());  // never reallocates
  OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

// Reads up to buf->size() bytes from fd into *buf; in `line` mode stops after a '\n'. Returns the count,
// or -1 (errno set).
ssize_t ReadInto(int fd, std::string* buf, bool line) {
  size_t n = 0;
  while (n < buf->size()) {
    ssize_t r = read(fd, buf->data() + n, line ? 1 : buf->size() - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    n += static_cast<size_t>(r);
    if (line && (*buf)[n - 1] == '\n') break;
  }
  return static_cast<ssize_t>(n);
}

// Echo off on a terminal for the duration of a hidden read; restored by the destructor, and by a signal
// handler if the user interrupts (the handler then re-raises the signal with its default action).
class HiddenInput {
 public:
  explicit HiddenInput(int fd) : fd_(fd) {
    if (tcgetattr(fd, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the user still sees the line end
    g_fd = fd;
    g_saved = saved_;
    struct sigaction sa {};
    sa.sa_handler = &HiddenInput::OnSignal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &sa, &old_[i]);
    active_ = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
  }
  ~HiddenInput() {
    if (g_fd < 0) return;
    if (active_) tcsetattr(fd_, TCSAFLUSH, &saved_);
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &old_[i], nullptr);
    g_fd = -1;
  }
  HiddenInput(const HiddenInput&) = delete;
  HiddenInput& operator=(const HiddenInput&) = delete;

 private:
  static void OnSignal(int sig) {
    if (g_fd >= 0) tcsetattr(g_fd, TCSANOW, &g_saved);  // async-signal-safe
    signal(sig, SIG_DFL);
    raise(sig);
  }

  static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
  static inline int g_fd = -1;
  static inline termios g_saved{};

  int fd_;
  termios saved_{};
  std::array<struct sigaction, 3> old_{};
  bool active_ = false;
};

// Reads the value from fd into a buffer allocated once (so nothing is reallocated and left behind),
// strips one trailing newline, and hands the buffer to a SecretValue.
Result<SecretValue> ReadValue(int fd, bool line) {
  std::string buf(kMaxSecretBytes + 2, '\0');  // the value and a trailing "\r\n"
  ssize_t n = ReadInto(fd, &buf, line);
  if (n < 0) {
    int e = errno;
    Wipe(&buf);
    return Error::Invalid(std::string("reading the value: ") + std::strerror(e));
  }
  bool too_long = false;
  if (static_cast<size_t>(n) == buf.size() && !(line && buf.back() == '\n')) {
    char more = 0;
    too_long = read(fd, &more, 1) > 0;
    OPENSSL_cleanse(&more, 1);
  }
  size_t size = StripOneNewline(std::string_view(buf.data(), static_cast<size_t>(n))).size();
  if (too_long || size > kMaxSecretBytes) {
    Wipe(&buf);
    return Error::Invalid("the value is longer than " + std::to_string(kMaxSecretBytes) + " bytes");
  }
  if (size == 0) {
    Wipe(&buf);
    return Error::Invalid("the value is empty (pipe it to stdin, or use --from-file)");
  }
  OPENSSL_cleanse(buf.data() + size, buf.size() - size);
  buf.resize(size);  // shrinking never reallocates
  return SecretValue(std::move(buf));
}

}  // namespace

// ---- client ---------------------------------------------------------------------------------------

Result<ApiClient> ApiClient::Create(const std::string& url, std::string token, std::string fingerprint) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception&) {
    return Error::Invalid("--api: " + Quoted(url) + " is not a URL");
  }
  if (uri.getScheme() != "http" && uri.getScheme() != "https")
    return Error::Invalid("--api: " + Quoted(url) + ": only https:// (or loopback http://) URLs are supported");
  if (uri.getHost().empty()) return Error::Invalid("--api: " + Quoted(url) + " has no host");
  if (!uri.getUserInfo().empty() || !uri.getRawQuery().empty() || !uri.getFragment().empty())
    return Error::Invalid("--api: " + Quoted(url) + ": give only scheme, host, port and path");
  ApiClient c;
  c.url_ = url;
  c.host_ = uri.getHost();
  c.port_ = uri.getPort();
  c.prefix_ = uri.getPathEtc();
  while (!c.prefix_.empty() && c.prefix_.back() == '/') c.prefix_.pop_back();
  c.token_ = std::move(token);
  c.https_ = uri.getScheme() == "https";
  c.fingerprint_ = std::move(fingerprint);
  return c;
}

Result<HttpReply> ApiClient::Send(const std::string& method, const std::string& path, const std::string* body) const {
  bool connected = false;
  try {
    std::unique_ptr<Poco::Net::HTTPClientSession> owned;
    if (https_) owned = std::make_unique<tls::PinnedSession>(host_, port_, fingerprint_);
    else owned = std::make_unique<Poco::Net::HTTPClientSession>(host_, port_);
    Poco::Net::HTTPClientSession& session = *owned;
    session.setTimeout(kConnectTimeout, kSendTimeout, kReceiveTimeout);
    session.setKeepAlive(false);
    Poco::Net::HTTPRequest req(method, prefix_ + path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Authorization", "Bearer " + token_);
    req.set("Accept", "application/json");
    req.set("User-Agent", "clawhivectl");
    if (body != nullptr) {
      req.setContentType("application/json");
      req.setContentLength64(static_cast<Poco::Int64>(body->size()));
    }
    std::ostream& os = session.sendRequest(req);
    connected = true;
    if (body != nullptr) os.write(body->data(), static_cast<std::streamsize>(body->size()));
    Poco::Net::HTTPResponse resp;
    std::istream& is = session.receiveResponse(resp);
    HttpReply reply;
    reply.status = static_cast<int>(resp.getStatus());
    char buf[16384];
    while (is) {
      is.read(buf, sizeof buf);
      reply.body.append(buf, static_cast<size_t>(is.gcount()));
      if (reply.body.size() > kMaxReplyBytes) return Error::Unavailable("the API at " + url_ + " sent too large an answer");
    }
    if (is.bad()) return Error::Unavailable("the connection to the API at " + url_ + " failed while reading the answer");
    return reply;
  } catch (const Poco::Exception& e) {
    return Error::Unavailable((connected ? "the connection to the API at " + url_ + " failed: "
                                         : "cannot connect to the API at " + url_ + ": ") +
                              e.displayText());
  } catch (const std::exception& e) {
    return Error::Unavailable("cannot talk to the API at " + url_ + ": " + e.what());
  }
}

// ---- token and values -----------------------------------------------------------------------------

Result<std::string> LoadToken(const std::optional<std::string>& token_file, const char* env_token) {
  std::string token;
  std::string source;
  if (!token_file && env_token != nullptr && env_token[0] != '\0') {
    token = env_token;
    source = std::string("$") + kTokenEnv;
  } else {
    const std::string path = token_file.value_or(kDefaultTokenFile);
    source = path;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::string hint = errno == EACCES ? " (run as root, or set $" + std::string(kTokenEnv) + ")" : "";
      return Error::Invalid("cannot read the API token from " + path + ": " + std::strerror(errno) + hint);
    }
    token.assign(kMaxTokenBytes + 1, '\0');
    ssize_t n = ReadInto(fd, &token, false);
    int e = errno;
    close(fd);
    if (n < 0) return Error::Invalid("cannot read the API token from " + path + ": " + std::strerror(e));
    token.resize(static_cast<size_t>(n));
    if (token.size() > kMaxTokenBytes) return Error::Invalid("the API token file " + path + " is too large");
  }
  size_t begin = token.find_first_not_of(" \t\r\n");
  size_t end = token.find_last_not_of(" \t\r\n");
  token = begin == std::string::npos ? std::string() : token.substr(begin, end - begin + 1);
  if (token.empty()) return Error::Invalid("the API token from " + source + " is empty");
  for (unsigned char c : token)
    if (c <= 0x20 || c >= 0x7F) return Error::Invalid("the API token from " + source + " is not printable ASCII");
  return token;
}

Result<SecretValue> ReadSecret(int fd, int prompt_fd, const std::string& prompt) {
  if (!isatty(fd)) return ReadValue(fd, false);
  if (write(prompt_fd, prompt.data(), prompt.size()) < 0) {
    // No prompt is no reason to refuse the value.
  }
  HiddenInput hidden(fd);
  return ReadValue(fd, true);
}

Result<SecretValue> ReadSecretFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::Invalid("--from-file: cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    close(fd);
    return Error::Invalid("--from-file: " + path + " is not a file");
  }
  Result<SecretValue> value = ReadValue(fd, false);
  close(fd);
  if (!value) return Error::Invalid("--from-file " + path + ": " + value.error().message);
  return value;
}

// ---- run ------------------------------------------------------------------------------------------

int Run(const Invocation& inv, const RunContext& ctx) {
  std::ostream& out = *ctx.out;
  std::ostream& err = *ctx.err;
  auto fail = [&](int code, const std::string& message) {
    err << "clawhivectl: " << message << "\n";
    return code;
  };
  if (inv.command == Command::kHelp) {
    out << Usage();
    return kExitOk;
  }
  Result<ApiClient> client = ApiClient::Create(inv.api, "");
  if (!client) return fail(kExitUsage, client.error().message);
  Result<std::string> token = LoadToken(inv.token_file, ctx.env_token);
  if (!token) return fail(kExitFailed, token.error().message);
  std::string fingerprint;
  if (inv.api.rfind("https:", 0) == 0) {
    Result<std::string> fp = tls::Sha256Fingerprint(inv.cert_file);
    if (!fp) return fail(kExitFailed, "the API's certificate (--cert): " + fp.error().message);
    fingerprint = std::move(*fp);
  }
  client = ApiClient::Create(inv.api, std::move(*token), fingerprint);

  ApiRequest req = BuildRequest(inv);
  std::string body;  // wiped once sent: for `secret put` it holds the value
  bool has_body = req.body.has_value();
  if (has_body) body = std::move(*req.body);
  if (inv.command == Command::kSecretPut) {
    const std::string prompt = "Value of " + Printable(inv.args[1]) + " for " +
                               (inv.args[0] == kPlatform ? std::string("the platform") : Printable(inv.args[0])) +
                               " (input hidden): ";
    Result<SecretValue> value =
        inv.from_file ? ReadSecretFile(*inv.from_file) : ReadSecret(ctx.stdin_fd, ctx.prompt_fd, prompt);
    if (!value) return fail(kExitFailed, value.error().message);
    if (Status s = SecretPutBody(value->view(), &body); !s) {
      Wipe(&body);
      return fail(kExitFailed, s.error().message);
    }
    has_body = true;
  }
  Result<HttpReply> reply = client->Send(req.method, req.path, has_body ? &body : nullptr);
  Wipe(&body);
  if (!reply) return fail(kExitConnect, reply.error().message);

  Result<JsonValue> doc = ParseJson(reply->body);
  if (reply->status < 200 || reply->status > 299) {
    std::string message = doc ? ErrorMessage(*doc) : std::string();
    if (message.empty()) message = "the API answered HTTP " + std::to_string(reply->status);
    if (reply->status == 401) message += " (check --token-file or $" + std::string(kTokenEnv) + ")";
    return fail(kExitFailed, message);
  }
  if (inv.json) {
    out << reply->body << "\n";
    return kExitOk;
  }
  if (!doc) return fail(kExitFailed, "the API's answer is not JSON: " + doc.error().message);
  out << Render(inv, *doc);
  return kExitOk;
}

}  // namespace clawhive::ctl
