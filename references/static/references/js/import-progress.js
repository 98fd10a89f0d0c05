// The import page asks how far a background import has got every two seconds, and shows the result
// page once it has ended. Without JavaScript the page says the same, one refresh at a time.
(function () {
  "use strict";
  const page = document.querySelector(".import-job");
  if (!page) return;
  const bar = document.getElementById("import-progress");
  const label = page.querySelector(".import-job__label");
  const count = page.querySelector(".import-job__count");
  async function poll() {
    try {
      const response = await fetch(page.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const job = await response.json();
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();
          return;
        }
        bar.max = Math.max(job.to_save, 1);
        bar.value = job.saved;
        label.textContent = job.label;
        count.textContent = `${job.saved} of ${job.to_save}`;
      }
    } catch (error) {
      // A network hiccup: ask again at the next turn.
    }
    window.setTimeout(poll, 2000);
  }
  window.setTimeout(poll, 2000);
})();
