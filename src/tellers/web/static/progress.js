/* Live progress of a roll import (the page also refreshes itself without JavaScript). */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.running !== "yes") return;
  var meta = document.querySelector('meta[http-equiv="refresh"]');
  if (meta) meta.parentNode.removeChild(meta);
  var bar = document.getElementById("job-progress");
  var counts = document.getElementById("job-counts");
  function poll() {
    fetch("/officer/jobs/" + box.dataset.job + ".json", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        var importing = job.stage === "importing" || job.stage === "done";
        var done = importing ? job.imported : job.read;
        var total = importing ? job.people : job.total;
        bar.max = Math.max(total, 1); bar.value = done;
        counts.textContent = done.toLocaleString() + " of " + total.toLocaleString() +
          (importing ? " people imported" : " lines checked");
        if (job.stalled !== (document.getElementById("job-stalled") !== null)) {
          window.location.reload();  // show (or drop) the warning of a silent import
        } else if (job.running) {
          window.setTimeout(poll, job.stalled ? 5000 : 500);
        } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
})();
