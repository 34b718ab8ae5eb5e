// Trained recognisers used together: as one ensemble (the reference a
// distilled student is measured against), or as a student's teachers.
//
//   FACEREC_ASSIGN_OR_RETURN(std::vector<ChosenModel> members,
//                            ChooseRecognisers(OpenedStore(store), "teachers", {"arcface-full@default", sha}));
//   FACEREC_ASSIGN_OR_RETURN(LoadedEnsemble ensemble,
//                            LoadEnsemble(members, backbones::EnsembleCombination::kConcatenate));
//   // Its embedding of every training image, for losses::MakeDistilledLoss:
//   torch::Tensor teacher = TeacherEmbeddings(ensemble, data.train, torch::kCPU);
//
// Thread-safety: functions of their arguments; a LoadedEnsemble's net is a
// torch module (one forward pass at a time).
#ifndef FACEREC_PIPELINE_ENSEMBLES_H_
#define FACEREC_PIPELINE_ENSEMBLES_H_

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/backbones/ensemble_net.h"
#include "facerec/data/face_batches.h"
#include "facerec/pipeline/model_choice.h"

namespace facerec::pipeline {

// Recognisers as a list flag names them: each value a file or registry
// reference (ChooseModel), or the sha256 (64 hex digits) of a recogniser a
// compare_losses run in the store trained. Errors name the flag and the
// value; an empty list is an InvalidArgumentError.
absl::StatusOr<std::vector<ChosenModel>> ChooseRecognisers(const StoreOpener& store, const std::string& flag,
                                                           const std::vector<std::string>& values);

struct LoadedEnsemble {
  backbones::Backbone net;  // In eval mode.
  // The members' common input and test-time flip (each member was trained
  // and evaluated so).
  int input_height = 0, input_width = 0;
  bool flip_test = false;
  std::vector<std::string> sha256;  // The members', in order: what a run records, never a path.
  // What the ensemble costs to run: the members' parameters, summed.
  int64_t parameters = 0;
};

// The members' embedding nets as one (backbones::MakeEnsemble).
// InvalidArgumentError when the members differ in input size or test-time
// flip (naming the two), or averaging members of different widths; the
// loader's errors for a file that is not a recogniser.
absl::StatusOr<LoadedEnsemble> LoadEnsemble(const std::vector<ChosenModel>& members,
                                            backbones::EnsembleCombination combination);

// How a recogniser embeds: each image resized to its input, no augmentation,
// and summed with its mirror image's when it was evaluated so.
data::AugmentOptions EmbeddingTransform(int input_height, int input_width, bool flip_test);

// The ensemble's embedding [N, D] of every image of `images` (float32, CPU),
// each image resized to the members' input and, when they were evaluated so,
// summed with its mirror image's, then made unit length: the fixed target a
// student is distilled towards.
torch::Tensor TeacherEmbeddings(LoadedEnsemble& ensemble, const data::FaceImages& images, c10::Device device);

// The same, kept in `cache_file`: read from it when it holds one row per
// image of the ensemble's width, else computed and written there atomically
// (each of a student's seeds, in its own process, embeds with the teachers
// once between them). The caller names the file by everything the rows
// depend on (the teachers' sha256s, the combination, the images).
// InternalError naming the file when it cannot be written.
absl::StatusOr<torch::Tensor> CachedTeacherEmbeddings(LoadedEnsemble& ensemble, const data::FaceImages& images,
                                                      c10::Device device, const std::string& cache_file);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_ENSEMBLES_H_
