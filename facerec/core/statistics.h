// Summary statistics every part of facerec computes the same way: one
// median (the mean of the two middle values for an even count), one sample
// standard deviation.
//
//   double m = Median({3, 1, 2, 10});        // 2.5
//   double s = SampleStddev({1, 2, 3, 4});   // 1.29...
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_CORE_STATISTICS_H_
#define FACEREC_CORE_STATISTICS_H_

#include <vector>

namespace facerec {

// The median; 0 for no values (callers report "nothing measured" as 0).
double Median(std::vector<double> values);

// The sample standard deviation (n - 1 in the denominator); 0 for fewer
// than two values.
double SampleStddev(const std::vector<double>& values);

}  // namespace facerec

#endif  // FACEREC_CORE_STATISTICS_H_
