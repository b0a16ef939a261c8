//===- PipelineSchedule.cpp - pipeline schedules: format, check, cost -----===//
//
// The checker and the predictor share one walk: every rank keeps a position in its list, a
// group of steps (a step and the `+` steps after it) runs when each of its sends and receives
// finds its peer at the head of the peer's list, and the walk ends when every list is done
// (or nothing can move: a deadlock, reported with what each rank waits for).
//
//===----------------------------------------------------------------------===//

#include "runtime/support/PipelineSchedule.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace dsc {

namespace {

struct ActionName {
  PipelineAction action;
  const char *name;
};
// Two-letter names first, so that "SF" is not read as an unknown "S".
constexpr ActionName kActionNames[] = {
    {PipelineAction::SendForward, "SF"},  {PipelineAction::RecvForward, "RF"},
    {PipelineAction::SendBackward, "SB"}, {PipelineAction::RecvBackward, "RB"},
    {PipelineAction::Forward, "F"},       {PipelineAction::Backward, "B"},
    {PipelineAction::WeightGrad, "W"},
};

bool isComm(PipelineAction a) {
  return a == PipelineAction::SendForward || a == PipelineAction::RecvForward ||
         a == PipelineAction::SendBackward || a == PipelineAction::RecvBackward;
}

using StepKey = std::tuple<PipelineAction, int64_t, int64_t>;
StepKey keyOf(const PipelineStep &s) { return {s.action, s.stage, s.microbatch}; }
StepKey key(PipelineAction a, int64_t stage, int64_t mb) { return {a, stage, mb}; }
std::string nameOf(const StepKey &k) {
  return formatStep({std::get<0>(k), std::get<1>(k), std::get<2>(k)});
}

/// The walk over a schedule that both the checker and the predictor run.
class Walk {
public:
  Walk(const PipelineSchedule &s, const std::vector<double> *forward,
       const std::vector<double> *transfer)
      : s(s), forward(forward), transfer(transfer), pos(s.numRanks(), 0), clock(s.numRanks(), 0),
        busy(s.numRanks(), 0) {}

  absl::Status run();
  ScheduleTiming timing() const;

private:
  std::optional<int64_t> pred(int64_t v) const {
    if (v % s.chainLength == 0)
      return std::nullopt;
    return v - 1;
  }
  std::optional<int64_t> succ(int64_t v) const {
    if ((v + 1) % s.chainLength == 0)
      return std::nullopt;
    return v + 1;
  }
  absl::Status checkStatic() const;
  /// The step that must run first on the same rank, if any.
  absl::StatusOr<std::vector<StepKey>> prerequisites(const PipelineStep &step) const;
  /// The peer's (rank, step) of a send or receive.
  absl::StatusOr<std::pair<int64_t, StepKey>> peerOf(int64_t rank, const PipelineStep &step) const;
  size_t groupEnd(int64_t rank) const;
  double duration(const PipelineStep &step) const;
  std::string where(int64_t rank, size_t index) const {
    return absl::StrCat("rank ", rank, " step ", index, " (", formatStep(s.steps[rank][index]),
                        ")");
  }

  const PipelineSchedule &s;
  const std::vector<double> *forward, *transfer;
  std::vector<size_t> pos;
  std::vector<double> clock, busy;
  std::set<StepKey> done; // steps are unique per schedule (checked), so one set holds all
};

absl::Status Walk::checkStatic() const {
  if (s.numRanks() < 1)
    return absl::InvalidArgumentError("pipeline schedule: no ranks");
  if (s.microbatches < 1)
    return absl::InvalidArgumentError(
        absl::StrCat("pipeline schedule: ", s.microbatches, " micro-batches, expected >= 1"));
  if (s.chainLength < 1 || s.numStages() % s.chainLength != 0)
    return absl::InvalidArgumentError(absl::StrCat("pipeline schedule: chain length ",
                                                   s.chainLength, " does not divide the ",
                                                   s.numStages(), " virtual stages"));
  for (int64_t v = 0; v < s.numStages(); ++v)
    if (s.placement[v] < 0 || s.placement[v] >= s.numRanks())
      return absl::InvalidArgumentError(absl::StrCat("pipeline schedule: stage ", v,
                                                     " is placed on rank ", s.placement[v], " of ",
                                                     s.numRanks()));
  std::map<StepKey, std::string> seen;
  std::map<int64_t, int64_t> chainOf; // micro-batch -> chain of its forward steps
  for (int64_t r = 0; r < s.numRanks(); ++r)
    for (size_t i = 0; i < s.steps[r].size(); ++i) {
      const PipelineStep &step = s.steps[r][i];
      if (step.stage < 0 || step.stage >= s.numStages())
        return absl::InvalidArgumentError(
            absl::StrCat(where(r, i), ": stage out of range [0, ", s.numStages(), ")"));
      if (step.microbatch < 0 || step.microbatch >= s.microbatches)
        return absl::InvalidArgumentError(
            absl::StrCat(where(r, i), ": micro-batch out of range [0, ", s.microbatches, ")"));
      if (s.placement[step.stage] != r)
        return absl::InvalidArgumentError(absl::StrCat(
            where(r, i), ": stage ", step.stage, " is placed on rank ", s.placement[step.stage]));
      if (i == 0 && step.overlapsPrevious)
        return absl::InvalidArgumentError(
            absl::StrCat(where(r, i), ": the first step has no previous step to overlap"));
      auto [it, inserted] = seen.insert({keyOf(step), where(r, i)});
      if (!inserted)
        return absl::InvalidArgumentError(absl::StrCat(where(r, i), ": repeats ", it->second));
      if (step.action == PipelineAction::Forward) {
        int64_t chain = step.stage / s.chainLength;
        auto [c, fresh] = chainOf.insert({step.microbatch, chain});
        if (!fresh && c->second != chain)
          return absl::InvalidArgumentError(
              absl::StrCat(where(r, i), ": micro-batch ", step.microbatch,
                           " also runs forward on chain ", c->second));
      }
    }
  for (int64_t m = 0; m < s.microbatches; ++m) {
    auto c = chainOf.find(m);
    if (c == chainOf.end())
      return absl::InvalidArgumentError(
          absl::StrCat("pipeline schedule: micro-batch ", m, " never runs forward"));
    for (int64_t v = c->second * s.chainLength; v < (c->second + 1) * s.chainLength; ++v)
      if (!seen.count(key(PipelineAction::Forward, v, m)))
        return absl::InvalidArgumentError(
            absl::StrCat("pipeline schedule: micro-batch ", m, " never runs forward on stage ", v));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StepKey>> Walk::prerequisites(const PipelineStep &step) const {
  int64_t v = step.stage, m = step.microbatch;
  auto sameRank = [&](int64_t other) { return s.placement[other] == s.placement[v]; };
  switch (step.action) {
  case PipelineAction::Forward:
    if (auto p = pred(v))
      return std::vector<StepKey>{sameRank(*p) ? key(PipelineAction::Forward, *p, m)
                                               : key(PipelineAction::RecvForward, v, m)};
    return std::vector<StepKey>{};
  case PipelineAction::Backward: {
    std::vector<StepKey> keys{key(PipelineAction::Forward, v, m)};
    if (auto n = succ(v))
      keys.push_back(sameRank(*n) ? key(PipelineAction::Backward, *n, m)
                                  : key(PipelineAction::RecvBackward, v, m));
    return keys;
  }
  case PipelineAction::WeightGrad:
    return std::vector<StepKey>{key(PipelineAction::Backward, v, m)};
  case PipelineAction::SendForward:
    return std::vector<StepKey>{key(PipelineAction::Forward, v, m)};
  case PipelineAction::SendBackward:
    return std::vector<StepKey>{key(PipelineAction::Backward, v, m)};
  case PipelineAction::RecvForward:
  case PipelineAction::RecvBackward:
    return std::vector<StepKey>{};
  }
  return std::vector<StepKey>{};
}

absl::StatusOr<std::pair<int64_t, StepKey>> Walk::peerOf(int64_t rank,
                                                         const PipelineStep &step) const {
  int64_t v = step.stage, m = step.microbatch;
  std::optional<int64_t> other;
  PipelineAction match;
  switch (step.action) {
  case PipelineAction::SendForward:
    other = succ(v), match = PipelineAction::RecvForward;
    break;
  case PipelineAction::RecvForward:
    other = pred(v), match = PipelineAction::SendForward;
    break;
  case PipelineAction::SendBackward:
    other = pred(v), match = PipelineAction::RecvBackward;
    break;
  case PipelineAction::RecvBackward:
    other = succ(v), match = PipelineAction::SendBackward;
    break;
  default:
    return absl::InternalError("not a send or receive");
  }
  std::string what = formatStep(step);
  if (!other)
    return absl::InvalidArgumentError(absl::StrCat("rank ", rank, ": ", what,
                                                   " has no peer stage (stage ", v,
                                                   " is at the end of its chain)"));
  if (s.placement[*other] == rank)
    return absl::InvalidArgumentError(absl::StrCat("rank ", rank, ": ", what, " talks to stage ",
                                                   *other, ", which is on the same rank"));
  return std::make_pair(s.placement[*other], key(match, *other, m));
}

size_t Walk::groupEnd(int64_t rank) const {
  size_t end = pos[rank] + 1;
  while (end < s.steps[rank].size() && s.steps[rank][end].overlapsPrevious)
    ++end;
  return end;
}

double Walk::duration(const PipelineStep &step) const {
  if (!forward)
    return 0;
  int64_t v = step.stage;
  auto sent = [&](int64_t from) {
    return from >= 0 && from < static_cast<int64_t>(transfer->size()) ? (*transfer)[from] : 0;
  };
  switch (step.action) {
  case PipelineAction::Forward:
  case PipelineAction::WeightGrad:
    return (*forward)[v];
  case PipelineAction::Backward:
    return 2 * (*forward)[v];
  case PipelineAction::SendForward:
  case PipelineAction::RecvBackward:
    return sent(v);
  case PipelineAction::RecvForward:
  case PipelineAction::SendBackward:
    return sent(v - 1);
  }
  return 0;
}

absl::Status Walk::run() {
  if (absl::Status st = checkStatic(); !st.ok())
    return st;
  int64_t ranks = s.numRanks();
  while (true) {
    // Head groups whose sends and receives all find their peers at the peers' heads.
    std::vector<bool> ready(ranks, false);
    bool anyLeft = false;
    for (int64_t r = 0; r < ranks; ++r)
      if (pos[r] < s.steps[r].size())
        ready[r] = anyLeft = true;
    if (!anyLeft)
      return absl::OkStatus();
    auto inHead = [&](int64_t r, const StepKey &k) {
      if (!ready[r])
        return false;
      for (size_t i = pos[r]; i < groupEnd(r); ++i)
        if (keyOf(s.steps[r][i]) == k)
          return true;
      return false;
    };
    for (bool changed = true; changed;) {
      changed = false;
      for (int64_t r = 0; r < ranks; ++r) {
        if (!ready[r])
          continue;
        for (size_t i = pos[r]; i < groupEnd(r) && ready[r]; ++i) {
          const PipelineStep &step = s.steps[r][i];
          if (!isComm(step.action))
            continue;
          auto peer = peerOf(r, step);
          if (!peer.ok())
            return peer.status();
          if (!inHead(peer->first, peer->second))
            ready[r] = false, changed = true;
        }
      }
    }
    if (std::none_of(ready.begin(), ready.end(), [](bool b) { return b; })) {
      std::vector<std::string> waits;
      for (int64_t r = 0; r < ranks; ++r)
        if (pos[r] < s.steps[r].size())
          waits.push_back(absl::StrCat("rank ", r, " at ", where(r, pos[r])));
      return absl::InvalidArgumentError(absl::StrCat(
          "pipeline schedule deadlocks: no send finds its receive; ", absl::StrJoin(waits, ", ")));
    }
    // Each ready group starts when its rank (and, for transfers, its peers) are free.
    std::vector<double> start(clock);
    for (int64_t r = 0; r < ranks; ++r)
      if (ready[r])
        for (size_t i = pos[r]; i < groupEnd(r); ++i)
          if (isComm(s.steps[r][i].action)) {
            int64_t peer = peerOf(r, s.steps[r][i])->first;
            start[r] = std::max(start[r], clock[peer]);
          }
    for (int64_t r = 0; r < ranks; ++r) {
      if (!ready[r])
        continue;
      size_t end = groupEnd(r);
      for (size_t i = pos[r]; i < end; ++i) {
        const PipelineStep &step = s.steps[r][i];
        auto needs = prerequisites(step);
        if (!needs.ok())
          return needs.status();
        for (const StepKey &k : *needs) {
          bool earlierInGroup = false;
          for (size_t j = pos[r]; j < i; ++j)
            earlierInGroup |= keyOf(s.steps[r][j]) == k;
          if (!done.count(k) && !earlierInGroup)
            return absl::InvalidArgumentError(
                absl::StrCat(where(r, i), ": runs before ", nameOf(k), " on its rank"));
        }
      }
      double longest = 0;
      for (size_t i = pos[r]; i < end; ++i) {
        double d = duration(s.steps[r][i]);
        longest = std::max(longest, d);
        if (!isComm(s.steps[r][i].action))
          busy[r] += d;
      }
      clock[r] = start[r] + longest;
    }
    for (int64_t r = 0; r < ranks; ++r)
      if (ready[r]) {
        size_t end = groupEnd(r);
        for (; pos[r] < end; ++pos[r])
          done.insert(keyOf(s.steps[r][pos[r]]));
      }
  }
}

ScheduleTiming Walk::timing() const {
  ScheduleTiming t;
  for (double c : clock)
    t.seconds = std::max(t.seconds, c);
  double work = 0;
  for (double b : busy)
    work += b;
  if (t.seconds > 0)
    t.bubble = 1 - work / (static_cast<double>(clock.size()) * t.seconds);
  return t;
}

} // namespace

std::string formatStep(const PipelineStep &step) {
  const char *name = "?";
  for (const ActionName &a : kActionNames)
    if (a.action == step.action)
      name = a.name;
  return absl::StrCat(step.overlapsPrevious ? "+" : "", name, step.stage, ".", step.microbatch);
}

absl::StatusOr<PipelineStep> parseStep(absl::string_view text) {
  PipelineStep step;
  absl::string_view rest = text;
  if (!rest.empty() && rest.front() == '+') {
    step.overlapsPrevious = true;
    rest.remove_prefix(1);
  }
  bool known = false;
  for (const ActionName &a : kActionNames) {
    absl::string_view name(a.name);
    if (rest.substr(0, name.size()) == name) {
      step.action = a.action;
      rest.remove_prefix(name.size());
      known = true;
      break;
    }
  }
  size_t dot = rest.find('.');
  if (!known || dot == absl::string_view::npos ||
      !absl::SimpleAtoi(rest.substr(0, dot), &step.stage) ||
      !absl::SimpleAtoi(rest.substr(dot + 1), &step.microbatch) || step.stage < 0 ||
      step.microbatch < 0 || rest.substr(0, 1) == "+" || rest.substr(0, 1) == "-")
    return absl::InvalidArgumentError(
        absl::StrCat("pipeline step '", text,
                     "': expected [+]ACTION<stage>.<micro-batch> with ACTION one of F, B, W, "
                     "SF, RF, SB, RB, e.g. F1.3"));
  return step;
}

PipelineSchedule fillDrainSchedule(int64_t stages, int64_t microbatches) {
  PipelineSchedule s;
  s.kind = "fill-drain";
  s.microbatches = microbatches;
  s.chainLength = stages;
  s.steps.resize(stages);
  for (int64_t v = 0; v < stages; ++v) {
    s.placement.push_back(v);
    for (int64_t m = 0; m < microbatches; ++m) {
      if (v > 0)
        s.steps[v].push_back({PipelineAction::RecvForward, v, m});
      s.steps[v].push_back({PipelineAction::Forward, v, m});
      if (v + 1 < stages)
        s.steps[v].push_back({PipelineAction::SendForward, v, m});
    }
  }
  return s;
}

absl::Status checkSchedule(const PipelineSchedule &schedule) {
  Walk walk(schedule, nullptr, nullptr);
  return walk.run();
}

ScheduleTiming simulateSchedule(const PipelineSchedule &schedule,
                                const std::vector<double> &forwardSeconds,
                                const std::vector<double> &transferSeconds) {
  if (static_cast<int64_t>(forwardSeconds.size()) != schedule.numStages())
    return {};
  Walk walk(schedule, &forwardSeconds, &transferSeconds);
  if (!walk.run().ok())
    return {};
  return walk.timing();
}

double idealFillDrainBubble(int64_t stages, int64_t microbatches) {
  return static_cast<double>(stages - 1) / static_cast<double>(microbatches + stages - 1);
}

} // namespace dsc
