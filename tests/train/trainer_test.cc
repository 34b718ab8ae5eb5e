#include "facerec/train/trainer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <torch/torch.h>

#include "facerec/data/celeba.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/image.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "tests/testing/competing_process.h"
#include "tests/testing/test_data.h"
#include "facerec/losses/distillation.h"

namespace facerec::train {
namespace {

// 96 real CelebA-500 training crops of 8 identities.
const data::FaceImages& TinySet() {
  static const data::FaceImages* images = [] {
    auto celeba = data::LoadCeleba500(testing::DataRoot());
    CHECK(celeba.ok()) << celeba.status();
    std::vector<std::string> paths;
    std::vector<int> labels;
    for (const auto& [identity, rows] : celeba->ByIdentity(data::Split::kTrain)) {
      if (identity >= 8) break;
      for (size_t i = 0; i < rows.size() && i < 12; ++i) {
        paths.push_back(celeba->images[rows[i]].path);
        labels.push_back(identity);
      }
    }
    auto loaded = data::FaceImages::Load(paths, labels, data::kIdRateWindow, 2);
    CHECK(loaded.ok()) << loaded.status();
    return new data::FaceImages(std::move(*loaded));
  }();
  return *images;
}

struct TrainingSetup {
  backbones::Backbone backbone;
  losses::Loss loss;
  std::unique_ptr<data::BatchLoader> loader;
};

TrainingSetup MakeSetup(const std::string& loss_name, int workers) {
  torch::manual_seed(11);
  backbones::BackboneOptions b;
  b.name = "ir_mini";
  b.width_multiplier = 0.25;
  b.embedding_size = 32;
  b.input_height = 32;
  b.input_width = 28;
  b.stem_stride = 2;
  TrainingSetup s;
  s.backbone = *backbones::MakeBackbone(b);
  losses::LossOptions l;
  l.name = loss_name;
  l.num_classes = 8;
  l.embedding_size = 32;
  l.scale = 16;
  s.loss = *losses::MakeLoss(l);
  data::SamplerOptions sampler;
  sampler.batch_size = 16;
  data::AugmentOptions augment;
  augment.output_height = 32;
  augment.output_width = 28;
  s.loader = std::make_unique<data::BatchLoader>(&TinySet(), sampler, augment, 5, workers);
  return s;
}

TrainOptions TinyOptions(const std::string& checkpoint) {
  TrainOptions o;
  o.epochs = 3;
  o.lr = 0.05;
  o.warmup_epochs = 0.5;
  o.seed = 3;
  o.checkpoint_path = checkpoint;
  o.progress_interval_seconds = 1000;
  return o;
}

std::vector<torch::Tensor> Weights(const TrainingSetup& s) {
  std::vector<torch::Tensor> weights;
  for (const auto& p : s.backbone->parameters()) weights.push_back(p.detach().clone());
  for (const auto& b : s.backbone->buffers()) weights.push_back(b.detach().clone());
  for (const auto& p : s.loss->parameters()) weights.push_back(p.detach().clone());
  return weights;
}

void ExpectIdentical(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(torch::equal(a[i], b[i])) << "tensor " << i << " differs";
  }
}

std::string Fresh(const std::string& name) {
  const auto dir = testing::FreshTempDir(name);
  return (dir / "checkpoint.pt").string();
}

TEST(TrainerTest, SameConfigAndSeedGiveIdenticalWeights) {
  TrainingSetup first = MakeSetup("arcface", /*workers=*/1);
  ASSERT_TRUE(Trainer(first.backbone, first.loss, first.loader.get(), TinyOptions(""), nullptr)
                  .Train()
                  .ok());
  TrainingSetup second = MakeSetup("arcface", /*workers=*/3);  // Other worker count, same batches.
  ASSERT_TRUE(Trainer(second.backbone, second.loss, second.loader.get(), TinyOptions(""), nullptr)
                  .Train()
                  .ok());
  ExpectIdentical(Weights(first), Weights(second));
}

TEST(TrainerTest, KilledMidEpochAndResumedEndsWithTheSameWeights) {
  TrainingSetup uninterrupted = MakeSetup("ce", 2);
  ASSERT_TRUE(Trainer(uninterrupted.backbone, uninterrupted.loss, uninterrupted.loader.get(),
                      TinyOptions(Fresh("uninterrupted")), nullptr)
                  .Train()
                  .ok());

  const std::string checkpoint = Fresh("resumed");
  {
    TrainingSetup killed = MakeSetup("ce", 2);
    TrainOptions options = TinyOptions(checkpoint);
    options.stop_after_steps = 6 + 3;  // 6 steps per epoch: dies in the middle of epoch 2.
    const absl::Status status =
        Trainer(killed.backbone, killed.loss, killed.loader.get(), options, nullptr).Train();
    ASSERT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  }
  TrainingSetup resumed = MakeSetup("ce", 2);  // A new process: fresh weights, then the checkpoint.
  Trainer trainer(resumed.backbone, resumed.loss, resumed.loader.get(), TinyOptions(checkpoint),
                  nullptr);
  ASSERT_TRUE(trainer.Train().ok());
  EXPECT_EQ(trainer.start_epoch(), 1);
  ExpectIdentical(Weights(uninterrupted), Weights(resumed));
}

// A run's numbers depend only on its record: at a fixed thread count (2, as
// the default on these machines) a busy process beside the training changes
// nothing in the checkpoint, byte for byte. (Under the old thread governor the
// steps beside it ran on one thread, and the weights differed.)
TEST(TrainerTest, TrainingBesideABusyProcessWritesTheSameCheckpointBytesAsAlone) {
  const int threads_before = torch::get_num_threads();
  torch::set_num_threads(2);
  const auto train = [](const std::string& name) -> absl::StatusOr<std::string> {
    TrainingSetup s = MakeSetup("arcface", 2);
    TrainOptions options = TinyOptions(Fresh(name));
    options.epochs = 8;  // Seconds of training: long enough for anything that watched the load.
    FACEREC_RETURN_IF_ERROR(Trainer(s.backbone, s.loss, s.loader.get(), options, nullptr).Train());
    return ReadFileBytes(options.checkpoint_path);
  };
  const absl::StatusOr<std::string> alone = train("alone");
  absl::StatusOr<std::string> beside_busy = absl::UnknownError("not trained");
  {
    testing::CompetingProcess busy(testing::CompetingProcess::kBusy);
    beside_busy = train("beside_busy");
  }
  EXPECT_EQ(torch::get_num_threads(), 2);
  torch::set_num_threads(threads_before);
  ASSERT_TRUE(alone.ok()) << alone.status();
  ASSERT_TRUE(beside_busy.ok()) << beside_busy.status();
  ASSERT_GT(alone->size(), 1000u);
  EXPECT_EQ(alone->size(), beside_busy->size());
  EXPECT_TRUE(*alone == *beside_busy) << "the checkpoints' bytes differ";
}

// The checkpoint holds only what the numbers depend on; the training time
// (which differs between two runs of one record) lives beside it and still
// carries over a resume.
TEST(TrainerTest, TrainingTimeIsKeptBesideTheCheckpointNotInIt) {
  TrainingSetup s = MakeSetup("ce", 2);
  const std::string checkpoint = Fresh("seconds");
  Trainer trainer(s.backbone, s.loss, s.loader.get(), TinyOptions(checkpoint), nullptr);
  ASSERT_TRUE(trainer.Train().ok());
  const absl::StatusOr<std::string> seconds = ReadFileBytes(checkpoint + ".seconds");
  ASSERT_TRUE(seconds.ok()) << seconds.status();
  // Written at the last checkpoint, a moment before training ends.
  EXPECT_GT(std::stod(*seconds), 0);
  EXPECT_LE(std::stod(*seconds), trainer.seconds_training());
  torch::serialize::InputArchive archive;
  archive.load_from(checkpoint);
  torch::Tensor unused;
  EXPECT_FALSE(archive.try_read("seconds_training", unused));
}

// A run killed after an epoch's checkpoint but before its callback (its
// validation) finished gets that callback when resumed, and one resumed after
// the last epoch gets the last epoch's: what the sweep ranks a point by.
TEST(TrainerTest, ResumedRunCallsTheCheckpointsEpochCallbackAgainThenTheRest) {
  const std::string checkpoint = Fresh("callbacks");
  {
    TrainingSetup killed = MakeSetup("ce", 1);
    TrainOptions options = TinyOptions(checkpoint);
    options.stop_after_steps = 6 + 3;  // Dies in the middle of epoch 2.
    std::vector<int> seen;
    const absl::Status status = Trainer(killed.backbone, killed.loss, killed.loader.get(), options, nullptr)
                                    .Train([&](int epoch) {
                                      seen.push_back(epoch);
                                      return absl::OkStatus();
                                    });
    ASSERT_EQ(status.code(), absl::StatusCode::kAborted) << status;
    EXPECT_EQ(seen, std::vector<int>({0}));
  }
  std::vector<int> seen;
  auto record = [&](int epoch) {
    seen.push_back(epoch);
    return absl::OkStatus();
  };
  TrainingSetup resumed = MakeSetup("ce", 1);
  Trainer resuming(resumed.backbone, resumed.loss, resumed.loader.get(), TinyOptions(checkpoint), nullptr);
  ASSERT_TRUE(resuming.Train(record).ok());
  EXPECT_EQ(seen, std::vector<int>({0, 1, 2}));

  seen.clear();  // Started again after the last epoch: nothing to train, the last epoch's callback.
  TrainingSetup finished = MakeSetup("ce", 1);
  Trainer again(finished.backbone, finished.loss, finished.loader.get(), TinyOptions(checkpoint), nullptr);
  ASSERT_TRUE(again.Train(record).ok());
  EXPECT_EQ(again.start_epoch(), 3);
  EXPECT_EQ(seen, std::vector<int>({2}));
  ExpectIdentical(Weights(resumed), Weights(finished));
  // It trained nothing, but reports what its weights took: the killed and the
  // resumed process's training up to the last checkpoint, which the checkpoint
  // carries (the resumed process's own number also counts its work after it).
  EXPECT_GT(resuming.seconds_training(), 0);
  EXPECT_GT(again.seconds_training(), 0.5 * resuming.seconds_training());
  EXPECT_LE(again.seconds_training(), resuming.seconds_training() + 1.0);

  // A fresh run never calls back for an epoch it has not trained.
  seen.clear();
  TrainingSetup fresh = MakeSetup("ce", 1);
  ASSERT_TRUE(Trainer(fresh.backbone, fresh.loss, fresh.loader.get(), TinyOptions(Fresh("fresh")), nullptr)
                  .Train(record)
                  .ok());
  EXPECT_EQ(seen, std::vector<int>({0, 1, 2}));
}

// resume = false ignores a finished run's checkpoint: the same training from
// the start, the same weights; the old checkpoint is replaced, not resumed.
TEST(TrainerTest, ResumeFalseTrainsAfreshBesideAnOldCheckpoint) {
  const std::string checkpoint = Fresh("afresh");
  TrainingSetup first = MakeSetup("ce", 1);
  ASSERT_TRUE(Trainer(first.backbone, first.loss, first.loader.get(), TinyOptions(checkpoint), nullptr)
                  .Train()
                  .ok());
  TrainingSetup again = MakeSetup("ce", 1);
  TrainOptions options = TinyOptions(checkpoint);
  options.resume = false;
  options.stop_after_steps = 3;  // Killed in its first epoch: the old checkpoint must be gone already.
  EXPECT_EQ(Trainer(again.backbone, again.loss, again.loader.get(), options, nullptr).Train().code(),
            absl::StatusCode::kAborted);
  EXPECT_FALSE(std::filesystem::exists(checkpoint));

  TrainingSetup afresh = MakeSetup("ce", 1);
  options.stop_after_steps = 0;
  Trainer trainer(afresh.backbone, afresh.loss, afresh.loader.get(), options, nullptr);
  ASSERT_TRUE(trainer.Train().ok());
  EXPECT_EQ(trainer.start_epoch(), 0);
  ExpectIdentical(Weights(first), Weights(afresh));
}

TEST(TrainerTest, NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint) {
  const std::string checkpoint = Fresh("nan");
  TrainingSetup s = MakeSetup("ce", 1);
  TrainOptions options = TinyOptions(checkpoint);
  options.epochs = 1;
  ASSERT_TRUE(Trainer(s.backbone, s.loss, s.loader.get(), options, nullptr).Train().ok());
  const auto written = std::filesystem::last_write_time(checkpoint);
  // Now blow up: an absurd learning rate for a second epoch.
  options.epochs = 3;
  options.lr = 1e12;
  options.warmup_epochs = 0;
  const absl::Status status = Trainer(s.backbone, s.loss, s.loader.get(), options, nullptr).Train();
  ASSERT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("non-finite loss"), std::string::npos) << status;
  EXPECT_NE(status.message().find(checkpoint), std::string::npos) << status;
  EXPECT_EQ(std::filesystem::last_write_time(checkpoint), written);
}

TEST(TrainerTest, AdversarialTrainingWithZeroEpsilonIsCleanTraining) {
  TrainingSetup clean = MakeSetup("arcface", 1);
  ASSERT_TRUE(Trainer(clean.backbone, clean.loss, clean.loader.get(), TinyOptions(""), nullptr).Train().ok());
  TrainingSetup adversarial = MakeSetup("arcface", 1);
  TrainOptions options = TinyOptions("");
  options.adversarial_steps = 3;
  options.adversarial_epsilon = 0;
  ASSERT_TRUE(Trainer(adversarial.backbone, adversarial.loss, adversarial.loader.get(), options, nullptr)
                  .Train()
                  .ok());
  ExpectIdentical(Weights(clean), Weights(adversarial));
}

// The train/loss series of one epoch of `options` from MakeSetup's weights.
std::vector<double> EpochLosses(const std::string& loss_name, TrainOptions options) {
  auto store = tracking::ExperimentStore::Open(":memory:");
  CHECK(store.ok()) << store.status();
  tracking::RunOptions run_options;
  run_options.experiment = "trainer_test";
  auto run = tracking::Run::Start(store->get(), run_options);
  CHECK(run.ok()) << run.status();
  TrainingSetup s = MakeSetup(loss_name, 1);
  options.epochs = 1;
  options.lr = 1e-9;  // The weights stay put: every step's loss is the starting net's.
  options.warmup_epochs = 0;
  FACEREC_CHECK_OK(Trainer(s.backbone, s.loss, s.loader.get(), options, run->get()).Train());
  FACEREC_CHECK_OK((*run)->Flush());
  auto points = (*store)->GetMetrics((*run)->id(), "train/loss");
  CHECK(points.ok()) << points.status();
  std::vector<double> losses;
  for (const auto& p : *points) losses.push_back(p.value);
  return losses;
}

TEST(TrainerTest, AdversarialBatchesRaiseTheLossOfEveryStep) {
  for (const std::string loss : {"ce", "arcface"}) {
    const std::vector<double> clean = EpochLosses(loss, TinyOptions(""));
    TrainOptions options = TinyOptions("");
    options.adversarial_steps = 3;
    options.adversarial_epsilon = 8.0 / 255;
    const std::vector<double> adversarial = EpochLosses(loss, options);
    ASSERT_EQ(clean.size(), 6u);
    ASSERT_EQ(adversarial.size(), clean.size());
    for (size_t i = 0; i < clean.size(); ++i) {
      EXPECT_GT(adversarial[i], clean[i]) << loss << " step " << i;
    }
  }
}

TEST(TrainerTest, FineTuningStartsFromTheCheckpointsWeightsWithAFreshSchedule) {
  const std::string checkpoint = Fresh("pretrained");
  TrainingSetup pretrained = MakeSetup("ce", 1);
  TrainOptions first = TinyOptions(checkpoint);
  first.epochs = 1;
  ASSERT_TRUE(Trainer(pretrained.backbone, pretrained.loss, pretrained.loader.get(), first, nullptr).Train().ok());

  // Two runs of 2 epochs from the same starting weights: one loads them by
  // init_checkpoint_path into a freshly made net, the other is the
  // pretrained net itself.
  TrainOptions tune = TinyOptions("");
  tune.epochs = 2;
  tune.lr = 0.01;
  tune.warmup_epochs = 0;
  TrainingSetup reference = MakeSetup("ce", 1);
  {
    torch::NoGradGuard no_grad;
    const auto from = Weights(pretrained);
    auto params = reference.backbone->parameters();
    auto buffers = reference.backbone->buffers();
    auto head = reference.loss->parameters();
    size_t i = 0;
    for (auto& p : params) p.copy_(from[i++]);
    for (auto& b : buffers) b.copy_(from[i++]);
    for (auto& p : head) p.copy_(from[i++]);
  }
  Trainer reference_trainer(reference.backbone, reference.loss, reference.loader.get(), tune, nullptr);
  ASSERT_TRUE(reference_trainer.Train().ok());

  TrainingSetup tuned = MakeSetup("ce", 1);
  tune.init_checkpoint_path = checkpoint;
  Trainer tuned_trainer(tuned.backbone, tuned.loss, tuned.loader.get(), tune, nullptr);
  ASSERT_TRUE(tuned_trainer.Train().ok());
  EXPECT_EQ(tuned_trainer.start_epoch(), 0);
  ExpectIdentical(Weights(reference), Weights(tuned));

  tune.init_checkpoint_path = checkpoint + ".missing";
  TrainingSetup missing = MakeSetup("ce", 1);
  const absl::Status status = Trainer(missing.backbone, missing.loss, missing.loader.get(), tune, nullptr).Train();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find(".missing"), std::string::npos) << status;
}

// The relational term between the net's embeddings of every TinySet image
// (no augmentation) and `teacher`'s rows.
double RelationalTermOverTheSet(backbones::BackboneImpl& net, const torch::Tensor& teacher) {
  torch::NoGradGuard no_grad;
  net.eval();
  data::AugmentOptions plain;
  plain.enabled = false;
  plain.output_height = 32;
  plain.output_width = 28;
  std::vector<torch::Tensor> crops;
  for (size_t i = 0; i < TinySet().size(); ++i) crops.push_back(data::Transform(TinySet().image(i), plain, nullptr));
  return losses::RelationalDistillationTerm(net.forward(torch::stack(crops)), teacher).item<double>();
}

TEST(TrainerTest, DistillationBringsTheStudentsSimilaritiesTowardsTheTeachers) {
  // A teacher that puts each image in one of 4 random groups (one direction
  // each, a little noise), unrelated to who is in it.
  torch::manual_seed(21);
  const int64_t n = static_cast<int64_t>(TinySet().size());
  const torch::Tensor groups = torch::randint(0, 4, {n}, torch::kInt64);
  const torch::Tensor teacher = torch::eye(12).index_select(0, groups) + 0.1 * torch::randn({n, 12});
  auto term_after = [&](double weight) {
    TrainingSetup s = MakeSetup("arcface", 1);
    losses::DistillationOptions options;
    options.kind = "relational";
    options.weight = weight;
    s.loss = *losses::MakeDistilledLoss(s.loss, teacher, 32, options);
    TrainOptions train = TinyOptions("");
    train.epochs = 8;
    Trainer trainer(s.backbone, s.loss, s.loader.get(), train, nullptr);
    EXPECT_TRUE(trainer.Train().ok());
    return RelationalTermOverTheSet(*s.backbone, teacher);
  };
  const double plain = term_after(0), distilled = term_after(50);
  EXPECT_LT(distilled, 0.75 * plain) << "without distillation " << plain << ", with " << distilled;
}

// Arcface that keeps the rows the trainer gives it.
class RowRecordingLoss : public losses::LossImpl {
 public:
  explicit RowRecordingLoss(losses::Loss base) : base_(register_module("base", std::move(base))) {}
  losses::LossOutput forward(const torch::Tensor& embeddings, const torch::Tensor& labels) override {
    return base_->forward(embeddings, labels);
  }
  losses::LossOutput ForwardRows(const torch::Tensor& embeddings, const torch::Tensor& labels,
                                 const torch::Tensor& rows) override {
    rows_.push_back(rows.clone());
    return base_->forward(embeddings, labels);
  }
  std::vector<torch::Tensor> rows_;

 private:
  losses::Loss base_;
};

TEST(TrainerTest, EveryStepHandsTheLossTheRowsItsBatchWasDrawnFrom) {
  TrainingSetup s = MakeSetup("arcface", 2);
  auto recording = std::make_shared<RowRecordingLoss>(s.loss);
  TrainOptions options = TinyOptions("");
  options.epochs = 2;
  Trainer trainer(s.backbone, recording, s.loader.get(), options, nullptr);
  ASSERT_TRUE(trainer.Train().ok());
  const int64_t steps = s.loader->BatchesPerEpoch();
  ASSERT_EQ(static_cast<int64_t>(recording->rows_.size()), 2 * steps);
  data::SamplerOptions sampler;
  sampler.batch_size = 16;
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    for (int64_t b = 0; b < steps; ++b) {
      const std::vector<size_t> drawn = data::SampleBatch(TinySet().labels(), sampler, 5, epoch, b);
      const torch::Tensor& rows = recording->rows_[epoch * steps + b];
      ASSERT_EQ(rows.size(0), static_cast<int64_t>(drawn.size()));
      for (size_t r = 0; r < drawn.size(); ++r) {
        EXPECT_EQ(rows[r].item<int64_t>(), static_cast<int64_t>(drawn[r])) << "epoch " << epoch << " step " << b;
      }
    }
  }
}

TEST(TrainerTest, AdversarialOptionsOutOfRangeAreRejectedByName) {
  TrainOptions o = TinyOptions("");
  o.adversarial_steps = -1;
  EXPECT_NE(ValidateTrainOptions(o).message().find("adversarial_steps=-1"), std::string::npos);
  o.adversarial_steps = 3;
  o.adversarial_epsilon = 2;
  EXPECT_NE(ValidateTrainOptions(o).message().find("adversarial_epsilon=2"), std::string::npos);
}

TEST(LearningRateTest, WarmupCosineAndSteps) {
  TrainOptions o;
  o.lr = 1.0;
  o.epochs = 10;
  o.warmup_epochs = 1;
  EXPECT_DOUBLE_EQ(LearningRate(o, 0, 100), 0.01);
  EXPECT_DOUBLE_EQ(LearningRate(o, 99, 100), 1.0);
  EXPECT_NEAR(LearningRate(o, 100, 100), 1.0, 1e-12);
  EXPECT_NEAR(LearningRate(o, 550, 100), 0.5, 1e-12);  // Half-way through the cosine.
  EXPECT_NEAR(LearningRate(o, 999, 100), 0.0, 1e-3);
  o.schedule = Schedule::kStep;
  o.step_milestones = {5, 8};
  EXPECT_DOUBLE_EQ(LearningRate(o, 450, 100), 1.0);
  EXPECT_DOUBLE_EQ(LearningRate(o, 500, 100), 0.1);
  EXPECT_NEAR(LearningRate(o, 850, 100), 0.01, 1e-15);
}

}  // namespace
}  // namespace facerec::train
