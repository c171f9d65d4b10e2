#include "supervisor/auth/api_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "unit/fails_with.h"
#include "unit/temp_dir.h"

namespace clawhive {
namespace {

using testing::FailsWith;

namespace fs = std::filesystem;

// A fresh directory for one test, removed with everything in it; `path` as a filesystem path.
struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("clawhive-token-test") {}
  fs::path dir{path};
};

mode_t Mode(const fs::path& p) {
  struct stat st;
  BOOST_REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void WriteFile(const fs::path& p, const std::string& text, mode_t mode) {
  std::ofstream(p) << text;
  BOOST_REQUIRE(::chmod(p.c_str(), mode) == 0);
}

bool IsHex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api)
BOOST_AUTO_TEST_SUITE(token)

BOOST_AUTO_TEST_CASE(a_missing_token_is_created_as_64_hex_chars_mode_0600_in_a_new_0700_directory) {
  TempDir tmp;
  fs::path file = tmp.dir / "state" / "sub" / "api.token";
  Result<std::string> token = LoadOrCreateToken(file.string());
  BOOST_REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().message));
  BOOST_TEST(token->size() == 64u);
  BOOST_TEST(IsHex(*token));
  BOOST_TEST(Mode(file) == 0600u);
  BOOST_TEST(Mode(tmp.dir / "state") == 0700u);
  BOOST_TEST(Mode(tmp.dir / "state" / "sub") == 0700u);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(file.parent_path())) names.push_back(e.path().filename().string());
  BOOST_TEST(names == std::vector<std::string>{"api.token"}, boost::test_tools::per_element());  // no temp left
}

BOOST_AUTO_TEST_CASE(an_existing_token_is_read_back_unchanged) {
  TempDir tmp;
  fs::path file = tmp.dir / "api.token";
  std::string first = LoadOrCreateToken(file.string()).value();
  BOOST_TEST(LoadOrCreateToken(file.string()).value() == first);
}

BOOST_AUTO_TEST_CASE(two_tokens_are_never_the_same) {
  TempDir tmp;
  BOOST_TEST(LoadOrCreateToken((tmp.dir / "a").string()).value() != LoadOrCreateToken((tmp.dir / "b").string()).value());
}

BOOST_AUTO_TEST_CASE(a_hand_written_token_is_accepted_without_its_trailing_newline) {
  TempDir tmp;
  fs::path file = tmp.dir / "api.token";
  WriteFile(file, "operator-chosen-token-1234\n", 0600);
  BOOST_TEST(LoadOrCreateToken(file.string()).value() == "operator-chosen-token-1234");
}

BOOST_AUTO_TEST_CASE(a_token_file_readable_by_others_is_refused_not_repaired) {
  TempDir tmp;
  fs::path file = tmp.dir / "api.token";
  WriteFile(file, "operator-chosen-token-1234\n", 0644);
  Result<std::string> r = LoadOrCreateToken(file.string());
  BOOST_REQUIRE(FailsWith(r, ErrorCode::kInvalidArgument, "must have mode 0600 (it has 0644)"));
  BOOST_TEST(r.error().message.find("operator-chosen") == std::string::npos);  // never echo the token
  BOOST_TEST(Mode(file) == 0644u);
  WriteFile(file, "operator-chosen-token-1234\n", 0400);
  BOOST_TEST(FailsWith(LoadOrCreateToken(file.string()), ErrorCode::kInvalidArgument, "must have mode 0600 (it has 0400)"));
}

BOOST_AUTO_TEST_CASE(a_token_file_owned_by_someone_else_is_refused) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("needs root to chown; skipped");
    return;
  }
  TempDir tmp;
  fs::path file = tmp.dir / "api.token";
  WriteFile(file, "operator-chosen-token-1234\n", 0600);
  BOOST_REQUIRE(::chown(file.c_str(), 65534, 65534) == 0);
  Result<std::string> r = LoadOrCreateToken(file.string());
  BOOST_TEST(FailsWith(r, ErrorCode::kInvalidArgument, "must be owned by uid 0"));
}

BOOST_AUTO_TEST_CASE(a_symlink_is_refused_even_to_a_good_file) {
  TempDir tmp;
  fs::path real = tmp.dir / "real.token";
  WriteFile(real, "operator-chosen-token-1234\n", 0600);
  fs::path link = tmp.dir / "api.token";
  fs::create_symlink(real, link);
  Result<std::string> r = LoadOrCreateToken(link.string());
  BOOST_TEST(FailsWith(r, ErrorCode::kInvalidArgument, "is a symbolic link; refusing to use it"));
}

BOOST_AUTO_TEST_CASE(empty_short_or_binary_token_files_are_refused) {
  TempDir tmp;
  fs::path file = tmp.dir / "api.token";
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"", "is shorter than 16 characters"},
      {"\n", "is shorter than 16 characters"},
      {"short", "is shorter than 16 characters"},
      {"has a space in the middle", "must be printable ASCII without spaces"},
      {"binary\x01token-0123456789", "must be printable ASCII without spaces"},
  };
  for (const auto& [bad, why] : refused) {
    WriteFile(file, bad, 0600);
    BOOST_TEST(FailsWith(LoadOrCreateToken(file.string()), ErrorCode::kInvalidArgument, why), bad);
  }
  fs::remove(file);
  fs::create_directory(file);
  BOOST_TEST(FailsWith(LoadOrCreateToken(file.string()), ErrorCode::kInvalidArgument, "is not a regular file"));
}

BOOST_AUTO_TEST_CASE(a_token_is_not_created_in_a_directory_others_may_write) {
  TempDir tmp;
  fs::path dir = tmp.dir / "open";
  fs::create_directory(dir);
  BOOST_REQUIRE(::chmod(dir.c_str(), 0777) == 0);
  Result<std::string> r = LoadOrCreateToken((dir / "api.token").string());
  BOOST_TEST(FailsWith(r, ErrorCode::kInvalidArgument, "must not be writable by group or others"));
  BOOST_TEST(!fs::exists(dir / "api.token"));
}

BOOST_AUTO_TEST_CASE(racing_creators_all_end_up_with_the_same_token) {
  TempDir tmp;
  fs::path file = tmp.dir / "api.token";
  std::vector<std::string> seen(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i)
    threads.emplace_back([&, i] { seen[i] = LoadOrCreateToken(file.string()).value(); });
  for (std::thread& t : threads) t.join();
  for (const std::string& s : seen) BOOST_TEST(s == seen[0]);
  BOOST_TEST(seen[0].size() == 64u);
}

BOOST_AUTO_TEST_CASE(a_path_naming_a_directory_is_an_error) {
  BOOST_TEST(FailsWith(LoadOrCreateToken(""), ErrorCode::kInvalidArgument, "token path must name a file"));
  BOOST_TEST(FailsWith(LoadOrCreateToken("/tmp/"), ErrorCode::kInvalidArgument, "token path must name a file"));
}

BOOST_AUTO_TEST_SUITE_END()  // token
BOOST_AUTO_TEST_SUITE_END()  // api

}  // namespace clawhive
