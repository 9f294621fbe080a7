// Polls that ask for a visible page skip a hidden one.
//
// htmx would evaluate the trigger filter [document.visibilityState === 'visible']
// with eval, which the Content-Security-Policy forbids; so base.html turns
// htmx's eval off, and this answers that one filter instead.
document.addEventListener("htmx:confirm", (event) => {
  const trigger = event.detail.elt.getAttribute("hx-trigger") || "";
  if (trigger.includes("document.visibilityState === 'visible'") && document.visibilityState !== "visible") {
    event.preventDefault();
  }
});
