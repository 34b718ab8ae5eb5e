// Ground truth for the trash search, made by hand: a copy of a labelled set
// with known faults injected (identity swaps, exact and near duplicates,
// junk images), and how well a TrashReport finds each kind.
//
//   FaultInjectionOptions faults;                     // 10 % swaps, 2 % near copies, ...
//   FACEREC_ASSIGN_OR_RETURN(InjectedSet set, InjectFaults(clean_items, backgrounds, faults));
//   FACEREC_ASSIGN_OR_RETURN(TrashReport report, SearchTrash(set.items, training, options, device));
//   for (const FaultScore& s : ScoreInjection(set, report)) { /* s.kind, s.precision_at_k, ... */ }
//
// The faults, each drawn by a generator seeded with `seed`:
//   swap            an original image's identity replaced by another, uniformly;
//   exact_duplicate a byte-identical copy of an original, appended;
//   near_duplicate  a copy re-encoded (JPEG quality 30-70), resized (0.5-0.8x)
//                   or cropped (2-4 % off each side), then re-encoded, appended
//                   with its source's identity; one kind of change per copy;
//   junk            a background crop (a random square of a detection photo
//                   that overlaps no annotated face) or synthetic noise, half
//                   each, appended with a random identity.
// Copies and junk take a random split, so duplicates fall within and across
// splits. Rates are shares of the original images.
//
// Scoring, per kind, against the items it applies to:
//   swap: the original images (appended items have their own faults); the
//     score is wrong_identity_score, flagged is wrong_identity_flagged.
//   exact/near duplicate: a copy is found when a pair of that kind joins it to
//     its source (or to a copy of it, or to the source's own duplicate among
//     the originals); an appended item flagged as that kind but not joined to its
//     source is a false alarm. Pairs among original images are the set's own
//     duplicates (known before injection), reported apart, never counted.
//     The score of an appended item is its best pair's score of that kind.
//   junk: every item; the score is unusable_score, flagged = an unusable suspect.
// precision_at_k: of the k top-scored items (k = injected count), the share
// injected; recall and precision: of the flagged items; roc_auc: the
// probability that an injected item outscores a clean one (ties count half).
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_ANALYSIS_FAULT_INJECTION_H_
#define FACEREC_ANALYSIS_FAULT_INJECTION_H_

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/analysis/trash_search.h"

namespace facerec::analysis {

struct FaultInjectionOptions {
  double swap_rate = 0.10;             // Default 10 %.
  double exact_duplicate_rate = 0.005;  // Default 0.5 %.
  double near_duplicate_rate = 0.02;   // Default 2 %.
  double junk_rate = 0.01;             // Default 1 %.
  uint64_t seed = 1;
  // Appended images are made at this size (the clean set's frame), so the
  // search's window treats them as it treats the originals. Default 178x218.
  cv::Size frame = cv::Size(178, 218);
};

enum class InjectedFault { kNone, kSwap, kExactDuplicate, kNearDuplicate, kJunk };
const char* InjectedFaultName(InjectedFault fault);  // "clean", "swap", ...

// A photo and the faces annotated in it (boxes), for background crops.
struct BackgroundPhoto {
  cv::Mat rgb;
  std::vector<cv::Rect> faces;
};

struct InjectedSet {
  std::vector<TrashItem> items;       // The originals (first `originals`), then appended items.
  std::vector<InjectedFault> fault;   // Per item.
  std::vector<int64_t> source;        // A copy's original; -1 otherwise.
  std::vector<std::string> change;    // A near copy's change ("jpeg q42", ...), a junk's origin.
  int64_t originals = 0;
};

// InvalidArgumentError for a rate outside [0, 1), an empty clean set, no
// labelled identities to swap between, or no background photo when junk is
// asked for; a clean image that does not decode is an error naming it.
absl::StatusOr<InjectedSet> InjectFaults(const std::vector<TrashItem>& clean,
                                         const std::vector<BackgroundPhoto>& backgrounds,
                                         const FaultInjectionOptions& options);

struct FaultScore {
  InjectedFault kind = InjectedFault::kNone;
  int64_t injected = 0;
  int64_t flagged = 0;        // Flagged items of the evaluated population.
  int64_t found = 0;          // Injected and flagged (for duplicates: joined to the source).
  double precision_at_k = 0;
  double recall = 0;
  double precision = 0;       // found / flagged; 1 when nothing was flagged.
  double roc_auc = 0;
  int64_t own_duplicate_pairs = 0;  // Duplicates only: pairs among the originals.
};

// One score per kind with at least one injected item, in enum order.
std::vector<FaultScore> ScoreInjection(const InjectedSet& set, const TrashReport& report);

// The probability that a positive outscores a negative, ties half (the
// Mann-Whitney statistic); 0.5 without positives or negatives.
double RocAuc(const std::vector<double>& score, const std::vector<bool>& positive);

}  // namespace facerec::analysis

#endif  // FACEREC_ANALYSIS_FAULT_INJECTION_H_
