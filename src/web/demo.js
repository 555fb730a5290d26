// Coba SIGAP: post the simulator's forms in the background and keep the chat and the
// dashboard current by polling their fragments. Without this script the forms still work.
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  var board = document.getElementById("board");
  var toast = document.getElementById("toast");
  if (!chat) { return; }
  var hold = { "x-sigap-fetch": "1" };
  function refresh(el, stick) {
    if (!el) { return Promise.resolve(); }
    return fetch(el.getAttribute("data-poll"), { headers: hold, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || html === el.getAttribute("data-last")) { return; }
        var bottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        el.innerHTML = html;
        el.setAttribute("data-last", html);
        if (stick && bottom) { el.scrollTop = el.scrollHeight; }
      })
      .catch(function () {});
  }
  function say(text) {
    if (!text) { toast.hidden = true; return; }
    toast.textContent = text;
    toast.hidden = false;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-fetch")) { return; }
    event.preventDefault();
    var data = new FormData(form);
    var body = form.enctype === "multipart/form-data" ? data : new URLSearchParams(data);
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
    fetch(form.action, { method: "POST", body: body, headers: hold, credentials: "same-origin" })
      .then(function (r) { return r.text().then(function (t) { return r.ok ? t : r.status + ""; }); })
      .then(function (text) {
        say(text);
        if (form.id) { form.reset(); }
        return refresh(chat, true);
      })
      .catch(function () {})
      .then(function () {
        Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = false; });
      });
  });
  chat.scrollTop = chat.scrollHeight;
  chat.setAttribute("data-last", chat.innerHTML);
  setInterval(function () { refresh(chat, true); }, 1500);
  setInterval(function () { refresh(board, false); }, 3000);
})();
