#include "supervisor/vault/key_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <sstream>

#include "supervisor/vault/vault_test_util.h"

using namespace clawhive;
using namespace clawhive::vault;
using namespace clawhive::vault_test;

namespace {

Key MustKey() {
  Result<Key> k = RandomKey();
  BOOST_REQUIRE(k.ok());
  return std::move(k).value();
}

bool SameKey(const Key& a, const Key& b) { return std::equal(a.data(), a.data() + Key::size(), b.data()); }

std::string Bytes(const Key& k) { return std::string(reinterpret_cast<const char*>(k.data()), Key::size()); }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Stands in for systemd-creds (unit tests must never run the real one): "seals" by XOR with 0x5a and a
// header, writing the output file itself with mode 0644 as a umask might; records every call.
struct FakeCreds {
  struct Call {
    std::vector<std::string> argv;
    std::string input;
  };
  std::vector<Call> calls;
  std::optional<Error> fail;  // when set, every call fails with it
  CommandRunner previous;

  FakeCreds() {
    previous = SetCredsRunnerForTesting([this](const std::vector<std::string>& argv, std::string_view input,
                                               std::string& output) { return Run(argv, input, output); });
  }
  ~FakeCreds() { SetCredsRunnerForTesting(std::move(previous)); }
  FakeCreds(const FakeCreds&) = delete;
  FakeCreds& operator=(const FakeCreds&) = delete;

  static std::string Xor(std::string_view in) {
    std::string out(in);
    for (char& c : out) c = static_cast<char>(c ^ 0x5a);
    return out;
  }

  Status Run(const std::vector<std::string>& argv, std::string_view input, std::string& output) {
    calls.push_back({argv, std::string(input)});
    if (fail) return *fail;
    if (argv.size() == 6 && argv[1] == "encrypt") {
      std::ofstream(argv[5], std::ios::binary) << "FAKECRED:" << Xor(input);
      ::chmod(argv[5].c_str(), 0644);
      return Status::Ok();
    }
    if (argv.size() == 5 && argv[1] == "decrypt") {
      if (input.substr(0, 9) != "FAKECRED:") return Error::Unavailable("systemd-creds decrypt failed: bad credential");
      output = Xor(input.substr(9));
      return Status::Ok();
    }
    return Error::Invalid("unexpected call");
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(vault)

BOOST_AUTO_TEST_CASE(key_files_are_created_0600_in_a_0700_dir_and_read_back) {
  TempDir tmp;
  const std::string dir = tmp.File("keys");
  mode_t old = ::umask(0);  // the modes must not depend on the umask
  Status prepared = PrepareKeyDir(dir, true);
  Key key = MustKey();
  Status created = CreateKekFile(dir, 1, key);
  ::umask(old);
  BOOST_REQUIRE_MESSAGE(prepared.ok(), Why(prepared));
  BOOST_REQUIRE_MESSAGE(created.ok(), Why(created));
  BOOST_CHECK_EQUAL(ModeOf(dir), 0700u);
  BOOST_CHECK_EQUAL(ModeOf(KekPath(dir, 1)), 0600u);
  Result<Key> back = LoadKekFile(dir, 1, true);
  BOOST_REQUIRE_MESSAGE(back.ok(), Why(back));
  BOOST_CHECK(SameKey(key, *back));

  Status again = CreateKekFile(dir, 1, MustKey());
  BOOST_CHECK(Code(again) == ErrorCode::kAlreadyExists);
  Result<Key> still = LoadKekFile(dir, 1, true);
  BOOST_REQUIRE(still.ok());
  BOOST_CHECK(SameKey(key, *still));  // never replaced

  Result<std::vector<uint32_t>> versions = ListKekFiles(dir);
  BOOST_REQUIRE(versions.ok());
  BOOST_CHECK(*versions == std::vector<uint32_t>{1});
}

BOOST_AUTO_TEST_CASE(loose_or_foreign_key_files_and_dirs_are_refused_by_path_and_mode) {
  TempDir tmp;
  const std::string dir = tmp.File("keys");
  BOOST_REQUIRE(PrepareKeyDir(dir, true).ok());
  BOOST_REQUIRE(CreateKekFile(dir, 1, MustKey()).ok());
  const std::string path = KekPath(dir, 1);

  BOOST_REQUIRE_EQUAL(::chmod(path.c_str(), 0644), 0);
  Result<Key> loose = LoadKekFile(dir, 1, true);
  BOOST_REQUIRE(!loose.ok());
  BOOST_CHECK_MESSAGE(Contains(loose.error().message, path) && Contains(loose.error().message, "0644"),
                      loose.error().message);
  BOOST_CHECK(LoadKekFile(dir, 1, false).ok());  // check_modes off
  BOOST_REQUIRE_EQUAL(::chmod(path.c_str(), 0600), 0);

  BOOST_REQUIRE_EQUAL(::chmod(dir.c_str(), 0755), 0);
  Status dir_loose = PrepareKeyDir(dir, true);
  BOOST_REQUIRE(!dir_loose.ok());
  BOOST_CHECK_MESSAGE(Contains(dir_loose.error().message, dir) && Contains(dir_loose.error().message, "0755"),
                      dir_loose.error().message);
  BOOST_REQUIRE_EQUAL(::chmod(dir.c_str(), 0700), 0);

  if (::geteuid() == 0) {  // only root can give a file away
    BOOST_REQUIRE_EQUAL(::chown(path.c_str(), 65534, 65534), 0);
    Result<Key> foreign = LoadKekFile(dir, 1, true);
    BOOST_REQUIRE(!foreign.ok());
    BOOST_CHECK_MESSAGE(Contains(foreign.error().message, path) && Contains(foreign.error().message, "uid 65534"),
                        foreign.error().message);
    BOOST_REQUIRE_EQUAL(::chown(path.c_str(), 0, 0), 0);
  }
}

BOOST_AUTO_TEST_CASE(missing_short_and_symlinked_key_files_are_errors) {
  TempDir tmp;
  const std::string dir = tmp.File("keys");
  BOOST_REQUIRE(PrepareKeyDir(dir, true).ok());
  Result<Key> missing = LoadKekFile(dir, 7, true);
  BOOST_REQUIRE(!missing.ok());
  BOOST_CHECK(missing.error().code == ErrorCode::kNotFound);
  BOOST_CHECK_MESSAGE(Contains(missing.error().message, KekPath(dir, 7)) && Contains(missing.error().message, "missing"),
                      missing.error().message);

  {
    std::ofstream(KekPath(dir, 2)) << "too short";
  }
  BOOST_REQUIRE_EQUAL(::chmod(KekPath(dir, 2).c_str(), 0600), 0);
  Result<Key> short_file = LoadKekFile(dir, 2, true);
  BOOST_REQUIRE(!short_file.ok());
  BOOST_CHECK_MESSAGE(Contains(short_file.error().message, "expected 32"), short_file.error().message);

  BOOST_REQUIRE_EQUAL(::symlink(KekPath(dir, 2).c_str(), KekPath(dir, 3).c_str()), 0);
  Result<Key> link = LoadKekFile(dir, 3, true);
  BOOST_REQUIRE(!link.ok());
  BOOST_CHECK_MESSAGE(Contains(link.error().message, "symbolic link"), link.error().message);
}

BOOST_AUTO_TEST_CASE(stale_temporaries_are_removed_and_never_listed) {
  TempDir tmp;
  const std::string dir = tmp.File("keys");
  BOOST_REQUIRE(PrepareKeyDir(dir, true).ok());
  { std::ofstream(dir + "/.kek-5.key.tmp") << "partial"; }
  { std::ofstream(dir + "/kek-01.key") << "not canonical"; }
  { std::ofstream(dir + "/notes.txt") << "x"; }
  Result<std::vector<uint32_t>> versions = ListKekFiles(dir);
  BOOST_REQUIRE(versions.ok());
  BOOST_CHECK(versions->empty());
  BOOST_REQUIRE(RemoveStaleTemporaries(dir, 60).ok());
  BOOST_CHECK(std::filesystem::exists(dir + "/.kek-5.key.tmp"));  // may be another process's, under way
  std::filesystem::last_write_time(dir + "/.kek-5.key.tmp",
                                   std::filesystem::file_time_type::clock::now() - std::chrono::minutes(2));
  BOOST_REQUIRE(RemoveStaleTemporaries(dir, 60).ok());
  BOOST_CHECK(!std::filesystem::exists(dir + "/.kek-5.key.tmp"));
  BOOST_CHECK(std::filesystem::exists(dir + "/notes.txt"));
  // And a crash's leftover temporary of the very version being created does not block it.
  { std::ofstream(dir + "/.kek-6.key.tmp") << "partial"; }
  BOOST_CHECK(CreateKekFile(dir, 6, MustKey()).ok());
  BOOST_CHECK(RemoveKekFile(dir, 6).ok());
  BOOST_CHECK(RemoveKekFile(dir, 6).ok());  // absent is fine
}

BOOST_AUTO_TEST_CASE(sealed_kek_goes_through_systemd_creds_on_stdin_and_loads_back) {
  FakeCreds creds;
  TempDir tmp;
  const std::string dir = tmp.File("keys");
  BOOST_REQUIRE(PrepareKeyDir(dir, true).ok());
  Key key = MustKey();
  Status created = CreateKekFile(dir, 1, key, /*sealed=*/true);
  BOOST_REQUIRE_MESSAGE(created.ok(), Why(created));
  const std::string sealed = SealedKekPath(dir, 1);
  BOOST_CHECK_EQUAL(sealed, dir + "/kek-1.cred");
  BOOST_CHECK_EQUAL(ModeOf(sealed), 0600u);  // whatever mode systemd-creds gave its output
  BOOST_CHECK(!std::filesystem::exists(KekPath(dir, 1)));
  BOOST_CHECK(!std::filesystem::exists(dir + "/.kek-1.cred.tmp"));
  BOOST_CHECK(!Contains(ReadAll(sealed), Bytes(key)));  // never the plain key on disk

  BOOST_REQUIRE_EQUAL(creds.calls.size(), 1u);
  const FakeCreds::Call& enc = creds.calls[0];
  BOOST_CHECK(enc.argv == (std::vector<std::string>{"systemd-creds", "encrypt", "--name=clawhive-kek-1",
                                                     "--with-key=auto", "-", dir + "/.kek-1.cred.tmp"}));
  BOOST_CHECK(enc.input == Bytes(key));  // the key went on stdin...
  for (const std::string& arg : enc.argv) BOOST_CHECK(!Contains(arg, Bytes(key)));  // ...and not on argv

  Result<Key> back = LoadKekFile(dir, 1, true);
  BOOST_REQUIRE_MESSAGE(back.ok(), Why(back));
  BOOST_CHECK(SameKey(key, *back));
  BOOST_REQUIRE_EQUAL(creds.calls.size(), 2u);
  const FakeCreds::Call& dec = creds.calls[1];
  BOOST_CHECK(dec.argv ==
              (std::vector<std::string>{"systemd-creds", "decrypt", "--name=clawhive-kek-1", "-", "-"}));
  BOOST_CHECK(dec.input == ReadAll(sealed));
  for (const std::string& arg : dec.argv) BOOST_CHECK(!Contains(arg, Bytes(key)));
  BOOST_CHECK_EQUAL(ExistingKekPath(dir, 1), sealed);

  // One file per version, whichever kind; listing and removal see both kinds.
  BOOST_CHECK(Code(CreateKekFile(dir, 1, MustKey(), false)) == ErrorCode::kAlreadyExists);
  BOOST_CHECK(Code(CreateKekFile(dir, 1, MustKey(), true)) == ErrorCode::kAlreadyExists);
  BOOST_REQUIRE(CreateKekFile(dir, 2, MustKey()).ok());
  BOOST_CHECK(Code(CreateKekFile(dir, 2, MustKey(), true)) == ErrorCode::kAlreadyExists);
  Result<std::vector<uint32_t>> versions = ListKekFiles(dir);
  BOOST_REQUIRE(versions.ok());
  BOOST_CHECK(*versions == (std::vector<uint32_t>{1, 2}));
  BOOST_REQUIRE(RemoveKekFile(dir, 1).ok());
  BOOST_CHECK(!std::filesystem::exists(sealed));
  BOOST_CHECK(Code(LoadKekFile(dir, 1, true)) == ErrorCode::kNotFound);

  // A loose sealed file is refused like a plain one.
  BOOST_REQUIRE(CreateKekFile(dir, 3, MustKey(), true).ok());
  BOOST_REQUIRE_EQUAL(::chmod(SealedKekPath(dir, 3).c_str(), 0640), 0);
  Result<Key> loose = LoadKekFile(dir, 3, true);
  BOOST_REQUIRE(!loose.ok());
  const std::string& why = loose.error().message;
  BOOST_CHECK_MESSAGE(Contains(why, SealedKekPath(dir, 3)) && Contains(why, "0640"), why);
}

BOOST_AUTO_TEST_CASE(systemd_creds_failures_name_the_kek_file) {
  FakeCreds creds;
  TempDir tmp;
  const std::string dir = tmp.File("keys");
  BOOST_REQUIRE(PrepareKeyDir(dir, true).ok());
  const std::string sealed = SealedKekPath(dir, 1);

  creds.fail = Error::NotFound("systemd-creds is not installed (not found on PATH)");
  Status missing = CreateKekFile(dir, 1, MustKey(), true);
  BOOST_REQUIRE(!missing.ok());
  BOOST_CHECK(missing.error().code == ErrorCode::kUnavailable);  // not "KEK missing"
  BOOST_CHECK_MESSAGE(Contains(missing.error().message, sealed) && Contains(missing.error().message, "not installed") &&
                          Contains(missing.error().message, "seal_kek"),
                      missing.error().message);
  BOOST_CHECK(!std::filesystem::exists(sealed));
  BOOST_CHECK(!std::filesystem::exists(dir + "/.kek-1.cred.tmp"));

  creds.fail = Error::Unavailable("systemd-creds encrypt failed (exit status 1): No TPM2 device");
  Status broken = CreateKekFile(dir, 1, MustKey(), true);
  BOOST_REQUIRE(!broken.ok());
  BOOST_CHECK_MESSAGE(Contains(broken.error().message, sealed) && Contains(broken.error().message, "No TPM2 device"),
                      broken.error().message);

  creds.fail.reset();
  BOOST_REQUIRE(CreateKekFile(dir, 1, MustKey(), true).ok());
  creds.fail = Error::Unavailable("systemd-creds decrypt failed (exit status 1): Failed to decrypt");
  Result<Key> unseal = LoadKekFile(dir, 1, true);
  BOOST_REQUIRE(!unseal.ok());
  BOOST_CHECK(unseal.error().code == ErrorCode::kUnavailable);
  BOOST_CHECK_MESSAGE(Contains(unseal.error().message, sealed) && Contains(unseal.error().message, "Failed to decrypt"),
                      unseal.error().message);

  // A credential that decrypts to the wrong size.
  creds.fail.reset();
  { std::ofstream(dir + "/kek-2.cred", std::ios::binary) << "FAKECRED:" << FakeCreds::Xor("short"); }
  BOOST_REQUIRE_EQUAL(::chmod((dir + "/kek-2.cred").c_str(), 0600), 0);
  Result<Key> wrong = LoadKekFile(dir, 2, true);
  BOOST_REQUIRE(!wrong.ok());
  const std::string& why = wrong.error().message;
  BOOST_CHECK_MESSAGE(Contains(why, dir + "/kek-2.cred") && Contains(why, "5 bytes"), why);
}

BOOST_AUTO_TEST_CASE(kek_rotation_with_seal_kek_turns_plain_keks_into_sealed_ones) {
  FakeCreds creds;
  TempDir tmp;
  VaultOptions o = OptionsIn(tmp);
  {
    auto v = MustOpen(o);
    MustPut(*v, "acme", "API_KEY", "v1");
  }
  BOOST_CHECK(creds.calls.empty());  // seal_kek off: systemd-creds is never run
  BOOST_REQUIRE(std::filesystem::exists(KekPath(o.key_dir, 1)));
  o.seal_kek = true;
  {
    auto v = MustOpen(o);
    Result<RotationInfo> r = v->RotateKek();
    BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
    BOOST_CHECK_EQUAL(v->kek_version(), 2u);
  }
  BOOST_CHECK(std::filesystem::exists(SealedKekPath(o.key_dir, 2)));
  BOOST_CHECK(!std::filesystem::exists(KekPath(o.key_dir, 2)));
  BOOST_CHECK(!std::filesystem::exists(KekPath(o.key_dir, 1)));  // no row uses it any more
  BOOST_CHECK_EQUAL(ModeOf(SealedKekPath(o.key_dir, 2)), 0600u);
  o.seal_kek = false;  // a reader without the option (the delivery helper) still loads the sealed KEK
  o.resume_rotations = false;
  o.create = false;
  auto v = MustOpen(o);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  BOOST_CHECK(Plain(v->Deliverable("acme", false)) == (Pairs{{"API_KEY", "v1"}}));
}

BOOST_AUTO_TEST_CASE(run_command_pipes_stdin_to_stdout_and_reports_stderr) {
  // Plain programs only: never systemd-creds here.
  std::string out;
  Status cat = RunCommand({"cat"}, "key bytes\n\x01\x02", out);
  BOOST_REQUIRE_MESSAGE(cat.ok(), Why(cat));
  BOOST_CHECK_EQUAL(out, "key bytes\n\x01\x02");

  Status failed = RunCommand({"sh", "-c", "echo 'it broke' >&2; exit 3"}, "", out);
  BOOST_REQUIRE(!failed.ok());
  const std::string& why = failed.error().message;
  BOOST_CHECK_MESSAGE(Contains(why, "it broke") && Contains(why, "exit status 3"), why);
  BOOST_CHECK(out.empty());

  Status missing = RunCommand({"clawhive-no-such-program-x"}, "", out);
  BOOST_CHECK(Code(missing) == ErrorCode::kNotFound);

  // A child that exits without reading a large stdin must not take us down with SIGPIPE.
  Status unread = RunCommand({"true"}, std::string(1 << 20, 'x'), out);
  BOOST_CHECK_MESSAGE(unread.ok(), Why(unread));
}

BOOST_AUTO_TEST_SUITE_END()
