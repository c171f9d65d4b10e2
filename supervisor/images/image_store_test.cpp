// ImageStore against the real file system and the real tar: artifacts made here with tar, imported,
// refused when tampered with or hostile, re-imported, listed, removed; leftovers of a crash cleaned.
#include "supervisor/images/image_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "supervisor/images/content_digest.h"
#include "supervisor/images/image_test_util.h"
#include "unit/fails_with.h"

namespace clawhive::images {
namespace {

using clawhive::testing::FailsWith;
using testing::ModeOf;
using testing::TempDir;
using testing::WriteFile;

std::vector<std::string> None(const std::string&) { return {}; }

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

void Tar(const std::vector<std::string>& argv) {
  Result<ProcessOutput> r = RealProcessRunner().Run(argv, 1 << 20);
  BOOST_REQUIRE_MESSAGE(r.ok() && r->exit_code == 0, "tar failed: " << (r.ok() ? r->err : r.error().message));
}

bool HaveZstd() { return access("/usr/bin/zstd", X_OK) == 0 || access("/bin/zstd", X_OK) == 0; }

struct Fixture {
  TempDir tmp;
  std::string store_dir = tmp.path + "/images";
  ImageStore store{store_dir};

  // An unpacked image named openclaw-`version` with a manifest that matches it.
  std::string MakeContent(const std::string& version, const std::string& extra = "") {
    std::string dir = tmp.path + "/content-" + version;
    WriteFile(dir + "/node/bin/node", "#!/bin/sh\necho v24.21.0\n", 0755);
    WriteFile(dir + "/openclaw/node_modules/openclaw/openclaw.mjs", "console.log('" + version + extra + "')\n");
    WriteFile(dir + "/openclaw/node_modules/openclaw/package.json", "{\"version\":\"" + version + "\"}\n");
    symlink("../openclaw/openclaw.mjs", (dir + "/openclaw/node_modules/.bin-openclaw").c_str());
    WriteManifest(dir, ManifestOf(dir, version, "openclaw/node_modules/openclaw/openclaw.mjs"));
    return dir;
  }

  // A manifest of openclaw-`version` that matches the tree at `dir` as it is now, with its node at
  // node/bin/node and the given entry.
  static Manifest ManifestOf(const std::string& dir, const std::string& version, const std::string& entry) {
    Result<TreeDigest> d = DigestTree(dir);
    BOOST_REQUIRE(d.ok());
    Manifest m;
    m.name = "openclaw";
    m.version = version;
    m.node_version = "24.21.0";
    m.content_sha256 = d->sha256;
    m.files = d->files;
    m.bytes = d->bytes;
    m.node = "node/bin/node";
    m.entry = entry;
    m.built_at = "2026-09-30T12:00:00Z";
    return m;
  }
  static void WriteManifest(const std::string& dir, const Manifest& m) {
    WriteFile(dir + "/manifest.json", SerializeManifest(m));
  }

  std::string Pack(const std::string& content, const std::string& name, const std::string& compress = "") {
    std::string artifact = tmp.path + "/" + name;
    std::vector<std::string> argv = {"tar", "-c", "-f", artifact, "-C", content};
    if (!compress.empty()) argv.insert(argv.begin() + 1, compress);
    argv.push_back(".");
    Tar(argv);
    return artifact;
  }

  std::string Artifact(const std::string& version) { return Pack(MakeContent(version), "openclaw-" + version + ".tar"); }

  // Why `artifact` was refused; every refusal of a bad artifact is the caller's input at fault.
  std::string ImportError(const std::string& artifact, const ImportOptions& options = {}) {
    Result<ImportResult> r = store.Import(artifact, options);
    BOOST_TEST_REQUIRE(FailsWith(r, ErrorCode::kInvalidArgument), artifact);
    return r.error().message;
  }

  // Nothing but the lock file is left in the store.
  void StoreHoldsNothing() {
    for (const auto& e : std::filesystem::directory_iterator(store_dir))
      BOOST_TEST(e.path().filename() == ".lock", "left behind: " << e.path());
  }
  // No staging or removal directory is left.
  void StoreHoldsNothingButImages() {
    for (const auto& e : std::filesystem::directory_iterator(store_dir))
      BOOST_TEST((e.path().filename() == ".lock" || e.path().filename().string()[0] != '.'), "left behind: " << e.path());
  }
};

class MissingTar : public ProcessRunner {
 public:
  Result<ProcessOutput> Run(const std::vector<std::string>& argv, size_t) override {
    return Error::NotFound(argv[0] + " is not installed (not found on PATH)");
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(image_store)

BOOST_FIXTURE_TEST_CASE(an_import_lands_read_only_and_still_verifies, Fixture) {
  Result<ImportResult> r = store.Import(Artifact("1.0.0"));
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  BOOST_TEST(!r->already_present);
  BOOST_TEST(r->image.id == "openclaw-1.0.0");
  const std::string image = store_dir + "/openclaw-1.0.0";
  BOOST_TEST(r->image.path == image);
  BOOST_TEST(r->image.disk_bytes > 0u);
  BOOST_TEST(ModeOf(store_dir) == 0755u);
  BOOST_TEST(ModeOf(image) == 0555u);
  BOOST_TEST(ModeOf(image + "/node/bin") == 0555u);
  BOOST_TEST(ModeOf(image + "/node/bin/node") == 0555u);
  BOOST_TEST(ModeOf(image + "/manifest.json") == 0444u);
  BOOST_TEST(ModeOf(image + "/openclaw/node_modules/openclaw/openclaw.mjs") == 0444u);
  if (geteuid() == 0) {
    struct stat st;
    BOOST_REQUIRE(lstat((image + "/openclaw/node_modules/openclaw/openclaw.mjs").c_str(), &st) == 0);
    BOOST_TEST(st.st_uid == 0u);
    BOOST_TEST(st.st_gid == 0u);
  }
  BOOST_TEST(VerifyImageDir(image).ok());  // the modes it got are the ones the digest records

  Result<ImageInfo> got = store.Get("openclaw-1.0.0");
  BOOST_REQUIRE(got.ok());
  BOOST_TEST(got->manifest.node_version == "24.21.0");
  BOOST_TEST((store.Get("openclaw-9.9.9").error().code == ErrorCode::kNotFound));
  BOOST_TEST((store.Get("../etc").error().code == ErrorCode::kInvalidArgument));
}

BOOST_FIXTURE_TEST_CASE(gzip_and_zstd_artifacts_import_too, Fixture) {
  std::string content = MakeContent("1.0.0");
  Result<ImportResult> r = store.Import(Pack(content, "a.tar.gz", "-z"));
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  if (!HaveZstd()) return;
  content = MakeContent("2.0.0");
  r = store.Import(Pack(content, "a.tar.zst", "--zstd"));
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  BOOST_TEST(r->image.id == "openclaw-2.0.0");
}

BOOST_FIXTURE_TEST_CASE(tampered_content_is_refused_and_leaves_nothing, Fixture) {
  std::string content = MakeContent("1.0.0");
  WriteFile(content + "/openclaw/node_modules/openclaw/openclaw.mjs", "require('child_process').exec('evil')\n");
  std::string why = ImportError(Pack(content, "tampered.tar"));
  BOOST_TEST(why.find("content digest mismatch: manifest.json says ") == 0u, why);
  StoreHoldsNothing();

  content = MakeContent("1.0.1");
  chmod((content + "/openclaw/node_modules/openclaw/package.json").c_str(), 0755);  // a mode
  BOOST_TEST(ImportError(Pack(content, "mode.tar")).find("content digest mismatch") == 0u);
  content = MakeContent("1.0.2");
  WriteFile(content + "/openclaw/extra.js", "");  // an added file
  BOOST_TEST(ImportError(Pack(content, "added.tar")).find("content digest mismatch") == 0u);
  StoreHoldsNothing();
}

BOOST_FIXTURE_TEST_CASE(traversal_and_absolute_members_are_refused_before_extraction, Fixture) {
  std::string content = MakeContent("1.0.0");
  WriteFile(tmp.path + "/outside", "evil");
  std::string dotdot = tmp.path + "/dotdot.tar";
  Tar({"tar", "-c", "-P", "-f", dotdot, "-C", content, ".", "../outside"});
  BOOST_TEST(ImportError(dotdot).find("artifact member ../outside has a '..' component") == 0u);
  std::string absolute = tmp.path + "/absolute.tar";
  Tar({"tar", "-c", "-P", "-f", absolute, "-C", content, ".", tmp.path + "/outside"});
  BOOST_TEST(ImportError(absolute).find("has an absolute path") != std::string::npos);
  StoreHoldsNothing();

  // A symlink out of the image, then a file through it: tar defers such links and the walk refuses them.
  std::string sneaky = MakeContent("1.0.1");
  symlink(tmp.path.c_str(), (sneaky + "/openclaw/escape").c_str());
  BOOST_TEST(ImportError(Pack(sneaky, "symlink.tar")).find("symlink openclaw/escape -> /") == 0u);
  StoreHoldsNothing();
}

BOOST_FIXTURE_TEST_CASE(malformed_artifacts_and_missing_tar_give_clear_errors, Fixture) {
  WriteFile(tmp.path + "/junk.tar", std::string(10000, 'x'));
  BOOST_TEST(ImportError(tmp.path + "/junk.tar").find("listing " + tmp.path + "/junk.tar failed (tar exit 2)") == 0u);
  std::string no_manifest = MakeContent("1.0.0");
  unlink((no_manifest + "/manifest.json").c_str());
  BOOST_TEST(ImportError(Pack(no_manifest, "nomanifest.tar")) == "artifact has no manifest.json at its top");
  BOOST_TEST((store.Import(tmp.path + "/missing.tar").error().code == ErrorCode::kNotFound));
  MissingTar missing;
  ImageStore bare(store_dir, missing);
  BOOST_TEST(FailsWith(bare.Import(Artifact("1.0.0")), ErrorCode::kNotFound, "tar is not installed (not found on PATH)"));
  StoreHoldsNothing();
}

BOOST_FIXTURE_TEST_CASE(node_must_be_an_executable_file_inside_the_image, Fixture) {
  std::string content = tmp.path + "/content-x";
  WriteFile(content + "/node/bin/node", "not executable", 0644);
  WriteFile(content + "/openclaw/openclaw.mjs", "");
  Manifest m = ManifestOf(content, "1.0.0", "openclaw/missing.mjs");
  WriteManifest(content, m);
  BOOST_TEST(ImportError(Pack(content, "a.tar")) == "manifest field 'node': node/bin/node is not executable");
  chmod((content + "/node/bin/node").c_str(), 0755);
  m.content_sha256 = DigestTree(content)->sha256;
  WriteManifest(content, m);
  BOOST_TEST(ImportError(Pack(content, "b.tar")) == "manifest field 'entry': the image has no openclaw/missing.mjs");
}

BOOST_FIXTURE_TEST_CASE(the_artifact_checksum_is_checked_first_when_given, Fixture) {
  std::string artifact = Artifact("1.0.0");
  ImportOptions wrong;
  wrong.expected_sha256 = std::string(64, '0');
  BOOST_TEST(ImportError(artifact, wrong).find("artifact sha256 mismatch: expected 0000") == 0u);
  ImportOptions bad;
  bad.expected_sha256 = "xyz";
  BOOST_TEST(ImportError(artifact, bad) == "expected sha256 must be 64 lowercase hex digits");
  ImportOptions right;
  right.expected_sha256 = Sha256File(artifact).value();
  BOOST_TEST(store.Import(artifact, right).ok());
}

BOOST_FIXTURE_TEST_CASE(reimporting_the_same_content_is_a_no_op_other_content_is_refused, Fixture) {
  std::string artifact = Artifact("1.0.0");
  BOOST_REQUIRE(store.Import(artifact).ok());
  Result<ImportResult> again = store.Import(artifact);
  BOOST_REQUIRE_MESSAGE(again.ok(), (again.ok() ? "" : again.error().message));
  BOOST_TEST(again->already_present);
  StoreHoldsNothingButImages();

  std::string other = tmp.path + "/other";
  std::filesystem::rename(MakeContent("1.0.0", " changed"), other);
  Result<ImportResult> clash = store.Import(Pack(other, "other.tar"));
  BOOST_TEST(FailsWith(clash, ErrorCode::kAlreadyExists, "image openclaw-1.0.0 already exists with other content"));
  BOOST_TEST(VerifyImageDir(store_dir + "/openclaw-1.0.0").ok());
}

BOOST_FIXTURE_TEST_CASE(an_installed_image_is_recognised_by_its_manifest_without_unpacking, Fixture) {
  std::string content = MakeContent("1.0.0");
  BOOST_REQUIRE(store.Import(Pack(content, "good.tar")).ok());
  // Same manifest, other bytes: nothing is unpacked, the installed (checked) copy stays as it is.
  WriteFile(content + "/openclaw/node_modules/openclaw/openclaw.mjs", "tampered\n");
  Result<ImportResult> r = store.Import(Pack(content, "same-manifest.tar"));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->already_present);
  BOOST_TEST(VerifyImageDir(store_dir + "/openclaw-1.0.0").ok());
  StoreHoldsNothingButImages();
}

BOOST_FIXTURE_TEST_CASE(an_artifact_with_two_manifests_or_a_huge_one_is_refused, Fixture) {
  std::string content = MakeContent("1.0.0");
  std::string two = tmp.path + "/two.tar";
  Tar({"tar", "-c", "-f", two, "-C", content, ".", "manifest.json"});  // "./manifest.json" and "manifest.json"
  BOOST_TEST(ImportError(two) == "artifact has more than one manifest.json");
  WriteFile(content + "/manifest.json", std::string(kMaxManifestBytes + 10, ' '));
  BOOST_TEST(ImportError(Pack(content, "huge.tar")).find("is larger than 65536 bytes") != std::string::npos);
  StoreHoldsNothing();
}

BOOST_FIXTURE_TEST_CASE(versions_live_side_by_side_and_list_in_order, Fixture) {
  BOOST_REQUIRE(store.Import(Artifact("2026.9.6")).ok());
  BOOST_REQUIRE(store.Import(Artifact("2026.9.6-broken")).ok());
  BOOST_REQUIRE(store.Import(Artifact("2026.9.5")).ok());
  std::filesystem::create_directory(store_dir + "/openclaw-0.0.1");  // a directory without a manifest
  Result<std::vector<ImageInfo>> list = store.List();
  BOOST_REQUIRE(list.ok());
  BOOST_REQUIRE(list->size() == 4u);
  BOOST_TEST((*list)[0].id == "openclaw-0.0.1");
  BOOST_TEST((*list)[0].problem.find("has no manifest.json") != std::string::npos);
  BOOST_TEST((*list)[1].id == "openclaw-2026.9.5");
  BOOST_TEST((*list)[2].id == "openclaw-2026.9.6");
  BOOST_TEST((*list)[3].id == "openclaw-2026.9.6-broken");
  BOOST_TEST((*list)[3].manifest.version == "2026.9.6-broken");
  BOOST_TEST((*list)[2].problem.empty());
  BOOST_TEST((*list)[2].disk_bytes > 0u);
}

BOOST_FIXTURE_TEST_CASE(an_image_in_use_is_not_removed_an_unused_one_is, Fixture) {
  BOOST_REQUIRE(store.Import(Artifact("2026.9.6")).ok());
  Status s = store.Remove("openclaw-2026.9.6", [](const std::string& id) {
    return id == "openclaw-2026.9.6" ? std::vector<std::string>{"beta", "acme"} : std::vector<std::string>{};
  });
  BOOST_TEST(FailsWith(s, ErrorCode::kConflict, "image openclaw-2026.9.6 is used by tenants acme, beta"));
  BOOST_TEST(store.Get("openclaw-2026.9.6").ok());
  Status one = store.Remove("openclaw-2026.9.6", [](const std::string&) { return std::vector<std::string>{"acme"}; });
  BOOST_TEST(FailsWith(one, ErrorCode::kConflict, "image openclaw-2026.9.6 is used by tenant acme"));

  BOOST_TEST(store.Remove("openclaw-2026.9.6", None).ok());
  BOOST_TEST((store.Get("openclaw-2026.9.6").error().code == ErrorCode::kNotFound));
  BOOST_TEST(!Exists(store_dir + "/openclaw-2026.9.6"));
  StoreHoldsNothing();
  BOOST_TEST((store.Remove("openclaw-2026.9.6", None).error().code == ErrorCode::kNotFound));
  BOOST_TEST((store.Remove("../../etc", None).error().code == ErrorCode::kInvalidArgument));
  BOOST_TEST(store.Import(Artifact("2026.9.6")).ok());  // and it can come back
}

BOOST_FIXTURE_TEST_CASE(retiring_an_image_renames_it_away_and_the_next_open_deletes_it, Fixture) {
  BOOST_REQUIRE(store.Import(Artifact("2026.9.6")).ok());
  BOOST_REQUIRE(store.Retire("openclaw-2026.9.6", None).ok());
  BOOST_TEST(FailsWith(store.Get("openclaw-2026.9.6"), ErrorCode::kNotFound));
  BOOST_TEST(Exists(store_dir + "/.removing-openclaw-2026.9.6"));  // the deletion is the caller's next step
  BOOST_REQUIRE(store.Open().ok());
  StoreHoldsNothing();
}

BOOST_FIXTURE_TEST_CASE(retiring_while_an_import_holds_the_lock_answers_busy_at_once_instead_of_waiting, Fixture) {
  BOOST_REQUIRE(store.Import(Artifact("2026.9.6")).ok());
  int fd = open((store_dir + "/.lock").c_str(), O_RDWR | O_CLOEXEC);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(flock(fd, LOCK_EX) == 0);  // as a running import does, from another open file
  BOOST_TEST(FailsWith(store.Retire("openclaw-2026.9.6", None), ErrorCode::kUnavailable, "the image store is busy"));
  close(fd);
  BOOST_TEST(store.Get("openclaw-2026.9.6").ok());
  BOOST_TEST(store.Retire("openclaw-2026.9.6", None).ok());
}

BOOST_FIXTURE_TEST_CASE(leftovers_of_an_interrupted_import_or_removal_are_cleaned, Fixture) {
  BOOST_REQUIRE(store.Open().ok());
  // What a crash mid-import leaves: a half-extracted, partly read-only staging tree.
  WriteFile(store_dir + "/.staging-abc123/node/bin/node", "half", 0444);
  chmod((store_dir + "/.staging-abc123/node/bin").c_str(), 0555);
  chmod((store_dir + "/.staging-abc123/node").c_str(), 0555);
  WriteFile(store_dir + "/.removing-openclaw-1.0.0/x", "", 0444);
  chmod((store_dir + "/.removing-openclaw-1.0.0").c_str(), 0555);
  BOOST_REQUIRE(store.Open().ok());
  StoreHoldsNothing();

  WriteFile(store_dir + "/.staging-def456/file", "half");
  BOOST_REQUIRE(store.Import(Artifact("1.0.0")).ok());
  BOOST_TEST(!Exists(store_dir + "/.staging-def456"));
  BOOST_TEST(store.List()->size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive::images
