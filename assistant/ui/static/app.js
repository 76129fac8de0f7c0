() => {
  // Delegated on the document (the chatbot re-renders its messages): [n] markers, copy, regenerate, drawer.
  if (window.__paHandlers) return;
  window.__paHandlers = true;
  let nonce = 0;
  const send = (id, value) => {
    const box = document.querySelector(`#${id} textarea, #${id} input`);
    if (!box) return;
    nonce += 1;
    box.value = value + '#' + nonce;
    box.dispatchEvent(new Event('input', { bubbles: true }));
  };
  const narrow = () => window.matchMedia('(max-width: 768px)').matches;
  const copy = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) { /* fall back below */ }
    const area = document.createElement('textarea');
    area.value = text; area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select();
    const done = document.execCommand('copy'); area.remove(); return done;
  };
  document.addEventListener('click', (event) => {
    const target = event.target && event.target.closest ? event.target : null;
    if (!target) return;
    const cite = target.closest('.pa-cite');
    if (cite && cite.value) {
      event.preventDefault(); event.stopPropagation();
      document.querySelectorAll('.pa-cite.pa-active').forEach((el) => el.classList.remove('pa-active'));
      cite.classList.add('pa-active');
      const col = document.querySelector('#pa-panel-col');
      if (col && narrow()) col.classList.add('pa-open');
      send('pa-pick', cite.value);
      return;
    }
    if (target.closest('.pa-drawer-close')) { document.querySelector('#pa-panel-col')?.classList.remove('pa-open'); return; }
    const copyButton = target.closest('.pa-copy-btn');
    if (copyButton) {
      event.preventDefault(); event.stopPropagation();
      const source = copyButton.closest('.pa-actions')?.querySelector('.pa-md');
      copy(source ? source.textContent : '').then((ok) => {
        copyButton.textContent = ok ? '已复制' : '复制失败';
        setTimeout(() => { copyButton.textContent = '复制'; }, 1500);
      });
      return;
    }
    const regen = target.closest('.pa-regen');
    if (regen) { event.preventDefault(); event.stopPropagation(); send('pa-action', 'regen:' + regen.value); }
  }, true);
  // the quote scrolled into view in the panel; 全文 scrolled to its highlight when opened
  const center = (container, el) => {
    if (!container || !el) return;
    const top = el.getBoundingClientRect().top - container.getBoundingClientRect().top + container.scrollTop;
    container.scrollTop = Math.max(0, top - container.clientHeight / 3);
  };
  const showQuote = () => {
    const panel = document.querySelector('#pa-panel');
    if (panel) center(panel, panel.querySelector('mark.pa-quote'));
  };
  document.addEventListener('toggle', (event) => {
    const details = event.target;
    if (!details || !details.classList || !details.classList.contains('pa-full') || !details.open) return;
    center(details.querySelector('.pa-article'), details.querySelector('mark.pa-quote-full'));
  }, true);
  const watch = () => {
    const panel = document.querySelector('#pa-panel');
    if (!panel) { setTimeout(watch, 300); return; }
    new MutationObserver(showQuote).observe(panel, { childList: true, subtree: true });
  };
  watch();
  // Gradio's own words (upload box, buttons) in Chinese whatever the browser's language
  try {
    const core = performance.getEntriesByType('resource').map((r) => r.name).find((u) => /\/assets\/core-[^/]*\.js$/.test(u));
    if (core) import(core).then((m) => { if (m.changeLocale) m.changeLocale('zh-CN'); }).catch(() => {});
  } catch (e) { /* keep the browser's language */ }
}
