// Fresh, empty directories for tests, under Bazel's TEST_TMPDIR (or /tmp outside Bazel).
#ifndef TSW_TESTS_COMMON_TEST_DIR_H_
#define TSW_TESTS_COMMON_TEST_DIR_H_

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "gtest/gtest.h"
#include "tsw/env.h"

namespace tsw::testing {

// A new empty directory `name` under the test's temporary directory.
inline std::string FreshTestDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = file::JoinPath(tmp != nullptr ? tmp : "/tmp", name);
  EXPECT_TRUE(file::RemoveTree(*Env::Default(), dir).ok());
  return dir;
}

// A new empty directory `<prefix>.<the running test's name>`.
inline std::string FreshDirForThisTest(const std::string& prefix) {
  return FreshTestDir(
      absl::StrCat(prefix, ".", ::testing::UnitTest::GetInstance()->current_test_info()->name()));
}

}  // namespace tsw::testing

#endif  // TSW_TESTS_COMMON_TEST_DIR_H_
