// Early-return helpers for absl::Status and absl::StatusOr.
//
// Debian's Abseil (20220623) does not ship status macros, so facerec has its own:
//
//   absl::StatusOr<Dataset> Load(const std::string& root) {
//     FACEREC_RETURN_IF_ERROR(CheckDirectory(root));
//     FACEREC_ASSIGN_OR_RETURN(std::string text, ReadFile(root + "/anno.txt"));
//     ...
//   }
#ifndef FACEREC_CORE_STATUS_MACROS_H_
#define FACEREC_CORE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "glog/logging.h"  // FACEREC_CHECK_OK

#define FACEREC_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    const ::absl::Status facerec_status_ = (expr);     \
    if (!facerec_status_.ok()) return facerec_status_; \
  } while (false)

#define FACEREC_STATUS_CONCAT_INNER_(a, b) a##b
#define FACEREC_STATUS_CONCAT_(a, b) FACEREC_STATUS_CONCAT_INNER_(a, b)

// `lhs` may declare a variable: FACEREC_ASSIGN_OR_RETURN(auto x, F());
#define FACEREC_ASSIGN_OR_RETURN(lhs, expr) \
  FACEREC_ASSIGN_OR_RETURN_IMPL_(FACEREC_STATUS_CONCAT_(facerec_statusor_, __LINE__), lhs, expr)

#define FACEREC_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()

// For tools and tests only: dies with the status message when not OK.
#define FACEREC_CHECK_OK(expr)                                           \
  do {                                                                   \
    const ::absl::Status facerec_check_status_ = (expr);                 \
    CHECK(facerec_check_status_.ok()) << facerec_check_status_.ToString(); \
  } while (false)

#endif  // FACEREC_CORE_STATUS_MACROS_H_
