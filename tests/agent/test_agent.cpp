// clawhive-test-agent: a tiny HTTP/1.1 server standing in for the OpenClaw gateway in integration tests
// and benchmarks. See tests/agent/README.md for flags, environment and endpoints.
//
//   Probes like OpenClaw's:  GET /healthz  /readyz  /startupz        (binds 127.0.0.1 only)
//   Failure modes (env or flag): crash after N ms, leak R MiB/s, spin one CPU, hang after N ms;
//   runtime triggers:        POST /control/hang  /control/crash?code=N  /control/leak?mb_per_s=R  /control/spin
//   Self-tests "from inside" a sandboxed unit:
//                            GET /selftest/read?path=  /selftest/connect?addr=&port=&timeout_ms=  /selftest/whoami
//                            GET /selftest/env?name=  (an environment variable: the secrets it was handed)
//                            GET /selftest/sh?cmd=    (a shell command run as the agent, inside its unit)
//   OpenClaw's OpenAI-compatible surface: POST /v1/chat/completions (echoes the last message; `stream`
//                            gives server-sent events paced AGENT_CHAT_DELAY_MS apart), GET /v1/models;
//                            Bearer CLAWHIVE_GATEWAY_TOKEN required when that variable is set.
//
// Deliberately written in C style: it references nothing from libstdc++ (no std::string/vector, no
// operator new, no exceptions, no objects with destructors), so with the toolchain's --as-needed the
// binary links libc only. That keeps start-up at a few ms and RSS at 1.5-1.7 MB (libstdc++ + libm alone
// would add ~1.3 MB of mapped pages). Single thread, poll(), Connection: close; a second thread only for --spin.

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace {

constexpr const char* kProg = "clawhive-test-agent";
constexpr int kMaxConnections = 512;
constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kMaxBodyBytes = 64 * 1024;
constexpr size_t kMaxValueBytes = 4096;  // a decoded query value (paths, addresses)
constexpr int64_t kConnIdleTimeoutMs = 15000;
constexpr int64_t kDrainTimeoutMs = 2000;
constexpr int64_t kHeartbeatEveryMs = 10000;
constexpr int64_t kLeakTickMs = 100;
constexpr double kMiB = 1024.0 * 1024.0;

// ------------------------------------------------------------------------------------------ utilities

int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void log_line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
bool g_log_prefix = true;  // off under journald, which adds "name[pid]: " itself

void log_line(const char* fmt, ...) {
  char buf[1024];
  int n = g_log_prefix ? snprintf(buf, sizeof buf, "%s[%d]: ", kProg, int(getpid())) : 0;
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(buf + n, sizeof buf - size_t(n) - 1, fmt, ap);
  va_end(ap);
  size_t len = size_t(n) + (m < 0 ? 0 : (size_t(m) < sizeof buf - size_t(n) - 2 ? size_t(m) : sizeof buf - size_t(n) - 2));
  buf[len++] = '\n';
  ssize_t ignored = write(STDERR_FILENO, buf, len);
  (void)ignored;
}

const char* errno_name(int err) {
  const char* name = strerrorname_np(err);
  return name ? name : "EUNKNOWN";
}

// A non-owning view of bytes (std::string_view without the throwing members).
struct Str {
  const char* p = nullptr;
  size_t n = 0;
  Str() = default;
  Str(const char* s, size_t len) : p(s), n(len) {}
  explicit Str(const char* s) : p(s), n(strlen(s)) {}
  bool eq(const char* s) const { return strlen(s) == n && memcmp(p, s, n) == 0; }
  bool starts(const char* s) const { size_t k = strlen(s); return n >= k && memcmp(p, s, k) == 0; }
  size_t find(char c, size_t from = 0) const {
    for (size_t i = from; i < n; ++i)
      if (p[i] == c) return i;
    return SIZE_MAX;
  }
  Str head(size_t k) const { return Str(p, k < n ? k : n); }
  Str tail(size_t k) const { return k < n ? Str(p + k, n - k) : Str(p + n, 0); }
  Str trim() const {
    Str s = *this;
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t')) { ++s.p; --s.n; }
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r')) --s.n;
    return s;
  }
  bool ieq(const char* s) const {
    if (strlen(s) != n) return false;
    for (size_t i = 0; i < n; ++i)
      if (tolower((unsigned char)p[i]) != tolower((unsigned char)s[i])) return false;
    return true;
  }
};

// Strict integer parse of a NUL-terminated string.
bool parse_long(const char* s, long& out, long min, long max) {
  if (!s || !*s) return false;
  char* end = nullptr;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < min || v > max) return false;
  out = v;
  return true;
}

bool parse_rate(const char* s, double& out) {
  if (!s || !*s) return false;
  char* end = nullptr;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || *end || !(v >= 0) || v > 1e6) return false;
  out = v;
  return true;
}

const char* env_or_null(const char* name) {
  const char* v = getenv(name);
  return (v && *v) ? v : nullptr;
}

bool truthy(const char* v) {
  return !(!v || !*v || !strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off"));
}

// Bounded appender for building responses.
struct Buf {
  char* p;
  size_t cap;
  size_t n = 0;
  Buf(char* storage, size_t size) : p(storage), cap(size) { p[0] = '\0'; }
  void add(const char* s, size_t k) {
    if (k > cap - 1 - n) k = cap - 1 - n;
    memcpy(p + n, s, k);
    n += k;
    p[n] = '\0';
  }
  void add(const char* s) { add(s, strlen(s)); }
  void addf(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(p + n, cap - n, fmt, ap);
    va_end(ap);
    if (k > 0) n += (size_t(k) < cap - n ? size_t(k) : cap - 1 - n);
  }
  void json_str(const char* s) {  // "escaped"
    add("\"");
    for (const unsigned char* c = (const unsigned char*)s; *c; ++c) {
      switch (*c) {
        case '"': add("\\\""); break;
        case '\\': add("\\\\"); break;
        case '\n': add("\\n"); break;
        case '\r': add("\\r"); break;
        case '\t': add("\\t"); break;
        default:
          if (*c < 0x20) addf("\\u%04x", *c);
          else add((const char*)c, 1);
      }
    }
    add("\"");
  }
};

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// URL-decodes s into out (NUL-terminated, truncated to cap-1); returns false if it did not fit.
bool url_decode(Str s, char* out, size_t cap) {
  size_t k = 0;
  for (size_t i = 0; i < s.n; ++i) {
    if (k + 1 >= cap) { out[k] = '\0'; return false; }
    char c = s.p[i];
    if (c == '%' && i + 2 < s.n && hexval(s.p[i + 1]) >= 0 && hexval(s.p[i + 2]) >= 0) {
      c = char(hexval(s.p[i + 1]) * 16 + hexval(s.p[i + 2]));
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    out[k++] = c;
  }
  out[k] = '\0';
  return true;
}

// Decoded value of key in a query string into out; false if absent (or too long).
bool query_param(Str query, const char* key, char* out, size_t cap) {
  char kbuf[64];
  while (query.n) {
    size_t amp = query.find('&');
    Str pair = query.head(amp);
    query = amp == SIZE_MAX ? Str() : query.tail(amp + 1);
    size_t eq = pair.find('=');
    if (!url_decode(pair.head(eq), kbuf, sizeof kbuf) || strcmp(kbuf, key) != 0) continue;
    if (eq == SIZE_MAX) { out[0] = '\0'; return true; }
    return url_decode(pair.tail(eq + 1), out, cap);
  }
  out[0] = '\0';
  return false;
}

bool write_small_file(const char* dir, const char* name, const char* content) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= int(sizeof path)) return false;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return false;
  size_t len = strlen(content);
  bool ok = write(fd, content, len) == ssize_t(len);
  int saved = errno;
  ok = (close(fd) == 0) && ok;
  if (!ok && saved) errno = saved;
  return ok;
}

// ------------------------------------------------------------------------------------------ config

struct Config {
  int port = 0;
  long startup_delay_ms = 0;
  long crash_after_ms = -1;
  long crash_exit_code = 3;
  double leak_mb_per_s = 0;
  bool spin = false;
  long hang_after_ms = -1;
  long chat_delay_ms = 30;  // between the pieces of a streamed chat answer
};

[[noreturn]] void usage(int code) {
  fprintf(stderr,
          "usage: %s [--port N] [--startup-delay-ms N] [--crash-after-ms N] [--crash-exit-code N]\n"
          "          [--leak-mb-per-s R] [--spin] [--hang-after-ms N]\n"
          "env:  PORT, OPENCLAW_GATEWAY_PORT, AGENT_STARTUP_DELAY_MS, AGENT_CRASH_AFTER_MS,\n"
          "      AGENT_CRASH_EXIT_CODE, AGENT_LEAK_MB_PER_S, AGENT_SPIN, AGENT_HANG_AFTER_MS\n"
          "see tests/agent/README.md\n",
          kProg);
  exit(code);
}

[[noreturn]] void bad_value(const char* what, const char* value) {
  log_line("invalid value for %s: '%s'", what, value);
  exit(2);
}

void set_long(const char* what, const char* value, long& out, long min, long max) {
  if (!parse_long(value, out, min, max)) bad_value(what, value);
}

constexpr long kMaxMs = 7L * 24 * 3600 * 1000;

// The environment first, then flags (a flag wins). The port alone goes PORT, else
// OPENCLAW_GATEWAY_PORT, else --port.
Config parse_config(int argc, char** argv) {
  Config c;
  if (const char* e = env_or_null("AGENT_STARTUP_DELAY_MS")) set_long("AGENT_STARTUP_DELAY_MS", e, c.startup_delay_ms, 0, kMaxMs);
  if (const char* e = env_or_null("AGENT_CRASH_AFTER_MS")) set_long("AGENT_CRASH_AFTER_MS", e, c.crash_after_ms, 0, kMaxMs);
  if (const char* e = env_or_null("AGENT_CRASH_EXIT_CODE")) set_long("AGENT_CRASH_EXIT_CODE", e, c.crash_exit_code, 0, 255);
  if (const char* e = env_or_null("AGENT_LEAK_MB_PER_S")) {
    if (!parse_rate(e, c.leak_mb_per_s)) bad_value("AGENT_LEAK_MB_PER_S", e);
  }
  if (const char* e = env_or_null("AGENT_SPIN")) c.spin = truthy(e);
  if (const char* e = env_or_null("AGENT_HANG_AFTER_MS")) set_long("AGENT_HANG_AFTER_MS", e, c.hang_after_ms, 0, kMaxMs);
  if (const char* e = env_or_null("AGENT_CHAT_DELAY_MS")) set_long("AGENT_CHAT_DELAY_MS", e, c.chat_delay_ms, 0, 60000);

  long flag_port = 0;
  for (int i = 1; i < argc; ++i) {
    char name[64];
    const char* a = argv[i];
    const char* inline_val = nullptr;
    const char* eq = strchr(a, '=');
    if (a[0] == '-' && a[1] == '-' && eq && size_t(eq - a) < sizeof name) {
      memcpy(name, a, size_t(eq - a));
      name[eq - a] = '\0';
      inline_val = eq + 1;
    } else {
      snprintf(name, sizeof name, "%s", a);
    }
    auto value = [&]() -> const char* {
      if (inline_val) return inline_val;
      if (i + 1 >= argc) {
        log_line("missing value for %s", name);
        exit(2);
      }
      return argv[++i];
    };
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) usage(0);
    else if (!strcmp(name, "--port")) set_long("--port", value(), flag_port, 1, 65535);
    else if (!strcmp(name, "--startup-delay-ms")) set_long(name, value(), c.startup_delay_ms, 0, kMaxMs);
    else if (!strcmp(name, "--crash-after-ms")) set_long(name, value(), c.crash_after_ms, 0, kMaxMs);
    else if (!strcmp(name, "--crash-exit-code")) set_long(name, value(), c.crash_exit_code, 0, 255);
    else if (!strcmp(name, "--leak-mb-per-s")) {
      const char* v = value();
      if (!parse_rate(v, c.leak_mb_per_s)) bad_value(name, v);
    } else if (!strcmp(name, "--spin")) c.spin = inline_val ? truthy(inline_val) : true;
    else if (!strcmp(name, "--hang-after-ms")) set_long(name, value(), c.hang_after_ms, 0, kMaxMs);
    else if (!strcmp(name, "--bind")) (void)value();  // OpenClaw's flag; this agent binds 127.0.0.1 only
    else log_line("ignoring argument '%s'", a);       // tolerate OpenClaw-style "gateway run ..." lines
  }

  const char* src = "PORT";
  const char* pe = env_or_null("PORT");
  if (!pe) {
    src = "OPENCLAW_GATEWAY_PORT";
    pe = env_or_null(src);
  }
  long port = 0;
  if (pe) set_long(src, pe, port, 1, 65535);
  else port = flag_port;
  if (!port) {
    log_line("no port: set PORT or OPENCLAW_GATEWAY_PORT, or pass --port N");
    exit(2);
  }
  c.port = int(port);
  return c;
}

// ------------------------------------------------------------------------------------------ state

// Paused: a paced answer (a chat stream) waits until resume_at before its next piece goes out.
enum class St { Free, Reading, Connecting, Writing, Draining, Paused };
constexpr int kMaxBreaks = 24;

struct Conn {
  St st = St::Free;
  int fd = -1;
  char* in = nullptr;  // malloc'd, grows up to kMaxHeaderBytes + kMaxBodyBytes
  size_t in_len = 0, in_cap = 0;
  char* out = nullptr;  // malloc'd response
  size_t out_len = 0, out_off = 0;
  int64_t deadline = 0;
  int probe_fd = -1;  // /selftest/connect in progress
  int64_t probe_deadline = 0;
  int exit_code = -1;  // /control/crash: exit once the response is out
  size_t breaks[kMaxBreaks] = {};  // a paced answer: offsets in `out` where it pauses
  int nbreaks = 0, next_break = 0;
  int64_t resume_at = 0;
};

struct Agent {
  Config cfg;
  int64_t start_ms = 0;
  int64_t started_wall_ms = 0;  // CLOCK_REALTIME at main(): when the process was exec'd, for benchmarks
  int listen_fd = -1;
  int signal_fd = -1;
  bool hung = false;
  bool spinning = false;
  Conn conns[kMaxConnections];
  int nconns = 0;
  double leak_rate = 0;  // MiB/s
  int64_t leak_since_ms = 0;
  uint64_t leak_base_bytes = 0, leaked_bytes = 0;
  bool leak_failed_logged = false;
  const char* state_dir = nullptr;
  bool state_dir_writable = false;
  int64_t next_heartbeat_ms = 0;
};

Agent g;
char g_body[64 * 1024];  // scratch for building one response body

void* spin_main(void*) {
  volatile uint64_t x = 1;
  for (;;) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  return nullptr;
}

void start_spin() {
  if (g.spinning) return;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t t;
  int rc = pthread_create(&t, &attr, spin_main, nullptr);  // signals stay blocked in it (mask inherited)
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    log_line("spin: pthread_create failed: %s", strerror(rc));
    return;
  }
  g.spinning = true;
  log_line("spin: burning one CPU");
}

void set_leak(double rate) {
  g.leak_base_bytes = g.leaked_bytes;
  g.leak_since_ms = now_ms();
  g.leak_rate = rate;
  log_line("leak: %g MiB/s (leaked so far %.1f MiB)", rate, double(g.leaked_bytes) / kMiB);
}

void leak_tick(int64_t now) {
  if (g.leak_rate <= 0) return;
  uint64_t target = g.leak_base_bytes + uint64_t(g.leak_rate * kMiB * double(now - g.leak_since_ms) / 1000.0);
  if (target <= g.leaked_bytes) return;
  const uint64_t page = uint64_t(sysconf(_SC_PAGESIZE));
  uint64_t want = (target - g.leaked_bytes + page - 1) / page * page;
  void* p = mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    if (!g.leak_failed_logged) log_line("leak: mmap of %llu bytes failed: %s", (unsigned long long)want, strerror(errno));
    g.leak_failed_logged = true;
    return;
  }
  memset(p, 0xA5, want);  // touch every page: resident and charged to the cgroup
  g.leaked_bytes += want;
}

void heartbeat(int64_t now) {
  if (!g.state_dir_writable || g.hung || now < g.next_heartbeat_ms) return;
  g.next_heartbeat_ms = now + kHeartbeatEveryMs;
  char buf[64];
  snprintf(buf, sizeof buf, "%lld %d\n", (long long)wall_ms(), int(getpid()));
  write_small_file(g.state_dir, "heartbeat", buf);
}

void init_state_dir() {
  g.state_dir = env_or_null("OPENCLAW_STATE_DIR");
  if (!g.state_dir) return;
  char buf[32];
  snprintf(buf, sizeof buf, "%d\n", int(getpid()));
  g.state_dir_writable = write_small_file(g.state_dir, "agent.pid", buf);
  if (!g.state_dir_writable) log_line("state dir %s not writable (%s); continuing", g.state_dir, strerror(errno));
}

void enter_hang(const char* why) {
  if (g.hung) return;
  g.hung = true;
  log_line("hang: no longer answering (%s)", why);
}

[[noreturn]] void crash(int code, const char* why) {
  log_line("crash: exiting with code %d (%s)", code, why);
  _exit(code);
}

// ------------------------------------------------------------------------------------------ http

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

void close_conn(Conn& c) {
  if (c.probe_fd >= 0) close(c.probe_fd);
  if (c.fd >= 0) close(c.fd);
  free(c.in);
  free(c.out);
  c = Conn{};
}

void respond(Conn& c, int status, const char* body, bool head = false) {
  char hdr[256];
  size_t blen = strlen(body);
  int h = snprintf(hdr, sizeof hdr,
                   "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                   "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                   status, reason(status), blen);
  size_t total = size_t(h) + (head ? 0 : blen);
  free(c.out);
  c.out = static_cast<char*>(malloc(total));
  if (!c.out) {
    close_conn(c);
    return;
  }
  memcpy(c.out, hdr, size_t(h));
  if (!head) memcpy(c.out + h, body, blen);
  c.out_len = total;
  c.out_off = 0;
  c.st = St::Writing;
  c.deadline = now_ms() + kConnIdleTimeoutMs;
}

void respond_error(Conn& c, int status, const char* msg) {
  Buf b(g_body, sizeof g_body);
  b.add("{\"error\":");
  b.json_str(msg);
  b.add("}");
  respond(c, status, b.p);
}

void selftest_read(Conn& c, const char* path, bool head) {
  bool ok = false;
  int err = 0;
  const char* kind = "unknown";
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);  // O_NONBLOCK: FIFOs must not block us
  struct stat st{};
  if (fd < 0) {
    err = errno;
  } else if (fstat(fd, &st) != 0) {
    err = errno;
    close(fd);
  } else if (S_ISDIR(st.st_mode)) {
    close(fd);
    kind = "dir";
    DIR* d = opendir(path);
    if (!d) {
      err = errno;
    } else {
      errno = 0;
      dirent* e = readdir(d);
      err = e ? 0 : errno;
      ok = e || !err;
      closedir(d);
    }
  } else {
    kind = S_ISREG(st.st_mode) ? "file" : "other";
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf);
    err = n < 0 ? errno : 0;
    ok = n >= 0 || err == EAGAIN;
    close(fd);
  }
  Buf b(g_body, sizeof g_body);
  b.addf("{\"readable\":%s,\"errno\":", ok ? "true" : "false");
  b.json_str(ok ? "" : errno_name(err));
  b.add(",\"type\":");
  b.json_str(kind);
  b.add("}");
  respond(c, 200, b.p, head);
}

// The value of one environment variable: how tests see what secrets the agent was handed. Test agent
// only: a real agent never echoes its secrets.
void selftest_env(Conn& c, const char* name, bool head) {
  const char* v = getenv(name);
  Buf b(g_body, sizeof g_body);
  b.addf("{\"set\":%s,\"value\":", v ? "true" : "false");
  b.json_str(v ? v : "");
  b.add("}");
  respond(c, 200, b.p, head);
}

// Runs `/bin/sh -c cmd` as this agent, inside its unit (its uid, cgroup, namespaces, seccomp filter and
// mounts), and answers its exit status and output: how the boundary suite (tests/integration/
// boundary_it.cpp) attacks from inside a real tenant. Blocks the agent while it runs; callers bound the
// command with `timeout`. Test agent only, never shipped (it is a remote shell by design).
void selftest_sh(Conn& c, const char* cmd, bool head) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return respond_error(c, 500, "pipe failed");
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return respond_error(c, 500, "fork failed");
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    execl("/bin/sh", "sh", "-c", cmd, (char*)nullptr);
    _exit(127);
  }
  close(fds[1]);
  static char out[16 * 1024];
  size_t n = 0;
  for (ssize_t r; (r = read(fds[0], out + n, sizeof out - 1 - n)) != 0;) {
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (n += (size_t)r) == sizeof out - 1) break;
  }
  out[n] = 0;
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  Buf b(g_body, sizeof g_body);
  b.addf("{\"exit\":%d,\"out\":", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  b.json_str(out);
  b.add("}");
  respond(c, 200, b.p, head);
}

void selftest_whoami(Conn& c, bool head) {
  char cwd[4096];
  const char* wd = getcwd(cwd, sizeof cwd) ? cwd : "";
  const char* home = getenv("HOME");
  const char* sd = getenv("OPENCLAW_STATE_DIR");
  const char* cp = getenv("OPENCLAW_CONFIG_PATH");
  Buf b(g_body, sizeof g_body);
  b.addf("{\"uid\":%u,\"gid\":%u,\"euid\":%u,\"pid\":%d,\"cwd\":", unsigned(getuid()), unsigned(getgid()),
         unsigned(geteuid()), int(getpid()));
  b.json_str(wd);
  b.add(",\"home\":");
  b.json_str(home ? home : "");
  b.add(",\"state_dir\":");
  b.json_str(sd ? sd : "");
  b.add(",\"config_path\":");
  b.json_str(cp ? cp : "");
  b.addf(",\"state_dir_writable\":%s,\"started_wall_ms\":%lld}", g.state_dir_writable ? "true" : "false",
         (long long)g.started_wall_ms);
  respond(c, 200, b.p, head);
}

void finish_probe(Conn& c, bool connected, const char* error) {
  if (c.probe_fd >= 0) close(c.probe_fd);
  c.probe_fd = -1;
  Buf b(g_body, sizeof g_body);
  b.addf("{\"connected\":%s,\"error\":", connected ? "true" : "false");
  b.json_str(error);
  b.add("}");
  respond(c, 200, b.p);
}

void start_probe(Conn& c, Str query) {
  char addr[64], port_s[32], to_s[32];
  in_addr ia{};
  if (!query_param(query, "addr", addr, sizeof addr) || inet_pton(AF_INET, addr, &ia) != 1)
    return respond_error(c, 400, "addr must be an IPv4 address in 127.0.0.0/8");
  if ((ntohl(ia.s_addr) >> 24) != 127) return respond_error(c, 400, "only loopback (127.0.0.0/8) addresses are allowed");
  long port = 0, timeout = 1000;
  if (!query_param(query, "port", port_s, sizeof port_s) || !parse_long(port_s, port, 1, 65535))
    return respond_error(c, 400, "port must be 1..65535");
  if (query_param(query, "timeout_ms", to_s, sizeof to_s) && !parse_long(to_s, timeout, 1, 30000))
    return respond_error(c, 400, "timeout_ms must be 1..30000");
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return finish_probe(c, false, errno_name(errno));
  c.probe_fd = fd;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(port));
  sa.sin_addr = ia;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) return finish_probe(c, true, "");
  if (errno != EINPROGRESS) return finish_probe(c, false, errno_name(errno));
  c.st = St::Connecting;  // completed in the poll loop (POLLOUT) or by the deadline ("timeout")
  c.probe_deadline = now_ms() + timeout;
}

// ------------------------------------------------------------------------------------------ chat
// OpenClaw's OpenAI-compatible endpoint, as far as the appliance's front needs it in tests: the gateway
// token check, an answer that echoes the last message, and server-sent events when asked.

constexpr size_t kMaxEcho = 4096;  // bytes of the echoed message (its JSON-escaped text)

// With CLAWHIVE_GATEWAY_TOKEN set (OpenClaw's gateway.auth.token), only "Bearer <it>" may call.
bool chat_authorized(Str auth) {
  const char* want = env_or_null("CLAWHIVE_GATEWAY_TOKEN");
  if (!want) return true;
  if (!auth.starts("Bearer ")) return false;
  Str given = auth.tail(7).trim();
  return given.n == strlen(want) && memcmp(given.p, want, given.n) == 0;
}

// The raw (still JSON-escaped) text of the last string value of `"key"` in a JSON body; empty if none.
// Not a JSON parser: enough for the requests tests send.
Str json_last_string(Str body, const char* key) {
  char quoted[64];
  snprintf(quoted, sizeof quoted, "\"%s\"", key);
  size_t klen = strlen(quoted);
  Str found;
  for (size_t i = 0; i + klen <= body.n; ++i) {
    if (memcmp(body.p + i, quoted, klen) != 0) continue;
    size_t j = i + klen;
    while (j < body.n && (body.p[j] == ' ' || body.p[j] == '\n' || body.p[j] == '\t' || body.p[j] == '\r')) ++j;
    if (j >= body.n || body.p[j] != ':') continue;
    ++j;
    while (j < body.n && (body.p[j] == ' ' || body.p[j] == '\n' || body.p[j] == '\t' || body.p[j] == '\r')) ++j;
    if (j >= body.n || body.p[j] != '"') continue;
    size_t start = ++j;
    while (j < body.n && body.p[j] != '"') j += body.p[j] == '\\' ? 2 : 1;
    if (j > body.n) j = body.n;
    found = Str(body.p + start, j - start);
    i = j;
  }
  return found;
}

bool json_true(Str body, const char* key) {
  char quoted[64];
  snprintf(quoted, sizeof quoted, "\"%s\"", key);
  size_t klen = strlen(quoted);
  for (size_t i = 0; i + klen <= body.n; ++i) {
    if (memcmp(body.p + i, quoted, klen) != 0) continue;
    size_t j = i + klen;
    while (j < body.n && (body.p[j] == ' ' || body.p[j] == ':')) ++j;
    return body.tail(j).starts("true");
  }
  return false;
}

// Cuts escaped JSON text to at most `max` bytes without splitting an escape sequence.
Str cut_escaped(Str s, size_t max) {
  if (s.n <= max) return s;
  size_t n = max;
  for (size_t k = n >= 6 ? n - 6 : 0; k < n; ++k)
    if (s.p[k] == '\\') { n = k; break; }
  return s.head(n);
}

// Sets c.out to a whole answer built from a head and a body, replacing what was there.
bool set_answer(Conn& c, const char* head, size_t hlen, const char* body, size_t blen) {
  free(c.out);
  c.out = static_cast<char*>(malloc(hlen + blen + 1));
  if (!c.out) {
    close_conn(c);
    return false;
  }
  memcpy(c.out, head, hlen);
  memcpy(c.out + hlen, body, blen);
  c.out_len = hlen + blen;
  c.out_off = 0;
  c.nbreaks = c.next_break = 0;
  c.st = St::Writing;
  c.deadline = now_ms() + kConnIdleTimeoutMs;
  return true;
}

void unauthorized(Conn& c) {
  respond(c, 401, "{\"error\":{\"message\":\"Unauthorized\",\"type\":\"unauthorized\"}}");
}

void handle_models(Conn& c, Str auth) {
  if (!chat_authorized(auth)) return unauthorized(c);
  respond(c, 200,
          "{\"object\":\"list\",\"data\":[{\"id\":\"openclaw\",\"object\":\"model\",\"created\":0,\"owned_by\":\"openclaw\"},"
          "{\"id\":\"openclaw/default\",\"object\":\"model\",\"created\":0,\"owned_by\":\"openclaw\"}]}");
}

void handle_chat(Conn& c, Str auth, Str body) {
  if (!chat_authorized(auth)) return unauthorized(c);
  Str content = json_last_string(body, "content");
  if (!content.n) content = json_last_string(body, "text");
  content = cut_escaped(content, kMaxEcho);
  Str user = cut_escaped(json_last_string(body, "user"), 512);
  const bool stream = json_true(body, "stream");
  const long created = long(wall_ms() / 1000);
  // "__stall__": the agent takes the call and never answers (for the front's time bounds).
  if (content.eq("__stall__")) {
    c.st = St::Paused;
    c.resume_at = c.deadline = now_ms() + 600000;
    return;
  }
  static char answer[kMaxEcho * 2 + 8192];
  Buf b(answer, sizeof answer);
  if (!stream) {
    b.addf("{\"id\":\"chatcmpl-test\",\"object\":\"chat.completion\",\"created\":%ld,\"model\":\"openclaw\","
           "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"echo: ",
           created);
    b.add(content.p, content.n);
    b.addf("\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":%zu,\"completion_tokens\":%zu,"
           "\"total_tokens\":%zu},\"test_agent\":{\"user\":\"",
           body.n / 4 + 1, content.n / 4 + 2, body.n / 4 + content.n / 4 + 3);
    b.add(user.p, user.n);
    b.add("\"}}");
    char head[256];
    int h = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\nConnection: close\r\n\r\n", b.n);
    set_answer(c, head, size_t(h), b.p, b.n);
    return;
  }
  // Server-sent events as OpenClaw sends them: a role delta, the text in pieces (word by word), a final
  // chunk with finish_reason, [DONE]. The answer is sent paced: one piece, a pause, the next.
  size_t breaks[kMaxBreaks];
  int nb = 0;
  auto event_start = [&] {
    b.addf("data: {\"id\":\"chatcmpl-test\",\"object\":\"chat.completion.chunk\",\"created\":%ld,\"model\":\"openclaw\","
           "\"choices\":[{\"index\":0,\"delta\":{", created);
  };
  auto mark = [&] {
    if (nb < kMaxBreaks - 1) breaks[nb++] = b.n;
  };
  event_start();
  b.add("\"role\":\"assistant\"},\"finish_reason\":null}]}\n\n");
  mark();
  event_start();
  b.add("\"content\":\"echo:\"},\"finish_reason\":null}]}\n\n");
  mark();
  size_t i = 0;
  while (i < content.n) {
    size_t j = i + 1;
    while (j < content.n && content.p[j] != ' ') j += content.p[j] == '\\' ? 2 : 1;
    if (j > content.n || nb >= kMaxBreaks - 2) j = content.n;  // out of pauses: the rest in one piece
    event_start();
    b.add("\"content\":\" ");
    b.add(content.p + i + (content.p[i] == ' ' ? 1 : 0), j - i - (content.p[i] == ' ' ? 1 : 0));
    b.add("\"},\"finish_reason\":null}]}\n\n");
    if (nb < kMaxBreaks - 2) mark();
    i = j;
  }
  event_start();
  b.add("},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
  const char* head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
  size_t hlen = strlen(head);
  if (!set_answer(c, head, hlen, b.p, b.n)) return;
  for (int k = 0; k < nb; ++k) c.breaks[k] = hlen + breaks[k];
  c.nbreaks = nb;
}

void handle_request(Conn& c, Str method, Str target, Str auth, Str body) {
  size_t qm = target.find('?');
  Str query = qm == SIZE_MAX ? Str() : target.tail(qm + 1);
  char path[1024];
  if (!url_decode(target.head(qm), path, sizeof path)) return respond_error(c, 404, "not found");
  const bool head = method.eq("HEAD");
  const bool get = method.eq("GET") || head;
  const bool post = method.eq("POST");

  if (!strcmp(path, "/healthz") || !strcmp(path, "/readyz") || !strcmp(path, "/startupz")) {
    if (!get) return respond_error(c, 405, "method not allowed");
    if (!strcmp(path, "/healthz")) return respond(c, 200, "{\"ok\":true,\"status\":\"live\"}", head);
    if (!strcmp(path, "/readyz")) return respond(c, 200, "{\"ready\":true,\"failing\":[]}", head);
    if (now_ms() - g.start_ms >= g.cfg.startup_delay_ms) return respond(c, 200, "{\"started\":true,\"status\":\"started\"}", head);
    return respond(c, 503, "{\"started\":false,\"status\":\"starting\"}", head);
  }
  if (!strncmp(path, "/control/", 9)) {
    if (!post) return respond_error(c, 405, "use POST");
    char v[64];
    if (!strcmp(path, "/control/hang")) {
      respond(c, 200, "{\"hung\":true}");  // this answer still goes out
      return enter_hang("POST /control/hang");
    }
    if (!strcmp(path, "/control/crash")) {
      long code = g.cfg.crash_exit_code;
      if (query_param(query, "code", v, sizeof v) && !parse_long(v, code, 0, 255))
        return respond_error(c, 400, "code must be 0..255");
      snprintf(g_body, sizeof g_body, "{\"crashing\":true,\"code\":%ld}", code);
      respond(c, 200, g_body);
      c.exit_code = int(code);
      return;
    }
    if (!strcmp(path, "/control/leak")) {
      double rate = 0;
      if (!query_param(query, "mb_per_s", v, sizeof v) || !parse_rate(v, rate))
        return respond_error(c, 400, "mb_per_s must be a number >= 0");
      set_leak(rate);
      snprintf(g_body, sizeof g_body, "{\"leak_mb_per_s\":%g}", rate);
      return respond(c, 200, g_body);
    }
    if (!strcmp(path, "/control/spin")) {
      start_spin();
      return respond(c, 200, "{\"spinning\":true}");
    }
    return respond_error(c, 404, "not found");
  }
  if (!strcmp(path, "/v1/chat/completions")) {
    if (!post) return respond_error(c, 405, "use POST");
    return handle_chat(c, auth, body);
  }
  if (!strcmp(path, "/v1/models")) {
    if (!get) return respond_error(c, 405, "use GET");
    return handle_models(c, auth);
  }
  if (!strncmp(path, "/selftest/", 10)) {
    if (!get) return respond_error(c, 405, "use GET");
    if (!strcmp(path, "/selftest/whoami")) return selftest_whoami(c, head);
    if (!strcmp(path, "/selftest/read")) {
      char p[kMaxValueBytes];
      if (!query_param(query, "path", p, sizeof p) || p[0] != '/') return respond_error(c, 400, "path must be absolute");
      return selftest_read(c, p, head);
    }
    if (!strcmp(path, "/selftest/connect")) return start_probe(c, query);
    if (!strcmp(path, "/selftest/sh")) {
      char cmd[kMaxValueBytes];
      if (!query_param(query, "cmd", cmd, sizeof cmd) || !cmd[0]) return respond_error(c, 400, "cmd is required");
      return selftest_sh(c, cmd, head);
    }
    if (!strcmp(path, "/selftest/env")) {
      char n[256];
      if (!query_param(query, "name", n, sizeof n) || !n[0]) return respond_error(c, 400, "name is required");
      return selftest_env(c, n, head);
    }
  }
  Buf b(g_body, sizeof g_body);
  b.add("{\"error\":\"not found\"}");
  respond(c, 404, b.p, head);
}

// Responds once the whole request (headers + Content-Length body, which is read and ignored) is in.
void try_parse(Conn& c) {
  Str all(c.in, c.in_len);
  size_t hdr_end = SIZE_MAX, sep = 0;
  for (size_t i = 0; i + 1 < all.n; ++i) {
    if (all.p[i] != '\n') continue;
    if (all.p[i + 1] == '\n') { hdr_end = i; sep = 2; break; }
    if (all.p[i + 1] == '\r' && i + 2 < all.n && all.p[i + 2] == '\n') { hdr_end = i; sep = 3; break; }
  }
  if (hdr_end == SIZE_MAX) {
    if (c.in_len > kMaxHeaderBytes) respond_error(c, 431, "headers too large");
    return;
  }
  Str headers = all.head(hdr_end);
  size_t eol = headers.find('\n');
  Str line = headers.head(eol).trim();
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == SIZE_MAX ? SIZE_MAX : line.find(' ', sp1 + 1);
  if (sp2 == SIZE_MAX || !line.tail(sp2 + 1).starts("HTTP/1.")) return respond_error(c, 400, "bad request line");
  Str method = line.head(sp1);
  Str target = line.tail(sp1 + 1).head(sp2 - sp1 - 1);

  long content_length = 0;
  Str auth;
  Str rest = eol == SIZE_MAX ? Str() : headers.tail(eol + 1);
  while (rest.n) {
    size_t e = rest.find('\n');
    Str h = rest.head(e);
    rest = e == SIZE_MAX ? Str() : rest.tail(e + 1);
    size_t colon = h.find(':');
    if (colon == SIZE_MAX) continue;
    Str name = h.head(colon).trim(), value = h.tail(colon + 1).trim();
    if (name.ieq("Content-Length")) {
      char v[32];
      snprintf(v, sizeof v, "%.*s", int(value.n < 31 ? value.n : 31), value.p);
      if (!parse_long(v, content_length, 0, long(kMaxBodyBytes))) return respond_error(c, 413, "body too large or bad Content-Length");
    } else if (name.ieq("Authorization")) {
      auth = value;
    } else if (name.ieq("Transfer-Encoding") && !value.ieq("identity")) {
      return respond_error(c, 501, "chunked bodies are not supported");
    }
  }
  if (c.in_len < hdr_end + sep + size_t(content_length)) return;  // body still coming
  if (target.starts("http://")) {  // absolute-form target: keep the path
    size_t slash = target.find('/', 7);
    target = slash == SIZE_MAX ? Str("/", 1) : target.tail(slash);
  }
  handle_request(c, method, target, auth, Str(c.in + hdr_end + sep, size_t(content_length)));
}

// ------------------------------------------------------------------------------------------ loop

void on_readable(Conn& c) {
  char buf[4096];
  bool eof = false;
  for (;;) {
    ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      if (c.st != St::Reading) continue;  // draining: discard
      if (c.in_len + size_t(n) > kMaxHeaderBytes + kMaxBodyBytes) return respond_error(c, 413, "request too large");
      if (c.in_len + size_t(n) > c.in_cap) {
        size_t cap = c.in_cap ? c.in_cap * 2 : 2048;
        while (cap < c.in_len + size_t(n)) cap *= 2;
        char* p = static_cast<char*>(realloc(c.in, cap));
        if (!p) return close_conn(c);
        c.in = p;
        c.in_cap = cap;
      }
      memcpy(c.in + c.in_len, buf, size_t(n));
      c.in_len += size_t(n);
      continue;
    }
    if (n == 0) {
      eof = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return close_conn(c);
  }
  if (c.st == St::Draining) {
    if (eof) close_conn(c);
    return;
  }
  c.deadline = now_ms() + kConnIdleTimeoutMs;
  try_parse(c);
  if (eof && c.st == St::Reading) close_conn(c);  // incomplete request and the peer is gone
}

void on_writable(Conn& c) {
  while (c.out_off < c.out_len) {
    size_t limit = c.next_break < c.nbreaks ? c.breaks[c.next_break] : c.out_len;
    if (c.out_off >= limit) {  // a paced answer: this piece is out, the next one after the pause
      ++c.next_break;
      c.st = St::Paused;
      c.resume_at = now_ms() + g.cfg.chat_delay_ms;
      c.deadline = c.resume_at + kConnIdleTimeoutMs;
      return;
    }
    ssize_t n = send(c.fd, c.out + c.out_off, limit - c.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    return close_conn(c);
  }
  shutdown(c.fd, SHUT_WR);
  if (c.exit_code >= 0) crash(c.exit_code, "POST /control/crash");
  // Read until the client closes, so close() never becomes a RST that could eat the response.
  c.st = St::Draining;
  c.deadline = now_ms() + kDrainTimeoutMs;
  free(c.out);
  free(c.in);
  c.out = c.in = nullptr;
  c.out_len = c.out_off = c.in_len = c.in_cap = 0;
}

void on_probe(Conn& c) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(c.probe_fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  finish_probe(c, err == 0, err == 0 ? "" : errno_name(err));
}

void accept_all() {
  while (g.nconns < kMaxConnections) {
    int fd = accept4(g.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) log_line("accept: %s", strerror(errno));
      return;
    }
    Conn& c = g.conns[g.nconns++];
    c = Conn{};
    c.fd = fd;
    c.st = St::Reading;
    c.deadline = now_ms() + kConnIdleTimeoutMs;
  }
}

void on_signal() {
  signalfd_siginfo si{};
  while (read(g.signal_fd, &si, sizeof si) == ssize_t(sizeof si)) {
    if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
      log_line("%s: exiting", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
      _exit(0);
    }
  }
}

int open_listener(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(fd, 128) != 0) {
    int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

constexpr int kOwnerSignal = -1, kOwnerListen = -2;
pollfd g_pfds[kMaxConnections + 2];
int g_owner[kMaxConnections + 2];  // >= 0: conn index (its fd); <= -3: conn index -3-k (its probe fd)

[[noreturn]] void run() {
  for (;;) {
    int64_t now = now_ms();
    if (g.cfg.crash_after_ms >= 0 && now - g.start_ms >= g.cfg.crash_after_ms)
      crash(int(g.cfg.crash_exit_code), "crash-after-ms");
    if (g.cfg.hang_after_ms >= 0 && now - g.start_ms >= g.cfg.hang_after_ms) enter_hang("hang-after-ms");
    leak_tick(now);
    heartbeat(now);

    // Deadlines, then compact the table (closed slots are Free).
    for (int i = 0; i < g.nconns; ++i) {
      Conn& c = g.conns[i];
      if (c.st == St::Paused && now >= c.resume_at) c.st = St::Writing;
      if (c.st == St::Connecting && now >= c.probe_deadline) finish_probe(c, false, "timeout");
      else if (c.st != St::Free && c.st != St::Connecting && now >= c.deadline && !(g.hung && c.st == St::Reading))
        close_conn(c);
    }
    int live = 0;
    for (int i = 0; i < g.nconns; ++i)
      if (g.conns[i].st != St::Free) g.conns[live++] = g.conns[i];
    for (int i = live; i < g.nconns; ++i) g.conns[i] = Conn{};
    g.nconns = live;

    int np = 0;
    int64_t next = now + 60000;
    auto at = [&](int64_t t) { if (t < next) next = t; };
    g_pfds[np] = {g.signal_fd, POLLIN, 0};
    g_owner[np++] = kOwnerSignal;
    if (!g.hung && g.nconns < kMaxConnections) {  // hung: stop accepting (the backlog fills, clients wait)
      g_pfds[np] = {g.listen_fd, POLLIN, 0};
      g_owner[np++] = kOwnerListen;
    }
    for (int i = 0; i < g.nconns; ++i) {
      Conn& c = g.conns[i];
      if (c.st == St::Reading && g.hung) continue;  // hung: requests are neither read nor answered
      if (c.st == St::Paused) {  // nothing to poll: wake at its next piece (or its stall's end)
        at(c.resume_at < c.deadline ? c.resume_at : c.deadline);
        continue;
      }
      if (c.st == St::Connecting) {
        g_pfds[np] = {c.probe_fd, POLLOUT, 0};
        g_owner[np++] = -3 - i;
        at(c.probe_deadline);
        continue;
      }
      g_pfds[np] = {c.fd, short(c.st == St::Writing ? POLLOUT : POLLIN), 0};
      g_owner[np++] = i;
      at(c.deadline);
    }
    if (g.cfg.crash_after_ms >= 0) at(g.start_ms + g.cfg.crash_after_ms);
    if (g.cfg.hang_after_ms >= 0 && !g.hung) at(g.start_ms + g.cfg.hang_after_ms);
    if (g.leak_rate > 0) at(now + kLeakTickMs);
    if (g.state_dir_writable && !g.hung) at(g.next_heartbeat_ms);

    int n = poll(g_pfds, nfds_t(np), int(next > now ? next - now : 0));
    if (n < 0) {
      if (errno == EINTR) continue;
      log_line("poll: %s", strerror(errno));
      exit(1);
    }
    bool accept_ready = false;
    for (int k = 0; k < np && n > 0; ++k) {
      if (!g_pfds[k].revents) continue;
      int o = g_owner[k];
      if (o == kOwnerSignal) { on_signal(); continue; }
      if (o == kOwnerListen) { accept_ready = true; continue; }
      if (o <= -3) {
        Conn& c = g.conns[-3 - o];
        if (c.st == St::Connecting) on_probe(c);
        if (c.st == St::Writing) on_writable(c);
        continue;
      }
      Conn& c = g.conns[o];
      if (c.st == St::Writing) {
        if (g_pfds[k].revents & (POLLERR | POLLNVAL)) close_conn(c);
        else on_writable(c);
      } else if (c.st == St::Reading || c.st == St::Draining) {
        on_readable(c);
        if (c.st == St::Writing) on_writable(c);  // a small answer usually goes out at once
      }
    }
    if (accept_ready) accept_all();
  }
}

}  // namespace

int main(int argc, char** argv) {
  g.start_ms = now_ms();
  timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  g.started_wall_ms = int64_t(wall.tv_sec) * 1000 + wall.tv_nsec / 1000000;
  g_log_prefix = getenv("JOURNAL_STREAM") == nullptr;
  g.cfg = parse_config(argc, argv);

  // SIGTERM/SIGINT through a signalfd; blocked in every thread (the spinner inherits the mask).
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  g.signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  signal(SIGPIPE, SIG_IGN);

  g.listen_fd = open_listener(g.cfg.port);
  if (g.listen_fd < 0) {
    log_line("cannot listen on 127.0.0.1:%d: %s", g.cfg.port, strerror(errno));
    return 1;
  }
  init_state_dir();
  if (g.cfg.spin) start_spin();
  if (g.cfg.leak_mb_per_s > 0) {
    g.leak_rate = g.cfg.leak_mb_per_s;
    g.leak_since_ms = now_ms();
  }

  char modes_storage[512];
  Buf modes(modes_storage, sizeof modes_storage);
  if (g.cfg.startup_delay_ms > 0) modes.addf(" startup-delay-ms=%ld", g.cfg.startup_delay_ms);
  if (g.cfg.crash_after_ms >= 0) modes.addf(" crash-after-ms=%ld", g.cfg.crash_after_ms);
  if (g.cfg.crash_after_ms >= 0 || g.cfg.crash_exit_code != 3) modes.addf(" crash-exit-code=%ld", g.cfg.crash_exit_code);
  if (g.cfg.leak_mb_per_s > 0) modes.addf(" leak-mb-per-s=%g", g.cfg.leak_mb_per_s);
  if (g.cfg.spin) modes.add(" spin");
  if (g.cfg.hang_after_ms >= 0) modes.addf(" hang-after-ms=%ld", g.cfg.hang_after_ms);
  if (g.state_dir) modes.addf(" state-dir=%s%s", g.state_dir, g.state_dir_writable ? "" : "(not writable)");
  log_line("listening on 127.0.0.1:%d pid %d modes:%s", g.cfg.port, int(getpid()), modes.n ? modes.p : " none");

  run();
}
