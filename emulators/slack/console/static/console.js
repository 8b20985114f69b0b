// The console's page: menus and pickers that send their pick at once (as Slack's do), confirmations, the person
// switcher, and a feed that keeps up with what the app posts. Every change to the page comes from the server as
// rendered, escaped HTML; nothing here builds markup from text.
"use strict";

const page = document.body.dataset;

document.addEventListener("change", (event) => {
  const control = event.target.closest("[data-dispatch]");
  if (control && control.form) {
    if (control.name !== "value") {
      const used = document.createElement("input");
      used.type = "hidden";
      used.name = "do";
      used.value = control.name;
      control.form.append(used);
    }
    control.form.submit();
    return;
  }
  const person = event.target.closest("[data-person]");
  if (person) {
    const next = new URLSearchParams({ user: person.value, channel: person.form.elements.channel.value });
    location.assign(`/console?${next}`);
  }
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

const feed = document.getElementById("feed");
let shownFeed = page.digest;

async function refresh() {
  try {
    const answer = await fetch(page.feed, { cache: "no-store" });
    if (!answer.ok) return;
    const seen = await answer.json();
    if (seen.modal !== page.modal) {
      location.assign(page.page);  // a form opened, changed or closed: show it as the server renders it
      return;
    }
    const busy = feed.contains(document.activeElement) && document.activeElement.matches("select, input");
    if (seen.digest !== shownFeed && !busy) {
      feed.innerHTML = seen.feed;  // rendered and escaped by the server
      shownFeed = seen.digest;
    }
  } catch (error) {
    // the emulator stopped or is restarting: try again later
  } finally {
    setTimeout(refresh, 1500);
  }
}

setTimeout(refresh, 1500);
