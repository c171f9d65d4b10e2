// FakeSystem and FakeApi: the installer's verbs (installer/install.h, upgrade.h, uninstall.h, status.h)
// on a hand-written fake host.
//
// Files are real but live under a temporary directory that the tests pass as the verbs' root (Layout),
// so the library code the online install calls (TLS certificate, API token, vault, SQLite stores) works
// on real files there too. Every file operation outside that directory is refused and recorded: a verb
// that forgets the root fails loudly instead of touching the machine running the tests. What preflight
// reads from the host itself (/proc/meminfo, cgroupfs, free space, the port) comes from maps describing a
// healthy host: 16 GiB, 8 CPUs, unified cgroups, systemd 252, the port free.
//
// Exec records every command and plays systemctl, groupadd/groupdel, userdel, sysctl and dpkg-query.
// A unit is enabled when its link exists in ROOT/etc/systemd/system/multi-user.target.wants/ (what
// `systemctl [--root=DIR] enable` makes, online or not); active state is a map. The clock advances
// clock_step_ms at every NowMs() so wait loops end; RandomBytes is deterministic.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "installer/answers.h"
#include "installer/appliance_api.h"
#include "installer/install.h"
#include "installer/layout.h"
#include "installer/status.h"
#include "installer/system.h"
#include "installer/uninstall.h"
#include "installer/upgrade.h"
#include "unit/temp_dir.h"

namespace clawhive::installer::testing {

inline constexpr uint64_t kGiB = uint64_t{1} << 30;

// Writes a file (parents made), for test setup only.
inline void PutFile(const std::string& path, const std::string& content, mode_t mode = 0644) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  ::chmod(path.c_str(), mode);
}

inline std::string GetFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline mode_t ModeOf(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

inline bool PathExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::symlink_status(path, ec));
}

// What the clawhive package puts in place before `install`: the payload and the unit files, in
// /lib/systemd/system (Debian 12's package directory). Plus a minimal /etc/group and /etc/passwd.
inline void MakePackageFiles(const std::string& root) {
  for (const std::string& f : PayloadFiles()) PutFile(root + f, "payload " + f + "\n", 0755);
  for (const char* unit : {kSupervisorUnit, kProxyUnit, kTenantsTarget, kSlice, kAgentTemplate, kFirstBootUnit})
    PutFile(root + "/lib/systemd/system/" + unit, "[Unit]\nDescription=" + std::string(unit) + "\n");
  PutFile(root + "/etc/group", "root:x:0:\n");
  PutFile(root + "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
}

// Every entry under `root` with what would change when it is rewritten (rename gives a new inode), so
// two snapshots compare equal only when nothing was written, made, removed or re-moded. A directory's
// mtime is left out: SQLite's -wal/-shm files come and go when a database is only opened and read.
inline std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    std::ostringstream s;
    s << std::oct << st.st_mode << std::dec << " ino " << st.st_ino;
    if (!S_ISDIR(st.st_mode))
      s << " size " << st.st_size << " mtime " << st.st_mtim.tv_sec << "." << st.st_mtim.tv_nsec;
    out[it->path().string().substr(root.size())] = s.str();
  }
  return out;
}

class FakeSystem : public System {
 public:
  explicit FakeSystem(std::string root_dir) : root(std::move(root_dir)) {}

  const std::string root;

  // ---- the host, as preflight sees it ----
  std::map<std::string, std::string> host_files = {
      {"/proc/meminfo", "MemTotal:       16777216 kB\nMemFree:         1000000 kB\n"},
      {"/proc/sys/kernel/hostname", "appliance\n"}};
  std::set<std::string> host_existing = {"/sys/fs/cgroup/cgroup.controllers"};
  std::string systemd_version = "systemd 252 (252.22-1~deb12u1)\n+PAM +AUDIT +SELINUX\n";
  uint64_t free_bytes = 100 * kGiB;
  std::string arch = "x86_64";
  uint64_t cpus = 8;
  std::set<uint16_t> busy_ports;
  std::string dpkg_version = "0.1.0";  // "" = the package is not installed

  void SetMemTotal(uint64_t bytes) { host_files["/proc/meminfo"] = "MemTotal: " + std::to_string(bytes >> 10) + " kB\n"; }

  // ---- systemd ----
  bool booted = true;
  std::map<std::string, std::string> active;  // unit -> is-active answer; absent = "inactive"
  bool need_daemon_reload = false;            // NeedDaemonReload of every unit until a daemon-reload
  std::set<std::string> not_loaded;           // units whose LoadState is "not-found"
  std::set<std::string> failing_starts;       // start/restart exit 1 and leave the unit "failed"

  // ---- what happened ----
  std::vector<std::vector<std::string>> execs;
  std::map<std::string, gid_t> groups;         // SetGroup, recorded instead of chown
  std::vector<std::string> outside_root;       // file operations the fake refused
  gid_t next_gid = 997;

  // ---- clock and randomness ----
  int64_t now_ms = 1'700'000'000'000;
  int64_t clock_step_ms = 250;
  uint8_t random_seed = 7;

  std::string Path(const std::string& host_path) const { return root + host_path; }

  std::string WantsLink(const std::string& dir, const std::string& unit) const {
    return dir + "/etc/systemd/system/multi-user.target.wants/" + unit;
  }
  bool Enabled(const std::string& unit) const { return PathExists(WantsLink(root, unit)); }
  bool Active(const std::string& unit) const {
    auto it = active.find(unit);
    return it != active.end() && it->second == "active";
  }

  // The recorded `systemctl` commands without the "systemctl" word (and without --root=...).
  std::vector<std::vector<std::string>> Systemctls() const {
    std::vector<std::vector<std::string>> out;
    for (const auto& argv : execs) {
      if (argv.empty() || argv[0] != "systemctl") continue;
      std::vector<std::string> args(argv.begin() + 1, argv.end());
      if (!args.empty() && args[0].rfind("--root=", 0) == 0) args.erase(args.begin());
      out.push_back(args);
    }
    return out;
  }
  // systemctl commands that change something (not is-active, is-enabled, show, --version).
  std::vector<std::vector<std::string>> SystemctlChanges() const {
    std::vector<std::vector<std::string>> out;
    for (auto& args : Systemctls())
      if (!args.empty() && args[0] != "is-active" && args[0] != "is-enabled" && args[0] != "show" &&
          args[0] != "--version")
        out.push_back(args);
    return out;
  }
  bool RanSystemctl(const std::vector<std::string>& args) const {
    auto all = Systemctls();
    return std::find(all.begin(), all.end(), args) != all.end();
  }
  // Commands whose first word is `program`.
  std::vector<std::vector<std::string>> Ran(const std::string& program) const {
    std::vector<std::vector<std::string>> out;
    for (const auto& argv : execs)
      if (!argv.empty() && argv[0] == program) out.push_back(argv);
    return out;
  }

  // ---- Host ----
  Result<std::string> ReadFile(const std::string& path) override {
    if (auto it = host_files.find(path); it != host_files.end()) return it->second;
    if (!Inside(path)) return Error::NotFound(path + ": not on the fake host");
    return RealSystem().ReadFile(path);
  }
  bool Exists(const std::string& path) override {
    if (host_existing.count(path)) return true;
    return Inside(path) && RealSystem().Exists(path);
  }
  Result<std::string> Run(const std::vector<std::string>& argv) override {
    Result<ExecResult> r = Exec(argv);
    if (!r) return r.error();
    if (r->exit_code != 0) return Error::Unavailable(argv[0] + ": failed (exit " + std::to_string(r->exit_code) + ")");
    return r->out;
  }
  Result<uint64_t> FreeBytes(const std::string&) override { return free_bytes; }
  std::string Architecture() override { return arch; }
  uint64_t OnlineCpus() override { return cpus; }
  Result<bool> PortFree(uint16_t port) override { return busy_ports.count(port) == 0; }

  // ---- System ----
  Result<ExecResult> Exec(const std::vector<std::string>& argv) override {
    execs.push_back(argv);
    if (argv.empty()) return Error::Invalid("empty command");
    const std::string& program = argv[0];
    if (program == "systemctl") return FakeSystemctl(argv);
    if (program == "groupadd") return GroupAdd(argv);
    if (program == "groupdel") return DropLine(Prefix(argv) + "/etc/group", argv.back(), 6);
    if (program == "userdel") return DropLine(Prefix(argv) + "/etc/passwd", argv.back(), 6);
    if (program == "systemd-sysusers") return SysUsers(argv);
    if (program == "sysctl") return ExecResult{0, ""};
    if (program == "dpkg-query") return dpkg_version.empty() ? ExecResult{1, ""} : ExecResult{0, dpkg_version};
    return Error::Unavailable(program + ": cannot run (not installed?)");
  }
  Result<bool> WriteFile(const std::string& path, const std::string& content, mode_t mode) override {
    if (!Inside(path)) return Refuse("write", path);
    return RealSystem().WriteFile(path, content, mode);
  }
  // Devices such as /dev/console are outside the root: what was appended is kept here.
  Status AppendFile(const std::string& path, const std::string& text) override {
    appended[path] += text;
    return Status::Ok();
  }
  std::map<std::string, std::string> appended;
  Result<bool> MakeDir(const std::string& path, mode_t mode) override {
    if (!Inside(path)) return Refuse("mkdir", path);
    return RealSystem().MakeDir(path, mode);
  }
  Result<bool> SetGroup(const std::string& path, gid_t gid) override {
    if (!Inside(path)) return Refuse("chgrp", path);
    if (!PathExists(path)) return Error::Unavailable("stat " + path + ": No such file or directory");
    auto it = groups.find(path);
    if (it != groups.end() && it->second == gid) return false;
    groups[path] = gid;
    return true;
  }
  Result<bool> Remove(const std::string& path) override {
    if (!Inside(path)) return Refuse("remove", path);
    for (auto it = groups.begin(); it != groups.end();)
      it = it->first == path || it->first.rfind(path + "/", 0) == 0 ? groups.erase(it) : std::next(it);
    return RealSystem().Remove(path);
  }
  std::vector<std::string> List(const std::string& dir) override {
    if (!Inside(dir)) {
      outside_root.push_back("list " + dir);
      return {};
    }
    return RealSystem().List(dir);
  }
  bool Booted() override { return booted; }
  int64_t NowMs() override { return now_ms += clock_step_ms; }
  std::string RandomBytes(size_t n) override {
    std::string out(n, '\0');
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>(random_seed + 31 * i);
    ++random_seed;
    return out;
  }

 private:
  bool Inside(const std::string& path) const { return path == root || path.rfind(root + "/", 0) == 0; }

  Error Refuse(const std::string& what, const std::string& path) {
    outside_root.push_back(what + " " + path);
    return Error::Invalid("fake system: " + what + " outside the test root: " + path);
  }

  // groupadd/groupdel/userdel --prefix DIR edit DIR/etc/...; without it, this fake's host is `root`.
  std::string Prefix(const std::vector<std::string>& argv) const {
    for (size_t i = 1; i + 1 < argv.size(); ++i)
      if (argv[i] == "--prefix") return argv[i + 1];
    return root;
  }

  Result<ExecResult> GroupAdd(const std::vector<std::string>& argv) {
    std::string file = Prefix(argv) + "/etc/group";
    std::string text = GetFile(file);
    const std::string& name = argv.back();
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.rfind(name + ":", 0) == 0) return ExecResult{9, ""};  // "group already exists"
    PutFile(file, text + name + ":x:" + std::to_string(next_gid--) + ":\n");
    return ExecResult{0, ""};
  }

  // systemd-sysusers [--root=DIR] clawhive.conf: the accounts units/clawhive.sysusers declares.
  Result<ExecResult> SysUsers(const std::vector<std::string>& argv) {
    std::string r = root;
    for (const std::string& a : argv)
      if (a.rfind("--root=", 0) == 0) r = a.substr(7);
    if (!PathExists(r + kSysusersFile)) return ExecResult{1, ""};
    auto has = [](const std::string& text, const std::string& name) {
      return text.rfind(name + ":", 0) == 0 || text.find("\n" + name + ":") != std::string::npos;
    };
    std::string group = GetFile(r + "/etc/group"), passwd = GetFile(r + "/etc/passwd");
    if (!has(group, kGroup)) group += std::string(kGroup) + ":x:" + std::to_string(next_gid--) + ":\n";
    if (!has(passwd, kProxyUser)) {
      std::string id = std::to_string(next_gid--);
      passwd += std::string(kProxyUser) + ":x:" + id + ":" + id + ":Clawhive metering proxy:/:/usr/sbin/nologin\n";
      if (!has(group, kProxyUser)) group += std::string(kProxyUser) + ":x:" + id + ":\n";
    }
    PutFile(r + "/etc/group", group);
    PutFile(r + "/etc/passwd", passwd);
    return ExecResult{0, ""};
  }

  Result<ExecResult> DropLine(const std::string& file, const std::string& name, int missing_exit) {
    std::istringstream in(GetFile(file));
    std::string kept;
    bool found = false;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(name + ":", 0) == 0) {
        found = true;
        continue;
      }
      kept += line + "\n";
    }
    if (!found) return ExecResult{missing_exit, ""};
    PutFile(file, kept);
    return ExecResult{0, ""};
  }

  Result<ExecResult> FakeSystemctl(const std::vector<std::string>& argv) {
    std::string dir = root;
    bool offline = false;
    std::vector<std::string> args;
    for (size_t i = 1; i < argv.size(); ++i) {
      if (argv[i].rfind("--root=", 0) == 0) {
        dir = argv[i].substr(7);
        offline = true;
      } else if (argv[i] != "--quiet") {
        args.push_back(argv[i]);
      }
    }
    if (args.empty()) return ExecResult{1, ""};
    const std::string& verb = args[0];
    const std::string unit = args.size() > 1 ? args.back() : "";
    if (verb == "--version") return ExecResult{0, systemd_version};
    if (verb == "is-enabled") {
      return PathExists(WantsLink(dir, unit)) ? ExecResult{0, "enabled\n"} : ExecResult{1, "disabled\n"};
    }
    if (verb == "enable") {
      std::filesystem::create_directories(std::filesystem::path(WantsLink(dir, unit)).parent_path());
      std::error_code ec;
      std::filesystem::create_symlink("/lib/systemd/system/" + unit, WantsLink(dir, unit), ec);
      return ExecResult{0, ""};
    }
    if (verb == "disable") {
      std::error_code ec;
      std::filesystem::remove(WantsLink(dir, unit), ec);
      return ExecResult{0, ""};
    }
    // Everything below talks to a running systemd.
    if (offline || !booted) return ExecResult{1, ""};
    if (verb == "is-active") {
      auto it = active.find(unit);
      std::string state = it == active.end() ? "inactive" : it->second;
      return ExecResult{state == "active" ? 0 : 3, state + "\n"};
    }
    if (verb == "show" && args.size() == 5 && args[1] == "-p" && args[3] == "--value") {
      if (args[2] == "LoadState") return ExecResult{0, not_loaded.count(unit) ? "not-found\n" : "loaded\n"};
      if (args[2] == "NeedDaemonReload") return ExecResult{0, need_daemon_reload ? "yes\n" : "no\n"};
      return ExecResult{0, "\n"};
    }
    if (verb == "daemon-reload") {
      need_daemon_reload = false;
      not_loaded.clear();
      return ExecResult{0, ""};
    }
    if (verb == "start" || verb == "restart") {
      if (failing_starts.count(unit)) {
        active[unit] = "failed";
        return ExecResult{1, ""};
      }
      active[unit] = "active";
      if (unit == kSupervisorUnit) active[kTenantsTarget] = "active";  // Wants=clawhive-tenants.target
      return ExecResult{0, ""};
    }
    if (verb == "try-restart") return ExecResult{0, ""};  // restarts only what runs; the state stays
    if (verb == "stop") {
      active[unit] = "inactive";
      return ExecResult{0, ""};
    }
    if (verb == "reset-failed") {
      bool any = false;
      for (auto& [u, state] : active) {
        if (state != "failed") continue;
        state = "inactive";
        any = true;
      }
      return ExecResult{any ? 0 : 1, ""};
    }
    return ExecResult{1, ""};
  }
};

// The supervisor's API as the installer sees it: health, tenants, counters.
class FakeApi {
 public:
  bool healthy = true;
  bool tenants_become_healthy = true;
  std::map<std::string, TenantState> tenants;
  std::vector<std::string> created;  // ids, in the order CreateTenant was called
  int health_calls = 0, connects = 0;
  std::string url, token, fingerprint;  // of the last connection

  // Connections that forward to this object (which outlives them).
  ApiFactory Factory() {
    return [this](const std::string& u, const std::string& t,
                  const std::string& f) -> Result<std::unique_ptr<ApplianceApi>> {
      ++connects;
      url = u;
      token = t;
      fingerprint = f;
      return std::unique_ptr<ApplianceApi>(new Connection(*this));
    };
  }

 private:
  class Connection : public ApplianceApi {
   public:
    explicit Connection(FakeApi& api) : api_(api) {}
    Status Health() override {
      ++api_.health_calls;
      if (!api_.healthy) return Error::Unavailable("connection refused (fake)");
      return Status::Ok();
    }
    Result<TenantState> Tenant(const std::string& id) override {
      auto it = api_.tenants.find(id);
      if (it == api_.tenants.end()) return TenantState{};
      return it->second;
    }
    Status CreateTenant(const TenantAnswer& t) override {
      if (api_.tenants.count(t.id)) return Error::Exists("tenant " + t.id + " already exists");
      api_.created.push_back(t.id);
      api_.tenants[t.id] = {true, api_.tenants_become_healthy, api_.tenants_become_healthy ? "running" : "backoff"};
      return Status::Ok();
    }
    Result<int64_t> TenantCount() override {  // the real API answers 401 without a token: -1
      if (api_.token.empty()) return int64_t{-1};
      return static_cast<int64_t>(api_.tenants.size());
    }

   private:
    FakeApi& api_;
  };
};

// A host with the clawhive package's files in place, its fake systemd and API, and the verbs run on it
// with its directory as their root.
struct FakeAppliance {
  ::clawhive::testing::TempDir dir{"clawhive-installer"};
  FakeSystem sys{dir.path};
  FakeApi api;
  std::string out, err;  // of the last verb

  FakeAppliance() { MakePackageFiles(dir.path); }

  std::string P(const std::string& host_path) const { return dir.path + host_path; }

  // An install on this (booted) host with the answer file `text`.
  InstallOptions Online(const std::string& text) const {
    InstallOptions o = Offline(text);
    o.online_in_root = true;
    return o;
  }
  // An install into this directory as an image root: nothing is started.
  InstallOptions Offline(const std::string& text) const {
    Result<Answers> a = ParseAnswers(text, "answers.yaml");
    BOOST_REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error().message));
    InstallOptions o;
    o.root = dir.path;
    o.answers = *a;
    o.answers_text = text;
    o.tenant_wait_s = 1;
    return o;
  }

  int Install(const InstallOptions& o) {
    return Capture([&](std::ostream& so, std::ostream& se) { return installer::Install(sys, api.Factory(), o, so, se); });
  }
  int Uninstall(bool purge, bool online = true) {
    return Capture([&](std::ostream& so, std::ostream& se) {
      return installer::Uninstall(sys, dir.path, purge, so, se, online);
    });
  }
  int Upgrade() {
    return Capture([&](std::ostream& so, std::ostream& se) { return installer::Upgrade(sys, api.Factory(), dir.path, so, se); });
  }
  int Status() {
    return Capture([&](std::ostream& so, std::ostream&) { return ShowStatus(sys, api.Factory(), dir.path, so); });
  }

  // The "N change(s)." the last verb ended with; -1 when it printed none.
  int Changes() const {
    size_t end = out.rfind(" change(s).");
    if (end == std::string::npos) return -1;
    size_t start = out.rfind('\n', end);
    start = start == std::string::npos ? 0 : start + 1;
    return std::stoi(out.substr(start, end - start));
  }

 private:
  template <typename Fn>
  int Capture(Fn fn) {
    std::ostringstream so, se;
    int rc = fn(so, se);
    out = so.str();
    err = se.str();
    return rc;
  }
};

}  // namespace clawhive::installer::testing
