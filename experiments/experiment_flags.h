// Flags as run parameters: every flag a runner defines, as the strings the
// experiment store records (and hashes into the config hash).
//
//   std::map<std::string, std::string> params =
//       FlagsDefinedIn("train_landmarks", {"db", "data_root"});
#ifndef EXPERIMENTS_EXPERIMENT_FLAGS_H_
#define EXPERIMENTS_EXPERIMENT_FLAGS_H_

#include <map>
#include <set>
#include <string>

namespace facerec {

// Flags whose defining file name contains `file`, minus `excluded` (where
// things are, not what the run is). Doubles are printed shortest
// (0.1, not gflags' 0.10000000000000001).
std::map<std::string, std::string> FlagsDefinedIn(const std::string& file,
                                                  const std::set<std::string>& excluded);

}  // namespace facerec

#endif  // EXPERIMENTS_EXPERIMENT_FLAGS_H_
