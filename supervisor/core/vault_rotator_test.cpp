// Rotations run over a vault connection of their own, on another thread, while the loop's connection
// keeps delivering secrets and storing new ones.
#include "supervisor/core/vault_rotator.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <thread>

#include "supervisor/vault/vault_test_util.h"

namespace clawhive {
namespace {

using namespace vault_test;

BOOST_AUTO_TEST_SUITE(vault_rotator)

BOOST_AUTO_TEST_CASE(a_kek_rotation_on_another_thread_leaves_the_loops_vault_working_throughout) {
  TempDir dir;
  VaultOptions options = OptionsIn(dir, /*batch=*/8);
  auto loop_vault = MustOpen(options);
  for (int t = 0; t < 100; ++t) MustPut(*loop_vault, "tenant-" + std::to_string(t), "A", "a-" + std::to_string(t));

  VaultRotator rotator(options);
  Result<RotationInfo> rotated = Error::Internal("not run");
  uint32_t kek = 0;
  std::thread rotation([&] { rotated = rotator.RotateKek(&kek); });
  // Meanwhile, on "the loop": deliveries and new tenants, as crash restarts and creations would.
  for (int i = 0; i < 50; ++i) {
    const std::string t = "tenant-" + std::to_string(i % 100);
    BOOST_CHECK(Plain(loop_vault->Deliverable(t, false)) ==
                (std::vector<std::pair<std::string, std::string>>{{"A", "a-" + std::to_string(i % 100)}}));
    MustPut(*loop_vault, "new-" + std::to_string(i), "A", "n");
  }
  rotation.join();
  BOOST_REQUIRE_MESSAGE(rotated.ok(), Why(rotated));
  BOOST_TEST(kek == 2u);
  BOOST_TEST(rotated->state == "done");
  for (int t = 0; t < 100; ++t)
    BOOST_CHECK(Plain(loop_vault->Deliverable("tenant-" + std::to_string(t), false)) ==
                (std::vector<std::pair<std::string, std::string>>{{"A", "a-" + std::to_string(t)}}));
  MustPut(*loop_vault, "late", "A", "late");  // a data key under the new KEK, through the loop's connection
  auto reopened = MustOpen(options);
  BOOST_TEST(reopened->kek_version() == 2u);
  BOOST_CHECK(Plain(reopened->Deliverable("late", false)) ==
              (std::vector<std::pair<std::string, std::string>>{{"A", "late"}}));
}

BOOST_AUTO_TEST_CASE(a_rotator_that_cannot_open_the_vault_says_why) {
  TempDir dir;
  VaultOptions options = OptionsIn(dir);
  options.create = false;
  VaultRotator rotator(options);
  Result<RotationInfo> r = rotator.RotateKek(nullptr);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == ErrorCode::kNotFound));
  BOOST_TEST(Contains(r.error().message, "key directory " + options.key_dir + " does not exist"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
