// Runs first in the report page: every error (Chart.js's included) is kept in
// window.reportErrors, which #selfcheck reports to the headless-browser test.
window.reportErrors = [];
window.addEventListener('error', e => window.reportErrors.push(String(e.message)));
(function () {
  const original = console.error;
  console.error = function (...args) {
    window.reportErrors.push(args.map(String).join(' '));
    original.apply(console, args);
  };
})();
