#include "supervisor/cmd/ctl/ctl.h"

#include <getopt.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "supervisor/common/quantity.h"

namespace clawhive::ctl {

using clawhive::JsonValue;

namespace {

// ---- command table --------------------------------------------------------------------------------

struct CommandSpec {
  const char* noun;
  const char* verb;
  Command command;
  size_t min_args, max_args;
  const char* operands;  // for messages
};

constexpr CommandSpec kCommands[] = {
    {"tenant", "list", Command::kTenantList, 0, 0, ""},
    {"tenant", "get", Command::kTenantGet, 1, 1, "ID"},
    {"tenant", "create", Command::kTenantCreate, 1, 1, "ID"},
    {"tenant", "delete", Command::kTenantDelete, 1, 1, "ID"},
    {"tenant", "start", Command::kTenantStart, 1, 1, "ID"},
    {"tenant", "stop", Command::kTenantStop, 1, 1, "ID"},
    {"tenant", "restart", Command::kTenantRestart, 1, 1, "ID"},
    {"tenant", "incidents", Command::kTenantIncidents, 0, 1, "[ID]"},
    {"secret", "put", Command::kSecretPut, 2, 2, "TENANT NAME"},
    {"secret", "get", Command::kSecretGet, 2, 2, "TENANT NAME"},
    {"secret", "list", Command::kSecretList, 1, 1, "TENANT"},
    {"secret", "delete", Command::kSecretDelete, 2, 2, "TENANT NAME"},
    {"vault", "rotate-kek", Command::kVaultRotateKek, 0, 0, ""},
    {"vault", "rotate-data-key", Command::kVaultRotateDataKey, 1, 1, "TENANT"},
    {"vault", "rotations", Command::kVaultRotations, 0, 0, ""},
    {"image", "list", Command::kImageList, 0, 0, ""},
    {"fleet", "list", Command::kFleetList, 0, 0, ""},
};

enum OptionId {
  kOptApi = 1000,
  kOptTokenFile,
  kOptCert,
  kOptJson,
  kOptMemoryMax,
  kOptDisplayName,
  kOptRemoveWorkspace,
  kOptFromFile,
  kOptLimit,
};

// Command options and the commands they apply to.
struct CommandOption {
  const char* name;
  std::vector<Command> commands;
};

const CommandOption kCommandOptions[] = {
    {"--memory-max", {Command::kTenantCreate}},
    {"--display-name", {Command::kTenantCreate}},
    {"--remove-workspace", {Command::kTenantDelete}},
    {"--from-file", {Command::kSecretPut}},
    {"--limit", {Command::kTenantIncidents, Command::kVaultRotations}},
};

std::string Quoted(std::string_view s) { return "'" + Printable(s, 48) + "'"; }

// ---- JSON field access for rendering --------------------------------------------------------------

const JsonValue* Field(const JsonValue& v, std::string_view key) { return v.is_object() ? v.Find(key) : nullptr; }

const JsonValue& FieldOrNull(const JsonValue& v, std::string_view key) {
  static const JsonValue kNull;
  const JsonValue* f = Field(v, key);
  return f != nullptr ? *f : kNull;
}

std::optional<int64_t> Int(const JsonValue& v) {
  if (v.kind() != JsonValue::Kind::kInteger) return std::nullopt;
  const uint64_t m = v.magnitude();
  constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
  if (v.negative()) return m > kMax ? INT64_MIN : -static_cast<int64_t>(m);
  return m > kMax ? INT64_MAX : static_cast<int64_t>(m);
}

// Any scalar as text for a cell; absent or null -> "-".
std::string Text(const JsonValue& v) {
  switch (v.kind()) {
    case JsonValue::Kind::kNull: return "-";
    case JsonValue::Kind::kBool: return v.boolean() ? "yes" : "no";
    case JsonValue::Kind::kInteger: return std::to_string(*Int(v));
    case JsonValue::Kind::kNumber: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.3g", v.number());
      return buf;
    }
    case JsonValue::Kind::kString: return v.string().empty() ? "-" : Sanitize(v.string());
    case JsonValue::Kind::kArray:
    case JsonValue::Kind::kObject: return "-";
  }
  return "-";
}
std::string Text(const JsonValue& v, std::string_view key) { return Text(FieldOrNull(v, key)); }

std::string Bytes(const JsonValue& v) {
  std::optional<uint64_t> u = v.AsUnsigned();
  return u ? FormatBytes(*u) : "-";
}

std::string Time(const JsonValue& v) {
  std::optional<int64_t> t = Int(v);
  return t ? FormatTime(*t) : "-";
}

const std::vector<JsonValue>& Items(const JsonValue& v, std::string_view key) {
  static const std::vector<JsonValue> kNone;
  const JsonValue* f = Field(v, key);
  return f != nullptr && f->is_array() ? f->items() : kNone;
}

std::string Joined(const JsonValue& v, std::string_view key, const char* sep) {
  std::string out;
  for (const JsonValue& item : Items(v, key)) out += (out.empty() ? "" : sep) + Text(item);
  return out.empty() ? "-" : out;
}

size_t Width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// ---- renderers ------------------------------------------------------------------------------------

std::string RenderTenant(const JsonValue& t) {
  const JsonValue& res = FieldOrNull(t, "resources");
  const JsonValue& st = FieldOrNull(t, "status");
  const JsonValue& agent = FieldOrNull(t, "agent");
  auto limit = [](const JsonValue& v) {
    std::optional<uint64_t> u = v.AsUnsigned();
    return !u ? std::string("-") : *u == 0 ? std::string("none") : FormatBytes(*u);
  };
  std::string unit = Text(st, "active_state") + " (" + Text(st, "sub_state") + ")";
  if (std::optional<uint64_t> pid = FieldOrNull(st, "main_pid").AsUnsigned(); pid && *pid != 0)
    unit += ", pid " + std::to_string(*pid);
  std::string cpu = "-";
  if (std::optional<uint64_t> ns = FieldOrNull(st, "cpu_usage_nsec").AsUnsigned()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(*ns) / 1e9);
    cpu = buf;
  }
  std::string quota = "none";
  if (std::optional<uint64_t> q = FieldOrNull(res, "cpu_quota_percent").AsUnsigned(); q && *q != 0)
    quota = std::to_string(*q) + "%";
  std::string command = Text(agent, "exec");
  for (const JsonValue& a : Items(agent, "args")) command += " " + Text(a);
  return RenderFields({
      {"id", Text(t, "id")},
      {"display name", Text(t, "display_name")},
      {"phase", Text(t, "phase")},
      {"desired", Text(t, "desired")},
      {"quarantined", Text(t, "quarantined")},
      {"healthy", Text(st, "healthy")},
      {"unit", unit},
      {"port", Text(t, "port")},
      {"uid", Text(t, "uid")},
      {"memory", Bytes(FieldOrNull(st, "memory_current")) + " used; high " + limit(FieldOrNull(res, "memory_high")) +
                     ", max " + limit(FieldOrNull(res, "memory_max"))},
      {"cpu", cpu + " used; weight " + Text(res, "cpu_weight") + ", quota " + quota},
      {"tasks", Text(st, "tasks_current") + " (max " + limit(FieldOrNull(res, "tasks_max")) + ")"},
      {"restarts", Text(st, "restarts")},
      {"agent", command},
      {"health path", Text(agent, "health_path")},
      {"created", Time(FieldOrNull(t, "created_at"))},
      {"updated", Time(FieldOrNull(t, "updated_at"))},
  });
}

std::string RenderTenants(const JsonValue& doc) {
  std::vector<std::vector<std::string>> rows;
  for (const JsonValue& t : Items(doc, "tenants")) {
    const JsonValue& st = FieldOrNull(t, "status");
    std::string memory = Bytes(FieldOrNull(st, "memory_current"));
    if (std::optional<uint64_t> max = FieldOrNull(FieldOrNull(t, "resources"), "memory_max").AsUnsigned(); max && *max)
      memory += "/" + FormatBytes(*max);
    rows.push_back({Text(t, "id"), Text(t, "display_name"), Text(t, "phase"), Text(t, "port"), memory,
                    Text(st, "restarts"), Text(st, "healthy")});
  }
  return RenderTable({"ID", "NAME", "PHASE", "PORT", "MEMORY", "RESTARTS", "HEALTHY"}, rows);
}

std::string Joined(const JsonValue& list) {
  std::string out;
  if (list.is_array())
    for (const JsonValue& v : list.items())
      if (v.is_string()) out += (out.empty() ? "" : ",") + Sanitize(v.string());
  return out.empty() ? "-" : out;
}

std::string RenderImages(const JsonValue& doc) {
  std::vector<std::vector<std::string>> rows;
  for (const JsonValue& i : Items(doc, "images"))
    rows.push_back({Text(i, "id"), Text(i, "version"), Text(i, "node_version"), Bytes(FieldOrNull(i, "disk_bytes")),
                    FieldOrNull(i, "target").boolean() ? "yes" : "", Joined(FieldOrNull(i, "used_by"))});
  return RenderTable({"ID", "OPENCLAW", "NODE", "SIZE", "TARGET", "USED BY"}, rows);
}

std::string RenderFleet(const JsonValue& doc) {
  std::vector<std::vector<std::string>> rows;
  for (const JsonValue& u : Items(doc, "updates")) {
    std::string steps;
    for (const JsonValue& st : Items(u, "steps"))
      steps += (steps.empty() ? "" : " ") + Text(st, "tenant") + ":" + Text(st, "state");
    rows.push_back({Text(u, "id"), Text(u, "target"), Text(u, "state"), steps.empty() ? "-" : steps, Text(u, "detail")});
  }
  return RenderTable({"ID", "TARGET", "STATE", "STEPS", "DETAIL"}, rows);
}

std::string RenderIncidents(const JsonValue& doc) {
  std::vector<std::vector<std::string>> rows;
  for (const JsonValue& in : Items(doc, "incidents")) {
    std::optional<int64_t> at_ms = Int(FieldOrNull(in, "at_ms"));
    std::string healthy = "-";
    if (const JsonValue& h = FieldOrNull(in, "healthy_after_s"); !h.is_null()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1fs", h.number());
      healthy = buf;
    }
    rows.push_back({Text(in, "id"), at_ms ? FormatTime(*at_ms / 1000) : "-", Text(in, "tenant"), Text(in, "cause"),
                    Text(in, "detail"), Text(in, "action"), healthy});
  }
  return RenderTable({"ID", "TIME", "TENANT", "CAUSE", "DETAIL", "ACTION", "HEALTHY AFTER"}, rows);
}

std::string RenderSecret(const JsonValue& s) {
  std::string out = RenderFields({
      {"tenant", Text(s, "tenant")},
      {"name", Text(s, "name")},
      {"current version", Text(s, "current_version")},
      {"created", Time(FieldOrNull(s, "created_at"))},
      {"rotated", Time(FieldOrNull(s, "rotated_at"))},
      {"delivered to", Joined(s, "consumers", ", ")},
  });
  std::vector<std::vector<std::string>> rows;
  for (const JsonValue& v : Items(s, "versions"))
    rows.push_back({Text(v, "version"), Time(FieldOrNull(v, "created_at")), Text(v, "state")});
  return out + "\n" + RenderTable({"VERSION", "CREATED", "STATE"}, rows);
}

std::string RenderSecrets(const JsonValue& doc) {
  std::vector<std::vector<std::string>> rows;
  for (const JsonValue& s : Items(doc, "secrets"))
    rows.push_back({Text(s, "name"), Text(s, "current_version"), std::to_string(Items(s, "versions").size()),
                    Time(FieldOrNull(s, "rotated_at")), Joined(s, "consumers", ",")});
  return RenderTable({"NAME", "CURRENT", "VERSIONS", "ROTATED", "DELIVERED TO"}, rows);
}

std::string Progress(const JsonValue& r) { return Text(r, "done") + "/" + Text(r, "total"); }

std::string RenderRotation(const JsonValue& r) {
  std::string what = Text(r, "kind");
  if (std::string target = Text(r, "target"); target != "-") what += " of " + target;
  return "rotation " + Text(r, "id") + " (" + what + "): " + Text(r, "state") + ", " + Progress(r) + " re-encrypted\n";
}

std::string RenderRotations(const JsonValue& doc) {
  std::vector<std::vector<std::string>> rows;
  for (const JsonValue& r : Items(doc, "rotations"))
    rows.push_back({Text(r, "id"), Text(r, "kind"), Text(r, "target"), Text(r, "state"), Progress(r)});
  return RenderTable({"ID", "KIND", "TARGET", "STATE", "PROGRESS"}, rows);
}

std::string ScopeName(const std::string& tenant) {
  return tenant == kPlatform ? std::string("the platform scope") : "tenant " + Sanitize(tenant);
}

}  // namespace

// ---- parsing --------------------------------------------------------------------------------------

std::string Usage() {
  return R"(Usage: clawhivectl [OPTIONS] COMMAND

Tenants:
  tenant list
  tenant get ID
  tenant create ID [--memory-max SIZE] [--display-name NAME]
  tenant delete ID [--remove-workspace]
  tenant start ID | stop ID | restart ID
  tenant incidents [ID] [--limit N]

Secrets (values are never shown; TENANT may be _platform for model provider keys):
  secret put TENANT NAME [--from-file PATH]
                        the value is read from stdin (hidden when it is a terminal) or the file,
                        never from the command line; one trailing newline is removed
  secret get TENANT NAME
  secret list TENANT
  secret delete TENANT NAME

Vault:
  vault rotate-kek
  vault rotate-data-key TENANT
  vault rotations [--limit N]

OpenClaw runtimes (docs/openclaw.md):
  image list            imported runtime images, the tenants using each, the fleet target
  fleet list            fleet updates, newest first, with each tenant's step

Options:
  --api URL             the supervisor's API (default https://127.0.0.1:8470)
  --cert PATH           its certificate, trusted by SHA-256 fingerprint (default /var/lib/clawhive/tls/tls.crt)
  --token-file PATH     the API token (default: $CLAWHIVE_TOKEN, else /var/lib/clawhive/api-token)
  --json                print the API's JSON answer instead of a table
  -h, --help            this text

Exit status: 0 done, 1 refused by the API (or a local file failed), 2 usage error, 3 API unreachable.
)";
}

Result<Invocation> ParseArgs(int argc, char** argv) {
  static const option kOptions[] = {
      {"api", required_argument, nullptr, kOptApi},
      {"token-file", required_argument, nullptr, kOptTokenFile},
      {"cert", required_argument, nullptr, kOptCert},
      {"json", no_argument, nullptr, kOptJson},
      {"memory-max", required_argument, nullptr, kOptMemoryMax},
      {"display-name", required_argument, nullptr, kOptDisplayName},
      {"remove-workspace", no_argument, nullptr, kOptRemoveWorkspace},
      {"from-file", required_argument, nullptr, kOptFromFile},
      {"limit", required_argument, nullptr, kOptLimit},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  Invocation inv;
  bool help = false;
  std::vector<std::string> command_options;  // as spelled in kCommandOptions, in order given
  optind = 0;  // glibc: 0 re-initialises getopt completely, so ParseArgs can run more than once
  opterr = 0;  // errors are reported by the caller, once, with the usage hint
  for (int c; (c = getopt_long(argc, argv, ":h", kOptions, nullptr)) != -1;) {
    switch (c) {
      case kOptApi: inv.api = optarg; break;
      case kOptTokenFile: inv.token_file = optarg; break;
      case kOptCert: inv.cert_file = optarg; break;
      case kOptJson: inv.json = true; break;
      case kOptMemoryMax: inv.memory_max = optarg; command_options.push_back("--memory-max"); break;
      case kOptDisplayName: inv.display_name = optarg; command_options.push_back("--display-name"); break;
      case kOptRemoveWorkspace: inv.remove_workspace = true; command_options.push_back("--remove-workspace"); break;
      case kOptFromFile: inv.from_file = optarg; command_options.push_back("--from-file"); break;
      case kOptLimit: inv.limit = optarg; command_options.push_back("--limit"); break;
      case 'h': help = true; break;
      case ':': return Error::Invalid("option " + Quoted(argv[optind - 1]) + " needs a value");
      default:
        if (optopt > 0 && optopt < 256)
          return Error::Invalid("unknown option " + Quoted(std::string("-") + static_cast<char>(optopt)));
        if (optopt >= kOptApi) return Error::Invalid("option " + Quoted(argv[optind - 1]) + " does not take a value");
        return Error::Invalid("unknown option " + Quoted(argv[optind - 1]));
    }
  }
  std::vector<std::string> words(argv + optind, argv + argc);
  if (help || (!words.empty() && words[0] == "help")) {
    inv.command = Command::kHelp;
    return inv;
  }
  if (words.empty()) return Error::Invalid("no command given");
  const std::string& noun = words[0];
  if (noun != "tenant" && noun != "secret" && noun != "vault" && noun != "image" && noun != "fleet")
    return Error::Invalid("unknown command " + Quoted(noun) + " (expected tenant, secret, vault, image or fleet)");
  if (words.size() < 2) return Error::Invalid("'" + noun + "' needs a subcommand");
  const CommandSpec* spec = nullptr;
  for (const CommandSpec& s : kCommands)
    if (noun == s.noun && words[1] == s.verb) spec = &s;
  if (spec == nullptr) return Error::Invalid("unknown command '" + noun + " " + Printable(words[1], 48) + "'");
  inv.command = spec->command;
  inv.args.assign(words.begin() + 2, words.end());
  const std::string what = std::string(spec->noun) + " " + spec->verb;
  if (spec->command == Command::kSecretPut && inv.args.size() > 2)
    return Error::Invalid("secret put takes no value on the command line (other users can read it in /proc): "
                          "pipe it to stdin or use --from-file");
  if (inv.args.size() < spec->min_args || inv.args.size() > spec->max_args)
    return Error::Invalid("usage: clawhivectl " + what + (spec->operands[0] ? " " : "") + spec->operands);
  for (const std::string& given : command_options) {
    for (const CommandOption& o : kCommandOptions)
      if (given == o.name && std::find(o.commands.begin(), o.commands.end(), inv.command) == o.commands.end())
        return Error::Invalid("option " + given + " does not apply to '" + what + "'");
  }
  if (inv.memory_max)
    if (Result<uint64_t> size = ParseSize(*inv.memory_max); !size)
      return Error::Invalid("--memory-max: " + size.error().message);
  if (inv.command == Command::kVaultRotateDataKey && inv.args[0] == kPlatform)
    return Error::Invalid("rotate-data-key takes a tenant id (the platform scope's data key is not rotated "
                          "through the API)");
  bool secret_command = inv.command == Command::kSecretPut || inv.command == Command::kSecretGet ||
                        inv.command == Command::kSecretList || inv.command == Command::kSecretDelete;
  if (!secret_command && !inv.args.empty() && inv.args[0] == kPlatform)
    return Error::Invalid("'_platform' is a secret scope, not a tenant");
  return inv;
}

// ---- requests -------------------------------------------------------------------------------------

std::string EncodeSegment(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

ApiRequest BuildRequest(const Invocation& inv) {
  const std::vector<std::string>& a = inv.args;
  auto tenant = [&](size_t i) { return "/v1/tenants/" + EncodeSegment(a.at(i)); };
  // Secret scope: a tenant's, or the platform's.
  auto secrets = [&]() {
    return a.at(0) == kPlatform ? std::string("/v1/platform/secrets") : tenant(0) + "/secrets";
  };
  auto limit = [&]() { return inv.limit ? "?limit=" + EncodeSegment(*inv.limit) : std::string(); };
  switch (inv.command) {
    case Command::kHelp: return {};
    case Command::kTenantList: return {"GET", "/v1/tenants?limit=1000", std::nullopt};
    case Command::kTenantGet: return {"GET", tenant(0), std::nullopt};
    case Command::kTenantCreate: {
      JsonValue body = JsonValue::Object();
      body.Set("id", JsonValue::String(a.at(0)));
      if (inv.display_name) body.Set("display_name", JsonValue::String(*inv.display_name));
      if (inv.memory_max) {
        JsonValue resources = JsonValue::Object();
        resources.Set("memory_max", JsonValue::String(*inv.memory_max));
        body.Set("resources", std::move(resources));
      }
      return {"POST", "/v1/tenants", body.Serialize()};
    }
    case Command::kTenantDelete:
      return {"DELETE", tenant(0) + (inv.remove_workspace ? "?workspace=remove" : "?workspace=keep"), std::nullopt};
    case Command::kTenantStart: return {"POST", tenant(0) + "/start", std::nullopt};
    case Command::kTenantStop: return {"POST", tenant(0) + "/stop", std::nullopt};
    case Command::kTenantRestart: return {"POST", tenant(0) + "/restart", std::nullopt};
    case Command::kTenantIncidents:
      return {"GET", (a.empty() ? std::string("/v1") : tenant(0)) + "/incidents" + limit(), std::nullopt};
    case Command::kSecretPut: return {"PUT", secrets() + "/" + EncodeSegment(a.at(1)), std::nullopt};
    case Command::kSecretGet: return {"GET", secrets() + "/" + EncodeSegment(a.at(1)), std::nullopt};
    case Command::kSecretList: return {"GET", secrets(), std::nullopt};
    case Command::kSecretDelete: return {"DELETE", secrets() + "/" + EncodeSegment(a.at(1)), std::nullopt};
    case Command::kVaultRotateKek: return {"POST", "/v1/vault/rotate-kek", std::nullopt};
    case Command::kVaultRotateDataKey: return {"POST", tenant(0) + "/secrets/rotate-data-key", std::nullopt};
    case Command::kVaultRotations: return {"GET", "/v1/vault/rotations" + limit(), std::nullopt};
    case Command::kImageList: return {"GET", "/v1/images", std::nullopt};
    case Command::kFleetList: return {"GET", "/v1/fleet/updates", std::nullopt};
  }
  return {};
}

Status SecretPutBody(std::string_view value, std::string* out) {
  for (size_t i = 0; i < value.size();) {
    char32_t cp;
    size_t len = DecodeUtf8(value, i, &cp);
    if (len == 0)
      return Error::Invalid("the value is not UTF-8 text; encode binary secrets first (e.g. with base64)");
    i += len;
  }
  out->clear();
  out->reserve(6 * value.size() + 16);  // worst case: every byte written as \u00XX
  *out += "{\"value\":";
  AppendJsonString(out, value);
  *out += '}';
  return Status::Ok();
}

std::string_view StripOneNewline(std::string_view value) {
  if (!value.empty() && value.back() == '\n') {
    value.remove_suffix(1);
    if (!value.empty() && value.back() == '\r') value.remove_suffix(1);
  }
  return value;
}

// ---- rendering ------------------------------------------------------------------------------------

std::string RenderTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  std::string out;
  auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : std::string();
      text += cell;
      if (i + 1 < widths.size()) text += std::string(widths[i] - Width(cell) + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t width = 0;
  for (const auto& [key, value] : fields) width = std::max(width, Width(key));
  std::string out;
  for (const auto& [key, value] : fields) out += key + ":" + std::string(width - Width(key) + 2, ' ') + value + "\n";
  return out;
}

std::string Sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    size_t len = DecodeUtf8(s, i, &cp);
    bool control = len == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
                   (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);  // bidi overrides
    if (control) out += '?';
    else out.append(s.substr(i, len));
    i += len == 0 ? 1 : len;
  }
  return out;
}

std::string FormatBytes(uint64_t bytes) {
  static const char kUnits[] = "KMGTPE";
  if (bytes < 1024) return std::to_string(bytes);
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  uint64_t divisor = 1024;
  while (bytes / divisor >= 1024 && unit + 1 < sizeof kUnits - 1) {
    divisor *= 1024;
    ++unit;
  }
  value /= static_cast<double>(divisor);
  char buf[32];
  if (bytes % divisor == 0) std::snprintf(buf, sizeof buf, "%" PRIu64 "%c", bytes / divisor, kUnits[unit]);
  else std::snprintf(buf, sizeof buf, "%.1f%c", value, kUnits[unit]);
  return buf;
}

std::string FormatTime(int64_t unix_seconds) {
  if (unix_seconds == 0) return "-";
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  if (gmtime_r(&t, &tm) == nullptr) return "-";
  char buf[64];
  if (std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm) == 0) return "-";
  return buf;
}

std::string Render(const Invocation& inv, const JsonValue& doc) {
  switch (inv.command) {
    case Command::kHelp: return Usage();
    case Command::kTenantList: return RenderTenants(doc);
    case Command::kTenantGet:
    case Command::kTenantCreate:
    case Command::kTenantStart:
    case Command::kTenantStop:
    case Command::kTenantRestart: return RenderTenant(doc);
    case Command::kTenantDelete:
      return "deleted tenant " + Text(doc, "id") + " (workspace " + Text(doc, "workspace") + ")\n";
    case Command::kTenantIncidents: return RenderIncidents(doc);
    case Command::kSecretPut:
    case Command::kSecretGet: return RenderSecret(doc);
    case Command::kSecretList: return RenderSecrets(doc);
    case Command::kSecretDelete:
      return "deleted secret " + Text(doc, "name") + " of " + ScopeName(FieldOrNull(doc, "tenant").string()) + "\n";
    case Command::kVaultRotateKek:
    case Command::kVaultRotateDataKey: return RenderRotation(doc);
    case Command::kVaultRotations: return RenderRotations(doc);
    case Command::kImageList: return RenderImages(doc);
    case Command::kFleetList: return RenderFleet(doc);
  }
  return "";
}

std::string ErrorMessage(const JsonValue& doc) {
  const JsonValue* message = Field(FieldOrNull(doc, "error"), "message");
  if (message == nullptr || !message->is_string()) return "";
  return Sanitize(message->string());
}

}  // namespace clawhive::ctl
