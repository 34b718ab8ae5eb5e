// An ONNX model built node by node from LibTorch weights, with the types of
// Debian's libonnx (its protobuf classes and its checker). The exporters of
// each kind of net (onnx_export.h) use it; nothing here runs a model.
//
//   OnnxGraph g("landmark_net");
//   g.AddInput("images", {-1, 3, 64, 64});
//   const std::string w = g.AddInitializer("conv0.weight", conv->weight);
//   const std::string y = g.AddNode("Conv", {"images", w}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
//   g.AddOutput(y, {-1, 16, 64, 64});
//   absl::StatusOr<onnx::ModelProto> model = g.Finish({{"facerec.kind", "landmarks"}});
//
// Thread-safety: not thread-safe; one builder per export.
#ifndef FACEREC_EXPORT_ONNX_GRAPH_H_
#define FACEREC_EXPORT_ONNX_GRAPH_H_

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <ATen/core/Tensor.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace facerec::exporting {

// The opset every export targets: 13 is what OpenCV 4.6's importer reads
// fully (and what its model zoo's face models use).
inline constexpr int64_t kOnnxOpset = 13;

using OnnxAttribute = std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>>;

class OnnxGraph {
 public:
  explicit OnnxGraph(std::string name);

  // A float32 input or output; a dimension of -1 is the batch ("N").
  void AddInput(const std::string& name, const std::vector<int64_t>& dims);
  void AddOutput(const std::string& name, const std::vector<int64_t>& dims);
  // A float32 weight (copied, contiguous, on the CPU); returns its name.
  std::string AddInitializer(const std::string& name, const at::Tensor& tensor);
  // An int64 constant (shapes for Reshape); returns its name.
  std::string AddInt64Initializer(const std::string& name, const std::vector<int64_t>& values);
  // One node; returns its single output's name (generated from op_type).
  std::string AddNode(const std::string& op_type, const std::vector<std::string>& inputs,
                      const std::map<std::string, OnnxAttribute>& attributes = {});

  // The model, checked by onnx::checker; `metadata` goes to metadata_props.
  // InternalError with the checker's words when it rejects the graph.
  absl::StatusOr<onnx::ModelProto> Finish(const std::map<std::string, std::string>& metadata) const;

 private:
  onnx::GraphProto graph_;
  std::map<std::string, int> counts_;  // Per op type, for output names.
};

// Writes `model` to `path` (binary protobuf). Nothing is written on error.
absl::Status WriteOnnxModel(const onnx::ModelProto& model, const std::string& path);

}  // namespace facerec::exporting

#endif  // FACEREC_EXPORT_ONNX_GRAPH_H_
