// The face sets the trash search knows by name, and any "file id" list, as
// TrashItems with their bytes read and the crop the search should use.
//
//   TrashSearchOptions options;
//   FACEREC_ASSIGN_OR_RETURN(std::vector<TrashItem> items,
//                            LoadTrashSet(data_root, "celeba500", &options));   // sets the window
//   FACEREC_ASSIGN_OR_RETURN(items, LoadTrashList("mine/labels.txt", &options));
//
// Sets: "celeba500" (CelebA-500's 12,011 images, splits train/val/test,
// ids 0-499, cut to the ID-rate window the recognisers learnt), "celeba_ir"
// (celebA_ir's 1,222 labelled queries, split "query", and its 2,001
// distractors, split "distractor", unlabelled; already that window). A list
// is one "<file> <id>" per line, the file relative to the list's folder (or
// absolute), split "list", images used whole. Files are named relative to
// the data root (sets) or as written (lists) in the items.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_ANALYSIS_TRASH_SETS_H_
#define FACEREC_ANALYSIS_TRASH_SETS_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/analysis/trash_search.h"

namespace facerec::analysis {

// "celeba500", "celeba_ir".
std::vector<std::string> KnownTrashSets();

// InvalidArgumentError naming the known sets for another name; the loaders'
// errors (file:line) otherwise. Sets options->window and ->frame.
absl::StatusOr<std::vector<TrashItem>> LoadTrashSet(const std::filesystem::path& data_root, const std::string& name,
                                                    TrashSearchOptions* options);

// Errors name the list's file and line; a listed file that cannot be read
// is an error too (decode failures are the search's findings, not errors).
// Clears options->window.
absl::StatusOr<std::vector<TrashItem>> LoadTrashList(const std::filesystem::path& list, TrashSearchOptions* options);

}  // namespace facerec::analysis

#endif  // FACEREC_ANALYSIS_TRASH_SETS_H_
