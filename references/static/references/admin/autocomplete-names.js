// select2, behind Django's autocomplete fields, marks the text of the current choice as a
// read-only textbox but gives it no name, so screen readers announce an unnamed field.
// Name each one after its field's placeholder, including rows added to an inline later.
'use strict';
{
    const nameBoxes = (root) => {
        root.querySelectorAll('.select2-selection__rendered[role="textbox"]:not([aria-label])').forEach((box) => {
            const select = document.getElementById(box.id.replace(/^select2-/, '').replace(/-container$/, ''));
            const name = select && (select.dataset.placeholder || select.getAttribute('aria-label'));
            if (name) {
                box.setAttribute('aria-label', name);
            }
        });
    };
    document.addEventListener('DOMContentLoaded', () => {
        nameBoxes(document);
        new MutationObserver(() => nameBoxes(document)).observe(document.body, {childList: true, subtree: true});
    });
}
