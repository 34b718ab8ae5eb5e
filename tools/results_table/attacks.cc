// Results section: attack success against ε, white-box and transferred, and the eyeglasses.
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

namespace {

// The eyeglass-frame impersonation table, or "" when no run has it.
std::string EyeglassMarkdown(const std::vector<AttackRun>& runs) {
  if (runs.empty()) return "";
  std::string md =
      "Adversarial eyeglasses (Sharif et al., CCS 2016): PGD impersonation with the perturbation confined to "
      "an eyeglass frame over the eyes, at large radii (255: any colour inside the frame). Success at the "
      "attacked recogniser's own FAR 1e-3 and 1e-2 thresholds; \"transferred\" is the mean success at FAR "
      "1e-3 over the other recognisers scoring the same images.\n\n";
  MarkdownTable table(
      {"recogniser", "ε", "success @FAR 1e-3", "@FAR 1e-2", "transferred @1e-3", "PSNR", "SSIM"});
  std::set<std::string> commands;
  for (const AttackRun& a : runs) {
    const std::string name = a.run.name.substr(a.run.name.find('_') + 1);
    for (const auto& [k, eps] : a.series.at("eyeglass/epsilon_255")) {
      double transferred = 0;
      int targets = 0;
      for (const auto& [key, values] : a.series) {
        if (absl::StartsWith(key, "transfer/") &&
            absl::EndsWith(key, "/eyeglass_pgd/impersonation/success_far0.001") && values.count(k)) {
          transferred += values.at(k);
          ++targets;
        }
      }
      table.AddRow({absl::StrCat(name, " (", ShortUid(a.run), ")"), absl::StrFormat("%g", eps),
                    Rate(a.series, "eyeglass/pgd/impersonation/success_far0.001", k),
                    Rate(a.series, "eyeglass/pgd/impersonation/success_far0.01", k),
                    targets ? absl::StrFormat("%.3f", transferred / targets) : std::string("–"),
                    Rate(a.series, "eyeglass/pgd/impersonation/psnr", k, 1),
                    Rate(a.series, "eyeglass/pgd/impersonation/ssim", k)});
    }
    commands.insert(absl::StrCat("    ", a.run.command_line, " (", a.param("pairs"), " pairs, ",
                                 a.param("eyeglass_steps"), " steps)\n"));
  }
  return absl::StrCat(md, table.ToString(), "\n", absl::StrJoin(commands, ""), "\n");
}


}  // namespace

absl::StatusOr<std::string> AttacksMarkdown(ExperimentStore& store) {
  FACEREC_ASSIGN_OR_RETURN(std::vector<AttackRun> grid, NewestAttackRuns(store, "attack/epsilon_255"));
  FACEREC_ASSIGN_OR_RETURN(std::vector<AttackRun> eyeglass, NewestAttackRuns(store, "eyeglass/epsilon_255"));
  FACEREC_ASSIGN_OR_RETURN(const std::set<std::string> defence, DefenceRecogniserUids(store));
  for (std::vector<AttackRun>* runs : {&grid, &eyeglass}) {
    runs->erase(std::remove_if(runs->begin(), runs->end(),
                               [&](const AttackRun& a) { return defence.count(a.param("embedding_run_uid")) > 0; }),
                runs->end());
  }
  if (grid.empty() && eyeglass.empty()) {
    return absl::NotFoundError(absl::StrCat("no finished attack run in ", store.path(),
                                            " (tools/bazel run //experiments:attack_recogniser)"));
  }
  std::string md =
      "Success rate of each attack on celebA_ir query pairs at the recogniser's own FAR 1e-3 "
      "threshold (dodging: genuine pairs rejected; impersonation: impostor pairs accepted), "
      "against the L∞ radius ε in grey levels; ε = 0 is the clean error rate. PSNR and SSIM are "
      "medians at the largest ε.\n\n";
  std::map<std::tuple<std::string, std::string, std::string>, std::map<std::string, std::string>> transfer_rows;
  std::set<std::string> all_targets;
  for (const AttackRun& a : grid) {
    const tracking::RunRecord& run = a.run;
    const std::map<std::string, std::map<int64_t, double>>& series = a.series;
    const std::map<int64_t, double>& eps = series.at("attack/epsilon_255");
    const int64_t last = eps.rbegin()->first;
    const auto param = [&](const std::string& key) { return a.param(key); };
    absl::StrAppend(&md, "Run ", ShortUid(run), " (", run.name, ", recogniser of run ",
                    param("embedding_run_uid").substr(0, 8), ", ", param("pairs"), " pairs per goal, ",
                    param("steps"), " steps):\n\n");
    std::vector<std::string> header = {"attack", "goal"};
    for (const auto& [k, e] : eps) header.push_back(absl::StrFormat("ε %g", e));
    header.push_back("PSNR");
    header.push_back("SSIM");
    MarkdownTable table(std::move(header));
    std::set<std::string> targets;
    for (const auto& [key, values] : series) {
      if (!absl::StartsWith(key, "transfer/")) continue;
      const std::vector<std::string> parts = absl::StrSplit(key, '/');
      targets.insert(parts[1]);  // transfer/<target>/<method>/<goal>/...
    }
    for (const char* method : {"fgsm", "pgd", "mi_fgsm"}) {
      for (const char* goal : {"dodging", "impersonation"}) {
        const std::string key = absl::StrCat(method, "/", goal);
        const auto it = series.find(absl::StrCat("attack/", key, "/success_far0.001"));
        if (it == series.end()) continue;
        std::vector<std::string> cells = {method, goal};
        for (const auto& [k, e] : eps) {
          const auto v = it->second.find(k);
          cells.push_back(v == it->second.end() ? std::string("–") : absl::StrFormat("%.3f", v->second));
        }
        const auto at_last = [&](const std::string& name, const absl::FormatSpec<double>& format) {
          const auto s = series.find(absl::StrCat("attack/", key, "/", name));
          if (s == series.end() || !s->second.count(last)) return std::string("–");
          return absl::StrFormat(format, s->second.at(last));
        };
        cells.push_back(at_last("psnr", "%.1f"));
        cells.push_back(at_last("ssim", "%.3f"));
        table.AddRow(std::move(cells));
        std::map<std::string, std::string> row;
        for (const std::string& target : targets) {
          const auto t = series.find(absl::StrCat("transfer/", target, "/", key, "/success_far0.001"));
          if (t == series.end() || !t->second.count(last)) continue;
          const auto clean = t->second.find(eps.begin()->first);
          row[target] = absl::StrCat(clean == t->second.end() ? std::string("–") : absl::StrFormat("%.2f", clean->second),
                                     " → ", absl::StrFormat("%.2f", t->second.at(last)));
        }
        if (!row.empty()) transfer_rows[{run.name.substr(run.name.find('_') + 1), method, goal}] = row;
        all_targets.insert(targets.begin(), targets.end());
      }
    }
    absl::StrAppend(&md, table.ToString(), "\n    ", run.command_line, "\n\n");
  }
  if (!transfer_rows.empty()) {
    absl::StrAppend(&md, "Transfer (black-box): images made on one recogniser at the largest ε, scored by each other "
                         "one at its own FAR 1e-3 threshold, as clean rate → attacked rate.\n\n");
    std::vector<std::string> header = {"made on", "attack", "goal"};
    header.insert(header.end(), all_targets.begin(), all_targets.end());
    MarkdownTable table(std::move(header));
    for (const auto& [source, row] : transfer_rows) {
      std::vector<std::string> cells = {std::get<0>(source), std::get<1>(source), std::get<2>(source)};
      for (const std::string& target : all_targets) {
        const auto cell = row.find(target);
        cells.push_back(cell == row.end() ? std::string("–") : cell->second);
      }
      table.AddRow(std::move(cells));
    }
    absl::StrAppend(&md, table.ToString(), "\n");
  }
  return md + EyeglassMarkdown(eyeglass);
}

}  // namespace facerec::tools
