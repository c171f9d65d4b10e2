#include "supervisor/core/worker.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <future>
#include <thread>
#include <vector>

#include "unit/fake_loop.h"

namespace clawhive {
namespace {

BOOST_AUTO_TEST_SUITE(worker)

BOOST_AUTO_TEST_CASE(jobs_run_in_order_on_another_thread_and_their_results_come_back_through_the_loop) {
  FakeLoop loop;
  std::vector<int> order;
  std::promise<std::thread::id> ran_on;
  std::promise<void> both_ran;
  std::vector<int> results;
  {
    ThreadWorker worker(loop);
    worker.Submit([&] { order.push_back(1); }, [&] { results.push_back(1); });
    worker.Run<int>(
        [&] {
          order.push_back(2);
          ran_on.set_value(std::this_thread::get_id());
          both_ran.set_value();
          return 42;
        },
        [&](int r) { results.push_back(r); });
    both_ran.get_future().wait();
    BOOST_TEST(ran_on.get_future().get() != std::this_thread::get_id());
    worker.Stop();
  }
  BOOST_TEST(order == (std::vector<int>{1, 2}));
  BOOST_TEST(results.empty());  // nothing runs on the loop until the loop runs it
  loop.Drain();
  BOOST_TEST(results == (std::vector<int>{1, 42}));
}

BOOST_AUTO_TEST_CASE(blocking_work_runs_at_a_lower_cpu_priority_than_the_loop) {
  FakeLoop loop;
  const int loop_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
  int worker_nice = loop_nice;
  ThreadWorker worker(loop);
  worker.Submit([&] { worker_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid))); }, nullptr);
  worker.Stop();
  BOOST_TEST(worker_nice == std::min(19, loop_nice + ThreadWorker::kNice));
  BOOST_TEST(getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid))) == loop_nice);  // the caller's is untouched
}

BOOST_AUTO_TEST_CASE(stopping_the_worker_finishes_what_was_queued) {
  FakeLoop loop;
  int done = 0;
  ThreadWorker worker(loop);
  for (int i = 0; i < 100; ++i) worker.Submit([&] { ++done; }, nullptr);
  worker.Stop();
  BOOST_TEST(done == 100);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
