//===- dist_env_test.cpp - Rank and rendezvous from each launcher's variables ===//

#include "runtime/dist/DistEnv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace dsc::dist {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<DistEnv> parse(const std::map<std::string, std::string> &vars) {
  return parseDistEnv([&](const char *name) -> const char * {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(DistEnv, NoLauncherIsAWorldOfOne) {
  absl::StatusOr<DistEnv> env = parse({{"MASTER_ADDR", "10.0.0.1"}});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->launcher, "single");
  EXPECT_EQ(env->rank, 0);
  EXPECT_EQ(env->worldSize, 1);
  EXPECT_EQ(env->localRank, 0);
}

TEST(DistEnv, Torchrun) {
  absl::StatusOr<DistEnv> env = parse({{"RANK", "5"},
                                       {"WORLD_SIZE", "8"},
                                       {"LOCAL_RANK", "1"},
                                       {"MASTER_ADDR", "node0"},
                                       {"MASTER_PORT", "29500"}});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->launcher, "torchrun");
  EXPECT_EQ(env->rank, 5);
  EXPECT_EQ(env->worldSize, 8);
  EXPECT_EQ(env->localRank, 1);
  EXPECT_EQ(env->masterAddr, "node0");
  EXPECT_EQ(env->masterPort, 29500);
  EXPECT_EQ(describe(*env), "rank 5 of 8 (torchrun, local rank 1, rendezvous node0:29500)");
}

TEST(DistEnv, Slurm) {
  absl::StatusOr<DistEnv> env = parse({{"SLURM_PROCID", "3"},
                                       {"SLURM_NTASKS", "4"},
                                       {"SLURM_LOCALID", "3"},
                                       {"MASTER_ADDR", "gpu-a17"},
                                       {"MASTER_PORT", "12345"}});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->launcher, "slurm");
  EXPECT_EQ(env->rank, 3);
  EXPECT_EQ(env->worldSize, 4);
  EXPECT_EQ(env->localRank, 3);
}

TEST(DistEnv, OpenMpi) {
  absl::StatusOr<DistEnv> env = parse({{"OMPI_COMM_WORLD_RANK", "1"},
                                       {"OMPI_COMM_WORLD_SIZE", "2"},
                                       {"OMPI_COMM_WORLD_LOCAL_RANK", "0"},
                                       {"MASTER_ADDR", "::1"},
                                       {"MASTER_PORT", "1"}});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->launcher, "openmpi");
  EXPECT_EQ(env->rank, 1);
  EXPECT_EQ(env->worldSize, 2);
  EXPECT_EQ(env->localRank, 0);
}

TEST(DistEnv, TorchrunWinsOverSlurm) {
  // torchrun started inside an srun allocation: RANK is the process's own.
  absl::StatusOr<DistEnv> env = parse({{"RANK", "1"},
                                       {"WORLD_SIZE", "2"},
                                       {"SLURM_PROCID", "0"},
                                       {"SLURM_NTASKS", "1"},
                                       {"MASTER_ADDR", "a"},
                                       {"MASTER_PORT", "2"}});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->launcher, "torchrun");
  EXPECT_EQ(env->rank, 1);
}

TEST(DistEnv, MissingLocalRankIsGpuZero) {
  absl::StatusOr<DistEnv> env =
      parse({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "2"}});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->localRank, 0);
}

TEST(DistEnv, NcclCommIdNeedsNoRendezvous) {
  absl::StatusOr<DistEnv> env =
      parse({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"NCCL_COMM_ID", "10.1.1.1:5000"}});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_TRUE(env->ncclCommId);
  EXPECT_TRUE(env->masterAddr.empty());
  EXPECT_THAT(describe(*env), HasSubstr("NCCL_COMM_ID"));
}

struct BadCase {
  std::map<std::string, std::string> vars;
  std::string message;
};

void PrintTo(const BadCase &c, std::ostream *os) { *os << '"' << c.message << '"'; }

class DistEnvErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(DistEnvErrors, NameTheVariable) {
  absl::StatusOr<DistEnv> env = parse(GetParam().vars);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(env.status().message()), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    AllFlavours, DistEnvErrors,
    ::testing::Values(
        BadCase{{{"RANK", "x"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}},
                "RANK='x' is not an integer"},
        BadCase{{{"RANK", "0"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}},
                "WORLD_SIZE is not set (RANK is set, so WORLD_SIZE must be too)"},
        BadCase{{{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}},
                "RANK=2 is not below WORLD_SIZE=2"},
        BadCase{{{"RANK", "-1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}},
                "RANK=-1 is out of range"},
        BadCase{{{"RANK", "0"}, {"WORLD_SIZE", "0"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}},
                "WORLD_SIZE=0 is out of range"},
        BadCase{{{"RANK", "0"},
                 {"WORLD_SIZE", "2"},
                 {"LOCAL_RANK", "one"},
                 {"MASTER_ADDR", "a"},
                 {"MASTER_PORT", "1"}},
                "LOCAL_RANK='one' is not an integer"},
        BadCase{{{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}},
                "MASTER_ADDR is not set (SLURM_PROCID=1 asks for a rendezvous"},
        BadCase{{{"SLURM_PROCID", "1"},
                 {"SLURM_NTASKS", "2"},
                 {"MASTER_ADDR", "h"},
                 {"MASTER_PORT", "70000"}},
                "MASTER_PORT=70000 is out of range [1, 65535]"},
        BadCase{{{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"MASTER_ADDR", "h"}},
                "MASTER_PORT is not set (the rendezvous at MASTER_ADDR=h needs a TCP port)"},
        BadCase{{{"OMPI_COMM_WORLD_RANK", "3"},
                 {"OMPI_COMM_WORLD_SIZE", "2"},
                 {"MASTER_ADDR", "h"},
                 {"MASTER_PORT", "5"}},
                "OMPI_COMM_WORLD_RANK=3 is not below OMPI_COMM_WORLD_SIZE=2"},
        BadCase{{{"OMPI_COMM_WORLD_RANK", "0"},
                 {"OMPI_COMM_WORLD_SIZE", "2"},
                 {"OMPI_COMM_WORLD_LOCAL_RANK", "1.5"},
                 {"MASTER_ADDR", "h"},
                 {"MASTER_PORT", "5"}},
                "OMPI_COMM_WORLD_LOCAL_RANK='1.5' is not an integer"}));

} // namespace
} // namespace dsc::dist
