#include "facerec/export/onnx_graph.h"

#include <filesystem>
#include <fstream>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "onnx/checker.h"

namespace facerec::exporting {
namespace {

void SetShape(onnx::ValueInfoProto* value, const std::string& name, const std::vector<int64_t>& dims) {
  value->set_name(name);
  onnx::TypeProto_Tensor* tensor = value->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) {
    onnx::TensorShapeProto_Dimension* dim = tensor->mutable_shape()->add_dim();
    if (d < 0) dim->set_dim_param("N");
    else dim->set_dim_value(d);
  }
}

}  // namespace

OnnxGraph::OnnxGraph(std::string name) { graph_.set_name(std::move(name)); }

void OnnxGraph::AddInput(const std::string& name, const std::vector<int64_t>& dims) {
  SetShape(graph_.add_input(), name, dims);
}

void OnnxGraph::AddOutput(const std::string& name, const std::vector<int64_t>& dims) {
  SetShape(graph_.add_output(), name, dims);
}

std::string OnnxGraph::AddInitializer(const std::string& name, const at::Tensor& tensor) {
  const at::Tensor t = tensor.detach().to(at::kCPU, at::kFloat).contiguous();
  onnx::TensorProto* init = graph_.add_initializer();
  init->set_name(name);
  init->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : t.sizes()) init->add_dims(d);
  init->set_raw_data(std::string(static_cast<const char*>(t.data_ptr()), t.numel() * sizeof(float)));
  return name;
}

std::string OnnxGraph::AddInt64Initializer(const std::string& name, const std::vector<int64_t>& values) {
  onnx::TensorProto* init = graph_.add_initializer();
  init->set_name(name);
  init->set_data_type(onnx::TensorProto::INT64);
  init->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) init->add_int64_data(v);
  return name;
}

std::string OnnxGraph::AddNode(const std::string& op_type, const std::vector<std::string>& inputs,
                               const std::map<std::string, OnnxAttribute>& attributes) {
  const std::string output = absl::StrCat(op_type, "_", counts_[op_type]++);
  onnx::NodeProto* node = graph_.add_node();
  node->set_op_type(op_type);
  node->set_name(output);
  for (const std::string& in : inputs) node->add_input(in);
  node->add_output(output);
  for (const auto& [key, value] : attributes) {
    onnx::AttributeProto* a = node->add_attribute();
    a->set_name(key);
    if (const auto* i = std::get_if<int64_t>(&value)) {
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(*i);
    } else if (const auto* f = std::get_if<float>(&value)) {
      a->set_type(onnx::AttributeProto::FLOAT);
      a->set_f(*f);
    } else if (const auto* s = std::get_if<std::string>(&value)) {
      a->set_type(onnx::AttributeProto::STRING);
      a->set_s(*s);
    } else if (const auto* ints = std::get_if<std::vector<int64_t>>(&value)) {
      a->set_type(onnx::AttributeProto::INTS);
      for (int64_t v : *ints) a->add_ints(v);
    } else if (const auto* floats = std::get_if<std::vector<float>>(&value)) {
      a->set_type(onnx::AttributeProto::FLOATS);
      for (float v : *floats) a->add_floats(v);
    }
  }
  return output;
}

absl::StatusOr<onnx::ModelProto> OnnxGraph::Finish(const std::map<std::string, std::string>& metadata) const {
  onnx::ModelProto model;
  model.set_ir_version(onnx::IR_VERSION_2020_5_8);  // IR 7: what opset 13 came with.
  model.set_producer_name("facerec");
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  *model.mutable_graph() = graph_;
  for (const auto& [key, value] : metadata) {
    onnx::StringStringEntryProto* entry = model.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("the ONNX checker rejects the exported graph: ", e.what()));
  }
  return model;
}

absl::Status WriteOnnxModel(const onnx::ModelProto& model, const std::string& path) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary);
    if (!out || !model.SerializeToOstream(&out)) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path, ": ", error.message()));
  return absl::OkStatus();
}

}  // namespace facerec::exporting
