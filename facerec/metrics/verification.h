// LFW-style verification accuracy from pair scores.
//
// With 10 folds (LFW View 2): for each fold, the threshold that maximises
// accuracy on the other 9 is applied to it; the result is the mean (and
// standard deviation) of the 10 held-out accuracies. With fewer than 2 folds
// (our lfw_fold1 has one), the pairs are split into 10 interleaved sub-folds
// (pair i goes to sub-fold i mod 10, so each keeps the same/different
// balance) and the same 10-fold protocol runs on them; `protocol` says which.
//
//   VerificationResult r = VerificationAccuracy(scores, same, folds);
#ifndef FACEREC_METRICS_VERIFICATION_H_
#define FACEREC_METRICS_VERIFICATION_H_

#include <string>
#include <vector>

namespace facerec::metrics {

struct VerificationResult {
  double mean_accuracy = 0;
  double std_accuracy = 0;
  double mean_threshold = 0;
  int folds_used = 0;
  std::string protocol;  // "10-fold (given folds)" or "10-fold CV within 1 given fold".
};

// scores[i]: similarity of pair i; same[i]: same person; fold[i]: 0-based.
VerificationResult VerificationAccuracy(const std::vector<double>& scores,
                                        const std::vector<bool>& same,
                                        const std::vector<int>& fold);

// The threshold maximising accuracy (score > threshold means "same") over
// the selected pairs, and that accuracy. Candidates are midpoints between
// consecutive sorted scores.
std::pair<double, double> BestThreshold(const std::vector<double>& scores,
                                        const std::vector<bool>& same,
                                        const std::vector<bool>& selected);

}  // namespace facerec::metrics

#endif  // FACEREC_METRICS_VERIFICATION_H_
