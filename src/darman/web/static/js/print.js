// The printable statement's button opens the browser's print dialog (no inline script: CSP).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-button");
  if (button) button.addEventListener("click", () => window.print());
});
