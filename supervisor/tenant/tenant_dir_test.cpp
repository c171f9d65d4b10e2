// TenantDir on a real file system (run as root, as the supervisor runs): a hostile tenant plants symlinks
// (to a file outside its directory, and a symlinked directory on the way), hard links to a file outside,
// FIFOs, device nodes and a 10 GB sparse file under its state directory; every operation refuses them (or
// replaces the planted entry as an entry) with the specific error, reads, writes or removes nothing
// outside the base, and never blocks. The Boost timeouts turn a blocking open into a failure.
#include "supervisor/tenant/tenant_dir.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "supervisor/core/posix_host.h"
#include "unit/fails_with.h"
#include "unit/temp_dir.h"

namespace clawhive {
namespace {

namespace fs = std::filesystem;
namespace utf = boost::unit_test;
using testing::FailsWith;

constexpr size_t kCap = 65536;
constexpr uint32_t kTenantUid = 4242;
const std::string kSecret = "operator-api-token-0123456789";

// <root>/tenants/acme is the tenant's base; <root>/outside holds what root must never touch through it: the
// "API token" and a directory `elsewhere` with one file.
struct World {
  testing::TempDir tmp{"clawhive-tenant-dir-test"};
  std::string root = tmp.path, tenants, base, outside, token, elsewhere;
  std::vector<std::string> mounts;

  World() {
    tenants = root + "/tenants";
    base = tenants + "/acme";
    outside = root + "/outside";
    token = outside + "/api-token";
    elsewhere = outside + "/elsewhere";
    fs::create_directories(base);
    fs::create_directories(elsewhere);
    Put(token, kSecret);
    Put(elsewhere + "/keep.txt", "kept");
    chmod(token.c_str(), 0600);
  }
  ~World() {  // before tmp removes the tree
    for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) umount2(it->c_str(), MNT_DETACH);
  }

  static void Put(const std::string& path, const std::string& content) { std::ofstream(path) << content; }
  static std::string Get(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string In(const std::string& rel) const { return base + "/" + rel; }
  void Workspace() const { fs::create_directories(In("workspace")); }

  // The plants, each at `rel` below the base.
  void SymlinkToToken(const std::string& rel) const { BOOST_REQUIRE(symlink(token.c_str(), In(rel).c_str()) == 0); }
  void SymlinkToElsewhere(const std::string& rel) const {
    BOOST_REQUIRE(symlink(elsewhere.c_str(), In(rel).c_str()) == 0);
  }
  void HardLinkToToken(const std::string& rel) const { BOOST_REQUIRE(link(token.c_str(), In(rel).c_str()) == 0); }
  void Fifo(const std::string& rel) const { BOOST_REQUIRE(mkfifo(In(rel).c_str(), 0666) == 0); }
  void Device(const std::string& rel) const {
    BOOST_REQUIRE(mknod(In(rel).c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
  }
  void Huge(const std::string& rel) const {
    int fd = open(In(rel).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(ftruncate(fd, off_t{10} << 30) == 0);  // 10 GB, sparse
    close(fd);
  }
  void Socket(const std::string& rel) const {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = In(rel);
    BOOST_REQUIRE(path.size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    BOOST_REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    close(fd);
  }

  // Nothing outside the base was read into a message, written, chowned or removed.
  bool OutsideUntouched() const {
    struct stat st;
    if (lstat(token.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 07777) != 0600)
      return false;
    if (Get(token) != kSecret) return false;
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(elsewhere)) names.insert(e.path().filename().string());
    struct stat ed;
    return names == std::set<std::string>{"keep.txt"} && Get(elsewhere + "/keep.txt") == "kept" &&
           lstat(elsewhere.c_str(), &ed) == 0 && ed.st_uid == 0;
  }
  nlink_t TokenLinks() const {
    struct stat st;
    return lstat(token.c_str(), &st) == 0 ? st.st_nlink : 0;
  }
  TenantDir Dir() const {
    auto dir = TenantDir::Open(base);
    BOOST_REQUIRE_MESSAGE(dir.ok(), (dir.ok() ? std::string() : dir.error().message));
    return std::move(dir).value();
  }
};

template <typename R>
bool Refused(const R& r, ErrorCode code, const std::string& message) {
  if (r.ok()) {
    BOOST_TEST_MESSAGE("succeeded; expected: " << message);
    return false;
  }
  BOOST_TEST_MESSAGE(r.error().message);
  // The message names what was refused and never what a link points to, nor what it holds.
  return r.error().code == code && r.error().message == message &&
         r.error().message.find("outside") == std::string::npos && r.error().message.find(kSecret) == std::string::npos;
}

// Reading workspace/USER.md, after `plant` put something there, is refused with `code` and `message`,
// and touches nothing outside the base.
void CheckReadOfUserMdRefused(void (World::*plant)(const std::string&) const, ErrorCode code,
                              const std::string& message) {
  World w;
  w.Workspace();
  (w.*plant)("workspace/USER.md");
  BOOST_TEST(Refused(w.Dir().ReadFile("workspace/USER.md", kCap), code, message));
  BOOST_TEST(w.OutsideUntouched());
}

mode_t TypeOf(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 ? (st.st_mode & S_IFMT) : 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tenant_dir)

// ---- reading ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(read_returns_a_regular_files_content_and_not_found_for_a_missing_one) {
  World w;
  w.Workspace();
  World::Put(w.In("workspace/USER.md"), "# Ada\n");
  TenantDir dir = w.Dir();
  BOOST_TEST(dir.ReadFile("workspace/USER.md", kCap).value() == "# Ada\n");
  BOOST_TEST(Refused(dir.ReadFile("workspace/SOUL.md", kCap), ErrorCode::kNotFound, "workspace/SOUL.md does not exist"));
  BOOST_TEST(Refused(dir.ReadFile("memory/x.md", kCap), ErrorCode::kNotFound, "memory does not exist"));
}

BOOST_AUTO_TEST_CASE(read_refuses_a_symlink_to_the_operators_token_and_never_reads_it) {
  CheckReadOfUserMdRefused(&World::SymlinkToToken, ErrorCode::kConflict, "workspace/USER.md is a symlink; refused");
}

BOOST_AUTO_TEST_CASE(read_refuses_a_path_through_a_symlinked_directory) {
  World w;
  w.SymlinkToElsewhere("workspace");
  BOOST_TEST(Refused(w.Dir().ReadFile("workspace/keep.txt", kCap), ErrorCode::kConflict,
                     "workspace is a symlink; refused"));
  BOOST_TEST(w.OutsideUntouched());
}

BOOST_AUTO_TEST_CASE(read_refuses_a_hard_link_to_a_file_outside) {
  CheckReadOfUserMdRefused(&World::HardLinkToToken, ErrorCode::kConflict, "workspace/USER.md has 2 hard links; refused");
}

BOOST_AUTO_TEST_CASE(read_refuses_a_fifo_without_blocking, *utf::timeout(20)) {
  CheckReadOfUserMdRefused(&World::Fifo, ErrorCode::kConflict, "workspace/USER.md is a FIFO; refused");
}

BOOST_AUTO_TEST_CASE(read_refuses_a_device_node, *utf::timeout(20)) {
  CheckReadOfUserMdRefused(&World::Device, ErrorCode::kConflict, "workspace/USER.md is a character device; refused");
}

BOOST_AUTO_TEST_CASE(read_refuses_a_socket) {
  World w;
  w.Socket("agent.sock");
  BOOST_TEST(Refused(w.Dir().ReadFile("agent.sock", kCap), ErrorCode::kConflict, "agent.sock is a socket; refused"));
}

BOOST_AUTO_TEST_CASE(read_refuses_a_huge_sparse_file_without_reading_it, *utf::timeout(20)) {
  CheckReadOfUserMdRefused(&World::Huge, ErrorCode::kTooLarge, "workspace/USER.md is larger than 65536 bytes; refused");
}

BOOST_AUTO_TEST_CASE(read_takes_a_file_of_exactly_the_cap_and_refuses_one_byte_more) {
  World w;
  World::Put(w.In("exact"), std::string(kCap, 'x'));
  World::Put(w.In("over"), std::string(kCap + 1, 'x'));
  TenantDir dir = w.Dir();
  BOOST_TEST(dir.ReadFile("exact", kCap).value().size() == kCap);
  BOOST_TEST(Refused(dir.ReadFile("over", kCap), ErrorCode::kTooLarge, "over is larger than 65536 bytes; refused"));
}

BOOST_AUTO_TEST_CASE(read_refuses_a_directory_where_a_file_is_expected) {
  World w;
  fs::create_directories(w.In("workspace/USER.md"));
  BOOST_TEST(Refused(w.Dir().ReadFile("workspace/USER.md", kCap), ErrorCode::kConflict,
                     "workspace/USER.md is a directory; refused"));
}

BOOST_AUTO_TEST_CASE(paths_that_are_not_plain_relative_paths_are_refused_before_any_lookup) {
  World w;
  TenantDir dir = w.Dir();
  for (std::string bad : {"../api-token", "/etc/passwd", "workspace/../../api-token", "", ".",
                          "workspace//USER.md", "workspace/"})
    BOOST_TEST(Refused(dir.ReadFile(bad, kCap), ErrorCode::kInvalidArgument, "'" + bad + "' is not a plain relative path"),
               bad);
}

// ---- writing ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(write_replaces_the_file_atomically_with_the_owner_and_mode_asked_and_leaves_no_temp_file) {
  World w;
  w.Workspace();
  World::Put(w.In("workspace/USER.md"), "old");
  BOOST_REQUIRE(w.Dir().WriteFile("workspace/USER.md", "# Ada\n", {kTenantUid, kTenantUid, 0600}).ok());
  struct stat st;
  BOOST_REQUIRE(lstat(w.In("workspace/USER.md").c_str(), &st) == 0);
  BOOST_TEST(S_ISREG(st.st_mode));
  BOOST_TEST(st.st_uid == kTenantUid);
  BOOST_TEST(st.st_gid == kTenantUid);
  BOOST_TEST((st.st_mode & 07777) == 0600u);
  BOOST_TEST(World::Get(w.In("workspace/USER.md")) == "# Ada\n");
  auto entries = std::distance(fs::directory_iterator(w.In("workspace")), fs::directory_iterator());
  BOOST_TEST(entries == 1);
}

BOOST_AUTO_TEST_CASE(write_replaces_a_planted_symlink_as_an_entry_and_never_writes_its_target) {
  World w;
  w.Workspace();
  w.SymlinkToToken("workspace/USER.md");
  BOOST_REQUIRE(w.Dir().WriteFile("workspace/USER.md", "mine", {kTenantUid, kTenantUid, 0600}).ok());
  BOOST_TEST(TypeOf(w.In("workspace/USER.md")) == S_IFREG);
  BOOST_TEST(World::Get(w.In("workspace/USER.md")) == "mine");
  BOOST_TEST(w.OutsideUntouched());  // neither written nor chowned
}

BOOST_AUTO_TEST_CASE(write_refuses_a_symlinked_directory_on_the_way_and_writes_nothing_there) {
  World w;
  w.SymlinkToElsewhere("workspace");
  BOOST_TEST(Refused(w.Dir().WriteFile("workspace/USER.md", "x", {kTenantUid, kTenantUid, 0600}), ErrorCode::kConflict,
                     "workspace is a symlink; refused"));
  BOOST_TEST(w.OutsideUntouched());  // no USER.md, no temp file in `elsewhere`
}

BOOST_AUTO_TEST_CASE(write_replaces_a_hard_link_and_leaves_the_linked_file_outside_alone) {
  World w;
  w.Workspace();
  w.HardLinkToToken("workspace/USER.md");
  BOOST_REQUIRE(w.Dir().WriteFile("workspace/USER.md", "mine", {kTenantUid, kTenantUid, 0600}).ok());
  BOOST_TEST(World::Get(w.In("workspace/USER.md")) == "mine");
  BOOST_TEST(w.TokenLinks() == 1u);
  BOOST_TEST(w.OutsideUntouched());
}

BOOST_AUTO_TEST_CASE(write_over_a_planted_fifo_does_not_block, *utf::timeout(20)) {
  World w;
  w.Fifo("openclaw.json5");
  BOOST_REQUIRE(w.Dir().WriteFile("openclaw.json5", "{}", {0, 0, 0644}).ok());
  BOOST_TEST(TypeOf(w.In("openclaw.json5")) == S_IFREG);
  BOOST_TEST(World::Get(w.In("openclaw.json5")) == "{}");
}

BOOST_AUTO_TEST_CASE(write_over_a_device_node_or_huge_file_replaces_the_entry_without_opening_it, *utf::timeout(20)) {
  World w;
  w.Device("openclaw.json5");
  w.Huge("big");
  TenantDir dir = w.Dir();
  BOOST_REQUIRE(dir.WriteFile("openclaw.json5", "{}", {0, 0, 0644}).ok());
  BOOST_REQUIRE(dir.WriteFile("big", "small", {0, 0, 0644}).ok());
  BOOST_TEST(TypeOf(w.In("openclaw.json5")) == S_IFREG);
  BOOST_TEST(fs::file_size(w.In("big")) == 5u);
}

BOOST_AUTO_TEST_CASE(write_refuses_a_directory_in_the_files_place) {
  World w;
  fs::create_directories(w.In("openclaw.json5/x"));
  BOOST_TEST(Refused(w.Dir().WriteFile("openclaw.json5", "{}", {0, 0, 0644}), ErrorCode::kConflict,
                     "openclaw.json5 is a directory; refused"));
  BOOST_TEST(TypeOf(w.In("openclaw.json5")) == S_IFDIR);
}

BOOST_AUTO_TEST_CASE(write_refuses_a_fifo_or_device_where_a_directory_is_expected, *utf::timeout(20)) {
  World w;
  w.Fifo("workspace");
  w.Device("memory");
  TenantDir dir = w.Dir();
  BOOST_TEST(Refused(dir.WriteFile("workspace/USER.md", "x", {}), ErrorCode::kConflict, "workspace is a FIFO; refused"));
  BOOST_TEST(Refused(dir.WriteFile("memory/a.md", "x", {}), ErrorCode::kConflict,
                     "memory is a character device; refused"));
}

// ---- making directories -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(make_dir_creates_missing_directories_with_owner_and_mode_and_leaves_existing_ones_alone) {
  World w;
  TenantDir dir = w.Dir();
  BOOST_REQUIRE(dir.MakeDir("workspace/memory", {kTenantUid, kTenantUid, 0700}).ok());
  for (const char* rel : {"workspace", "workspace/memory"}) {
    struct stat st;
    BOOST_REQUIRE(lstat(w.In(rel).c_str(), &st) == 0);
    BOOST_TEST(S_ISDIR(st.st_mode));
    BOOST_TEST(st.st_uid == kTenantUid);
    BOOST_TEST((st.st_mode & 07777) == 0700u);
  }
  chmod(w.In("workspace").c_str(), 0750);
  BOOST_REQUIRE(dir.MakeDir("workspace", {0, 0, 0700}).ok());
  struct stat st;
  BOOST_REQUIRE(lstat(w.In("workspace").c_str(), &st) == 0);
  BOOST_TEST(st.st_uid == kTenantUid);
  BOOST_TEST((st.st_mode & 07777) == 0750u);
}

BOOST_AUTO_TEST_CASE(make_dir_refuses_a_symlinked_directory_and_makes_or_chowns_nothing_outside) {
  World w;
  w.SymlinkToElsewhere("workspace");
  TenantDir dir = w.Dir();
  BOOST_TEST(Refused(dir.MakeDir("workspace", {kTenantUid, kTenantUid, 0700}), ErrorCode::kConflict,
                     "workspace is a symlink; refused"));
  BOOST_TEST(Refused(dir.MakeDir("workspace/memory", {kTenantUid, kTenantUid, 0700}), ErrorCode::kConflict,
                     "workspace is a symlink; refused"));
  BOOST_TEST(w.OutsideUntouched());
}

BOOST_AUTO_TEST_CASE(make_dir_refuses_a_hard_link_fifo_device_or_huge_file_in_a_directorys_place, *utf::timeout(20)) {
  World w;
  w.HardLinkToToken("linked");
  w.Fifo("fifo");
  w.Device("device");
  w.Huge("huge");
  TenantDir dir = w.Dir();
  BOOST_TEST(Refused(dir.MakeDir("linked", {}), ErrorCode::kConflict, "linked is a regular file; refused"));
  BOOST_TEST(Refused(dir.MakeDir("fifo/x", {}), ErrorCode::kConflict, "fifo is a FIFO; refused"));
  BOOST_TEST(Refused(dir.MakeDir("device", {}), ErrorCode::kConflict, "device is a character device; refused"));
  BOOST_TEST(Refused(dir.MakeDir("huge", {}), ErrorCode::kConflict, "huge is a regular file; refused"));
  BOOST_TEST(w.OutsideUntouched());
}

BOOST_AUTO_TEST_CASE(open_or_create_makes_the_base_with_its_owner_and_refuses_a_symlinked_base) {
  World w;
  std::string fresh = w.tenants + "/globex";
  auto made = TenantDir::OpenOrCreate(fresh, {kTenantUid, kTenantUid, 0700});
  BOOST_REQUIRE(made.ok());
  struct stat st;
  BOOST_REQUIRE(lstat(fresh.c_str(), &st) == 0);
  BOOST_TEST(st.st_uid == kTenantUid);
  BOOST_TEST((st.st_mode & 07777) == 0700u);
  BOOST_REQUIRE(symlink(w.elsewhere.c_str(), (w.tenants + "/linked").c_str()) == 0);
  auto linked = TenantDir::OpenOrCreate(w.tenants + "/linked", {kTenantUid, kTenantUid, 0700});
  BOOST_TEST(Refused(linked, ErrorCode::kConflict, w.tenants + "/linked is a symlink; refused"));
  BOOST_TEST(w.OutsideUntouched());
}

// ---- removing -----------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(remove_tree_removes_every_planted_entry_but_nothing_it_points_to, *utf::timeout(60)) {
  World w;
  w.Workspace();
  fs::create_directories(w.In("workspace/memory/deep/er"));
  World::Put(w.In("workspace/memory/deep/er/note.md"), "n");
  w.SymlinkToToken("workspace/USER.md");
  w.SymlinkToElsewhere("workspace/memory/elsewhere");
  w.HardLinkToToken("linked");
  w.Fifo("workspace/fifo");
  w.Device("device");
  w.Huge("logs.bin");
  w.Socket("agent.sock");
  BOOST_REQUIRE(TenantDir::RemoveTree(w.base).ok());
  BOOST_TEST(!fs::exists(fs::symlink_status(w.base)));
  BOOST_TEST(w.TokenLinks() == 1u);
  BOOST_TEST(w.OutsideUntouched());
  BOOST_TEST(TenantDir::RemoveTree(w.base).ok());  // absent: nothing to do
}

BOOST_AUTO_TEST_CASE(remove_tree_refuses_a_base_that_is_a_symlink) {
  World w;
  std::string linked = w.tenants + "/linked";
  BOOST_REQUIRE(symlink(w.elsewhere.c_str(), linked.c_str()) == 0);
  BOOST_TEST(Refused(TenantDir::RemoveTree(linked), ErrorCode::kConflict, linked + " is a symlink; refused"));
  BOOST_TEST(w.OutsideUntouched());
}

BOOST_AUTO_TEST_CASE(remove_tree_does_not_enter_a_mount_point_of_another_or_the_same_file_system) {
  World w;
  fs::create_directories(w.In("tmpfs"));
  fs::create_directories(w.In("workspace/bound"));
  if (mount("none", w.In("tmpfs").c_str(), "tmpfs", 0, "size=1m") != 0) {
    BOOST_TEST_MESSAGE("cannot mount here (" << strerror(errno) << "): mount-point case not checked");
    return;
  }
  w.mounts.push_back(w.In("tmpfs"));
  World::Put(w.In("tmpfs/inside"), "x");
  BOOST_REQUIRE(mount(w.elsewhere.c_str(), w.In("workspace/bound").c_str(), nullptr, MS_BIND, nullptr) == 0);
  w.mounts.push_back(w.In("workspace/bound"));
  BOOST_TEST(FailsWith(TenantDir::RemoveTree(w.base), ErrorCode::kConflict, "is a mount point"));
  BOOST_TEST(World::Get(w.In("tmpfs/inside")) == "x");
  BOOST_TEST(w.OutsideUntouched());  // the bind-mounted `elsewhere` kept its file
}

BOOST_AUTO_TEST_CASE(remove_tree_removes_a_tree_nested_far_deeper_than_one_pass_goes, *utf::timeout(60)) {
  World w;
  std::string rel;
  for (int i = 0; i < 3 * TenantDir::kMaxRemoveDepth + 5; ++i) rel += (rel.empty() ? "d" : "/d");
  BOOST_REQUIRE(w.Dir().MakeDir(rel, {0, 0, 0700}).ok());
  w.SymlinkToElsewhere(rel + "/elsewhere");
  Status s = TenantDir::RemoveTree(w.base);
  BOOST_TEST(s.ok(), (s.ok() ? std::string() : s.error().message));
  BOOST_TEST(!fs::exists(fs::symlink_status(w.base)));
  BOOST_TEST(w.OutsideUntouched());
}

// ---- through the Host -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(posix_host_reaches_tenant_files_only_through_the_tenant_dir_rules, *utf::timeout(20)) {
  World w;
  PosixHost host;
  BOOST_REQUIRE(host.MakeTenantDir(w.tenants + "/fresh", "workspace", {kTenantUid, kTenantUid, 0700}).ok());
  BOOST_TEST(fs::is_directory(w.tenants + "/fresh/workspace"));
  w.Workspace();
  w.SymlinkToToken("workspace/USER.md");
  w.Fifo("openclaw.json5");
  BOOST_TEST(Refused(host.ReadTenantFile(w.base, "workspace/USER.md", kCap), ErrorCode::kConflict,
                     "workspace/USER.md is a symlink; refused"));
  BOOST_TEST(host.WriteTenantFile(w.base, "openclaw.json5", "{}", {0, 0, 0644}).ok());
  BOOST_TEST(Refused(host.ReadTenantFile(w.tenants + "/absent", "USER.md", kCap), ErrorCode::kNotFound,
                     w.tenants + "/absent does not exist"));
  BOOST_TEST(host.RemoveTenantTree(w.base).ok());
  BOOST_TEST(w.OutsideUntouched());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
