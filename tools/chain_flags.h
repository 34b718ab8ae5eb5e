// The flags every photo-to-identity tool shares (detect_faces, enroll,
// identify), mapped onto chain::FaceChainOptions, each empty model path
// filled from the experiment store (pipeline/trained_models.h): the newest
// detector and landmark net, and the best recogniser.
//
//   FACEREC_ASSIGN_OR_RETURN(chain::FaceChainOptions options, ChainOptionsFromFlags());
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<chain::FaceChain> chain,
//                            chain::FaceChain::Create(options));
//
// Flags: --db, --detector (ours), --detector_model, --score_threshold,
// --min_face_size, --landmarks (landmark_net), --landmark_model,
// --embedding_model. Errors name the flag.
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
// stays open there (for the recogniser's recorded evaluations).
absl::StatusOr<chain::FaceChainOptions> ChainOptionsFromFlags(
    std::unique_ptr<tracking::ExperimentStore>* store = nullptr);

// The store at --db (relative to the workspace root).
absl::StatusOr<std::unique_ptr<tracking::ExperimentStore>> OpenStoreFromFlags();

}  // namespace facerec::tools

#endif  // FACEREC_TOOLS_CHAIN_FLAGS_H_
