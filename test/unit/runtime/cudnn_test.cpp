//===- cudnn_test.cpp - cuDNN opened at run time --------------------------===//
//
// An artifact with cuDNN attention steps on a machine without cuDNN must fail
// with a message that says what to install or how to recompile, not at the
// dynamic loader before main. (The attention itself is checked on a GPU by
// the GPU suite's attn_cudnn_* cases.)
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/CudnnAttention.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace dsc {
namespace {

using ::testing::HasSubstr;

TEST(Cudnn, MissingLibrarySaysWhatToDo) {
  // openCudnn() loads once per process; this is the only test here that
  // calls it.
  ASSERT_EQ(setenv("DSC_CUDNN_LIBRARY", "/nonexistent/libcudnn.so.9", 1), 0);
  absl::StatusOr<const CudnnApi *> api = openCudnn();
  ASSERT_FALSE(api.ok());
  EXPECT_EQ(api.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(api.status().message(), HasSubstr("cuDNN 9 could not be loaded"));
  EXPECT_THAT(api.status().message(), HasSubstr("/nonexistent/libcudnn.so.9"));
  EXPECT_THAT(api.status().message(), HasSubstr("dsc --attention=generated"));
  // The same answer again, without another dlopen.
  EXPECT_EQ(openCudnn().status(), api.status());
}

} // namespace
} // namespace dsc
