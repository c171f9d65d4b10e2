// clawhivectl: argument parsing, request building and rendering as pure functions, then the real
// client (Run) against a real ApiServer on an ephemeral port with fake services behind it.
#include "supervisor/cmd/ctl/ctl.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <boost/test/unit_test.hpp>

#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "supervisor/api/api_server.h"
#include "supervisor/cmd/ctl/client.h"
#include "unit/fails_with.h"
#include "unit/fake_secret_service.h"
#include "unit/fake_tenant_service.h"
#include "unit/loopback_api.h"
#include "unit/temp_identity.h"

namespace clawhive::ctl {
namespace {

using clawhive::JsonValue;
using clawhive::testing::FailsWith;

// argv for ParseArgs: getopt permutes it, so it must be writable storage that outlives the call.
struct Argv {
  explicit Argv(std::initializer_list<std::string> words) : storage{"clawhivectl"} {
    storage.insert(storage.end(), words);
    for (std::string& s : storage) pointers.push_back(s.data());
    pointers.push_back(nullptr);
  }
  Argv(const std::vector<std::string>& words) : storage{"clawhivectl"} {  // NOLINT: implicit for brevity
    storage.insert(storage.end(), words.begin(), words.end());
    for (std::string& s : storage) pointers.push_back(s.data());
    pointers.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(storage.size()); }
  char** argv() { return pointers.data(); }
  std::vector<std::string> storage;
  std::vector<char*> pointers;
};

Result<Invocation> Parse(std::initializer_list<std::string> words) {
  Argv a(words);
  return ParseArgs(a.argc(), a.argv());
}

std::string UsageError(std::initializer_list<std::string> words) {
  Result<Invocation> r = Parse(words);
  BOOST_TEST_REQUIRE(FailsWith(r, ErrorCode::kInvalidArgument), "expected a usage error");
  return r.error().message;
}

template <typename T>
std::string Why(const Result<T>& r) {
  return r.ok() ? std::string() : r.error().message;
}

JsonValue Json(const std::string& text) {
  Result<JsonValue> j = ParseJson(text);
  BOOST_REQUIRE_MESSAGE(j.ok(), text);
  return std::move(*j);
}

BOOST_AUTO_TEST_SUITE(clawhivectl)

// ---- parsing --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(defaults_and_options_in_any_position) {
  Result<Invocation> r = Parse({"tenant", "list"});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST((r->command == Command::kTenantList));
  BOOST_TEST(r->api == "https://127.0.0.1:8470");
  BOOST_TEST(r->cert_file == "/var/lib/clawhive/tls/tls.crt");
  BOOST_TEST(!r->token_file.has_value());
  BOOST_TEST(!r->json);

  r = Parse({"--json", "tenant", "create", "acme", "--memory-max", "512M", "--display-name", "Acme Corp",
             "--api=http://[::1]:9000", "--token-file", "/tmp/t"});
  BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
  BOOST_TEST((r->command == Command::kTenantCreate));
  BOOST_TEST(r->args == std::vector<std::string>{"acme"});
  BOOST_TEST(*r->memory_max == "512M");
  BOOST_TEST(*r->display_name == "Acme Corp");
  BOOST_TEST(r->api == "http://[::1]:9000");
  BOOST_TEST(*r->token_file == "/tmp/t");
  BOOST_TEST(r->json);

  // "--" ends the options: an id that looks like an option is an operand.
  r = Parse({"tenant", "get", "--", "--json"});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->args == std::vector<std::string>{"--json"});
  BOOST_TEST(!r->json);
}

BOOST_AUTO_TEST_CASE(every_command_parses_with_its_operands) {
  struct Case {
    std::vector<std::string> words;
    Command command;
    size_t args;
  };
  for (const Case& c : std::vector<Case>{
           {{"tenant", "list"}, Command::kTenantList, 0},
           {{"tenant", "get", "a1"}, Command::kTenantGet, 1},
           {{"tenant", "delete", "a1", "--remove-workspace"}, Command::kTenantDelete, 1},
           {{"tenant", "start", "a1"}, Command::kTenantStart, 1},
           {{"tenant", "stop", "a1"}, Command::kTenantStop, 1},
           {{"tenant", "restart", "a1"}, Command::kTenantRestart, 1},
           {{"tenant", "incidents"}, Command::kTenantIncidents, 0},
           {{"tenant", "incidents", "a1", "--limit", "5"}, Command::kTenantIncidents, 1},
           {{"secret", "put", "a1", "K", "--from-file", "/f"}, Command::kSecretPut, 2},
           {{"secret", "get", "_platform", "K"}, Command::kSecretGet, 2},
           {{"secret", "list", "a1"}, Command::kSecretList, 1},
           {{"secret", "delete", "a1", "K"}, Command::kSecretDelete, 2},
           {{"vault", "rotate-kek"}, Command::kVaultRotateKek, 0},
           {{"vault", "rotate-data-key", "a1"}, Command::kVaultRotateDataKey, 1},
           {{"vault", "rotations", "--limit", "3"}, Command::kVaultRotations, 0},
       }) {
    Argv a(c.words);
    Result<Invocation> r = ParseArgs(a.argc(), a.argv());
    BOOST_REQUIRE_MESSAGE(r.ok(), c.words[0] << " " << c.words[1] << ": " << Why(r));
    BOOST_TEST((r->command == c.command), c.words[1]);
    BOOST_TEST(r->args.size() == c.args, c.words[1]);
  }
  for (auto words : {std::initializer_list<std::string>{"--help"}, {"-h"}, {"help"}, {"tenant", "list", "--help"}}) {
    Result<Invocation> r = Parse(words);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST((r->command == Command::kHelp));
  }
}

BOOST_AUTO_TEST_CASE(usage_errors_say_what_is_wrong) {
  BOOST_TEST(UsageError({}) == "no command given");
  BOOST_TEST(UsageError({"tenants", "list"}).find("unknown command 'tenants'") != std::string::npos);
  BOOST_TEST(UsageError({"tenant"}).find("needs a subcommand") != std::string::npos);
  BOOST_TEST(UsageError({"tenant", "frobnicate"}).find("unknown command 'tenant frobnicate'") != std::string::npos);
  BOOST_TEST(UsageError({"tenant", "get"}) == "usage: clawhivectl tenant get ID");
  BOOST_TEST(UsageError({"tenant", "list", "extra"}) == "usage: clawhivectl tenant list");
  BOOST_TEST(UsageError({"secret", "get", "acme"}) == "usage: clawhivectl secret get TENANT NAME");
  BOOST_TEST(UsageError({"--bogus", "tenant", "list"}) == "unknown option '--bogus'");
  BOOST_TEST(UsageError({"-x", "tenant", "list"}) == "unknown option '-x'");
  BOOST_TEST(UsageError({"tenant", "list", "--api"}) == "option '--api' needs a value");
  BOOST_TEST(UsageError({"--json=yes", "tenant", "list"}) == "option '--json=yes' does not take a value");
  BOOST_TEST(UsageError({"tenant", "list", "--memory-max", "1G"}) ==
             "option --memory-max does not apply to 'tenant list'");
  BOOST_TEST(UsageError({"tenant", "get", "a1", "--from-file", "/f"}) ==
             "option --from-file does not apply to 'tenant get'");
  BOOST_TEST(UsageError({"secret", "list", "a1", "--limit", "2"}).find("does not apply") != std::string::npos);
  BOOST_TEST(UsageError({"tenant", "create", "a1", "--memory-max", "lots"}).find("--memory-max: ") == 0u);
  BOOST_TEST(UsageError({"vault", "rotate-data-key", "_platform"}).find("takes a tenant id") != std::string::npos);
  BOOST_TEST(UsageError({"tenant", "delete", "_platform"}).find("not a tenant") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_secret_value_on_the_command_line_is_refused) {
  std::string message = UsageError({"secret", "put", "acme", "API_KEY", "sk-live-123"});
  BOOST_TEST(message.find("/proc") != std::string::npos);
  BOOST_TEST(message.find("sk-live-123") == std::string::npos);
}

// ---- requests -------------------------------------------------------------------------------------

ApiRequest RequestFor(std::initializer_list<std::string> words) {
  Result<Invocation> r = Parse(words);
  BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
  return BuildRequest(*r);
}

std::string Line(const ApiRequest& r) { return r.method + " " + r.path; }

BOOST_AUTO_TEST_CASE(each_command_makes_its_api_call) {
  BOOST_TEST(Line(RequestFor({"tenant", "list"})) == "GET /v1/tenants?limit=1000");
  BOOST_TEST(Line(RequestFor({"tenant", "get", "acme"})) == "GET /v1/tenants/acme");
  BOOST_TEST(Line(RequestFor({"tenant", "delete", "acme"})) == "DELETE /v1/tenants/acme?workspace=keep");
  BOOST_TEST(Line(RequestFor({"tenant", "delete", "acme", "--remove-workspace"})) ==
             "DELETE /v1/tenants/acme?workspace=remove");
  BOOST_TEST(Line(RequestFor({"tenant", "start", "acme"})) == "POST /v1/tenants/acme/start");
  BOOST_TEST(Line(RequestFor({"tenant", "stop", "acme"})) == "POST /v1/tenants/acme/stop");
  BOOST_TEST(Line(RequestFor({"tenant", "restart", "acme"})) == "POST /v1/tenants/acme/restart");
  BOOST_TEST(Line(RequestFor({"tenant", "incidents"})) == "GET /v1/incidents");
  BOOST_TEST(Line(RequestFor({"tenant", "incidents", "acme", "--limit", "5"})) ==
             "GET /v1/tenants/acme/incidents?limit=5");
  BOOST_TEST(Line(RequestFor({"secret", "put", "acme", "K"})) == "PUT /v1/tenants/acme/secrets/K");
  BOOST_TEST(!RequestFor({"secret", "put", "acme", "K"}).body.has_value());  // built from the value later
  BOOST_TEST(Line(RequestFor({"secret", "get", "acme", "K"})) == "GET /v1/tenants/acme/secrets/K");
  BOOST_TEST(Line(RequestFor({"secret", "list", "acme"})) == "GET /v1/tenants/acme/secrets");
  BOOST_TEST(Line(RequestFor({"secret", "delete", "acme", "K"})) == "DELETE /v1/tenants/acme/secrets/K");
  BOOST_TEST(Line(RequestFor({"secret", "put", "_platform", "K"})) == "PUT /v1/platform/secrets/K");
  BOOST_TEST(Line(RequestFor({"secret", "list", "_platform"})) == "GET /v1/platform/secrets");
  BOOST_TEST(Line(RequestFor({"vault", "rotate-kek"})) == "POST /v1/vault/rotate-kek");
  BOOST_TEST(Line(RequestFor({"vault", "rotate-data-key", "acme"})) == "POST /v1/tenants/acme/secrets/rotate-data-key");
  BOOST_TEST(Line(RequestFor({"vault", "rotations"})) == "GET /v1/vault/rotations");

  ApiRequest create = RequestFor({"tenant", "create", "acme", "--memory-max", "512M", "--display-name", "Acme \"C\""});
  BOOST_TEST(Line(create) == "POST /v1/tenants");
  BOOST_TEST(*create.body == R"({"id":"acme","display_name":"Acme \"C\"","resources":{"memory_max":"512M"}})");
  BOOST_TEST(*RequestFor({"tenant", "create", "acme"}).body == R"({"id":"acme"})");
}

BOOST_AUTO_TEST_CASE(operands_cannot_escape_their_path_segment) {
  BOOST_TEST(Line(RequestFor({"tenant", "get", "../x"})) == "GET /v1/tenants/%2E%2E%2Fx");
  BOOST_TEST(Line(RequestFor({"secret", "get", "a/b", "K?x=1#f"})) == "GET /v1/tenants/a%2Fb/secrets/K%3Fx%3D1%23f");
  BOOST_TEST(Line(RequestFor({"tenant", "incidents", "acme", "--limit", "1&limit=2"})) ==
             "GET /v1/tenants/acme/incidents?limit=1%26limit%3D2");
  BOOST_TEST(EncodeSegment("A_b-9 %\xc3\xa9") == "A_b-9%20%25%C3%A9");
}

BOOST_AUTO_TEST_CASE(the_put_body_escapes_the_value_without_reallocating) {
  std::string body;
  BOOST_REQUIRE(SecretPutBody("a\"b\\c\td\xc3\xa9", &body).ok());
  BOOST_TEST(body == "{\"value\":\"a\\\"b\\\\c\\td\xc3\xa9\"}");
  std::string worst(1000, '\x01');
  std::string big;
  BOOST_REQUIRE(SecretPutBody(worst, &big).ok());
  BOOST_TEST(big.size() == 6000u + 12u);
  BOOST_TEST(big.capacity() >= 6000u + 16u);  // reserved once, up front
  BOOST_TEST(FailsWith(SecretPutBody("abc\xff", &body), ErrorCode::kInvalidArgument,
                       "the value is not UTF-8 text; encode binary secrets first (e.g. with base64)"));
}

BOOST_AUTO_TEST_CASE(one_trailing_newline_is_stripped) {
  BOOST_TEST(StripOneNewline("abc\n") == "abc");
  BOOST_TEST(StripOneNewline("abc\r\n") == "abc");
  BOOST_TEST(StripOneNewline("abc\n\n") == "abc\n");
  BOOST_TEST(StripOneNewline("abc") == "abc");
  BOOST_TEST(StripOneNewline("\n") == "");
  BOOST_TEST(StripOneNewline("") == "");
}

// ---- rendering ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(tables_align_columns_by_characters) {
  std::string t = RenderTable({"ID", "NAME", "X"}, {{"acme", "Acm\xc3\xa9", "1"}, {"b", "Longer name", ""}});
  BOOST_TEST(t ==
             "ID    NAME         X\n"
             "acme  Acm\xc3\xa9         1\n"
             "b     Longer name\n");
  BOOST_TEST(RenderTable({"A", "B"}, {}) == "A  B\n");
  BOOST_TEST(RenderFields({{"id", "acme"}, {"display name", "Acme"}}) ==
             "id:            acme\n"
             "display name:  Acme\n");
}

BOOST_AUTO_TEST_CASE(terminal_control_sequences_are_neutralised) {
  BOOST_TEST(Sanitize("ok \xc3\xa9") == "ok \xc3\xa9");
  BOOST_TEST(Sanitize("\x1b]0;pwned\x07") == "?]0;pwned?");
  BOOST_TEST(Sanitize("a\nb\rc\td\x7f") == "a?b?c?d?");
  BOOST_TEST(Sanitize("\xc2\x9b" "31m") == "?31m");        // C1 CSI
  BOOST_TEST(Sanitize("x\xe2\x80\xae" "cod.exe") == "x?cod.exe");  // right-to-left override
  BOOST_TEST(Sanitize("\xff\xfe") == "??");
}

BOOST_AUTO_TEST_CASE(sizes_and_times_are_human) {
  BOOST_TEST(FormatBytes(0) == "0");
  BOOST_TEST(FormatBytes(1023) == "1023");
  BOOST_TEST(FormatBytes(1536) == "1.5K");
  BOOST_TEST(FormatBytes(512ull << 20) == "512M");
  BOOST_TEST(FormatBytes(187236352) == "178.6M");
  BOOST_TEST(FormatBytes(1ull << 30) == "1G");
  BOOST_TEST(FormatBytes(3ull << 40) == "3T");
  BOOST_TEST(FormatTime(0) == "-");
  BOOST_TEST(FormatTime(1732262400) == "2024-11-22 08:00:00Z");
}

BOOST_AUTO_TEST_CASE(answers_render_as_tables_and_fields) {
  Invocation list;
  list.command = Command::kTenantList;
  JsonValue tenants = Json(R"({"tenants":[{"id":"acme","display_name":"Acme","port":20000,"phase":"running",
      "resources":{"memory_max":1073741824},"status":{"memory_current":187236352,"restarts":2,"healthy":true}},
      {"id":"b2","display_name":"\u001b[2J","port":20120,"phase":"stopped","resources":{"memory_max":0},
       "status":{"memory_current":null,"restarts":0,"healthy":false}}]})");
  BOOST_TEST(Render(list, tenants) ==
             "ID    NAME  PHASE    PORT   MEMORY     RESTARTS  HEALTHY\n"
             "acme  Acme  running  20000  178.6M/1G  2         yes\n"
             "b2    ?[2J  stopped  20120  -          0         no\n");

  Invocation secrets;
  secrets.command = Command::kSecretList;
  JsonValue list_doc = Json(R"({"secrets":[{"tenant":"acme","name":"GITHUB_TOKEN","current_version":2,
      "created_at":1732262000,"rotated_at":1732262400,"versions":[{"version":2,"created_at":1732262400,
      "state":"current"},{"version":1,"created_at":1732262000,"state":"previous"}],
      "consumers":["clawhive-agent@acme.service"]}]})");
  BOOST_TEST(Render(secrets, list_doc) ==
             "NAME          CURRENT  VERSIONS  ROTATED               DELIVERED TO\n"
             "GITHUB_TOKEN  2        2         2024-11-22 08:00:00Z  clawhive-agent@acme.service\n");

  Invocation get;
  get.command = Command::kSecretGet;
  BOOST_TEST(Render(get, list_doc.Find("secrets")->items()[0]) ==
             "tenant:           acme\n"
             "name:             GITHUB_TOKEN\n"
             "current version:  2\n"
             "created:          2024-11-22 07:53:20Z\n"
             "rotated:          2024-11-22 08:00:00Z\n"
             "delivered to:     clawhive-agent@acme.service\n"
             "\n"
             "VERSION  CREATED               STATE\n"
             "2        2024-11-22 08:00:00Z  current\n"
             "1        2024-11-22 07:53:20Z  previous\n");

  Invocation rotate;
  rotate.command = Command::kVaultRotateDataKey;
  BOOST_TEST(Render(rotate, Json(R"({"id":3,"kind":"data-key","target":"acme","state":"done","done":4,"total":4})")) ==
             "rotation 3 (data-key of acme): done, 4/4 re-encrypted\n");
  Invocation deleted;
  deleted.command = Command::kSecretDelete;
  BOOST_TEST(Render(deleted, Json(R"({"tenant":"_platform","name":"OPENAI_API_KEY","deleted":true})")) ==
             "deleted secret OPENAI_API_KEY of the platform scope\n");
  // Shapes the renderer does not expect give dashes, not a crash.
  Invocation tenant;
  tenant.command = Command::kTenantGet;
  BOOST_TEST(Render(tenant, Json("[]")).find("id:") == 0u);
  BOOST_TEST(Render(list, Json(R"({"tenants":[1,"x",null]})")).find("-") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(error_documents_give_their_message) {
  BOOST_TEST(ErrorMessage(Json(R"({"error":{"code":"not_found","message":"no tenant 'x'"}})")) == "no tenant 'x'");
  BOOST_TEST(ErrorMessage(Json(R"({"error":{"code":"x","message":"a\u001bb"}})")) == "a?b");
  BOOST_TEST(ErrorMessage(Json(R"({"ok":true})")) == "");
}

// ---- against a real server ------------------------------------------------------------------------

const char* const kToken = "ctl-test-token-0123456789abcdef0123456789";

struct CliResult {
  int rc = -1;
  std::string out, err;
};

// A file whose content stands in for stdin.
class InputFile {
 public:
  explicit InputFile(const std::string& content) {
    char path[] = "/tmp/clawhivectl-test-XXXXXX";
    fd_ = mkstemp(path);
    BOOST_REQUIRE(fd_ >= 0);
    path_ = path;
    BOOST_REQUIRE(write(fd_, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    BOOST_REQUIRE(lseek(fd_, 0, SEEK_SET) == 0);
  }
  ~InputFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

struct CliFixture {
  CliFixture() : server(tenants, &secrets, Options(ids)) {
    BOOST_REQUIRE(server.Start().ok());
    url = "http://127.0.0.1:" + std::to_string(server.port());
  }

  static ApiServerOptions Options(testing::TempIdentity& ids) { return testing::LoopbackApiOptions(ids, 2); }

  // Runs clawhivectl against the server (unless the words give --api) with `input` as stdin.
  CliResult Run(std::vector<std::string> words, const std::string& input = "", const char* token = kToken) {
    bool has_api = false;
    for (const std::string& w : words) has_api = has_api || w.rfind("--api", 0) == 0;
    if (!has_api) words.insert(words.begin(), {"--api", url});
    Argv a(words);
    CliResult r;
    Result<Invocation> inv = ParseArgs(a.argc(), a.argv());
    if (!inv) {
      r.rc = kExitUsage;
      r.err = inv.error().message;
      return r;
    }
    InputFile in(input);
    std::ostringstream out, err;
    RunContext ctx;
    ctx.stdin_fd = in.fd();
    ctx.out = &out;
    ctx.err = &err;
    ctx.env_token = token;
    r.rc = ctl::Run(*inv, ctx);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  testing::TempIdentity ids{kToken};
  testing::FakeTenantService tenants;
  testing::FakeSecretService secrets;
  ApiServer server;
  std::string url;
};

BOOST_FIXTURE_TEST_SUITE(against_the_api, CliFixture)

BOOST_AUTO_TEST_CASE(tenants_are_managed_end_to_end) {
  CliResult created = Run({"tenant", "create", "acme", "--memory-max", "512M", "--display-name", "Acme Corp"});
  BOOST_TEST(created.rc == 0, created.err);
  BOOST_TEST(created.out.find("display name:  Acme Corp") != std::string::npos, created.out);
  BOOST_TEST((tenants.last_patch()->memory_max == std::optional<uint64_t>(512ull << 20)));

  CliResult listed = Run({"tenant", "list"});
  BOOST_TEST(listed.rc == 0);
  BOOST_TEST(listed.out.find("ID    NAME       PHASE") == 0u, listed.out);
  BOOST_TEST(listed.out.find("acme  Acme Corp  running") != std::string::npos, listed.out);

  BOOST_TEST(Run({"tenant", "stop", "acme"}).out.find("desired:       stopped") != std::string::npos);
  BOOST_TEST(Run({"tenant", "start", "acme"}).rc == 0);
  BOOST_TEST(Run({"tenant", "restart", "acme"}).out.find("restarts:      1") != std::string::npos);
  BOOST_TEST(Run({"tenant", "incidents", "acme", "--limit", "3"}).out ==
             "ID  TIME  TENANT  CAUSE  DETAIL  ACTION  HEALTHY AFTER\n");
  BOOST_TEST(tenants.last_incident_limit() == 3u);

  CliResult json = Run({"tenant", "get", "acme", "--json"});
  BOOST_TEST(json.rc == 0);
  BOOST_TEST(Json(json.out).Find("id")->string() == "acme");

  CliResult deleted = Run({"tenant", "delete", "acme", "--remove-workspace"});
  BOOST_TEST(deleted.out == "deleted tenant acme (workspace removed)\n");
  BOOST_TEST((tenants.last_remove_workspace() == std::optional<bool>(true)));

  CliResult missing = Run({"tenant", "get", "acme"});
  BOOST_TEST(missing.rc == kExitFailed);
  BOOST_TEST(missing.err == "clawhivectl: no tenant 'acme'\n");
  BOOST_TEST(missing.out.empty());
}

BOOST_AUTO_TEST_CASE(a_secret_is_put_from_stdin_and_never_printed) {
  secrets.AddTenant("acme");
  const std::string value = "ghp_CLIVALUE0123456789abcdefghij";
  CliResult put = Run({"secret", "put", "acme", "GITHUB_TOKEN"}, value + "\n");
  BOOST_TEST(put.rc == 0, put.err);
  BOOST_TEST(secrets.value("acme", "GITHUB_TOKEN").value_or("") == value);  // one newline stripped
  BOOST_TEST(put.out.find("current version:  1") != std::string::npos, put.out);
  BOOST_TEST(put.out.find("clawhive-agent@acme.service") != std::string::npos);

  CliResult again = Run({"secret", "put", "acme", "GITHUB_TOKEN"}, value + "-2\r\n");
  BOOST_TEST(again.rc == 0);
  BOOST_TEST(secrets.value("acme", "GITHUB_TOKEN").value_or("") == value + "-2");

  std::vector<CliResult> results = {put, again, Run({"secret", "get", "acme", "GITHUB_TOKEN"}),
                                    Run({"secret", "list", "acme"}), Run({"secret", "list", "acme", "--json"}),
                                    Run({"secret", "get", "acme", "GITHUB_TOKEN", "--json"})};
  for (const CliResult& r : results) {
    BOOST_TEST(r.rc == 0, r.err);
    BOOST_TEST(r.out.find("CLIVALUE") == std::string::npos, r.out);
    BOOST_TEST(r.err.find("CLIVALUE") == std::string::npos, r.err);
  }
  CliResult deleted = Run({"secret", "delete", "acme", "GITHUB_TOKEN"});
  BOOST_TEST(deleted.out == "deleted secret GITHUB_TOKEN of tenant acme\n");
  BOOST_TEST(!secrets.value("acme", "GITHUB_TOKEN").has_value());
}

BOOST_AUTO_TEST_CASE(platform_secrets_and_files) {
  InputFile file("sk-proj-FILEVALUE-abcdef\n");
  CliResult put = Run({"secret", "put", "_platform", "OPENAI_API_KEY", "--from-file", file.path()});
  BOOST_TEST(put.rc == 0, put.err);
  BOOST_TEST(secrets.value(kPlatform, "OPENAI_API_KEY").value_or("") == "sk-proj-FILEVALUE-abcdef");
  BOOST_TEST(put.out.find("delivered to:     -") != std::string::npos, put.out);
  BOOST_TEST(Run({"secret", "list", "_platform"}).out.find("OPENAI_API_KEY") != std::string::npos);
  CliResult missing = Run({"secret", "put", "_platform", "K", "--from-file", "/nonexistent/file"});
  BOOST_TEST(missing.rc == kExitFailed);
  BOOST_TEST(missing.err.find("cannot open /nonexistent/file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_values_are_refused_before_or_by_the_api) {
  secrets.AddTenant("acme");
  CliResult empty = Run({"secret", "put", "acme", "K"}, "\n");
  BOOST_TEST(empty.rc == kExitFailed);
  BOOST_TEST(empty.err.find("the value is empty") != std::string::npos);
  CliResult big = Run({"secret", "put", "acme", "K"}, std::string(kMaxSecretBytes + 1, 'x'));
  BOOST_TEST(big.rc == kExitFailed);
  BOOST_TEST(big.err.find("longer than 65536") != std::string::npos);
  BOOST_TEST(Run({"secret", "put", "acme", "K"}, std::string(kMaxSecretBytes, 'x') + "\n").rc == 0);
  CliResult binary = Run({"secret", "put", "acme", "K"}, "ab\xff\xfe");
  BOOST_TEST(binary.rc == kExitFailed);
  BOOST_TEST(binary.err.find("the value is not UTF-8 text") != std::string::npos, binary.err);
  CliResult multiline = Run({"secret", "put", "acme", "K"}, "line1-MULTI\nline2\n");
  BOOST_TEST(multiline.rc == kExitFailed);
  BOOST_TEST(multiline.err.find("control characters") != std::string::npos, multiline.err);
  BOOST_TEST(multiline.err.find("MULTI") == std::string::npos);
  CliResult bad_name = Run({"secret", "put", "acme", "lower"}, "v-NAMEVALUE-1234567890");
  BOOST_TEST(bad_name.rc == kExitFailed);
  BOOST_TEST(bad_name.err.find("secret name 'lower' is not valid") != std::string::npos, bad_name.err);
  BOOST_TEST(bad_name.err.find("NAMEVALUE") == std::string::npos);
  CliResult no_tenant = Run({"secret", "list", "nobody"});
  BOOST_TEST(no_tenant.rc == kExitFailed);
  BOOST_TEST(no_tenant.err == "clawhivectl: no tenant 'nobody'\n");
}

BOOST_AUTO_TEST_CASE(vault_rotations) {
  secrets.AddTenant("acme");
  CliResult kek = Run({"vault", "rotate-kek"});
  BOOST_TEST(kek.rc == 0, kek.err);
  BOOST_TEST(kek.out == "rotation 1 (kek): done, 2/2 re-encrypted\n");
  BOOST_TEST(Run({"vault", "rotate-data-key", "acme"}).out == "rotation 2 (data-key of acme): done, 0/0 re-encrypted\n");
  CliResult list = Run({"vault", "rotations", "--limit", "1"});
  BOOST_TEST(list.out ==
             "ID  KIND      TARGET  STATE  PROGRESS\n"
             "2   data-key  acme    done   0/0\n");
  CliResult bad_limit = Run({"vault", "rotations", "--limit", "0"});
  BOOST_TEST(bad_limit.rc == kExitFailed);
  BOOST_TEST(bad_limit.err.find("limit") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tokens_come_from_the_environment_or_a_file) {
  CliResult wrong = Run({"tenant", "list"}, "", "not-the-token");
  BOOST_TEST(wrong.rc == kExitFailed);
  BOOST_TEST(wrong.err.find("invalid, expired or revoked token (check --token-file") != std::string::npos, wrong.err);

  InputFile token_file(std::string(kToken) + "\n");
  CliResult from_file = Run({"tenant", "list", "--token-file", token_file.path()}, "", "not-the-token");
  BOOST_TEST(from_file.rc == 0, from_file.err);  // --token-file wins over the environment
  CliResult no_file = Run({"tenant", "list", "--token-file", "/nonexistent/token"});
  BOOST_TEST(no_file.rc == kExitFailed);
  BOOST_TEST(no_file.err.find("cannot read the API token from /nonexistent/token") != std::string::npos);
  InputFile blank("  \n");
  BOOST_TEST(Run({"tenant", "list", "--token-file", blank.path()}).err.find("is empty") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unreachable_api_is_exit_3_naming_the_url) {
  uint16_t port;
  {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = s.address().port();
  }  // closed again: nothing listens there now
  const std::string dead = "http://127.0.0.1:" + std::to_string(port);
  CliResult r = Run({"--api", dead, "tenant", "list"});
  BOOST_TEST(r.rc == kExitConnect);
  BOOST_TEST(r.err.find("cannot connect to the API at " + dead) != std::string::npos, r.err);

  CliResult bad_url = Run({"--api", "ftp://127.0.0.1:8470", "tenant", "list"});
  BOOST_TEST(bad_url.rc == kExitUsage);
  BOOST_TEST(bad_url.err.find("only https://") != std::string::npos);
  CliResult no_cert = Run({"--api", "https://127.0.0.1:8470", "--cert", "/nonexistent/tls.crt", "tenant", "list"});
  BOOST_TEST(no_cert.rc == kExitFailed);
  BOOST_TEST(no_cert.err.find("/nonexistent/tls.crt") != std::string::npos, no_cert.err);
  BOOST_TEST(Run({"--api", "http://user@127.0.0.1:1", "tenant", "list"}).rc == kExitUsage);
}

BOOST_AUTO_TEST_CASE(a_path_prefix_in_the_url_is_kept) {
  // The server has no prefix, so a prefixed URL reaches no route: the prefix was sent.
  CliResult r = Run({"--api", url + "/proxy/", "tenant", "list"});
  BOOST_TEST(r.rc == kExitFailed);
  BOOST_TEST(r.err == "clawhivectl: no such endpoint\n");
  BOOST_TEST(Run({"--api", url + "/", "tenant", "list"}).rc == 0);
}

BOOST_AUTO_TEST_SUITE_END()  // against_the_api
BOOST_AUTO_TEST_CASE(images_and_fleet_updates_are_listed_with_who_uses_what) {
  BOOST_TEST(Line(RequestFor({"image", "list"})) == "GET /v1/images");
  BOOST_TEST(Line(RequestFor({"fleet", "list"})) == "GET /v1/fleet/updates");
  Invocation images;
  images.command = Command::kImageList;
  BOOST_TEST(Render(images, Json(R"({"target":"openclaw-2026.9.6","images":[
      {"id":"openclaw-2026.9.5","version":"2026.9.5","node_version":"24.21.0","disk_bytes":843055104,
       "target":false,"used_by":["acme","beta"]},
      {"id":"openclaw-2026.9.6","version":"2026.9.6","node_version":"24.21.0","disk_bytes":843055104,
       "target":true,"used_by":[]}]})")) ==
             "ID                 OPENCLAW  NODE     SIZE  TARGET  USED BY\n"
             "openclaw-2026.9.5  2026.9.5  24.21.0  804M          acme,beta\n"
             "openclaw-2026.9.6  2026.9.6  24.21.0  804M  yes     -\n");
  Invocation fleet;
  fleet.command = Command::kFleetList;
  BOOST_TEST(Render(fleet, Json(R"({"updates":[{"id":2,"target":"openclaw-2026.9.6","state":"stopped",
      "detail":"wave 0 failed","steps":[{"tenant":"acme","state":"rolled-back"},{"tenant":"beta","state":"pending"}]}]})")) ==
             "ID  TARGET             STATE    STEPS                          DETAIL\n"
             "2   openclaw-2026.9.6  stopped  acme:rolled-back beta:pending  wave 0 failed\n");
}

BOOST_AUTO_TEST_SUITE_END()  // clawhivectl

}  // namespace
}  // namespace clawhive::ctl
