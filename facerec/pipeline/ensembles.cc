#include "facerec/pipeline/ensembles.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "facerec/backbones/embedding_net.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/pipeline/trained_models.h"
#include "glog/logging.h"

namespace facerec::pipeline {

absl::StatusOr<std::vector<ChosenModel>> ChooseRecognisers(const StoreOpener& store, const std::string& flag,
                                                           const std::vector<std::string>& values) {
  if (values.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, ": no recogniser given"));
  std::vector<ChosenModel> chosen;
  for (const std::string& value : values) {
    if (!IsSha256Hex(value)) {
      FACEREC_ASSIGN_OR_RETURN(ChosenModel m, ChooseModel(store, tracking::ModelKind::kRecogniser, flag, value,
                                                          /*quiet=*/true));
      chosen.push_back(std::move(m));
      continue;
    }
    FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * opened, store());
    absl::StatusOr<TrainedRecogniser> run = RecogniserBySha256(*opened, value);
    if (!run.ok()) {
      return absl::NotFoundError(absl::StrCat("--", flag, "=", value.substr(0, 12), "...: ", run.status().message()));
    }
    ChosenModel m;
    m.path = run->model_path;
    FACEREC_ASSIGN_OR_RETURN(m.sha256, Sha256OfFile(m.path));
    if (m.sha256 != value) {
      return absl::FailedPreconditionError(absl::StrCat("--", flag, "=", value.substr(0, 12), "...: run ",
                                                        run->run_uid.substr(0, 8), "'s file now has sha256 ",
                                                        m.sha256.substr(0, 12), " (rewritten since)"));
    }
    m.reason = absl::StrCat("the recogniser of run ", run->run_uid.substr(0, 8), " (", run->run_name, ")");
    chosen.push_back(std::move(m));
  }
  return chosen;
}

absl::StatusOr<LoadedEnsemble> LoadEnsemble(const std::vector<ChosenModel>& members,
                                            backbones::EnsembleCombination combination) {
  if (members.empty()) return absl::InvalidArgumentError("an ensemble needs at least one member");
  LoadedEnsemble ensemble;
  std::vector<backbones::Backbone> nets;
  for (size_t i = 0; i < members.size(); ++i) {
    FACEREC_ASSIGN_OR_RETURN(backbones::EmbeddingNet net, backbones::LoadEmbeddingNet(members[i].path));
    if (i == 0) {
      ensemble.input_height = net.options.input_height;
      ensemble.input_width = net.options.input_width;
      ensemble.flip_test = net.flip_test;
    } else if (net.options.input_height != ensemble.input_height || net.options.input_width != ensemble.input_width ||
               net.flip_test != ensemble.flip_test) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ensemble members must share one input: member 0 (", members[0].sha256.substr(0, 12), ") takes ",
          ensemble.input_height, "x", ensemble.input_width, ensemble.flip_test ? " with" : " without",
          " the test-time flip, member ", i, " (", members[i].sha256.substr(0, 12), ") ", net.options.input_height,
          "x", net.options.input_width, net.flip_test ? " with" : " without", " it"));
    }
    for (const torch::Tensor& p : net.backbone->parameters()) ensemble.parameters += p.numel();
    ensemble.sha256.push_back(members[i].sha256);
    nets.push_back(net.backbone);
  }
  FACEREC_ASSIGN_OR_RETURN(ensemble.net, backbones::MakeEnsemble(std::move(nets), combination));
  ensemble.net->eval();
  return ensemble;
}

data::AugmentOptions EmbeddingTransform(int input_height, int input_width, bool flip_test) {
  data::AugmentOptions transform;
  transform.enabled = false;
  transform.output_height = input_height;
  transform.output_width = input_width;
  transform.flip_test = flip_test;
  return transform;
}

torch::Tensor TeacherEmbeddings(LoadedEnsemble& ensemble, const data::FaceImages& images, c10::Device device) {
  const data::AugmentOptions transform =
      EmbeddingTransform(ensemble.input_height, ensemble.input_width, ensemble.flip_test);
  const torch::Tensor embeddings = Embed(*ensemble.net, images, transform, /*batch_size=*/256, device);
  namespace F = torch::nn::functional;
  return F::normalize(embeddings.to(torch::kFloat32).cpu(), F::NormalizeFuncOptions().p(2).dim(1));
}

absl::StatusOr<torch::Tensor> CachedTeacherEmbeddings(LoadedEnsemble& ensemble, const data::FaceImages& images,
                                                      c10::Device device, const std::string& cache_file) {
  const int64_t rows = static_cast<int64_t>(images.size());
  const int64_t width = ensemble.net->embedding_size();
  if (std::filesystem::exists(cache_file)) {
    torch::Tensor cached;
    try {
      torch::load(cached, cache_file);
    } catch (const c10::Error& e) {
      LOG(WARNING) << "teacher embeddings " << cache_file
                   << " unreadable, computing them again: " << e.what_without_backtrace();
    }
    if (cached.defined() && cached.dim() == 2 && cached.size(0) == rows && cached.size(1) == width) return cached;
  }
  torch::Tensor embeddings = TeacherEmbeddings(ensemble, images, device);
  const std::string partial = cache_file + ".partial";
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(cache_file).parent_path(), error);
  try {
    torch::save(embeddings, partial);
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("cannot write teacher embeddings ", partial, ": ", e.what()));
  }
  std::filesystem::rename(partial, cache_file, error);
  if (error) {
    return absl::InternalError(absl::StrCat("cannot rename ", partial, " to ", cache_file, ": ", error.message()));
  }
  return embeddings;
}

}  // namespace facerec::pipeline
