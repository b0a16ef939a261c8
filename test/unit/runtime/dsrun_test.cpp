//===- dsrun_test.cpp - dsrun's exit codes and messages -------------------===//

#include "artifact_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <dlfcn.h>
#include <sys/wait.h>

namespace dsc {
namespace {

using ::testing::HasSubstr;

struct DsrunResult {
  int exitCode;
  std::string output;
};

/// Runs dsrun with `args`, stdout and stderr together; `env` prefixes variables.
DsrunResult dsrun(const std::string &args, const std::string &env = "") {
  std::string command = env + " " + std::string(DSC_DSRUN) + " " + args + " 2>&1";
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

/// Whether this machine could run artifacts: a driver library that loads.
bool hasCudaDriver() {
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library)
    dlclose(library);
  return library != nullptr;
}

TEST(Dsrun, RunWithoutAGpuSaysSo) {
  test::ScratchDir dir;
  std::string path = dir.file("model.dsx");
  ASSERT_TRUE(
      writeArtifact(path, test::packPayload(*test::makeValidArtifact())).ok());
  DsrunResult run = dsrun(path + " --random_weights=1");
  EXPECT_EQ(run.exitCode, 1) << run.output;
#ifdef DSC_HAVE_EXEC
  if (hasCudaDriver())
    GTEST_SKIP() << "a CUDA driver is installed; the GPU suite covers runs";
  EXPECT_THAT(run.output, HasSubstr("dsrun: no CUDA device: "));
#else
  EXPECT_THAT(run.output, HasSubstr("built without the CUDA toolkit"));
#endif
}

TEST(Dsrun, LaunchedRanksReportTheFailedRank) {
  test::ScratchDir dir;
  std::string path = dir.file("model.dsx");
  ASSERT_TRUE(writeArtifact(path, test::packPayload(*test::makeValidArtifact())).ok());
  DsrunResult run = dsrun("-n 2 " + path + " --random_weights=1");
#ifdef DSC_HAVE_EXEC
  if (hasCudaDriver())
    GTEST_SKIP() << "a CUDA driver is installed; the GPU suite covers runs";
#endif
  // Without a GPU every rank fails; the launcher names the first. The worst exit code is
  // 1, or 143 when the stop reached the other rank before it could record it.
  EXPECT_TRUE(run.exitCode == 1 || run.exitCode == 128 + 15) << run.output;
  EXPECT_THAT(run.output, testing::ContainsRegex("dsrun: rank [01] failed \\(exit code 1\\)"));
}

TEST(Dsrun, BadLauncherEnvironmentIsAnError) {
  test::ScratchDir dir;
  std::string path = dir.file("model.dsx");
  ASSERT_TRUE(writeArtifact(path, test::packPayload(*test::makeValidArtifact())).ok());
  DsrunResult run = dsrun(path + " --random_weights=1", "RANK=3 WORLD_SIZE=2");
#ifdef DSC_HAVE_EXEC
  EXPECT_EQ(run.exitCode, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("dsrun: RANK=3 is not below WORLD_SIZE=2"));
#endif
}

TEST(Dsrun, DeviceArchChecksWithoutRunning) {
  test::ScratchDir dir;
  std::string path = dir.file("model.dsx");
  ASSERT_TRUE(
      writeArtifact(path, test::packPayload(*test::makeValidArtifact())).ok());
  DsrunResult run = dsrun(path + " --device_arch=sm_90");
  EXPECT_EQ(run.exitCode, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("verified; runs on sm_90"));
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
