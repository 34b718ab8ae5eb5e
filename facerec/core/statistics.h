// Summary statistics every part of facerec computes the same way: one
// median (the mean of the two middle values for an even count), one sample
// standard deviation.
//
//   double m = Median({3, 1, 2, 10});        // 2.5
//   double s = SampleStddev({1, 2, 3, 4});   // 1.29...
//   auto [low, high] = WilsonInterval(3, 200, 0.95);  // (0.005, 0.043)
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_CORE_STATISTICS_H_
#define FACEREC_CORE_STATISTICS_H_

#include <cstdint>
#include <utility>
#include <vector>

namespace facerec {

// The median; 0 for no values (callers report "nothing measured" as 0).
double Median(std::vector<double> values);

// The sample standard deviation (n - 1 in the denominator); 0 for fewer
// than two values.
double SampleStddev(const std::vector<double>& values);

// The Wilson score interval of a proportion, `successes` of `trials`, at
// `confidence` in (0, 1): unlike the normal approximation it stays inside
// [0, 1] and is honest at 0 or a few successes (the rare accepted strangers
// of an FPIR of 0.01). (0, 1) for no trials.
std::pair<double, double> WilsonInterval(int64_t successes, int64_t trials, double confidence);

// The standard normal quantile: z with P(Z <= z) = p, p in (0, 1).
double NormalQuantile(double p);

// The two-sample Kolmogorov-Smirnov distance: the largest gap between the
// empirical distribution functions of `a` and `b` (0: the same, 1: apart).
// 0 when either is empty.
double KolmogorovSmirnovDistance(std::vector<double> a, std::vector<double> b);

}  // namespace facerec

#endif  // FACEREC_CORE_STATISTICS_H_
