// Tests of the shipped runtime (installer/runtime.h) and the answer file's provider and models: the
// runtime package's image found, imported with its sha256 and made what new tenants run; a damaged package
// refused with what to do; the provider and its key stored once. On the installer's fake host
// (installer_fake_system.h), with clawhive-image and the API scripted here.
#include "installer/runtime.h"

#include <boost/test/unit_test.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "installer/answers.h"
#include "installer/install.h"
#include "installer/upgrade.h"
#include "installer_fake_system.h"
#include "installer_sample_answers.h"
#include "supervisor/config/config.h"
#include "unit/fails_with.h"
#include "unit/text_search.h"

using namespace clawhive;
using namespace clawhive::installer;
using namespace clawhive::installer::testing;
using clawhive::testing::Contains;
using clawhive::testing::FailsWith;

namespace {

const std::string kArtifact = "/usr/share/clawhive/runtime/openclaw-2026.9.6-node24.22.3.tar.zst";
const std::string kSum = "3e71fe3a1c0e86f511d6587806562bff849b45bbc96dca7b5739474efd620f68";

// The fake host, playing clawhive-image as well: `import` "imports" into the store (a directory with a
// manifest) unless `corrupt`, and says "already in" the second time, as the real one does.
class ImagingSystem : public FakeSystem {
 public:
  using FakeSystem::FakeSystem;
  bool corrupt = false;
  std::vector<std::vector<std::string>> imports;

  Result<ExecResult> Exec(const std::vector<std::string>& argv) override {
    if (argv.empty() || argv[0] != Path(kImageTool)) return FakeSystem::Exec(argv);
    execs.push_back(argv);
    imports.push_back(argv);
    if (corrupt) return ExecResult{1, ""};
    std::string store = argv[4], id = ImageIdOfArtifact(std::filesystem::path(argv[2]).filename().string()).value_or("?");
    if (PathExists(store + "/" + id + "/manifest.json")) return ExecResult{0, id + " is already in " + store + " with the same content\n"};
    PutFile(store + "/" + id + "/manifest.json", "{}");
    return ExecResult{0, "imported " + id + " into " + store + " (38733 files, 804.8 MB on disk) in 7.25 s\n"};
  }
};

// The appliance's API as the installer sees it, with platform secrets and providers.
class ProviderApi {
 public:
  std::map<std::string, TenantState> tenants;
  std::map<std::string, std::string> secrets;
  std::map<std::string, ProviderAnswer> providers;
  std::vector<std::string> created;
  int secret_puts = 0, provider_puts = 0;

  ApiFactory Factory() {
    return [this](const std::string&, const std::string&, const std::string&) -> Result<std::unique_ptr<ApplianceApi>> {
      return std::unique_ptr<ApplianceApi>(new Connection(*this));
    };
  }

 private:
  class Connection : public ApplianceApi {
   public:
    explicit Connection(ProviderApi& api) : api_(api) {}
    Status Health() override { return Status::Ok(); }
    Result<TenantState> Tenant(const std::string& id) override {
      auto it = api_.tenants.find(id);
      return it == api_.tenants.end() ? TenantState{} : it->second;
    }
    Status CreateTenant(const TenantAnswer& t) override {
      api_.created.push_back(t.id);
      api_.tenants[t.id] = {true, true, "running"};
      return Status::Ok();
    }
    Result<int64_t> TenantCount() override { return static_cast<int64_t>(api_.tenants.size()); }
    Result<bool> HasPlatformSecret(const std::string& name) override { return api_.secrets.count(name) != 0; }
    Status PutPlatformSecret(const std::string& name, const std::string& value) override {
      ++api_.secret_puts;
      api_.secrets[name] = value;
      return Status::Ok();
    }
    Result<bool> HasProvider(const std::string& name) override { return api_.providers.count(name) != 0; }
    Status PutProvider(const ProviderAnswer& p) override {
      ++api_.provider_puts;
      api_.providers[p.name] = p;
      return Status::Ok();
    }

   private:
    ProviderApi& api_;
  };
};

struct RuntimeHost {
  ::clawhive::testing::TempDir dir{"clawhive-installer-runtime"};
  ImagingSystem sys{dir.path};
  ProviderApi api;
  std::string out, err;

  RuntimeHost() {
    MakePackageFiles(dir.path);
    PutFile(P(kImageTool), "payload\n", 0755);
  }
  std::string P(const std::string& host_path) const { return dir.path + host_path; }
  // The runtime package's files: the artifact and its sha256sum line.
  void ShipRuntime(const std::string& path = kArtifact, const std::string& sum = kSum) {
    PutFile(P(path), "zstd bytes\n");
    PutFile(P(path + ".sha256"), sum + "  " + std::filesystem::path(path).filename().string() + "\n");
  }
  std::string Shipped() {
    auto r = FindShippedRuntime(sys, Layout{dir.path});
    return r.ok() && *r ? (*r)->image_id : "";
  }
  int Install(const std::string& text, bool online = true) {
    Result<Answers> a = ParseAnswers(text, "answers.yaml", Shipped());
    BOOST_REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error().message));
    InstallOptions o;
    o.root = dir.path;
    o.online_in_root = online;
    o.answers = *a;
    o.answers_text = text;
    o.tenant_wait_s = 1;
    std::ostringstream so, se;
    int rc = installer::Install(sys, api.Factory(), o, so, se);
    out = so.str();
    err = se.str();
    return rc;
  }
  Config InstalledConfig() const {
    Result<Config> c = ParseConfig(GetFile(P(kConfigFile)), kConfigFile);
    BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
    return *c;
  }
};

const std::string kTenants = "tenants:\n  - {id: acme}\n";

const std::string kProvider =
    "provider:\n"
    "  name: stub\n"
    "  base_url: http://127.0.0.1:18999/v1\n"
    "  key_file: /etc/provider.key\n"
    "  models: [{name: stub-model, input_per_million: \"1.00\", output_per_million: \"2.00\"}, {name: other}]\n";

std::string ParseError(const std::string& text) {
  auto r = ParseAnswers(text, "a.yaml", "openclaw-2026.9.6");
  return r.ok() ? std::string("(parsed)") : r.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(installer_runtime)

BOOST_AUTO_TEST_CASE(an_artifact_name_gives_its_image_id_and_any_other_name_none) {
  BOOST_TEST(ImageIdOfArtifact("openclaw-2026.9.6-node24.22.3.tar.zst").value_or("") == "openclaw-2026.9.6");
  BOOST_TEST(ImageIdOfArtifact("openclaw-2026.9.6-broken-node24.22.3.tar.gz").value_or("") == "openclaw-2026.9.6-broken");
  BOOST_TEST(ImageIdOfArtifact("openclaw-2026.9.6-node24.22.3.tar").value_or("") == "openclaw-2026.9.6");
  for (const char* bad : {"openclaw-2026.9.6-node24.22.3.tar.zst.sha256", "openclaw-2026.9.6.tar.zst",
                          "openclaw-2026.9.6-nodeX.tar.zst", "-node24.tar.zst", "..-node24.tar.zst",
                          "Open Claw-node24.tar.zst", "openclaw-2026.9.6-node24.22.3.zip", ""})
    BOOST_TEST(!ImageIdOfArtifact(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(without_the_runtime_package_there_is_no_shipped_image_and_tenants_need_one_named) {
  RuntimeHost host;
  BOOST_TEST(host.Shipped().empty());
  auto a = ParseAnswers(kGeneratedAdminAnswers + kTenants, "a.yaml", "");
  BOOST_TEST(FailsWith(a, ErrorCode::kInvalidArgument, "clawhive-openclaw-runtime"));
}

BOOST_AUTO_TEST_CASE(the_shipped_image_is_what_tenants_run_unless_the_answer_file_names_an_image_or_a_program) {
  auto shipped = ParseAnswers(kGeneratedAdminAnswers + kTenants, "a.yaml", "openclaw-2026.9.6");
  BOOST_REQUIRE(shipped.ok());
  BOOST_TEST(shipped->runtime == "openclaw-2026.9.6");
  BOOST_TEST(shipped->runtime_shipped);
  auto named = ParseAnswers(kGeneratedAdminAnswers + "openclaw: {runtime: openclaw-2026.9.5}\n", "a.yaml", "openclaw-2026.9.6");
  BOOST_REQUIRE(named.ok());
  BOOST_TEST(named->runtime == "openclaw-2026.9.5");
  BOOST_TEST(!named->runtime_shipped);
  auto program = ParseAnswers(kGeneratedAdminAnswers + "tenant_defaults: {agent_exec: /opt/agent}\n" + kTenants, "a.yaml",
                              "openclaw-2026.9.6");
  BOOST_REQUIRE(program.ok());
  BOOST_TEST(program->runtime.empty());
  // A tenant with its own program needs no image at all.
  auto own = ParseAnswers(kGeneratedAdminAnswers + "tenants:\n  - {id: acme, agent_exec: /opt/agent}\n", "a.yaml", "");
  BOOST_REQUIRE_MESSAGE(own.ok(), (own.ok() ? "" : own.error().message));
  BOOST_TEST(own->tenants[0].agent_exec == "/opt/agent");
}

BOOST_AUTO_TEST_CASE(the_newest_shipped_artifact_is_found_and_one_without_its_checksum_is_an_error) {
  RuntimeHost host;
  host.ShipRuntime("/usr/share/clawhive/runtime/openclaw-2026.9.9-node24.22.3.tar.zst");
  host.ShipRuntime("/usr/share/clawhive/runtime/openclaw-2026.9.10-node24.22.3.tar.zst");
  PutFile(host.P("/usr/share/clawhive/runtime/README"), "not an artifact\n");
  BOOST_TEST(host.Shipped() == "openclaw-2026.9.10");
  PutFile(host.P("/usr/share/clawhive/runtime/openclaw-2026.9.11-node24.22.3.tar.zst"), "no checksum\n");
  BOOST_TEST(FailsWith(FindShippedRuntime(host.sys, Layout{host.dir.path}), ErrorCode::kNotFound,
                       "apt-get install --reinstall clawhive-openclaw-runtime"));
}

BOOST_AUTO_TEST_CASE(an_install_imports_the_shipped_image_with_its_sha256_and_names_it_in_the_config_once) {
  RuntimeHost host;
  host.ShipRuntime();
  BOOST_REQUIRE_MESSAGE(host.Install(kGeneratedAdminAnswers + kTenants) == 0, host.err << host.out);
  BOOST_REQUIRE_EQUAL(host.sys.imports.size(), 1u);
  BOOST_TEST((host.sys.imports[0] == std::vector<std::string>{host.P(kImageTool), "import", host.P(kArtifact), "--store",
                                                              host.P(kImagesDir), "--sha256", kSum}));
  BOOST_TEST(Contains(host.out, "imported   runtime image openclaw-2026.9.6"), host.out);
  BOOST_TEST(Contains(host.out, "in 7.25 s"), host.out);  // clawhive-image's own figure
  BOOST_TEST(host.InstalledConfig().default_runtime == "openclaw-2026.9.6");
  BOOST_TEST(host.api.created == std::vector<std::string>{"acme"});
  // Again: the import finds it there (checked again by the import, not unpacked), nothing changes.
  BOOST_REQUIRE(host.Install(kGeneratedAdminAnswers + kTenants) == 0);
  BOOST_TEST(host.out.find("0 change(s).") != std::string::npos, host.out);
  BOOST_TEST(Contains(host.out, "ok         runtime image openclaw-2026.9.6"), host.out);
}

BOOST_AUTO_TEST_CASE(a_corrupt_artifact_fails_the_install_before_anything_starts_and_says_what_to_do) {
  RuntimeHost host;
  host.ShipRuntime();
  host.sys.corrupt = true;
  BOOST_TEST(host.Install(kGeneratedAdminAnswers + kTenants) == 1);
  BOOST_TEST(Contains(host.err, "runtime image: importing the runtime image openclaw-2026.9.6"), host.err);
  BOOST_TEST(Contains(host.err, "apt-get install --reinstall clawhive-openclaw-runtime"), host.err);
  BOOST_TEST(!host.sys.RanSystemctl({"start", kSupervisorUnit}));
  BOOST_TEST(host.api.created.empty());
}

BOOST_AUTO_TEST_CASE(a_malformed_or_missing_checksum_line_is_refused_without_running_the_import) {
  for (const std::string& sum : {std::string("not-a-sum"), std::string(kSum.substr(0, 63)), std::string("")}) {
    RuntimeHost host;
    host.ShipRuntime(kArtifact, sum);
    BOOST_TEST(host.Install(kGeneratedAdminAnswers) == 1);
    BOOST_TEST(Contains(host.err, "is not a sha256sum line"), host.err);
    BOOST_TEST(host.sys.imports.empty());
  }
  RuntimeHost gone;
  gone.ShipRuntime();
  std::filesystem::remove(gone.P(kArtifact));
  BOOST_TEST(FindShippedRuntime(gone.sys, Layout{gone.dir.path}).ok());  // the .sha256 alone names nothing
}

BOOST_AUTO_TEST_CASE(an_offline_install_names_the_shipped_image_and_leaves_the_import_to_the_first_boot) {
  RuntimeHost host;
  host.ShipRuntime();
  host.sys.booted = false;
  BOOST_REQUIRE_MESSAGE(host.Install(kGeneratedAdminAnswers + kTenants, false) == 0, host.err);
  BOOST_TEST(host.sys.imports.empty());
  BOOST_TEST(Contains(host.out, "imported at first boot"), host.out);
  BOOST_TEST(host.InstalledConfig().default_runtime == "openclaw-2026.9.6");
}

BOOST_AUTO_TEST_CASE(the_answer_files_provider_and_its_key_are_stored_once_and_its_models_are_what_tenants_choose) {
  RuntimeHost host;
  host.ShipRuntime();
  host.sys.host_files["/etc/provider.key"] = "sk-stub-123\n";
  BOOST_REQUIRE_MESSAGE(host.Install(kGeneratedAdminAnswers + kProvider + kTenants) == 0, host.err << host.out);
  BOOST_TEST(host.api.secrets["STUB_API_KEY"] == "sk-stub-123");  // without the newline
  BOOST_REQUIRE(host.api.providers.count("stub"));
  const ProviderAnswer& p = host.api.providers["stub"];
  BOOST_TEST(p.kind == "openai");
  BOOST_TEST(p.key_secret == "STUB_API_KEY");
  BOOST_TEST(p.models.size() == 2u);
  BOOST_TEST(p.models[1].input_per_million == "0");
  BOOST_TEST((host.InstalledConfig().openclaw_models == std::vector<std::string>{"stub-model", "other"}));
  BOOST_TEST(!Contains(host.out, "sk-stub-123"));
  // A key rotated since is not overwritten, and nothing changes on a rerun.
  host.api.secrets["STUB_API_KEY"] = "sk-rotated";
  BOOST_REQUIRE(host.Install(kGeneratedAdminAnswers + kProvider + kTenants) == 0);
  BOOST_TEST(host.api.secrets["STUB_API_KEY"] == "sk-rotated");
  BOOST_TEST(host.api.secret_puts == 1);
  BOOST_TEST(host.api.provider_puts == 1);
  BOOST_TEST(host.out.find("0 change(s).") != std::string::npos, host.out);
}

BOOST_AUTO_TEST_CASE(a_missing_or_empty_provider_key_file_fails_before_the_tenants_are_made) {
  RuntimeHost host;
  host.ShipRuntime();
  BOOST_TEST(host.Install(kGeneratedAdminAnswers + kProvider + kTenants) == 1);
  BOOST_TEST(Contains(host.err, "model provider: provider.key_file /etc/provider.key"), host.err);
  BOOST_TEST(host.api.created.empty());
  host.sys.host_files["/etc/provider.key"] = "\n";
  BOOST_TEST(host.Install(kGeneratedAdminAnswers + kProvider + kTenants) == 1);
  BOOST_TEST(Contains(host.err, "is empty"), host.err);
}

BOOST_AUTO_TEST_CASE(hostile_or_wrong_provider_and_model_answers_are_refused_at_their_line) {
  const std::string op = kGeneratedAdminAnswers;  // 3 lines
  BOOST_TEST(Contains(ParseError(op + "provider: {name: stub, models: [{name: m}]}\n"), "a.yaml:4:11: provider: missing 'base_url'"));
  BOOST_TEST(Contains(ParseError(op + "provider: {name: stub, kind: azure, base_url: http://x/v1, models: [{name: m}]}\n"),
                      "provider.kind: 'azure'; expected openai or anthropic"));
  BOOST_TEST(Contains(ParseError(op + "provider: {name: stub, base_url: \"file:///etc/shadow\", models: [{name: m}]}\n"),
                      "is not a URL"));
  BOOST_TEST(Contains(ParseError(op + "provider: {name: \"../x\", base_url: http://x/v1, models: [{name: m}]}\n"),
                      "is not a provider name"));
  BOOST_TEST(Contains(ParseError(op + "provider: {name: s, base_url: http://x/v1, key_file: key.txt, models: [{name: m}]}\n"),
                      "provider.key_file"));
  BOOST_TEST(Contains(ParseError(op + "provider: {name: s, base_url: http://x/v1, key_secret: \"A;B\", models: [{name: m}]}\n"),
                      "is not a secret name"));
  BOOST_TEST(Contains(ParseError(op + "provider: {name: s, base_url: http://x/v1, models: [{name: m, input_per_million: \"-1\"}]}\n"),
                      "is not a price"));
  BOOST_TEST(Contains(ParseError(op + "provider: {name: s, base_url: http://x/v1, models: [{name: \"a/b\"}]}\n"),
                      "is not a model id"));
  BOOST_TEST(Contains(ParseError(op + "provider: {name: s, base_url: http://x/v1, models: [{name: m}]}\nopenclaw: {models: [m, gpt-9]}\n"),
                      "openclaw.models: 'gpt-9' is not a model of provider s"));
  BOOST_TEST(Contains(ParseError(op + "openclaw: {models: []}\n"), "at least one model"));
  BOOST_TEST(Contains(ParseError(op + "provider: {name: s, base_url: http://x/v1, models: [{name: m, colour: red}]}\n"), "colour"));
  BOOST_TEST(ParseError(op + "provider: {name: open-ai, base_url: https://api.openai.com/v1, models: [{name: gpt-4o-mini}]}\n") ==
             "(parsed)");
}

BOOST_AUTO_TEST_CASE(an_upgrade_imports_a_new_shipped_image_next_to_the_old_one_and_moves_no_tenant) {
  RuntimeHost host;
  host.ShipRuntime();
  BOOST_REQUIRE(host.Install(kGeneratedAdminAnswers + kTenants) == 0);
  // The runtime package upgraded: its new artifact replaces the old one.
  std::filesystem::remove(host.P(kArtifact));
  std::filesystem::remove(host.P(kArtifact + ".sha256"));
  host.ShipRuntime("/usr/share/clawhive/runtime/openclaw-2026.9.7-node24.22.3.tar.zst");
  std::ostringstream so, se;
  int rc = installer::Upgrade(host.sys, host.api.Factory(), host.dir.path, so, se);
  BOOST_REQUIRE_MESSAGE(rc == 0, se.str() << so.str());
  BOOST_TEST(PathExists(host.P(std::string(kImagesDir) + "/openclaw-2026.9.6/manifest.json")));
  BOOST_TEST(PathExists(host.P(std::string(kImagesDir) + "/openclaw-2026.9.7/manifest.json")));
  BOOST_TEST(host.InstalledConfig().default_runtime == "openclaw-2026.9.6");  // moved only by a fleet update
}

BOOST_AUTO_TEST_SUITE_END()
