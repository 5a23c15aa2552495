// Known answers computed by botocore 1.29 (botocore.auth.SigV4Auth, service "timestream",
// region us-east-1, at 2024-01-02T03:04:05Z) for the same requests.
#include "engine/wire/sigv4.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tsw/clock.h"
#include "tsw/status.h"

namespace tsw {
namespace server {
namespace {

using ::testing::HasSubstr;

constexpr char kAccessKey[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kAmzDate[] = "20240102T030405Z";
constexpr int64_t kSignedAtNanos = 1704164645LL * 1000000000;  // 2024-01-02T03:04:05Z

constexpr char kBody[] = R"({"MaxResults": 5})";
constexpr char kBotocoreCanonical[] =
    "POST\n/\n\n"
    "content-type:application/x-amz-json-1.0\n"
    "host:127.0.0.1:8080\n"
    "x-amz-date:20240102T030405Z\n"
    "x-amz-target:Timestream_20181101.ListDatabases\n\n"
    "content-type;host;x-amz-date;x-amz-target\n"
    "0a9793f0cb4cfe51f4394490db0ae59b07fd7d5dab3022bca1b33ee15f67dacf";
constexpr char kBotocoreStringToSign[] =
    "AWS4-HMAC-SHA256\n20240102T030405Z\n20240102/us-east-1/timestream/aws4_request\n"
    "b1448ef77c7605795c23e5467647b481332c9ac1175a1bbfe4ac87b24db7be83";
constexpr char kBotocoreAuthorization[] =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/timestream/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    "Signature=9e763fdbb5d975a469ee2a283a29bba69346f29f5424a20b45931d9fea4907ad";

// The ListDatabases request botocore signed, as the server receives it.
SigV4Request BotocoreRequest() {
  SigV4Request request;
  request.headers = {{"X-Amz-Target", "Timestream_20181101.ListDatabases"},
                     {"Content-Type", "application/x-amz-json-1.0"},
                     {"User-Agent", "Boto3/1.26.27 Python/3.11.2 Botocore/1.29.27"},
                     {"X-Amz-Date", kAmzDate},
                     {"Authorization", kBotocoreAuthorization},
                     {"Content-Length", "17"},
                     {"Host", "127.0.0.1:8080"}};
  request.body = kBody;
  return request;
}

std::vector<std::string> ListDatabasesSignedHeaders() {
  return {"content-type", "host", "x-amz-date", "x-amz-target"};
}

TEST(SigV4Test, HashesTheBodyAsBotocoreDoes) {
  EXPECT_EQ(Sha256Hex(kBody), "0a9793f0cb4cfe51f4394490db0ae59b07fd7d5dab3022bca1b33ee15f67dacf");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4Test, ComputesHmacSha256AsRfc4231) {
  // Test cases 2 (a key shorter than a block) and 6 (longer: hashed first).
  EXPECT_EQ(absl::BytesToHexString(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(
      absl::BytesToHexString(HmacSha256(std::string(131, '\xaa'),
                                        "Test Using Larger Than Block-Size Key - Hash Key First")),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // A key of exactly a block is used as it is; one byte more is hashed (Python's hmac).
  EXPECT_EQ(absl::BytesToHexString(HmacSha256(std::string(64, 'k'), "m")),
            "3b7a8d453e76edb519238a515105a57508d0f169f480ebeee120a9e7803289fa");
  EXPECT_EQ(absl::BytesToHexString(HmacSha256(std::string(65, 'k'), "m")),
            "c2d7d4c2256ddb097409ec0c67e1d58fa1a007fc6932cac0d892a525d08af7cc");
}

TEST(SigV4Test, BuildsBotocoresCanonicalRequest) {
  EXPECT_EQ(CanonicalRequest(BotocoreRequest(), ListDatabasesSignedHeaders(), Sha256Hex(kBody)),
            kBotocoreCanonical);
}

TEST(SigV4Test, CanonicalizesQueryAndHeaderWhitespaceAsBotocoreDoes) {
  SigV4Request request;
  request.query = "b=2&a=x%20y&a=1";
  request.headers = {{"X-Amz-Target", "Timestream_20181101.DescribeEndpoints"},
                     {"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Custom", "  several   spaces  here "},
                     {"X-Amz-Date", kAmzDate},
                     {"X-Amz-Security-Token", "SESSIONTOKEN"},
                     {"Host", "127.0.0.1:8080"}};
  EXPECT_EQ(CanonicalRequest(request,
                             {"content-type", "host", "x-amz-date", "x-amz-security-token",
                              "x-amz-target", "x-custom"},
                             Sha256Hex("")),
            "POST\n/\na=1&a=x%20y&b=2\n"
            "content-type:application/x-amz-json-1.0\n"
            "host:127.0.0.1:8080\n"
            "x-amz-date:20240102T030405Z\n"
            "x-amz-security-token:SESSIONTOKEN\n"
            "x-amz-target:Timestream_20181101.DescribeEndpoints\n"
            "x-custom:several spaces here\n\n"
            "content-type;host;x-amz-date;x-amz-security-token;x-amz-target;x-custom\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4Test, DerivesBotocoresStringToSignSigningKeyAndSignature) {
  const std::string scope = CredentialScope(kAmzDate, "us-east-1", "timestream");
  EXPECT_EQ(scope, "20240102/us-east-1/timestream/aws4_request");
  EXPECT_EQ(StringToSign(kAmzDate, scope, kBotocoreCanonical), kBotocoreStringToSign);
  const std::string key = SigningKey(kSecret, "20240102", "us-east-1", "timestream");
  EXPECT_EQ(absl::BytesToHexString(key),
            "635797d86ae8161115b0368389cde4478dcde88a11791e44236dbc0915eb98c1");
  EXPECT_EQ(Signature(key, kBotocoreStringToSign),
            "9e763fdbb5d975a469ee2a283a29bba69346f29f5424a20b45931d9fea4907ad");
}

TEST(SigV4Test, SignsARequestExactlyAsBotocore) {
  SigV4Request request;
  request.headers = {{"X-Amz-Target", "Timestream_20181101.ListDatabases"},
                     {"Content-Type", "application/x-amz-json-1.0"},
                     {"User-Agent", "tsw-test"},
                     {"Host", "127.0.0.1:8080"}};
  request.body = kBody;
  SignRequest({kAccessKey, kSecret, ""}, "us-east-1", "timestream",
              absl::FromUnixNanos(kSignedAtNanos), &request);
  ASSERT_EQ(request.headers.back().first, "Authorization");
  EXPECT_EQ(request.headers.back().second, kBotocoreAuthorization);
}

TEST(SigV4Test, ParsesTheAuthorizationHeader) {
  absl::StatusOr<Authorization> auth = ParseAuthorization(kBotocoreAuthorization);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->access_key_id, kAccessKey);
  EXPECT_EQ(auth->date, "20240102");
  EXPECT_EQ(auth->region, "us-east-1");
  EXPECT_EQ(auth->service, "timestream");
  EXPECT_EQ(auth->signed_headers, ListDatabasesSignedHeaders());
  EXPECT_EQ(auth->signature, "9e763fdbb5d975a469ee2a283a29bba69346f29f5424a20b45931d9fea4907ad");
  EXPECT_FALSE(ParseAuthorization("Basic dXNlcjpwYXNz").ok());
  EXPECT_FALSE(ParseAuthorization("AWS4-HMAC-SHA256 Credential=AK/2024/us/ts, Signature=x").ok());
}

// ---------------------------------------------------------------------- signing keys

TEST(SigningKeyCacheTest, DerivesAKeyOnceAndGivesWhatSigningKeyGives) {
  SigningKeyCache keys;
  const std::string expected = SigningKey(kSecret, "20240102", "us-east-1", "timestream");
  EXPECT_EQ(keys.Get(kSecret, "20240102", "us-east-1", "timestream"), expected);
  EXPECT_EQ(keys.Get(kSecret, "20240102", "us-east-1", "timestream"), expected);
  EXPECT_EQ(keys.derivations(), 1);
}

TEST(SigningKeyCacheTest, NeverReusesAKeyForAnotherSecretDayRegionOrService) {
  SigningKeyCache keys;
  struct Scope {
    std::string secret, date, region, service;
  };
  const std::vector<Scope> scopes = {
      {kSecret, "20240102", "us-east-1", "timestream"},
      {"rotated-secret", "20240102", "us-east-1", "timestream"},  // Credentials reloaded.
      {kSecret, "20240103", "us-east-1", "timestream"},           // Past midnight UTC.
      {kSecret, "20240102", "eu-west-1", "timestream"},
      {kSecret, "20240102", "us-east-1", "s3"},
      // The fields are compared one by one, not run together.
      {kSecret, "20240102", "us-east-1t", "imestream"},
      {kSecret + std::string("2"), "0240102", "us-east-1", "timestream"},
  };
  int64_t derivations = 0;
  for (int pass = 0; pass < 2; ++pass) {  // The second pass evicts and derives again.
    for (const Scope& s : scopes) {
      EXPECT_EQ(keys.Get(s.secret, s.date, s.region, s.service),
                SigningKey(s.secret, s.date, s.region, s.service))
          << s.secret << " " << s.date << " " << s.region << " " << s.service;
      EXPECT_EQ(keys.derivations(), ++derivations);
      // Asked again at once: remembered.
      EXPECT_EQ(keys.Get(s.secret, s.date, s.region, s.service),
                SigningKey(s.secret, s.date, s.region, s.service));
      EXPECT_EQ(keys.derivations(), derivations);
    }
  }
}

TEST(SigningKeyCacheTest, SignRequestWithACacheSignsAsWithout) {
  SigningKeyCache keys;
  for (int64_t at : {kSignedAtNanos, kSignedAtNanos + int64_t{24} * 3600 * 1000000000}) {
    for (const char* secret : {kSecret, "rotated-secret"}) {
      for (const char* region : {"us-east-1", "eu-west-1"}) {
        SigV4Request with, without;
        with.headers = without.headers = {{"Host", "127.0.0.1:8080"},
                                          {"X-Amz-Target", "Timestream_20181101.WriteRecords"}};
        with.body = without.body = kBody;
        SignRequest({kAccessKey, secret, ""}, region, "timestream", absl::FromUnixNanos(at), &with,
                    &keys);
        SignRequest({kAccessKey, secret, ""}, region, "timestream", absl::FromUnixNanos(at),
                    &without);
        EXPECT_EQ(with.headers, without.headers) << secret << " " << region << " " << at;
      }
    }
  }
  EXPECT_EQ(keys.derivations(), 8);
}

// ---------------------------------------------------------------------- the verifier

class SigV4VerifierTest : public ::testing::Test {
 protected:
  SigV4VerifierTest() : clock_(kSignedAtNanos + 60LL * 1000000000) {}

  SigV4Verifier Verifier(const std::string& secret = kSecret) {
    return SigV4Verifier({{kAccessKey, secret}, {"OTHERKEY", "other-secret"}}, "timestream",
                         &clock_);
  }

  static void ExpectDenied(const absl::Status& status, const std::string& fragment) {
    ASSERT_FALSE(status.ok()) << "expected a refusal containing: " << fragment;
    EXPECT_EQ(KindOf(status), ErrorKind::kAccessDenied);
    EXPECT_THAT(std::string(status.message()), HasSubstr(fragment));
  }

  ManualClock clock_;
};

TEST_F(SigV4VerifierTest, AcceptsARequestBotocoreSigned) {
  EXPECT_TRUE(Verifier().Verify(BotocoreRequest()).ok()) << Verifier().Verify(BotocoreRequest());
}

TEST_F(SigV4VerifierTest, AcceptsARequestSignedBySignRequest) {
  SigV4Request request;
  request.headers = {{"Host", "localhost:1"}, {"X-Amz-Target", "Timestream_20181101.X"}};
  request.body = "{}";
  SignRequest({"OTHERKEY", "other-secret", "token"}, "eu-west-1", "timestream",
              absl::FromUnixNanos(clock_.NowNanos()), &request);
  EXPECT_TRUE(Verifier().Verify(request).ok()) << Verifier().Verify(request);
}

TEST_F(SigV4VerifierTest, ChecksEachRequestUnderItsOwnKeysSecretRegionAndDay) {
  // One verifier for all: what it remembers of one request's key must not pass another.
  const SigV4Verifier verifier = Verifier();
  const auto signed_by = [&](const SigningCredentials& credentials, const std::string& region,
                             int64_t at_nanos) {
    SigV4Request request;
    request.headers = {{"Host", "localhost:1"}, {"X-Amz-Target", "Timestream_20181101.X"}};
    request.body = "{}";
    SignRequest(credentials, region, "timestream", absl::FromUnixNanos(at_nanos), &request);
    return request;
  };
  const int64_t now = clock_.NowNanos();
  EXPECT_TRUE(verifier.Verify(signed_by({kAccessKey, kSecret, ""}, "us-east-1", now)).ok());
  EXPECT_TRUE(verifier.Verify(signed_by({"OTHERKEY", "other-secret", ""}, "us-east-1", now)).ok());
  // OTHERKEY's request signed with AKIDEXAMPLE's secret: a forgery, whatever was checked before.
  ExpectDenied(verifier.Verify(signed_by({"OTHERKEY", kSecret, ""}, "us-east-1", now)),
               "does not match the signature you provided");
  ExpectDenied(verifier.Verify(signed_by({kAccessKey, "other-secret", ""}, "us-east-1", now)),
               "does not match the signature you provided");
  EXPECT_TRUE(verifier.Verify(signed_by({kAccessKey, kSecret, ""}, "eu-west-1", now)).ok());
  // Across midnight UTC (2024-01-03T00:00:30Z against 2024-01-02T23:59:50Z).
  const int64_t midnight = (kSignedAtNanos / 86400000000000LL + 1) * 86400000000000LL;
  clock_.Set(midnight - 10LL * 1000000000);
  EXPECT_TRUE(
      verifier
          .Verify(signed_by({kAccessKey, kSecret, ""}, "us-east-1", midnight - 10LL * 1000000000))
          .ok());
  EXPECT_TRUE(
      verifier
          .Verify(signed_by({kAccessKey, kSecret, ""}, "us-east-1", midnight + 30LL * 1000000000))
          .ok());
}

TEST_F(SigV4VerifierTest, RefusesAnUnsignedRequest) {
  SigV4Request request = BotocoreRequest();
  request.headers.erase(request.headers.begin() + 4);  // Authorization
  ExpectDenied(Verifier().Verify(request), "the request is not signed");
}

TEST_F(SigV4VerifierTest, RefusesAnUnknownAccessKey) {
  SigV4Verifier verifier({{"SOMEONEELSE", kSecret}}, "timestream", &clock_);
  ExpectDenied(verifier.Verify(BotocoreRequest()), "AKIDEXAMPLE is not known");
}

TEST_F(SigV4VerifierTest, RefusesASignatureMadeWithAnotherSecret) {
  ExpectDenied(Verifier("a-different-secret").Verify(BotocoreRequest()),
               "does not match the signature you provided");
}

TEST_F(SigV4VerifierTest, RefusesABodyChangedAfterSigning) {
  SigV4Request request = BotocoreRequest();
  request.body = R"({"MaxResults": 6})";
  ExpectDenied(Verifier().Verify(request), "does not match the signature you provided");
}

TEST_F(SigV4VerifierTest, RefusesASignedHeaderChangedAfterSigning) {
  SigV4Request request = BotocoreRequest();
  request.headers[0].second = "Timestream_20181101.DeleteDatabase";
  ExpectDenied(Verifier().Verify(request), "does not match the signature you provided");
}

TEST_F(SigV4VerifierTest, RefusesAContentHashThatIsNotTheBodys) {
  SigV4Request request = BotocoreRequest();
  request.headers.emplace_back("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD");
  ExpectDenied(Verifier().Verify(request), "X-Amz-Content-SHA256 does not match the body");
}

TEST_F(SigV4VerifierTest, RefusesARequestDatedTooFarFromNow) {
  clock_.Set(kSignedAtNanos + 16LL * 60 * 1000000000);
  ExpectDenied(Verifier().Verify(BotocoreRequest()), "signature expired");
  clock_.Set(kSignedAtNanos - 16LL * 60 * 1000000000);
  ExpectDenied(Verifier().Verify(BotocoreRequest()), "signature expired");
  clock_.Set(kSignedAtNanos + 14LL * 60 * 1000000000);
  EXPECT_TRUE(Verifier().Verify(BotocoreRequest()).ok());
}

TEST_F(SigV4VerifierTest, RefusesAnotherServicesScopeAndUnsignedHost) {
  SigV4Verifier s3({{kAccessKey, kSecret}}, "s3", &clock_);
  ExpectDenied(s3.Verify(BotocoreRequest()), "names service \"timestream\"");

  SigV4Request request;
  request.headers = {{"X-Amz-Target", "Timestream_20181101.ListDatabases"}};
  SignRequest({kAccessKey, kSecret, ""}, "us-east-1", "timestream",
              absl::FromUnixNanos(kSignedAtNanos), &request);
  request.headers.emplace_back("Host", "127.0.0.1:8080");  // Added after signing.
  ExpectDenied(Verifier().Verify(request), "SignedHeaders must include host");
}

TEST_F(SigV4VerifierTest, RefusesASignedHeaderTheRequestLacks) {
  SigV4Request request = BotocoreRequest();
  request.headers.erase(request.headers.begin() + 1);  // Content-Type
  ExpectDenied(Verifier().Verify(request), "the signed header content-type is missing");
}

// ---------------------------------------------------------------------- credentials

TEST(CredentialsTest, ReadsPairsAndSkipsCommentsAndBlankLines) {
  absl::StatusOr<CredentialMap> credentials =
      ParseCredentials("# tsw serve credentials\n\nAKID1 secret1\n  AKID2\tsec/ret+2  \n");
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->size(), 2u);
  EXPECT_EQ(credentials->at("AKID1"), "secret1");
  EXPECT_EQ(credentials->at("AKID2"), "sec/ret+2");
}

TEST(CredentialsTest, NamesTheLineOfAMalformedOrRepeatedEntry) {
  absl::StatusOr<CredentialMap> bad = ParseCredentials("AKID1 secret1\nAKID2\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("line 2"));
  absl::StatusOr<CredentialMap> twice = ParseCredentials("AKID1 a\nAKID1 b\n");
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(std::string(twice.status().message()), HasSubstr("listed twice"));
  EXPECT_FALSE(ParseCredentials("# nothing\n").ok());
  EXPECT_FALSE(LoadCredentialsFile("/nonexistent/tsw-credentials").ok());
}

}  // namespace
}  // namespace server
}  // namespace tsw
