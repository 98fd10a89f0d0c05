// "Copy link" beside a piece's share links: shown only where the browser can copy; without script,
// the address stays in its box, ready to select.
document.querySelectorAll("[data-copy]").forEach((button) => {
  if (!navigator.clipboard) return;
  const field = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector(".share__copied");
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(field.value).then(
      () => { status.textContent = "Link copied."; },
      () => { field.select(); status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected link."; },
    );
  });
});
