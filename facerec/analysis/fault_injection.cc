#include "facerec/analysis/fault_injection.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/image.h"

namespace facerec::analysis {

const char* InjectedFaultName(InjectedFault fault) {
  switch (fault) {
    case InjectedFault::kNone:
      return "clean";
    case InjectedFault::kSwap:
      return "swap";
    case InjectedFault::kExactDuplicate:
      return "exact_duplicate";
    case InjectedFault::kNearDuplicate:
      return "near_duplicate";
    case InjectedFault::kJunk:
      return "junk";
  }
  return "?";
}

namespace {

std::string EncodeJpeg(const cv::Mat& rgb, int quality) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> bytes;
  cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
  return std::string(bytes.begin(), bytes.end());
}

int64_t CountOf(double rate, int64_t n) { return static_cast<int64_t>(std::llround(rate * n)); }

const char* kSplits[] = {"train", "val", "test"};

}  // namespace

absl::StatusOr<InjectedSet> InjectFaults(const std::vector<TrashItem>& clean,
                                         const std::vector<BackgroundPhoto>& backgrounds,
                                         const FaultInjectionOptions& options) {
  for (const auto& [name, rate] : {std::pair{"swap_rate", options.swap_rate},
                                   std::pair{"exact_duplicate_rate", options.exact_duplicate_rate},
                                   std::pair{"near_duplicate_rate", options.near_duplicate_rate},
                                   std::pair{"junk_rate", options.junk_rate}}) {
    if (!(rate >= 0 && rate < 1)) return absl::InvalidArgumentError(absl::StrCat(name, "=", rate, ": must be in [0, 1)"));
  }
  if (clean.empty()) return absl::InvalidArgumentError("no images to inject faults into");
  std::vector<int> identities;
  for (const TrashItem& item : clean) {
    if (item.identity >= 0) identities.push_back(item.identity);
  }
  std::sort(identities.begin(), identities.end());
  identities.erase(std::unique(identities.begin(), identities.end()), identities.end());
  if (identities.size() < 2) return absl::InvalidArgumentError("fault injection needs at least two identities");
  const int64_t n = static_cast<int64_t>(clean.size());
  const int64_t junk = CountOf(options.junk_rate, n);
  if (junk > 0 && backgrounds.empty()) return absl::InvalidArgumentError("junk asked for but no background photos");

  std::mt19937_64 rng(options.seed);
  InjectedSet set;
  set.items = clean;
  set.originals = n;
  set.fault.assign(n, InjectedFault::kNone);
  set.source.assign(n, -1);
  set.change.assign(n, "");
  const auto random_identity = [&] { return identities[rng() % identities.size()]; };
  const auto append = [&](TrashItem item, InjectedFault fault, int64_t source, std::string change) {
    item.split = kSplits[rng() % 3];
    set.items.push_back(std::move(item));
    set.fault.push_back(fault);
    set.source.push_back(source);
    set.change.push_back(std::move(change));
  };

  // Swaps: distinct labelled originals.
  std::vector<int64_t> labelled;
  for (int64_t i = 0; i < n; ++i) {
    if (clean[i].identity >= 0) labelled.push_back(i);
  }
  std::shuffle(labelled.begin(), labelled.end(), rng);
  const int64_t swaps = std::min<int64_t>(CountOf(options.swap_rate, n), labelled.size());
  for (int64_t s = 0; s < swaps; ++s) {
    TrashItem& item = set.items[labelled[s]];
    int other = item.identity;
    while (other == item.identity) other = random_identity();
    set.change[labelled[s]] = absl::StrCat("was ", item.identity);
    item.identity = other;
    set.fault[labelled[s]] = InjectedFault::kSwap;
  }
  // Copies come from the originals as they were (a copy of a swapped image keeps the clean label).
  for (int64_t c = 0; c < CountOf(options.exact_duplicate_rate, n); ++c) {
    const int64_t source = static_cast<int64_t>(rng() % n);
    append(clean[source], InjectedFault::kExactDuplicate, source, "same bytes");
  }
  for (int64_t c = 0; c < CountOf(options.near_duplicate_rate, n); ++c) {
    const int64_t source = static_cast<int64_t>(rng() % n);
    FACEREC_ASSIGN_OR_RETURN(cv::Mat rgb, data::DecodeRgbImage(clean[source].bytes, clean[source].file));
    std::string change;
    int quality = 90;
    switch (rng() % 3) {
      case 0:
        quality = 30 + static_cast<int>(rng() % 41);
        change = absl::StrCat("jpeg q", quality);
        break;
      case 1: {
        const double scale = 0.5 + 0.3 * (rng() % 1001) / 1000.0;
        cv::resize(rgb, rgb, cv::Size(), scale, scale, cv::INTER_AREA);
        change = absl::StrFormat("resized %.2f", scale);
        break;
      }
      default: {
        const double share = 0.02 + 0.02 * (rng() % 1001) / 1000.0;
        const int dx = std::max(1, static_cast<int>(rgb.cols * share));
        const int dy = std::max(1, static_cast<int>(rgb.rows * share));
        rgb = rgb(cv::Rect(dx, dy, rgb.cols - 2 * dx, rgb.rows - 2 * dy)).clone();
        change = absl::StrFormat("cropped %.1f%%", 100 * share);
        break;
      }
    }
    TrashItem copy = clean[source];
    copy.file = absl::StrCat("injected/near_", c, ".jpg");
    copy.bytes = EncodeJpeg(rgb, quality);
    append(std::move(copy), InjectedFault::kNearDuplicate, source, change);
  }
  for (int64_t j = 0; j < junk; ++j) {
    cv::Mat rgb;
    std::string origin;
    if (j % 2 == 0) {
      // A face-free square of a detection photo, 15-40 % of its short side.
      for (int attempt = 0; attempt < 200 && rgb.empty(); ++attempt) {
        const BackgroundPhoto& photo = backgrounds[rng() % backgrounds.size()];
        const int short_side = std::min(photo.rgb.cols, photo.rgb.rows);
        const int side = std::max(24, static_cast<int>(short_side * (0.15 + 0.25 * (rng() % 1001) / 1000.0)));
        if (side >= photo.rgb.cols || side >= photo.rgb.rows) continue;
        const cv::Rect r(static_cast<int>(rng() % (photo.rgb.cols - side)),
                         static_cast<int>(rng() % (photo.rgb.rows - side)), side, side);
        bool overlaps = false;
        for (const cv::Rect& face : photo.faces) overlaps |= (r & face).area() > 0;
        if (overlaps) continue;
        cv::resize(photo.rgb(r), rgb, options.frame, 0, 0, cv::INTER_AREA);
        origin = "background crop";
      }
    }
    if (rgb.empty()) {
      // Smooth colour noise: blobs at a random scale, nothing face-like.
      cv::Mat small(4 + static_cast<int>(rng() % 12), 4 + static_cast<int>(rng() % 12), CV_8UC3);
      for (int y = 0; y < small.rows; ++y) {
        for (int x = 0; x < small.cols; ++x) small.at<cv::Vec3b>(y, x) = cv::Vec3b(rng() % 256, rng() % 256, rng() % 256);
      }
      cv::resize(small, rgb, options.frame, 0, 0, cv::INTER_CUBIC);
      origin = "synthetic noise";
    }
    TrashItem item;
    item.file = absl::StrCat("injected/junk_", j, ".jpg");
    item.identity = random_identity();
    item.bytes = EncodeJpeg(rgb, 90);
    append(std::move(item), InjectedFault::kJunk, -1, origin);
  }
  return set;
}

double RocAuc(const std::vector<double>& score, const std::vector<bool>& positive) {
  std::vector<size_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  double positives = 0, negatives = 0, rank_sum = 0;
  for (size_t start = 0; start < order.size();) {
    size_t end = start;
    while (end < order.size() && score[order[end]] == score[order[start]]) ++end;
    const double rank = (start + 1 + end) / 2.0;
    for (size_t m = start; m < end; ++m) {
      if (positive[order[m]]) {
        rank_sum += rank;
        ++positives;
      } else {
        ++negatives;
      }
    }
    start = end;
  }
  if (positives == 0 || negatives == 0) return 0.5;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

namespace {

FaultScore Score(InjectedFault kind, const std::vector<double>& score, const std::vector<bool>& injected,
                 const std::vector<bool>& flagged, const std::vector<bool>& found) {
  FaultScore s;
  s.kind = kind;
  std::vector<size_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });
  for (size_t i = 0; i < score.size(); ++i) {
    s.injected += injected[i];
    s.flagged += flagged[i];
    s.found += found[i];
  }
  int64_t top = 0;
  for (int64_t k = 0; k < s.injected; ++k) top += injected[order[k]];
  s.precision_at_k = s.injected ? static_cast<double>(top) / s.injected : 0;
  s.recall = s.injected ? static_cast<double>(s.found) / s.injected : 0;
  s.precision = s.flagged ? static_cast<double>(s.found) / s.flagged : 1;
  s.roc_auc = RocAuc(score, injected);
  return s;
}

}  // namespace

std::vector<FaultScore> ScoreInjection(const InjectedSet& set, const TrashReport& report) {
  const int64_t n = static_cast<int64_t>(set.items.size());
  std::vector<FaultScore> out;
  // Swaps, over the originals.
  {
    std::vector<double> score;
    std::vector<bool> injected, flagged, found;
    for (int64_t i = 0; i < set.originals; ++i) {
      score.push_back(report.wrong_identity_score[i]);
      injected.push_back(set.fault[i] == InjectedFault::kSwap);
      flagged.push_back(report.wrong_identity_flagged[i]);
      found.push_back(injected.back() && flagged.back());
    }
    FaultScore s = Score(InjectedFault::kSwap, score, injected, flagged, found);
    if (s.injected > 0) out.push_back(s);
  }
  // Duplicates, over the appended items.
  for (const auto& [fault, kind] : {std::pair{InjectedFault::kExactDuplicate, DuplicateKind::kExact},
                                    std::pair{InjectedFault::kNearDuplicate, DuplicateKind::kNear}}) {
    std::vector<double> best(n, 0);
    std::vector<bool> flagged(n, false), joined(n, false);
    int64_t own = 0;
    // The originals' own duplicates: a copy joined to its source's twin is joined to its picture.
    std::set<std::pair<int64_t, int64_t>> twins;
    for (const DuplicatePair& p : report.duplicates) {
      if (p.second < set.originals) twins.insert({p.first, p.second});
    }
    const auto same_picture = [&](int64_t a, int64_t b) {
      return a == b || twins.count({std::min(a, b), std::max(a, b)}) > 0;
    };
    for (const DuplicatePair& p : report.duplicates) {
      if (p.kind != kind) continue;
      if (p.second < set.originals) {
        ++own;
        continue;
      }
      const double score = kind == DuplicateKind::kExact ? 1.0 : 1.0 - p.hamming / 64.0;
      // Injected items sit after the originals: the appended one is always `second`,
      // unless both are appended (two copies of one source, also a true pair).
      for (int64_t item : {p.second, p.first}) {
        if (item < set.originals) continue;
        best[item] = std::max(best[item], score);
        flagged[item] = true;
        const int64_t other = item == p.second ? p.first : p.second;
        const int64_t picture = other < set.originals ? other : set.source[other];
        if (set.source[item] >= 0 && picture >= 0 && same_picture(picture, set.source[item])) {
          joined[item] = true;
        }
      }
    }
    std::vector<double> score;
    std::vector<bool> injected, flagged_items, found;
    for (int64_t i = set.originals; i < n; ++i) {
      score.push_back(best[i]);
      injected.push_back(set.fault[i] == fault);
      flagged_items.push_back(flagged[i]);
      found.push_back(injected.back() && joined[i]);
    }
    FaultScore s = Score(fault, score, injected, flagged_items, found);
    s.own_duplicate_pairs = own;
    if (s.injected > 0) out.push_back(s);
  }
  // Junk, over every item.
  {
    std::vector<bool> flagged(n, false);
    for (const Suspect& s : report.suspects) {
      if (s.kind == TrashKind::kUnusable) flagged[s.item] = true;
    }
    std::vector<bool> injected(n), found(n);
    for (int64_t i = 0; i < n; ++i) {
      injected[i] = set.fault[i] == InjectedFault::kJunk;
      found[i] = injected[i] && flagged[i];
    }
    FaultScore s = Score(InjectedFault::kJunk, report.unusable_score, injected, flagged, found);
    if (s.injected > 0) out.push_back(s);
  }
  return out;
}

}  // namespace facerec::analysis
