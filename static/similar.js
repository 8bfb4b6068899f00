// While someone describes a problem, show existing issues that look the same.
(function () {
  const box = document.getElementById("similar");
  const title = document.getElementById("title");
  const body = document.getElementById("body");
  if (!box || !title || !body) return;
  const list = box.querySelector("ul");
  let timer = null;
  let last = "";

  async function look() {
    const text = (title.value + " " + body.value).trim();
    if (text.length < 4 || text === last) return;
    last = text;
    try {
      const response = await fetch("/api/v1/issues/similar?limit=3&q=" + encodeURIComponent(text.slice(0, 500)));
      if (!response.ok) return;
      const { items } = await response.json();
      list.replaceChildren(...items.map((issue) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = "/issues/" + issue.number + "-" + issue.slug + "#follow";
        link.textContent = "#" + issue.number + " " + issue.title;
        item.append(link, " (" + issue.status.replaceAll("_", " ") + ", " + issue.reporters + " reported)");
        return item;
      }));
      box.hidden = items.length === 0;
    } catch (error) {
      box.hidden = true;  // suggestions are a help, never a blocker
    }
  }

  for (const field of [title, body]) {
    field.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(look, 300);
    });
  }
})();
