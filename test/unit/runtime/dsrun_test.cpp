//===- dsrun_test.cpp - dsrun's exit codes and messages -------------------===//

#include "artifact_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <sys/wait.h>

namespace dsc {
namespace {

using ::testing::HasSubstr;

struct DsrunResult {
  int exitCode;
  std::string output;
};

/// Runs dsrun with `args`, stdout and stderr together.
DsrunResult dsrun(const std::string &args) {
  std::string command = std::string(DSC_DSRUN) + " " + args + " 2>&1";
  FILE *pipe = popen(command.c_str(), "r");
  DsrunResult run{-1, ""};
  if (!pipe)
    return run;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe))
    run.output.append(buffer, n);
  int status = pclose(pipe);
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(Dsrun, InfoPrintsTheSummary) {
  test::ScratchDir dir;
  std::string path = dir.file("model.dsx");
  ASSERT_TRUE(
      writeArtifact(path, test::packPayload(*test::makeValidArtifact())).ok());
  DsrunResult run = dsrun(path + " --info");
  EXPECT_EQ(run.exitCode, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("targets: sm_90a, sm_80"));
  EXPECT_THAT(run.output, HasSubstr("steps: 5 ("));
}

TEST(Dsrun, RunSaysExecutionIsNotImplemented) {
  test::ScratchDir dir;
  std::string path = dir.file("model.dsx");
  ASSERT_TRUE(
      writeArtifact(path, test::packPayload(*test::makeValidArtifact())).ok());
  DsrunResult run = dsrun(path);
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_THAT(run.output, HasSubstr("execution is not implemented yet"));
}

TEST(Dsrun, ErrorsExitOneWithTheMessage) {
  test::ScratchDir dir;
  std::string path = dir.file("model.dsx");
  std::vector<uint8_t> file = test::packFile(*test::makeValidArtifact());
  file.resize(100);
  test::writeBytes(path, file);
  DsrunResult run = dsrun(path + " --info");
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_THAT(run.output, HasSubstr("dsrun: " + path + ": truncated: "));

  ASSERT_TRUE(
      writeArtifact(path, test::packPayload(*test::makeValidArtifact())).ok());
  run = dsrun(path + " --device_arch=sm_75");
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_THAT(run.output,
              HasSubstr("targets sm_90a, sm_80; this GPU is sm_75"));

  EXPECT_EQ(dsrun("").exitCode, 1);
}

} // namespace
} // namespace dsc
