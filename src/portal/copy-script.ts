// The portal's one script, GET /setup/copy.js: copy buttons, as progressive enhancement. Every page
// works without it (each value is shown as selectable text); with it, a button after each element
// marked `data-copy` copies that element's text (navigator.clipboard, else the text is selected and
// the browser's copy command tried) and says "Copied" for two seconds. The script has no catalogue:
// the page's <script> element carries the two words in its language (data-copy-label,
// data-copied-label; see layout.ts). Written for any browser of the last years (no modules, no
// build), and it never reads or sends anything but the marked text to the clipboard.

export const COPY_SCRIPT_PATH = '/setup/copy.js';

export const COPY_SCRIPT = `(function () {
  'use strict';
  var me = document.querySelector('script[data-copy-label]');
  if (!me || !document.body) return;
  var label = me.getAttribute('data-copy-label') || 'Copy';
  var copied = me.getAttribute('data-copied-label') || 'Copied';
  var status = document.createElement('span');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  document.body.appendChild(status);

  function textOf(el) {
    return (el.textContent || '').trim();
  }
  function confirm(button) {
    button.textContent = copied;
    status.textContent = copied;
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(function () {
      button.textContent = label;
      status.textContent = '';
    }, 2000);
  }
  function selectAndCopy(el, button) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    if (!selection) return;
    selection.removeAllRanges();
    selection.addRange(range);
    var ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (e) {
      ok = false;
    }
    // Not copied: the text stays selected for the person to copy.
    if (ok) confirm(button);
  }
  function copy(el, button) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(textOf(el)).then(
        function () { confirm(button); },
        function () { selectAndCopy(el, button); }
      );
    } else {
      selectAndCopy(el, button);
    }
  }

  var marked = document.querySelectorAll('[data-copy]');
  for (var i = 0; i < marked.length && i < 500; i++) {
    (function (el, n) {
      if (!el.id) el.id = 'copy-value-' + n;
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'copy';
      button.textContent = label;
      button.setAttribute('aria-describedby', el.id);
      button.addEventListener('click', function () { copy(el, button); });
      el.insertAdjacentElement('afterend', button);
    })(marked[i], i + 1);
  }
})();
`;
