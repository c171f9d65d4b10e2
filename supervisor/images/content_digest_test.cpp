// DigestTree: the documented byte stream, stability across copies and modes the store normalizes,
// sensitivity to everything the definition covers, and the entries an image must not hold.
#include "supervisor/images/content_digest.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "supervisor/images/image_test_util.h"

namespace clawhive::images {
namespace {

using testing::TempDir;
using testing::WriteFile;

std::string Sha256Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string out;
  static const char* kHex = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) (out += kHex[md[i] >> 4]) += kHex[md[i] & 15];
  return out;
}

// A small image-like tree: an executable, a data file, a nested dir, a relative symlink.
void MakeTree(const std::string& root, mode_t data_mode = 0644) {
  WriteFile(root + "/node/bin/node", "#!/bin/sh\necho node\n", 0755);
  WriteFile(root + "/openclaw/lib/a.js", "console.log(1)\n", data_mode);
  WriteFile(root + "/openclaw/lib/b.js", std::string(300000, 'b'), data_mode);
  symlink("../lib/a.js", (root + "/openclaw/bin-a").c_str());  // resolves to openclaw/lib/a.js
}

std::string DigestOf(const std::string& root) {
  Result<TreeDigest> d = DigestTree(root);
  BOOST_REQUIRE_MESSAGE(d.ok(), (d.ok() ? "" : d.error().message));
  return d->sha256;
}

std::string RefusalOf(const std::string& root) {
  Result<TreeDigest> d = DigestTree(root);
  BOOST_REQUIRE_MESSAGE(!d.ok(), "digest of " << root << " should have been refused");
  BOOST_TEST((d.error().code == ErrorCode::kInvalidArgument));
  return d.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_digest)

BOOST_AUTO_TEST_CASE(the_digest_is_sha256_of_the_documented_stream_in_bytewise_path_order) {
  TempDir t;
  // "a-b" < "a/b" < "a0" byte-wise ('-' 0x2d, '/' 0x2f, '0' 0x30): not the order of a directory walk.
  WriteFile(t.path + "/a/b", "xy", 0600);
  WriteFile(t.path + "/a-b", "", 0700);
  WriteFile(t.path + "/a0", "z", 0644);
  symlink("a/b", (t.path + "/l").c_str());
  chmod((t.path + "/a").c_str(), 0700);
  WriteFile(t.path + "/manifest.json", "{}", 0644);  // left out
  std::string stream;
  stream += std::string("D a\0" "0555\n", 9);
  stream += std::string("F a-b\0" "0555\0" "0\0", 13) + Sha256Hex("") + "\n";
  stream += std::string("F a/b\0" "0444\0" "2\0", 13) + Sha256Hex("xy") + "\n";
  stream += std::string("F a0\0" "0444\0" "1\0", 12) + Sha256Hex("z") + "\n";
  stream += std::string("L l\0" "a/b\n", 8);
  Result<TreeDigest> d = DigestTree(t.path);
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d->sha256 == Sha256Hex(stream));
  BOOST_TEST(d->files == 3u);
  BOOST_TEST(d->bytes == 3u);
  BOOST_TEST(d->dirs == 1u);
  BOOST_TEST(d->symlinks == 1u);
}

BOOST_AUTO_TEST_CASE(the_same_tree_digests_the_same_whatever_its_copy_and_write_bits) {
  TempDir a, b;
  MakeTree(a.path, 0644);
  MakeTree(b.path, 0600);  // only bits the store normalizes away differ
  chmod((b.path + "/openclaw").c_str(), 0700);
  BOOST_TEST(DigestOf(a.path) == DigestOf(b.path));
  BOOST_TEST(DigestOf(a.path) == DigestOf(a.path));
  WriteFile(a.path + "/manifest.json", "anything", 0644);  // the top-level manifest is not content
  BOOST_TEST(DigestOf(a.path) == DigestOf(b.path));
  WriteFile(a.path + "/openclaw/manifest.json", "nested", 0644);  // but a nested one is
  BOOST_TEST(DigestOf(a.path) != DigestOf(b.path));
}

BOOST_AUTO_TEST_CASE(content_execute_bit_symlink_target_and_names_all_change_it) {
  TempDir t;
  MakeTree(t.path);
  const std::string base = DigestOf(t.path);

  WriteFile(t.path + "/openclaw/lib/b.js", std::string(299999, 'b') + "c");  // same size, one byte
  BOOST_TEST(DigestOf(t.path) != base);
  WriteFile(t.path + "/openclaw/lib/b.js", std::string(300000, 'b'));
  BOOST_TEST(DigestOf(t.path) == base);

  chmod((t.path + "/openclaw/lib/a.js").c_str(), 0744);  // an execute bit
  BOOST_TEST(DigestOf(t.path) != base);
  chmod((t.path + "/openclaw/lib/a.js").c_str(), 0644);
  BOOST_TEST(DigestOf(t.path) == base);

  unlink((t.path + "/openclaw/bin-a").c_str());
  symlink("../lib/b.js", (t.path + "/openclaw/bin-a").c_str());
  BOOST_TEST(DigestOf(t.path) != base);
  unlink((t.path + "/openclaw/bin-a").c_str());
  symlink("../lib/a.js", (t.path + "/openclaw/bin-a").c_str());
  BOOST_TEST(DigestOf(t.path) == base);

  rename((t.path + "/openclaw/lib/a.js").c_str(), (t.path + "/openclaw/lib/c.js").c_str());
  BOOST_TEST(DigestOf(t.path) != base);
  rename((t.path + "/openclaw/lib/c.js").c_str(), (t.path + "/openclaw/lib/a.js").c_str());
  BOOST_TEST(DigestOf(t.path) == base);

  mkdir((t.path + "/empty").c_str(), 0755);  // an empty directory is content too
  BOOST_TEST(DigestOf(t.path) != base);
}

BOOST_AUTO_TEST_CASE(special_files_and_privilege_bits_are_refused) {
  {
    TempDir t;
    MakeTree(t.path);
    mkfifo((t.path + "/openclaw/fifo").c_str(), 0644);
    BOOST_TEST(RefusalOf(t.path).find("openclaw/fifo is a FIFO") != std::string::npos);
  }
  {
    TempDir t;
    MakeTree(t.path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = t.path + "/sock";
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    BOOST_REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    close(fd);
    BOOST_TEST(RefusalOf(t.path).find("sock is a socket") != std::string::npos);
  }
  if (geteuid() == 0) {
    TempDir t;
    MakeTree(t.path);
    BOOST_REQUIRE(mknod((t.path + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
    BOOST_TEST(RefusalOf(t.path).find("null is a device file") != std::string::npos);
  }
  for (mode_t bits : {04755, 02755}) {
    TempDir t;
    MakeTree(t.path);
    BOOST_REQUIRE(chmod((t.path + "/node/bin/node").c_str(), bits) == 0);
    BOOST_TEST(RefusalOf(t.path).find("node/bin/node has the setuid, setgid or sticky bit") != std::string::npos);
  }
  {
    TempDir t;
    MakeTree(t.path);
    chmod((t.path + "/openclaw").c_str(), 01755);
    BOOST_TEST(RefusalOf(t.path).find("openclaw has the setuid") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(names_with_a_newline_and_symlinks_out_of_the_tree_are_refused) {
  {
    TempDir t;
    MakeTree(t.path);
    WriteFile(t.path + "/openclaw/evil\nF fake", "x");
    BOOST_TEST(RefusalOf(t.path).find("control character") != std::string::npos);
  }
  for (const char* target : {"/etc/passwd", "../../../etc/passwd", "../lib/../../..", ""}) {
    TempDir t;
    MakeTree(t.path);
    if (*target == '\0') continue;  // symlink() cannot make an empty target
    symlink(target, (t.path + "/openclaw/lib/out").c_str());
    std::string why = RefusalOf(t.path);
    BOOST_TEST(why.find("symlink openclaw/lib/out -> ") == 0u, why);
  }
  {
    TempDir t;
    MakeTree(t.path);
    symlink("..", (t.path + "/openclaw/up").c_str());  // to the image root: inside
    symlink("lib/a.js", (t.path + "/openclaw/a").c_str());
    BOOST_TEST(DigestTree(t.path).ok());
  }
}

BOOST_AUTO_TEST_CASE(a_hard_link_to_a_file_outside_the_tree_is_refused_one_inside_is_not) {
  TempDir outside, t;
  MakeTree(t.path);
  BOOST_REQUIRE(link((t.path + "/openclaw/lib/a.js").c_str(), (t.path + "/openclaw/lib/a2.js").c_str()) == 0);
  BOOST_TEST(DigestTree(t.path).ok());
  WriteFile(outside.path + "/secret", "s");
  BOOST_REQUIRE(link((outside.path + "/secret").c_str(), (t.path + "/openclaw/secret").c_str()) == 0);
  BOOST_TEST(RefusalOf(t.path).find("openclaw/secret is a hard link to a file outside the image") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_missing_root_is_not_found) {
  BOOST_TEST((DigestTree("/nonexistent/clawhive-image").error().code == ErrorCode::kNotFound));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive::images
