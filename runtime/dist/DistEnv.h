//===- DistEnv.h - Rank, world size and rendezvous from the launcher --*- C++ -*-===//
//
// One process per GPU learns who it is from the environment its launcher set:
//   torchrun-style   RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT
//                    (what `dsrun -n N` sets for its children too);
//   Slurm (srun)     SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, plus MASTER_ADDR and
//                    MASTER_PORT (Slurm has no rendezvous address of its own; the job
//                    script exports the first host of SLURM_JOB_NODELIST);
//   Open MPI         OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE,
//                    OMPI_COMM_WORLD_LOCAL_RANK, plus MASTER_ADDR and MASTER_PORT.
// The first flavour whose rank variable is set wins, in that order. NCCL_COMM_ID, when set,
// replaces the rendezvous: NCCL bootstraps itself from it and MASTER_* are not needed.
// With none of them set the process is a world of one.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_DIST_DISTENV_H
#define DSC_RUNTIME_DIST_DISTENV_H

#include "absl/status/statusor.h"

#include <functional>
#include <string>

namespace dsc::dist {

struct DistEnv {
  /// "torchrun", "slurm", "openmpi" or "single".
  std::string launcher = "single";
  int rank = 0;
  int worldSize = 1;
  /// The GPU of this process on its host.
  int localRank = 0;
  /// The rendezvous where rank 0 serves the NCCL unique id; empty with NCCL_COMM_ID.
  std::string masterAddr;
  int masterPort = 0;
  /// NCCL_COMM_ID was set: NCCL's own bootstrap, no rendezvous.
  bool ncclCommId = false;
};

/// Reads the variables above through `getenv` (std::getenv in dsrun, a map in tests).
/// Errors name the variable and its value: "RANK='x' is not an integer", "RANK=4 is not
/// below WORLD_SIZE=4", "MASTER_ADDR is not set (SLURM_PROCID=1 asks for a rendezvous)".
absl::StatusOr<DistEnv> parseDistEnv(const std::function<const char *(const char *)> &getenv);

/// "rank 1 of 4 (torchrun, local rank 1, rendezvous 127.0.0.1:29500)".
std::string describe(const DistEnv &env);

} // namespace dsc::dist

#endif // DSC_RUNTIME_DIST_DISTENV_H
