// facerec's recogniser from OpenCV alone: no facerec library, no LibTorch.
// Export it once, then compare two aligned face crops (the manifest's input
// contract: the face warped onto facerec's 5-point window):
//
//   tools/bazel run //tools:models -- export facerec-arcface --out=arcface.onnx
//   opencv_face_similarity arcface.onnx face_a.png face_b.png
//
// Prints the cosine similarity of the two faces; tools:models show
// facerec-arcface lists the threshold for each false-accept rate.
#include <cstdio>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

// The embedding of one crop: RGB in [0, 1] at the net's input size, plus the
// embedding of its mirror image (facerec.flip_test in the file's metadata),
// then unit length.
cv::Mat Embed(cv::dnn::Net& net, const cv::Mat& bgr, cv::Size input) {
  cv::Mat sum;
  for (bool mirrored : {false, true}) {
    cv::Mat face = bgr;
    if (mirrored) cv::flip(bgr, face, 1);
    // Scale to [0, 1], resize, BGR -> RGB, HWC -> NCHW.
    net.setInput(cv::dnn::blobFromImage(face, 1.0 / 255, input, cv::Scalar(), /*swapRB=*/true));
    cv::Mat e = net.forward().clone();
    sum = sum.empty() ? e : sum + e;
  }
  return sum / cv::norm(sum);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s RECOGNISER.onnx FACE_A FACE_B\n", argv[0]);
    return 2;
  }
  cv::dnn::Net net = cv::dnn::readNetFromONNX(argv[1]);
  const cv::Mat a = cv::imread(argv[2], cv::IMREAD_COLOR), b = cv::imread(argv[3], cv::IMREAD_COLOR);
  if (a.empty() || b.empty()) {
    std::fprintf(stderr, "cannot read %s\n", a.empty() ? argv[2] : argv[3]);
    return 2;
  }
  const cv::Size input(80, 96);  // facerec.input_size in the file's metadata: 96x80 (height x width).
  std::printf("%.4f\n", Embed(net, a, input).dot(Embed(net, b, input)));
  return 0;
}
