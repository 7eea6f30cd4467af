// Small glue for server-rendered pages: menus, copy buttons, dialogs, toasts.
// No inline scripts anywhere: everything is wired here by data attributes.
(function () {
  "use strict";

  function closeMenus(except) {
    document.querySelectorAll("[data-menu]").forEach(function (menu) {
      if (menu === except) return;
      var button = menu.querySelector("[data-menu-button]");
      var list = menu.querySelector(".menu-list");
      if (button) button.setAttribute("aria-expanded", "false");
      if (list) list.hidden = true;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-menu-button]");
    if (button) {
      var menu = button.closest("[data-menu]");
      var list = menu.querySelector(".menu-list");
      var open = list.hidden;
      closeMenus(menu);
      list.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        var first = list.querySelector("[role=menuitem]:not([aria-disabled=true])");
        if (first) first.focus();
      }
      return;
    }
    if (!event.target.closest(".menu-list")) closeMenus(null);

    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var value = copy.getAttribute("data-copy");
      var done = function () { toast("Copied " + (value.length > 40 ? "link" : value)); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(value).then(done, function () { fallbackCopy(value); done(); });
      } else {
        fallbackCopy(value); done();
      }
    }
  });

  // Asking before an action, in the console's own dialog (never the browser's confirm()): Cancel
  // has the focus, Esc cancels, the action's own label confirms.
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }
  function confirmDialog(question, action, proceed) {
    closeMenus(null);
    var dialog = element("dialog", "money-dialog confirm-dialog");
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.setAttribute("aria-describedby", "confirm-dialog-question");
    dialog.setAttribute("data-testid", "confirm-dialog");
    var header = element("div", "dialog-header");
    var title = element("h2", "", "Are you sure?");
    title.id = "confirm-dialog-title";
    header.appendChild(title);
    var body = element("div", "dialog-body");
    var text = element("p", "", question);
    text.id = "confirm-dialog-question";
    body.appendChild(text);
    var footer = element("div", "dialog-footer");
    var cancel = element("button", "button", "Cancel");
    var ok = element("button", "button button-primary", action || "Continue");
    cancel.type = ok.type = "button";
    footer.appendChild(cancel);
    footer.appendChild(ok);
    dialog.appendChild(header);
    dialog.appendChild(body);
    dialog.appendChild(footer);
    var done = function () { dialog.close(); dialog.remove(); };
    cancel.addEventListener("click", done);
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); done(); });
    ok.addEventListener("click", function () { done(); proceed(); });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  }
  function actionLabel(elt) {
    var button = elt && (elt.matches("button") ? elt : elt.querySelector("button[type=submit], button:not([type])"));
    return button ? button.textContent.trim() : "";
  }
  // Links that carry the page's current filters (the list's filters change the address without
  // reloading the page): data-with-current-query="/accounts/export.csv".
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-with-current-query]");
    if (link) link.href = link.getAttribute("data-with-current-query") + window.location.search;
  }, true);

  // Forms that act on what the page shows (data-carry-query): the page's current filters, which
  // change the address without reloading it, go along unless the form has a field of that name.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-carry-query]");
    if (!form) return;
    form.querySelectorAll("input[data-carried]").forEach(function (input) { input.remove(); });
    new URLSearchParams(window.location.search).forEach(function (value, name) {
      if (form.elements[name] || name === "after" || name === "before") return;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      input.setAttribute("data-carried", "");
      form.appendChild(input);
    });
  }, true);

  // Buttons of plain forms (data-confirm="…").
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (!button || button.hasAttribute("data-confirmed")) return;
    event.preventDefault();
    confirmDialog(button.getAttribute("data-confirm"), actionLabel(button), function () {
      button.setAttribute("data-confirmed", "");
      if (button.form) button.form.requestSubmit(button);
      button.removeAttribute("data-confirmed");
    });
  }, true);
  // htmx requests (hx-confirm="…").
  document.addEventListener("htmx:confirm", function (event) {
    if (!event.detail.question) return;
    event.preventDefault();
    confirmDialog(event.detail.question, actionLabel(event.detail.elt), function () {
      event.detail.issueRequest(true);
    });
  });

  // On a phone the sidebar is a drawer behind the topbar's Menu button.
  function setNav(open) {
    var toggle = document.querySelector("[data-nav-toggle]");
    if (!toggle) return;
    document.body.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var first = document.querySelector("#sidebar a, #sidebar button");
      if (first) first.focus();
    } else if (document.activeElement && document.activeElement.closest("#sidebar")) {
      toggle.focus();
    }
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-nav-toggle]")) setNav(!document.body.classList.contains("nav-open"));
    else if (event.target.closest("[data-nav-close]")) setNav(false);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
    if (event.key === "Escape" && document.body.classList.contains("nav-open")) setNav(false);
    // "/" focuses the search, as in most consoles, unless the operator is typing somewhere.
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var active = document.activeElement;
      var typing = active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName));
      var search = document.getElementById("global-search");
      if (!typing && search && !document.querySelector("dialog[open]")) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    }
  });

  function fallbackCopy(value) {
    var area = document.createElement("textarea");
    area.value = value;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the value stays visible to copy by hand */ }
    document.body.removeChild(area);
  }

  function toast(message) {
    var region = document.getElementById("toast-region");
    if (!region) return;
    var item = document.createElement("div");
    item.className = "toast";
    item.textContent = message;
    region.appendChild(item);
    setTimeout(function () { item.remove(); }, 3500);
  }

  // Dialogs: a server-rendered <dialog> swapped into #dialog-slot opens itself.
  function openDialogs(root) {
    (root || document).querySelectorAll("dialog[data-autoopen]").forEach(function (dialog) {
      closeMenus(null);  // the menu that opened it must not stay open behind it
      if (!dialog.open) dialog.showModal();
      var field = dialog.querySelector("[aria-invalid=true], input:not([type=hidden]), select, textarea");
      if (field) field.focus();
    });
  }
  document.addEventListener("htmx:afterSwap", function (event) { openDialogs(event.detail.target); });
  document.addEventListener("DOMContentLoaded", function () { openDialogs(document); });
  document.addEventListener("close-dialog", function () {
    // Removed on the next tick: htmx may still dispatch further HX-Trigger events (a toast) from an
    // element inside the dialog, and a detached element's events never reach the document.
    setTimeout(function () {
      document.querySelectorAll("#dialog-slot dialog").forEach(function (dialog) { dialog.close(); dialog.remove(); });
    }, 0);
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-dialog-close]")) {
      var dialog = event.target.closest("dialog");
      if (dialog) { dialog.close(); dialog.remove(); }
    }
  });
  // A submit button whose label follows a radio choice (the + Create dialog: Continue / Create).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.form || input.type !== "radio") return;
    input.form.querySelectorAll("[data-label-for='" + input.name + "']").forEach(function (button) {
      var label = button.getAttribute("data-label-" + input.value);
      if (label) button.textContent = label;
    });
  });

  // Fields that only apply to one choice (data-show-when="name:value") hide for the others.
  // Without JavaScript every field stays visible and the server checks what applies.
  function applyShowWhen(root) {
    (root || document).querySelectorAll("[data-show-when]").forEach(function (field) {
      var rule = field.getAttribute("data-show-when").split(":");
      var form = field.closest("form");
      if (!form) return;
      var controls = form.querySelectorAll("[name='" + rule[0] + "']");
      var current = "";
      controls.forEach(function (c) {
        if ((c.type === "radio" || c.type === "checkbox") ? c.checked : true) current = c.type === "checkbox" ? "on" : c.value;
      });
      field.hidden = current !== rule[1];
    });
  }
  document.addEventListener("change", function () { applyShowWhen(document); });
  document.addEventListener("DOMContentLoaded", function () { applyShowWhen(document); });
  // After any swap, the whole page: an outerHTML swap (a form sent back with its errors) replaces
  // the very element htmx reports as the target.
  document.addEventListener("htmx:afterSettle", function () { applyShowWhen(document); });

  document.addEventListener("show-toast", function (event) {
    if (event.detail && event.detail.value) toast(event.detail.value);
  });
})();
