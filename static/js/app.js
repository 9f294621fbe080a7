// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:afterSwap", (event) => {
  // Keep keyboard users where they were: if the focused control was swapped
  // away, move focus to the swapped region rather than to the page top.
  if (!document.activeElement || document.activeElement === document.body) {
    const target = event.detail.target;
    if (target && target.isConnected) {
      target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
    }
  }
});
