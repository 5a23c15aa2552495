// Where tsw bench --endpoint finds credentials: its own file and the AWS shared file.
#include "engine/wire/aws_credentials.h"

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"

namespace tsw::bench {
namespace {

constexpr char kShared[] = R"([default]
aws_access_key_id = AKDEFAULT
aws_secret_access_key = secret1

[ci]
aws_access_key_id=AKCI
aws_secret_access_key=secret2
aws_session_token=token2
)";

TEST(AwsCredentialsTest, ReadsTheNamedProfileOfASharedCredentialsFile) {
  absl::StatusOr<server::SigningCredentials> d = ParseSharedCredentials(kShared, "default");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->access_key_id, "AKDEFAULT");
  EXPECT_EQ(d->secret_access_key, "secret1");
  EXPECT_EQ(d->session_token, "");
  absl::StatusOr<server::SigningCredentials> ci = ParseSharedCredentials(kShared, "ci");
  ASSERT_TRUE(ci.ok()) << ci.status();
  EXPECT_EQ(ci->access_key_id, "AKCI");
  EXPECT_EQ(ci->session_token, "token2");
  EXPECT_FALSE(ParseSharedCredentials(kShared, "prod").ok());
  EXPECT_FALSE(ParseSharedCredentials("[x]\naws_access_key_id=a\n", "x").ok());
}

TEST(AwsCredentialsTest, TheEnvironmentComesBeforeTheSharedFile) {
  const std::string dir = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  const std::string path = dir + "/aws_credentials";
  std::ofstream(path) << kShared;
  setenv("AWS_SHARED_CREDENTIALS_FILE", path.c_str(), 1);
  setenv("AWS_PROFILE", "ci", 1);
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  absl::StatusOr<server::SigningCredentials> c = DefaultCredentials();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "AKCI");
  setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
  c = DefaultCredentials();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "AKENV");
}

TEST(AwsCredentialsTest, ACredentialsFileGivesItsFirstEntry) {
  const std::string dir = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  const std::string path = dir + "/serve_credentials";
  std::ofstream(path) << "# keys\n\nAK1 s1\nAK2 s2\n";
  absl::StatusOr<server::SigningCredentials> c = LoadCredentialsFileFirst(path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "AK1");
  EXPECT_EQ(c->secret_access_key, "s1");
  EXPECT_FALSE(LoadCredentialsFileFirst(dir + "/missing").ok());
}

}  // namespace
}  // namespace tsw::bench
