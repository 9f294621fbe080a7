// Loaded before the page paints: styles for .js (and .no-js-only) apply from the first frame.
document.documentElement.classList.add("js");
