//===- pipeline_schedule_test.cpp - schedule format, checker, predictor ---===//
//
// The schedules of docs/pipeline.md (fill-and-drain, 1F1B, interleaved, DualPipe-like) pass
// the checker; broken ones fail with a message naming the rank and the step. The predicted
// bubble of fill-and-drain with equal stages and free transfers is (p-1)/(m+p-1).
//
//===----------------------------------------------------------------------===//

#include "runtime/support/PipelineSchedule.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dsc {
namespace {

PipelineSchedule parse(std::string kind, int64_t microbatches, std::vector<int64_t> placement,
                       int64_t chainLength, std::vector<std::vector<std::string>> text) {
  PipelineSchedule s;
  s.kind = std::move(kind);
  s.microbatches = microbatches;
  s.placement = std::move(placement);
  s.chainLength = chainLength;
  for (const auto &rank : text) {
    s.steps.emplace_back();
    for (const std::string &step : rank) {
      auto parsed = parseStep(step);
      EXPECT_TRUE(parsed.ok()) << parsed.status();
      if (parsed.ok())
        s.steps.back().push_back(*parsed);
    }
  }
  return s;
}

TEST(PipelineSchedule, StepsRoundTrip) {
  for (std::string text : {"F0.0", "B3.12", "W1.2", "SF0.1", "RF1.1", "SB2.0", "RB1.0", "+B0.2"}) {
    auto step = parseStep(text);
    ASSERT_TRUE(step.ok()) << text << ": " << step.status();
    EXPECT_EQ(formatStep(*step), text);
  }
  for (std::string bad :
       {"", "F", "X1.2", "F1", "F1.", "F.1", "F-1.0", "F1.-2", "++F1.0", "SF1.2.3", "F1.2x"}) {
    auto step = parseStep(bad);
    ASSERT_FALSE(step.ok()) << bad;
    EXPECT_NE(std::string(step.status().message()).find("expected [+]ACTION"), std::string::npos);
  }
}

TEST(PipelineSchedule, FillDrainIsValidAndHasTheIdealBubble) {
  for (int64_t p : {1, 2, 4}) {
    for (int64_t m : {1, 4, 8}) {
      PipelineSchedule s = fillDrainSchedule(p, m);
      ASSERT_TRUE(checkSchedule(s).ok()) << checkSchedule(s);
      ScheduleTiming t =
          simulateSchedule(s, std::vector<double>(p, 1.0), std::vector<double>(p, 0.0));
      EXPECT_DOUBLE_EQ(t.seconds, static_cast<double>(m + p - 1));
      EXPECT_NEAR(t.bubble, idealFillDrainBubble(p, m), 1e-12);
    }
  }
  PipelineSchedule s = fillDrainSchedule(2, 2);
  EXPECT_EQ(formatStep(s.steps[0][1]), "SF0.0");
  EXPECT_EQ(formatStep(s.steps[1][0]), "RF1.0");
}

TEST(PipelineSchedule, TransfersAndUnevenStagesCost) {
  // Stage 1 is twice as slow: it sets the pace; each transfer delays stage 1's start.
  ScheduleTiming t = simulateSchedule(fillDrainSchedule(2, 3), {1.0, 2.0}, {0.5, 0.0});
  // Rank 1: recv 0.5 after F0.0 ends (t=1), then F1.0 until 3.5, then 2 more of 2.5 each.
  EXPECT_DOUBLE_EQ(t.seconds, 1.5 + 3 * 2.0 + 2 * 0.5);
  EXPECT_GT(t.bubble, idealFillDrainBubble(2, 3));
}

TEST(PipelineSchedule, OneFOneBWithOverlappedSendRecvIsValid) {
  // 1F1B on 2 ranks, 3 micro-batches: the steady state posts a send and a receive as one
  // group (without the `+`, both ranks would send first and wait forever).
  PipelineSchedule s = parse("1f1b", 3, {0, 1}, 2,
                             {{"F0.0", "SF0.0", "F0.1", "SF0.1", "+RB0.0", "B0.0", "F0.2", "SF0.2",
                               "+RB0.1", "B0.1", "RB0.2", "B0.2"},
                              {"RF1.0", "F1.0", "B1.0", "SB1.0", "+RF1.1", "F1.1", "B1.1", "SB1.1",
                               "+RF1.2", "F1.2", "B1.2", "SB1.2"}});
  EXPECT_TRUE(checkSchedule(s).ok()) << checkSchedule(s);
}

TEST(PipelineSchedule, InterleavedAndDualPipeLikeAreValid) {
  // Two virtual stages per rank: stages 0, 2 on rank 0 and 1, 3 on rank 1; forward only,
  // each rank's send to the next chunk grouped with its receive from the previous one.
  PipelineSchedule interleaved = parse(
      "interleaved", 2, {0, 1, 0, 1}, 4,
      {{"F0.0", "SF0.0", "F0.1", "SF0.1", "+RF2.0", "F2.0", "SF2.0", "+RF2.1", "F2.1", "SF2.1"},
       {"RF1.0", "F1.0", "SF1.0", "+RF1.1", "F1.1", "SF1.1", "+RF3.0", "F3.0", "RF3.1", "F3.1"}});
  EXPECT_TRUE(checkSchedule(interleaved).ok()) << checkSchedule(interleaved);
  // Two chains in opposite directions: micro-batch 0 enters at rank 0, 1 at rank 1; each
  // rank sends one way and receives the other in one group.
  PipelineSchedule dual =
      parse("dualpipe", 2, {0, 1, 1, 0}, 2,
            {{"F0.0", "SF0.0", "+RF3.1", "F3.1"}, {"F2.1", "SF2.1", "+RF1.0", "F1.0"}});
  EXPECT_TRUE(checkSchedule(dual).ok()) << checkSchedule(dual);
}

void expectError(const PipelineSchedule &s, const std::string &fragment) {
  absl::Status st = checkSchedule(s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find(fragment), std::string::npos) << st.message();
  EXPECT_DOUBLE_EQ(simulateSchedule(s, std::vector<double>(s.numStages(), 1.0), {}).seconds, 0);
}

TEST(PipelineSchedule, BadSchedulesGiveClearErrors) {
  expectError(parse("x", 1, {0, 1}, 2, {{"F0.0", "SF0.0"}, {"F1.0", "RF1.0"}}),
              "rank 1 step 0 (F1.0): runs before RF1.0");
  expectError(parse("x", 1, {0, 1}, 2, {{"F0.0"}, {"RF1.0", "F1.0"}}),
              "deadlocks: no send finds its receive; rank 1 at rank 1 step 0 (RF1.0)");
  expectError(parse("x", 2, {0, 1}, 2, {{"F0.0", "SF0.0"}, {"RF1.0", "F1.0"}}),
              "micro-batch 1 never runs forward");
  expectError(parse("x", 1, {0, 1}, 2, {{"F0.0", "F0.0"}, {}}), "repeats rank 0 step 0");
  expectError(parse("x", 1, {0, 1}, 2, {{"F1.0"}, {}}), "stage 1 is placed on rank 1");
  expectError(parse("x", 1, {0, 3}, 2, {{"F0.0"}, {}}), "placed on rank 3 of 2");
  expectError(parse("x", 1, {0, 1}, 2, {{"F0.5"}, {}}), "micro-batch out of range [0, 1)");
  expectError(parse("x", 1, {0, 1}, 2, {{"F0.0", "SF0.0"}, {"RF1.0", "F1.0", "SF1.0"}}),
              "has no peer stage");
  expectError(parse("x", 1, {0, 0}, 2, {{"F0.0", "SF0.0", "F1.0"}, {}}), "on the same rank");
  expectError(parse("x", 0, {0}, 1, {{}}), "0 micro-batches");
  expectError(parse("x", 1, {0, 1, 0}, 2, {{}, {}}), "chain length 2 does not divide");
  // Sends crossing: both ranks send first and receive second, with no group to pair them.
  expectError(parse("x", 2, {0, 1, 1, 0}, 2,
                    {{"F0.0", "SF0.0", "RF3.1", "F3.1"}, {"F2.1", "SF2.1", "RF1.0", "F1.0"}}),
              "deadlocks");
}

} // namespace
} // namespace dsc
