#include "facerec/backbones/embedding_net.h"

#include <filesystem>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace facerec::backbones {

absl::Status SaveEmbeddingNet(const EmbeddingNet& net, const std::string& path) {
  const std::string temporary = path + ".tmp";
  const BackboneOptions& o = net.options;
  try {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    torch::serialize::OutputArchive archive, weights;
    archive.write("name", c10::IValue(o.name));
    archive.write("sizes", torch::tensor({static_cast<int64_t>(o.embedding_size),
                                          static_cast<int64_t>(o.input_height),
                                          static_cast<int64_t>(o.input_width),
                                          static_cast<int64_t>(o.stem_stride),
                                          static_cast<int64_t>(net.flip_test)}));
    archive.write("rates", torch::tensor({o.width_multiplier, o.dropout}, torch::kFloat64));
    net.backbone->save(weights);
    archive.write("weights", weights);
    archive.save_to(temporary);
    std::filesystem::rename(temporary, path);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(path, ": cannot save the embedding net: ", e.what()));
  }
  return absl::OkStatus();
}

absl::StatusOr<EmbeddingNet> LoadEmbeddingNet(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such embedding net"));
  }
  EmbeddingNet net;
  try {
    torch::serialize::InputArchive archive, weights;
    archive.load_from(path);
    c10::IValue name;
    archive.read("name", name);
    torch::Tensor sizes, rates;
    archive.read("sizes", sizes);
    archive.read("rates", rates);
    net.options.name = name.toStringRef();
    net.options.embedding_size = static_cast<int>(sizes[0].item<int64_t>());
    net.options.input_height = static_cast<int>(sizes[1].item<int64_t>());
    net.options.input_width = static_cast<int>(sizes[2].item<int64_t>());
    net.options.stem_stride = static_cast<int>(sizes[3].item<int64_t>());
    net.flip_test = sizes[4].item<int64_t>() != 0;
    net.options.width_multiplier = rates[0].item<double>();
    net.options.dropout = rates[1].item<double>();
    absl::StatusOr<Backbone> backbone = MakeBackbone(net.options);
    if (!backbone.ok()) {
      return absl::DataLossError(absl::StrCat(path, ": ", backbone.status().message()));
    }
    net.backbone = *backbone;
    archive.read("weights", weights);
    net.backbone->load(weights);
    net.backbone->eval();
  } catch (const std::exception& e) {
    // LibTorch's messages go on with a backtrace: the first line says it.
    const absl::string_view reason(e.what());
    return absl::DataLossError(absl::StrCat(path, ": not an embedding net: ", reason.substr(0, reason.find('\n'))));
  }
  return net;
}

}  // namespace facerec::backbones
