// Results section: adversarial training: clean vs robust.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <optional>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"
#include "tools/markdown_table.h"
#include "tools/results_table.h"
#include "tools/results_table/common.h"

namespace facerec::tools {

using tracking::ExperimentStore;

absl::StatusOr<std::string> DefenceMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<CompareLossesRun> runs, FinishedCompareLossesRuns(store));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<AttackRun> attacks, NewestAttackRuns(store, "attack/epsilon_255"));
  const auto attack_of = [&](const tracking::RunRecord& run) -> const AttackRun* {
    for (const AttackRun& a : attacks) {
      if (a.param("embedding_run_uid") == run.uid) return &a;
    }
    return nullptr;
  };
  const std::vector<double> radii = {0, 2, 4, 8};  // ε 0: the clean error at the threshold.
  std::string md;
  for (const CompareLossesRun& adversarial : runs) {
    const std::string steps = adversarial.param("adversarial_steps");
    const std::string start_uid = adversarial.param("finetune_from_run");
    if (steps.empty() || steps == "0" || start_uid.empty()) continue;
    std::vector<std::pair<std::string, const CompareLossesRun*>> rows;
    for (const CompareLossesRun& r : runs) {
      if (r.run.uid == start_uid) rows.push_back({"started from", &r});
    }
    for (const CompareLossesRun& r : runs) {  // Newest first: the first match is the newest.
      if (r.param("finetune_from_run") == start_uid && r.param("adversarial_steps") == "0" &&
          r.param("epochs") == adversarial.param("epochs") && r.param("lr") == adversarial.param("lr")) {
        rows.push_back({"fine-tuned clean (control)", &r});
        break;
      }
    }
    rows.push_back({absl::StrCat("PGD-trained (", steps, " steps, ε ", adversarial.param("adversarial_epsilon"), ")"),
                    &adversarial});
    if (md.empty()) {
      md =
          "Adversarial training as a defence: a trained recogniser fine-tuned on PGD images of its training "
          "batches (Madry et al. 2018), beside the same fine-tuning on clean images (the control: the same "
          "extra epochs). Clean: celebA_ir TPR at FPR 0.1 and 0.01. Robust: white-box PGD success at each "
          "model's own FAR 1e-3 threshold (dodging: genuine pairs rejected; impersonation: impostor pairs "
          "accepted) at ε grey levels, from each model's newest attack run; ε 0 is the clean error at that "
          "threshold.\n\n";
    }
    std::vector<std::string> header = {"model", "run", "TPR@0.1", "TPR@0.01"};
    for (const char* goal : {"dodging", "impersonation"}) {
      for (double eps : radii) header.push_back(absl::StrFormat("%s ε %g", goal, eps));
    }
    header.push_back("attack run");
    MarkdownTable table(std::move(header));
    for (const auto& [label, r] : rows) {
      FACEREC_ASSIGN_OR_RETURN(const std::optional<double> tpr1, IdRateAt(store, r->run.id, 0.1));
      FACEREC_ASSIGN_OR_RETURN(const std::optional<double> tpr01, IdRateAt(store, r->run.id, 0.01));
      std::vector<std::string> row = {label, ShortUid(r->run), Cell(tpr1), Cell(tpr01)};
      const AttackRun* a = attack_of(r->run);
      for (const char* goal : {"dodging", "impersonation"}) {
        for (double eps : radii) {
          std::string cell = "–";
          if (a != nullptr) {
            for (const auto& [k, e] : a->series.at("attack/epsilon_255")) {
              if (e == eps) cell = Rate(a->series, absl::StrCat("attack/pgd/", goal, "/success_far0.001"), k);
            }
          }
          row.push_back(cell);
        }
      }
      row.push_back(a == nullptr ? std::string("–") : ShortUid(a->run));
      table.AddRow(std::move(row));
    }
    absl::StrAppend(&md, table.ToString(), "\n    ", adversarial.run.command_line, "\n\n");
  }
  if (md.empty()) {
    return absl::NotFoundError(absl::StrCat("no adversarially trained recogniser in ", store.path(),
                                            " (compare_losses --finetune_from=<run> --adversarial_steps=3)"));
  }
  return md;
}

}  // namespace facerec::tools
