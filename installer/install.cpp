#include "installer/install.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "installer/appliance.h"
#include "installer/config_render.h"
#include "installer/layout.h"
#include "installer/preflight.h"
#include "installer/runtime.h"
#include "installer/step_log.h"
#include "installer/systemctl.h"
#include "supervisor/auth/api_token.h"
#include "supervisor/auth/encoding.h"
#include "supervisor/auth/identity_store.h"
#include "supervisor/store/store.h"
#include "supervisor/tls/api_certificate.h"
#include "supervisor/tls/certificate.h"
#include "supervisor/vault/vault.h"

namespace clawhive::installer {
namespace {

// A step failed: say which and what to do. Steps already done stay done; a rerun picks up from there.
int StepFailed(std::ostream& err, const std::string& step, const Error& e) {
  err << "clawhive-install: " << step << ": " << e.message << "\n"
      << "clawhive-install: nothing done so far is undone; fix the cause and run the installer again\n";
  return 1;
}

Status EnsureGroup(System& sys, const Layout& L, StepLog& log) {
  if (GroupId(sys, L, kGroup)) {
    log.Ok("group " + std::string(kGroup));
    return Status::Ok();
  }
  std::vector<std::string> argv = {"groupadd", "--system"};
  if (!L.root.empty()) argv.insert(argv.end(), {"--prefix", L.root});  // edits ROOT/etc/group, no chroot
  argv.push_back(kGroup);
  Result<ExecResult> r = sys.Exec(argv);
  if (!r) return r.error();
  if (r->exit_code != 0) return Error::Unavailable("groupadd " + std::string(kGroup) + " failed (exit " +
                                                   std::to_string(r->exit_code) + ")");
  log.Changed("created", "group " + std::string(kGroup));
  return Status::Ok();
}

Status EnsureDir(System& sys, const Layout& L, const std::string& path, mode_t mode, StepLog& log,
                 bool group = false) {
  Result<bool> made = sys.MakeDir(L(path), mode);
  if (!made) return made.error();
  bool changed = *made;
  if (group) {
    Result<gid_t> gid = GroupId(sys, L, kGroup);
    if (!gid) return gid.error();
    Result<bool> g = sys.SetGroup(L(path), *gid);
    if (!g) return g.error();
    changed = changed || *g;
  }
  char m[8];
  std::snprintf(m, sizeof m, "%04o", static_cast<unsigned>(mode));
  log.Step(changed, "set", path + " (" + m + (group ? " root:" + std::string(kGroup) : "") + ")");
  return Status::Ok();
}

Status WriteConfig(System& sys, const Layout& L, const std::string& text, StepLog& log, bool* changed) {
  Result<std::string> old = sys.ReadFile(L(kConfigFile));
  if (old && *old != text) {
    // The admin may have tuned the previous file by hand: keep it next to the new one.
    if (Result<bool> b = sys.WriteFile(L(kConfigFile) + ".bak", *old, 0640); !b) return b.error();
  }
  Result<bool> w = sys.WriteFile(L(kConfigFile), text, 0640);
  if (!w) return w.error();
  Result<gid_t> gid = GroupId(sys, L, kGroup);
  if (!gid) return gid.error();
  Result<bool> g = sys.SetGroup(L(kConfigFile), *gid);
  if (!g) return g.error();
  *changed = *w || *g;
  log.Step(*changed, old ? "updated" : "created",
           std::string(kConfigFile) + (old && *old != text ? " (previous kept as clawhive.yaml.bak)" : ""));
  return Status::Ok();
}

// Tenant ports live at 20000 + 120k; above 32767 they collide with the kernel's ephemeral client ports
// unless reserved.
Status WriteSysctl(System& sys, const Layout& L, uint64_t tenants, bool apply, StepLog& log) {
  std::string text =
      "# Written by clawhive-install: tenant agents listen on these ports, so the kernel must not hand them\n"
      "# out as ephemeral client ports.\n"
      "net.ipv4.ip_local_reserved_ports = " + ReservedPortRange(tenants) + "\n";
  Result<bool> w = sys.WriteFile(L(kSysctlFile), text, 0644);
  if (!w) return w.error();
  log.Step(*w, "created", std::string(kSysctlFile) + " (reserved ports " + ReservedPortRange(tenants) + ")");
  if (*w && apply) {
    Result<ExecResult> r = sys.Exec({"sysctl", "-q", "-p", L(kSysctlFile)});
    if (!r) return r.error();
    if (r->exit_code != 0) return Error::Unavailable("sysctl -p " + std::string(kSysctlFile) + " failed");
    log.Changed("loaded", "net.ipv4.ip_local_reserved_ports");
  }
  return Status::Ok();
}

Status CheckUnitsPresent(System& sys, const Layout& L, const std::vector<std::string>& units) {
  for (const std::string& u : units) {
    bool found = std::any_of(UnitDirs().begin(), UnitDirs().end(),
                             [&](const std::string& d) { return sys.Exists(L(d + "/" + u)); });
    if (!found) return Error::NotFound("unit " + u + " is not installed (looked in /etc/systemd/system and "
                                       "/lib/systemd/system): install the clawhive package first");
  }
  return Status::Ok();
}

std::string PasswordFromBytes(const std::string& bytes) { return auth::Base64Encode(bytes, true); }

Status EnsureOperator(System& sys, const Layout& L, const Config& c, const Answers& a, StepLog& log,
                      bool* generated) {
  auth::IdentityStoreOptions options;
  options.db_path = c.state_dir + "/identity.db";
  auto store = auth::IdentityStore::Open(options);
  if (!store) return store.error();
  if ((*store)->GetUser(a.operator_name)) {
    log.Ok("operator " + a.operator_name);
    return Status::Ok();
  }
  if (!a.generate_password) {
    if (Status s = (*store)->CreateUserWithHash(a.operator_name, auth::Role::kOperator, "", a.password_hash,
                                                sys.NowMs());
        !s)
      return s;
    log.Changed("created", "operator " + a.operator_name + " (password from the answer file's hash)");
    return Status::Ok();
  }
  // Written before the account exists: a crash in between leaves a file for an account a rerun creates
  // with that same password, never an account whose password nobody has.
  std::string password;
  if (Result<std::string> old = sys.ReadFile(L(kPasswordFile)); old && !old->empty()) {
    password = old->substr(0, old->find('\n'));
  } else {
    password = PasswordFromBytes(sys.RandomBytes(18));  // 24 characters, 144 bits
    if (Result<bool> w = sys.WriteFile(L(kPasswordFile), password + "\n", 0600); !w) return w.error();
  }
  if (Status s = (*store)->CreateUser(a.operator_name, auth::Role::kOperator, "", password, sys.NowMs()); !s)
    return s;
  *generated = true;
  log.Changed("created", "operator " + a.operator_name + " (generated password in " + kPasswordFile + ")");
  return Status::Ok();
}

// Host-unique material, made before the first start so the installer can print the certificate's
// fingerprint and sign the operator in; the supervisor would make the same on first start.
// `token_created`: the API token file was missing (first install, or the bootstrap token expired and the
// supervisor removed it, docs/security.md): a running supervisor must restart to take the new one.
Status EnsureSecrets(System& sys, const Config& c, StepLog& log, bool* token_created) {
  Result<tls::CertPaths> cert = tls::ApiCertificate(c);
  if (!cert) return Error{cert.error().code, "TLS certificate: " + cert.error().message};
  log.Step(cert->generated, "created", cert->generated ? "self-signed TLS certificate " + cert->cert_file
                                                       : "TLS certificate " + cert->cert_file);
  bool had_token = sys.Exists(c.state_dir + "/api-token");
  if (Result<std::string> t = LoadOrCreateToken(c.state_dir + "/api-token"); !t)
    return Error{t.error().code, "API token: " + t.error().message};
  log.Step(!had_token, "created", "API token " + c.state_dir + "/api-token");
  *token_created = !had_token;

  // The vault and the database are opened only when new: a re-run must not write next to a running
  // supervisor (an upgrade stops it first and migrates).
  bool had_kek = !sys.List(c.state_dir + "/keys").empty();
  if (!had_kek) {
    VaultOptions v;
    v.db_path = c.state_dir + "/vault.db";
    v.key_dir = c.state_dir + "/keys";
    v.seal_kek = c.vault_seal_kek;
    if (auto vault = Vault::Open(v); !vault) return Error{vault.error().code, "vault: " + vault.error().message};
  }
  log.Step(!had_kek, "created", "vault and key-encryption key " + c.state_dir + "/keys");
  bool had_db = sys.Exists(c.state_dir + "/clawhive.db");
  if (!had_db) {
    auto store = Store::Open(c.state_dir + "/clawhive.db");
    if (!store) return Error{store.error().code, "database: " + store.error().message};
    log.Changed("created", "database " + c.state_dir + "/clawhive.db (schema " +
                               std::to_string((*store)->schema_version()) + ")");
  } else {
    log.Ok("database " + c.state_dir + "/clawhive.db");
  }
  return Status::Ok();
}

Status EnsureUnitsRunning(System& sys, bool config_changed, bool token_created, StepLog& log) {
  // A package install or upgrade put new unit files in place: systemd sees them after a reload.
  std::string load = UnitProperty(sys, kSupervisorUnit, "LoadState");
  std::string stale = UnitProperty(sys, kSupervisorUnit, "NeedDaemonReload");
  if (load != "loaded" || stale == "yes") {
    if (Status s = Systemctl(sys, "", {"daemon-reload"}); !s) return s;
    log.Changed("reloaded", "systemd unit files");
  }
  for (const char* unit : {kTenantsTarget, kSupervisorUnit, kProxyUnit}) {
    if (EnabledState(sys, "", unit) == "enabled") {
      log.Ok(std::string(unit) + " enabled");
      continue;
    }
    if (Status s = Systemctl(sys, "", {"enable", "--quiet", unit}); !s) return s;
    log.Changed("enabled", unit);
  }
  // Type=notify: `systemctl start` returns once the daemon has reported READY=1 (or failed), so there is
  // nothing to poll for. A restart keeps tenants running: the supervisor adopts them when it is back.
  for (const char* unit : {kProxyUnit, kSupervisorUnit}) {
    bool active = ActiveState(sys, unit) == "active";
    const bool reload = config_changed || (token_created && std::string(unit) == kSupervisorUnit);
    if (active && !reload) {
      log.Ok(std::string(unit) + " running");
      continue;
    }
    if (Status s = Systemctl(sys, "", {active ? "restart" : "start", unit}); !s)
      return Error{s.error().code, s.error().message + "; see: journalctl -u " + unit};
    log.Changed(active ? "restarted" : "started",
                std::string(unit) + (!active ? "" : config_changed ? " (new configuration)" : " (new API token)"));
  }
  return Status::Ok();
}

Status WaitHealthy(ApplianceApi& api, System& sys, int seconds) {
  int64_t deadline = sys.NowMs() + int64_t{seconds} * 1000;
  for (;;) {
    Status s = api.Health();
    if (s) return s;
    if (sys.NowMs() >= deadline) return Error{s.error().code, "the API did not answer within " +
                                                                  std::to_string(seconds) + " s: " + s.error().message};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status EnsureTenants(ApplianceApi& api, System& sys, const Answers& a, int wait_s, StepLog& log) {
  for (const TenantAnswer& t : a.tenants) {
    Result<TenantState> state = api.Tenant(t.id);
    if (!state) return state.error();
    if (state->exists) {
      log.Ok("tenant " + t.id);
      continue;
    }
    if (Status s = api.CreateTenant(t); !s) return s;
    // The API answers once the tenant is provisioned; its agent's first health probe follows. The API has
    // no event stream to wait on, so this looks every 200 ms, for at most `wait_s`.
    int64_t deadline = sys.NowMs() + int64_t{wait_s} * 1000;
    for (;;) {
      state = api.Tenant(t.id);
      if (state && state->healthy) break;
      if (sys.NowMs() >= deadline)
        return Error::Unavailable("tenant " + t.id + " was created but is not healthy after " +
                                  std::to_string(wait_s) + " s (state " + (state ? state->state : "unknown") +
                                  "); see: clawhivectl tenant get " + t.id);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    log.Changed("created", "tenant " + t.id + " (running)");
  }
  return Status::Ok();
}

// The answer file's model provider: its key (read from key_file) stored as a platform secret, then the
// provider itself, each only when missing. Changing either later is the API's or the console's job, so a
// rerun with the same answers changes nothing (and never overwrites a key rotated since).
Status EnsureProvider(ApplianceApi& api, System& sys, const Answers& a, StepLog& log) {
  const ProviderAnswer& p = a.provider;
  if (p.name.empty()) return Status::Ok();
  if (!p.key_file.empty()) {
    Result<bool> has = api.HasPlatformSecret(p.key_secret);
    if (!has) return has.error();
    if (*has) {
      log.Ok("platform secret " + p.key_secret);
    } else {
      Result<std::string> key = sys.ReadFile(p.key_file);
      if (!key) return Error::NotFound("provider.key_file " + p.key_file + ": " + key.error().message);
      std::string value = key->substr(0, key->find_first_of("\r\n"));
      std::fill(key->begin(), key->end(), '\0');
      if (value.empty()) return Error::Invalid("provider.key_file " + p.key_file + " is empty; expected the provider's API key");
      Status put = api.PutPlatformSecret(p.key_secret, value);
      std::fill(value.begin(), value.end(), '\0');
      if (!put) return put;
      log.Changed("stored", "platform secret " + p.key_secret + " (the key of provider " + p.name + ", from " + p.key_file + ")");
    }
  }
  Result<bool> has = api.HasProvider(p.name);
  if (!has) return has.error();
  if (*has) {
    log.Ok("provider " + p.name);
    return Status::Ok();
  }
  if (Status s = api.PutProvider(p); !s) return s;
  log.Changed("created", "provider " + p.name + " (" + p.base_url + ", " + std::to_string(p.models.size()) + " model(s))");
  return Status::Ok();
}

void PrintWhereToGo(std::ostream& out, const Config& c, const Answers& a, bool generated, System& sys) {
  std::string host = c.listen_address;
  if (host == "0.0.0.0" || host == "::") {
    Result<std::string> name = sys.ReadFile("/proc/sys/kernel/hostname");
    host = name ? name->substr(0, name->find('\n')) : "this-host";
  }
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  out << "\nClawhive is running.\n"
      << "  Console:     https://" << host << ":" << c.listen_port << "/\n";
  if (Result<std::string> fp = tls::Sha256Fingerprint(ApiCertFile(c)); fp)
    out << "  Certificate: " << ApiCertFile(c) << "\n               SHA-256 " << *fp << "\n";
  out << "  Sign in as:  " << a.operator_name << " (operator), password "
      << (a.generate_password ? std::string("in ") + kPasswordFile + " (root only)"
                              : std::string("as set when its hash was made"))
      << "\n";
  if (generated) out << "               change it after the first sign-in, then delete that file\n";
  out << "  API:         " << LocalApiUrl(c) << "/v1  (token: " << kStateDir << "/api-token, root only)\n";
}

}  // namespace

int Install(System& sys, const ApiFactory& api_factory, const InstallOptions& o, std::ostream& out,
            std::ostream& err) {
  const Layout L{o.root};
  const Answers& a = o.answers;
  const bool offline = (!o.root.empty() && !o.online_in_root) || !sys.Booted();
  StepLog log(out);
  log.Info(offline ? "Installing Clawhive " + std::string(Version()) + " offline into " +
                         (o.root.empty() ? std::string("/ (systemd is not running)") : o.root)
                   : "Installing Clawhive " + std::string(Version()));

  Report report;
  if (!offline) {
    report = RunPreflight(sys, a);
    if (ActiveState(sys, kSupervisorUnit) == "active") {
      // On a re-run our own supervisor holds the port.
      std::erase_if(report.checks, [](const Check& c) { return c.name == "port"; });
    }
    if (report.ExitCode() != 0) out << FormatReport(report, a);
    if (report.ExitCode() == 2 && !o.force) {
      err << "clawhive-install: preflight failed (see above); fix the host or pass --force\n";
      return 2;
    }
    log.Ok("preflight");
  }

  std::vector<std::string> missing;
  for (const std::string& f : PayloadFiles())
    if (!sys.Exists(L(f))) missing.push_back(f);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += " " + m;
    return StepFailed(err, "package files", Error::NotFound("missing:" + list + " (install the clawhive package)"));
  }
  log.Ok("package files");
  std::vector<std::string> units = {kSupervisorUnit, kProxyUnit, kTenantsTarget, kSlice, kAgentTemplate,
                                    kFirstBootUnit};
  if (Status s = CheckUnitsPresent(sys, L, units); !s) return StepFailed(err, "units", s.error());

  if (Status s = EnsureSystemUsers(sys, L, log); !s) return StepFailed(err, "system users", s.error());
  if (Status s = EnsureGroup(sys, L, log); !s) return StepFailed(err, "group", s.error());
  if (Status s = EnsureDir(sys, L, kEtcDir, 0750, log, true); !s) return StepFailed(err, "directories", s.error());
  if (Status s = EnsureDir(sys, L, kStateDir, 0700, log); !s) return StepFailed(err, "directories", s.error());
  if (Status s = EnsureDir(sys, L, kTenantsDir, 0755, log); !s) return StepFailed(err, "directories", s.error());

  if (!o.answers_text.empty()) {
    Result<bool> w = sys.WriteFile(L(kAnswersFile), o.answers_text, 0600);
    if (!w) return StepFailed(err, "answer file", w.error());
    log.Step(*w, "saved", std::string(kAnswersFile));
  }

  HostSize size;
  if (!offline) size = {report.mem_total, sys.OnlineCpus()};  // an image's size is known at first boot
  std::string config_text = RenderConfig(a, size);
  Result<Config> config = ParseConfig(config_text, kConfigFile);
  if (!config) return StepFailed(err, "configuration (a bug: the rendered file does not parse)", config.error());
  bool config_changed = false;
  if (Status s = WriteConfig(sys, L, config_text, log, &config_changed); !s)
    return StepFailed(err, "configuration", s.error());
  // The runtime package's image: imported now on a running host; offline (an image build) by the first
  // boot's install, so the image is not carried twice (artifact and unpacked) in the build.
  Result<std::optional<ShippedRuntime>> shipped = FindShippedRuntime(sys, L);
  if (!shipped) return StepFailed(err, "runtime image", shipped.error());
  if (*shipped && !offline) {
    if (Status s = EnsureRuntimeImported(sys, L, **shipped, config->images_dir, log); !s)
      return StepFailed(err, "runtime image", s.error());
  } else if (*shipped) {
    log.Info("  (runtime image " + (*shipped)->image_id + " is imported at first boot)");
  }
  if (a.runtime_shipped) log.Ok("new tenants run " + a.runtime + " (from the " + kRuntimePackage + " package)");
  uint64_t tenants = std::max<uint64_t>({report.tenants_fit, a.tenants.size(), 1});
  if (Status s = WriteSysctl(sys, L, tenants, !offline && o.apply_sysctl, log); !s)
    return StepFailed(err, "reserved ports", s.error());

  if (offline) {
    if (EnabledState(sys, L.root, kFirstBootUnit) == "enabled") {
      log.Ok(std::string(kFirstBootUnit) + " enabled");
    } else if (Status s = Systemctl(sys, L.root, {"enable", "--quiet", kFirstBootUnit}); !s) {
      return StepFailed(err, "first-boot unit", s.error());
    } else {
      log.Changed("enabled", std::string(kFirstBootUnit) + " (finishes the install on first boot)");
    }
    out << "\n" << log.changes() << " change(s). Nothing was started: the first boot makes this machine's keys,\n"
        << "certificate, first operator and tenants (" << kFirstBootUnit << ").\n";
    return 0;
  }

  config->state_dir = L(config->state_dir);
  config->tenants_dir = L(config->tenants_dir);
  bool token_created = false;
  if (Status s = EnsureSecrets(sys, *config, log, &token_created); !s)
    return StepFailed(err, "keys and database", s.error());
  bool generated = false;
  if (Status s = EnsureOperator(sys, L, *config, a, log, &generated); !s)
    return StepFailed(err, "first operator", s.error());
  if (Status s = EnsureUnitsRunning(sys, config_changed, token_created, log); !s) return StepFailed(err, "units", s.error());

  auto api = ConnectApi(sys, api_factory, *config);
  if (!api) return StepFailed(err, "API", api.error());
  if (Status s = WaitHealthy(**api, sys, 30); !s) return StepFailed(err, "health", s.error());
  log.Ok("supervisor healthy (" + LocalApiUrl(*config) + "/v1/health)");
  if (Status s = EnsureProvider(**api, sys, a, log); !s) return StepFailed(err, "model provider", s.error());
  if (Status s = EnsureTenants(**api, sys, a, o.tenant_wait_s, log); !s) return StepFailed(err, "tenants", s.error());

  Result<bool> marker = sys.WriteFile(L(kMarkerFile), std::string("version ") + Version() + "\n", 0644);
  if (!marker) return StepFailed(err, "marker", marker.error());
  log.Step(*marker, "wrote", std::string(kMarkerFile) + " (version " + Version() + ")");

  PrintWhereToGo(out, *config, a, generated || (a.generate_password && sys.Exists(L(kPasswordFile))), sys);
  if (generated && !o.show_password_on.empty()) {
    Result<std::string> pw = sys.ReadFile(L(kPasswordFile));
    if (pw) {
      // Appended, not replaced: a console device is not a file to rewrite.
      (void)sys.AppendFile(o.show_password_on, "\nClawhive: first sign-in as " + a.operator_name + " with password " +
                                                   pw->substr(0, pw->find('\n')) + " (change it after signing in)\n\n");
    }
  }
  out << "\n" << log.changes() << " change(s).\n";
  return 0;
}

}  // namespace clawhive::installer
