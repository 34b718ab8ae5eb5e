// identify: for every face in the given photos, the best-matching person of
// a gallery (tools:enroll) and the score, or "unknown" when the score is
// under the threshold that makes the recogniser accept a stranger at rate
// --far: taken from that recogniser's recorded celebA_ir identification-rate
// evaluation in the store, or for a registered model without its run there
// (a shipped one) from the registry's threshold table
// (pipeline/model_choice.h RecogniserThreshold), unless --threshold sets it.
// --calibration measures the threshold on your own kind of photos instead
// (pipeline/calibration.h): --fpir, the share of strangers named as somebody
// of this gallery, or --far per pair.
// The gallery's own recogniser is used (by sha256); another one given with
// --embedding_model is refused.
//
//   tools/bazel run //tools:identify -- --gallery=people.gallery photo1.jpg photo2.jpg
//   tools/bazel run //tools:identify -- --gallery=people.gallery --list=photos.txt --json
//
//   tools/bazel run //tools:identify -- --gallery=people.gallery --calibration=folder:others --fpir=0.01 photo.jpg
//
// Output, one line per face: "<photo>\t<x>,<y>,<w>,<h>\t<name or unknown>\t<score>\t<best name>",
// or with --json one object per photo: {"photo":..., "faces":[{"box":[x,y,w,h],
// "name":..., "score":..., "best":...}], "error":...}. Unreadable and faceless photos
// get a line (and a message on stderr) and the rest still run.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "facerec/chain/face_chain.h"
#include "facerec/chain/gallery.h"
#include "facerec/core/data_root.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/process.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/text_file.h"
#include "facerec/pipeline/calibration.h"
#include "facerec/pipeline/face_cache.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/pipeline/recognition_datasets.h"
#include "gflags/gflags.h"
#include "nlohmann/json.hpp"
#include "tools/chain_flags.h"

DEFINE_string(gallery, "people.gallery", "Gallery file (tools:enroll); relative to the workspace root.");
DEFINE_string(list, "", "File with one photo per line (absolute, or relative to the list's directory); "
              "photos may also follow the flags.");
DEFINE_double(far, 1e-3,
              "Per-pair false-accept rate the unknown threshold is chosen for: how often one stranger's photo "
              "outscores it against one person. Against a gallery of N people a stranger gets N tries, so the "
              "share of strangers named grows with N; --fpir bounds that share instead.");
DEFINE_double(fpir, 0,
              "The share of strangers' photos that may be named as somebody of this gallery (false-positive "
              "identification rate, Cheng et al. 3.2.3): what a user of identify usually wants. Needs "
              "--calibration=folder:DIR|list:FILE with photos of people not enrolled (enrolled names are left "
              "out). 0: use --far.");
DEFINE_string(calibration, "",
              "Where the threshold is measured: folder:DIR or list:FILE (photos of your kind of people, "
              "relative to the workspace; through this chain, crops cached in --face_cache), or run:UID (an "
              "experiments:evaluate_pipeline --dataset run of the gallery's recogniser; --far only). Empty: "
              "the recogniser's celebA_ir evaluation (or the shipped model's table), --far only.");
DEFINE_bool(calibration_aligned, false, "The --calibration photos are aligned crops (see --aligned of the experiments).");
DEFINE_string(face_cache, facerec::pipeline::kDefaultFaceCache, "Face crop cache for --calibration photos.");
DEFINE_double(threshold, std::numeric_limits<double>::quiet_NaN(),
              "Cosine score below which a face is unknown; default: from --far.");
DEFINE_bool(json, false, "One JSON object per photo instead of tab-separated lines.");
DEFINE_string(annotated_dir, "", "Also write each photo with boxes and names drawn here; empty = none.");

namespace facerec {
namespace {

// Keys in the order written: photo first, as a reader scans the lines.
using Json = nlohmann::ordered_json;

// One line of --json output. Invalid UTF-8 in a file name is replaced, not thrown.
void PrintJsonLine(const Json& line) {
  std::printf("%s\n", line.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
}

// Rounded to `digits` decimals (0.1 px, 1e-4 of a score), as the nearest
// double to the decimal, which JSON then prints as that decimal.
double Rounded(double value, int digits) { return std::stod(absl::StrFormat("%.*f", digits, value)); }

struct Photo {
  std::string shown;  // As given.
  std::filesystem::path path;
};

absl::StatusOr<std::vector<Photo>> Photos(const std::vector<std::string>& args) {
  std::vector<Photo> photos;
  for (const std::string& a : args) photos.push_back({a, ResolveAgainstWorkspace(a)});
  if (!FLAGS_list.empty()) {
    const std::filesystem::path list = ResolveAgainstWorkspace(FLAGS_list);
    FACEREC_ASSIGN_OR_RETURN(const std::vector<data::Line> lines, data::ReadLines(list.string()));
    for (const data::Line& line : lines) {
      const std::filesystem::path p(line.text);
      photos.push_back({line.text, p.is_absolute() ? p : list.parent_path() / p});
    }
  }
  if (photos.empty()) return absl::InvalidArgumentError("no photos: give them after the flags or with --list");
  return photos;
}

// The threshold from --calibration, for --fpir or --far; `source` says how.
absl::StatusOr<double> CalibratedThreshold(const chain::FaceChainOptions& options, chain::FaceChain& chain,
                                           const chain::Gallery& gallery,
                                           std::unique_ptr<tracking::ExperimentStore>* store, std::string* source) {
  if (absl::StartsWith(FLAGS_calibration, "run:")) {
    if (FLAGS_fpir > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--fpir needs photos to measure strangers against this gallery; --calibration=",
                       FLAGS_calibration, " holds per-pair thresholds only (use --far, or a folder: or list:)"));
    }
    if (*store == nullptr) {
      FACEREC_ASSIGN_OR_RETURN(*store, tools::OpenStoreFromFlags());
    }
    absl::StatusOr<double> t = pipeline::RunThresholdAtFar(**store, FLAGS_calibration.substr(4),
                                                           gallery.recogniser_sha256(), FLAGS_far);
    if (!t.ok()) return absl::Status(t.status().code(), absl::StrCat("--calibration: ", t.status().message()));
    *source = absl::StrCat("FAR ", FLAGS_far, " calibrated by ", FLAGS_calibration);
    return *t;
  }
  absl::StatusOr<pipeline::DatasetSpec> spec = pipeline::ParseDatasetSpec(FLAGS_calibration);
  if (!spec.ok() || spec->builtin()) {
    return absl::InvalidArgumentError(absl::StrCat("--calibration=", FLAGS_calibration,
                                                   ": allowed: folder:DIR, list:FILE, run:UID"));
  }
  pipeline::DatasetOptions dataset;
  dataset.dataset = *spec;
  dataset.dataset.location = ResolveAgainstWorkspace(spec->location).string();
  dataset.aligned = FLAGS_calibration_aligned;
  dataset.chain = options;
  dataset.face_cache = ResolveAgainstWorkspace(FLAGS_face_cache);
  absl::StatusOr<pipeline::CalibrationSet> set = pipeline::EmbedCalibrationSet(dataset, chain.embedder());
  if (!set.ok()) return absl::Status(set.status().code(), absl::StrCat("--calibration: ", set.status().message()));
  if (FLAGS_fpir > 0) {
    absl::StatusOr<pipeline::GalleryCalibration> c = pipeline::GalleryThresholdAtFpir(*set, gallery, FLAGS_fpir);
    if (!c.ok()) return absl::Status(c.status().code(), absl::StrCat("--fpir: ", c.status().message()));
    *source = absl::StrFormat("FPIR %g against these %d people, calibrated on %d photos of others in %s (%d accepted)",
                              FLAGS_fpir, gallery.size(), c->strangers, set->name, c->accepted);
    return c->threshold;
  }
  const pipeline::CalibrationSet strangers = pipeline::WithoutPersons(*set, gallery.names());
  absl::StatusOr<double> t = pipeline::PairThresholdAtFar(strangers, FLAGS_far);
  if (!t.ok()) return absl::Status(t.status().code(), absl::StrCat("--far: ", t.status().message()));
  *source = absl::StrFormat("FAR %g per pair, calibrated on %d photos in %s", FLAGS_far, strangers.persons.size(),
                            set->name);
  return *t;
}

absl::Status Main(const std::vector<std::string>& args) {
  if (!(FLAGS_far > 0 && FLAGS_far < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("--far=", FLAGS_far, ": must be in (0, 1)"));
  }
  if (!(FLAGS_fpir >= 0 && FLAGS_fpir < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("--fpir=", FLAGS_fpir, ": must be in [0, 1) (0: use --far)"));
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Photo> photos, Photos(args));
  absl::StatusOr<chain::Gallery> gallery = chain::Gallery::Load(ResolveAgainstWorkspace(FLAGS_gallery).string());
  if (!gallery.ok()) {
    return absl::Status(gallery.status().code(),
                        absl::StrCat("--gallery=", FLAGS_gallery, ": ", gallery.status().message()));
  }
  std::unique_ptr<tracking::ExperimentStore> store;
  FACEREC_ASSIGN_OR_RETURN(const chain::FaceChainOptions options,
                           tools::ChainOptionsFromFlags(&store, gallery->recogniser_sha256()));
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<chain::FaceChain> chain, chain::FaceChain::Create(options));
  FACEREC_RETURN_IF_ERROR(gallery->CheckRecogniser(chain->embedder().model_sha256()));
  double threshold = FLAGS_threshold;
  std::string threshold_source = absl::StrCat("FAR ", FLAGS_far, " on the recogniser's celebA_ir evaluation");
  if (!std::isnan(threshold)) {
    threshold_source = "--threshold";
  } else if (!FLAGS_calibration.empty()) {
    FACEREC_ASSIGN_OR_RETURN(threshold, CalibratedThreshold(options, *chain, *gallery, &store, &threshold_source));
  } else if (FLAGS_fpir > 0) {
    return absl::InvalidArgumentError(absl::StrCat("--fpir=", FLAGS_fpir, " needs --calibration=folder:DIR or "
                                                   "list:FILE: photos of people not in the gallery to measure it on"));
  } else {
    if (store == nullptr) {
      FACEREC_ASSIGN_OR_RETURN(store, tools::OpenStoreFromFlags());
    }
    absl::StatusOr<double> t = pipeline::RecogniserThreshold(*store, gallery->recogniser_sha256(), FLAGS_far);
    if (!t.ok()) return absl::Status(t.status().code(), absl::StrCat("--far=", FLAGS_far, ": ", t.status().message()));
    threshold = *t;
  }
  const std::filesystem::path annotated =
      FLAGS_annotated_dir.empty() ? std::filesystem::path() : ResolveAgainstWorkspace(FLAGS_annotated_dir);
  if (!annotated.empty()) std::filesystem::create_directories(annotated);
  int faces_total = 0, known = 0, problems = 0;
  for (const Photo& p : photos) {
    cv::Mat photo = cv::imread(p.path.string(), cv::IMREAD_COLOR);
    if (photo.empty()) {
      std::fprintf(stderr, "identify: %s: cannot be read as an image; skipped\n", p.shown.c_str());
      if (FLAGS_json) PrintJsonLine({{"photo", p.shown}, {"faces", Json::array()}, {"error", "unreadable"}});
      else std::printf("%s\tunreadable\n", p.shown.c_str());
      ++problems;
      continue;
    }
    FACEREC_ASSIGN_OR_RETURN(const std::vector<chain::ChainFace> faces, chain->Process(photo));
    if (faces.empty()) {
      std::fprintf(stderr, "identify: %s: no face found\n", p.shown.c_str());
      ++problems;
    }
    Json json_faces = Json::array();
    for (const chain::ChainFace& f : faces) {
      const chain::GalleryMatch m = gallery->BestMatch(f.embedding);
      const bool is_known = m.score >= threshold;
      const std::string name = is_known ? m.name : "unknown";
      const data::FaceBox& b = f.detection.box;
      ++faces_total;
      known += is_known;
      if (FLAGS_json) {
        json_faces.push_back({{"box", {Rounded(b.x, 1), Rounded(b.y, 1), Rounded(b.width, 1), Rounded(b.height, 1)}},
                              {"name", name},
                              {"score", Rounded(m.score, 4)},
                              {"best", m.name}});
      } else {
        std::printf("%s\t%.0f,%.0f,%.0f,%.0f\t%s\t%.4f\t%s\n", p.shown.c_str(), b.x, b.y, b.width,
                    b.height, name.c_str(), m.score, m.name.c_str());
      }
      if (!annotated.empty()) {
        const cv::Scalar colour = is_known ? cv::Scalar(0, 200, 0) : cv::Scalar(0, 0, 255);
        cv::rectangle(photo, cv::Rect2d(b.x, b.y, b.width, b.height), colour, 2);
        cv::putText(photo, absl::StrFormat("%s %.2f", name, m.score), cv::Point(b.x, b.y - 4),
                    cv::FONT_HERSHEY_SIMPLEX, 0.5, colour, 1);
      }
    }
    if (FLAGS_json) {
      Json line = {{"photo", p.shown}, {"faces", json_faces}};
      if (faces.empty()) line["error"] = "no face";
      PrintJsonLine(line);
    } else if (faces.empty()) {
      std::printf("%s\tno face\n", p.shown.c_str());
    }
    if (!annotated.empty()) {
      const std::filesystem::path drawn = annotated / (p.path.stem().string() + ".jpg");
      bool written = false;
      try {
        written = cv::imwrite(drawn.string(), photo);
      } catch (const cv::Exception&) {
      }
      if (!written) std::fprintf(stderr, "identify: %s: cannot be written\n", drawn.c_str());
    }
  }
  std::fflush(stdout);
  std::fprintf(stderr, "identify: %zu photos, %d faces, %d known (threshold %.4f: %s), %d photos unreadable or faceless\n",
               photos.size(), faces_total, known, threshold, threshold_source.c_str(), problems);
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  facerec::InitProcess(&argc, &argv,
                       "Names the faces in photos from a gallery (tools:enroll).\n"
                       "Usage: identify --gallery=FILE [--far=1e-3] [--json] PHOTO... | --list=FILE");
  const std::vector<std::string> args(argv + 1, argv + argc);
  return facerec::ReportToolOutcome("identify", facerec::Main(args));
}
