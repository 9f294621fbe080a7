// Progressive enhancement only: every page works without this file.

// Keep keyboard users where they were. htmx gives focus back to an element
// with the same id as the focused one; when there is none (the Claim button
// of a paper someone else just took, a link in a list that refreshed itself),
// focus the same control in the new copy of its nearest ancestor with an id,
// or that ancestor itself, rather than the top of the page.
const FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]";
let focusedBeforeSwap = null;

document.addEventListener("htmx:beforeSwap", () => {
  focusedBeforeSwap = document.activeElement;
});

document.addEventListener("htmx:afterSwap", () => {
  const lost = focusedBeforeSwap;
  if (!lost || lost.isConnected || (document.activeElement && document.activeElement !== document.body)) {
    return;
  }
  focusedBeforeSwap = null;
  for (let ancestor = lost.parentElement; ancestor; ancestor = ancestor.parentElement) {
    const twin = ancestor.id && document.getElementById(ancestor.id);
    if (!twin) continue;
    const index = [...ancestor.querySelectorAll(FOCUSABLE)].indexOf(lost);
    const same = twin.querySelectorAll(FOCUSABLE)[index];
    const target = same || twin;
    if (!target.matches(FOCUSABLE)) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    return;
  }
});
