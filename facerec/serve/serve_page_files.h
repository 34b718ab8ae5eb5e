// The face API's page (facerec/serve/page/faces.*), embedded at build time
// by //facerec/serve:serve_page_files: real files a browser test loads as
// they are; http_server.cc serves them at /faces and /static/.
//
//   res.set_content(page::kFacesHtml, "text/html; charset=utf-8");
//
// Thread-safety: constants.
#ifndef FACEREC_SERVE_SERVE_PAGE_FILES_H_
#define FACEREC_SERVE_SERVE_PAGE_FILES_H_

namespace facerec::serve::page {

extern const char kFacesHtml[];  // page/faces.html: the page.
extern const char kFacesJs[];    // page/faces.js: identify, draw, enroll a face, remove a person.
extern const char kFacesCss[];   // page/faces.css.

}  // namespace facerec::serve::page

#endif  // FACEREC_SERVE_SERVE_PAGE_FILES_H_
