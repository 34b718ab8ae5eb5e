// The flags every photo-to-identity tool shares (detect_faces, enroll,
// identify), mapped onto chain::FaceChainOptions, each model chosen by
// pipeline::ChooseModel (pipeline/model_choice.h): a file or a registry name
// from its flag, else the registry's alias default of its kind.
//
//   FACEREC_ASSIGN_OR_RETURN(chain::FaceChainOptions options, ChainOptionsFromFlags());
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<chain::FaceChain> chain,
//                            chain::FaceChain::Create(options));
//
// Flags: --db, --detector (ours), --detector_model, --score_threshold,
// --min_face_size, --landmarks (landmark_net), --landmark_model,
// --embedding_model, --backend (libtorch | opencv_dnn). Errors name the flag.
#ifndef FACEREC_TOOLS_CHAIN_FLAGS_H_
#define FACEREC_TOOLS_CHAIN_FLAGS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "facerec/chain/face_chain.h"
#include "facerec/detect/face_detector.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::tools {

// The detection stage alone, its model from the store when needed.
absl::StatusOr<chain::FaceChainOptions> DetectorOptionsFromFlags();
// The whole chain; with `store` non-null, the store the models came from
// stays open there (for the recogniser's recorded evaluations). With
// `gallery_recogniser_sha256`, the recogniser is that file (a gallery's own,
// found in the registry or the store's runs) unless --embedding_model names
// one.
absl::StatusOr<chain::FaceChainOptions> ChainOptionsFromFlags(
    std::unique_ptr<tracking::ExperimentStore>* store = nullptr, const std::string& gallery_recogniser_sha256 = "");

// The store at --db (relative to the workspace root), created when missing.
absl::StatusOr<std::unique_ptr<tracking::ExperimentStore>> OpenStoreFromFlags();

}  // namespace facerec::tools

#endif  // FACEREC_TOOLS_CHAIN_FLAGS_H_
