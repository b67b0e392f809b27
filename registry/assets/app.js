// Rongtong web application: the few places a page updates in place. Plain script, no
// framework and no build step (embedded in the binary, pages/assets.rs); every page works
// without it, this only makes three things nicer:
//  - [data-poll="/url"]: polls a JSON progress document {done,total,finished} and moves the
//    bar inside ([data-bar]) and the text ([data-progress-text]); reloads when finished;
//  - input[data-suggest="/url"]: fills the input's <datalist> from /url?q=… as one types
//    ([{value,label}]) — the skill picker;
//  - form[data-confirm="text"]: asks before submitting (revoking, deleting).
(function () {
  'use strict';
  function poll(el) {
    var url = el.getAttribute('data-poll');
    var bar = el.querySelector('[data-bar]');
    var text = el.querySelector('[data-progress-text]');
    function tick() {
      fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          var pct = p.total > 0 ? Math.round(100 * p.done / p.total) : (p.finished ? 100 : 0);
          if (bar) { bar.style.width = pct + '%'; }
          if (text) { text.textContent = p.done + ' / ' + p.total + ' (' + pct + ' %)'; }
          el.setAttribute('data-percent', String(pct));
          if (p.finished) { el.setAttribute('data-finished', 'true'); if (el.hasAttribute('data-reload')) { window.location.reload(); } }
          else { window.setTimeout(tick, 500); }
        })
        .catch(function () { window.setTimeout(tick, 2000); });
    }
    tick();
  }
  function suggest(input) {
    var url = input.getAttribute('data-suggest');
    var list = document.getElementById(input.getAttribute('list'));
    var timer = null;
    input.addEventListener('input', function () {
      window.clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 1 || !list) { return; }
      timer = window.setTimeout(function () {
        fetch(url + (url.indexOf('?') < 0 ? '?' : '&') + 'q=' + encodeURIComponent(q), { credentials: 'same-origin' })
          .then(function (r) { return r.json(); })
          .then(function (items) {
            list.innerHTML = '';
            items.forEach(function (it) {
              var o = document.createElement('option');
              o.value = it.value; o.label = it.label; o.textContent = it.label;
              list.appendChild(o);
            });
          });
      }, 150);
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-poll]').forEach(poll);
    document.querySelectorAll('input[data-suggest]').forEach(suggest);
    document.querySelectorAll('form[data-confirm]').forEach(function (f) {
      f.addEventListener('submit', function (e) { if (!window.confirm(f.getAttribute('data-confirm'))) { e.preventDefault(); } });
    });
  });
})();
